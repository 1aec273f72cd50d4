//! The `redis` table: everything but `call`/`pcall` (see `prelude.lua`).

use std::rc::Rc;

use mlua::{Lua, Table, Value};

use super::fail;
use crate::script::convert::error_table;
use crate::script::vm::Shared;
use crate::script::{sha1hex, REDIS_VERSION, REDIS_VERSION_NUM};

pub(super) fn table(lua: &Lua, shared: &Rc<Shared>) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    for (name, level) in [
        ("LOG_DEBUG", 0),
        ("LOG_VERBOSE", 1),
        ("LOG_NOTICE", 2),
        ("LOG_WARNING", 3),
    ] {
        t.raw_set(name, level)?;
    }
    for (name, flag) in [
        ("REPL_NONE", 0),
        ("REPL_AOF", 1),
        ("REPL_SLAVE", 2),
        ("REPL_REPLICA", 2),
        ("REPL_ALL", 3),
    ] {
        t.raw_set(name, flag)?;
    }
    t.raw_set("REDIS_VERSION", REDIS_VERSION)?;
    t.raw_set("REDIS_VERSION_NUM", REDIS_VERSION_NUM)?;
    t.raw_set(
        "sha1hex",
        lua.create_function(|lua, v: Value| match v {
            Value::String(s) => Ok(sha1hex(&s.as_bytes())),
            Value::Integer(_) | Value::Number(_) => {
                let s = lua
                    .coerce_string(v)?
                    .map(|s| s.as_bytes().to_vec())
                    .unwrap_or_default();
                Ok(sha1hex(&s))
            }
            _ => fail("wrong number of arguments"),
        })?,
    )?;
    t.raw_set(
        "error_reply",
        lua.create_function(|lua, v: Value| match v {
            Value::String(s) => {
                let text = s.to_string_lossy();
                error_table(lua, text.strip_prefix('-').unwrap_or(&text))
            }
            _ => fail("wrong number or type of arguments"),
        })?,
    )?;
    t.raw_set(
        "status_reply",
        lua.create_function(|lua, v: Value| match v {
            Value::String(s) => {
                let t = lua.create_table()?;
                t.raw_set("ok", s)?;
                Ok(t)
            }
            _ => fail("wrong number or type of arguments"),
        })?,
    )?;
    t.raw_set(
        "log",
        lua.create_function(
            |_, (level, _message): (Value, mlua::MultiValue)| match level {
                Value::Integer(0..=3) => Ok(()),
                Value::Number(n) if (0.0..=3.0).contains(&n) => Ok(()),
                Value::Integer(_) | Value::Number(_) => fail("Invalid debug level."),
                _ => fail("First argument must be a number (log level)."),
            },
        )?,
    )?;
    t.raw_set(
        "set_repl",
        lua.create_function(|_, flags: Value| match flags {
            Value::Integer(0..=3) => Ok(()),
            Value::Number(n) if (0.0..=3.0).contains(&n) => Ok(()),
            Value::Integer(_) | Value::Number(_) => fail(
                "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.",
            ),
            _ => fail("redis.set_repl() requires one argument."),
        })?,
    )?;
    t.raw_set("replicate_commands", lua.create_function(|_, ()| Ok(true))?)?;
    t.raw_set("breakpoint", lua.create_function(|_, ()| Ok(false))?)?;
    t.raw_set(
        "debug",
        lua.create_function(|_, _: mlua::MultiValue| Ok(()))?,
    )?;
    let shared = Rc::clone(shared);
    t.raw_set(
        "setresp",
        lua.create_function(move |_, v: Value| {
            let version = match v {
                Value::Integer(n) => n,
                Value::Number(n) => n as i64,
                _ => return fail("redis.setresp() requires one argument."),
            };
            match version {
                2 | 3 => {
                    shared.resp3.set(version == 3);
                    Ok(())
                }
                _ => fail("RESP version must be 2 or 3."),
            }
        })?,
    )?;
    t.raw_set(
        "acl_check_cmd",
        lua.create_function(|_, args: mlua::Variadic<mlua::String>| {
            let args: Vec<bytes::Bytes> = args
                .iter()
                .map(|s| bytes::Bytes::copy_from_slice(&s.as_bytes()))
                .collect();
            match crate::table::resolve(&args) {
                Ok(_) => Ok(true),
                Err(_) => fail("Invalid command passed to redis.acl_check_cmd()"),
            }
        })?,
    )?;
    Ok(t)
}
