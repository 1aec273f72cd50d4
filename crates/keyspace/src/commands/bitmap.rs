//! Bitmap commands: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD,
//! BITFIELD_RO.
//!
//! Bitmaps are plain strings: bit 0 is the most significant bit of the
//! first byte. Reads see missing bytes as zeros; writes grow the string
//! with zero bytes (at most 512 MiB, checked on the offset before any
//! allocation).

use std::borrow::Cow;

use bytes::Bytes;
use resp::Reply;

use super::string::{raw_string_mut, string_bytes, MAX_STRING};
use crate::args;
use crate::table::{CommandSpec as C, Flags as F, Group as G, Handler as H};
use crate::{Blob, CmdError, CmdResult, Ctx, Keyspace, Value};

pub(crate) const COMMANDS: &[C] = &[
    C::new("setbit", 4, G::Bitmap, H::Write(setbit))
        .flags(&[F::WRITE, F::DENYOOM])
        .keys(1, 1, 1)
        .doc(
            "Sets or clears the bit at offset of the string value. Creates the key if it doesn't exist.",
            "2.2.0",
            "O(1)",
        ),
    C::new("getbit", 3, G::Bitmap, H::Read(getbit))
        .flags(&[F::READONLY, F::FAST])
        .keys(1, 1, 1)
        .doc("Returns a bit value by offset.", "2.2.0", "O(1)"),
    C::new("bitcount", -2, G::Bitmap, H::Read(bitcount))
        .flags(&[F::READONLY])
        .keys(1, 1, 1)
        .doc("Counts the number of set bits (population counting) in a string.", "2.6.0", "O(N)"),
    C::new("bitpos", -3, G::Bitmap, H::Read(bitpos))
        .flags(&[F::READONLY])
        .keys(1, 1, 1)
        .doc("Finds the first set (1) or clear (0) bit in a string.", "2.8.7", "O(N)"),
    C::new("bitop", -4, G::Bitmap, H::Write(bitop))
        .flags(&[F::WRITE, F::DENYOOM])
        .keys(2, -1, 1)
        .doc(
            "Performs bitwise operations on multiple strings, and stores the result.",
            "2.6.0",
            "O(N)",
        ),
    C::new("bitfield", -2, G::Bitmap, H::Write(bitfield))
        .flags(&[F::WRITE, F::DENYOOM])
        .keys(1, 1, 1)
        .doc(
            "Performs arbitrary bitfield integer operations on strings.",
            "3.2.0",
            "O(1) for each subcommand specified",
        ),
    C::new("bitfield_ro", -2, G::Bitmap, H::Read(bitfield_ro))
        .flags(&[F::READONLY, F::FAST])
        .keys(1, 1, 1)
        .doc(
            "Performs arbitrary read-only bitfield integer operations on strings.",
            "6.0.0",
            "O(1) for each subcommand specified",
        ),
];

/// Parses a bit offset like Redis: a non-negative integer whose byte lies
/// within `proto-max-bulk-len`; with `hash`, `#n` means `n * bits`.
fn bit_offset(arg: &[u8], hash: bool, bits: u32) -> Result<u64, CmdError> {
    let invalid = || CmdError::err("bit offset is not an integer or out of range");
    let (times, digits) = match arg.split_first() {
        Some((b'#', rest)) if hash => (Some(bits), rest),
        _ => (None, arg),
    };
    let mut offset = resp::parse_int(digits).ok_or_else(invalid)?;
    if let Some(bits) = times {
        // Redis multiplies without an overflow check: wrap the same way.
        offset = offset.wrapping_mul(i64::from(bits));
    }
    match u64::try_from(offset) {
        Ok(off) if off >> 3 < MAX_STRING => Ok(off),
        _ => Err(invalid()),
    }
}

/// The bit at `offset` (0 past the end).
fn bit_at(bytes: &[u8], offset: u64) -> u8 {
    usize::try_from(offset >> 3)
        .ok()
        .and_then(|i| bytes.get(i))
        .map_or(0, |b| (b >> (7 - (offset & 7))) & 1)
}

/// Grows `s` with zero bytes so that bit `offset` exists; true if it grew.
/// Callers checked `offset` against `MAX_STRING`.
fn grow_for_bit(s: &mut Blob, offset: u64) -> bool {
    let need = (offset >> 3) as usize + 1;
    if s.len() < need {
        s.resize(need, 0);
        true
    } else {
        false
    }
}

fn write_bit(s: &mut [u8], offset: u64, on: bool) {
    let mask = 1u8 << (7 - (offset & 7));
    let byte = &mut s[(offset >> 3) as usize];
    if on {
        *byte |= mask;
    } else {
        *byte &= !mask;
    }
}

fn setbit(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let key = &args[1];
    let offset = bit_offset(&args[2], false, 0)?;
    let on = match &args[3][..] {
        b"0" => false,
        b"1" => true,
        _ => return Err(CmdError::err("bit is not an integer or out of range")),
    };
    let db = ks.db_mut(ctx.db);
    let (old, changed) = match db.get_mut(key, ctx.now_ms) {
        None => {
            let mut s = Blob::new();
            grow_for_bit(&mut s, offset);
            write_bit(&mut s, offset, on);
            db.insert(key, Value::Str(s));
            (0, true)
        }
        Some(value) => {
            let s = raw_string_mut(value)?;
            let grew = grow_for_bit(s, offset);
            let old = bit_at(s, offset);
            write_bit(s, offset, on);
            (old, grew || (old == 1) != on)
        }
    };
    if changed {
        ctx.modified(ctx.db, key);
    }
    out.int(i64::from(old));
    Ok(())
}

fn getbit(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let offset = bit_offset(&args[2], false, 0)?;
    let bit = match ks.db(ctx.db).get(&args[1], ctx.now_ms) {
        None => 0,
        Some(value) => {
            let mut buf = itoa::Buffer::new();
            bit_at(string_bytes(value, &mut buf)?, offset)
        }
    };
    out.int(i64::from(bit));
    Ok(())
}

/// Parses the optional `BYTE` / `BIT` unit: true for bits.
fn range_unit(arg: &[u8]) -> Result<bool, CmdError> {
    if args::is(arg, "bit") {
        Ok(true)
    } else if args::is(arg, "byte") {
        Ok(false)
    } else {
        Err(CmdError::Syntax)
    }
}

/// Normalizes a Redis range over `total` units (negative indexes count from
/// the end); `None` when empty.
fn normalize(start: i64, end: i64, total: i64) -> Option<(u64, u64)> {
    let start = if start < 0 { start + total } else { start }.max(0);
    let end = if end < 0 { end + total } else { end }
        .max(0)
        .min(total - 1);
    (start <= end).then_some((start as u64, end as u64))
}

fn popcount(bytes: &[u8]) -> u64 {
    let chunks = bytes.chunks_exact(8);
    let tail: u64 = chunks
        .remainder()
        .iter()
        .map(|b| u64::from(b.count_ones()))
        .sum();
    chunks
        .map(|c| {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            u64::from(u64::from_ne_bytes(word).count_ones())
        })
        .sum::<u64>()
        + tail
}

/// Number of set bits in the bit range `first..=last` (inside `bytes`).
fn count_bits(bytes: &[u8], first: u64, last: u64) -> u64 {
    let (fb, lb) = ((first >> 3) as usize, (last >> 3) as usize);
    let before = bytes[fb] & !((0xffu32 >> (first & 7)) as u8);
    let after = bytes[lb] & ((0xffu32 >> ((last & 7) + 1)) as u8);
    popcount(&bytes[fb..=lb]) - u64::from(before.count_ones()) - u64::from(after.count_ones())
}

fn bitcount(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let Some(value) = ks.db(ctx.db).get(&args[1], ctx.now_ms) else {
        out.int(0);
        return Ok(());
    };
    let mut buf = itoa::Buffer::new();
    let bytes = string_bytes(value, &mut buf)?;
    let count = match args.len() {
        2 => popcount(bytes),
        4 | 5 => {
            let start = args::int(&args[2])?;
            let end = args::int(&args[3])?;
            // Like Redis, an empty negative range answers 0 before the
            // unit is even looked at.
            if start < 0 && end < 0 && start > end {
                0
            } else {
                let in_bits = match args.get(4) {
                    Some(unit) => range_unit(unit)?,
                    None => false,
                };
                let total = bytes.len() as i64 * if in_bits { 8 } else { 1 };
                match normalize(start, end, total) {
                    None => 0,
                    Some((s, e)) if in_bits => count_bits(bytes, s, e),
                    Some((s, e)) => popcount(&bytes[s as usize..=e as usize]),
                }
            }
        }
        _ => return Err(CmdError::Syntax),
    };
    out.int(count as i64);
    Ok(())
}

/// The first bit equal to `bit` in the bit range `first..=last` (inside
/// `bytes`).
fn find_bit(bytes: &[u8], first: u64, last: u64, bit: bool) -> Option<u64> {
    let (fb, lb) = ((first >> 3) as usize, (last >> 3) as usize);
    let flip = if bit { 0 } else { 0xff };
    (fb..=lb).find_map(|i| {
        let mut b = bytes[i] ^ flip;
        if i == fb {
            b &= (0xffu32 >> (first & 7)) as u8;
        }
        if i == lb {
            b &= !((0xffu32 >> ((last & 7) + 1)) as u8);
        }
        (b != 0).then(|| i as u64 * 8 + u64::from(b.leading_zeros()))
    })
}

fn bitpos(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let bit = match args::int(&args[2])? {
        0 => false,
        1 => true,
        _ => return Err(CmdError::err("The bit argument must be 1 or 0.")),
    };
    let Some(value) = ks.db(ctx.db).get(&args[1], ctx.now_ms) else {
        out.int(if bit { -1 } else { 0 });
        return Ok(());
    };
    let mut buf = itoa::Buffer::new();
    let bytes = string_bytes(value, &mut buf)?;
    let len = bytes.len() as i64;
    let (range, in_bits, end_given) = match args.len() {
        3 => (normalize(0, len - 1, len), false, false),
        4..=6 => {
            let start = args::int(&args[3])?;
            let in_bits = match args.get(5) {
                Some(unit) => range_unit(unit)?,
                None => false,
            };
            let total = len * if in_bits { 8 } else { 1 };
            let (end, end_given) = match args.get(4) {
                Some(end) => (args::int(end)?, true),
                None => (total - 1, false),
            };
            (normalize(start, end, total), in_bits, end_given)
        }
        _ => return Err(CmdError::Syntax),
    };
    let Some((start, end)) = range else {
        out.int(-1);
        return Ok(());
    };
    let (first, last) = if in_bits {
        (start, end)
    } else {
        (start * 8, end * 8 + 7)
    };
    let pos = match find_bit(bytes, first, last, bit) {
        Some(pos) => pos as i64,
        // Looking for a clear bit without an explicit end: the string
        // continues with zeros, so the first bit after the range is clear.
        None if !bit && !end_given => ((last >> 3) as i64 + 1) * 8,
        None => -1,
    };
    out.int(pos);
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BitOp {
    And,
    Or,
    Xor,
    Not,
}

fn bitop(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let op = match &args[1][..] {
        o if args::is(o, "and") => BitOp::And,
        o if args::is(o, "or") => BitOp::Or,
        o if args::is(o, "xor") => BitOp::Xor,
        o if args::is(o, "not") => BitOp::Not,
        _ => return Err(CmdError::Syntax),
    };
    if op == BitOp::Not && args.len() != 4 {
        return Err(CmdError::err(
            "BITOP NOT must be called with a single source key.",
        ));
    }
    let dest = &args[2];
    let now = ctx.now_ms;
    let result = {
        let db = ks.db(ctx.db);
        let mut sources: Vec<Cow<'_, [u8]>> = Vec::with_capacity(args.len() - 3);
        for key in &args[3..] {
            sources.push(match db.get(key, now) {
                None => Cow::Borrowed(&[][..]),
                Some(Value::Str(s)) => Cow::Borrowed(&s[..]),
                Some(Value::Int(n)) => {
                    Cow::Owned(itoa::Buffer::new().format(*n).as_bytes().to_vec())
                }
                Some(_) => return Err(CmdError::WrongType),
            });
        }
        combine(op, &sources)
    };
    let len = result.len();
    let db = ks.db_mut(ctx.db);
    if len > 0 {
        db.insert(dest, Value::Str(Blob::from_vec(result)));
        ctx.modified(ctx.db, dest);
    } else if db.remove(dest, now).is_some() {
        ctx.modified(ctx.db, dest);
    }
    out.int(len as i64);
    Ok(())
}

/// Applies `op` byte by byte; shorter sources count as zero-padded.
fn combine(op: BitOp, sources: &[Cow<'_, [u8]>]) -> Vec<u8> {
    let len = sources.iter().map(|s| s.len()).max().unwrap_or(0);
    let Some((first, rest)) = sources.split_first() else {
        return Vec::new();
    };
    let mut res = vec![0u8; len];
    res[..first.len()].copy_from_slice(first);
    if op == BitOp::Not {
        res.iter_mut().for_each(|b| *b = !*b);
        return res;
    }
    for src in rest {
        match op {
            BitOp::And => {
                for (i, r) in res.iter_mut().enumerate() {
                    *r &= src.get(i).copied().unwrap_or(0);
                }
            }
            BitOp::Or => res.iter_mut().zip(src.iter()).for_each(|(r, s)| *r |= s),
            BitOp::Xor => res.iter_mut().zip(src.iter()).for_each(|(r, s)| *r ^= s),
            BitOp::Not => {}
        }
    }
    res
}

// ---------------------------------------------------------------------------
// BITFIELD.

/// What BITFIELD does when a SET or INCRBY leaves the field's range.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Overflow {
    Wrap,
    Sat,
    Fail,
}

/// A field type: `i1`..`i64` or `u1`..`u63`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct FieldType {
    pub signed: bool,
    pub bits: u32,
}

impl FieldType {
    fn parse(arg: &[u8]) -> Result<FieldType, CmdError> {
        let invalid = || {
            CmdError::err(
                "Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.",
            )
        };
        let (signed, digits) = match arg.split_first() {
            // Lower case only, like Redis.
            Some((b'i', rest)) => (true, rest),
            Some((b'u', rest)) => (false, rest),
            _ => return Err(invalid()),
        };
        // Redis reads the type as a C string: it ends at a NUL byte.
        let digits = digits.split(|b| *b == 0).next().unwrap_or_default();
        let bits = resp::parse_int(digits).ok_or_else(invalid)?;
        let max = if signed { 64 } else { 63 };
        if !(1..=max).contains(&bits) {
            return Err(invalid());
        }
        Ok(FieldType {
            signed,
            bits: bits as u32,
        })
    }

    fn max(self) -> i128 {
        if self.signed {
            (1i128 << (self.bits - 1)) - 1
        } else {
            (1i128 << self.bits) - 1
        }
    }

    fn min(self) -> i128 {
        if self.signed {
            -(1i128 << (self.bits - 1))
        } else {
            0
        }
    }

    /// The raw field bits as this type's value.
    pub(crate) fn decode(self, raw: u64) -> i64 {
        if self.signed && self.bits < 64 && raw >> (self.bits - 1) & 1 == 1 {
            (raw | (u64::MAX << self.bits)) as i64
        } else {
            raw as i64
        }
    }

    /// The low `bits` bits of `v` (two's complement).
    pub(crate) fn truncate(self, v: i128) -> u64 {
        let raw = v as u64;
        if self.bits == 64 {
            raw
        } else {
            raw & ((1u64 << self.bits) - 1)
        }
    }

    /// The result of storing the exact value `v` with `overflow`, as raw
    /// field bits, or `None` when it fails.
    pub(crate) fn fit(self, v: i128, overflow: Overflow) -> Option<u64> {
        if (self.min()..=self.max()).contains(&v) {
            return Some(self.truncate(v));
        }
        match overflow {
            Overflow::Wrap => Some(self.truncate(v)),
            Overflow::Sat => Some(self.truncate(v.clamp(self.min(), self.max()))),
            Overflow::Fail => None,
        }
    }
}

/// Reads `bits` bits at bit `offset`, most significant first (0 past the
/// end of `bytes`).
pub(crate) fn read_field(bytes: &[u8], offset: u64, bits: u32) -> u64 {
    (0..u64::from(bits)).fold(0u64, |acc, i| {
        (acc << 1) | u64::from(bit_at(bytes, offset + i))
    })
}

/// Writes the low `bits` bits of `raw` at bit `offset` (inside `bytes`).
pub(crate) fn write_field(bytes: &mut [u8], offset: u64, bits: u32, raw: u64) {
    for i in 0..u64::from(bits) {
        let on = raw >> (u64::from(bits) - 1 - i) & 1 == 1;
        write_bit(bytes, offset + i, on);
    }
}

#[derive(Clone, Copy)]
enum FieldOp {
    Get,
    Set(i64),
    IncrBy(i64),
}

struct Field {
    op: FieldOp,
    ty: FieldType,
    offset: u64,
    overflow: Overflow,
}

/// Parses the BITFIELD subcommands; returns them with the highest bit any
/// write touches (`None` if all are GETs).
fn parse_fields(args: &[Bytes]) -> Result<(Vec<Field>, Option<u64>), CmdError> {
    let mut fields = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut highest: Option<u64> = None;
    let mut j = 2;
    while j < args.len() {
        let sub = &args[j][..];
        let remaining = args.len() - j - 1;
        let needs_value = if args::is(sub, "get") && remaining >= 2 {
            false
        } else if (args::is(sub, "set") || args::is(sub, "incrby")) && remaining >= 3 {
            true
        } else if args::is(sub, "overflow") && remaining >= 1 {
            let kind = &args[j + 1][..];
            overflow = if args::is(kind, "wrap") {
                Overflow::Wrap
            } else if args::is(kind, "sat") {
                Overflow::Sat
            } else if args::is(kind, "fail") {
                Overflow::Fail
            } else {
                return Err(CmdError::err("Invalid OVERFLOW type specified"));
            };
            j += 2;
            continue;
        } else {
            return Err(CmdError::Syntax);
        };
        let ty = FieldType::parse(&args[j + 1])?;
        let offset = bit_offset(&args[j + 2], true, ty.bits)?;
        let op = if needs_value {
            let last = offset + u64::from(ty.bits) - 1;
            highest = Some(highest.map_or(last, |h| h.max(last)));
            let value = args::int(&args[j + 3])?;
            if args::is(sub, "set") {
                FieldOp::Set(value)
            } else {
                FieldOp::IncrBy(value)
            }
        } else {
            FieldOp::Get
        };
        fields.push(Field {
            op,
            ty,
            offset,
            overflow,
        });
        j += if needs_value { 4 } else { 3 };
    }
    Ok((fields, highest))
}

fn reply_gets(fields: &[Field], bytes: &[u8], out: &mut Reply) {
    out.array(fields.len());
    for f in fields {
        out.int(f.ty.decode(read_field(bytes, f.offset, f.ty.bits)));
    }
}

fn bitfield(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let key = &args[1];
    let (fields, highest) = parse_fields(args)?;
    let db = ks.db_mut(ctx.db);
    let Some(highest) = highest else {
        // Only GETs: a read.
        let mut buf = itoa::Buffer::new();
        let bytes = match db.get(key, ctx.now_ms) {
            None => &[][..],
            Some(value) => string_bytes(value, &mut buf)?,
        };
        reply_gets(&fields, bytes, out);
        return Ok(());
    };
    let (s, mut changed) = match db.get_mut(key, ctx.now_ms) {
        Some(value) => {
            let s = raw_string_mut(value)?;
            let grew = grow_for_bit(s, highest);
            (s, grew)
        }
        None => {
            let mut s = Blob::new();
            grow_for_bit(&mut s, highest);
            db.insert(key, Value::Str(s));
            match db.get_mut(key, ctx.now_ms) {
                Some(Value::Str(s)) => (s, true),
                _ => return Err(CmdError::NoSuchKey),
            }
        }
    };
    out.array(fields.len());
    for f in &fields {
        let (ty, offset) = (f.ty, f.offset);
        let old = ty.decode(read_field(s, offset, ty.bits));
        match f.op {
            FieldOp::Get => out.int(old),
            FieldOp::Set(v) => {
                // Unsigned fields take the value's two's complement bits,
                // like Redis.
                let wanted = if ty.signed {
                    i128::from(v)
                } else {
                    i128::from(v as u64)
                };
                match ty.fit(wanted, f.overflow) {
                    Some(raw) => {
                        write_field(s, offset, ty.bits, raw);
                        changed = true;
                        out.int(old);
                    }
                    None => out.null(),
                }
            }
            FieldOp::IncrBy(by) => match ty.fit(i128::from(old) + i128::from(by), f.overflow) {
                Some(raw) => {
                    write_field(s, offset, ty.bits, raw);
                    changed = true;
                    out.int(ty.decode(raw));
                }
                None => out.null(),
            },
        }
    }
    if changed {
        ctx.modified(ctx.db, key);
    }
    Ok(())
}

fn bitfield_ro(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let (fields, highest) = parse_fields(args)?;
    if highest.is_some() {
        return Err(CmdError::err(
            "BITFIELD_RO only supports the GET subcommand",
        ));
    }
    let mut buf = itoa::Buffer::new();
    let bytes = match ks.db(ctx.db).get(&args[1], ctx.now_ms) {
        None => &[][..],
        Some(value) => string_bytes(value, &mut buf)?,
    };
    reply_gets(&fields, bytes, out);
    Ok(())
}

#[cfg(test)]
#[path = "bitmap_tests.rs"]
mod tests;
