//! Random workloads: a random keyspace is snapshotted while random writes
//! run between chunks; the snapshot must be the state at `begin_snapshot`,
//! and the writes must behave exactly as in a keyspace without snapshot.

use bytes::Bytes;
use proptest::prelude::*;
use rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use resp::{Frame, Reply};
use testkit::gen::{self, Gen};

use super::tests::{concat, restore_ok, zset, MAX_CHUNKS};
use crate::table;
use crate::{Ctx, Keyspace, Op};

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
