//! List commands (L*, R*, and the blocking B* variants).
//!
//! Replies, error texts and the order in which arguments are checked follow
//! Redis 7.0 (checked against `redis-server` 7.0.15 by the differential
//! tests below).
//!
//! Blocking commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) validate all
//! their arguments first, then try the non-blocking form over their keys in
//! order. If every source is empty they call [`Ctx::block_with`] (and write
//! no reply): the server runs them again when a key is signalled ready, or
//! replies [`timeout_reply`] when the timeout passes. Inside MULTI
//! (`ctx.no_block`) they reply at once like Redis: the null array, except
//! BLMOVE and BRPOPLPUSH which reply the null bulk string.

use std::collections::HashSet;

use bytes::Bytes;
use resp::Reply;

use crate::table::{CommandSpec as C, Flags as F, Group as G, Handler as H};
use crate::types::List;
use crate::{args, Blob, CmdError, CmdResult, Ctx, Keyspace, TimeoutReply};

#[cfg(test)]
mod diff_tests;
#[cfg(test)]
mod tests;

const PUSH_DOC: &str = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.";
const MPOP_DOC: &str =
    "O(N+M) where N is the number of provided keys and M is the number of elements returned.";

pub(crate) const COMMANDS: &[C] = &[
    C::new("lpush", -3, G::List, H::Write(lpush))
        .flags(&[F::WRITE, F::DENYOOM, F::FAST])
        .keys(1, 1, 1)
        .doc("Prepend one or multiple elements to a list", "1.0.0", PUSH_DOC),
    C::new("rpush", -3, G::List, H::Write(rpush))
        .flags(&[F::WRITE, F::DENYOOM, F::FAST])
        .keys(1, 1, 1)
        .doc("Append one or multiple elements to a list", "1.0.0", PUSH_DOC),
    C::new("lpushx", -3, G::List, H::Write(lpushx))
        .flags(&[F::WRITE, F::DENYOOM, F::FAST])
        .keys(1, 1, 1)
        .doc("Prepend an element to a list, only if the list exists", "2.2.0", PUSH_DOC),
    C::new("rpushx", -3, G::List, H::Write(rpushx))
        .flags(&[F::WRITE, F::DENYOOM, F::FAST])
        .keys(1, 1, 1)
        .doc("Append an element to a list, only if the list exists", "2.2.0", PUSH_DOC),
    C::new("lpop", -2, G::List, H::Write(lpop))
        .flags(&[F::WRITE, F::FAST])
        .keys(1, 1, 1)
        .doc("Remove and get the first elements in a list", "1.0.0", "O(N) where N is the number of elements returned"),
    C::new("rpop", -2, G::List, H::Write(rpop))
        .flags(&[F::WRITE, F::FAST])
        .keys(1, 1, 1)
        .doc("Remove and get the last elements in a list", "1.0.0", "O(N) where N is the number of elements returned"),
    C::new("llen", 2, G::List, H::Read(llen))
        .flags(&[F::READONLY, F::FAST])
        .keys(1, 1, 1)
        .doc("Get the length of a list", "1.0.0", "O(1)"),
    C::new("lindex", 3, G::List, H::Read(lindex))
        .flags(&[F::READONLY])
        .keys(1, 1, 1)
        .doc("Get an element from a list by its index", "1.0.0", "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1)."),
    C::new("lrange", 4, G::List, H::Read(lrange))
        .flags(&[F::READONLY])
        .keys(1, 1, 1)
        .doc("Get a range of elements from a list", "1.0.0", "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range."),
    C::new("lset", 4, G::List, H::Write(lset))
        .flags(&[F::WRITE, F::DENYOOM])
        .keys(1, 1, 1)
        .doc("Set the value of an element in a list by its index", "1.0.0", "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1)."),
    C::new("linsert", 5, G::List, H::Write(linsert))
        .flags(&[F::WRITE, F::DENYOOM])
        .keys(1, 1, 1)
        .doc("Insert an element before or after another element in a list", "2.2.0", "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N)."),
    C::new("lrem", 4, G::List, H::Write(lrem))
        .flags(&[F::WRITE])
        .keys(1, 1, 1)
        .doc("Remove elements from a list", "1.0.0", "O(N+M) where N is the length of the list and M is the number of elements removed."),
    C::new("ltrim", 4, G::List, H::Write(ltrim))
        .flags(&[F::WRITE])
        .keys(1, 1, 1)
        .doc("Trim a list to the specified range", "1.0.0", "O(N) where N is the number of elements to be removed by the operation."),
    C::new("lpos", -3, G::List, H::Read(lpos))
        .flags(&[F::READONLY])
        .keys(1, 1, 1)
        .doc("Return the index of matching elements on a list", "6.0.6", "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time."),
    C::new("lmove", 5, G::List, H::Write(lmove))
        .flags(&[F::WRITE, F::DENYOOM])
        .keys(1, 2, 1)
        .doc("Pop an element from a list, push it to another list and return it", "6.2.0", "O(1)"),
    C::new("rpoplpush", 3, G::List, H::Write(rpoplpush))
        .flags(&[F::WRITE, F::DENYOOM])
        .keys(1, 2, 1)
        .doc("Remove the last element in a list, prepend it to another list and return it", "1.2.0", "O(1)"),
    C::new("lmpop", -4, G::List, H::Write(lmpop))
        .flags(&[F::WRITE])
        .movable(lmpop_keys)
        .doc("Pop elements from a list", "7.0.0", MPOP_DOC),
    C::new("blpop", -3, G::List, H::Write(blpop))
        .flags(&[F::WRITE, F::NOSCRIPT, F::BLOCKING])
        .keys(1, -2, 1)
        .doc("Remove and get the first element in a list, or block until one is available", "2.0.0", "O(N) where N is the number of provided keys."),
    C::new("brpop", -3, G::List, H::Write(brpop))
        .flags(&[F::WRITE, F::NOSCRIPT, F::BLOCKING])
        .keys(1, -2, 1)
        .doc("Remove and get the last element in a list, or block until one is available", "2.0.0", "O(N) where N is the number of provided keys."),
    C::new("blmove", 6, G::List, H::Write(blmove))
        .flags(&[F::WRITE, F::DENYOOM, F::NOSCRIPT, F::BLOCKING])
        .keys(1, 2, 1)
        .doc("Pop an element from a list, push it to another list and return it; or block until one is available", "6.2.0", "O(1)"),
    C::new("brpoplpush", 4, G::List, H::Write(brpoplpush))
        .flags(&[F::WRITE, F::DENYOOM, F::NOSCRIPT, F::BLOCKING])
        .keys(1, 2, 1)
        .doc("Pop an element from a list, push it to another list and return it; or block until one is available", "2.2.0", "O(1)"),
    C::new("blmpop", -5, G::List, H::Write(blmpop))
        .flags(&[F::WRITE, F::BLOCKING])
        .movable(blmpop_keys)
        .doc("Pop elements from a list, or block until one is available", "7.0.0", MPOP_DOC),
];

/// The reply the server sends when a blocked list command's timeout
/// passes, or `None` if `command` is not a blocking list command.
///
/// Redis 7.0 replies with the null array (`*-1` in RESP2, `_` in RESP3) for
/// all five: BLPOP, BRPOP and BLMPOP, and also BLMOVE and BRPOPLPUSH even
/// though those reply with a bulk string when they get an element (and
/// with the null *bulk* string inside MULTI, where they cannot block).
/// The handlers put this reply in the [`crate::BlockRequest`], so the
/// server just writes `request.timeout_reply`.
pub fn timeout_reply(command: &[u8]) -> Option<TimeoutReply> {
    const BLOCKING: [&str; 5] = ["blpop", "brpop", "blmpop", "blmove", "brpoplpush"];
    BLOCKING
        .iter()
        .any(|name| args::is(command, name))
        .then_some(TimeoutReply::NullArray)
}

/// Which end of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// `LEFT`: the head.
    Head,
    /// `RIGHT`: the tail.
    Tail,
}

/// Parses `LEFT` / `RIGHT`.
fn parse_end(arg: &[u8]) -> Result<End, CmdError> {
    if args::is(arg, "left") {
        Ok(End::Head)
    } else if args::is(arg, "right") {
        Ok(End::Tail)
    } else {
        Err(CmdError::Syntax)
    }
}

fn push_end(list: &mut List, end: End, item: &[u8]) {
    match end {
        End::Head => list.push_front(item),
        End::Tail => list.push_back(item),
    }
}

fn pop_end(list: &mut List, end: End) -> Option<Blob> {
    match end {
        End::Head => list.pop_front(),
        End::Tail => list.pop_back(),
    }
}

/// Resolves a possibly negative index against `len`.
fn resolve_index(index: i64, len: usize) -> Option<usize> {
    let len = i64::try_from(len).ok()?;
    let index = if index < 0 {
        index.checked_add(len)?
    } else {
        index
    };
    (0..len).contains(&index).then_some(index as usize)
}

/// Redis's start/stop arithmetic (LRANGE, LTRIM): the half-open range of
/// indexes covered, or `None` when it is empty.
fn clamp_range(start: i64, stop: i64, len: usize) -> Option<(usize, usize)> {
    let len = i64::try_from(len).ok()?;
    let start = if start < 0 {
        start.saturating_add(len)
    } else {
        start
    }
    .max(0);
    let stop = if stop < 0 {
        stop.saturating_add(len)
    } else {
        stop
    };
    if start > stop || start >= len {
        return None;
    }
    let stop = stop.min(len - 1);
    Some((start as usize, stop as usize + 1))
}

/// Parses an integer that must be at least `min`, failing with `error`
/// (also for non-integers, like Redis).
fn int_at_least(arg: &[u8], min: i64, error: &str) -> Result<usize, CmdError> {
    resp::parse_int(arg)
        .filter(|n| *n >= min)
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
        .ok_or_else(|| CmdError::Other(error.to_string()))
}

fn lpush(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    push(ks, ctx, args, out, End::Head, false)
}

fn rpush(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    push(ks, ctx, args, out, End::Tail, false)
}

fn lpushx(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    push(ks, ctx, args, out, End::Head, true)
}

fn rpushx(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    push(ks, ctx, args, out, End::Tail, true)
}

/// LPUSH, RPUSH and (with `existing_only`) LPUSHX, RPUSHX: the new length.
fn push(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
    end: End,
    existing_only: bool,
) -> CmdResult {
    let key = &args[1];
    let db = ks.db_mut(ctx.db);
    let list = if existing_only {
        match db.write::<List>(key, ctx.now_ms)? {
            Some(list) => list,
            None => {
                out.int(0);
                return Ok(());
            }
        }
    } else {
        db.write_or_create::<List>(key, ctx.now_ms)?
    };
    for item in &args[2..] {
        push_end(list, end, item);
    }
    out.int(list.len() as i64);
    ctx.modified(ctx.db, key);
    ctx.ready(ctx.db, key);
    Ok(())
}

fn lpop(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    pop(ks, ctx, args, out, End::Head, "lpop")
}

fn rpop(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    pop(ks, ctx, args, out, End::Tail, "rpop")
}

/// LPOP / RPOP `key [count]`: without a count a bulk string (null if the
/// key is missing); with a count an array (the null array if the key is
/// missing, an empty array for count 0).
fn pop(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
    end: End,
    name: &str,
) -> CmdResult {
    if args.len() > 3 {
        return Err(CmdError::Arity(name.to_string()));
    }
    let count = match args.get(2) {
        Some(arg) => Some(int_at_least(
            arg,
            0,
            "ERR value is out of range, must be positive",
        )?),
        None => None,
    };
    let key = &args[1];
    let db = ks.db_mut(ctx.db);
    let Some(list) = db.write::<List>(key, ctx.now_ms)? else {
        match count {
            Some(_) => out.null_array(),
            None => out.null(),
        }
        return Ok(());
    };
    match count {
        None => out.bulk_or_null(pop_end(list, end).as_deref()),
        Some(0) => {
            out.array(0);
            return Ok(());
        }
        Some(count) => {
            let n = count.min(list.len());
            out.array(n);
            for _ in 0..n {
                if let Some(item) = pop_end(list, end) {
                    out.bulk(&item);
                }
            }
        }
    }
    db.remove_if_empty(key);
    ctx.modified(ctx.db, key);
    Ok(())
}

fn llen(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let list = ks.db(ctx.db).read::<List>(&args[1], ctx.now_ms)?;
    out.int(list.map_or(0, List::len) as i64);
    Ok(())
}

fn lindex(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let Some(list) = ks.db(ctx.db).read::<List>(&args[1], ctx.now_ms)? else {
        out.null();
        return Ok(());
    };
    let index = args::int(&args[2])?;
    out.bulk_or_null(resolve_index(index, list.len()).and_then(|i| list.get(i)));
    Ok(())
}

fn lrange(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let start = args::int(&args[2])?;
    let stop = args::int(&args[3])?;
    let Some(list) = ks.db(ctx.db).read::<List>(&args[1], ctx.now_ms)? else {
        out.array(0);
        return Ok(());
    };
    match clamp_range(start, stop, list.len()) {
        Some((from, to)) => out.bulk_array(list.range(from, to)),
        None => out.array(0),
    }
    Ok(())
}

fn lset(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let key = &args[1];
    let list = ks
        .db_mut(ctx.db)
        .write::<List>(key, ctx.now_ms)?
        .ok_or(CmdError::NoSuchKey)?;
    let index = args::int(&args[2])?;
    let index = resolve_index(index, list.len()).ok_or(CmdError::IndexOutOfRange)?;
    list.set(index, &args[3]);
    out.ok();
    ctx.modified(ctx.db, key);
    Ok(())
}

fn linsert(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let after = if args::is(&args[2], "before") {
        false
    } else if args::is(&args[2], "after") {
        true
    } else {
        return Err(CmdError::Syntax);
    };
    let key = &args[1];
    let Some(list) = ks.db_mut(ctx.db).write::<List>(key, ctx.now_ms)? else {
        out.int(0);
        return Ok(());
    };
    let Some(pivot) = list.iter().position(|e| e == &args[3][..]) else {
        out.int(-1);
        return Ok(());
    };
    list.insert(pivot + usize::from(after), &args[4]);
    out.int(list.len() as i64);
    ctx.modified(ctx.db, key);
    Ok(())
}

fn lrem(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let count = args::int(&args[2])?;
    let key = &args[1];
    let db = ks.db_mut(ctx.db);
    let Some(list) = db.write::<List>(key, ctx.now_ms)? else {
        out.int(0);
        return Ok(());
    };
    let limit = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
    let removed = list.remove_matching(&args[3], limit, count < 0);
    if removed > 0 {
        db.remove_if_empty(key);
        ctx.modified(ctx.db, key);
    }
    out.int(removed as i64);
    Ok(())
}

/// LTRIM. Like Redis, an existing key counts as modified even when nothing
/// was trimmed (a WATCH on it aborts the transaction).
fn ltrim(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let start = args::int(&args[2])?;
    let stop = args::int(&args[3])?;
    let key = &args[1];
    let db = ks.db_mut(ctx.db);
    if let Some(list) = db.write::<List>(key, ctx.now_ms)? {
        let len = list.len();
        match clamp_range(start, stop, len) {
            Some((from, to)) => {
                list.truncate_back(len - to);
                list.truncate_front(from);
            }
            None => list.truncate_front(len),
        }
        db.remove_if_empty(key);
        ctx.modified(ctx.db, key);
    }
    out.ok();
    Ok(())
}

const RANK_ZERO: &str = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";

/// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len].
fn lpos(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let mut rank: i64 = 1;
    let mut count: Option<usize> = None;
    let mut maxlen = 0usize;
    let mut i = 3;
    while i < args.len() {
        let Some(value) = args.get(i + 1) else {
            return Err(CmdError::Syntax);
        };
        let option = &args[i];
        if args::is(option, "rank") {
            rank = args::int(value)?;
            if rank == 0 {
                return Err(CmdError::Other(RANK_ZERO.to_string()));
            }
        } else if args::is(option, "count") {
            count = Some(int_at_least(value, 0, "ERR COUNT can't be negative")?);
        } else if args::is(option, "maxlen") {
            maxlen = int_at_least(value, 0, "ERR MAXLEN can't be negative")?;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 2;
    }
    let Some(list) = ks.db(ctx.db).read::<List>(&args[1], ctx.now_ms)? else {
        match count {
            Some(_) => out.array(0),
            None => out.null(),
        }
        return Ok(());
    };
    if rank == i64::MIN {
        // Redis negates the rank in a C `long`, which leaves LONG_MIN
        // negative: the search then starts at the first match from the
        // tail and never reaches the COUNT limit. Reproduced as is.
        rank = -1;
        count = count.map(|_| 0);
    }
    let skip = rank.unsigned_abs() - 1;
    let limit = match count {
        Some(0) => usize::MAX,
        Some(n) => n,
        None => 1,
    };
    let scan = if maxlen == 0 { usize::MAX } else { maxlen };
    let element = &args[2][..];
    let found = if rank < 0 {
        find_matches(list.iter().enumerate().rev(), element, skip, limit, scan)
    } else {
        find_matches(list.iter().enumerate(), element, skip, limit, scan)
    };
    match count {
        Some(_) => {
            out.array(found.len());
            for index in found {
                out.int(index as i64);
            }
        }
        None => match found.first() {
            Some(index) => out.int(*index as i64),
            None => out.null(),
        },
    }
    Ok(())
}

/// The indexes of the matches of `element` among the first `scan` entries,
/// skipping the first `skip` matches and stopping after `limit`.
fn find_matches<'a>(
    entries: impl Iterator<Item = (usize, &'a [u8])>,
    element: &[u8],
    skip: u64,
    limit: usize,
    scan: usize,
) -> Vec<usize> {
    let mut seen = 0u64;
    let mut found = Vec::new();
    for (index, item) in entries.take(scan) {
        if item != element {
            continue;
        }
        seen += 1;
        if seen > skip {
            found.push(index);
            if found.len() >= limit {
                break;
            }
        }
    }
    found
}

fn lmove(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let from = parse_end(&args[3])?;
    let to = parse_end(&args[4])?;
    let moved = move_one(ks, ctx, &args[1], &args[2], from, to)?;
    out.bulk_or_null(moved.as_deref());
    Ok(())
}

fn rpoplpush(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let moved = move_one(ks, ctx, &args[1], &args[2], End::Tail, End::Head)?;
    out.bulk_or_null(moved.as_deref());
    Ok(())
}

/// Moves one element from `src` to `dst` (LMOVE and friends); `None` when
/// `src` does not exist. The destination's type is checked only when there
/// is something to move, like Redis.
fn move_one(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    src: &[u8],
    dst: &[u8],
    from: End,
    to: End,
) -> Result<Option<Blob>, CmdError> {
    let db = ks.db_mut(ctx.db);
    let now = ctx.now_ms;
    if db.read::<List>(src, now)?.is_none() {
        return Ok(None);
    }
    db.read::<List>(dst, now)?;
    let Some(item) = db.write::<List>(src, now)?.and_then(|l| pop_end(l, from)) else {
        return Ok(None);
    };
    // Push before removing an emptied source, so that rotating a
    // one-element list keeps the key (and its TTL).
    push_end(db.write_or_create::<List>(dst, now)?, to, &item);
    db.remove_if_empty(src);
    ctx.modified(ctx.db, src);
    if src != dst {
        ctx.modified(ctx.db, dst);
    }
    ctx.ready(ctx.db, dst);
    Ok(Some(item))
}

/// The `numkeys` argument at `args[at]` and the keys following it, with
/// Redis's errors. At least one argument (LEFT|RIGHT) must follow them.
fn numkeys(args: &[Bytes], at: usize) -> Result<&[Bytes], CmdError> {
    let n = args
        .get(at)
        .and_then(|arg| resp::parse_int(arg))
        .filter(|n| *n > 0)
        .ok_or_else(|| CmdError::err("numkeys should be greater than 0"))?;
    let first = at + 1;
    match usize::try_from(n) {
        Ok(n) if n < args.len().saturating_sub(first) => Ok(&args[first..first + n]),
        _ => Err(CmdError::Syntax),
    }
}

fn lmpop_keys(args: &[Bytes]) -> Result<Vec<usize>, CmdError> {
    let keys = numkeys(args, 1)?;
    Ok((2..2 + keys.len()).collect())
}

fn blmpop_keys(args: &[Bytes]) -> Result<Vec<usize>, CmdError> {
    let keys = numkeys(args, 2)?;
    Ok((3..3 + keys.len()).collect())
}

/// What LMPOP / BLMPOP pop: `count` elements from `end` of the first
/// non-empty list among `keys`.
struct Mpop<'a> {
    keys: &'a [Bytes],
    end: End,
    count: usize,
}

/// Parses `numkeys key [key ...] LEFT|RIGHT [COUNT count]` starting at
/// `args[at]`.
fn parse_mpop(args: &[Bytes], at: usize) -> Result<Mpop<'_>, CmdError> {
    let keys = numkeys(args, at)?;
    let end_at = at + 1 + keys.len();
    let end = parse_end(&args[end_at])?;
    let mut count = None;
    let mut i = end_at + 1;
    while i < args.len() {
        match args.get(i + 1) {
            Some(value) if count.is_none() && args::is(&args[i], "count") => {
                count = Some(int_at_least(
                    value,
                    1,
                    "ERR count should be greater than 0",
                )?);
                i += 2;
            }
            _ => return Err(CmdError::Syntax),
        }
    }
    Ok(Mpop {
        keys,
        end,
        count: count.unwrap_or(1),
    })
}

/// Pops up to `m.count` elements from the first non-empty list among
/// `m.keys`: its key and the elements, or `None` if every list is empty.
fn pop_first<'a>(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    m: &Mpop<'a>,
) -> Result<Option<(&'a Bytes, Vec<Blob>)>, CmdError> {
    let db = ks.db_mut(ctx.db);
    for key in m.keys {
        // Type-check every key up to the first non-empty one, in order.
        if db.read::<List>(key, ctx.now_ms)?.is_none_or(List::is_empty) {
            continue;
        }
        let Some(list) = db.write::<List>(key, ctx.now_ms)? else {
            continue;
        };
        let n = m.count.min(list.len());
        let items = (0..n).filter_map(|_| pop_end(list, m.end)).collect();
        db.remove_if_empty(key);
        ctx.modified(ctx.db, key);
        return Ok(Some((key, items)));
    }
    Ok(None)
}

/// Writes LMPOP's `[key, [elements]]`.
fn mpop_reply(out: &mut Reply, key: &[u8], items: &[Blob]) {
    out.array(2);
    out.bulk(key);
    out.bulk_array(items);
}

fn lmpop(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let m = parse_mpop(args, 1)?;
    match pop_first(ks, ctx, &m)? {
        Some((key, items)) => mpop_reply(out, key, &items),
        None => out.null_array(),
    }
    Ok(())
}

/// Asks the server to park the client on `keys` (duplicates dropped).
fn block_on(ctx: &mut Ctx, keys: &[Bytes], timeout_ms: u64, command: &[u8]) {
    let db = ctx.db;
    let mut seen: HashSet<&[u8]> = HashSet::new();
    let keys = keys
        .iter()
        .filter(|k| seen.insert(&k[..]))
        .map(|k| (db, Blob::from_slice(k)))
        .collect();
    let reply = timeout_reply(command).unwrap_or(TimeoutReply::NullArray);
    ctx.block_with(keys, timeout_ms, reply);
}

fn blpop(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    bpop(ks, ctx, args, out, End::Head)
}

fn brpop(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    bpop(ks, ctx, args, out, End::Tail)
}

/// BLPOP / BRPOP `key [key ...] timeout`: `[key, element]` from the first
/// non-empty list.
fn bpop(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply, end: End) -> CmdResult {
    let timeout = args::timeout_ms(&args[args.len() - 1])?;
    let m = Mpop {
        keys: &args[1..args.len() - 1],
        end,
        count: 1,
    };
    match pop_first(ks, ctx, &m)? {
        Some((key, items)) => {
            out.array(2);
            out.bulk(key);
            out.bulk_or_null(items.first().map(|b| b.as_slice()));
        }
        None if ctx.no_block => out.null_array(),
        None => block_on(ctx, m.keys, timeout, &args[0]),
    }
    Ok(())
}

fn blmove(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let from = parse_end(&args[3])?;
    let to = parse_end(&args[4])?;
    let timeout = args::timeout_ms(&args[5])?;
    bmove(ks, ctx, args, out, (from, to), timeout)
}

fn brpoplpush(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let timeout = args::timeout_ms(&args[3])?;
    bmove(ks, ctx, args, out, (End::Tail, End::Head), timeout)
}

/// BLMOVE / BRPOPLPUSH once the arguments are parsed.
fn bmove(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
    (from, to): (End, End),
    timeout: u64,
) -> CmdResult {
    match move_one(ks, ctx, &args[1], &args[2], from, to)? {
        Some(item) => out.bulk(&item),
        None if ctx.no_block => out.null(),
        None => block_on(ctx, &args[1..2], timeout, &args[0]),
    }
    Ok(())
}

fn blmpop(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let m = parse_mpop(args, 2)?;
    let timeout = args::timeout_ms(&args[1])?;
    match pop_first(ks, ctx, &m)? {
        Some((key, items)) => mpop_reply(out, key, &items),
        None if ctx.no_block => out.null_array(),
        None => block_on(ctx, m.keys, timeout, &args[0]),
    }
    Ok(())
}
