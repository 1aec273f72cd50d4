//! Conversions between RESP replies and Lua values, as Redis 7.0 does them
//! (RESP2 and RESP3, both ways).

use mlua::{Lua, Table, Value};
use resp::{Frame, Reply};

/// Deepest table nesting a script result may have.
const MAX_DEPTH: usize = 1000;

/// A command's reply as the script sees it. `resp3` is the protocol the
/// script asked for with `redis.setresp`.
pub(crate) fn frame_to_lua(lua: &Lua, frame: Frame, resp3: bool) -> mlua::Result<Value> {
    Ok(match frame {
        Frame::Integer(n) => Value::Number(n as f64),
        Frame::Bulk(b) => Value::String(lua.create_string(&b)?),
        Frame::Simple(s) => Value::Table(single(lua, "ok", Value::String(lua.create_string(&s)?))?),
        Frame::Error(e) => Value::Table(error_table(lua, &e)?),
        Frame::Null | Frame::NullArray if !resp3 => Value::Boolean(false),
        Frame::Null | Frame::NullArray => Value::Nil,
        Frame::Array(items) | Frame::Push(items) => Value::Table(sequence(lua, items, resp3)?),
        Frame::Double(d) => Value::Table(single(lua, "double", Value::Number(d))?),
        Frame::Boolean(b) => Value::Boolean(b),
        Frame::BigNumber(digits) => Value::Table(single(
            lua,
            "big_number",
            Value::String(lua.create_string(&digits)?),
        )?),
        Frame::Verbatim { format, text } => {
            let inner = lua.create_table()?;
            inner.raw_set("format", lua.create_string(&format)?)?;
            inner.raw_set("string", lua.create_string(&text)?)?;
            Value::Table(single(lua, "verbatim_string", Value::Table(inner))?)
        }
        Frame::Map(pairs) => {
            let map = lua.create_table()?;
            for (k, v) in pairs {
                map.raw_set(frame_to_lua(lua, k, resp3)?, frame_to_lua(lua, v, resp3)?)?;
            }
            Value::Table(single(lua, "map", Value::Table(map))?)
        }
        Frame::Set(items) => {
            let set = lua.create_table()?;
            for item in items {
                set.raw_set(frame_to_lua(lua, item, resp3)?, true)?;
            }
            Value::Table(single(lua, "set", Value::Table(set))?)
        }
    })
}

/// `{err = text}`, the error object of `redis.pcall` and `redis.error_reply`.
pub(crate) fn error_table(lua: &Lua, text: &str) -> mlua::Result<Table> {
    single(lua, "err", Value::String(lua.create_string(text)?))
}

fn single(lua: &Lua, key: &str, value: Value) -> mlua::Result<Table> {
    let t = lua.create_table_with_capacity(0, 1)?;
    t.raw_set(key, value)?;
    Ok(t)
}

fn sequence(lua: &Lua, items: Vec<Frame>, resp3: bool) -> mlua::Result<Table> {
    let t = lua.create_table_with_capacity(items.len(), 0)?;
    for (i, item) in items.into_iter().enumerate() {
        t.raw_set(i + 1, frame_to_lua(lua, item, resp3)?)?;
    }
    Ok(t)
}

/// Writes a script's result in the client's protocol (`out.is_resp3()`).
/// Booleans follow the script's protocol (`resp3`, from `redis.setresp`)
/// as in Redis: RESP2 scripts return `1` / null for true / false.
pub(crate) fn write_reply(value: &Value, out: &mut Reply, resp3: bool) {
    write_value(value, out, 0, resp3);
}

fn write_value(value: &Value, out: &mut Reply, depth: usize, resp3: bool) {
    if depth > MAX_DEPTH {
        out.error("ERR reached lua stack limit");
        return;
    }
    match value {
        Value::String(s) => out.bulk(&s.as_bytes()),
        Value::Integer(n) => out.int(*n),
        // Redis casts the double to a long long: truncation toward zero.
        Value::Number(n) => out.int(*n as i64),
        Value::Boolean(b) if resp3 => out.boolean(*b),
        Value::Boolean(true) => out.int(1),
        Value::Table(t) => write_table(t, out, depth, resp3),
        _ => out.null(),
    }
}

fn field(t: &Table, key: &str) -> Value {
    t.raw_get::<Value>(key).unwrap_or(Value::Nil)
}

fn write_table(t: &Table, out: &mut Reply, depth: usize, resp3: bool) {
    if let Value::String(err) = field(t, "err") {
        out.error(&err.to_string_lossy());
        return;
    }
    if let Value::String(ok) = field(t, "ok") {
        out.simple(&sanitize(&ok.to_string_lossy()));
        return;
    }
    if let Some(d) = number(&field(t, "double")) {
        out.double(d);
        return;
    }
    if let Value::String(digits) = field(t, "big_number") {
        out.big_number(&sanitize(&digits.to_string_lossy()));
        return;
    }
    if let Value::Table(map) = field(t, "map") {
        let pairs: Vec<(Value, Value)> =
            map.pairs::<Value, Value>().filter_map(Result::ok).collect();
        out.map(pairs.len());
        for (k, v) in &pairs {
            write_value(k, out, depth + 1, resp3);
            write_value(v, out, depth + 1, resp3);
        }
        return;
    }
    if let Value::Table(set) = field(t, "set") {
        let keys: Vec<Value> = set
            .pairs::<Value, Value>()
            .filter_map(Result::ok)
            .map(|(k, _)| k)
            .collect();
        out.set(keys.len());
        for k in &keys {
            write_value(k, out, depth + 1, resp3);
        }
        return;
    }
    if let Value::Table(verbatim) = field(t, "verbatim_string") {
        if let (Value::String(format), Value::String(text)) =
            (field(&verbatim, "format"), field(&verbatim, "string"))
        {
            let format = format.to_string_lossy();
            if format.len() == 3 {
                out.verbatim(&format, &text.as_bytes());
                return;
            }
        }
    }
    let mut items = Vec::new();
    for i in 1.. {
        match t.raw_get::<Value>(i) {
            Ok(Value::Nil) | Err(_) => break,
            Ok(v) => items.push(v),
        }
    }
    out.array(items.len());
    for item in &items {
        write_value(item, out, depth + 1, resp3);
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => Some(*n),
        Value::Integer(n) => Some(*n as f64),
        _ => None,
    }
}

/// Status lines cannot hold CR or LF.
fn sanitize(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}
