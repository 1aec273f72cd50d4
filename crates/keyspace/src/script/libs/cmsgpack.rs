//! `cmsgpack.pack` / `cmsgpack.unpack` with lua-cmsgpack's rules (integral
//! numbers as the smallest integer type, tables with keys 1..n as arrays,
//! strings as MessagePack str), on the rmp crate's encoders.

use mlua::{Lua, MultiValue, Table, Value, Variadic};
use rmp::Marker;

use super::fail;

const MAX_DEPTH: usize = 1000;

pub(super) fn table(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set(
        "pack",
        lua.create_function(|lua, args: Variadic<Value>| {
            if args.is_empty() {
                return fail("MessagePack pack needs input.");
            }
            let mut out = Vec::new();
            for v in args.iter() {
                pack(v, &mut out, 0)?;
            }
            lua.create_string(&out)
        })?,
    )?;
    t.raw_set(
        "unpack",
        lua.create_function(|lua, data: mlua::String| {
            let bytes = data.as_bytes();
            let mut rd: &[u8] = &bytes;
            let mut values = Vec::new();
            while !rd.is_empty() {
                values.push(unpack(lua, &mut rd, 0)?);
            }
            Ok(MultiValue::from_vec(values))
        })?,
    )?;
    Ok(t)
}

fn io<T, E: std::fmt::Debug>(r: Result<T, E>) -> mlua::Result<T> {
    r.map_err(|e| mlua::Error::RuntimeError(format!("MessagePack: {e:?}")))
}

fn pack(v: &Value, out: &mut Vec<u8>, depth: usize) -> mlua::Result<()> {
    if depth > MAX_DEPTH {
        return io(rmp::encode::write_nil(out));
    }
    match v {
        Value::Boolean(b) => io(rmp::encode::write_bool(out, *b)),
        Value::Integer(n) => io(rmp::encode::write_sint(out, *n).map(|_| ())),
        Value::Number(n) if n.fract() == 0.0 && n.abs() < 9.2e18 => {
            let n = *n as i64;
            if n >= 0 {
                io(rmp::encode::write_uint(out, n as u64).map(|_| ()))
            } else {
                io(rmp::encode::write_sint(out, n).map(|_| ()))
            }
        }
        Value::Number(n) if (*n as f32) as f64 == *n => io(rmp::encode::write_f32(out, *n as f32)),
        Value::Number(n) => io(rmp::encode::write_f64(out, *n)),
        Value::String(s) => {
            let bytes = s.as_bytes();
            io(rmp::encode::write_str_len(out, bytes.len() as u32))?;
            out.extend_from_slice(&bytes);
            Ok(())
        }
        Value::Table(t) => pack_table(t, out, depth),
        _ => io(rmp::encode::write_nil(out)),
    }
}

fn pack_table(t: &Table, out: &mut Vec<u8>, depth: usize) -> mlua::Result<()> {
    let pairs: Vec<(Value, Value)> = t.pairs::<Value, Value>().collect::<mlua::Result<_>>()?;
    let is_array = pairs.iter().all(|(k, _)| match k {
        Value::Integer(n) => *n >= 1 && (*n as usize) <= pairs.len(),
        Value::Number(n) => n.fract() == 0.0 && *n >= 1.0 && (*n as usize) <= pairs.len(),
        _ => false,
    });
    if is_array {
        io(rmp::encode::write_array_len(out, pairs.len() as u32))?;
        for i in 1..=pairs.len() {
            pack(&t.raw_get::<Value>(i)?, out, depth + 1)?;
        }
        return Ok(());
    }
    io(rmp::encode::write_map_len(out, pairs.len() as u32))?;
    for (k, v) in &pairs {
        pack(k, out, depth + 1)?;
        pack(v, out, depth + 1)?;
    }
    Ok(())
}

fn take<'a>(rd: &mut &'a [u8], n: usize) -> mlua::Result<&'a [u8]> {
    if rd.len() < n {
        return fail("Missing bytes in input.");
    }
    let (head, rest) = rd.split_at(n);
    *rd = rest;
    Ok(head)
}

fn be(rd: &mut &[u8], n: usize) -> mlua::Result<u64> {
    Ok(take(rd, n)?
        .iter()
        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
}

fn unpack(lua: &Lua, rd: &mut &[u8], depth: usize) -> mlua::Result<Value> {
    if depth > MAX_DEPTH {
        return fail("Too many nested data structures.");
    }
    let marker = Marker::from_u8(take(rd, 1)?[0]);
    Ok(match marker {
        Marker::Null => Value::Nil,
        Marker::True => Value::Boolean(true),
        Marker::False => Value::Boolean(false),
        Marker::FixPos(n) => Value::Number(f64::from(n)),
        Marker::FixNeg(n) => Value::Number(f64::from(n)),
        Marker::U8 => Value::Number(be(rd, 1)? as f64),
        Marker::U16 => Value::Number(be(rd, 2)? as f64),
        Marker::U32 => Value::Number(be(rd, 4)? as f64),
        Marker::U64 => Value::Number(be(rd, 8)? as f64),
        Marker::I8 => Value::Number(f64::from(be(rd, 1)? as u8 as i8)),
        Marker::I16 => Value::Number(f64::from(be(rd, 2)? as u16 as i16)),
        Marker::I32 => Value::Number(f64::from(be(rd, 4)? as u32 as i32)),
        Marker::I64 => Value::Number(be(rd, 8)? as i64 as f64),
        Marker::F32 => Value::Number(f64::from(f32::from_bits(be(rd, 4)? as u32))),
        Marker::F64 => Value::Number(f64::from_bits(be(rd, 8)?)),
        Marker::FixStr(n) => string(lua, rd, usize::from(n))?,
        Marker::Str8 | Marker::Bin8 => {
            let n = be(rd, 1)? as usize;
            string(lua, rd, n)?
        }
        Marker::Str16 | Marker::Bin16 => {
            let n = be(rd, 2)? as usize;
            string(lua, rd, n)?
        }
        Marker::Str32 | Marker::Bin32 => {
            let n = be(rd, 4)? as usize;
            string(lua, rd, n)?
        }
        Marker::FixArray(n) => array(lua, rd, usize::from(n), depth)?,
        Marker::Array16 => {
            let n = be(rd, 2)? as usize;
            array(lua, rd, n, depth)?
        }
        Marker::Array32 => {
            let n = be(rd, 4)? as usize;
            array(lua, rd, n, depth)?
        }
        Marker::FixMap(n) => map(lua, rd, usize::from(n), depth)?,
        Marker::Map16 => {
            let n = be(rd, 2)? as usize;
            map(lua, rd, n, depth)?
        }
        Marker::Map32 => {
            let n = be(rd, 4)? as usize;
            map(lua, rd, n, depth)?
        }
        _ => return fail("Bad data format in input."),
    })
}

fn string(lua: &Lua, rd: &mut &[u8], n: usize) -> mlua::Result<Value> {
    Ok(Value::String(lua.create_string(take(rd, n)?)?))
}

fn array(lua: &Lua, rd: &mut &[u8], n: usize, depth: usize) -> mlua::Result<Value> {
    // Every element takes at least one byte: a declared length cannot
    // make us allocate more than the input justifies.
    let t = lua.create_table_with_capacity(n.min(rd.len()), 0)?;
    for i in 1..=n {
        t.raw_set(i, unpack(lua, rd, depth + 1)?)?;
    }
    Ok(Value::Table(t))
}

fn map(lua: &Lua, rd: &mut &[u8], n: usize, depth: usize) -> mlua::Result<Value> {
    let t = lua.create_table_with_capacity(0, n.min(rd.len()))?;
    for _ in 0..n {
        let k = unpack(lua, rd, depth + 1)?;
        let v = unpack(lua, rd, depth + 1)?;
        if k != Value::Nil {
            t.raw_set(k, v)?;
        }
    }
    Ok(Value::Table(t))
}
