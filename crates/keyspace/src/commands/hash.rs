//! Hash commands (H*).
//!
//! Also home of the helpers the collection commands share: SCAN-style
//! cursors and options, and bounded random sampling.

use std::collections::BTreeSet;

use bytes::Bytes;
use resp::Reply;

use crate::table::{CommandSpec as C, Flags as F, Group as G, Handler as H};
use crate::types::Hash;
use crate::{args, long_double, CmdError, CmdResult, Ctx, Keyspace};

const WRITE: &[F] = &[F::WRITE, F::DENYOOM, F::FAST];
const READ_FAST: &[F] = &[F::READONLY, F::FAST];

pub(crate) const COMMANDS: &[C] = &[
    C::new("hset", -4, G::Hash, H::Write(hset))
        .flags(WRITE)
        .keys(1, 1, 1)
        .doc("Set the string value of a hash field", "2.0.0", "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs."),
    C::new("hsetnx", 4, G::Hash, H::Write(hsetnx))
        .flags(WRITE)
        .keys(1, 1, 1)
        .doc("Set the value of a hash field, only if the field does not exist", "2.0.0", "O(1)"),
    C::new("hmset", -4, G::Hash, H::Write(hmset))
        .flags(WRITE)
        .keys(1, 1, 1)
        .doc("Set multiple hash fields to multiple values", "2.0.0", "O(N) where N is the number of fields being set."),
    C::new("hget", 3, G::Hash, H::Read(hget))
        .flags(READ_FAST)
        .keys(1, 1, 1)
        .doc("Get the value of a hash field", "2.0.0", "O(1)"),
    C::new("hmget", -3, G::Hash, H::Read(hmget))
        .flags(READ_FAST)
        .keys(1, 1, 1)
        .doc("Get the values of all the given hash fields", "2.0.0", "O(N) where N is the number of fields being requested."),
    C::new("hdel", -3, G::Hash, H::Write(hdel))
        .flags(&[F::WRITE, F::FAST])
        .keys(1, 1, 1)
        .doc("Delete one or more hash fields", "2.0.0", "O(N) where N is the number of fields to be removed."),
    C::new("hlen", 2, G::Hash, H::Read(hlen))
        .flags(READ_FAST)
        .keys(1, 1, 1)
        .doc("Get the number of fields in a hash", "2.0.0", "O(1)"),
    C::new("hstrlen", 3, G::Hash, H::Read(hstrlen))
        .flags(READ_FAST)
        .keys(1, 1, 1)
        .doc("Get the length of the value of a hash field", "3.2.0", "O(1)"),
    C::new("hexists", 3, G::Hash, H::Read(hexists))
        .flags(READ_FAST)
        .keys(1, 1, 1)
        .doc("Determine if a hash field exists", "2.0.0", "O(1)"),
    C::new("hkeys", 2, G::Hash, H::Read(hkeys))
        .flags(&[F::READONLY])
        .keys(1, 1, 1)
        .doc("Get all the fields in a hash", "2.0.0", "O(N) where N is the size of the hash."),
    C::new("hvals", 2, G::Hash, H::Read(hvals))
        .flags(&[F::READONLY])
        .keys(1, 1, 1)
        .doc("Get all the values in a hash", "2.0.0", "O(N) where N is the size of the hash."),
    C::new("hgetall", 2, G::Hash, H::Read(hgetall))
        .flags(&[F::READONLY])
        .keys(1, 1, 1)
        .doc("Get all the fields and values in a hash", "2.0.0", "O(N) where N is the size of the hash."),
    C::new("hincrby", 4, G::Hash, H::Write(hincrby))
        .flags(WRITE)
        .keys(1, 1, 1)
        .doc("Increment the integer value of a hash field by the given number", "2.0.0", "O(1)"),
    C::new("hincrbyfloat", 4, G::Hash, H::Write(hincrbyfloat))
        .flags(WRITE)
        .keys(1, 1, 1)
        .doc("Increment the float value of a hash field by the given amount", "2.6.0", "O(1)"),
    C::new("hrandfield", -2, G::Hash, H::Read(hrandfield))
        .flags(&[F::READONLY])
        .keys(1, 1, 1)
        .doc("Get one or multiple random fields from a hash", "6.2.0", "O(N) where N is the number of fields returned"),
    C::new("hscan", -3, G::Hash, H::Read(hscan))
        .flags(&[F::READONLY])
        .keys(1, 1, 1)
        .doc("Incrementally iterate hash fields and associated values", "2.8.0", "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.."),
];

// ---------------------------------------------------------------------------
// Shared helpers (also used by the set commands).

/// Most bytes a reply of random picks *with repetition* (negative counts of
/// HRANDFIELD / SRANDMEMBER) may take. Redis has no such limit and would
/// happily try to build a reply of many gigabytes; keel answers with an
/// error instead (see docs/differences.md).
pub(super) const MAX_SAMPLE_REPLY: usize = 512 << 20;

/// The error of a random-pick count whose reply would exceed the limit.
pub(super) fn sample_too_large() -> CmdError {
    CmdError::err("count is too large: the reply would exceed 512 MB")
}

/// Fails if `picks` elements of at least `min_bytes` encoded bytes each
/// cannot fit in `budget`.
pub(super) fn check_sample(picks: u64, min_bytes: u64, budget: usize) -> CmdResult {
    if picks.saturating_mul(min_bytes) > budget as u64 {
        return Err(sample_too_large());
    }
    Ok(())
}

/// Parses a random-pick count like Redis (`-LONG_MAX..=LONG_MAX`).
pub(super) fn sample_count(arg: &[u8]) -> Result<i64, CmdError> {
    let n = args::int(arg)?;
    if n == i64::MIN {
        return Err(CmdError::err(format!(
            "value is out of range, value must between {} and {}",
            -i64::MAX,
            i64::MAX
        )));
    }
    Ok(n)
}

/// `k` distinct positions out of `0..n` (`k <= n`), ascending, drawn with
/// `ctx`'s generator (Floyd's algorithm: `k` draws). Small samples are
/// tracked in a tree (O(k) memory), large ones in a bitmap (n/8 bytes, less
/// than the collection they index).
pub(super) fn sample_distinct(ctx: &mut Ctx, n: usize, k: usize) -> Vec<usize> {
    let k = k.min(n);
    if k.saturating_mul(64) < n {
        let mut chosen = BTreeSet::new();
        for j in n - k..n {
            let t = ctx.random_below(j + 1);
            if !chosen.insert(t) {
                chosen.insert(j);
            }
        }
        return chosen.into_iter().collect();
    }
    let mut bits = vec![0u64; n.div_ceil(64)];
    let mut mark = |i: usize| {
        let (word, bit) = (i / 64, 1u64 << (i % 64));
        let was = bits[word] & bit != 0;
        bits[word] |= bit;
        was
    };
    for j in n - k..n {
        let t = ctx.random_below(j + 1);
        if mark(t) {
            mark(j);
        }
    }
    let mut chosen = Vec::with_capacity(k);
    for (w, word) in bits.iter().enumerate() {
        let mut word = *word;
        while word != 0 {
            chosen.push(w * 64 + word.trailing_zeros() as usize);
            word &= word - 1;
        }
    }
    chosen
}

/// Options of HSCAN / SSCAN.
pub(super) struct ScanOptions<'a> {
    /// How many storage positions to visit (table encodings).
    pub count: usize,
    /// Only elements matching this glob (`None`: all).
    pub pattern: Option<&'a [u8]>,
}

impl ScanOptions<'_> {
    /// True if `element` passes the MATCH filter.
    pub fn matches(&self, element: &[u8]) -> bool {
        self.pattern
            .is_none_or(|p| crate::glob::matches(p, element, false))
    }
}

/// Parses `[MATCH pattern] [COUNT count]` from `args[from..]` like Redis
/// (repeated options: the last wins; COUNT < 1 is a syntax error).
pub(super) fn scan_options(args: &[Bytes], from: usize) -> Result<ScanOptions<'_>, CmdError> {
    let mut opts = ScanOptions {
        count: 10,
        pattern: None,
    };
    let mut i = from;
    while i < args.len() {
        let more = i + 1 < args.len();
        if args::is(&args[i], "count") && more {
            let n = args::int(&args[i + 1])?;
            if n < 1 {
                return Err(CmdError::Syntax);
            }
            opts.count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if args::is(&args[i], "match") && more {
            let p = &args[i + 1][..];
            opts.pattern = (p != b"*").then_some(p);
        } else {
            return Err(CmdError::Syntax);
        }
        i += 2;
    }
    Ok(opts)
}

/// One step over a table of `len` entries: the positions to visit
/// (walked from the end towards the start, like `Db::scan`) and the next
/// cursor (0 when done).
pub(super) fn scan_window(cursor: u64, count: usize, len: usize) -> (std::ops::Range<usize>, u64) {
    let remaining = crate::db::scan_start(cursor, len);
    let stop = remaining.saturating_sub(count.max(1));
    (stop..remaining, stop as u64)
}

/// Writes the `[cursor, elements]` header of a SCAN reply.
pub(super) fn scan_header(out: &mut Reply, cursor: u64, elements: usize) {
    out.array(2);
    out.bulk(itoa::Buffer::new().format(cursor).as_bytes());
    out.array(elements);
}

// ---------------------------------------------------------------------------
// Handlers.

fn hset(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let created = set_pairs(ks, ctx, args, "hset")?;
    out.int(created as i64);
    Ok(())
}

fn hmset(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    set_pairs(ks, ctx, args, "hmset")?;
    out.ok();
    Ok(())
}

/// HSET / HMSET: sets every pair, returns how many fields are new.
fn set_pairs(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    name: &str,
) -> Result<usize, CmdError> {
    if args.len() % 2 == 1 {
        return Err(CmdError::Arity(name.to_string()));
    }
    let hash = ks
        .db_mut(ctx.db)
        .write_or_create::<Hash>(&args[1], ctx.now_ms)?;
    let created = args[2..]
        .chunks_exact(2)
        .filter(|pair| hash.set(&pair[0], &pair[1]))
        .count();
    ctx.modified(ctx.db, &args[1]);
    Ok(created)
}

fn hsetnx(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let db = ks.db_mut(ctx.db);
    if db
        .read::<Hash>(&args[1], ctx.now_ms)?
        .is_some_and(|h| h.contains(&args[2]))
    {
        out.int(0);
        return Ok(());
    }
    db.write_or_create::<Hash>(&args[1], ctx.now_ms)?
        .set(&args[2], &args[3]);
    ctx.modified(ctx.db, &args[1]);
    out.int(1);
    Ok(())
}

fn hget(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let hash = ks.db(ctx.db).read::<Hash>(&args[1], ctx.now_ms)?;
    out.bulk_or_null(hash.and_then(|h| h.get(&args[2])));
    Ok(())
}

fn hmget(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let hash = ks.db(ctx.db).read::<Hash>(&args[1], ctx.now_ms)?;
    out.array(args.len() - 2);
    for field in &args[2..] {
        out.bulk_or_null(hash.and_then(|h| h.get(field)));
    }
    Ok(())
}

fn hdel(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let db = ks.db_mut(ctx.db);
    let Some(hash) = db.write::<Hash>(&args[1], ctx.now_ms)? else {
        out.int(0);
        return Ok(());
    };
    let removed = args[2..].iter().filter(|f| hash.remove(f)).count();
    if removed > 0 {
        db.remove_if_empty(&args[1]);
        ctx.modified(ctx.db, &args[1]);
    }
    out.int(removed as i64);
    Ok(())
}

fn hlen(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let hash = ks.db(ctx.db).read::<Hash>(&args[1], ctx.now_ms)?;
    out.int(hash.map_or(0, Hash::len) as i64);
    Ok(())
}

fn hstrlen(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let hash = ks.db(ctx.db).read::<Hash>(&args[1], ctx.now_ms)?;
    out.int(hash.and_then(|h| h.get(&args[2])).map_or(0, <[u8]>::len) as i64);
    Ok(())
}

fn hexists(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let hash = ks.db(ctx.db).read::<Hash>(&args[1], ctx.now_ms)?;
    out.int(i64::from(hash.is_some_and(|h| h.contains(&args[2]))));
    Ok(())
}

fn hkeys(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let hash = ks.db(ctx.db).read::<Hash>(&args[1], ctx.now_ms)?;
    out.array(hash.map_or(0, Hash::len));
    for (field, _) in hash.into_iter().flat_map(Hash::iter) {
        out.bulk(field);
    }
    Ok(())
}

fn hvals(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let hash = ks.db(ctx.db).read::<Hash>(&args[1], ctx.now_ms)?;
    out.array(hash.map_or(0, Hash::len));
    for (_, value) in hash.into_iter().flat_map(Hash::iter) {
        out.bulk(value);
    }
    Ok(())
}

fn hgetall(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let hash = ks.db(ctx.db).read::<Hash>(&args[1], ctx.now_ms)?;
    out.map(hash.map_or(0, Hash::len));
    for (field, value) in hash.into_iter().flat_map(Hash::iter) {
        out.bulk(field);
        out.bulk(value);
    }
    Ok(())
}

fn hincrby(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let incr = args::int(&args[3])?;
    let db = ks.db_mut(ctx.db);
    let current = match db
        .read::<Hash>(&args[1], ctx.now_ms)?
        .and_then(|h| h.get(&args[2]))
    {
        Some(value) => {
            resp::parse_int(value).ok_or_else(|| CmdError::err("hash value is not an integer"))?
        }
        None => 0,
    };
    let new = current.checked_add(incr).ok_or(CmdError::Overflow)?;
    db.write_or_create::<Hash>(&args[1], ctx.now_ms)?
        .set(&args[2], itoa::Buffer::new().format(new).as_bytes());
    ctx.modified(ctx.db, &args[1]);
    out.int(new);
    Ok(())
}

fn hincrbyfloat(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let incr = long_double::parse(&args[3]).ok_or(CmdError::NotFloat)?;
    if !incr.is_finite() {
        return Err(CmdError::err("value is NaN or Infinity"));
    }
    let db = ks.db_mut(ctx.db);
    let current = match db
        .read::<Hash>(&args[1], ctx.now_ms)?
        .and_then(|h| h.get(&args[2]))
    {
        Some(value) => {
            long_double::parse(value).ok_or_else(|| CmdError::err("hash value is not a float"))?
        }
        None => long_double::Ld::Zero { neg: false },
    };
    let sum = long_double::add(current, incr);
    if !sum.is_finite() {
        return Err(CmdError::err("increment would produce NaN or Infinity"));
    }
    let text = long_double::format(sum);
    db.write_or_create::<Hash>(&args[1], ctx.now_ms)?
        .set(&args[2], text.as_bytes());
    ctx.modified(ctx.db, &args[1]);
    out.bulk(text.as_bytes());
    Ok(())
}

fn hrandfield(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    hrandfield_within(ks, ctx, args, out, MAX_SAMPLE_REPLY)
}

/// HRANDFIELD with a limit on the size of replies with repetitions.
fn hrandfield_within(
    ks: &Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
    budget: usize,
) -> CmdResult {
    if args.len() == 2 {
        match ks.db(ctx.db).read::<Hash>(&args[1], ctx.now_ms)? {
            Some(hash) if !hash.is_empty() => {
                let at = ctx.random_below(hash.len());
                out.bulk_or_null(hash.get_index(at).map(|(field, _)| field));
            }
            _ => out.null(),
        }
        return Ok(());
    }
    let count = sample_count(&args[2])?;
    if args.len() > 4 || (args.len() == 4 && !args::is(&args[3], "withvalues")) {
        return Err(CmdError::Syntax);
    }
    let withvalues = args.len() == 4;
    if withvalues && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return Err(CmdError::err("value is out of range"));
    }
    let hash = match ks.db(ctx.db).read::<Hash>(&args[1], ctx.now_ms)? {
        Some(hash) if count != 0 && !hash.is_empty() => hash,
        _ => {
            out.array(0);
            return Ok(());
        }
    };
    let resp3 = out.is_resp3();
    let header = |out: &mut Reply, n: usize| {
        out.array(if withvalues && !resp3 { n * 2 } else { n });
    };
    let pair = |out: &mut Reply, (field, value): (&[u8], &[u8])| {
        if withvalues {
            if resp3 {
                out.array(2);
            }
            out.bulk(field);
            out.bulk(value);
        } else {
            out.bulk(field);
        }
    };
    let size = hash.len();
    if count < 0 {
        // Picks with repetition: streamed, never collected.
        let picks = count.unsigned_abs();
        check_sample(picks, if withvalues { 12 } else { 6 }, budget)?;
        let packed: Vec<(&[u8], &[u8])> = match hash {
            Hash::Packed(_) => hash.iter().collect(),
            Hash::Table(_) => Vec::new(),
        };
        header(out, picks as usize);
        let mark = out.mark();
        for _ in 0..picks {
            let at = ctx.random_below(size);
            let chosen = match packed.get(at) {
                Some(p) => Some(*p),
                None => hash.get_index(at),
            };
            if let Some(p) = chosen {
                pair(out, p);
            }
            if out.len() - mark > budget {
                return Err(sample_too_large());
            }
        }
        return Ok(());
    }
    let wanted = usize::try_from(count).unwrap_or(usize::MAX);
    if wanted >= size {
        header(out, size);
        for p in hash.iter() {
            pair(out, p);
        }
        return Ok(());
    }
    // Distinct picks, replied in storage order.
    let chosen = sample_distinct(ctx, size, wanted);
    header(out, chosen.len());
    match hash {
        Hash::Packed(_) => {
            let mut next = chosen.iter().peekable();
            for (i, p) in hash.iter().enumerate() {
                if next.peek() == Some(&&i) {
                    next.next();
                    pair(out, p);
                }
            }
        }
        Hash::Table(_) => {
            for p in chosen.iter().filter_map(|&i| hash.get_index(i)) {
                pair(out, p);
            }
        }
    }
    Ok(())
}

/// A borrowed field and its value.
type FieldValue<'a> = (&'a [u8], &'a [u8]);

fn hscan(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let cursor = args::cursor(&args[2])?;
    let Some(hash) = ks.db(ctx.db).read::<Hash>(&args[1], ctx.now_ms)? else {
        scan_header(out, 0, 0);
        return Ok(());
    };
    let opts = scan_options(args, 3)?;
    let (pairs, next): (Vec<FieldValue<'_>>, u64) = match hash {
        // Small hashes are returned whole, like Redis does with listpacks.
        Hash::Packed(_) => (hash.iter().filter(|(f, _)| opts.matches(f)).collect(), 0),
        Hash::Table(t) => {
            let (window, next) = scan_window(cursor, opts.count, t.len());
            let pairs = window
                .rev()
                .filter_map(|i| t.get_index(i))
                .map(|(f, v)| (f.as_slice(), v.as_slice()))
                .filter(|(f, _)| opts.matches(f))
                .collect();
            (pairs, next)
        }
    };
    scan_header(out, next, pairs.len() * 2);
    for (field, value) in pairs {
        out.bulk(field);
        out.bulk(value);
    }
    Ok(())
}

#[cfg(test)]
#[path = "hash_tests.rs"]
mod tests;
