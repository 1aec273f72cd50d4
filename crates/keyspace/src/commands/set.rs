//! Set commands (S*).

use bytes::Bytes;
use resp::Reply;

use super::hash::{
    check_sample, sample_count, sample_distinct, sample_too_large, scan_header, scan_options,
    scan_window, MAX_SAMPLE_REPLY,
};
use crate::table::{CommandSpec as C, Flags as F, Group as G, Handler as H};
use crate::types::{Member, Set};
use crate::value::Typed;
use crate::{args, CmdError, CmdResult, Ctx, Db, Keyspace};

const READ_FAST: &[F] = &[F::READONLY, F::FAST];
const STORE: &[F] = &[F::WRITE, F::DENYOOM];

pub(crate) const COMMANDS: &[C] = &[
    C::new("sadd", -3, G::Set, H::Write(sadd))
        .flags(&[F::WRITE, F::DENYOOM, F::FAST])
        .keys(1, 1, 1)
        .doc("Add one or more members to a set", "1.0.0", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."),
    C::new("srem", -3, G::Set, H::Write(srem))
        .flags(&[F::WRITE, F::FAST])
        .keys(1, 1, 1)
        .doc("Remove one or more members from a set", "1.0.0", "O(N) where N is the number of members to be removed."),
    C::new("scard", 2, G::Set, H::Read(scard))
        .flags(READ_FAST)
        .keys(1, 1, 1)
        .doc("Get the number of members in a set", "1.0.0", "O(1)"),
    C::new("sismember", 3, G::Set, H::Read(sismember))
        .flags(READ_FAST)
        .keys(1, 1, 1)
        .doc("Determine if a given value is a member of a set", "1.0.0", "O(1)"),
    C::new("smismember", -3, G::Set, H::Read(smismember))
        .flags(READ_FAST)
        .keys(1, 1, 1)
        .doc("Returns the membership associated with the given elements for a set", "6.2.0", "O(N) where N is the number of elements being checked for membership"),
    C::new("smembers", 2, G::Set, H::Read(smembers))
        .flags(&[F::READONLY])
        .keys(1, 1, 1)
        .doc("Get all the members in a set", "1.0.0", "O(N) where N is the set cardinality."),
    C::new("srandmember", -2, G::Set, H::Read(srandmember))
        .flags(&[F::READONLY])
        .keys(1, 1, 1)
        .doc("Get one or multiple random members from a set", "1.0.0", "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count."),
    C::new("spop", -2, G::Set, H::Write(spop))
        .flags(&[F::WRITE, F::FAST])
        .keys(1, 1, 1)
        .doc("Remove and return one or multiple random members from a set", "1.0.0", "Without the count argument O(1), otherwise O(N) where N is the value of the passed count."),
    C::new("smove", 4, G::Set, H::Write(smove))
        .flags(&[F::WRITE, F::FAST])
        .keys(1, 2, 1)
        .doc("Move a member from one set to another", "1.0.0", "O(1)"),
    C::new("sinter", -2, G::Set, H::Read(sinter))
        .flags(&[F::READONLY])
        .keys(1, -1, 1)
        .doc("Intersect multiple sets", "1.0.0", "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."),
    C::new("sintercard", -3, G::Set, H::Read(sintercard))
        .flags(&[F::READONLY])
        .movable(sintercard_keys)
        .doc("Intersect multiple sets and return the cardinality of the result", "7.0.0", "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."),
    C::new("sinterstore", -3, G::Set, H::Write(sinterstore))
        .flags(STORE)
        .keys(1, -1, 1)
        .doc("Intersect multiple sets and store the resulting set in a key", "1.0.0", "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."),
    C::new("sunion", -2, G::Set, H::Read(sunion))
        .flags(&[F::READONLY])
        .keys(1, -1, 1)
        .doc("Add multiple sets", "1.0.0", "O(N) where N is the total number of elements in all given sets."),
    C::new("sunionstore", -3, G::Set, H::Write(sunionstore))
        .flags(STORE)
        .keys(1, -1, 1)
        .doc("Add multiple sets and store the resulting set in a key", "1.0.0", "O(N) where N is the total number of elements in all given sets."),
    C::new("sdiff", -2, G::Set, H::Read(sdiff))
        .flags(&[F::READONLY])
        .keys(1, -1, 1)
        .doc("Subtract multiple sets", "1.0.0", "O(N) where N is the total number of elements in all given sets."),
    C::new("sdiffstore", -3, G::Set, H::Write(sdiffstore))
        .flags(STORE)
        .keys(1, -1, 1)
        .doc("Subtract multiple sets and store the resulting set in a key", "1.0.0", "O(N) where N is the total number of elements in all given sets."),
    C::new("sscan", -3, G::Set, H::Read(sscan))
        .flags(&[F::READONLY])
        .keys(1, 1, 1)
        .doc("Incrementally iterate Set elements", "2.8.0", "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.."),
];

/// Writes one member as a bulk string.
fn bulk_member(out: &mut Reply, member: Member<'_>) {
    out.bulk(member.as_bytes(&mut itoa::Buffer::new()));
}

/// Writes members as a set reply (an array for RESP2).
fn set_reply<'a>(out: &mut Reply, len: usize, members: impl Iterator<Item = Member<'a>>) {
    out.set(len);
    for member in members {
        bulk_member(out, member);
    }
}

fn sadd(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let set = ks
        .db_mut(ctx.db)
        .write_or_create::<Set>(&args[1], ctx.now_ms)?;
    let added = args[2..].iter().filter(|m| set.add(m)).count();
    if added > 0 {
        ctx.modified(ctx.db, &args[1]);
    }
    out.int(added as i64);
    Ok(())
}

fn srem(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let db = ks.db_mut(ctx.db);
    let Some(set) = db.write::<Set>(&args[1], ctx.now_ms)? else {
        out.int(0);
        return Ok(());
    };
    let removed = args[2..].iter().filter(|m| set.remove(m)).count();
    if removed > 0 {
        db.remove_if_empty(&args[1]);
        ctx.modified(ctx.db, &args[1]);
    }
    out.int(removed as i64);
    Ok(())
}

fn scard(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let set = ks.db(ctx.db).read::<Set>(&args[1], ctx.now_ms)?;
    out.int(set.map_or(0, Set::len) as i64);
    Ok(())
}

fn sismember(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let set = ks.db(ctx.db).read::<Set>(&args[1], ctx.now_ms)?;
    out.int(i64::from(set.is_some_and(|s| s.contains(&args[2]))));
    Ok(())
}

fn smismember(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let set = ks.db(ctx.db).read::<Set>(&args[1], ctx.now_ms)?;
    out.array(args.len() - 2);
    for member in &args[2..] {
        out.int(i64::from(set.is_some_and(|s| s.contains(member))));
    }
    Ok(())
}

fn smembers(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let set = ks.db(ctx.db).read::<Set>(&args[1], ctx.now_ms)?;
    set_reply(
        out,
        set.map_or(0, Set::len),
        set.into_iter().flat_map(Set::iter),
    );
    Ok(())
}

fn srandmember(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    srandmember_within(ks, ctx, args, out, MAX_SAMPLE_REPLY)
}

/// SRANDMEMBER with a limit on the size of replies with repetitions.
fn srandmember_within(
    ks: &Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
    budget: usize,
) -> CmdResult {
    if args.len() > 3 {
        return Err(CmdError::Syntax);
    }
    let db = ks.db(ctx.db);
    if args.len() == 2 {
        match db.read::<Set>(&args[1], ctx.now_ms)? {
            Some(set) if !set.is_empty() => {
                let at = ctx.random_below(set.len());
                match set.get_index(at) {
                    Some(member) => bulk_member(out, member),
                    None => out.null(),
                }
            }
            _ => out.null(),
        }
        return Ok(());
    }
    let count = sample_count(&args[2])?;
    let set = match db.read::<Set>(&args[1], ctx.now_ms)? {
        Some(set) if count != 0 && !set.is_empty() => set,
        _ => {
            out.array(0);
            return Ok(());
        }
    };
    let size = set.len();
    if count < 0 || count == 1 {
        // Picks with repetition: streamed, never collected.
        let picks = count.unsigned_abs();
        check_sample(picks, 6, budget)?;
        out.array(picks as usize);
        let mark = out.mark();
        for _ in 0..picks {
            if let Some(member) = set.get_index(ctx.random_below(size)) {
                bulk_member(out, member);
            }
            if out.len() - mark > budget {
                return Err(sample_too_large());
            }
        }
        return Ok(());
    }
    let wanted = usize::try_from(count).unwrap_or(usize::MAX);
    if wanted >= size {
        out.array(size);
        for member in set.iter() {
            bulk_member(out, member);
        }
        return Ok(());
    }
    let chosen = sample_distinct(ctx, size, wanted);
    out.array(chosen.len());
    for member in chosen.into_iter().filter_map(|i| set.get_index(i)) {
        bulk_member(out, member);
    }
    Ok(())
}

fn spop(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    if args.len() > 3 {
        return Err(CmdError::Syntax);
    }
    let key = &args[1];
    if args.len() == 2 {
        let db = ks.db_mut(ctx.db);
        let popped = match db.write::<Set>(key, ctx.now_ms)? {
            Some(set) if !set.is_empty() => {
                let at = ctx.random_below(set.len());
                set.remove_index(at)
            }
            _ => None,
        };
        if popped.is_some() {
            db.remove_if_empty(key);
            ctx.modified(ctx.db, key);
        }
        out.bulk_or_null(popped.as_deref());
        return Ok(());
    }
    let count = args::int(&args[2])
        .ok()
        .and_then(|n| usize::try_from(n).ok())
        .ok_or(CmdError::NotPositive)?;
    let db = ks.db_mut(ctx.db);
    let set = match db.write::<Set>(key, ctx.now_ms)? {
        Some(set) if count != 0 && !set.is_empty() => set,
        _ => {
            out.set(0);
            return Ok(());
        }
    };
    let size = set.len();
    if count >= size {
        set_reply(out, size, set.iter());
        db.remove(key, ctx.now_ms);
    } else if (size - count).saturating_mul(5) > count {
        // Few members popped: take them one by one.
        out.set(count);
        for _ in 0..count {
            let at = ctx.random_below(set.len());
            if let Some(member) = set.remove_index(at) {
                out.bulk(&member);
            }
        }
    } else {
        // Most members popped: pick the ones that stay and rebuild the set
        // from them (like Redis, which may turn a table back into an
        // integer set this way).
        let keep = sample_distinct(ctx, size, size - count);
        let mut next = keep.iter().peekable();
        let mut kept = Vec::with_capacity(keep.len());
        out.set(count);
        for (i, member) in set.iter().enumerate() {
            if next.peek() == Some(&&i) {
                next.next();
                kept.push(member);
            } else {
                bulk_member(out, member);
            }
        }
        let rebuilt: Set = kept.into_iter().collect();
        *set = rebuilt;
    }
    ctx.modified(ctx.db, key);
    Ok(())
}

fn smove(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let (src, dst, member) = (&args[1], &args[2], &args[3]);
    let db = ks.db_mut(ctx.db);
    if db.read::<Set>(src, ctx.now_ms)?.is_none() {
        out.int(0);
        return Ok(());
    }
    // Like Redis: a missing source replies 0 whatever the destination
    // holds; otherwise both must be sets before anything changes.
    db.read::<Set>(dst, ctx.now_ms)?;
    if src == dst {
        let present = db
            .read::<Set>(src, ctx.now_ms)?
            .is_some_and(|s| s.contains(member));
        out.int(i64::from(present));
        return Ok(());
    }
    let removed = db
        .write::<Set>(src, ctx.now_ms)?
        .is_some_and(|s| s.remove(member));
    if !removed {
        out.int(0);
        return Ok(());
    }
    db.remove_if_empty(src);
    ctx.modified(ctx.db, src);
    if db.write_or_create::<Set>(dst, ctx.now_ms)?.add(member) {
        ctx.modified(ctx.db, dst);
    }
    out.int(1);
    Ok(())
}

/// The sets under `keys` (`None` for a missing key); WRONGTYPE if any key
/// holds another type, whatever comes before it.
fn load<'a>(db: &'a Db, keys: &[Bytes], now_ms: u64) -> Result<Vec<Option<&'a Set>>, CmdError> {
    keys.iter().map(|k| db.read::<Set>(k, now_ms)).collect()
}

/// Calls `found` for each member of the intersection of `sets` (none if one
/// is missing), in the storage order of the smallest set, stopping after
/// `limit` members (0: no limit).
fn intersect<'a>(sets: &[Option<&'a Set>], limit: usize, mut found: impl FnMut(Member<'a>)) {
    let Some(mut sets) = sets.iter().copied().collect::<Option<Vec<&Set>>>() else {
        return;
    };
    sets.sort_by_key(|s| s.len());
    let Some((first, rest)) = sets.split_first() else {
        return;
    };
    let mut n = 0;
    for member in first.iter() {
        if rest.iter().all(|s| s.contains_member(member)) {
            found(member);
            n += 1;
            if n == limit {
                break;
            }
        }
    }
}

/// The members of the intersection of `sets`.
fn intersection<'a>(sets: &[Option<&'a Set>]) -> Vec<Member<'a>> {
    let mut members = Vec::new();
    intersect(sets, 0, |m| members.push(m));
    members
}

/// The union of `sets` as a new set.
fn union(sets: &[Option<&Set>]) -> Set {
    let mut result = Set::new();
    for member in sets.iter().flatten().flat_map(|s| s.iter()) {
        result.add_member(member);
    }
    result
}

/// The members of the first set that are in none of the others, as a new
/// set built the way Redis 7.0 builds it. Redis picks one of two
/// algorithms by their estimated work: either it adds the members of the
/// first set that no other set has, or (when the first set is large
/// compared with the others) it copies the whole first set and removes the
/// others' members. The second way can leave a hash table holding only
/// integers: a non-integer member converted it before being removed.
fn difference(sets: &[Option<&Set>]) -> Set {
    let Some((Some(first), rest)) = sets.split_first() else {
        return Set::new();
    };
    let present = sets.iter().flatten().count();
    let filter_work = first.len() * present / 2;
    let copy_work: usize = sets.iter().flatten().map(|s| s.len()).sum();
    if filter_work <= copy_work {
        return first
            .iter()
            .filter(|m| !rest.iter().flatten().any(|s| s.contains_member(*m)))
            .collect();
    }
    let mut result: Set = first.iter().collect();
    let mut buf = itoa::Buffer::new();
    for member in rest.iter().flatten().flat_map(|s| s.iter()) {
        result.remove(member.as_bytes(&mut buf));
        if result.is_empty() {
            break;
        }
    }
    result
}

fn sinter(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let sets = load(ks.db(ctx.db), &args[1..], ctx.now_ms)?;
    let members = intersection(&sets);
    set_reply(out, members.len(), members.into_iter());
    Ok(())
}

fn sunion(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let result = union(&load(ks.db(ctx.db), &args[1..], ctx.now_ms)?);
    set_reply(out, result.len(), result.iter());
    Ok(())
}

fn sdiff(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let result = difference(&load(ks.db(ctx.db), &args[1..], ctx.now_ms)?);
    set_reply(out, result.len(), result.iter());
    Ok(())
}

/// Stores `result` under `dst` (replacing any value and expiry), or deletes
/// `dst` if the result is empty; replies with the result's size.
fn store(ks: &mut Keyspace, ctx: &mut Ctx, dst: &[u8], result: Set, out: &mut Reply) {
    let db = ks.db_mut(ctx.db);
    let len = result.len();
    if len == 0 {
        if db.remove(dst, ctx.now_ms).is_some() {
            ctx.modified(ctx.db, dst);
        }
    } else {
        db.insert(dst, result.wrap());
        ctx.modified(ctx.db, dst);
    }
    out.int(len as i64);
}

fn sinterstore(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let sets = load(ks.db(ctx.db), &args[2..], ctx.now_ms)?;
    let result: Set = intersection(&sets).into_iter().collect();
    store(ks, ctx, &args[1], result, out);
    Ok(())
}

fn sunionstore(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let result = union(&load(ks.db(ctx.db), &args[2..], ctx.now_ms)?);
    store(ks, ctx, &args[1], result, out);
    Ok(())
}

fn sdiffstore(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let result = difference(&load(ks.db(ctx.db), &args[2..], ctx.now_ms)?);
    store(ks, ctx, &args[1], result, out);
    Ok(())
}

/// SINTERCARD's `numkeys`, checked against the arguments.
fn numkeys(args: &[Bytes]) -> Result<usize, CmdError> {
    let n = args
        .get(1)
        .and_then(|a| resp::parse_int(a))
        .filter(|n| *n >= 1)
        .ok_or_else(|| CmdError::err("numkeys should be greater than 0"))?;
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    if n > args.len().saturating_sub(2) {
        return Err(CmdError::err(
            "Number of keys can't be greater than number of args",
        ));
    }
    Ok(n)
}

/// Key positions of SINTERCARD: the `numkeys` arguments after it.
fn sintercard_keys(args: &[Bytes]) -> Result<Vec<usize>, CmdError> {
    let n = numkeys(args)?;
    Ok((2..2 + n).collect())
}

fn sintercard(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let n = numkeys(args)?;
    let mut limit = 0;
    let mut i = 2 + n;
    while i < args.len() {
        if args::is(&args[i], "limit") && i + 1 < args.len() {
            limit = args::int(&args[i + 1])
                .ok()
                .and_then(|l| usize::try_from(l).ok())
                .ok_or_else(|| CmdError::err("LIMIT can't be negative"))?;
            i += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let sets = load(ks.db(ctx.db), &args[2..2 + n], ctx.now_ms)?;
    let mut n = 0i64;
    intersect(&sets, limit, |_| n += 1);
    out.int(n);
    Ok(())
}

fn sscan(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let cursor = args::cursor(&args[2])?;
    let Some(set) = ks.db(ctx.db).read::<Set>(&args[1], ctx.now_ms)? else {
        scan_header(out, 0, 0);
        return Ok(());
    };
    let opts = scan_options(args, 3)?;
    let mut buf = itoa::Buffer::new();
    let (members, next): (Vec<Member<'_>>, u64) = match set {
        // Integer sets are returned whole, like Redis does.
        Set::Ints(_) => (
            set.iter()
                .filter(|m| opts.matches(m.as_bytes(&mut buf)))
                .collect(),
            0,
        ),
        Set::Table(t) => {
            let (window, next) = scan_window(cursor, opts.count, t.len());
            let members = window
                .rev()
                .filter_map(|i| set.get_index(i))
                .filter(|m| opts.matches(m.as_bytes(&mut buf)))
                .collect();
            (members, next)
        }
    };
    scan_header(out, next, members.len());
    for member in members {
        bulk_member(out, member);
    }
    Ok(())
}

#[cfg(test)]
#[path = "set_tests.rs"]
mod tests;
