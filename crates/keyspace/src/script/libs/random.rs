//! `math.random` and `math.randomseed` on a generator seeded from the log
//! entry, so every replica draws the same numbers (Lua's own use the C
//! library's `rand`).

use std::rc::Rc;

use mlua::{Lua, Value};
use rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::fail;
use crate::script::vm::Shared;

/// Installs `math.random` / `math.randomseed` on the generator in
/// `shared` (re-seeded from the log entry at the start of every call).
pub(super) fn install(lua: &Lua, shared: &Rc<Shared>) -> mlua::Result<()> {
    let math: mlua::Table = lua.globals().raw_get("math")?;
    let draw = Rc::clone(shared);
    let rng = Rc::clone(shared);
    math.raw_set(
        "random",
        lua.create_function(move |_, args: mlua::Variadic<Value>| {
            let r = (draw.rng.borrow_mut().next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            let bound = |v: &Value| match v {
                Value::Integer(n) => Ok(*n as f64),
                Value::Number(n) => Ok(n.floor()),
                _ => fail("bad argument to 'random' (number expected)"),
            };
            match args.len() {
                0 => Ok(r),
                1 => {
                    let m = bound(&args[0])?;
                    if m < 1.0 {
                        return fail("bad argument #1 to 'random' (interval is empty)");
                    }
                    Ok((r * m).floor() + 1.0)
                }
                2 => {
                    let (l, u) = (bound(&args[0])?, bound(&args[1])?);
                    if l > u {
                        return fail("bad argument #2 to 'random' (interval is empty)");
                    }
                    Ok((r * (u - l + 1.0)).floor() + l)
                }
                _ => fail("wrong number of arguments"),
            }
        })?,
    )?;
    math.raw_set(
        "randomseed",
        lua.create_function(move |_, seed: Value| {
            let seed = match seed {
                Value::Integer(n) => n as u64,
                Value::Number(n) => n as i64 as u64,
                _ => return fail("bad argument #1 to 'randomseed' (number expected)"),
            };
            *rng.rng.borrow_mut() = Xoshiro256PlusPlus::seed_from_u64(seed);
            Ok(())
        })?,
    )?;
    Ok(())
}
