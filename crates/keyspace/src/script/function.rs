//! FUNCTION libraries: the `#!lua name=...` header, `redis.register_function`
//! and the metadata FUNCTION LIST and FCALL need.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use bytes::Bytes;
use mlua::{Function, Lua, MultiValue, Table, Value};

use super::libs::fail;
use crate::CmdError;

bitflags::bitflags! {
    /// The `flags` of `redis.register_function`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct FunctionFlags: u8 {
        const NO_WRITES = 1;
        const ALLOW_OOM = 1 << 1;
        const ALLOW_STALE = 1 << 2;
        const NO_CLUSTER = 1 << 3;
        const ALLOW_CROSS_SLOT_KEYS = 1 << 4;
    }
}

/// Flag names, in the order FUNCTION LIST prints them.
pub const FLAG_NAMES: &[(FunctionFlags, &str)] = &[
    (FunctionFlags::NO_WRITES, "no-writes"),
    (FunctionFlags::ALLOW_OOM, "allow-oom"),
    (FunctionFlags::ALLOW_STALE, "allow-stale"),
    (FunctionFlags::NO_CLUSTER, "no-cluster"),
    (
        FunctionFlags::ALLOW_CROSS_SLOT_KEYS,
        "allow-cross-slot-keys",
    ),
];

/// What FUNCTION LIST shows of one function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionMeta {
    pub flags: FunctionFlags,
    pub description: Option<Bytes>,
}

/// A loaded library: its code and the functions it registered.
#[derive(Debug, Clone, PartialEq)]
pub struct Library {
    pub code: Bytes,
    pub functions: BTreeMap<String, FunctionMeta>,
}

/// A function registered while a library loads, with its callback.
pub(crate) struct Registered {
    pub name: String,
    pub callback: Function,
    pub meta: FunctionMeta,
}

/// The library name of `code` from its `#!lua name=<name>` first line,
/// with Redis's errors; also returns where the code after it starts.
pub(crate) fn parse_header(code: &[u8]) -> Result<(String, usize), CmdError> {
    if !code.starts_with(b"#!") {
        return Err(CmdError::err("Missing library metadata"));
    }
    let end = code
        .iter()
        .position(|b| *b == b'\n')
        .ok_or_else(|| CmdError::err("Invalid library metadata"))?;
    let line = String::from_utf8_lossy(&code[2..end]).into_owned();
    let mut parts = line.split(' ').filter(|p| !p.is_empty());
    let engine = parts.next().unwrap_or("");
    if !engine.eq_ignore_ascii_case("lua") {
        return Err(CmdError::err(format!("Engine '{engine}' not found")));
    }
    let mut name = None;
    for part in parts {
        match part.get(..5) {
            Some(key) if key.eq_ignore_ascii_case("name=") => name = Some(part[5..].to_string()),
            _ => {
                return Err(CmdError::err(format!(
                    "Invalid metadata value given: {part}"
                )))
            }
        }
    }
    let name = name.ok_or_else(|| CmdError::err("Library name was not given"))?;
    if !valid_name(&name) {
        return Err(CmdError::err(NAME_ERROR));
    }
    Ok((name, end))
}

/// Redis 7.0 uses the library text for invalid function names too.
const NAME_ERROR: &str =
    "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";

fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// `redis.register_function` for one library load, collecting into
/// `registered`.
pub(crate) fn register_function(
    lua: &Lua,
    registered: Rc<RefCell<Vec<Registered>>>,
) -> mlua::Result<Function> {
    lua.create_function(move |_, args: MultiValue| {
        let function = parse_registration(args)?;
        let mut all = registered.borrow_mut();
        if all.iter().any(|r| r.name == function.name) {
            return fail("Function already exists in the library");
        }
        all.push(function);
        Ok(())
    })
}

fn parse_registration(args: MultiValue) -> mlua::Result<Registered> {
    let mut args = args.into_iter();
    let (first, second, third) = (args.next(), args.next(), args.next());
    match (first, second, third) {
        (Some(Value::Table(t)), None, None) => from_table(&t),
        (Some(name), Some(callback), None) => {
            let Value::String(name) = name else {
                return fail("first argument to redis.register_function must be a string");
            };
            let Value::Function(callback) = callback else {
                return fail("second argument to redis.register_function must be a function");
            };
            named(
                name.to_string_lossy(),
                callback,
                FunctionMeta {
                    flags: FunctionFlags::empty(),
                    description: None,
                },
            )
        }
        _ => fail("wrong number of arguments to redis.register_function"),
    }
}

fn from_table(t: &Table) -> mlua::Result<Registered> {
    let (mut name, mut callback, mut flags, mut description) =
        (None, None, FunctionFlags::empty(), None);
    for pair in t.pairs::<Value, Value>() {
        let (k, v) = pair?;
        let key = match &k {
            Value::String(s) => s.to_string_lossy(),
            _ => {
                return fail("named argument key given to redis.register_function is not a string")
            }
        };
        match (key.as_str(), v) {
            ("function_name", Value::String(s)) => name = Some(s.to_string_lossy()),
            ("function_name", _) => return fail("function_name argument given to redis.register_function must be a string"),
            ("callback", Value::Function(f)) => callback = Some(f),
            ("callback", _) => return fail("callback argument given to redis.register_function must be a function"),
            ("description", Value::String(s)) => description = Some(Bytes::copy_from_slice(&s.as_bytes())),
            ("description", _) => return fail("description argument given to redis.register_function must be a string"),
            ("flags", Value::Table(list)) => flags = parse_flags(&list)?,
            ("flags", _) => return fail("flags argument to redis.register_function must be a table representing function flags"),
            _ => return fail("unknown argument given to redis.register_function"),
        }
    }
    let name = match name {
        Some(name) => name,
        None => return fail("redis.register_function must get a function name argument"),
    };
    let callback = match callback {
        Some(callback) => callback,
        None => return fail("redis.register_function must get a callback argument"),
    };
    named(name, callback, FunctionMeta { flags, description })
}

fn parse_flags(list: &Table) -> mlua::Result<FunctionFlags> {
    let mut flags = FunctionFlags::empty();
    for item in list.sequence_values::<Value>() {
        let Value::String(s) = item? else {
            return fail("unknown flag given");
        };
        let text = s.to_string_lossy();
        match FLAG_NAMES.iter().find(|(_, n)| *n == text) {
            Some((flag, _)) => flags |= *flag,
            None => return fail("unknown flag given"),
        }
    }
    Ok(flags)
}

fn named(name: String, callback: Function, meta: FunctionMeta) -> mlua::Result<Registered> {
    if !valid_name(&name) {
        return fail(NAME_ERROR);
    }
    Ok(Registered {
        name,
        callback,
        meta,
    })
}
