//! Random picks: RANDOMKEY, SRANDMEMBER, HRANDFIELD, ZRANDMEMBER and SPOP.
//!
//! Both sides pick independently, so a pick is judged by what it must be:
//! the right type and count, distinct elements where the count is
//! positive, every element (with its value or score) taken from the
//! collection as Redis holds it. Replies that are not random (errors, nil,
//! empty) are compared exactly.

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use resp::Frame;

use super::rules::{shape, Collection};
use super::{args, encoded, exact, Side};

/// RANDOMKEY: both nil, or each side's key exists on the other side.
pub(super) fn random_key(
    ours: &Frame,
    theirs: &Frame,
    keel: &mut dyn Side,
    redis: &mut dyn Side,
) -> Result<(), String> {
    match (ours, theirs) {
        (Frame::Null, Frame::Null) => Ok(()),
        (Frame::Bulk(a), Frame::Bulk(b)) => {
            if redis.call(&args(&[b"EXISTS", a])) != Frame::Integer(1) {
                return Err("keel's key does not exist in redis".into());
            }
            if keel.call(&args(&[b"EXISTS", b])) != Frame::Integer(1) {
                return Err("redis's key does not exist in keel".into());
            }
            Ok(())
        }
        _ => Err("differ (both must be nil or both a key)".into()),
    }
}

/// True for replies that say there was nothing to pick from.
fn nothing(frame: &Frame) -> bool {
    match frame {
        Frame::Null | Frame::NullArray => true,
        Frame::Array(items) | Frame::Set(items) => items.is_empty(),
        _ => false,
    }
}

/// The type of a reply, without its length.
fn kind(frame: &Frame) -> String {
    shape(frame)
        .split(" of ")
        .next()
        .unwrap_or_default()
        .to_string()
}

fn same_kind(ours: &Frame, theirs: &Frame) -> Result<(), String> {
    let (a, b) = (kind(ours), kind(theirs));
    if a == b {
        Ok(())
    } else {
        Err(format!("differ in type ({a} vs {b})"))
    }
}

/// SRANDMEMBER, HRANDFIELD, ZRANDMEMBER.
pub(super) fn pick(
    collection: Collection,
    cmd: &[Bytes],
    ours: &Frame,
    theirs: &Frame,
    redis: &mut dyn Side,
    resp3: bool,
) -> Result<(), String> {
    if nothing(theirs) {
        return exact(ours, theirs);
    }
    same_kind(ours, theirs)?;
    let content = content(redis, collection, &cmd[1])?;
    let count = match cmd.get(2) {
        None => None,
        Some(c) => Some(
            std::str::from_utf8(c)
                .ok()
                .and_then(|c| c.parse::<i64>().ok())
                .ok_or("redis accepted a count that is not an integer")?,
        ),
    };
    let with_values = cmd.len() > 3;
    for (who, reply) in [("keel", ours), ("redis", theirs)] {
        check_random_reply(reply, &content, count, with_values, resp3)
            .map_err(|e| format!("{who}'s pick is wrong: {e}"))?;
    }
    Ok(())
}

/// The collection under `key` in `side`: member → value (the score for a
/// sorted set, nil for a set).
fn content(
    side: &mut dyn Side,
    collection: Collection,
    key: &[u8],
) -> Result<BTreeMap<Vec<u8>, Frame>, String> {
    let bulk = |f: &Frame| match f {
        Frame::Bulk(b) => Ok(b.to_vec()),
        other => Err(format!("a member is not a bulk string: {other:?}")),
    };
    let reply = match collection {
        Collection::Set => side.call(&args(&[b"SMEMBERS", key])),
        Collection::Hash => side.call(&args(&[b"HGETALL", key])),
        Collection::Zset => side.call(&args(&[b"ZRANGE", key, b"0", b"-1", b"WITHSCORES"])),
    };
    let mut content = BTreeMap::new();
    match (collection, &reply) {
        (Collection::Set, Frame::Array(items) | Frame::Set(items)) => {
            for item in items {
                content.insert(bulk(item)?, Frame::Null);
            }
        }
        (_, Frame::Map(pairs)) => {
            for (k, v) in pairs {
                content.insert(bulk(k)?, v.clone());
            }
        }
        (_, Frame::Array(items)) => {
            for item in flat_pairs(items)? {
                content.insert(bulk(&item.0)?, item.1);
            }
        }
        _ => return Err(format!("cannot read the collection: {reply:?}")),
    }
    Ok(content)
}

/// (element, value) pairs from a flat array or an array of 2-arrays.
fn flat_pairs(items: &[Frame]) -> Result<Vec<(Frame, Frame)>, String> {
    if items
        .iter()
        .all(|i| matches!(i, Frame::Array(p) if p.len() == 2))
        && !items.is_empty()
    {
        return Ok(items
            .iter()
            .map(|i| match i {
                Frame::Array(p) => (p[0].clone(), p[1].clone()),
                _ => unreachable!("checked above"),
            })
            .collect());
    }
    if !items.len().is_multiple_of(2) {
        return Err("an odd number of items for pairs".into());
    }
    Ok(items
        .chunks_exact(2)
        .map(|p| (p[0].clone(), p[1].clone()))
        .collect())
}

/// Checks a random-pick reply against the collection it came from:
/// `content` maps each element to its value (ignored unless `with_values`).
/// `count` is the command's count argument, if any; with values, RESP3
/// replies hold `[element, value]` pairs and RESP2 replies a flat array.
pub fn check_random_reply(
    reply: &Frame,
    content: &BTreeMap<Vec<u8>, Frame>,
    count: Option<i64>,
    with_values: bool,
    resp3: bool,
) -> Result<(), String> {
    let Some(count) = count else {
        return match reply {
            Frame::Bulk(b) if content.contains_key(&b[..]) => Ok(()),
            Frame::Null if content.is_empty() => Ok(()),
            other => Err(format!("single pick {other:?}")),
        };
    };
    let Frame::Array(items) = reply else {
        return Err(format!("array expected, got {reply:?}"));
    };
    let picks: Vec<(Frame, Option<Frame>)> = if with_values && resp3 {
        items
            .iter()
            .map(|p| match p {
                Frame::Array(kv) if kv.len() == 2 => Ok((kv[0].clone(), Some(kv[1].clone()))),
                other => Err(format!("pair expected, got {other:?}")),
            })
            .collect::<Result<_, _>>()?
    } else if with_values {
        if !items.len().is_multiple_of(2) {
            return Err("odd flat pairs".into());
        }
        items
            .chunks(2)
            .map(|p| (p[0].clone(), Some(p[1].clone())))
            .collect()
    } else {
        items.iter().map(|e| (e.clone(), None)).collect()
    };
    let expected_len = if content.is_empty() {
        0
    } else if count < 0 {
        count.unsigned_abs() as usize
    } else {
        (count as usize).min(content.len())
    };
    if picks.len() != expected_len {
        return Err(format!("{} picks, expected {expected_len}", picks.len()));
    }
    for (element, value) in &picks {
        let Frame::Bulk(element) = element else {
            return Err(format!("element {element:?} is not a bulk string"));
        };
        match (content.get(&element[..]), value) {
            (None, _) => return Err(format!("{element:?} is not in the collection")),
            (Some(v), Some(got)) if encoded(v) != encoded(got) => {
                return Err(format!("wrong value for {element:?}: {got:?}, not {v:?}"))
            }
            _ => {}
        }
    }
    if count > 0 {
        let distinct: BTreeSet<Vec<u8>> = picks.iter().map(|(e, _)| encoded(e)).collect();
        if distinct.len() != picks.len() {
            return Err("repeated picks with a positive count".into());
        }
    }
    Ok(())
}

/// The members a SPOP reply popped, or `None` if it popped nothing.
fn popped(frame: &Frame) -> Option<Vec<Bytes>> {
    match frame {
        Frame::Bulk(b) => Some(vec![b.clone()]),
        Frame::Array(items) | Frame::Set(items) if !items.is_empty() => items
            .iter()
            .map(|i| match i {
                Frame::Bulk(b) => Some(b.clone()),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

/// SPOP: both sides popped (maybe different members). Both pops must be
/// the same type and count of distinct members of the set; then Redis is
/// brought to keel's state, following what Redis 7.0 itself does to the
/// set (popping most of a set rebuilds it from the members that stay,
/// which can turn a hash table back into an integer set).
pub(super) fn spop(
    cmd: &[Bytes],
    ours: &Frame,
    theirs: &Frame,
    redis: &mut dyn Side,
) -> Result<(), String> {
    let (Some(k), Some(r)) = (popped(ours), popped(theirs)) else {
        return exact(ours, theirs);
    };
    same_kind(ours, theirs)?;
    if k.len() != r.len() {
        return Err(format!(
            "keel popped {} members, redis {}",
            k.len(),
            r.len()
        ));
    }
    let (ks, rs): (BTreeSet<Bytes>, BTreeSet<Bytes>) =
        (k.iter().cloned().collect(), r.iter().cloned().collect());
    if ks.len() != k.len() || rs.len() != r.len() {
        return Err("a member was popped twice".into());
    }
    if ks == rs {
        return Ok(());
    }
    let key = &cmd[1];
    let after = match redis.call(&args(&[b"SMEMBERS", key])) {
        Frame::Array(items) | Frame::Set(items) => items
            .into_iter()
            .map(|i| match i {
                Frame::Bulk(b) => Ok(b),
                other => Err(format!("SMEMBERS returned {other:?}")),
            })
            .collect::<Result<BTreeSet<Bytes>, String>>()?,
        other => return Err(format!("SMEMBERS returned {other:?}")),
    };
    let before: BTreeSet<Bytes> = after.union(&rs).cloned().collect();
    if let Some(m) = ks.difference(&before).next() {
        return Err(format!("keel popped {m:?}, which is not in the set"));
    }
    let mut sadd = args(&[b"SADD", key]);
    sadd.extend(r.iter().cloned());
    let mut srem = args(&[b"SREM", key]);
    srem.extend(k.iter().cloned());
    if redis.call(&sadd) != Frame::Integer(r.len() as i64)
        || redis.call(&srem) != Frame::Integer(k.len() as i64)
    {
        return Err("could not bring redis to keel's state".into());
    }
    let (size, n) = (before.len(), k.len());
    let rebuilt = cmd.len() == 3 && n < size && (size - n) * 5 <= n;
    if rebuilt {
        let expire_at = redis.call(&args(&[b"PEXPIRETIME", key]));
        let mut sadd = args(&[b"SADD", key]);
        sadd.extend(before.difference(&ks).cloned());
        redis.call(&args(&[b"DEL", key]));
        redis.call(&sadd);
        if let Frame::Integer(at) = expire_at {
            if at > 0 {
                let at = at.to_string();
                redis.call(&args(&[b"PEXPIREAT", key, at.as_bytes()]));
            }
        }
    }
    Ok(())
}
