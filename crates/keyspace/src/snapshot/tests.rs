//! Snapshot tests: point-in-time under concurrent writes (random and
//! targeted), hooks that do not change behaviour, corrupt input, memory.

use bytes::Bytes;
use proptest::prelude::*;
use rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use resp::{Frame, Reply};
use testkit::gen::{self, Gen};

use super::*;
use crate::table;
use crate::types::{Packed, SortedSet};
use crate::{Ctx, Db, Op};

// ---------------------------------------------------------------------------
// Helpers

/// Every snapshot in these tests finishes within this many chunks (each
/// chunk emits at least one of a bounded number of records): a broken
/// implementation fails instead of looping.
const MAX_CHUNKS: usize = 100_000;

/// Pulls every remaining chunk (no writes in between).
fn drain(ks: &mut Keyspace, max_bytes: usize) -> Vec<Vec<u8>> {
    let mut chunks = Vec::new();
    while let Some(chunk) = ks.snapshot_chunk(max_bytes) {
        chunks.push(chunk);
        assert!(chunks.len() < MAX_CHUNKS, "the snapshot does not finish");
    }
    chunks
}

/// A full snapshot of `ks` taken with no concurrent writes.
fn snapshot_of(ks: &mut Keyspace, max_bytes: usize) -> Vec<Vec<u8>> {
    ks.begin_snapshot().expect("no snapshot running");
    drain(ks, max_bytes)
}

fn concat(chunks: &[Vec<u8>]) -> Vec<u8> {
    chunks.concat()
}

/// The expiry index agrees with the entries (restore rebuilds it).
fn assert_consistent(ks: &Keyspace) {
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

fn restore_ok(chunks: &[Vec<u8>]) -> Keyspace {
    let ks = Keyspace::restore(chunks).expect("valid snapshot");
    assert_consistent(&ks);
    ks
}

fn zset(members: &[(&[u8], f64)]) -> Value {
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
fn run(ks: &mut Keyspace, db: usize, now: u64, args: &[&[u8]]) -> Vec<u8> {
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
fn sample(now: u64) -> Keyspace {
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
        0x01, 0x00, 0x00, 0x00, // version
        0x01, 0x06, 0x02, 0xE8, 0x07, 0x01, 0x00, 0x00, // header
        0x02, 0x08, 0x01, 0x01, 0x6B, 0x00, 0x01, 0x02, 0x68, 0x69, // entry
        0x03, 0x01, 0x01, // end
    ];
    assert_eq!(chunks[0], expected);
    assert_eq!(expected.len(), 33);
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
// Random workloads

/// Key groups: the generators' six keys times this many.
const GROUPS: u64 = 30;

/// Two keyspaces that receive the same writes: `live` has the snapshot
/// running, `control` never does.
struct World {
    live: Keyspace,
    control: Keyspace,
    rng: Xoshiro256PlusPlus,
    gen: Gen,
    families: Vec<(&'static str, gen::Family)>,
    db: usize,
    now: u64,
    seed: u64,
    session: u64,
}

impl World {
    fn new(seed: u64) -> World {
        World {
            live: Keyspace::new(16),
            control: Keyspace::new(16),
            rng: Xoshiro256PlusPlus::seed_from_u64(seed),
            gen: Gen::new(seed),
            families: gen::families(),
            db: 0,
            now: 1_700_000_000_000,
            seed: 0,
            session: 0,
        }
    }

    fn below(&mut self, n: u64) -> u64 {
        self.rng.next_u64() % n.max(1)
    }

    /// One of 180 keys per database; `k0`..`k5` of the generators are
    /// spread over the same groups so that snapshots see many keys.
    fn key(&mut self) -> Vec<u8> {
        format!("k{}:{}", self.below(6), self.below(GROUPS)).into_bytes()
    }

    /// Applies `op` to both keyspaces and checks they answer the same.
    fn apply(&mut self, op: &Op) {
        self.seed += 1;
        let (mut a, mut b) = (Reply::new(false), Reply::new(false));
        let oa = self.live.apply(op, self.now, self.seed, &mut a);
        let ob = self.control.apply(op, self.now, self.seed, &mut b);
        assert_eq!(a.as_bytes(), b.as_bytes(), "reply to {op:?}");
        assert_eq!(oa, ob, "outcome of {op:?}");
    }

    fn command(&mut self, args: Vec<Vec<u8>>) {
        if args[0].eq_ignore_ascii_case(b"select") {
            if let Some(db) = std::str::from_utf8(&args[1])
                .ok()
                .and_then(|s| s.parse::<usize>().ok())
                .filter(|db| *db < 16)
            {
                self.db = db;
            }
            return;
        }
        let args = args
            .into_iter()
            .map(|a| Bytes::from(self.resolve_dump(a)))
            .collect();
        self.apply(&Op::Command {
            db: self.db,
            resp3: false,
            args,
        });
    }

    /// The generators' `$DUMP:<key>` stands for that key's DUMP payload.
    fn resolve_dump(&self, arg: Vec<u8>) -> Vec<u8> {
        let Some(key) = arg.strip_prefix(b"$DUMP:") else {
            return arg;
        };
        let args = [Bytes::from_static(b"DUMP"), Bytes::copy_from_slice(key)];
        let spec = table::resolve(&args).expect("DUMP exists");
        let mut ctx = Ctx::new(self.db, self.now, 0);
        let mut out = Reply::new(false);
        self.control.read(spec, &mut ctx, &args, &mut out);
        match resp::decode(out.as_bytes()) {
            Ok(Some((Frame::Bulk(payload), _))) => payload.to_vec(),
            _ => Vec::new(),
        }
    }

    /// A family generator's command with its keys spread over groups.
    fn family_command(&mut self) -> Vec<Vec<u8>> {
        let index = self.below(self.families.len() as u64) as usize;
        let mut args = (self.families[index].1)(&mut self.gen);
        let group = self.below(GROUPS);
        for arg in &mut args[1..] {
            let is_key = |a: &[u8]| a.len() == 2 && a[0] == b'k' && (b'0'..=b'5').contains(&a[1]);
            if is_key(arg) {
                arg.extend_from_slice(format!(":{group}").as_bytes());
            } else if let Some(key) = arg.strip_prefix(b"$DUMP:") {
                if is_key(key) {
                    arg.extend_from_slice(format!(":{group}").as_bytes());
                }
            }
        }
        args
    }

    /// One random write (or read) step.
    fn step(&mut self) {
        self.now += self.below(30);
        let k = self.key();
        let r = self.below(100);
        match r {
            0..=54 => {
                let args = self.family_command();
                self.command(args);
            }
            55..=59 => {
                let ms = (1 + self.below(300)).to_string();
                self.command(vec![b"PEXPIRE".to_vec(), k, ms.into_bytes()]);
            }
            60..=63 => {
                let n = 1 + self.below(4);
                let mut args = vec![b"DEL".to_vec()];
                for _ in 0..n {
                    args.push(self.key());
                }
                self.command(args);
            }
            64..=66 => {
                let to = self.key();
                self.command(vec![b"RENAME".to_vec(), k, to]);
            }
            67..=69 => {
                let db = self.below(16).to_string().into_bytes();
                self.command(vec![b"MOVE".to_vec(), k, db]);
            }
            70..=71 => {
                let (a, b) = (self.below(16), self.below(16));
                self.command(vec![
                    b"SWAPDB".to_vec(),
                    a.to_string().into_bytes(),
                    b.to_string().into_bytes(),
                ]);
            }
            72 if self.below(3) == 0 => self.command(vec![b"FLUSHDB".to_vec()]),
            73 if self.below(10) == 0 => self.command(vec![b"FLUSHALL".to_vec()]),
            74..=76 => self.db = self.below(16) as usize,
            77..=79 => {
                // Collection mutations that may empty the key.
                let n = (1 + self.below(3)).to_string().into_bytes();
                let name: &[u8] = match self.below(3) {
                    0 => b"LPOP",
                    1 => b"SPOP",
                    _ => b"RPOP",
                };
                self.command(vec![name.to_vec(), k, n]);
            }
            80..=82 => {
                let field = format!("f{}", self.below(8)).into_bytes();
                self.command(vec![b"HDEL".to_vec(), k, field]);
            }
            83..=85 => {
                // Sorted sets have no commands yet: write them directly.
                let n = 1 + self.below(4);
                let members: Vec<(Vec<u8>, f64)> = (0..n)
                    .map(|i| (format!("m{i}").into_bytes(), self.below(10) as f64 - 5.0))
                    .collect();
                let refs: Vec<(&[u8], f64)> = members.iter().map(|(m, s)| (&m[..], *s)).collect();
                let value = zset(&refs);
                let expire = (self.below(3) == 0).then(|| self.now + self.below(500));
                for ks in [&mut self.live, &mut self.control] {
                    ks.db_mut(self.db)
                        .insert_with_expiry(&k, value.clone(), expire);
                }
            }
            86..=88 => {
                let candidates = self.live.active_expire_candidates(self.now, 5);
                assert_eq!(
                    candidates,
                    self.control.active_expire_candidates(self.now, 5)
                );
                for (db, keys) in candidates {
                    self.apply(&Op::Expire { db, keys });
                }
            }
            89..=91 => {
                self.session = self.below(4);
                let keys = (0..1 + self.below(3))
                    .map(|_| (self.below(3) as usize, Bytes::from(self.key())))
                    .collect();
                self.apply(&Op::Watch {
                    session: self.session,
                    keys,
                });
            }
            92 => {
                let session = self.below(4);
                self.apply(&Op::Unwatch { session });
            }
            93..=95 => {
                let session = self.below(4);
                let commands = (0..1 + self.below(3))
                    .map(|_| {
                        let args = self.family_command();
                        (
                            self.below(3) as usize,
                            args.into_iter().map(Bytes::from).collect(),
                        )
                    })
                    .filter(|(_, args): &(usize, Vec<Bytes>)| {
                        !args[0].eq_ignore_ascii_case(b"select")
                            && !args.iter().any(|a| a.starts_with(b"$DUMP:"))
                    })
                    .collect();
                self.apply(&Op::Transaction {
                    session,
                    resp3: false,
                    commands,
                });
            }
            _ => {
                let big = (0..50 + self.below(200))
                    .map(|i| format!("member{i}").into_bytes())
                    .collect::<Vec<_>>();
                let name: &[u8] = if self.below(2) == 0 {
                    b"SADD"
                } else {
                    b"RPUSH"
                };
                let mut args = vec![name.to_vec(), k];
                args.extend(big);
                self.command(args);
            }
        }
    }

    fn chunk_size(&mut self) -> usize {
        match self.below(100) {
            0..=19 => 0,
            20..=94 => self.below(150) as usize,
            95..=98 => self.below(2000) as usize,
            _ => 1 << 16,
        }
    }

    /// Creates (or overwrites) one key of a random type, with a random
    /// expiry sometimes, in a random database.
    fn populate(&mut self) {
        self.db = self.below(16) as usize;
        let k = self.key();
        let n = 1 + self.below(5);
        let items = |w: &mut World, ints: bool| -> Vec<Vec<u8>> {
            (0..n)
                .map(|_| match ints {
                    true => w.below(1000).to_string().into_bytes(),
                    false => w.key(),
                })
                .collect()
        };
        let mut args = match self.below(6) {
            0 => vec![b"SET".to_vec(), k.clone(), self.key()],
            1 => vec![
                b"SET".to_vec(),
                k.clone(),
                self.below(1000).to_string().into_bytes(),
            ],
            2 => [vec![b"RPUSH".to_vec(), k.clone()], items(self, false)].concat(),
            3 => {
                let ints = self.below(2) == 0;
                [vec![b"SADD".to_vec(), k.clone()], items(self, ints)].concat()
            }
            4 => {
                let mut args = vec![b"HSET".to_vec(), k.clone()];
                for field in items(self, false) {
                    args.push(field);
                    args.push(self.key());
                }
                args
            }
            _ => {
                let value = zset(&[(&b"a"[..], 1.0), (&b"b"[..], self.below(5) as f64)]);
                for ks in [&mut self.live, &mut self.control] {
                    ks.db_mut(self.db).insert(&k, value.clone());
                }
                return;
            }
        };
        self.command(std::mem::take(&mut args));
        match self.below(6) {
            0 => {
                let ms = (1 + self.below(2000)).to_string().into_bytes();
                self.command(vec![b"PEXPIRE".to_vec(), k, ms]);
            }
            1 => {
                let s = (100 + self.below(2000)).to_string().into_bytes();
                self.command(vec![b"EXPIRE".to_vec(), k, s]);
            }
            _ => {}
        }
    }
}

/// What a random run exercised (printed with `SNAPSHOT_TEST_TRACE=1`).
#[derive(Debug, Default)]
struct Trace {
    keys: usize,
    writes: usize,
    chunks: usize,
    max_pending: usize,
    max_done: usize,
    max_detached: usize,
}

/// Builds a random keyspace, snapshots it while random writes run between
/// chunks, and checks that the snapshot is the state at `begin_snapshot`
/// and that the snapshot changed nothing else (replies, outcomes and the
/// exact state, key order included, match a keyspace that never ran one).
fn random_snapshot_under_writes(
    seed: u64,
    populate: usize,
    initial: usize,
    writes: usize,
) -> Trace {
    let mut w = World::new(seed);
    for i in 0..populate + initial {
        if i < populate {
            w.populate();
        } else {
            w.step();
        }
    }
    assert_eq!(w.live, w.control);
    let expected = w.live.clone();
    let mut trace = Trace {
        keys: (0..16).map(|i| expected.db(i).len()).sum(),
        ..Trace::default()
    };
    w.live.begin_snapshot().unwrap();
    let mut chunks = Vec::new();
    while w.live.snapshot_in_progress() {
        if trace.writes < writes && w.below(8) != 0 {
            w.step();
            trace.writes += 1;
        } else {
            let max = w.chunk_size();
            chunks.push(w.live.snapshot_chunk(max).expect("in progress"));
            assert!(chunks.len() < MAX_CHUNKS, "the snapshot does not finish");
        }
        if let Some(stats) = w.live.snapshot_stats() {
            // Marks only exist for keys in unvisited regions.
            assert!(stats.done_keys <= stats.unvisited, "{stats:?}");
            trace.max_pending = trace.max_pending.max(stats.pending_bytes);
            trace.max_done = trace.max_done.max(stats.done_keys);
            trace.max_detached = trace.max_detached.max(stats.detached_entries);
        }
    }
    trace.chunks = chunks.len();
    // The hooks are off now: more writes still agree.
    for _ in 0..20 {
        w.step();
    }
    assert_eq!(
        w.live, w.control,
        "seed {seed}: the snapshot changed the live state"
    );
    for i in 0..16 {
        assert!(w.live.db(i).snapshot().is_none());
    }
    let restored = restore_ok(&chunks);
    assert!(
        restored.logically_equal(&expected),
        "seed {seed}: restored state differs from the state at begin_snapshot"
    );
    // The same bytes split differently restore the same state.
    let bytes = concat(&chunks);
    let cut = (w.below(bytes.len() as u64) as usize).min(bytes.len());
    let (a, b) = bytes.split_at(cut);
    assert!(Keyspace::restore([a, b])
        .unwrap()
        .logically_equal(&expected));
    if std::env::var_os("SNAPSHOT_TEST_TRACE").is_some() {
        eprintln!("seed {seed}: {trace:?}");
    }
    trace
}

/// Random cases per run; `KEEL_SNAPSHOT_CASES=n` runs more (longer soaks).
fn random_cases() -> u32 {
    std::env::var("KEEL_SNAPSHOT_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(32)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(random_cases()))]

    #[test]
    fn snapshot_is_point_in_time_under_random_writes(
        seed in any::<u64>(),
        populate in 0usize..1500,
        initial in 0usize..300,
        writes in 0usize..1500,
    ) {
        random_snapshot_under_writes(seed, populate, initial, writes);
    }
}

#[test]
fn snapshot_under_random_writes_fixed_seeds() {
    let mut total = Trace::default();
    for seed in 0..6 {
        let t = random_snapshot_under_writes(seed, 1000, 200, 1500);
        total.keys += t.keys;
        total.writes += t.writes;
        total.max_pending = total.max_pending.max(t.max_pending);
        total.max_done = total.max_done.max(t.max_done);
        total.max_detached = total.max_detached.max(t.max_detached);
    }
    // The workload does exercise every mechanism.
    assert!(total.keys > 1000, "{total:?}");
    assert!(
        total.max_pending > 0 && total.max_done > 0 && total.max_detached > 0,
        "{total:?}"
    );
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
// Corrupt input

fn valid_snapshot() -> (Keyspace, Vec<u8>) {
    let mut ks = sample(0);
    let watch = Op::Watch {
        session: 1,
        keys: vec![(0, Bytes::from("str"))],
    };
    ks.apply(&watch, 1, 0, &mut Reply::new(false));
    let bytes = concat(&snapshot_of(&mut ks, 100));
    (ks, bytes)
}

#[test]
fn every_truncation_is_rejected() {
    let (_, bytes) = valid_snapshot();
    for len in 0..bytes.len() {
        assert!(
            Keyspace::restore([&bytes[..len]]).is_err(),
            "truncated to {len} bytes"
        );
    }
    // Lost bytes in the middle, at every record boundary and elsewhere.
    for cut in (12..bytes.len()).step_by(7) {
        let mut damaged = bytes[..cut].to_vec();
        damaged.extend_from_slice(&bytes[cut + 1..]);
        let _ = Keyspace::restore([damaged]);
    }
}

#[test]
fn trailing_data_and_repeated_chunks_are_rejected() {
    let (_, bytes) = valid_snapshot();
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(
        Keyspace::restore([longer]).unwrap_err(),
        CodecError("data after the end record")
    );
    assert!(Keyspace::restore([&bytes, &bytes]).is_err());
    let mut ks = sample(0);
    ks.begin_snapshot().unwrap();
    let mut chunks = drain(&mut ks, 40);
    // A lost chunk in the middle is caught by the record count.
    chunks.remove(chunks.len() / 2);
    assert!(Keyspace::restore(&chunks).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn flipped_bytes_never_panic(flips in proptest::collection::vec((any::<usize>(), 1u8..=255), 1..4)) {
        let (ks, mut bytes) = valid_snapshot();
        for (at, x) in flips {
            let at = at % bytes.len();
            bytes[at] ^= x;
        }
        if let Ok(restored) = Keyspace::restore([&bytes]) {
            assert_consistent(&restored);
            // A flip may land in a value and still decode; then it is a
            // different but well-formed state.
            let _ = restored.logically_equal(&ks);
        }
    }

    #[test]
    fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut with_magic = MAGIC.to_vec();
        with_magic.extend_from_slice(&VERSION.to_le_bytes());
        with_magic.extend_from_slice(&bytes);
        let _ = Keyspace::restore([&bytes]);
        let _ = Keyspace::restore([&with_magic]);
    }
}

/// Magic, version and a header record for `databases` databases.
fn prefix(databases: u64) -> Vec<u8> {
    let mut buf = MAGIC.to_vec();
    buf.extend_from_slice(&VERSION.to_le_bytes());
    write_frame(&mut buf, TAG_HEADER, |w| {
        w.varint(databases);
        w.varint(0);
        w.varint(0);
        w.varint(0);
        w.varint(0);
    });
    buf
}

#[test]
fn huge_declared_lengths_allocate_nothing() {
    // A record declaring 2^62 bytes: waits for them, then is truncated.
    let mut bytes = prefix(16);
    bytes.push(TAG_ENTRY);
    let mut w = Writer::new();
    w.varint(1 << 62);
    bytes.extend_from_slice(&w.buf);
    bytes.extend_from_slice(b"abc");
    let mut loader = SnapshotLoader::new();
    loader.feed(&bytes).unwrap();
    assert!(loader.partial.len() < 20);
    assert_eq!(
        loader.finish().unwrap_err(),
        CodecError("truncated snapshot")
    );
    // A key, a list and a watch list declaring more than the record holds.
    for body in [
        &[0x00, 0xff, 0xff, 0xff, 0xff, 0x0f][..],
        &[0x00, 0x01, b'k', 0x00, 2, 0xff, 0xff, 0xff, 0xff, 0x0f],
    ] {
        let mut bytes = prefix(16);
        write_frame(&mut bytes, TAG_ENTRY, |w| w.buf.extend_from_slice(body));
        assert!(Keyspace::restore([bytes]).is_err());
    }
    let mut bytes = MAGIC.to_vec();
    bytes.extend_from_slice(&VERSION.to_le_bytes());
    write_frame(&mut bytes, TAG_HEADER, |w| {
        w.varint(16);
        w.varint(0);
        w.varint(0);
        w.varint(u64::MAX);
    });
    assert_eq!(
        Keyspace::restore([bytes]).unwrap_err(),
        CodecError("count exceeds data")
    );
    // Too many databases.
    for n in [0, MAX_DATABASES as u64 + 1, u64::MAX] {
        assert_eq!(
            Keyspace::restore([prefix(n)]).unwrap_err(),
            CodecError("invalid number of databases")
        );
    }
    // A length varint that never ends.
    let mut bytes = prefix(16);
    bytes.push(TAG_ENTRY);
    bytes.extend_from_slice(&[0xff; 11]);
    assert_eq!(
        Keyspace::restore([bytes]).unwrap_err(),
        CodecError("record length too long")
    );
}

#[test]
fn structural_errors_are_named() {
    let end = |records: u64| {
        let mut buf = Vec::new();
        write_frame(&mut buf, TAG_END, |w| w.varint(records));
        buf
    };
    let entry = |db: u64, key: &[u8], value: &Value| {
        let mut buf = Vec::new();
        let e = Entry {
            value: value.clone(),
            expire_at: 0,
        };
        write_entry(&mut buf, db, key, &e);
        buf
    };
    let ok = [prefix(2), entry(1, b"k", &Value::Int(1)), end(1)].concat();
    assert!(Keyspace::restore([&ok]).is_ok());
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (Vec::new(), "empty snapshot"),
        (
            b"KEELKEYX\x01\0\0\0".to_vec(),
            "not a keyspace snapshot (bad magic)",
        ),
        (
            b"KEELKEYS\x02\0\0\0".to_vec(),
            "unsupported keyspace snapshot version",
        ),
        (
            [prefix(2)[..12].to_vec(), end(0)].concat(),
            "missing header record",
        ),
        (
            [prefix(2), prefix(2)[12..].to_vec()].concat(),
            "duplicate header record",
        ),
        (
            [prefix(2), entry(2, b"k", &Value::Int(1))].concat(),
            "database index out of range",
        ),
        (
            [
                prefix(2),
                entry(0, b"k", &Value::Int(1)),
                entry(0, b"k", &Value::Int(2)),
            ]
            .concat(),
            "duplicate key",
        ),
        (
            [prefix(2), entry(0, b"k", &Value::List(Box::default()))].concat(),
            "empty collection",
        ),
        (
            [prefix(2), entry(0, b"k", &Value::Int(1)), end(2)].concat(),
            "record count mismatch (lost records)",
        ),
        ([prefix(2), vec![9, 0]].concat(), "unknown record type"),
        (
            [prefix(2), end(0), vec![TAG_END]].concat(),
            "data after the end record",
        ),
        (
            [prefix(2), vec![TAG_END, 2, 0, 0]].concat(),
            "trailing bytes in record",
        ),
        (prefix(2), "truncated snapshot"),
    ];
    for (bytes, message) in cases {
        assert_eq!(
            Keyspace::restore([&bytes]).unwrap_err(),
            CodecError(message),
            "{message}"
        );
    }
}

#[test]
fn a_failed_loader_stays_failed() {
    let mut loader = SnapshotLoader::new();
    assert!(loader.feed(b"nonsense-bytes").is_err());
    assert!(loader.feed(&prefix(1)).is_err());
    assert!(loader.finish().is_err());
}

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
