//! `loadstring` and `load` that compile source text only: Lua 5.1 would
//! also load precompiled bytecode, which can break out of the sandbox
//! (Redis disables it too).

use mlua::{ChunkMode, Function, Lua, MultiValue, Value};

use super::fail;

pub(super) fn install(lua: &Lua) -> mlua::Result<()> {
    let globals = lua.globals();
    globals.raw_set(
        "loadstring",
        lua.create_function(|lua, (code, name): (mlua::String, Option<mlua::String>)| {
            let name = name.map_or_else(|| code.to_string_lossy(), |n| n.to_string_lossy());
            compile(lua, &code.as_bytes(), name)
        })?,
    )?;
    globals.raw_set(
        "load",
        lua.create_function(|lua, (reader, name): (Value, Option<mlua::String>)| {
            let Value::Function(reader) = reader else {
                return fail("bad argument #1 to 'load' (function expected)");
            };
            let code = read_all(&reader)?;
            let name = name.map_or_else(|| "=(load)".to_string(), |n| n.to_string_lossy());
            compile(lua, &code, name)
        })?,
    )
}

fn read_all(reader: &Function) -> mlua::Result<Vec<u8>> {
    let mut code = Vec::new();
    loop {
        match reader.call::<Value>(())? {
            Value::String(piece) if !piece.as_bytes().is_empty() => {
                code.extend_from_slice(&piece.as_bytes())
            }
            Value::Nil | Value::String(_) => return Ok(code),
            _ => return fail("reader function must return a string"),
        }
    }
}

/// The compiled chunk, or `nil, message` as Lua's loaders return errors.
fn compile(lua: &Lua, code: &[u8], name: String) -> mlua::Result<MultiValue> {
    let name: String = name.chars().filter(|c| *c != '\0').collect();
    let chunk = lua
        .load(code)
        .set_name(name)
        .set_mode(ChunkMode::Text)
        .into_function();
    match chunk {
        Ok(f) => Ok(MultiValue::from_vec(vec![Value::Function(f)])),
        Err(e) => Ok(MultiValue::from_vec(vec![
            Value::Nil,
            Value::String(lua.create_string(crate::script::vm::error_text(&e))?),
        ])),
    }
}
