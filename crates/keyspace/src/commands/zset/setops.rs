//! ZUNION, ZINTER, ZDIFF, their STORE forms, and ZINTERCARD.
//!
//! Inputs may be sorted sets or plain sets (every member scoring 1). Like
//! Redis, union and intersection visit the inputs from the smallest to the
//! largest (a stable sort by cardinality), which decides the order in which
//! weighted scores are aggregated and so the exact floating-point result.

use bytes::Bytes;
use resp::Reply;

use super::range::store_result;
use super::{parse, reply_pairs};
use crate::types::{cmp_entry, OrderedMap, Set, SortedSet};
use crate::{args, Blob, CmdError, CmdResult, Ctx, Keyspace, Value};

#[derive(Debug, Clone, Copy, PartialEq)]
enum SetOp {
    Union,
    Inter,
    Diff,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

impl Aggregate {
    fn apply(self, target: &mut f64, value: f64) {
        match self {
            Aggregate::Sum => {
                *target += value;
                // inf + -inf: Redis's convention is 0.
                if target.is_nan() {
                    *target = 0.0;
                }
            }
            Aggregate::Min => {
                if value < *target {
                    *target = value;
                }
            }
            Aggregate::Max => {
                if value > *target {
                    *target = value;
                }
            }
        }
    }
}

/// One input key.
#[derive(Clone, Copy)]
enum Source<'a> {
    Missing,
    Zset(&'a SortedSet),
    Set(&'a Set),
}

impl Source<'_> {
    fn len(&self) -> usize {
        match self {
            Source::Missing => 0,
            Source::Zset(z) => z.len(),
            Source::Set(s) => s.len(),
        }
    }

    fn for_each(&self, mut f: impl FnMut(&[u8], f64)) {
        match self {
            Source::Missing => {}
            Source::Zset(z) => {
                for (m, s) in z.iter() {
                    f(m, s);
                }
            }
            Source::Set(Set::Ints(v)) => {
                let mut buf = itoa::Buffer::new();
                for n in v {
                    f(buf.format(*n).as_bytes(), 1.0);
                }
            }
            Source::Set(Set::Table(t)) => {
                for m in t.iter() {
                    f(m, 1.0);
                }
            }
        }
    }

    fn find(&self, member: &[u8]) -> Option<f64> {
        match self {
            Source::Missing => None,
            Source::Zset(z) => z.score(member),
            Source::Set(Set::Ints(v)) => {
                let n = resp::parse_int(member)?;
                v.binary_search(&n).ok().map(|_| 1.0)
            }
            Source::Set(Set::Table(t)) => t.contains(member).then_some(1.0),
        }
    }
}

/// The result of a set operation.
enum Outcome {
    Members(Vec<(Blob, f64)>),
    Cardinality(usize),
}

/// Parses and computes `numkeys key... [WEIGHTS ...] [AGGREGATE ...]
/// [WITHSCORES] [LIMIT n]` from `at` (numkeys), like Redis's
/// `zunionInterDiffGenericCommand`. Returns the outcome and WITHSCORES.
fn compute(
    ks: &Keyspace,
    ctx: &Ctx,
    args: &[Bytes],
    at: usize,
    op: SetOp,
    store: bool,
    card_only: bool,
) -> Result<(Outcome, bool), CmdError> {
    let numkeys = args::int(&args[at])?;
    if numkeys < 1 {
        return Err(CmdError::err(format!(
            "at least 1 input key is needed for '{}' command",
            args::command_name(args)
        )));
    }
    let first = at + 1;
    let n = usize::try_from(numkeys)
        .ok()
        .filter(|n| *n <= args.len() - first)
        .ok_or(CmdError::Syntax)?;
    let db = ks.db(ctx.db);
    let mut sources = Vec::with_capacity(n);
    for key in &args[first..first + n] {
        sources.push(match db.get(key, ctx.now_ms) {
            None => Source::Missing,
            Some(Value::SortedSet(z)) => Source::Zset(z),
            Some(Value::Set(s)) => Source::Set(s),
            Some(_) => return Err(CmdError::WrongType),
        });
    }
    let mut weights = vec![1.0f64; n];
    let mut aggregate = Aggregate::Sum;
    let mut withscores = false;
    let mut limit = 0usize;
    let mut j = first + n;
    while j < args.len() {
        let remaining = args.len() - j;
        let opt = &args[j];
        if op != SetOp::Diff && !card_only && remaining > n && args::is(opt, "weights") {
            j += 1;
            for w in weights.iter_mut() {
                *w = parse::strict_float(&args[j])
                    .ok_or_else(|| CmdError::err("weight value is not a float"))?;
                j += 1;
            }
        } else if op != SetOp::Diff && !card_only && remaining >= 2 && args::is(opt, "aggregate") {
            let a = &args[j + 1];
            aggregate = if args::is(a, "sum") {
                Aggregate::Sum
            } else if args::is(a, "min") {
                Aggregate::Min
            } else if args::is(a, "max") {
                Aggregate::Max
            } else {
                return Err(CmdError::Syntax);
            };
            j += 2;
        } else if !store && !card_only && args::is(opt, "withscores") {
            withscores = true;
            j += 1;
        } else if card_only && remaining >= 2 && args::is(opt, "limit") {
            let l = super::int_in(&args[j + 1], 0, i64::MAX, "LIMIT can't be negative")?;
            limit = usize::try_from(l).unwrap_or(usize::MAX);
            j += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }

    let mut inputs: Vec<(Source<'_>, f64)> = sources.into_iter().zip(weights).collect();
    if op != SetOp::Diff {
        inputs.sort_by_key(|(s, _)| s.len());
    }
    let outcome = match op {
        SetOp::Inter => inter(&inputs, aggregate, card_only.then_some(limit)),
        SetOp::Union => Outcome::Members(union(&inputs, aggregate)),
        SetOp::Diff => Outcome::Members(diff(&inputs)),
    };
    Ok((outcome, withscores))
}

/// Initial weighted score: NaN (0 × inf) counts as 0.
fn weighted(score: f64, weight: f64) -> f64 {
    let v = score * weight;
    if v.is_nan() {
        0.0
    } else {
        v
    }
}

fn inter(inputs: &[(Source<'_>, f64)], aggregate: Aggregate, card_limit: Option<usize>) -> Outcome {
    let mut members = Vec::new();
    let mut card = 0usize;
    let Some(((base, base_weight), others)) = inputs.split_first() else {
        return Outcome::Members(members);
    };
    let mut done = false;
    base.for_each(|m, s| {
        if done {
            return;
        }
        let mut score = weighted(s, *base_weight);
        for (other, weight) in others {
            match other.find(m) {
                Some(v) => aggregate.apply(&mut score, v * weight),
                None => return,
            }
        }
        match card_limit {
            Some(limit) => {
                card += 1;
                if limit > 0 && card >= limit {
                    done = true;
                }
            }
            None => members.push((Blob::from_slice(m), score)),
        }
    });
    match card_limit {
        Some(_) => Outcome::Cardinality(card),
        None => Outcome::Members(members),
    }
}

fn union(inputs: &[(Source<'_>, f64)], aggregate: Aggregate) -> Vec<(Blob, f64)> {
    let mut acc: OrderedMap<Blob, f64> = OrderedMap::default();
    for (source, weight) in inputs {
        source.for_each(|m, s| {
            let score = weighted(s, *weight);
            match acc.get_mut(m) {
                Some(total) => aggregate.apply(total, score),
                None => {
                    acc.insert(Blob::from_slice(m), score);
                }
            }
        });
    }
    acc.into_iter().collect()
}

fn diff(inputs: &[(Source<'_>, f64)]) -> Vec<(Blob, f64)> {
    let mut members = Vec::new();
    let Some(((base, _), others)) = inputs.split_first() else {
        return members;
    };
    base.for_each(|m, s| {
        if others.iter().all(|(o, _)| o.find(m).is_none()) {
            members.push((Blob::from_slice(m), s));
        }
    });
    members
}

fn reply_generic(
    ks: &Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
    op: SetOp,
) -> CmdResult {
    let (outcome, withscores) = compute(ks, ctx, args, 1, op, false, false)?;
    if let Outcome::Members(mut members) = outcome {
        members.sort_by(|a, b| cmp_entry(a.1, &a.0, b.1, &b.0));
        reply_pairs(out, members.iter().map(|(m, s)| (m, *s)), withscores);
    }
    Ok(())
}

fn store_generic(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
    op: SetOp,
) -> CmdResult {
    let (outcome, _) = compute(ks, ctx, args, 2, op, true, false)?;
    if let Outcome::Members(members) = outcome {
        store_result(ks, ctx, &args[1], members, out);
    }
    Ok(())
}

pub(super) fn zunion(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    reply_generic(ks, ctx, args, out, SetOp::Union)
}

pub(super) fn zinter(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    reply_generic(ks, ctx, args, out, SetOp::Inter)
}

pub(super) fn zdiff(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    reply_generic(ks, ctx, args, out, SetOp::Diff)
}

pub(super) fn zunionstore(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
) -> CmdResult {
    store_generic(ks, ctx, args, out, SetOp::Union)
}

pub(super) fn zinterstore(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
) -> CmdResult {
    store_generic(ks, ctx, args, out, SetOp::Inter)
}

pub(super) fn zdiffstore(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
) -> CmdResult {
    store_generic(ks, ctx, args, out, SetOp::Diff)
}

pub(super) fn zintercard(
    ks: &Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    out: &mut Reply,
) -> CmdResult {
    if let (Outcome::Cardinality(n), _) = compute(ks, ctx, args, 1, SetOp::Inter, false, true)? {
        out.int(n as i64);
    }
    Ok(())
}
