//! The `bit` library (LuaBitOp's API, as Redis ships it): 32-bit
//! operations on Lua numbers, results as signed 32-bit integers.

use mlua::{Lua, Table, Value, Variadic};

use super::fail;

/// A Lua number as LuaBitOp normalises it: wrapped to 32 bits.
fn bits(v: &Value) -> mlua::Result<u32> {
    let n = match v {
        Value::Integer(n) => *n as f64,
        Value::Number(n) => *n,
        _ => return fail("bad argument (number expected)"),
    };
    // LuaBitOp adds 2^52+2^51 and takes the low word: rounding to nearest.
    Ok((n.round() as i64) as u32)
}

fn out(n: u32) -> f64 {
    f64::from(n as i32)
}

pub(super) fn table(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set(
        "tobit",
        lua.create_function(|_, v: Value| Ok(out(bits(&v)?)))?,
    )?;
    t.raw_set(
        "bnot",
        lua.create_function(|_, v: Value| Ok(out(!bits(&v)?)))?,
    )?;
    let fold = |f: fn(u32, u32) -> u32| {
        move |_: &Lua, args: Variadic<Value>| {
            let mut acc = bits(args.first().unwrap_or(&Value::Nil))?;
            for v in args.iter().skip(1) {
                acc = f(acc, bits(v)?);
            }
            Ok(out(acc))
        }
    };
    t.raw_set("band", lua.create_function(fold(|a, b| a & b))?)?;
    t.raw_set("bor", lua.create_function(fold(|a, b| a | b))?)?;
    t.raw_set("bxor", lua.create_function(fold(|a, b| a ^ b))?)?;
    let shift = |f: fn(u32, u32) -> u32| {
        move |_: &Lua, (v, n): (Value, Value)| Ok(out(f(bits(&v)?, bits(&n)? & 31)))
    };
    t.raw_set("lshift", lua.create_function(shift(|a, n| a << n))?)?;
    t.raw_set("rshift", lua.create_function(shift(|a, n| a >> n))?)?;
    t.raw_set(
        "arshift",
        lua.create_function(shift(|a, n| ((a as i32) >> n) as u32))?,
    )?;
    t.raw_set("rol", lua.create_function(shift(|a, n| a.rotate_left(n)))?)?;
    t.raw_set("ror", lua.create_function(shift(|a, n| a.rotate_right(n)))?)?;
    t.raw_set(
        "bswap",
        lua.create_function(|_, v: Value| Ok(out(bits(&v)?.swap_bytes())))?,
    )?;
    t.raw_set(
        "tohex",
        lua.create_function(|_, (v, n): (Value, Option<Value>)| {
            let x = bits(&v)?;
            let n = match n {
                Some(n) => bits(&n)? as i32,
                None => 8,
            };
            let (upper, width) = (n < 0, n.unsigned_abs().min(8) as usize);
            let text = if upper {
                format!("{x:08X}")
            } else {
                format!("{x:08x}")
            };
            Ok(text[8 - width..].to_string())
        })?,
    )?;
    Ok(t)
}
