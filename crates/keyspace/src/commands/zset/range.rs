//! ZRANGE (by rank, score or lex, forward or reverse, with LIMIT), its
//! legacy forms, ZRANGESTORE and ZREMRANGEBYRANK/SCORE/LEX.

use bytes::Bytes;
use resp::Reply;

use super::{parse, read, reply_pairs};
use crate::types::{LexRange, ScoreRange, SortedSet, PACKED_MAX_ENTRIES, PACKED_MAX_VALUE};
use crate::{args, Blob, CmdError, CmdResult, Ctx, Keyspace, Value};

/// What a range selects.
#[derive(Debug, Clone, PartialEq)]
enum Selector {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Rank,
    Score,
    Lex,
}

/// A parsed ZRANGE-like request.
#[derive(Debug, Clone, PartialEq)]
struct RangeRequest {
    selector: Selector,
    rev: bool,
    withscores: bool,
    offset: i64,
    /// Negative: no limit.
    limit: i64,
}

/// Parses `<key> <min> <max> [options]` starting at `at` (the key), like
/// Redis's `zrangeGenericCommand`. `kind` and `rev` are fixed by the legacy
/// commands (`None` lets the options choose).
fn parse_request(
    args: &[Bytes],
    at: usize,
    store: bool,
    mut kind: Option<Kind>,
    mut rev: Option<bool>,
) -> Result<RangeRequest, CmdError> {
    let mut withscores = false;
    let (mut offset, mut limit) = (0i64, -1i64);
    let mut j = at + 3;
    while j < args.len() {
        let left = args.len() - j - 1;
        let opt = &args[j];
        if !store && args::is(opt, "withscores") {
            withscores = true;
        } else if args::is(opt, "limit") && left >= 2 {
            offset = args::int(&args[j + 1])?;
            limit = args::int(&args[j + 2])?;
            j += 2;
        } else if rev.is_none() && args::is(opt, "rev") {
            rev = Some(true);
        } else if kind.is_none() && args::is(opt, "bylex") {
            kind = Some(Kind::Lex);
        } else if kind.is_none() && args::is(opt, "byscore") {
            kind = Some(Kind::Score);
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    let rev = rev.unwrap_or(false);
    let kind = kind.unwrap_or(Kind::Rank);
    if limit != -1 && kind == Kind::Rank {
        return Err(CmdError::err(
            "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if withscores && kind == Kind::Lex {
        return Err(CmdError::err(
            "syntax error, WITHSCORES not supported in combination with BYLEX",
        ));
    }
    let (mut lo, mut hi) = (&args[at + 1], &args[at + 2]);
    if rev && kind != Kind::Rank {
        // Given as max, min.
        std::mem::swap(&mut lo, &mut hi);
    }
    let selector = match kind {
        Kind::Rank => Selector::Rank(args::int(lo)?, args::int(hi)?),
        Kind::Score => Selector::Score(parse::score_range(lo, hi)?),
        Kind::Lex => Selector::Lex(parse::lex_range(lo, hi)?),
    };
    Ok(RangeRequest {
        selector,
        rev,
        withscores,
        offset,
        limit,
    })
}

/// Resolves Redis's rank arguments against a length: the inclusive
/// ascending-or-descending index range, or `None` when empty.
fn rank_bounds(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let mut start = if start < 0 { len + start } else { start };
    let mut end = if end < 0 { len + end } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= len {
        return None;
    }
    if end >= len {
        end = len - 1;
    }
    Some((start as usize, end as usize))
}

/// The members a request selects, in reply order.
fn select<'a>(z: &'a SortedSet, req: &RangeRequest) -> Vec<(&'a [u8], f64)> {
    let limit = usize::try_from(req.limit).unwrap_or(usize::MAX);
    // Start rank of the walk (ascending rank), after skipping `offset`.
    let skip = |start: usize| -> Option<usize> {
        let offset = usize::try_from(req.offset).ok()?;
        if req.rev {
            start.checked_sub(offset)
        } else {
            start.checked_add(offset).filter(|s| *s < z.len())
        }
    };
    match &req.selector {
        Selector::Rank(start, end) => {
            let Some((start, end)) = rank_bounds(*start, *end, z.len()) else {
                return Vec::new();
            };
            let first = if req.rev { z.len() - 1 - start } else { start };
            z.iter_from(first, req.rev).take(end - start + 1).collect()
        }
        Selector::Score(range) => {
            let span = z.score_span(range);
            if span.is_empty() {
                return Vec::new();
            }
            let first = if req.rev { span.end - 1 } else { span.start };
            let Some(first) = skip(first) else {
                return Vec::new();
            };
            z.iter_from(first, req.rev)
                .take_while(|(_, s)| {
                    if req.rev {
                        range.above_min(*s)
                    } else {
                        range.below_max(*s)
                    }
                })
                .take(limit)
                .collect()
        }
        Selector::Lex(range) => {
            let first = if req.rev {
                z.lex_last(range)
            } else {
                z.lex_first(range)
            };
            let Some(first) = first.and_then(skip) else {
                return Vec::new();
            };
            z.iter_from(first, req.rev)
                .take_while(|(m, _)| {
                    if req.rev {
                        range.above_min(m)
                    } else {
                        range.below_max(m)
                    }
                })
                .take(limit)
                .collect()
        }
    }
}

fn range_generic(
    ks: &Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
    kind: Option<Kind>,
    rev: Option<bool>,
) -> CmdResult {
    let req = parse_request(args, 1, false, kind, rev)?;
    match read(ks, ctx, &args[1])? {
        None => out.array(0),
        Some(z) => {
            let items = select(z, &req);
            reply_pairs(out, items.into_iter(), req.withscores);
        }
    }
    Ok(())
}

pub(super) fn zrange(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    range_generic(ks, ctx, args, out, None, None)
}

pub(super) fn zrevrange(
    ks: &Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
) -> CmdResult {
    range_generic(ks, ctx, args, out, Some(Kind::Rank), Some(true))
}

pub(super) fn zrangebyscore(
    ks: &Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
) -> CmdResult {
    range_generic(ks, ctx, args, out, Some(Kind::Score), Some(false))
}

pub(super) fn zrevrangebyscore(
    ks: &Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
) -> CmdResult {
    range_generic(ks, ctx, args, out, Some(Kind::Score), Some(true))
}

pub(super) fn zrangebylex(
    ks: &Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
) -> CmdResult {
    range_generic(ks, ctx, args, out, Some(Kind::Lex), Some(false))
}

pub(super) fn zrevrangebylex(
    ks: &Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
) -> CmdResult {
    range_generic(ks, ctx, args, out, Some(Kind::Lex), Some(true))
}

/// Stores `items` (distinct members) under `dst` like Redis's stores: an
/// empty result deletes the destination. Replies with the cardinality.
pub(in crate::commands) fn store_result(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    dst: &[u8],
    items: Vec<(Blob, f64)>,
    out: &mut Reply,
) {
    let db = ks.db_mut(ctx.db);
    if items.is_empty() {
        if db.remove(dst, ctx.now_ms).is_some() {
            ctx.modified(ctx.db, dst);
        }
        out.int(0);
        return;
    }
    let len = items.len();
    db.insert(
        dst,
        Value::SortedSet(Box::new(SortedSet::from_members(items))),
    );
    ctx.modified(ctx.db, dst);
    ctx.ready(ctx.db, dst);
    out.int(len as i64);
}

pub(super) fn zrangestore(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
) -> CmdResult {
    let req = parse_request(args, 2, true, None, None)?;
    let mut items: Vec<(Blob, f64)> = match read(ks, ctx, &args[2])? {
        None => Vec::new(),
        Some(z) => select(z, &req)
            .into_iter()
            .map(|(m, s)| (Blob::from_slice(m), s))
            .collect(),
    };
    let rank = matches!(req.selector, Selector::Rank(..));
    unsign_packed_zeros(&mut items, rank);
    store_result(ks, ctx, &args[1], items, out);
    Ok(())
}

/// Redis builds a ZRANGESTORE destination by adding the range's members in
/// order: to a skiplist from the start for a rank range of more than
/// [`PACKED_MAX_ENTRIES`] members, otherwise to a listpack that becomes a
/// skiplist when a member is too long or one too many arrives. A zero score
/// added while it is a listpack loses its sign (the listpack stores the
/// integer 0), so `-0` survives only in members added after the conversion.
fn unsign_packed_zeros(items: &mut [(Blob, f64)], rank: bool) {
    if rank && items.len() > PACKED_MAX_ENTRIES {
        return;
    }
    let converted_at = items
        .iter()
        .position(|(m, _)| m.len() > PACKED_MAX_VALUE)
        .unwrap_or(items.len())
        .min(PACKED_MAX_ENTRIES);
    for (_, score) in &mut items[..converted_at] {
        if *score == 0.0 {
            *score = 0.0;
        }
    }
}

fn remrange_generic(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
    kind: Kind,
) -> CmdResult {
    let key = &args[1];
    let selector = match kind {
        Kind::Rank => Selector::Rank(args::int(&args[2])?, args::int(&args[3])?),
        Kind::Score => Selector::Score(parse::score_range(&args[2], &args[3])?),
        Kind::Lex => Selector::Lex(parse::lex_range(&args[2], &args[3])?),
    };
    let db = ks.db_mut(ctx.db);
    let Some(z) = db.write::<SortedSet>(key, ctx.now_ms)? else {
        out.int(0);
        return Ok(());
    };
    let span = match &selector {
        Selector::Rank(start, end) => match rank_bounds(*start, *end, z.len()) {
            Some((start, end)) => start..end + 1,
            None => 0..0,
        },
        Selector::Score(range) => z.score_span(range),
        Selector::Lex(range) => z.lex_span(range),
    };
    let removed = z.remove_span(span);
    if removed > 0 {
        db.remove_if_empty(key);
        ctx.modified(ctx.db, key);
    }
    out.int(removed as i64);
    Ok(())
}

pub(super) fn zremrangebyrank(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
) -> CmdResult {
    remrange_generic(ks, ctx, args, out, Kind::Rank)
}

pub(super) fn zremrangebyscore(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
) -> CmdResult {
    remrange_generic(ks, ctx, args, out, Kind::Score)
}

pub(super) fn zremrangebylex(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
) -> CmdResult {
    remrange_generic(ks, ctx, args, out, Kind::Lex)
}
