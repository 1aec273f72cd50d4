//! HyperLogLog commands: PFADD, PFCOUNT, PFMERGE.
//!
//! HLLs are string values in keel's own format (see [`crate::types::hll`]):
//! any other string is refused with Redis's "not a valid HyperLogLog"
//! error, and a value with a valid header but damaged registers with
//! `INVALIDOBJ`.

use bytes::Bytes;
use resp::Reply;

use crate::table::{CommandSpec as C, Flags as F, Group as G, Handler as H};
use crate::types::hll::{self, Encoding, HllError};
use crate::{Blob, CmdError, CmdResult, Ctx, Keyspace, Value};

pub(crate) const COMMANDS: &[C] = &[
    C::new("pfadd", -2, G::HyperLogLog, H::Write(pfadd))
        .flags(&[F::WRITE, F::DENYOOM, F::FAST])
        .keys(1, 1, 1)
        .doc(
            "Adds elements to a HyperLogLog key. Creates the key if it doesn't exist.",
            "2.8.9",
            "O(1) to add every element.",
        ),
    C::new("pfcount", -2, G::HyperLogLog, H::Read(pfcount))
        .flags(&[F::READONLY])
        .keys(1, -1, 1)
        .doc(
            "Returns the approximated cardinality of the set(s) observed by the HyperLogLog key(s).",
            "2.8.9",
            "O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.",
        ),
    C::new("pfmerge", -2, G::HyperLogLog, H::Write(pfmerge))
        .flags(&[F::WRITE, F::DENYOOM])
        .keys(1, -1, 1)
        .doc(
            "Merges one or more HyperLogLog values into a single key.",
            "2.8.9",
            "O(N) to merge N HyperLogLogs, but with high constant times.",
        ),
];

fn hll_error(e: HllError) -> CmdError {
    match e {
        HllError::NotHll => {
            CmdError::Other("WRONGTYPE Key is not a valid HyperLogLog string value.".into())
        }
        HllError::Corrupt => CmdError::Other("INVALIDOBJ Corrupted HLL object detected".into()),
    }
}

/// The bytes of a stored HLL, validated.
fn hll_bytes(value: &Value) -> Result<(&[u8], Encoding), CmdError> {
    match value {
        Value::Str(s) => Ok((s, hll::validate(s).map_err(hll_error)?)),
        // An integer is never a valid HLL.
        Value::Int(_) => Err(hll_error(HllError::NotHll)),
        _ => Err(CmdError::WrongType),
    }
}

fn pfadd(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let key = &args[1];
    let db = ks.db_mut(ctx.db);
    let created = match db.get(key, ctx.now_ms) {
        Some(value) => {
            hll_bytes(value)?;
            false
        }
        None => {
            db.insert(key, Value::Str(hll::empty()));
            true
        }
    };
    let Some(Value::Str(h)) = db.get_mut(key, ctx.now_ms) else {
        return Err(CmdError::WrongType);
    };
    let mut updated = false;
    for element in &args[2..] {
        updated |= hll::add(h, element);
    }
    if created || updated {
        ctx.modified(ctx.db, key);
    }
    out.int(i64::from(created || updated));
    Ok(())
}

fn pfcount(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let db = ks.db(ctx.db);
    if args.len() == 2 {
        let n = match db.get(&args[1], ctx.now_ms) {
            None => 0,
            Some(value) => hll::count(hll_bytes(value)?.0),
        };
        out.int(n as i64);
        return Ok(());
    }
    let mut regs = vec![0u8; hll::REGISTERS];
    for key in &args[1..] {
        if let Some(value) = db.get(key, ctx.now_ms) {
            hll::merge_into(&mut regs, hll_bytes(value)?.0);
        }
    }
    out.int(hll::estimate(&hll::histogram_of(&regs)) as i64);
    Ok(())
}

fn pfmerge(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let dest = &args[1];
    let db = ks.db_mut(ctx.db);
    let mut regs = vec![0u8; hll::REGISTERS];
    let mut encoding = Encoding::Sparse;
    // The destination is a source too.
    for key in &args[1..] {
        if let Some(value) = db.get(key, ctx.now_ms) {
            let (bytes, enc) = hll_bytes(value)?;
            if enc == Encoding::Dense {
                encoding = Encoding::Dense;
            }
            hll::merge_into(&mut regs, bytes);
        }
    }
    let merged: Blob = hll::build(&regs, encoding);
    db.set_keep_ttl(dest, Value::Str(merged), ctx.now_ms);
    ctx.modified(ctx.db, dest);
    out.ok();
    Ok(())
}

#[cfg(test)]
#[path = "hll_tests.rs"]
mod tests;
