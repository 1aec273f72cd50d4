//! The `struct` library (Roberto Ierusalimschy's, as Redis ships it):
//! `struct.pack`, `struct.unpack` and `struct.size` over the formats
//! `< > ! = x b B h H l L T i[n] I[n] f d s c[n]` (alignment with `!` is
//! accepted and ignored: keel packs without padding).

use mlua::{Lua, MultiValue, Table, Value, Variadic};

use super::fail;

#[derive(Clone, Copy)]
enum Item {
    Pad,
    Int {
        size: usize,
        signed: bool,
    },
    Float,
    Double,
    /// `s`: zero-terminated string.
    Zstr,
    /// `cN` (0: the length is the previous number, or the rest).
    Chars(usize),
}

fn parse(fmt: &[u8]) -> mlua::Result<(bool, Vec<Item>)> {
    let mut little = true;
    let mut items = Vec::new();
    let mut i = 0;
    let number = |i: &mut usize| -> Option<usize> {
        let start = *i;
        while *i < fmt.len() && fmt[*i].is_ascii_digit() {
            *i += 1;
        }
        std::str::from_utf8(&fmt[start..*i]).ok()?.parse().ok()
    };
    while i < fmt.len() {
        let c = fmt[i];
        i += 1;
        let item = match c {
            b' ' | b'!' => continue,
            b'<' | b'=' => {
                little = true;
                continue;
            }
            b'>' => {
                little = false;
                continue;
            }
            b'x' => Item::Pad,
            b'b' | b'B' => Item::Int {
                size: 1,
                signed: c == b'b',
            },
            b'h' | b'H' => Item::Int {
                size: 2,
                signed: c == b'h',
            },
            b'l' | b'L' | b'T' => Item::Int {
                size: 8,
                signed: c == b'l',
            },
            b'i' | b'I' => {
                let size = number(&mut i).unwrap_or(4);
                if !(1..=8).contains(&size) {
                    return fail(format!("integral size {size} is larger than limit of 8"));
                }
                Item::Int {
                    size,
                    signed: c == b'i',
                }
            }
            b'f' => Item::Float,
            b'd' => Item::Double,
            b's' => Item::Zstr,
            b'c' => Item::Chars(number(&mut i).unwrap_or(1)),
            other => return fail(format!("invalid format option '{}'", other as char)),
        };
        items.push(item);
    }
    Ok((little, items))
}

fn num(v: Option<&Value>) -> mlua::Result<f64> {
    match v {
        Some(Value::Integer(n)) => Ok(*n as f64),
        Some(Value::Number(n)) => Ok(*n),
        Some(Value::String(s)) => s
            .to_str()?
            .trim()
            .parse()
            .or_else(|_| fail("bad argument (number expected)")),
        _ => fail("bad argument (number expected, got no value)"),
    }
}

fn put(out: &mut Vec<u8>, bytes: &[u8], little: bool) {
    if little {
        out.extend_from_slice(bytes);
    } else {
        out.extend(bytes.iter().rev());
    }
}

fn pack(lua: &Lua, args: Variadic<Value>) -> mlua::Result<mlua::String> {
    let Some(Value::String(fmt)) = args.first() else {
        return fail("bad argument #1 to 'pack' (string expected)");
    };
    let (little, items) = parse(&fmt.as_bytes())?;
    let mut values = args.iter().skip(1);
    let mut out = Vec::new();
    for item in items {
        match item {
            Item::Pad => out.push(0),
            Item::Int { size, .. } => {
                let n = num(values.next())? as i64;
                put(&mut out, &n.to_le_bytes()[..size], little);
            }
            Item::Float => put(
                &mut out,
                &(num(values.next())? as f32).to_le_bytes(),
                little,
            ),
            Item::Double => put(&mut out, &num(values.next())?.to_le_bytes(), little),
            Item::Zstr | Item::Chars(_) => {
                let Some(Value::String(s)) = values.next() else {
                    return fail("bad argument (string expected)");
                };
                let s = s.as_bytes();
                match item {
                    Item::Chars(n) if n > 0 => {
                        if s.len() < n {
                            return fail("string too short");
                        }
                        out.extend_from_slice(&s[..n]);
                    }
                    Item::Chars(_) => out.extend_from_slice(&s),
                    _ => {
                        out.extend_from_slice(&s);
                        out.push(0);
                    }
                }
            }
        }
    }
    lua.create_string(&out)
}

fn unpack(
    lua: &Lua,
    (fmt, data, pos): (mlua::String, mlua::String, Option<i64>),
) -> mlua::Result<MultiValue> {
    let (little, items) = parse(&fmt.as_bytes())?;
    let data = data.as_bytes();
    let mut at =
        usize::try_from(pos.unwrap_or(1) - 1).or_else(|_| fail("offset must be 1 or greater"))?;
    let mut values = Vec::new();
    let mut last_number: Option<usize> = None;
    for item in items {
        let need = |at: usize, n: usize| {
            if at + n <= data.len() {
                Ok(())
            } else {
                fail("data string too short")
            }
        };
        match item {
            Item::Pad => at += 1,
            Item::Int { size, signed } => {
                need(at, size)?;
                let mut raw = [0u8; 8];
                let bytes = &data[at..at + size];
                for (i, b) in bytes.iter().enumerate() {
                    raw[if little { i } else { size - 1 - i }] = *b;
                }
                let mut n = u64::from_le_bytes(raw);
                if signed && size < 8 && n >> (size * 8 - 1) & 1 == 1 {
                    n |= u64::MAX << (size * 8);
                }
                let v = if signed { n as i64 as f64 } else { n as f64 };
                last_number = Some(v as usize);
                values.push(Value::Number(v));
                at += size;
            }
            Item::Float | Item::Double => {
                let size = if matches!(item, Item::Float) { 4 } else { 8 };
                need(at, size)?;
                let mut raw = [0u8; 8];
                for i in 0..size {
                    raw[i] = data[at + if little { i } else { size - 1 - i }];
                }
                let v = if size == 4 {
                    f64::from(f32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]))
                } else {
                    f64::from_le_bytes(raw)
                };
                values.push(Value::Number(v));
                at += size;
            }
            Item::Zstr => {
                let end = data[at.min(data.len())..]
                    .iter()
                    .position(|b| *b == 0)
                    .map(|p| at + p);
                let Some(end) = end else {
                    return fail("unfinished string in data");
                };
                values.push(Value::String(lua.create_string(&data[at..end])?));
                at = end + 1;
            }
            Item::Chars(n) => {
                let n = if n == 0 {
                    last_number.take().unwrap_or(data.len().saturating_sub(at))
                } else {
                    n
                };
                need(at, n)?;
                values.push(Value::String(lua.create_string(&data[at..at + n])?));
                at += n;
            }
        }
    }
    values.push(Value::Number((at + 1) as f64));
    Ok(MultiValue::from_vec(values))
}

fn size(_: &Lua, fmt: mlua::String) -> mlua::Result<usize> {
    let (_, items) = parse(&fmt.as_bytes())?;
    let mut total = 0;
    for item in items {
        total += match item {
            Item::Pad => 1,
            Item::Int { size, .. } => size,
            Item::Float => 4,
            Item::Double => 8,
            Item::Chars(n) if n > 0 => n,
            _ => return fail("options 'c0' - 's' have undefined sizes"),
        };
    }
    Ok(total)
}

pub(super) fn table(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set("pack", lua.create_function(pack)?)?;
    t.raw_set("unpack", lua.create_function(unpack)?)?;
    t.raw_set("size", lua.create_function(size)?)?;
    Ok(t)
}
