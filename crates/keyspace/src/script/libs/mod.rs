//! The Lua libraries of Redis's script environment that Lua 5.1 does not
//! ship: the `redis` API table, deterministic `math.random`, `cjson`
//! (on serde_json), `cmsgpack` (on rmp), and `bit` and `struct`, which no
//! maintained crate provides as Lua modules and are written here.

mod bit;
mod cjson;
mod cmsgpack;
mod load;
mod random;
mod redis;
mod structlib;

use std::rc::Rc;

use mlua::Lua;

use super::vm::Shared;

/// Installs every library as a global of `lua`.
pub(crate) fn install(lua: &Lua, shared: &Rc<Shared>) -> mlua::Result<()> {
    let globals = lua.globals();
    globals.raw_set("redis", redis::table(lua, shared)?)?;
    random::install(lua, shared)?;
    load::install(lua)?;
    globals.raw_set("cjson", cjson::table(lua)?)?;
    globals.raw_set("cmsgpack", cmsgpack::table(lua)?)?;
    globals.raw_set("bit", bit::table(lua)?)?;
    globals.raw_set("struct", structlib::table(lua)?)?;
    Ok(())
}

/// A Lua runtime error with `message`.
pub(crate) fn fail<T>(message: impl Into<String>) -> mlua::Result<T> {
    Err(mlua::Error::RuntimeError(message.into()))
}
