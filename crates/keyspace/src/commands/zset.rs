//! Sorted set commands (Z* and BZ*), with Redis 7.0's replies and errors.
//!
//! This file holds the table, the shared helpers and the point commands
//! (ZADD, ZINCRBY, ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK, ZREVRANK, ZCOUNT,
//! ZLEXCOUNT); the other commands live in the submodules:
//!
//! * `range`: ZRANGE and its legacy forms, ZRANGESTORE, ZREMRANGEBY*;
//! * `pop`: ZPOPMIN/ZPOPMAX, ZMPOP, the blocking BZ* forms, ZRANDMEMBER,
//!   ZSCAN;
//! * `setops`: ZUNION, ZINTER, ZDIFF, their STORE forms, ZINTERCARD;
//! * `parse`: Redis's number and range parsing rules.

#[cfg(test)]
mod diff_tests;
#[cfg(test)]
mod diff_tests_misc;
#[cfg(test)]
mod diff_tests_pops;
pub(super) mod parse;
mod pop;
pub(super) mod range;
mod setops;
#[cfg(test)]
mod tests;

use bytes::Bytes;
use resp::Reply;

use crate::table::{CommandSpec as C, Flags as F, Group as G, Handler as H};
use crate::types::SortedSet;
use crate::{args, CmdError, CmdResult, Ctx, Keyspace};

use pop::{bzmpop, bzpopmax, bzpopmin, zmpop, zpopmax, zpopmin, zrandmember, zscan};
use range::{
    zrange, zrangebylex, zrangebyscore, zrangestore, zremrangebylex, zremrangebyrank,
    zremrangebyscore, zrevrange, zrevrangebylex, zrevrangebyscore,
};
use setops::{zdiff, zdiffstore, zinter, zintercard, zinterstore, zunion, zunionstore};

const W: &[F] = &[F::WRITE];
const WF: &[F] = &[F::WRITE, F::FAST];
const WD: &[F] = &[F::WRITE, F::DENYOOM];
const WDF: &[F] = &[F::WRITE, F::DENYOOM, F::FAST];
const R: &[F] = &[F::READONLY];
const RF: &[F] = &[F::READONLY, F::FAST];
const BLOCK: &[F] = &[F::WRITE, F::NOSCRIPT, F::BLOCKING, F::FAST];

const RANGE_CX: &str = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).";
const REMRANGE_CX: &str = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.";
const POP_CX: &str = "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.";
const MPOP_CX: &str = "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.";
const UNION_CX: &str = "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.";
const INTER_CX: &str = "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.";
const DIFF_CX: &str = "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.";

pub(crate) const COMMANDS: &[C] = &[
    C::new("zadd", -4, G::SortedSet, H::Write(zadd))
        .flags(WDF)
        .keys(1, 1, 1)
        .doc("Add one or more members to a sorted set, or update its score if it already exists", "1.2.0", "O(log(N)) for each item added, where N is the number of elements in the sorted set."),
    C::new("zincrby", 4, G::SortedSet, H::Write(zincrby))
        .flags(WDF)
        .keys(1, 1, 1)
        .doc("Increment the score of a member in a sorted set", "1.2.0", "O(log(N)) where N is the number of elements in the sorted set."),
    C::new("zrem", -3, G::SortedSet, H::Write(zrem))
        .flags(WF)
        .keys(1, 1, 1)
        .doc("Remove one or more members from a sorted set", "1.2.0", "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed."),
    C::new("zcard", 2, G::SortedSet, H::Read(zcard))
        .flags(RF)
        .keys(1, 1, 1)
        .doc("Get the number of members in a sorted set", "1.2.0", "O(1)"),
    C::new("zcount", 4, G::SortedSet, H::Read(zcount))
        .flags(RF)
        .keys(1, 1, 1)
        .doc("Count the members in a sorted set with scores within the given values", "2.0.0", "O(log(N)) with N being the number of elements in the sorted set."),
    C::new("zlexcount", 4, G::SortedSet, H::Read(zlexcount))
        .flags(RF)
        .keys(1, 1, 1)
        .doc("Count the number of members in a sorted set between a given lexicographical range", "2.8.9", "O(log(N)) with N being the number of elements in the sorted set."),
    C::new("zscore", 3, G::SortedSet, H::Read(zscore))
        .flags(RF)
        .keys(1, 1, 1)
        .doc("Get the score associated with the given member in a sorted set", "1.2.0", "O(1)"),
    C::new("zmscore", -3, G::SortedSet, H::Read(zmscore))
        .flags(RF)
        .keys(1, 1, 1)
        .doc("Get the score associated with the given members in a sorted set", "6.2.0", "O(N) where N is the number of members being requested."),
    C::new("zrank", 3, G::SortedSet, H::Read(zrank))
        .flags(RF)
        .keys(1, 1, 1)
        .doc("Determine the index of a member in a sorted set", "2.0.0", "O(log(N))"),
    C::new("zrevrank", 3, G::SortedSet, H::Read(zrevrank))
        .flags(RF)
        .keys(1, 1, 1)
        .doc("Determine the index of a member in a sorted set, with scores ordered from high to low", "2.0.0", "O(log(N))"),
    C::new("zrange", -4, G::SortedSet, H::Read(zrange))
        .flags(R)
        .keys(1, 1, 1)
        .doc("Return a range of members in a sorted set", "1.2.0", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned."),
    C::new("zrangestore", -5, G::SortedSet, H::Write(zrangestore))
        .flags(WD)
        .keys(1, 2, 1)
        .doc("Store a range of members from sorted set into another key", "6.2.0", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key."),
    C::new("zrevrange", -4, G::SortedSet, H::Read(zrevrange))
        .flags(R)
        .keys(1, 1, 1)
        .doc("Return a range of members in a sorted set, by index, with scores ordered from high to low", "1.2.0", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned."),
    C::new("zrangebyscore", -4, G::SortedSet, H::Read(zrangebyscore))
        .flags(R)
        .keys(1, 1, 1)
        .doc("Return a range of members in a sorted set, by score", "1.0.5", RANGE_CX),
    C::new("zrevrangebyscore", -4, G::SortedSet, H::Read(zrevrangebyscore))
        .flags(R)
        .keys(1, 1, 1)
        .doc("Return a range of members in a sorted set, by score, with scores ordered from high to low", "2.2.0", RANGE_CX),
    C::new("zrangebylex", -4, G::SortedSet, H::Read(zrangebylex))
        .flags(R)
        .keys(1, 1, 1)
        .doc("Return a range of members in a sorted set, by lexicographical range", "2.8.9", RANGE_CX),
    C::new("zrevrangebylex", -4, G::SortedSet, H::Read(zrevrangebylex))
        .flags(R)
        .keys(1, 1, 1)
        .doc("Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.", "2.8.9", RANGE_CX),
    C::new("zremrangebyrank", 4, G::SortedSet, H::Write(zremrangebyrank))
        .flags(W)
        .keys(1, 1, 1)
        .doc("Remove all members in a sorted set within the given indexes", "2.0.0", REMRANGE_CX),
    C::new("zremrangebyscore", 4, G::SortedSet, H::Write(zremrangebyscore))
        .flags(W)
        .keys(1, 1, 1)
        .doc("Remove all members in a sorted set within the given scores", "1.2.0", REMRANGE_CX),
    C::new("zremrangebylex", 4, G::SortedSet, H::Write(zremrangebylex))
        .flags(W)
        .keys(1, 1, 1)
        .doc("Remove all members in a sorted set between the given lexicographical range", "2.8.9", REMRANGE_CX),
    C::new("zpopmin", -2, G::SortedSet, H::Write(zpopmin))
        .flags(WF)
        .keys(1, 1, 1)
        .doc("Remove and return members with the lowest scores in a sorted set", "5.0.0", POP_CX),
    C::new("zpopmax", -2, G::SortedSet, H::Write(zpopmax))
        .flags(WF)
        .keys(1, 1, 1)
        .doc("Remove and return members with the highest scores in a sorted set", "5.0.0", POP_CX),
    C::new("zmpop", -4, G::SortedSet, H::Write(zmpop))
        .flags(W)
        .movable(zmpop_keys)
        .doc("Remove and return members with scores in a sorted set", "7.0.0", MPOP_CX),
    C::new("bzpopmin", -3, G::SortedSet, H::Write(bzpopmin))
        .flags(BLOCK)
        .keys(1, -2, 1)
        .doc("Remove and return the member with the lowest score from one or more sorted sets, or block until one is available", "5.0.0", "O(log(N)) with N being the number of elements in the sorted set."),
    C::new("bzpopmax", -3, G::SortedSet, H::Write(bzpopmax))
        .flags(BLOCK)
        .keys(1, -2, 1)
        .doc("Remove and return the member with the highest score from one or more sorted sets, or block until one is available", "5.0.0", "O(log(N)) with N being the number of elements in the sorted set."),
    C::new("bzmpop", -5, G::SortedSet, H::Write(bzmpop))
        .flags(&[F::WRITE, F::BLOCKING])
        .movable(bzmpop_keys)
        .doc("Remove and return members with scores in a sorted set or block until one is available", "7.0.0", MPOP_CX),
    C::new("zrandmember", -2, G::SortedSet, H::Read(zrandmember))
        .flags(R)
        .keys(1, 1, 1)
        .doc("Get one or multiple random elements from a sorted set", "6.2.0", "O(N) where N is the number of elements returned"),
    C::new("zunion", -3, G::SortedSet, H::Read(zunion))
        .flags(R)
        .movable(numkeys_at_1)
        .doc("Add multiple sorted sets", "6.2.0", UNION_CX),
    C::new("zinter", -3, G::SortedSet, H::Read(zinter))
        .flags(R)
        .movable(numkeys_at_1)
        .doc("Intersect multiple sorted sets", "6.2.0", INTER_CX),
    C::new("zdiff", -3, G::SortedSet, H::Read(zdiff))
        .flags(R)
        .movable(numkeys_at_1)
        .doc("Subtract multiple sorted sets", "6.2.0", DIFF_CX),
    C::new("zunionstore", -4, G::SortedSet, H::Write(zunionstore))
        .flags(WD)
        .keys(1, 1, 1)
        .movable(store_keys)
        .doc("Add multiple sorted sets and store the resulting sorted set in a new key", "2.0.0", "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set."),
    C::new("zinterstore", -4, G::SortedSet, H::Write(zinterstore))
        .flags(WD)
        .keys(1, 1, 1)
        .movable(store_keys)
        .doc("Intersect multiple sorted sets and store the resulting sorted set in a new key", "2.0.0", INTER_CX),
    C::new("zdiffstore", -4, G::SortedSet, H::Write(zdiffstore))
        .flags(WD)
        .keys(1, 1, 1)
        .movable(store_keys)
        .doc("Subtract multiple sorted sets and store the resulting sorted set in a new key", "6.2.0", DIFF_CX),
    C::new("zintercard", -3, G::SortedSet, H::Read(zintercard))
        .flags(R)
        .movable(numkeys_at_1)
        .doc("Intersect multiple sorted sets and return the cardinality of the result", "7.0.0", "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets."),
    C::new("zscan", -3, G::SortedSet, H::Read(zscan))
        .flags(R)
        .keys(1, 1, 1)
        .doc("Incrementally iterate sorted sets elements and associated scores", "2.8.0", "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.."),
];

// ---------------------------------------------------------------------------
// Key positions of the numkeys forms.

fn invalid_keys() -> CmdError {
    CmdError::err("Invalid arguments specified for command")
}

/// `numkeys` at `at`, followed by that many keys; Redis's COMMAND GETKEYS
/// error when the count is not a positive integer or overruns the
/// arguments.
fn counted_keys(args: &[Bytes], at: usize) -> Result<Vec<usize>, CmdError> {
    let n = args
        .get(at)
        .and_then(|a| resp::parse_int(a))
        .filter(|n| *n >= 1)
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(invalid_keys)?;
    let first = at + 1;
    if n > args.len().saturating_sub(first) {
        return Err(invalid_keys());
    }
    Ok((first..first + n).collect())
}

fn numkeys_at_1(args: &[Bytes]) -> Result<Vec<usize>, CmdError> {
    counted_keys(args, 1)
}

fn store_keys(args: &[Bytes]) -> Result<Vec<usize>, CmdError> {
    let mut keys = vec![1];
    keys.extend(counted_keys(args, 2)?);
    Ok(keys)
}

fn zmpop_keys(args: &[Bytes]) -> Result<Vec<usize>, CmdError> {
    counted_keys(args, 1)
}

fn bzmpop_keys(args: &[Bytes]) -> Result<Vec<usize>, CmdError> {
    counted_keys(args, 2)
}

// ---------------------------------------------------------------------------
// Shared helpers.

/// The sorted set under `key` for reading (`None` if absent).
fn read<'a>(ks: &'a Keyspace, ctx: &Ctx, key: &[u8]) -> Result<Option<&'a SortedSet>, CmdError> {
    ks.db(ctx.db).read::<SortedSet>(key, ctx.now_ms)
}

/// Header of `n` (member, score) pairs as ZRANGE writes them: RESP2 a
/// flat array (member, score, ...), RESP3 an array of [member, score]
/// pairs; members alone without scores. Follow with [`pair`].
fn pairs_header(out: &mut Reply, n: usize, withscores: bool) {
    out.array(if withscores && !out.is_resp3() {
        n * 2
    } else {
        n
    });
}

/// One item after [`pairs_header`].
fn pair(out: &mut Reply, member: &[u8], score: f64, withscores: bool) {
    if withscores && out.is_resp3() {
        out.array(2);
    }
    out.bulk(member);
    if withscores {
        out.double(score);
    }
}

/// [`pairs_header`] and every item.
fn reply_pairs<M: AsRef<[u8]>>(
    out: &mut Reply,
    items: impl ExactSizeIterator<Item = (M, f64)>,
    withscores: bool,
) {
    pairs_header(out, items.len(), withscores);
    for (member, score) in items {
        pair(out, member.as_ref(), score, withscores);
    }
}

// ---------------------------------------------------------------------------
// ZADD / ZINCRBY

#[derive(Default)]
struct AddFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
    ch: bool,
    incr: bool,
}

/// What one ZADD pair did.
enum AddOutcome {
    Added(f64),
    Updated(f64),
    /// Present with the same score: processed, unchanged.
    Same(f64),
    /// Skipped because of NX/XX/GT/LT.
    Nop,
}

/// ZADD; also GEOADD's backend (it passes encoded positions as scores).
pub(super) fn zadd(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    zadd_generic(ks, ctx, args, out, false)
}

fn zincrby(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    zadd_generic(ks, ctx, args, out, true)
}

fn zadd_generic(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
    zincrby: bool,
) -> CmdResult {
    let key = &args[1];
    let mut flags = AddFlags {
        incr: zincrby,
        ..AddFlags::default()
    };
    let mut at = 2;
    while let Some(opt) = args.get(at) {
        match opt.to_ascii_lowercase().as_slice() {
            b"nx" => flags.nx = true,
            b"xx" => flags.xx = true,
            b"gt" => flags.gt = true,
            b"lt" => flags.lt = true,
            b"ch" => flags.ch = true,
            b"incr" => flags.incr = true,
            _ => break,
        }
        at += 1;
    }
    let pairs = &args[at..];
    if pairs.is_empty() || !pairs.chunks_exact(2).remainder().is_empty() {
        return Err(CmdError::Syntax);
    }
    if flags.nx && flags.xx {
        return Err(CmdError::err(
            "XX and NX options at the same time are not compatible",
        ));
    }
    if (flags.nx && (flags.gt || flags.lt)) || (flags.gt && flags.lt) {
        return Err(CmdError::err(
            "GT, LT, and/or NX options at the same time are not compatible",
        ));
    }
    if flags.incr && pairs.len() > 2 {
        return Err(CmdError::err(
            "INCR option supports a single increment-element pair",
        ));
    }
    let scores = pairs
        .chunks(2)
        .map(|p| parse::strict_float(&p[0]).ok_or(CmdError::NotFloat))
        .collect::<Result<Vec<f64>, CmdError>>()?;

    let db = ks.db_mut(ctx.db);
    let exists = db.read::<SortedSet>(key, ctx.now_ms)?.is_some();
    let (mut added, mut updated, mut last) = (0i64, 0i64, None);
    if exists || !flags.xx {
        let z = db.write_or_create::<SortedSet>(key, ctx.now_ms)?;
        let mut failed = None;
        for (pair, &score) in pairs.chunks(2).zip(&scores) {
            match add_one(z, &pair[1], score, &flags) {
                Ok(AddOutcome::Added(s)) => {
                    added += 1;
                    last = Some(s);
                }
                Ok(AddOutcome::Updated(s)) => {
                    updated += 1;
                    last = Some(s);
                }
                Ok(AddOutcome::Same(s)) => last = Some(s),
                Ok(AddOutcome::Nop) => {}
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        db.remove_if_empty(key);
        if added + updated > 0 {
            ctx.modified(ctx.db, key);
        }
        if added > 0 {
            ctx.ready(ctx.db, key);
        }
        if let Some(e) = failed {
            return Err(e);
        }
    }
    if flags.incr {
        match last {
            Some(score) => out.double(score),
            None => out.null(),
        }
    } else {
        out.int(if flags.ch { added + updated } else { added });
    }
    Ok(())
}

/// Redis's `zsetAdd` for one pair.
fn add_one(
    z: &mut SortedSet,
    member: &[u8],
    score: f64,
    flags: &AddFlags,
) -> Result<AddOutcome, CmdError> {
    match z.score(member) {
        Some(current) => {
            if flags.nx {
                return Ok(AddOutcome::Nop);
            }
            let new = if flags.incr { current + score } else { score };
            if new.is_nan() {
                return Err(CmdError::err("resulting score is not a number (NaN)"));
            }
            if (flags.lt && new >= current) || (flags.gt && new <= current) {
                return Ok(AddOutcome::Nop);
            }
            if new == current {
                return Ok(AddOutcome::Same(new));
            }
            z.insert(member, new);
            Ok(AddOutcome::Updated(new))
        }
        None if flags.xx => Ok(AddOutcome::Nop),
        None => {
            z.insert(member, score);
            Ok(AddOutcome::Added(score))
        }
    }
}

// ---------------------------------------------------------------------------
// ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK, ZREVRANK, ZCOUNT, ZLEXCOUNT

fn zrem(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let key = &args[1];
    let db = ks.db_mut(ctx.db);
    let Some(z) = db.write::<SortedSet>(key, ctx.now_ms)? else {
        out.int(0);
        return Ok(());
    };
    let removed = args[2..].iter().filter(|m| z.remove(m).is_some()).count();
    db.remove_if_empty(key);
    if removed > 0 {
        ctx.modified(ctx.db, key);
    }
    out.int(removed as i64);
    Ok(())
}

fn zcard(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let len = read(ks, ctx, &args[1])?.map_or(0, SortedSet::len);
    out.int(len as i64);
    Ok(())
}

fn zscore(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    match read(ks, ctx, &args[1])?.and_then(|z| z.score(&args[2])) {
        Some(score) => out.double(score),
        None => out.null(),
    }
    Ok(())
}

fn zmscore(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let z = read(ks, ctx, &args[1])?;
    out.array(args.len() - 2);
    for member in &args[2..] {
        match z.and_then(|z| z.score(member)) {
            Some(score) => out.double(score),
            None => out.null(),
        }
    }
    Ok(())
}

fn zrank(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    rank_generic(ks, ctx, args, out, false)
}

fn zrevrank(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    rank_generic(ks, ctx, args, out, true)
}

fn rank_generic(
    ks: &Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
    rev: bool,
) -> CmdResult {
    let z = read(ks, ctx, &args[1])?;
    match z.and_then(|z| z.rank(&args[2]).map(|r| (r, z.len()))) {
        Some((rank, len)) => out.int(if rev { len - 1 - rank } else { rank } as i64),
        None => out.null(),
    }
    Ok(())
}

fn zcount(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let range = parse::score_range(&args[2], &args[3])?;
    let count = read(ks, ctx, &args[1])?.map_or(0, |z| z.score_span(&range).len());
    out.int(count as i64);
    Ok(())
}

fn zlexcount(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let range = parse::lex_range(&args[2], &args[3])?;
    let count = read(ks, ctx, &args[1])?.map_or(0, |z| z.lex_span(&range).len());
    out.int(count as i64);
    Ok(())
}

/// Parses an integer option with one error text for every failure (Redis's
/// `getRangeLongFromObjectOrReply` with a message).
fn int_in(arg: &[u8], min: i64, max: i64, msg: &str) -> Result<i64, CmdError> {
    args::int(arg)
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| CmdError::err(msg))
}
