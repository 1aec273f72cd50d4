//! `cjson.encode` / `cjson.decode` with lua-cjson's output rules
//! (numbers as `%.14g`, `/` escaped, arrays for tables whose keys are
//! 1..n, `cjson.null` for JSON null); decoding parses with serde_json.

use mlua::{LightUserData, Lua, Table, Value};

use super::fail;

/// Deepest nesting encode and decode accept (lua-cjson's default).
const MAX_DEPTH: usize = 1000;

pub(super) fn table(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set("null", null())?;
    t.raw_set(
        "encode",
        lua.create_function(|lua, v: Value| {
            let mut out = Vec::new();
            encode(&v, &mut out, 0)?;
            lua.create_string(&out)
        })?,
    )?;
    t.raw_set(
        "decode",
        lua.create_function(|lua, text: mlua::String| {
            let json: serde_json::Value = match serde_json::from_slice(&text.as_bytes()) {
                Ok(json) => json,
                Err(e) => {
                    return fail(format!(
                        "Expected value but found invalid token at character {}",
                        e.column()
                    ))
                }
            };
            decode(lua, &json, 0)
        })?,
    )?;
    Ok(t)
}

fn null() -> Value {
    Value::LightUserData(LightUserData(std::ptr::null_mut()))
}

fn encode(v: &Value, out: &mut Vec<u8>, depth: usize) -> mlua::Result<()> {
    if depth > MAX_DEPTH {
        return fail(format!("Cannot serialise, excessive nesting ({depth})"));
    }
    match v {
        Value::Nil => out.extend_from_slice(b"null"),
        Value::LightUserData(p) if p.0.is_null() => out.extend_from_slice(b"null"),
        Value::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Integer(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Value::Number(n) => {
            if !n.is_finite() {
                return fail("Cannot serialise number: must not be NaN or Inf");
            }
            out.extend_from_slice(format_g14(*n).as_bytes());
        }
        Value::String(s) => escape(&s.as_bytes(), out),
        Value::Table(t) => encode_table(t, out, depth)?,
        other => {
            return fail(format!(
                "Cannot serialise {}: type not supported",
                other.type_name()
            ))
        }
    }
    Ok(())
}

fn encode_table(t: &Table, out: &mut Vec<u8>, depth: usize) -> mlua::Result<()> {
    let pairs: Vec<(Value, Value)> = t.pairs::<Value, Value>().collect::<mlua::Result<_>>()?;
    if let Some(len) = array_len(&pairs) {
        out.push(b'[');
        for i in 1..=len {
            if i > 1 {
                out.push(b',');
            }
            encode(&t.raw_get::<Value>(i)?, out, depth + 1)?;
        }
        out.push(b']');
        return Ok(());
    }
    out.push(b'{');
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match k {
            Value::String(s) => escape(&s.as_bytes(), out),
            Value::Integer(n) => escape(n.to_string().as_bytes(), out),
            Value::Number(n) => escape(format_g14(*n).as_bytes(), out),
            _ => return fail("Cannot serialise table: table key must be a number or string"),
        }
        out.push(b':');
        encode(v, out, depth + 1)?;
    }
    out.push(b'}');
    Ok(())
}

/// lua-cjson's array test: every key a positive integer, not excessively
/// sparse (more than half holes once past 10 elements). Empty tables are
/// objects.
fn array_len(pairs: &[(Value, Value)]) -> Option<usize> {
    let mut max = 0usize;
    for (k, _) in pairs {
        let n = match k {
            Value::Integer(n) => *n as f64,
            Value::Number(n) => *n,
            _ => return None,
        };
        if n < 1.0 || n.fract() != 0.0 {
            return None;
        }
        max = max.max(n as usize);
    }
    if max == 0 || (max > 10 && max > pairs.len() * 2) {
        return None;
    }
    Some(max)
}

fn escape(s: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &b in s {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'/' => out.extend_from_slice(b"\\/"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            0..=0x1f | 0x7f => out.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

/// A number as C's `%.14g` prints it (Lua 5.1's number format).
pub(crate) fn format_g14(n: f64) -> String {
    if n == 0.0 {
        return if n.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let exp = n.abs().log10().floor() as i32;
    if (-5..14).contains(&exp) {
        let decimals = (13 - exp).max(0) as usize;
        let text = format!("{n:.decimals$}");
        if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            text
        }
    } else {
        let text = format!("{n:.13e}");
        let (mantissa, e) = text.split_once('e').unwrap_or((&text, "0"));
        let mantissa = if mantissa.contains('.') {
            mantissa.trim_end_matches('0').trim_end_matches('.')
        } else {
            mantissa
        };
        let e: i32 = e.parse().unwrap_or(0);
        format!("{mantissa}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
    }
}

fn decode(lua: &Lua, json: &serde_json::Value, depth: usize) -> mlua::Result<Value> {
    if depth > MAX_DEPTH {
        return fail(format!("Found too many nested data structures ({depth})"));
    }
    Ok(match json {
        serde_json::Value::Null => null(),
        serde_json::Value::Bool(b) => Value::Boolean(*b),
        serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Value::String(lua.create_string(s)?),
        serde_json::Value::Array(items) => {
            let t = lua.create_table_with_capacity(items.len(), 0)?;
            for (i, item) in items.iter().enumerate() {
                t.raw_set(i + 1, decode(lua, item, depth + 1)?)?;
            }
            Value::Table(t)
        }
        serde_json::Value::Object(map) => {
            let t = lua.create_table_with_capacity(0, map.len())?;
            for (k, v) in map {
                t.raw_set(lua.create_string(k)?, decode(lua, v, depth + 1)?)?;
            }
            Value::Table(t)
        }
    })
}
