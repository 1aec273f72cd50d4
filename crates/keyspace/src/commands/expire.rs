//! Expiry commands: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (with NX, XX, GT,
//! LT), TTL, PTTL, EXPIRETIME, PEXPIRETIME and PERSIST.
//!
//! Expiry times are absolute Unix milliseconds compared with `ctx.now_ms`
//! (the log entry's clock), so every replica expires a key at the same log
//! position. Setting an expiry at or before now deletes the key at once, as
//! Redis does on a master.

#[cfg(test)]
mod tests;

use bytes::Bytes;
use resp::Reply;

use crate::table::{CommandSpec as C, Flags as F, Group as G, Handler as H};
use crate::{CmdError, CmdResult, Ctx, KeyTtl, Keyspace};

pub(crate) const COMMANDS: &[C] = &[
    C::new("expire", -3, G::Generic, H::Write(expire))
        .flags(&[F::WRITE, F::FAST])
        .keys(1, 1, 1)
        .doc("Set a key's time to live in seconds", "1.0.0", "O(1)"),
    C::new("pexpire", -3, G::Generic, H::Write(pexpire))
        .flags(&[F::WRITE, F::FAST])
        .keys(1, 1, 1)
        .doc("Set a key's time to live in milliseconds", "2.6.0", "O(1)"),
    C::new("expireat", -3, G::Generic, H::Write(expireat))
        .flags(&[F::WRITE, F::FAST])
        .keys(1, 1, 1)
        .doc(
            "Set the expiration for a key as a UNIX timestamp",
            "1.2.0",
            "O(1)",
        ),
    C::new("pexpireat", -3, G::Generic, H::Write(pexpireat))
        .flags(&[F::WRITE, F::FAST])
        .keys(1, 1, 1)
        .doc(
            "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
            "2.6.0",
            "O(1)",
        ),
    C::new("ttl", 2, G::Generic, H::Read(ttl))
        .flags(&[F::READONLY, F::FAST])
        .keys(1, 1, 1)
        .doc("Get the time to live for a key in seconds", "1.0.0", "O(1)"),
    C::new("pttl", 2, G::Generic, H::Read(pttl))
        .flags(&[F::READONLY, F::FAST])
        .keys(1, 1, 1)
        .doc(
            "Get the time to live for a key in milliseconds",
            "2.6.0",
            "O(1)",
        ),
    C::new("expiretime", 2, G::Generic, H::Read(expiretime))
        .flags(&[F::READONLY, F::FAST])
        .keys(1, 1, 1)
        .doc(
            "Get the expiration Unix timestamp for a key",
            "7.0.0",
            "O(1)",
        ),
    C::new("pexpiretime", 2, G::Generic, H::Read(pexpiretime))
        .flags(&[F::READONLY, F::FAST])
        .keys(1, 1, 1)
        .doc(
            "Get the expiration Unix timestamp for a key in milliseconds",
            "7.0.0",
            "O(1)",
        ),
    C::new("persist", 2, G::Generic, H::Write(persist))
        .flags(&[F::WRITE, F::FAST])
        .keys(1, 1, 1)
        .doc("Remove the expiration from a key", "2.2.0", "O(1)"),
];

/// The NX / XX / GT / LT options of the EXPIRE family.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Conditions {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

impl Conditions {
    /// Parses the options after the time argument, with Redis's errors.
    fn parse(options: &[Bytes]) -> Result<Conditions, CmdError> {
        let mut c = Conditions::default();
        for opt in options {
            match opt.to_ascii_lowercase().as_slice() {
                b"nx" => c.nx = true,
                b"xx" => c.xx = true,
                b"gt" => c.gt = true,
                b"lt" => c.lt = true,
                _ => {
                    return Err(CmdError::err(format!(
                        "Unsupported option {}",
                        String::from_utf8_lossy(opt)
                    )))
                }
            }
        }
        if c.nx && (c.xx || c.gt || c.lt) {
            return Err(CmdError::err(
                "NX and XX, GT or LT options at the same time are not compatible",
            ));
        }
        if c.gt && c.lt {
            return Err(CmdError::err(
                "GT and LT options at the same time are not compatible",
            ));
        }
        Ok(c)
    }

    /// True if a new expiry `when` may replace `current` (`None`: the key
    /// has none, which counts as an infinite TTL for GT and LT).
    fn allow(self, current: Option<i64>, when: i64) -> bool {
        if self.nx && current.is_some() {
            return false;
        }
        if self.xx && current.is_none() {
            return false;
        }
        if self.gt && current.is_none_or(|cur| when <= cur) {
            return false;
        }
        if self.lt && current.is_some_and(|cur| when >= cur) {
            return false;
        }
        true
    }
}

/// How the EXPIRE family reads its time argument.
#[derive(Debug, Clone, Copy)]
struct Unit {
    /// The command name for the overflow error.
    name: &'static str,
    /// Seconds (true) or milliseconds.
    seconds: bool,
    /// Relative to now (true) or an absolute Unix time.
    relative: bool,
}

fn expire(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let unit = Unit {
        name: "expire",
        seconds: true,
        relative: true,
    };
    expire_generic(ks, ctx, args, out, unit)
}

fn pexpire(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let unit = Unit {
        name: "pexpire",
        seconds: false,
        relative: true,
    };
    expire_generic(ks, ctx, args, out, unit)
}

fn expireat(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let unit = Unit {
        name: "expireat",
        seconds: true,
        relative: false,
    };
    expire_generic(ks, ctx, args, out, unit)
}

fn pexpireat(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let unit = Unit {
        name: "pexpireat",
        seconds: false,
        relative: false,
    };
    expire_generic(ks, ctx, args, out, unit)
}

/// The clock as a signed millisecond count (Redis's `mstime_t`).
fn now_i64(ctx: &Ctx) -> i64 {
    i64::try_from(ctx.now_ms).unwrap_or(i64::MAX)
}

/// Converts the time argument into an absolute Unix time in milliseconds,
/// failing like Redis when the conversion or the addition overflows. The
/// result may be negative (long in the past).
fn absolute_ms(arg: &[u8], unit: Unit, now: i64) -> Result<i64, CmdError> {
    let invalid = || CmdError::err(format!("invalid expire time in '{}' command", unit.name));
    let mut when = crate::args::int(arg)?;
    if unit.seconds {
        when = when.checked_mul(1000).ok_or_else(invalid)?;
    }
    if unit.relative {
        when = when.checked_add(now).ok_or_else(invalid)?;
    }
    Ok(when)
}

/// EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT key time [NX | XX | GT | LT]
fn expire_generic(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
    unit: Unit,
) -> CmdResult {
    let key = &args[1];
    let conditions = Conditions::parse(&args[3..])?;
    let now = now_i64(ctx);
    let when = absolute_ms(&args[2], unit, now)?;
    let (db_index, now_ms) = (ctx.db, ctx.now_ms);
    let db = ks.db_mut(db_index);
    let current = match db.ttl(key, now_ms) {
        KeyTtl::Missing => {
            db.reclaim_if_expired(key, now_ms);
            out.int(0);
            return Ok(());
        }
        KeyTtl::Persistent => None,
        KeyTtl::ExpiresAt(at) => Some(i64::try_from(at).unwrap_or(i64::MAX)),
    };
    if !conditions.allow(current, when) {
        out.int(0);
        return Ok(());
    }
    if when <= now {
        db.remove(key, now_ms);
    } else {
        // `when > now >= 0`, so the conversion cannot fail.
        db.set_expiry(key, u64::try_from(when).ok(), now_ms);
    }
    ctx.modified(db_index, key);
    out.int(1);
    Ok(())
}

/// What the TTL family reports.
#[derive(Debug, Clone, Copy)]
struct TtlQuery {
    milliseconds: bool,
    absolute: bool,
}

fn ttl(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let q = TtlQuery {
        milliseconds: false,
        absolute: false,
    };
    ttl_generic(ks, ctx, args, out, q)
}

fn pttl(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let q = TtlQuery {
        milliseconds: true,
        absolute: false,
    };
    ttl_generic(ks, ctx, args, out, q)
}

fn expiretime(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let q = TtlQuery {
        milliseconds: false,
        absolute: true,
    };
    ttl_generic(ks, ctx, args, out, q)
}

fn pexpiretime(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let q = TtlQuery {
        milliseconds: true,
        absolute: true,
    };
    ttl_generic(ks, ctx, args, out, q)
}

/// -2 for a missing key, -1 without expiry, else the remaining time (or
/// the absolute expiry) in milliseconds, or in seconds rounded to nearest
/// like Redis (`(ms + 500) / 1000`).
fn ttl_generic(
    ks: &Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
    q: TtlQuery,
) -> CmdResult {
    let reply = match ks.db(ctx.db).ttl(&args[1], ctx.now_ms) {
        KeyTtl::Missing => -2,
        KeyTtl::Persistent => -1,
        KeyTtl::ExpiresAt(at) => {
            let ms = if q.absolute {
                i128::from(at)
            } else {
                (i128::from(at) - i128::from(ctx.now_ms)).max(0)
            };
            let value = if q.milliseconds {
                ms
            } else {
                (ms + 500) / 1000
            };
            i64::try_from(value).unwrap_or(i64::MAX)
        }
    };
    out.int(reply);
    Ok(())
}

fn persist(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let key = &args[1];
    let (db_index, now) = (ctx.db, ctx.now_ms);
    let db = ks.db_mut(db_index);
    db.reclaim_if_expired(key, now);
    let removed = matches!(db.ttl(key, now), KeyTtl::ExpiresAt(_)) && db.set_expiry(key, None, now);
    if removed {
        ctx.modified(db_index, key);
    }
    out.int(i64::from(removed));
    Ok(())
}
