//! Scripting commands: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT.
//!
//! EVAL, EVALSHA and SCRIPT LOAD/FLUSH are write rows: they go through the
//! log and the script runs on apply, on every replica, against the entry's
//! clock and seed (see [`crate::script`] and docs/design/scripting.md).
//! The `_RO` variants are read rows: the script runs on a shared keyspace
//! and write commands are refused with Redis's error.

use bytes::Bytes;
use resp::Reply;

use crate::script::{with_script_vm, Invocation, Target};
use crate::table::{CommandSpec as C, Flags as F, Group as G, Handler as H};
use crate::{args, CmdError, CmdResult, Ctx, Keyspace};

/// The flags of the commands that run a script or a function (Redis 7.0).
pub(super) const RUNS_SCRIPT: &[F] =
    &[F::NOSCRIPT, F::STALE, F::SKIP_MONITOR, F::NO_MANDATORY_KEYS];
/// The same, for their read-only forms.
pub(super) const RUNS_SCRIPT_READ_ONLY: &[F] = &[
    F::READONLY,
    F::NOSCRIPT,
    F::STALE,
    F::SKIP_MONITOR,
    F::NO_MANDATORY_KEYS,
];

pub(crate) const COMMANDS: &[C] = &[
    C::new("eval", -3, G::Scripting, H::Write(eval))
        .flags(RUNS_SCRIPT)
        .movable(script_keys)
        .doc(
            "Execute a Lua script server side",
            "2.6.0",
            "Depends on the script that is executed.",
        ),
    C::new("evalsha", -3, G::Scripting, H::Write(evalsha))
        .flags(RUNS_SCRIPT)
        .movable(script_keys)
        .doc(
            "Execute a Lua script server side",
            "2.6.0",
            "Depends on the script that is executed.",
        ),
    C::new("eval_ro", -3, G::Scripting, H::Read(eval_ro))
        .flags(RUNS_SCRIPT_READ_ONLY)
        .movable(script_keys)
        .doc(
            "Execute a read-only Lua script server side",
            "7.0.0",
            "Depends on the script that is executed.",
        ),
    C::new("evalsha_ro", -3, G::Scripting, H::Read(evalsha_ro))
        .flags(RUNS_SCRIPT_READ_ONLY)
        .movable(script_keys)
        .doc(
            "Execute a read-only Lua script server side",
            "7.0.0",
            "Depends on the script that is executed.",
        ),
    C::new("script", -2, G::Scripting, H::Container)
        .doc(
            "A container for Lua scripts management commands",
            "2.6.0",
            "Depends on subcommand.",
        )
        .subcommands(SCRIPT),
];

const SCRIPT: &[C] = &[
    C::new("script|load", 3, G::Scripting, H::Write(script_load))
        .flags(&[F::NOSCRIPT, F::STALE])
        .doc("Load the specified Lua script into the script cache.", "2.6.0", "O(N) with N being the length in bytes of the script body."),
    C::new("script|exists", -3, G::Scripting, H::Read(script_exists))
        .flags(&[F::NOSCRIPT])
        .doc("Check existence of scripts in the script cache.", "2.6.0", "O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation)."),
    C::new("script|flush", -2, G::Scripting, H::Write(script_flush))
        .flags(&[F::NOSCRIPT])
        .doc("Remove all the scripts from the script cache.", "2.6.0", "O(N) with N being the number of scripts in cache"),
    C::new("script|kill", 2, G::Scripting, H::Read(script_kill))
        .flags(&[F::NOSCRIPT, F::ALLOW_BUSY])
        .doc("Kill the script currently in execution.", "2.6.0", "O(1)"),
    C::new("script|debug", 3, G::Scripting, H::Read(script_debug))
        .flags(&[F::NOSCRIPT])
        .doc("Set the debug mode for executed scripts.", "3.2.0", "O(1)"),
    C::new("script|help", 2, G::Scripting, H::Read(script_help))
        .flags(&[F::LOADING, F::STALE])
        .doc("Show helpful text about the different subcommands", "5.0.0", "O(1)"),
];

const SCRIPT_HELP: &[&str] = &[
    "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DEBUG (YES|SYNC|NO)",
    "    Set the debug mode for subsequent scripts executed.",
    "EXISTS <sha1> [<sha1> ...]",
    "    Return information about the existence of the scripts in the script cache.",
    "FLUSH [ASYNC|SYNC]",
    "    Flush the Lua scripts cache. Very dangerous on replicas.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the scripts cache.",
    "    * SYNC: Synchronously flush the scripts cache.",
    "KILL",
    "    Kill the currently executing Lua script.",
    "LOAD <script>",
    "    Load a script into the scripts cache without executing it.",
    "HELP",
    "    Prints this help.",
];

/// `numkeys` of EVAL-like commands (and FCALL) at `args[2]`, checked
/// against the arguments that follow, with Redis's texts.
pub(crate) fn numkeys(args: &[Bytes]) -> Result<usize, CmdError> {
    let n = args::int(&args[2])?;
    if n < 0 {
        return Err(CmdError::err("Number of keys can't be negative"));
    }
    let n = n as u64;
    if n > (args.len() - 3) as u64 {
        return Err(CmdError::err(
            "Number of keys can't be greater than number of args",
        ));
    }
    Ok(n as usize)
}

/// Key positions of EVAL-like commands (`COMMAND GETKEYS`, movablekeys).
pub(crate) fn script_keys(args: &[Bytes]) -> Result<Vec<usize>, CmdError> {
    let n = numkeys(args)?;
    Ok((3..3 + n).collect())
}

/// Compiles (once per script state) and runs EVAL-style `body`, whose
/// SHA1 is `sha`; a write also caches it (only once it compiled, as Redis
/// does).
fn run_script(
    target: Target<'_>,
    ctx: &mut Ctx,
    args: &[Bytes],
    (sha, body): (&str, &Bytes),
    read_only: bool,
    out: &mut Reply,
) -> CmdResult {
    let n = numkeys(args)?;
    with_script_vm(ctx.rng_seed(), |vm| {
        let f = vm.compiled(sha, body)?;
        let target = match target {
            Target::Write(ks) => {
                ks.scripts.cache(sha, body);
                Target::Write(ks)
            }
            read => read,
        };
        let inv = Invocation {
            name: sha,
            keys: &args[3..3 + n],
            args: &args[3 + n..],
            read_only,
        };
        vm.run(&f, target, ctx, &inv, out)
    })?
}

/// The SHA1 and body of the cached script EVALSHA names, or NOSCRIPT.
fn cached_script(ks: &Keyspace, args: &[Bytes]) -> Result<(String, Bytes), CmdError> {
    numkeys(args)?;
    ks.scripts
        .cached(&args[1])
        .map(|(sha, body)| (sha.clone(), body.clone()))
        .ok_or_else(no_script)
}

fn no_script() -> CmdError {
    CmdError::Other("NOSCRIPT No matching script. Please use EVAL.".into())
}

fn eval(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let sha = crate::script::sha1hex(&args[1]);
    run_script(Target::Write(ks), ctx, args, (&sha, &args[1]), false, out)
}

fn evalsha(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let (sha, body) = cached_script(ks, args)?;
    run_script(Target::Write(ks), ctx, args, (&sha, &body), false, out)
}

fn eval_ro(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let sha = crate::script::sha1hex(&args[1]);
    run_script(Target::Read(ks), ctx, args, (&sha, &args[1]), true, out)
}

fn evalsha_ro(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let (sha, body) = cached_script(ks, args)?;
    run_script(Target::Read(ks), ctx, args, (&sha, &body), true, out)
}

fn script_load(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let sha = crate::script::sha1hex(&args[2]);
    with_script_vm(ctx.rng_seed(), |vm| vm.compiled(&sha, &args[2]))??;
    ks.scripts.cache(&sha, &args[2]);
    out.bulk(sha.as_bytes());
    Ok(())
}

fn script_exists(ks: &Keyspace, _: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    out.array(args.len() - 2);
    for sha in &args[2..] {
        out.int(i64::from(ks.scripts.cached(sha).is_some()));
    }
    Ok(())
}

fn script_flush(ks: &mut Keyspace, _: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    match args.get(2) {
        None => {}
        Some(mode) if args.len() == 3 && (args::is(mode, "sync") || args::is(mode, "async")) => {}
        Some(_) => return Err(CmdError::err("SCRIPT FLUSH only support SYNC|ASYNC option")),
    }
    ks.scripts.flush_cache();
    out.ok();
    Ok(())
}

/// Scripts run inside apply, which holds the keyspace exclusively: by the
/// time SCRIPT KILL can read the keyspace no script is running (runaway
/// scripts are stopped by the instruction budget instead).
fn script_kill(_: &Keyspace, _: &mut Ctx, _: &[Bytes], _: &mut Reply) -> CmdResult {
    Err(CmdError::Other(
        "NOTBUSY No scripts in execution right now.".into(),
    ))
}

/// keel has no Lua debugger: scripts run on apply on every replica, where
/// no client can step through them. `NO` (the default) is accepted.
fn script_debug(_: &Keyspace, _: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    if args::is(&args[2], "no") {
        out.ok();
        return Ok(());
    }
    if args::is(&args[2], "yes") || args::is(&args[2], "sync") {
        return Err(CmdError::err(
            "SCRIPT DEBUG is not supported by keel (scripts run on apply, on every replica)",
        ));
    }
    Err(CmdError::err("Use SCRIPT DEBUG YES/SYNC/NO"))
}

fn script_help(_: &Keyspace, _: &mut Ctx, _: &[Bytes], out: &mut Reply) -> CmdResult {
    super::write_help(out, SCRIPT_HELP);
    Ok(())
}

#[cfg(test)]
#[path = "scripting_diff_tests.rs"]
mod diff_tests;
