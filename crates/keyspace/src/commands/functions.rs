//! FUNCTION and FCALL: Lua function libraries.
//!
//! Libraries are replicated state like the keys: FUNCTION LOAD, DELETE,
//! FLUSH and RESTORE are write rows through the log, FCALL runs on apply
//! (a write row), FCALL_RO as a read. Every call loads the function's
//! library into a fresh script state (see [`crate::script`]), so nothing
//! but the keyspace carries over between calls.

use bytes::Bytes;
use resp::Reply;

use super::scripting::{numkeys, script_keys, RUNS_SCRIPT, RUNS_SCRIPT_READ_ONLY};
use crate::codec::{Reader, Writer};
use crate::script::{self, FunctionFlags, Invocation, Library, Target, Vm, FLAG_NAMES};
use crate::table::{CommandSpec as C, Flags as F, Group as G, Handler as H};
use crate::{args, glob, CmdError, CmdResult, Ctx, Keyspace};

pub(crate) const COMMANDS: &[C] = &[
    C::new("fcall", -3, G::Scripting, H::Write(fcall))
        .flags(RUNS_SCRIPT)
        .movable(script_keys)
        .doc(
            "Invoke a function",
            "7.0.0",
            "Depends on the function that is executed.",
        ),
    C::new("fcall_ro", -3, G::Scripting, H::Read(fcall_ro))
        .flags(RUNS_SCRIPT_READ_ONLY)
        .movable(script_keys)
        .doc(
            "Invoke a read-only function",
            "7.0.0",
            "Depends on the function that is executed.",
        ),
    C::new("function", -2, G::Scripting, H::Container)
        .doc(
            "A container for function commands",
            "7.0.0",
            "Depends on subcommand.",
        )
        .subcommands(FUNCTION),
];

const FUNCTION: &[C] = &[
    C::new("function|load", -3, G::Scripting, H::Write(function_load))
        .flags(&[F::WRITE, F::DENYOOM, F::NOSCRIPT])
        .doc(
            "Create a function with the given arguments (name, code, description)",
            "7.0.0",
            "O(1) (considering compilation time is redundant)",
        ),
    C::new("function|list", -2, G::Scripting, H::Read(function_list))
        .flags(&[F::NOSCRIPT])
        .doc(
            "List information about all the functions",
            "7.0.0",
            "O(N) where N is the number of functions",
        ),
    C::new(
        "function|delete",
        3,
        G::Scripting,
        H::Write(function_delete),
    )
    .flags(&[F::WRITE, F::NOSCRIPT])
    .doc("Delete a function by name", "7.0.0", "O(1)"),
    C::new("function|flush", -2, G::Scripting, H::Write(function_flush))
        .flags(&[F::WRITE, F::NOSCRIPT])
        .doc(
            "Deleting all functions",
            "7.0.0",
            "O(N) where N is the number of functions deleted",
        ),
    C::new("function|dump", 2, G::Scripting, H::Read(function_dump))
        .flags(&[F::NOSCRIPT])
        .doc(
            "Dump all functions into a serialized binary payload",
            "7.0.0",
            "O(N) where N is the number of functions",
        ),
    C::new(
        "function|restore",
        -3,
        G::Scripting,
        H::Write(function_restore),
    )
    .flags(&[F::WRITE, F::DENYOOM, F::NOSCRIPT])
    .doc(
        "Restore all the functions on the given payload",
        "7.0.0",
        "O(N) where N is the number of functions on the payload",
    ),
    C::new("function|stats", 2, G::Scripting, H::Read(function_stats))
        .flags(&[F::NOSCRIPT, F::ALLOW_BUSY])
        .doc(
            "Return information about the function currently running (name, description, duration)",
            "7.0.0",
            "O(1)",
        ),
    C::new("function|kill", 2, G::Scripting, H::Read(function_kill))
        .flags(&[F::NOSCRIPT, F::ALLOW_BUSY])
        .doc("Kill the function currently in execution.", "7.0.0", "O(1)"),
    C::new("function|help", 2, G::Scripting, H::Read(function_help))
        .flags(&[F::LOADING, F::STALE])
        .doc(
            "Show helpful text about the different subcommands",
            "7.0.0",
            "O(1)",
        ),
];

const FUNCTION_HELP: &[&str] = &[
    "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "LOAD [REPLACE] <FUNCTION CODE>",
    "    Create a new library with the given library name and code.",
    "DELETE <LIBRARY NAME>",
    "    Delete the given library.",
    "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
    "    Return general information on all the libraries:",
    "    * Library name",
    "    * The engine used to run the Library",
    "    * Library description",
    "    * Functions list",
    "    * Library code (if WITHCODE is given)",
    "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
    "STATS",
    "    Return information about the current function running:",
    "    * Function name",
    "    * Command used to run the function",
    "    * Duration in MS that the function is running",
    "    If no function is running, return nil",
    "    In addition, returns a list of available engines.",
    "KILL",
    "    Kill the current running function.",
    "FLUSH [ASYNC|SYNC]",
    "    Delete all the libraries.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the libraries.",
    "    * SYNC: Synchronously flush the libraries.",
    "DUMP",
    "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
    "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
    "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
    "    control how to handle existing libraries (default APPEND):",
    "    * FLUSH: delete all existing libraries.",
    "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
    "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
    "      libraries with the new libraries (notice that even on this option there is a chance of failure",
    "      in case of functions name collision with another library).",
    "HELP",
    "    Prints this help.",
];

/// Magic of keel's FUNCTION DUMP payload (see docs/design/dump.md).
const DUMP_MAGIC: &[u8; 6] = b"KEELFN";
const DUMP_VERSION: u8 = 1;

fn fcall(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    run_function(Target::Write(ks), ctx, args, false, out)
}

fn fcall_ro(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    run_function(Target::Read(ks), ctx, args, true, out)
}

fn run_function(
    target: Target<'_>,
    ctx: &mut Ctx,
    args: &[Bytes],
    ro_command: bool,
    out: &mut Reply,
) -> CmdResult {
    let n = numkeys(args)?;
    let name = String::from_utf8_lossy(&args[1]).into_owned();
    let scripts = match &target {
        Target::Read(ks) => ks.scripts(),
        Target::Write(ks) => ks.scripts(),
    };
    let library = scripts
        .library_of(&name)
        .ok_or_else(|| CmdError::err("Function not found"))?;
    let flags = library
        .functions
        .get(&name)
        .map(|f| f.flags)
        .unwrap_or_default();
    let read_only = flags.contains(FunctionFlags::NO_WRITES);
    if ro_command && !read_only {
        return Err(CmdError::err(
            "Can not execute a script with write flag using *_ro command.",
        ));
    }
    let code = library.code.clone();
    let vm = Vm::new("@user_function", ctx.rng_seed())?;
    let (_, body_start) = script::parse_library_header(&code)?;
    let registered = vm.load_library(&code, body_start)?;
    let function = registered
        .iter()
        .find(|r| r.name == name)
        .ok_or_else(|| CmdError::err("Function not found"))?;
    let inv = Invocation {
        name: &name,
        keys: &args[3..3 + n],
        args: &args[3 + n..],
        read_only,
    };
    vm.run_function(&function.callback, target, ctx, &inv, out)
}

fn function_load(ks: &mut Keyspace, _: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let (replace, code) = match args.len() {
        3 => (false, &args[2]),
        4 if args::is(&args[2], "replace") => (true, &args[3]),
        _ => {
            return Err(CmdError::err(format!(
                "Unknown option given: {}",
                String::from_utf8_lossy(&args[2])
            )))
        }
    };
    let (name, _) = script::parse_library_header(code)?;
    if !replace && ks.scripts.libraries().contains_key(&name) {
        return Err(CmdError::err(format!("Library '{name}' already exists")));
    }
    let (name, library) = script::load_library(code)?;
    check_collisions(ks, &name, &library)?;
    ks.scripts.insert_library(name.clone(), library);
    out.bulk(name.as_bytes());
    Ok(())
}

/// Refuses a library registering a function another library has.
fn check_collisions(ks: &Keyspace, name: &str, library: &Library) -> CmdResult {
    for function in library.functions.keys() {
        if ks.scripts.owner_of(function, name).is_some() {
            return Err(CmdError::err(format!("Function {function} already exists")));
        }
    }
    Ok(())
}

fn function_list(ks: &Keyspace, _: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let (mut with_code, mut pattern) = (false, None);
    let mut i = 2;
    while i < args.len() {
        if args::is(&args[i], "withcode") {
            with_code = true;
        } else if args::is(&args[i], "libraryname") {
            pattern = Some(
                args.get(i + 1)
                    .ok_or_else(|| CmdError::err("library name argument was not given"))?,
            );
            i += 1;
        } else {
            return Err(CmdError::err(format!(
                "Unknown argument {}",
                String::from_utf8_lossy(&args[i])
            )));
        }
        i += 1;
    }
    let libraries: Vec<(&String, &Library)> = ks
        .scripts
        .libraries()
        .iter()
        .filter(|(name, _)| pattern.is_none_or(|p| glob::matches(p, name.as_bytes(), false)))
        .collect();
    out.array(libraries.len());
    for (name, library) in libraries {
        out.map(if with_code { 4 } else { 3 });
        out.bulk(b"library_name");
        out.bulk(name.as_bytes());
        out.bulk(b"engine");
        out.bulk(b"LUA");
        out.bulk(b"functions");
        out.array(library.functions.len());
        for (function, meta) in &library.functions {
            out.map(3);
            out.bulk(b"name");
            out.bulk(function.as_bytes());
            out.bulk(b"description");
            out.bulk_or_null(meta.description.as_deref());
            out.bulk(b"flags");
            let names: Vec<&str> = FLAG_NAMES
                .iter()
                .filter(|(f, _)| meta.flags.contains(*f))
                .map(|(_, n)| *n)
                .collect();
            out.set(names.len());
            for n in names {
                out.simple(n);
            }
        }
        if with_code {
            out.bulk(b"library_code");
            out.bulk(&library.code);
        }
    }
    Ok(())
}

fn function_delete(ks: &mut Keyspace, _: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    if !ks
        .scripts
        .remove_library(&String::from_utf8_lossy(&args[2]))
    {
        return Err(CmdError::err("Library not found"));
    }
    out.ok();
    Ok(())
}

fn function_flush(ks: &mut Keyspace, _: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    match args.get(2) {
        None => {}
        Some(mode) if args.len() == 3 && (args::is(mode, "sync") || args::is(mode, "async")) => {}
        Some(_) => {
            return Err(CmdError::err(
                "FUNCTION FLUSH only supports SYNC|ASYNC option",
            ))
        }
    }
    ks.scripts.flush_libraries();
    out.ok();
    Ok(())
}

fn function_dump(ks: &Keyspace, _: &mut Ctx, _: &[Bytes], out: &mut Reply) -> CmdResult {
    let mut w = Writer::new();
    w.buf.extend_from_slice(DUMP_MAGIC);
    w.u8(DUMP_VERSION);
    w.varint(ks.scripts.libraries().len() as u64);
    for library in ks.scripts.libraries().values() {
        w.bytes(&library.code);
    }
    let crc = crc32c::crc32c(&w.buf);
    w.buf.extend_from_slice(&crc.to_le_bytes());
    out.bulk(&w.buf);
    Ok(())
}

/// The library codes of a FUNCTION DUMP payload, checked.
fn parse_dump(payload: &[u8]) -> Result<Vec<Bytes>, CmdError> {
    let bad = || CmdError::err("DUMP payload version or checksum are wrong");
    let (body, crc) = payload
        .split_at_checked(payload.len().saturating_sub(4))
        .ok_or_else(bad)?;
    if crc.len() != 4 || crc32c::crc32c(body).to_le_bytes() != crc {
        return Err(bad());
    }
    let rest = body.strip_prefix(DUMP_MAGIC.as_slice()).ok_or_else(bad)?;
    let mut r = Reader::new(rest);
    if r.u8().map_err(|_| bad())? != DUMP_VERSION {
        return Err(bad());
    }
    let count = r.count().map_err(|_| bad())?;
    let mut codes = Vec::with_capacity(count);
    for _ in 0..count {
        codes.push(Bytes::copy_from_slice(r.bytes().map_err(|_| bad())?));
    }
    if r.remaining() != 0 {
        return Err(bad());
    }
    Ok(codes)
}

fn function_restore(ks: &mut Keyspace, _: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    #[derive(PartialEq)]
    enum Policy {
        Append,
        Replace,
        Flush,
    }
    let policy = match args.get(3) {
        None => Policy::Append,
        Some(p) if args.len() == 4 && args::is(p, "append") => Policy::Append,
        Some(p) if args.len() == 4 && args::is(p, "replace") => Policy::Replace,
        Some(p) if args.len() == 4 && args::is(p, "flush") => Policy::Flush,
        Some(_) => {
            return Err(CmdError::err(
                "Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.",
            ))
        }
    };
    let mut loaded = Vec::new();
    for code in parse_dump(&args[2])? {
        loaded.push(script::load_library(&code)?);
    }
    let mut next = ks.scripts.clone();
    if policy == Policy::Flush {
        next.flush_libraries();
    }
    for (name, library) in loaded {
        if next.libraries().contains_key(&name) {
            if policy != Policy::Replace {
                return Err(CmdError::err(format!("Library {name} already exists")));
            }
            next.remove_library(&name);
        }
        if let Some(function) = library
            .functions
            .keys()
            .find(|f| next.owner_of(f, &name).is_some())
        {
            return Err(CmdError::err(format!("Function {function} already exists")));
        }
        next.insert_library(name, library);
    }
    ks.scripts = next;
    out.ok();
    Ok(())
}

fn function_stats(ks: &Keyspace, _: &mut Ctx, _: &[Bytes], out: &mut Reply) -> CmdResult {
    out.map(2);
    out.bulk(b"running_script");
    out.null();
    out.bulk(b"engines");
    out.map(1);
    out.bulk(b"LUA");
    out.map(2);
    out.bulk(b"libraries_count");
    out.int(ks.scripts.libraries().len() as i64);
    out.bulk(b"functions_count");
    out.int(ks.scripts.function_count() as i64);
    Ok(())
}

/// Like SCRIPT KILL: apply holds the keyspace while a function runs, so
/// none is running when this can be answered.
fn function_kill(_: &Keyspace, _: &mut Ctx, _: &[Bytes], _: &mut Reply) -> CmdResult {
    Err(CmdError::Other(
        "NOTBUSY No scripts in execution right now.".into(),
    ))
}

fn function_help(_: &Keyspace, _: &mut Ctx, _: &[Bytes], out: &mut Reply) -> CmdResult {
    super::write_help(out, FUNCTION_HELP);
    Ok(())
}

#[cfg(test)]
#[path = "functions_diff_tests.rs"]
mod diff_tests;
