//! The two C functions of the script environment.
//!
//! `redis.call`, `redis.pcall` and the library functions must be C
//! functions, as in Redis: a Lua wrapper would vanish from the stack in a
//! tail call (`return redis.call(...)`), and the error would lose the
//! script line Redis reports. Each closure forwards to a Rust function and
//! turns its outcome into a Lua error value, which mlua's Rust callbacks
//! cannot raise themselves.
//!
//! To ensure these are sound: they only use the Lua stack through the C
//! API with the stack space Lua guarantees a C function (LUA_MINSTACK),
//! and hold no Rust value with a destructor when `lua_error` unwinds.

use std::ffi::c_int;

use mlua::{ffi, Function, Lua, Table, Value};

/// `redis.call` (`raise` true) or `redis.pcall` over `host.call`, which
/// returns `ok, value`: `call` raises `value` (the error object) when `ok`
/// is false, `pcall` returns it.
pub(crate) fn command_function(lua: &Lua, host: &Table, raise: bool) -> mlua::Result<Function> {
    // SAFETY: pushes one closure over the two values exec_raw pushed.
    unsafe {
        lua.exec_raw((host.clone(), raise), |state| {
            ffi::lua_pushcclosure(state, redis_call, 2);
        })
    }
}

/// `f` as a C function whose errors are plain strings, prefixed with the
/// caller's position when `position` is set, as `luaL_error` in Redis's C
/// libraries raises them (the `redis` table's own errors carry none).
/// `errmsg` turns an mlua error value into its text.
pub(crate) fn guarded(
    lua: &Lua,
    f: Function,
    errmsg: &Function,
    position: bool,
) -> mlua::Result<Function> {
    // SAFETY: as above.
    unsafe {
        lua.exec_raw((f, errmsg.clone(), position), |state| {
            ffi::lua_pushcclosure(state, guard, 3);
        })
    }
}

unsafe extern "C-unwind" fn redis_call(state: *mut ffi::lua_State) -> c_int {
    let nargs = ffi::lua_gettop(state);
    ffi::lua_getfield(state, ffi::lua_upvalueindex(1), c"call".as_ptr());
    ffi::lua_insert(state, 1);
    ffi::lua_call(state, nargs, 2);
    if ffi::lua_toboolean(state, 1) == 0 && ffi::lua_toboolean(state, ffi::lua_upvalueindex(2)) != 0
    {
        ffi::lua_settop(state, 2);
        ffi::lua_error(state);
    }
    ffi::lua_settop(state, 2);
    1
}

unsafe extern "C-unwind" fn guard(state: *mut ffi::lua_State) -> c_int {
    let nargs = ffi::lua_gettop(state);
    ffi::lua_pushvalue(state, ffi::lua_upvalueindex(1));
    ffi::lua_insert(state, 1);
    if ffi::lua_pcall(state, nargs, ffi::LUA_MULTRET, 0) == 0 {
        return ffi::lua_gettop(state);
    }
    ffi::lua_pushvalue(state, ffi::lua_upvalueindex(2));
    ffi::lua_insert(state, -2);
    ffi::lua_call(state, 1, 1);
    if ffi::lua_toboolean(state, ffi::lua_upvalueindex(3)) != 0 {
        ffi::luaL_where(state, 1);
        ffi::lua_insert(state, -2);
        ffi::lua_concat(state, 2);
    }
    ffi::lua_error(state)
}

/// Replaces every function of `lib` by its guarded form.
pub(crate) fn guard_library(
    lua: &Lua,
    lib: &Table,
    errmsg: &Function,
    position: bool,
) -> mlua::Result<()> {
    let functions: Vec<(Value, Function)> = lib
        .pairs::<Value, Value>()
        .filter_map(|pair| match pair {
            Ok((k, Value::Function(f))) => Some(Ok((k, f))),
            Ok(_) => None,
            Err(e) => Some(Err(e)),
        })
        .collect::<mlua::Result<_>>()?;
    for (name, f) in functions {
        lib.raw_set(name, guarded(lua, f, errmsg, position)?)?;
    }
    Ok(())
}
