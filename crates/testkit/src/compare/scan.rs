//! SCAN, SSCAN, HSCAN and ZSCAN.
//!
//! A collection stored in an ordered encoding (`listpack`, `intset`) is
//! returned whole, in storage order, whatever the cursor: such replies must
//! be identical. Otherwise cursors are implementation-defined, so a page
//! is only compared directly when it is a whole iteration (from cursor 0
//! to cursor 0 on both sides), as a multiset of elements (or of pairs).
//! In every other case both sides iterate from cursor 0 with the same
//! options to the end, must see the same elements, and each page must hold
//! elements of its side's iteration.
//!
//! `SCAN ... TYPE none` is special: no key has that type, but Redis lists
//! the expired keys it had not deleted yet; keel must list none, and the
//! keys Redis listed must not exist.

use std::collections::BTreeSet;

use bytes::Bytes;
use resp::Frame;

use super::rules::{unordered, unordered_pairs};
use super::{encoded, encoding_of, exact, Side};

/// Every element (or pair) a whole iteration returned.
type Seen = BTreeSet<Vec<Vec<u8>>>;

/// True if `cmd` (a SCAN) filters on type `none`.
fn type_none(cmd: &[Bytes]) -> bool {
    cmd.windows(2)
        .any(|w| w[0].eq_ignore_ascii_case(b"type") && w[1].eq_ignore_ascii_case(b"none"))
}

/// The cursor and the items of a SCAN-family reply.
fn page(reply: &Frame) -> Result<(&[u8], &[Frame]), String> {
    match reply {
        Frame::Array(parts) => match &parts[..] {
            [Frame::Bulk(cursor), Frame::Array(items)] => Ok((cursor, items)),
            _ => Err("is not a [cursor, items] reply".into()),
        },
        _ => Err("is not a [cursor, items] reply".into()),
    }
}

fn chunks(items: &[Frame], pairs: bool) -> Result<Vec<Vec<Vec<u8>>>, String> {
    let step = if pairs { 2 } else { 1 };
    if !items.len().is_multiple_of(step) {
        return Err("holds an odd number of items for pairs".into());
    }
    Ok(items
        .chunks(step)
        .map(|c| c.iter().map(encoded).collect())
        .collect())
}

pub(super) fn check(
    cmd: &[Bytes],
    cursor_at: usize,
    pairs: bool,
    ours: &Frame,
    theirs: &Frame,
    keel: &mut dyn Side,
    redis: &mut dyn Side,
) -> Result<(), String> {
    let (our_cursor, our_items) = page(ours).map_err(|e| format!("keel's reply {e}"))?;
    let (their_cursor, their_items) = page(theirs).map_err(|e| format!("redis's reply {e}"))?;
    if exact(ours, theirs).is_ok() {
        return Ok(());
    }
    if cursor_at == 1 && type_none(cmd) {
        // No key has type "none": Redis lists expired keys it had not
        // reclaimed yet (and deletes them on the way).
        if !our_items.is_empty() {
            return Err("keel lists keys of type none".into());
        }
        for key in their_items {
            let Frame::Bulk(key) = key else {
                return Err("redis listed a key that is not a bulk string".into());
            };
            let exists = [Bytes::from_static(b"EXISTS"), key.clone()];
            if redis.call(&exists) != Frame::Integer(0) {
                return Err(format!("redis lists an existing key {key:?} as type none"));
            }
        }
        return Ok(());
    }
    if cursor_at == 2 {
        if let Some(encoding) = encoding_of(redis, &cmd[1]) {
            if encoding == "listpack" || encoding == "intset" {
                return Err(format!(
                    "differ (the key is {encoding}-encoded: order matters)"
                ));
            }
        }
    }
    let from_start = cmd[cursor_at].iter().all(|c| *c == b'0');
    if from_start && our_cursor == b"0" && their_cursor == b"0" {
        let (a, b) = (
            Frame::Array(our_items.to_vec()),
            Frame::Array(their_items.to_vec()),
        );
        return if pairs {
            unordered_pairs(&a, &b)
        } else {
            unordered(&a, &b)
        };
    }
    let ours_all = iterate(keel, cmd, cursor_at, pairs).map_err(|e| format!("keel: {e}"))?;
    let theirs_all = iterate(redis, cmd, cursor_at, pairs).map_err(|e| format!("redis: {e}"))?;
    if ours_all != theirs_all {
        let missing: Vec<_> = theirs_all.difference(&ours_all).take(5).collect();
        let extra: Vec<_> = ours_all.difference(&theirs_all).take(5).collect();
        return Err(format!(
            "whole iterations from cursor 0 differ: keel misses {} ({missing:?}...), has {} more ({extra:?}...)",
            theirs_all.difference(&ours_all).count(),
            ours_all.difference(&theirs_all).count(),
        ));
    }
    for (who, items, all) in [
        ("keel", our_items, &ours_all),
        ("redis", their_items, &theirs_all),
    ] {
        if chunks(items, pairs)?.iter().any(|c| !all.contains(c)) {
            return Err(format!(
                "{who}'s page holds elements its iteration does not"
            ));
        }
    }
    Ok(())
}

/// Iterates `cmd` from cursor 0 to the end on `side`.
fn iterate(
    side: &mut dyn Side,
    cmd: &[Bytes],
    cursor_at: usize,
    pairs: bool,
) -> Result<Seen, String> {
    let mut cmd = cmd.to_vec();
    cmd[cursor_at] = Bytes::from_static(b"0");
    let mut seen = Seen::new();
    for _ in 0..100_000 {
        let reply = side.call(&cmd);
        let (cursor, items) = page(&reply).map_err(|e| format!("reply {e}: {reply:?}"))?;
        seen.extend(chunks(items, pairs)?);
        if cursor == b"0" {
            return Ok(seen);
        }
        cmd[cursor_at] = Bytes::copy_from_slice(cursor);
    }
    Err("the iteration did not finish".into())
}
