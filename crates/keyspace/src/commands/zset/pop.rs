//! ZPOPMIN/ZPOPMAX, ZMPOP, BZPOPMIN/BZPOPMAX/BZMPOP, ZRANDMEMBER and ZSCAN.

use std::collections::HashSet;

use bytes::Bytes;
use resp::Reply;

use super::{int_in, pair, pairs_header, read};
use crate::types::SortedSet;
use crate::{args, Blob, CmdError, CmdResult, Ctx, Keyspace};

/// Most bytes ZRANDMEMBER may write for a negative count (members picked
/// with repetition): Redis has no limit, keel refuses to build unbounded
/// replies and fails with "ERR reply too large".
pub(crate) const RANDOM_REPLY_BUDGET: usize = 256 << 20;

/// Pops up to `count` members from the zset under `key` (which exists and
/// is a zset). The caller writes the reply header.
fn pop_from(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    key: &[u8],
    count: usize,
    max: bool,
) -> Vec<(Blob, f64)> {
    let db = ks.db_mut(ctx.db);
    let mut popped = Vec::new();
    if let Ok(Some(z)) = db.write::<SortedSet>(key, ctx.now_ms) {
        let n = count.min(z.len());
        popped.reserve(n);
        for _ in 0..n {
            match z.pop(max) {
                Some(item) => popped.push(item),
                None => break,
            }
        }
    }
    db.remove_if_empty(key);
    if !popped.is_empty() {
        ctx.modified(ctx.db, key);
    }
    popped
}

/// The first of `keys` holding a zset: missing keys are skipped, another
/// type is an error.
fn first_nonempty<'a>(
    ks: &Keyspace,
    ctx: &Ctx,
    keys: &'a [Bytes],
) -> Result<Option<&'a Bytes>, CmdError> {
    for key in keys {
        if let Some(z) = read(ks, ctx, key)? {
            if !z.is_empty() {
                return Ok(Some(key));
            }
        }
    }
    Ok(None)
}

fn zpop_generic(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
    max: bool,
) -> CmdResult {
    if args.len() > 3 {
        return Err(CmdError::Syntax);
    }
    let count = match args.get(2) {
        Some(c) => Some(int_in(
            c,
            0,
            i64::MAX,
            "value is out of range, must be positive",
        )?),
        None => None,
    };
    let key = &args[1];
    if read(ks, ctx, key)?.is_none() || count == Some(0) {
        out.array(0);
        return Ok(());
    }
    let n = usize::try_from(count.unwrap_or(1)).unwrap_or(usize::MAX);
    let popped = pop_from(ks, ctx, key, n, max);
    let nested = out.is_resp3() && count.is_some();
    reply_pairs_nested(out, &popped, nested);
    Ok(())
}

/// Popped pairs: RESP2 (and RESP3 without COUNT) flat, otherwise nested.
fn reply_pairs_nested(out: &mut Reply, items: &[(Blob, f64)], nested: bool) {
    if nested {
        out.array(items.len());
        for (m, s) in items {
            out.array(2);
            out.bulk(m);
            out.double(*s);
        }
    } else {
        out.array(items.len() * 2);
        for (m, s) in items {
            out.bulk(m);
            out.double(*s);
        }
    }
}

pub(super) fn zpopmin(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
) -> CmdResult {
    zpop_generic(ks, ctx, args, out, false)
}

pub(super) fn zpopmax(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
) -> CmdResult {
    zpop_generic(ks, ctx, args, out, true)
}

/// `numkeys key... MIN|MAX [COUNT count]` from `at` (numkeys).
struct MpopArgs<'a> {
    keys: &'a [Bytes],
    max: bool,
    count: usize,
}

fn parse_mpop(args: &[Bytes], at: usize) -> Result<MpopArgs<'_>, CmdError> {
    let numkeys = int_in(&args[at], 1, i64::MAX, "numkeys should be greater than 0")?;
    let where_at = usize::try_from(numkeys)
        .ok()
        .and_then(|n| n.checked_add(at + 1))
        .filter(|w| *w < args.len())
        .ok_or(CmdError::Syntax)?;
    let max = if args::is(&args[where_at], "min") {
        false
    } else if args::is(&args[where_at], "max") {
        true
    } else {
        return Err(CmdError::Syntax);
    };
    let mut count = None;
    let mut j = where_at + 1;
    while j < args.len() {
        if count.is_none() && args::is(&args[j], "count") && j + 1 < args.len() {
            j += 1;
            count = Some(int_in(
                &args[j],
                1,
                i64::MAX,
                "count should be greater than 0",
            )?);
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    Ok(MpopArgs {
        keys: &args[at + 1..where_at],
        max,
        count: count.map_or(1, |c| usize::try_from(c).unwrap_or(usize::MAX)),
    })
}

/// `[key, [[member, score], ...]]`.
fn reply_mpop(out: &mut Reply, key: &[u8], items: &[(Blob, f64)]) {
    out.array(2);
    out.bulk(key);
    reply_pairs_nested(out, items, true);
}

pub(super) fn zmpop(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
) -> CmdResult {
    let req = parse_mpop(args, 1)?;
    match first_nonempty(ks, ctx, req.keys)? {
        None => out.null_array(),
        Some(key) => {
            let popped = pop_from(ks, ctx, key, req.count, req.max);
            reply_mpop(out, key, &popped);
        }
    }
    Ok(())
}

/// Asks the server to park the client on `keys`.
fn block_on(ctx: &mut Ctx, keys: &[Bytes], timeout_ms: u64) {
    let db = ctx.db;
    ctx.block(
        keys.iter().map(|k| (db, Blob::from_slice(k))).collect(),
        timeout_ms,
    );
}

fn bzpop_generic(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
    max: bool,
) -> CmdResult {
    let timeout = args::timeout_ms(&args[args.len() - 1])?;
    let keys = &args[1..args.len() - 1];
    match first_nonempty(ks, ctx, keys)? {
        Some(key) => {
            let popped = pop_from(ks, ctx, key, 1, max);
            out.array(1 + popped.len() * 2);
            out.bulk(key);
            for (m, s) in &popped {
                out.bulk(m);
                out.double(*s);
            }
        }
        None if ctx.no_block => out.null_array(),
        None => block_on(ctx, keys, timeout),
    }
    Ok(())
}

pub(super) fn bzpopmin(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
) -> CmdResult {
    bzpop_generic(ks, ctx, args, out, false)
}

pub(super) fn bzpopmax(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
) -> CmdResult {
    bzpop_generic(ks, ctx, args, out, true)
}

pub(super) fn bzmpop(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
) -> CmdResult {
    let req = parse_mpop(args, 2)?;
    let timeout = args::timeout_ms(&args[1])?;
    match first_nonempty(ks, ctx, req.keys)? {
        Some(key) => {
            let popped = pop_from(ks, ctx, key, req.count, req.max);
            reply_mpop(out, key, &popped);
        }
        None if ctx.no_block => out.null_array(),
        None => block_on(ctx, req.keys, timeout),
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// ZRANDMEMBER

pub(super) fn zrandmember(
    ks: &Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
) -> CmdResult {
    if args.len() == 2 {
        match read(ks, ctx, &args[1])? {
            Some(z) if !z.is_empty() => {
                let rank = ctx.random_below(z.len());
                out.bulk_or_null(z.at(rank).map(|(m, _)| m));
            }
            _ => out.null(),
        }
        return Ok(());
    }
    let count = args::int(&args[2])?;
    if count == i64::MIN {
        return Err(CmdError::err(
            "value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ));
    }
    if args.len() > 4 || (args.len() == 4 && !args::is(&args[3], "withscores")) {
        return Err(CmdError::Syntax);
    }
    let withscores = args.len() == 4;
    if withscores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return Err(CmdError::err("value is out of range"));
    }
    let Some(z) = read(ks, ctx, &args[1])? else {
        out.array(0);
        return Ok(());
    };
    if count == 0 || z.is_empty() {
        out.array(0);
        return Ok(());
    }
    let size = z.len();
    // Random access by rank: the packed encoding is indexed once.
    let packed: Option<Vec<(&[u8], f64)>> =
        matches!(z, SortedSet::Packed(_)).then(|| z.iter().collect());
    let at = |rank: usize| match &packed {
        Some(items) => items.get(rank).copied(),
        None => z.at(rank),
    };
    let n = count.unsigned_abs();
    if count < 0 || n == 1 {
        // With repetition, in random order. Each member costs at least
        // the 6 bytes of an empty bulk string: refuse early what cannot
        // fit.
        if n.saturating_mul(6) > RANDOM_REPLY_BUDGET as u64 {
            return Err(CmdError::err("reply too large"));
        }
        let start = out.len();
        pairs_header(out, usize::try_from(n).unwrap_or(usize::MAX), withscores);
        for _ in 0..n {
            if let Some((m, s)) = at(ctx.random_below(size)) {
                pair(out, m, s, withscores);
            }
            if out.len() - start > RANDOM_REPLY_BUDGET {
                return Err(CmdError::err("reply too large"));
            }
        }
        return Ok(());
    }
    if n >= size as u64 {
        // The whole set, highest first (Redis walks it from the tail).
        pairs_header(out, size, withscores);
        for (m, s) in z.iter_from(size - 1, true) {
            pair(out, m, s, withscores);
        }
        return Ok(());
    }
    let n = n as usize;
    let ranks: Vec<usize> = if n * 3 > size {
        // Partial Fisher-Yates shuffle of all ranks.
        let mut all: Vec<usize> = (0..size).collect();
        for i in 0..n {
            let j = i + ctx.random_below(size - i);
            all.swap(i, j);
        }
        all.truncate(n);
        all
    } else {
        let mut seen = HashSet::with_capacity(n);
        let mut picked = Vec::with_capacity(n);
        while picked.len() < n {
            let r = ctx.random_below(size);
            if seen.insert(r) {
                picked.push(r);
            }
        }
        picked
    };
    pairs_header(out, n, withscores);
    for r in ranks {
        if let Some((m, s)) = at(r) {
            pair(out, m, s, withscores);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// ZSCAN

/// A score as the packed encoding stores it (Redis's listpack keeps
/// integral scores within ±2^62 as integers): ZSCAN shows that form.
fn packed_score_text(score: f64) -> String {
    const LIMIT: f64 = 4_611_686_018_427_387_904.0; // 2^62
    if score.fract() == 0.0 && (-LIMIT..=LIMIT).contains(&score) {
        (score as i64).to_string()
    } else {
        resp::format_double(score)
    }
}

pub(super) fn zscan(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let cursor = args::cursor(&args[2])?;
    let Some(z) = read(ks, ctx, &args[1])? else {
        out.array(2);
        out.bulk(b"0");
        out.array(0);
        return Ok(());
    };
    let mut count = 10usize;
    let mut pattern: Option<&[u8]> = None;
    let mut j = 3;
    while j < args.len() {
        let left = args.len() - j;
        if args::is(&args[j], "count") && left >= 2 {
            let n = args::int(&args[j + 1])?;
            if n < 1 {
                return Err(CmdError::Syntax);
            }
            count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if args::is(&args[j], "match") && left >= 2 {
            pattern = Some(&args[j + 1])
                .filter(|p| p.as_ref() != b"*")
                .map(|p| p.as_ref());
        } else {
            return Err(CmdError::Syntax);
        }
        j += 2;
    }
    let packed = matches!(z, SortedSet::Packed(_));
    let mut items: Vec<(&[u8], f64)> = Vec::new();
    let next = z.scan(cursor, count, |m, s| {
        if pattern.is_none_or(|p| crate::glob::matches(p, m, false)) {
            items.push((m, s));
        }
    });
    out.array(2);
    out.bulk(itoa::Buffer::new().format(next).as_bytes());
    out.array(items.len() * 2);
    for (m, s) in items {
        out.bulk(m);
        let text = if packed {
            packed_score_text(s)
        } else {
            resp::format_double(s)
        };
        out.bulk(text.as_bytes());
    }
    Ok(())
}
