//! String commands: GET, SET and friends, counters, ranges, LCS.
//!
//! Strings are stored as [`Value::Int`] when their text is the canonical
//! decimal form of an `i64` (Redis's `int` encoding) and as [`Value::Str`]
//! otherwise. The hot commands (GET, SET, INCR, MGET, MSET) reply straight
//! from the stored bytes and store with [`Value::string`] or in place.

use bytes::Bytes;
use resp::Reply;

use crate::table::{CommandSpec as C, Flags as F, Group as G, Handler as H};
use crate::value::blob;
use crate::{args, long_double};
use crate::{Blob, CmdError, CmdResult, Ctx, KeyTtl, Keyspace, Value};

/// Largest string a command may build (`proto-max-bulk-len`, 512 MiB).
pub(crate) const MAX_STRING: u64 = 512 * 1024 * 1024;

pub(crate) const COMMANDS: &[C] = &[
    C::new("get", 2, G::String, H::Read(get))
        .flags(&[F::READONLY, F::FAST])
        .keys(1, 1, 1)
        .doc("Returns the string value of a key.", "1.0.0", "O(1)"),
    C::new("set", -3, G::String, H::Write(set))
        .flags(&[F::WRITE, F::DENYOOM])
        .keys(1, 1, 1)
        .doc(
            "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.",
            "1.0.0",
            "O(1)",
        ),
    C::new("setnx", 3, G::String, H::Write(setnx))
        .flags(&[F::WRITE, F::DENYOOM, F::FAST])
        .keys(1, 1, 1)
        .doc(
            "Set the string value of a key only when the key doesn't exist.",
            "1.0.0",
            "O(1)",
        ),
    C::new("setex", 4, G::String, H::Write(setex))
        .flags(&[F::WRITE, F::DENYOOM])
        .keys(1, 1, 1)
        .doc(
            "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.",
            "2.0.0",
            "O(1)",
        ),
    C::new("psetex", 4, G::String, H::Write(psetex))
        .flags(&[F::WRITE, F::DENYOOM])
        .keys(1, 1, 1)
        .doc(
            "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.",
            "2.6.0",
            "O(1)",
        ),
    C::new("getset", 3, G::String, H::Write(getset))
        .flags(&[F::WRITE, F::DENYOOM, F::FAST])
        .keys(1, 1, 1)
        .doc(
            "Returns the previous string value of a key after setting it to a new value.",
            "1.0.0",
            "O(1)",
        ),
    C::new("getdel", 2, G::String, H::Write(getdel))
        .flags(&[F::WRITE, F::FAST])
        .keys(1, 1, 1)
        .doc(
            "Returns the string value of a key after deleting the key.",
            "6.2.0",
            "O(1)",
        ),
    C::new("getex", -2, G::String, H::Write(getex))
        .flags(&[F::WRITE, F::FAST])
        .keys(1, 1, 1)
        .doc(
            "Returns the string value of a key after setting its expiration time.",
            "6.2.0",
            "O(1)",
        ),
    C::new("mget", -2, G::String, H::Read(mget))
        .flags(&[F::READONLY, F::FAST])
        .keys(1, -1, 1)
        .doc(
            "Atomically returns the string values of one or more keys.",
            "1.0.0",
            "O(N) where N is the number of keys to retrieve.",
        ),
    C::new("mset", -3, G::String, H::Write(mset))
        .flags(&[F::WRITE, F::DENYOOM])
        .keys(1, -1, 2)
        .doc(
            "Atomically creates or modifies the string values of one or more keys.",
            "1.0.1",
            "O(N) where N is the number of keys to set.",
        ),
    C::new("msetnx", -3, G::String, H::Write(msetnx))
        .flags(&[F::WRITE, F::DENYOOM])
        .keys(1, -1, 2)
        .doc(
            "Atomically modifies the string values of one or more keys only when all keys don't exist.",
            "1.0.1",
            "O(N) where N is the number of keys to set.",
        ),
    C::new("append", 3, G::String, H::Write(append))
        .flags(&[F::WRITE, F::DENYOOM, F::FAST])
        .keys(1, 1, 1)
        .doc(
            "Appends a string to the value of a key. Creates the key if it doesn't exist.",
            "2.0.0",
            "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size.",
        ),
    C::new("strlen", 2, G::String, H::Read(strlen))
        .flags(&[F::READONLY, F::FAST])
        .keys(1, 1, 1)
        .doc("Returns the length of a string value.", "2.2.0", "O(1)"),
    C::new("getrange", 4, G::String, H::Read(getrange))
        .flags(&[F::READONLY])
        .keys(1, 1, 1)
        .doc(
            "Returns a substring of the string stored at a key.",
            "2.4.0",
            "O(N) where N is the length of the returned string.",
        ),
    C::new("setrange", 4, G::String, H::Write(setrange))
        .flags(&[F::WRITE, F::DENYOOM])
        .keys(1, 1, 1)
        .doc(
            "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.",
            "2.2.0",
            "O(1), not counting the time taken to copy the new string in place. Otherwise, complexity is O(M) with M being the length of the value argument.",
        ),
    C::new("substr", 4, G::String, H::Read(getrange))
        .flags(&[F::READONLY])
        .keys(1, 1, 1)
        .doc(
            "Returns a substring from a string value.",
            "1.0.0",
            "O(N) where N is the length of the returned string.",
        ),
    C::new("incr", 2, G::String, H::Write(incr))
        .flags(&[F::WRITE, F::DENYOOM, F::FAST])
        .keys(1, 1, 1)
        .doc(
            "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.",
            "1.0.0",
            "O(1)",
        ),
    C::new("decr", 2, G::String, H::Write(decr))
        .flags(&[F::WRITE, F::DENYOOM, F::FAST])
        .keys(1, 1, 1)
        .doc(
            "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.",
            "1.0.0",
            "O(1)",
        ),
    C::new("incrby", 3, G::String, H::Write(incrby))
        .flags(&[F::WRITE, F::DENYOOM, F::FAST])
        .keys(1, 1, 1)
        .doc(
            "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.",
            "1.0.0",
            "O(1)",
        ),
    C::new("decrby", 3, G::String, H::Write(decrby))
        .flags(&[F::WRITE, F::DENYOOM, F::FAST])
        .keys(1, 1, 1)
        .doc(
            "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.",
            "1.0.0",
            "O(1)",
        ),
    C::new("incrbyfloat", 3, G::String, H::Write(incrbyfloat))
        .flags(&[F::WRITE, F::DENYOOM, F::FAST])
        .keys(1, 1, 1)
        .doc(
            "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.",
            "2.6.0",
            "O(1)",
        ),
    C::new("lcs", -3, G::String, H::Read(lcs::lcs))
        .flags(&[F::READONLY])
        .keys(1, 2, 1)
        .doc(
            "Finds the longest common substring.",
            "7.0.0",
            "O(N*M) where N and M are the lengths of s1 and s2, respectively",
        ),
];

// ---------------------------------------------------------------------------
// Helpers shared with the bitmap and HyperLogLog families.

/// The bytes of a string value (integers are formatted into `buf`), or
/// `WRONGTYPE`.
pub(crate) fn string_bytes<'a>(
    value: &'a Value,
    buf: &'a mut itoa::Buffer,
) -> Result<&'a [u8], CmdError> {
    value.as_bytes(buf).ok_or(CmdError::WrongType)
}

/// Length of a string value, or `WRONGTYPE`.
pub(crate) fn string_len(value: &Value) -> Result<usize, CmdError> {
    match value {
        Value::Str(s) => Ok(s.len()),
        Value::Int(n) => Ok(itoa::Buffer::new().format(*n).len()),
        _ => Err(CmdError::WrongType),
    }
}

/// Turns a string value into its raw form (formatting an integer) and
/// returns its bytes for in-place modification, or `WRONGTYPE` (leaving
/// the value untouched).
pub(crate) fn raw_string_mut(value: &mut Value) -> Result<&mut Blob, CmdError> {
    if let Value::Int(n) = *value {
        *value = Value::Str(blob(itoa::Buffer::new().format(n).as_bytes()));
    }
    match value {
        Value::Str(s) => Ok(s),
        _ => Err(CmdError::WrongType),
    }
}

/// Redis's check before growing a string to `size + append` bytes; callers
/// run it before allocating anything.
pub(crate) fn check_string_length(size: u64, append: u64) -> Result<(), CmdError> {
    match size.checked_add(append) {
        Some(total) if total <= MAX_STRING => Ok(()),
        _ => Err(CmdError::err(
            "string exceeds maximum allowed size (proto-max-bulk-len)",
        )),
    }
}

/// Replies with a string value, or fails with `WRONGTYPE`.
pub(crate) fn reply_string(value: &Value, out: &mut Reply) -> CmdResult {
    match value {
        Value::Str(s) => out.bulk(s),
        Value::Int(n) => out.bulk_int(*n),
        _ => return Err(CmdError::WrongType),
    }
    Ok(())
}

fn is_string(value: &Value) -> bool {
    matches!(value, Value::Int(_) | Value::Str(_))
}

// ---------------------------------------------------------------------------
// GET / SET family.

fn get(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    match ks.db(ctx.db).get(&args[1], ctx.now_ms) {
        Some(value) => reply_string(value, out),
        None => {
            out.null();
            Ok(())
        }
    }
}

/// Which command parses the extended SET/GETEX options.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OptsFor {
    Set,
    Getex,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ExpireKind {
    Ex,
    Px,
    Exat,
    Pxat,
}

impl ExpireKind {
    fn in_seconds(self) -> bool {
        matches!(self, ExpireKind::Ex | ExpireKind::Exat)
    }

    fn relative(self) -> bool {
        matches!(self, ExpireKind::Ex | ExpireKind::Px)
    }
}

/// Options of SET and GETEX.
#[derive(Default)]
struct SetOpts {
    nx: bool,
    xx: bool,
    get: bool,
    keepttl: bool,
    persist: bool,
    /// The expiry kind and the index of its argument (the last one given).
    expire: Option<(ExpireKind, usize)>,
}

/// Parses options from `args[start..]` with Redis's rules: NX and XX exclude
/// each other, the expiry options exclude each other (but one may repeat:
/// the last wins), KEEPTTL (SET only) and PERSIST (GETEX only) exclude any
/// expiry.
fn parse_set_opts(args: &[Bytes], start: usize, cmd: OptsFor) -> Result<SetOpts, CmdError> {
    let mut o = SetOpts::default();
    let mut j = start;
    while j < args.len() {
        let opt = &args[j][..];
        let has_next = j + 1 < args.len();
        let current = o.expire.map(|(k, _)| k);
        if args::is(opt, "nx") && !o.xx && cmd == OptsFor::Set {
            o.nx = true;
        } else if args::is(opt, "xx") && !o.nx && cmd == OptsFor::Set {
            o.xx = true;
        } else if args::is(opt, "get") && cmd == OptsFor::Set {
            o.get = true;
        } else if args::is(opt, "keepttl") && cmd == OptsFor::Set && !o.persist && current.is_none()
        {
            o.keepttl = true;
        } else if args::is(opt, "persist")
            && cmd == OptsFor::Getex
            && !o.keepttl
            && current.is_none()
        {
            o.persist = true;
        } else if let Some(kind) = expire_keyword(opt)
            .filter(|k| has_next && !o.keepttl && !o.persist && current.is_none_or(|c| c == *k))
        {
            o.expire = Some((kind, j + 1));
            j += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    Ok(o)
}

fn expire_keyword(opt: &[u8]) -> Option<ExpireKind> {
    if args::is(opt, "ex") {
        Some(ExpireKind::Ex)
    } else if args::is(opt, "px") {
        Some(ExpireKind::Px)
    } else if args::is(opt, "exat") {
        Some(ExpireKind::Exat)
    } else if args::is(opt, "pxat") {
        Some(ExpireKind::Pxat)
    } else {
        None
    }
}

/// Converts an expiry argument into an absolute Unix time in milliseconds,
/// with Redis's checks: positive, and no overflow once scaled and offset by
/// `now_ms`.
fn expire_at_ms(arg: &[u8], kind: ExpireKind, now_ms: u64, cmd: &str) -> Result<u64, CmdError> {
    let invalid = || CmdError::err(format!("invalid expire time in '{cmd}' command"));
    let mut ms = args::int(arg)?;
    if ms <= 0 || (kind.in_seconds() && ms > i64::MAX / 1000) {
        return Err(invalid());
    }
    if kind.in_seconds() {
        ms *= 1000;
    }
    if kind.relative() {
        let now = i64::try_from(now_ms).map_err(|_| invalid())?;
        ms = ms.checked_add(now).ok_or_else(invalid)?;
    }
    u64::try_from(ms).map_err(|_| invalid())
}

fn set(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let key = &args[1];
    let now = ctx.now_ms;
    if args.len() == 3 {
        // The plain form: the hottest write of the server.
        ks.db_mut(ctx.db).insert(key, Value::string(&args[2]));
        ctx.modified(ctx.db, key);
        out.ok();
        return Ok(());
    }
    let opts = parse_set_opts(args, 3, OptsFor::Set)?;
    let expire_at = match opts.expire {
        Some((kind, i)) => Some(expire_at_ms(&args[i], kind, now, "set")?),
        None => None,
    };
    let db = ks.db_mut(ctx.db);
    if opts.get {
        match db.get(key, now) {
            Some(old) => reply_string(old, out)?,
            None => out.null(),
        }
    }
    let found = db.contains(key, now);
    if (opts.nx && found) || (opts.xx && !found) {
        if !opts.get {
            out.null();
        }
        return Ok(());
    }
    let value = Value::string(&args[2]);
    if opts.keepttl {
        db.set_keep_ttl(key, value, now);
    } else {
        // An absolute expiry already in the past is stored as is, like
        // Redis 7.0 does: the key is invisible at once and reclaimed later.
        db.insert_with_expiry(key, value, expire_at);
    }
    ctx.modified(ctx.db, key);
    if !opts.get {
        out.ok();
    }
    Ok(())
}

fn setnx(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let db = ks.db_mut(ctx.db);
    if db.contains(&args[1], ctx.now_ms) {
        out.int(0);
    } else {
        db.insert(&args[1], Value::string(&args[2]));
        ctx.modified(ctx.db, &args[1]);
        out.int(1);
    }
    Ok(())
}

fn setex_generic(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
    kind: ExpireKind,
    cmd: &str,
) -> CmdResult {
    let at = expire_at_ms(&args[2], kind, ctx.now_ms, cmd)?;
    ks.db_mut(ctx.db)
        .insert_with_expiry(&args[1], Value::string(&args[3]), Some(at));
    ctx.modified(ctx.db, &args[1]);
    out.ok();
    Ok(())
}

fn setex(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    setex_generic(ks, ctx, args, out, ExpireKind::Ex, "setex")
}

fn psetex(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    setex_generic(ks, ctx, args, out, ExpireKind::Px, "psetex")
}

fn getset(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let db = ks.db_mut(ctx.db);
    match db.get(&args[1], ctx.now_ms) {
        Some(old) => reply_string(old, out)?,
        None => out.null(),
    }
    db.insert(&args[1], Value::string(&args[2]));
    ctx.modified(ctx.db, &args[1]);
    Ok(())
}

fn getdel(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let db = ks.db_mut(ctx.db);
    match db.get(&args[1], ctx.now_ms) {
        None => {
            out.null();
            return Ok(());
        }
        Some(old) => reply_string(old, out)?,
    }
    db.remove(&args[1], ctx.now_ms);
    ctx.modified(ctx.db, &args[1]);
    Ok(())
}

fn getex(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let key = &args[1];
    let now = ctx.now_ms;
    let opts = parse_set_opts(args, 2, OptsFor::Getex)?;
    let db = ks.db_mut(ctx.db);
    let Some(value) = db.get(key, now) else {
        out.null();
        return Ok(());
    };
    if !is_string(value) {
        return Err(CmdError::WrongType);
    }
    let expire = match opts.expire {
        Some((kind, i)) => Some((kind, expire_at_ms(&args[i], kind, now, "getex")?)),
        None => None,
    };
    reply_string(value, out)?;
    match expire {
        Some((kind, at)) if !kind.relative() && at <= now => {
            db.remove(key, now);
            ctx.modified(ctx.db, key);
        }
        Some((_, at)) => {
            db.set_expiry(key, Some(at), now);
            ctx.modified(ctx.db, key);
        }
        None if opts.persist => {
            if matches!(db.ttl(key, now), KeyTtl::ExpiresAt(_)) {
                db.set_expiry(key, None, now);
                ctx.modified(ctx.db, key);
            }
        }
        None => {}
    }
    Ok(())
}

fn mget(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let db = ks.db(ctx.db);
    out.array(args.len() - 1);
    for key in &args[1..] {
        match db.get(key, ctx.now_ms) {
            Some(Value::Str(s)) => out.bulk(s),
            Some(Value::Int(n)) => out.bulk_int(*n),
            _ => out.null(),
        }
    }
    Ok(())
}

fn check_pairs(args: &[Bytes]) -> CmdResult {
    // Name plus key/value pairs: an odd count (checked without
    // `is_multiple_of`, newer than the workspace's minimum Rust).
    if args.len() & 1 == 0 {
        return Err(CmdError::Arity(args::command_name(args)));
    }
    Ok(())
}

fn mset(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    check_pairs(args)?;
    let db = ks.db_mut(ctx.db);
    for pair in args[1..].chunks_exact(2) {
        db.insert(&pair[0], Value::string(&pair[1]));
        ctx.modified(ctx.db, &pair[0]);
    }
    out.ok();
    Ok(())
}

fn msetnx(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    check_pairs(args)?;
    let db = ks.db_mut(ctx.db);
    let pairs = args[1..].chunks_exact(2);
    if pairs.clone().any(|p| db.contains(&p[0], ctx.now_ms)) {
        out.int(0);
        return Ok(());
    }
    for pair in pairs {
        db.insert(&pair[0], Value::string(&pair[1]));
        ctx.modified(ctx.db, &pair[0]);
    }
    out.int(1);
    Ok(())
}

// ---------------------------------------------------------------------------
// Lengths and ranges.

fn append(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let key = &args[1];
    let db = ks.db_mut(ctx.db);
    let len = match db.get_mut(key, ctx.now_ms) {
        None => {
            db.insert(key, Value::string(&args[2]));
            args[2].len()
        }
        Some(value) => {
            check_string_length(string_len(value)? as u64, args[2].len() as u64)?;
            let s = raw_string_mut(value)?;
            s.extend_from_slice(&args[2]);
            s.len()
        }
    };
    // Redis signals even when appending nothing.
    ctx.modified(ctx.db, key);
    out.int(len as i64);
    Ok(())
}

fn strlen(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let len = match ks.db(ctx.db).get(&args[1], ctx.now_ms) {
        None => 0,
        Some(v) => string_len(v)?,
    };
    out.int(len as i64);
    Ok(())
}

/// Clamps Redis-style inclusive `start..=end` indexes (negative ones count
/// from the end) to a string of `len` bytes; `None` when nothing is left.
fn clamp_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    if (start < 0 && end < 0 && start > end) || len == 0 {
        return None;
    }
    let start = if start < 0 { len + start } else { start }.max(0);
    let end = if end < 0 { len + end } else { end }.clamp(0, len - 1);
    (start <= end).then_some((start as usize, end as usize))
}

fn getrange(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let start = args::int(&args[2])?;
    let end = args::int(&args[3])?;
    let Some(value) = ks.db(ctx.db).get(&args[1], ctx.now_ms) else {
        out.bulk(b"");
        return Ok(());
    };
    let mut buf = itoa::Buffer::new();
    let bytes = string_bytes(value, &mut buf)?;
    match clamp_range(start, end, bytes.len()) {
        Some((s, e)) => out.bulk(&bytes[s..=e]),
        None => out.bulk(b""),
    }
    Ok(())
}

fn setrange(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let key = &args[1];
    let patch = &args[3][..];
    let offset = args::int(&args[2])?;
    let offset = u64::try_from(offset).map_err(|_| CmdError::err("offset is out of range"))?;
    let db = ks.db_mut(ctx.db);
    let len = match db.get_mut(key, ctx.now_ms) {
        None => {
            if patch.is_empty() {
                out.int(0);
                return Ok(());
            }
            check_string_length(offset, patch.len() as u64)?;
            // At most MAX_STRING bytes, checked just above.
            let mut s = Blob::new();
            s.resize(offset as usize, 0);
            s.extend_from_slice(patch);
            let len = s.len();
            db.insert(key, Value::Str(s));
            len
        }
        Some(value) => {
            let old_len = string_len(value)?;
            if patch.is_empty() {
                out.int(old_len as i64);
                return Ok(());
            }
            check_string_length(offset, patch.len() as u64)?;
            let s = raw_string_mut(value)?;
            let offset = offset as usize;
            let end = offset + patch.len();
            if s.len() < end {
                s.resize(end, 0);
            }
            s[offset..end].copy_from_slice(patch);
            s.len()
        }
    };
    ctx.modified(ctx.db, key);
    out.int(len as i64);
    Ok(())
}

// ---------------------------------------------------------------------------
// Counters.

fn incr_by(ks: &mut Keyspace, ctx: &mut Ctx, key: &[u8], by: i64, out: &mut Reply) -> CmdResult {
    let db = ks.db_mut(ctx.db);
    let new = match db.get_mut(key, ctx.now_ms) {
        Some(Value::Int(n)) => {
            *n = n.checked_add(by).ok_or(CmdError::Overflow)?;
            *n
        }
        Some(value) => {
            let Value::Str(s) = &*value else {
                return Err(CmdError::WrongType);
            };
            let current = resp::parse_int(s).ok_or(CmdError::NotInteger)?;
            let n = current.checked_add(by).ok_or(CmdError::Overflow)?;
            // Replacing the value in place keeps the key's TTL.
            *value = Value::Int(n);
            n
        }
        None => {
            db.insert(key, Value::Int(by));
            by
        }
    };
    ctx.modified(ctx.db, key);
    out.int(new);
    Ok(())
}

fn incr(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    incr_by(ks, ctx, &args[1], 1, out)
}

fn decr(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    incr_by(ks, ctx, &args[1], -1, out)
}

fn incrby(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let by = args::int(&args[2])?;
    incr_by(ks, ctx, &args[1], by, out)
}

fn decrby(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let by = args::int(&args[2])?;
    let by = by
        .checked_neg()
        .ok_or_else(|| CmdError::err("decrement would overflow"))?;
    incr_by(ks, ctx, &args[1], by, out)
}

fn incrbyfloat(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let key = &args[1];
    let db = ks.db_mut(ctx.db);
    let current = match db.get(key, ctx.now_ms) {
        None => long_double::Ld::Zero { neg: false },
        Some(Value::Int(n)) => long_double::Ld::from_i64(*n),
        Some(Value::Str(s)) => long_double::parse(s).ok_or(CmdError::NotFloat)?,
        Some(_) => return Err(CmdError::WrongType),
    };
    let by = long_double::parse(&args[2]).ok_or(CmdError::NotFloat)?;
    let sum = long_double::add(current, by);
    if !current.is_finite() || !by.is_finite() || !sum.is_finite() {
        return Err(CmdError::err("increment would produce NaN or Infinity"));
    }
    let text = long_double::format(sum);
    // Redis stores the text as a plain string, never with the int encoding.
    db.set_keep_ttl(key, Value::Str(blob(text.as_bytes())), ctx.now_ms);
    ctx.modified(ctx.db, key);
    out.bulk(text.as_bytes());
    Ok(())
}

/// LCS.
#[path = "string_lcs.rs"]
mod lcs;

#[cfg(test)]
#[path = "string_tests.rs"]
pub(crate) mod tests;

#[cfg(test)]
#[path = "string_diff_tests.rs"]
mod diff_tests;
