//! Snapshot tests: round trips, targeted concurrent writes, memory, and
//! helpers shared with `random_tests` (random workloads, hooks that do not
//! change behaviour) and `corrupt_tests` (corrupt input).

use bytes::Bytes;
use resp::Reply;

use super::*;
use crate::types::{Packed, SortedSet};
use crate::{Db, Op, Value};

// ---------------------------------------------------------------------------
// Helpers

/// Every snapshot in these tests finishes within this many chunks (each
/// chunk emits at least one of a bounded number of records): a broken
/// implementation fails instead of looping.
pub(super) const MAX_CHUNKS: usize = 100_000;

/// Pulls every remaining chunk (no writes in between).
pub(super) fn drain(ks: &mut Keyspace, max_bytes: usize) -> Vec<Vec<u8>> {
    let mut chunks = Vec::new();
    while let Some(chunk) = ks.snapshot_chunk(max_bytes) {
        chunks.push(chunk);
        assert!(chunks.len() < MAX_CHUNKS, "the snapshot does not finish");
    }
    chunks
}

/// A full snapshot of `ks` taken with no concurrent writes.
pub(super) fn snapshot_of(ks: &mut Keyspace, max_bytes: usize) -> Vec<Vec<u8>> {
    ks.begin_snapshot().expect("no snapshot running");
    drain(ks, max_bytes)
}

pub(super) fn concat(chunks: &[Vec<u8>]) -> Vec<u8> {
    chunks.concat()
}

/// The expiry index agrees with the entries (restore rebuilds it).
pub(super) fn assert_consistent(ks: &Keyspace) {
    for i in 0..ks.databases() {
        let db = ks.db(i);
        let with_expiry = db.iter().filter(|(_, e)| e.expire_at().is_some()).count();
        assert_eq!(db.expires_len(), with_expiry, "expiry index of db {i}");
        assert!(
            db.iter().all(|(_, e)| !e.value().is_empty_collection()),
            "empty collection in db {i}"
        );
    }
}

pub(super) fn restore_ok(chunks: &[Vec<u8>]) -> Keyspace {
    let ks = Keyspace::restore(chunks).expect("valid snapshot");
    assert_consistent(&ks);
    ks
}

pub(super) fn zset(members: &[(&[u8], f64)]) -> Value {
    let mut sorted = members.to_vec();
    sorted.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(b.0)));
    let mut p = Packed::new();
    for (member, score) in sorted {
        p.push(member);
        p.push(&score.to_le_bytes());
    }
    Value::SortedSet(Box::new(SortedSet::Packed(p)))
}

/// Applies one command as a logged operation.
pub(super) fn run(ks: &mut Keyspace, db: usize, now: u64, args: &[&[u8]]) -> Vec<u8> {
    let op = Op::Command {
        db,
        resp3: false,
        args: args.iter().map(|a| Bytes::copy_from_slice(a)).collect(),
    };
    let mut out = Reply::new(false);
    ks.apply(&op, now, 1, &mut out);
    out.as_bytes().to_vec()
}

/// A keyspace holding every type, with and without expiry, in several
/// databases, including a logically expired key not reclaimed yet.
pub(super) fn sample(now: u64) -> Keyspace {
    let mut ks = Keyspace::new(16);
    for db in 0..16 {
        let d = db.to_string();
        let d = d.as_bytes();
        run(&mut ks, db, now, &[b"SET", b"str", b"hello"]);
        run(&mut ks, db, now, &[b"SET", b"int", d]);
        run(&mut ks, db, now, &[b"RPUSH", b"list", b"a", b"b", d]);
        run(&mut ks, db, now, &[b"HSET", b"hash", b"f", b"v", b"g", d]);
        run(&mut ks, db, now, &[b"SADD", b"intset", b"3", b"1", b"2"]);
        run(&mut ks, db, now, &[b"SADD", b"set", b"x", b"y", d]);
        run(&mut ks, db, now, &[b"SET", b"ttl", b"v", b"PX", b"100000"]);
        run(&mut ks, db, now, &[b"SET", b"short", b"v", b"PX", b"10"]);
        ks.db_mut(db).insert(
            b"zset",
            zset(&[(&b"m1"[..], 1.5), (&b"m0"[..], -2.0), (d, 0.0)]),
        );
    }
    ks
}

// ---------------------------------------------------------------------------
// Round trips without concurrent writes

#[test]
fn the_documented_example_is_exact() {
    // docs/design/snapshot.md, "Keyspace snapshot contents", "Example".
    let mut ks = Keyspace::new(2);
    run(&mut ks, 1, 1000, &[b"SET", b"k", b"hi"]);
    let chunks = snapshot_of(&mut ks, 1 << 20);
    assert_eq!(chunks.len(), 1);
    let expected: &[u8] = &[
        0x4B, 0x45, 0x45, 0x4C, 0x4B, 0x45, 0x59, 0x53, // magic
        0x03, 0x00, 0x00, 0x00, // version
        0x01, 0x08, 0x02, 0xE8, 0x07, 0x01, 0x00, 0x00, 0x00, 0x00, // header
        0x02, 0x08, 0x01, 0x01, 0x6B, 0x00, 0x01, 0x02, 0x68, 0x69, // entry
        0x03, 0x01, 0x01, // end
    ];
    assert_eq!(chunks[0], expected);
    assert_eq!(expected.len(), 35);
    // The same state as version 2 (no scripting state in the header) and
    // version 1 (no large records either) still loads.
    let v2: &[u8] = &[
        0x4B, 0x45, 0x45, 0x4C, 0x4B, 0x45, 0x59, 0x53, // magic
        0x02, 0x00, 0x00, 0x00, // version
        0x01, 0x06, 0x02, 0xE8, 0x07, 0x01, 0x00, 0x00, // header
        0x02, 0x08, 0x01, 0x01, 0x6B, 0x00, 0x01, 0x02, 0x68, 0x69, // entry
        0x03, 0x01, 0x01, // end
    ];
    assert!(restore_ok(&[v2.to_vec()]).logically_equal(&ks));
    let mut v1 = v2.to_vec();
    v1[8] = 1;
    assert!(restore_ok(&[v1]).logically_equal(&ks));
}

#[test]
fn empty_keyspace_round_trips_in_one_chunk() {
    let mut ks = Keyspace::new(16);
    let chunks = snapshot_of(&mut ks, 1 << 20);
    assert_eq!(chunks.len(), 1);
    assert!(chunks[0].starts_with(&MAGIC));
    assert!(!ks.snapshot_in_progress());
    assert_eq!(ks.snapshot_chunk(100), None);
    let restored = restore_ok(&chunks);
    assert!(restored.logically_equal(&ks));
    assert_eq!(restored, ks);
}

#[test]
fn all_databases_and_types_round_trip_with_any_chunk_size() {
    let now = 1_000_000;
    let mut ks = sample(now);
    // Bookkeeping: a clock, a sequence number and watches.
    let watch = Op::Watch {
        session: 7,
        keys: vec![(0, Bytes::from("str")), (3, Bytes::from("nokey"))],
    };
    ks.apply(&watch, now + 20, 0, &mut Reply::new(false));
    // `short` is now expired but not reclaimed: it is state, and emitted.
    assert!(!ks.db(5).contains(b"short", now + 20));
    assert_eq!(ks.db(5).len(), 9);
    for max in [0, 1, 7, 100, 1000, usize::MAX] {
        let chunks = snapshot_of(&mut ks, max);
        let restored = restore_ok(&chunks);
        assert!(restored.logically_equal(&ks), "max_bytes {max}");
        assert_eq!(restored.db(5).len(), 9);
        assert_eq!(
            restored.db(5).ttl(b"short", 0),
            crate::KeyTtl::ExpiresAt(now + 10)
        );
        for i in 0..16 {
            assert_eq!(restored.db(i).get(b"zset", now), ks.db(i).get(b"zset", now));
        }
        if max <= 1 {
            // One record per chunk (the first also has the header, the
            // last the end record).
            assert_eq!(chunks.len(), 16 * 9);
        }
    }
    // The restored keyspace behaves the same under further writes.
    let mut restored = restore_ok(&snapshot_of(&mut ks, 64));
    let tx = Op::Transaction {
        session: 7,
        resp3: false,
        commands: vec![(
            0,
            vec![Bytes::from("SET"), Bytes::from("a"), Bytes::from("1")],
        )],
    };
    for ks in [&mut ks, &mut restored] {
        run(ks, 0, now + 30, &[b"SET", b"str", b"changed"]);
        let mut out = Reply::new(false);
        let outcome = ks.apply(&tx, now + 30, 0, &mut out);
        assert_eq!(outcome.transaction, None, "WATCH survives the snapshot");
    }
    assert!(restored.logically_equal(&ks));
}

#[test]
fn chunks_are_bounded_and_any_split_of_the_bytes_restores() {
    let mut ks = sample(0);
    for i in 0..500 {
        let k = format!("key:{i}");
        run(&mut ks, i % 3, 0, &[b"SET", k.as_bytes(), &[b'v'; 40]]);
    }
    let chunks = snapshot_of(&mut ks, 256);
    for chunk in &chunks[..chunks.len() - 1] {
        // At most max_bytes plus one record (here < 200 bytes).
        assert!(chunk.len() < 256 + 200, "chunk of {} bytes", chunk.len());
    }
    let bytes = concat(&chunks);
    let whole = restore_ok(std::slice::from_ref(&bytes));
    assert!(whole.logically_equal(&ks));
    let bytewise: Vec<&[u8]> = bytes.chunks(1).collect();
    assert!(Keyspace::restore(bytewise).unwrap().logically_equal(&ks));
    let odd: Vec<&[u8]> = bytes.chunks(13).collect();
    assert!(Keyspace::restore(odd).unwrap().logically_equal(&ks));
}

#[test]
fn a_second_begin_is_refused_and_abort_releases_everything() {
    let mut ks = sample(0);
    ks.begin_snapshot().unwrap();
    assert_eq!(ks.begin_snapshot(), Err(SnapshotInProgress));
    let first = ks.snapshot_chunk(10).unwrap();
    run(&mut ks, 0, 0, &[b"DEL", b"str", b"list"]);
    run(&mut ks, 1, 0, &[b"FLUSHDB"]);
    let stats = ks.snapshot_stats().unwrap();
    assert!(stats.pending_bytes > 0 && stats.detached_entries > 0);
    ks.abort_snapshot();
    assert!(!ks.snapshot_in_progress());
    assert_eq!(ks.snapshot_stats(), None);
    assert_eq!(ks.snapshot_chunk(10), None);
    for i in 0..16 {
        assert!(ks.db(i).snapshot().is_none());
    }
    // A partial snapshot does not restore.
    assert!(Keyspace::restore([first]).is_err());
    // A new snapshot starts from scratch.
    let restored = restore_ok(&snapshot_of(&mut ks, 50));
    assert!(restored.logically_equal(&ks));
}

// ---------------------------------------------------------------------------
// Targeted concurrent writes

/// Database 0 with `n` string keys `k0..k{n}` whose values are their index.
fn numbered(n: usize) -> Keyspace {
    let mut ks = Keyspace::new(4);
    for i in 0..n {
        let k = format!("k{i}");
        ks.db_mut(0).insert(k.as_bytes(), Value::Int(i as i64));
    }
    ks
}

/// Takes a snapshot of `ks`, calling `write` before every chunk of
/// `max_bytes`, and checks it against the state at the start.
fn check_under_writes(
    mut ks: Keyspace,
    max_bytes: usize,
    mut write: impl FnMut(&mut Keyspace, usize),
) {
    let expected = ks.clone();
    ks.begin_snapshot().unwrap();
    let mut chunks = Vec::new();
    let mut step = 0;
    loop {
        write(&mut ks, step);
        step += 1;
        match ks.snapshot_chunk(max_bytes) {
            Some(chunk) => chunks.push(chunk),
            None => break,
        }
        assert!(chunks.len() < MAX_CHUNKS, "the snapshot does not finish");
    }
    let restored = restore_ok(&chunks);
    assert!(
        restored.logically_equal(&expected),
        "restored {:?}\nexpected {:?}",
        restored.db(0),
        expected.db(0)
    );
}

#[test]
fn deleting_unvisited_keys_moves_new_and_visited_keys_without_duplicates() {
    // Every step: delete the first (unvisited) key, which moves the last
    // entry — visited or new — into the unvisited region, and create a new
    // key.
    check_under_writes(numbered(50), 0, |ks, step| {
        let db = ks.db_mut(0);
        let first = db.iter().next().map(|(k, _)| k.to_vec());
        if let Some(first) = first {
            db.remove(&first, 0);
        }
        db.insert(format!("new{step}").as_bytes(), Value::Int(-1));
    });
}

#[test]
fn removals_before_anything_is_visited_keep_unvisited_keys() {
    // Removals while the cursor is at the end move unvisited keys.
    let mut ks = numbered(20);
    let expected = ks.clone();
    ks.begin_snapshot().unwrap();
    for i in [3, 19, 0, 7] {
        ks.db_mut(0).remove(format!("k{i}").as_bytes(), 0);
    }
    ks.db_mut(0).insert(b"k3", Value::Int(33));
    let chunks = drain(&mut ks, 0);
    assert!(restore_ok(&chunks).logically_equal(&expected));
}

#[test]
fn in_place_changes_emit_the_pre_image_once() {
    let mut ks = numbered(30);
    let expected = ks.clone();
    ks.begin_snapshot().unwrap();
    let mut chunks = vec![ks.snapshot_chunk(0).unwrap()];
    for round in 0..3 {
        for i in 0..30 {
            let k = format!("k{i}");
            run(&mut ks, 0, 0, &[b"INCRBY", k.as_bytes(), b"100"]);
            run(&mut ks, 0, 0, &[b"PEXPIRE", k.as_bytes(), b"100000"]);
            if round == 2 {
                run(&mut ks, 0, 0, &[b"SET", k.as_bytes(), b"x", b"KEEPTTL"]);
            }
        }
        chunks.push(ks.snapshot_chunk(0).unwrap());
    }
    let stats = ks.snapshot_stats().unwrap();
    assert!(stats.done_keys <= 30);
    chunks.extend(drain(&mut ks, 0));
    let restored = restore_ok(&chunks);
    assert!(restored.logically_equal(&expected));
}

#[test]
fn flushdb_and_flushall_keep_the_point_in_time_view_without_copying() {
    let mut ks = numbered(100);
    for i in 0..10 {
        ks.db_mut(1)
            .insert(format!("other{i}").as_bytes(), Value::Int(i));
    }
    let expected = ks.clone();
    ks.begin_snapshot().unwrap();
    let mut chunks = vec![ks.snapshot_chunk(200).unwrap()];
    // Change a few unvisited keys, then flush: they must not be emitted
    // twice.
    run(&mut ks, 0, 0, &[b"DEL", b"k1"]);
    run(&mut ks, 0, 0, &[b"SET", b"k2", b"changed"]);
    let before = ks.snapshot_stats().unwrap();
    run(&mut ks, 0, 0, &[b"FLUSHDB"]);
    let after = ks.snapshot_stats().unwrap();
    // The unvisited entries of database 0 moved to the snapshot (minus the
    // two already emitted); nothing was serialised by the flush. Database 1
    // is untouched.
    assert_eq!(after.unvisited, 10);
    assert_eq!(after.detached_entries, before.unvisited - 10 - 2);
    assert_eq!(after.pending_bytes, before.pending_bytes);
    assert_eq!(after.done_keys, 0);
    run(&mut ks, 0, 0, &[b"SET", b"k5", b"after flush"]);
    chunks.push(ks.snapshot_chunk(200).unwrap());
    run(&mut ks, 0, 0, &[b"FLUSHALL"]);
    run(&mut ks, 1, 0, &[b"SET", b"other1", b"after flushall"]);
    chunks.extend(drain(&mut ks, 200));
    assert!(restore_ok(&chunks).logically_equal(&expected));
    assert_eq!(ks.db(0).len(), 0);
    assert_eq!(ks.db(1).len(), 1);
}

#[test]
fn swapdb_move_and_rename_keep_the_point_in_time_view() {
    let mut ks = numbered(40);
    for i in 0..40 {
        ks.db_mut(2)
            .insert(format!("k{i}").as_bytes(), Value::Int(1000 + i));
    }
    check_under_writes(ks, 30, |ks, step| {
        let k = format!("k{}", step % 40);
        let j = format!("k{}", (step * 7 + 3) % 40);
        match step % 5 {
            0 => {
                run(ks, 0, 0, &[b"SWAPDB", b"0", b"2"]);
            }
            1 => {
                run(ks, 0, 0, &[b"MOVE", k.as_bytes(), b"3"]);
            }
            2 => {
                run(ks, 2, 0, &[b"RENAME", k.as_bytes(), j.as_bytes()]);
            }
            3 => {
                run(ks, 0, 0, &[b"SWAPDB", b"1", b"0"]);
            }
            _ => {
                run(ks, 1, 0, &[b"RPUSH", k.as_bytes(), b"x"]);
            }
        }
    });
}

#[test]
fn emptied_collections_and_reclaimed_expired_keys_are_pre_images() {
    let mut ks = Keyspace::new(2);
    for i in 0..20 {
        let k = format!("l{i}");
        run(&mut ks, 0, 0, &[b"RPUSH", k.as_bytes(), b"a", b"b"]);
        let k = format!("e{i}");
        run(&mut ks, 0, 0, &[b"SET", k.as_bytes(), b"v", b"PX", b"5"]);
    }
    let mut clock = 10;
    check_under_writes(ks, 20, |ks, step| {
        clock += 1;
        let k = format!("l{step}");
        run(ks, 0, clock, &[b"LPOP", k.as_bytes(), b"5"]);
        // Active expiry, as the leader would propose it.
        for (db, keys) in ks.active_expire_candidates(clock, 3) {
            ks.apply(&Op::Expire { db, keys }, clock, 0, &mut Reply::new(false));
        }
    });
}

// ---------------------------------------------------------------------------
// Memory

#[test]
fn a_snapshot_without_writes_holds_nothing_but_the_chunk() {
    let n = 20_000;
    let mut ks = Keyspace::new(16);
    for i in 0..n {
        let k = format!("key:{i:08}");
        ks.db_mut(i % 4)
            .insert(k.as_bytes(), Value::string(&[b'x'; 30]));
    }
    let max = 4096;
    ks.begin_snapshot().unwrap();
    let mut total = 0;
    let mut chunks = 0;
    while let Some(chunk) = ks.snapshot_chunk(max) {
        // A record here is under 50 bytes.
        assert!(chunk.len() < max + 100, "chunk of {} bytes", chunk.len());
        total += chunk.len();
        chunks += 1;
        assert!(chunks < MAX_CHUNKS, "the snapshot does not finish");
        if let Some(stats) = ks.snapshot_stats() {
            assert_eq!(stats.pending_bytes, 0);
            assert_eq!(stats.done_keys, 0);
            assert_eq!(stats.detached_entries, 0);
        }
    }
    assert!(chunks > total / (max + 100));
    assert!(chunks >= n * 40 / (max + 100));
}

#[test]
fn memory_under_writes_is_bounded_by_what_changed() {
    let n = 5_000;
    let mut ks = numbered(n);
    ks.begin_snapshot().unwrap();
    ks.snapshot_chunk(1000).unwrap();
    // Overwrite 100 keys twice and create 1000: only the 100 pre-images
    // (and their marks) are kept.
    for round in 0..2 {
        for i in 0..100 {
            let k = format!("k{i}");
            run(&mut ks, 0, 0, &[b"SET", k.as_bytes(), b"new"]);
        }
        for i in 0..500 {
            let k = format!("new{round}:{i}");
            run(&mut ks, 0, 0, &[b"SET", k.as_bytes(), b"new"]);
        }
    }
    let stats = ks.snapshot_stats().unwrap();
    assert_eq!(stats.done_keys, 100);
    assert!(stats.pending_bytes < 100 * 20, "{stats:?}");
    drain(&mut ks, 1000);
}

// ---------------------------------------------------------------------------
// Comparison and sizes

#[test]
fn logically_equal_ignores_key_order_but_not_values() {
    let mut a = Keyspace::new(2);
    let mut b = Keyspace::new(2);
    a.db_mut(0).insert(b"x", Value::Int(1));
    a.db_mut(0).insert(b"y", Value::Int(2));
    b.db_mut(0).insert(b"y", Value::Int(2));
    b.db_mut(0).insert(b"x", Value::Int(1));
    assert!(a.logically_equal(&b));
    assert_ne!(a, b);
    b.db_mut(0).set_expiry(b"x", Some(5), 0);
    assert!(!a.logically_equal(&b));
    b.db_mut(0).set_expiry(b"x", None, 0);
    assert!(a.logically_equal(&b));
    // Collection order is state.
    run(&mut a, 1, 0, &[b"RPUSH", b"l", b"1", b"2"]);
    run(&mut b, 1, 0, &[b"RPUSH", b"l", b"2", b"1"]);
    assert!(!a.logically_equal(&b));
    let c = Keyspace::new(3);
    assert!(!Keyspace::new(2).logically_equal(&c));
}

#[test]
fn gates_keep_entry_small() {
    assert_eq!(std::mem::size_of::<Entry>(), 40);
    // One pointer per database for the snapshot progress.
    assert!(std::mem::size_of::<Db>() <= 128);
}
