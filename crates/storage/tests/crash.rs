//! Crash at every sync point of recorded workloads: recovery must give a
//! log that holds every entry acknowledged before the crash, nothing that
//! was never written, and no hole or damaged record; and the recorded
//! durable end must never make recovery refuse a log that lost nothing.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::*;
use parking_lot::Mutex;
use storage::{Bytes, CrashMode, CrashVfs, Durability, GroupCommit, MemVfs, Vfs, Wal, WalOptions};

type Log = BTreeMap<u64, Bytes>;

/// The model after an operation completed.
#[derive(Clone, Debug)]
struct Point {
    /// Sync points completed when the operation returned.
    syncs: u64,
    /// What the log holds (written or not).
    logical: Log,
    /// What is acknowledged as durable.
    durable: Log,
    op: String,
}

/// Runs a random workload of appends, writes, syncs, truncations, purges,
/// metadata saves and clean reopens on `crash`, recording the model after
/// every operation.
fn run_workload(crash: &CrashVfs, opts: &WalOptions, seed: u64, ops: usize) -> Vec<Point> {
    let vfs = crash.shared();
    let mut rng = Rng(seed);
    let mut wal = open(&vfs, opts);
    let mut logical = Log::new();
    let mut durable = Log::new();
    let mut generation = 0;
    let mut history = vec![Point {
        syncs: crash.sync_points(),
        logical: logical.clone(),
        durable: durable.clone(),
        op: "open".into(),
    }];
    for _ in 0..ops {
        let op = match rng.below(100) {
            0..=44 => {
                let n = 1 + rng.below(6);
                let start = wal
                    .last_index()
                    .map_or(1, |l| l + 1)
                    .max(wal.purged().map_or(1, |p| p + 1));
                for i in start..start + n {
                    let e = entry(i, generation);
                    wal.append(i, e.clone()).unwrap();
                    logical.insert(i, e);
                }
                format!("append {start}..{}", start + n)
            }
            45..=69 => {
                wal.sync().unwrap();
                durable = logical.clone();
                "sync".into()
            }
            70..=77 => {
                wal.write().unwrap();
                "write".into()
            }
            78..=85 => {
                let (Some(first), Some(last)) = (wal.first_index(), wal.last_index()) else {
                    continue;
                };
                let at = first + rng.below(last - first + 2);
                wal.truncate_from(at).unwrap();
                generation += 1;
                logical.retain(|i, _| *i < at);
                durable.retain(|i, _| *i < at);
                format!("truncate {at}")
            }
            86..=91 => {
                let last = wal.last_index().unwrap_or(0);
                let to = wal.purged().unwrap_or(0)
                    + rng.below(last.saturating_sub(wal.purged().unwrap_or(0)) + 4);
                wal.purge_to(to, Bytes::from(format!("purged {to}")))
                    .unwrap();
                if wal.purged() == Some(to) {
                    durable = logical.clone();
                    logical.retain(|i, _| *i > to);
                    durable.retain(|i, _| *i > to);
                }
                format!("purge {to}")
            }
            92..=93 => {
                wal.save_vote(Bytes::from(format!("vote {}", rng.next())))
                    .unwrap();
                durable = logical.clone();
                "vote".into()
            }
            94..=95 => {
                wal.record_durable_end().unwrap();
                "record durable end".into()
            }
            _ => {
                drop(wal);
                wal = open(&vfs, opts);
                // A clean reopen keeps what was written, loses what was
                // only queued.
                let now: Log = all(&wal).into_iter().collect();
                for (i, e) in &now {
                    assert_eq!(
                        logical.get(i),
                        Some(e),
                        "reopen returned an unknown entry {i}"
                    );
                }
                for i in durable.keys() {
                    assert!(now.contains_key(i), "reopen lost durable entry {i}");
                }
                logical = now;
                "reopen".into()
            }
        };
        history.push(Point {
            syncs: crash.sync_points(),
            logical: logical.clone(),
            durable: durable.clone(),
            op,
        });
    }
    history
}

/// Checks the log recovered from `image` against the operation that
/// completed last before the crash (`done`) and the one in flight (`next`).
fn check_recovered(image: MemVfs, opts: &WalOptions, done: &Point, next: &Point, what: &str) {
    let vfs: Arc<dyn Vfs> = Arc::new(image);
    let (mut wal, _) = Wal::open(Arc::clone(&vfs), DIR, opts.clone()).unwrap_or_else(|e| {
        panic!(
            "{what}: recovery failed after '{}' during '{}': {e}",
            done.op, next.op
        )
    });
    let got = all(&wal);
    if let (Some(first), Some(last)) = (wal.first_index(), wal.last_index()) {
        assert_eq!(
            got.len() as u64,
            last - first + 1,
            "{what}: hole in recovered log"
        );
    }
    for (i, e) in &got {
        let known = done.logical.get(i) == Some(e) || next.logical.get(i) == Some(e);
        assert!(
            known,
            "{what}: recovered entry {i} was never in the log (after '{}')",
            done.op
        );
    }
    let recovered: Log = got.into_iter().collect();
    for (i, e) in &done.durable {
        if next.durable.get(i) == Some(e) {
            assert_eq!(
                recovered.get(i),
                Some(e),
                "{what}: acknowledged entry {i} lost (after '{}', during '{}')",
                done.op,
                next.op
            );
        }
    }
    // The recovered log is usable.
    let next_index = wal.last_index().or(wal.purged()).map_or(1, |i| i + 1);
    wal.append(next_index, entry(next_index, 99)).unwrap();
    wal.sync().unwrap();
    drop(wal);
    let (wal, recovery) = Wal::open(vfs, DIR, opts.clone()).unwrap();
    assert_eq!(recovery.torn_tail, None, "{what}");
    assert_eq!(
        wal.read(next_index).unwrap(),
        Some(entry(next_index, 99)),
        "{what}"
    );
}

/// For every sync point, crash there (losing unsynced data, and with torn
/// unsynced data under a few seeds) and check recovery.
fn crash_everywhere(seed: u64, ops: usize, segment_size: u64, torn_seeds: u64) {
    let crash = CrashVfs::new();
    let opts = tiny(segment_size);
    let history = run_workload(&crash, &opts, seed, ops);
    let total = crash.sync_points();
    assert!(total > 50, "workload too small: {total} sync points");
    for n in 0..=total {
        let k = history.iter().rposition(|p| p.syncs <= n).unwrap_or(0);
        let done = &history[k];
        let next = history.get(k + 1).unwrap_or(done);
        let what = format!("seed {seed}, crash at sync point {n}/{total}");
        check_recovered(
            crash.crash_image(n, CrashMode::LoseUnsynced),
            &opts,
            done,
            next,
            &what,
        );
        for t in 0..torn_seeds {
            let mode = CrashMode::Torn {
                seed: seed * 1000 + n * 10 + t,
            };
            check_recovered(
                crash.crash_image(n, mode),
                &opts,
                done,
                next,
                &format!("{what}, {mode:?}"),
            );
        }
    }
}

#[test]
fn crash_at_every_sync_point_tiny_segments() {
    crash_everywhere(1, 250, 160, 3);
}

#[test]
fn crash_at_every_sync_point_other_workloads() {
    for seed in 2..6 {
        crash_everywhere(seed, 120, 100 + 60 * seed, 2);
    }
}

#[test]
fn crash_at_every_sync_point_of_group_commit() {
    let crash = CrashVfs::new();
    let opts = tiny(300);
    let (wal, _) = Wal::open(crash.shared(), DIR, opts.clone()).unwrap();
    let gc = Arc::new(GroupCommit::start(wal, Durability::Fsync).unwrap());
    // (index, sync points when acknowledged)
    let acks = Arc::new(Mutex::new(Vec::new()));
    let next = Arc::new(Mutex::new(1u64));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (gc, acks, next, crash) = (
                Arc::clone(&gc),
                Arc::clone(&acks),
                Arc::clone(&next),
                crash.clone(),
            );
            std::thread::spawn(move || {
                for _ in 0..60 {
                    let mut next = next.lock();
                    let i = *next;
                    let (acks, crash) = (Arc::clone(&acks), crash.clone());
                    gc.append(vec![(i, entry(i, 0))], move |r| {
                        r.unwrap();
                        acks.lock().push((i, crash.sync_points()));
                    })
                    .unwrap();
                    *next += 1;
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let gc = Arc::into_inner(gc).unwrap();
    gc.shutdown().unwrap();
    let acks = acks.lock().clone();
    assert_eq!(acks.len(), 240);
    assert!(
        acks.windows(2).all(|w| w[0].0 < w[1].0),
        "callbacks out of order"
    );
    let total = crash.sync_points();
    for n in 0..=total {
        for mode in [CrashMode::LoseUnsynced, CrashMode::Torn { seed: n }] {
            let vfs: Arc<dyn Vfs> = Arc::new(crash.crash_image(n, mode));
            let (wal, _) =
                Wal::open(vfs, DIR, opts.clone()).unwrap_or_else(|e| panic!("sync point {n}: {e}"));
            let got = all(&wal);
            for (k, (i, e)) in got.iter().enumerate() {
                assert_eq!(*i, k as u64 + 1, "hole at sync point {n}");
                assert_eq!(*e, entry(*i, 0));
            }
            let acked = acks
                .iter()
                .filter(|(_, s)| *s <= n)
                .map(|(i, _)| *i)
                .max()
                .unwrap_or(0);
            assert!(
                got.len() as u64 >= acked,
                "sync point {n} {mode:?}: acked {acked}, recovered {}",
                got.len()
            );
        }
    }
}

#[test]
fn crash_during_recovery_is_recoverable() {
    let crash = CrashVfs::new();
    let opts = tiny(200);
    let history = run_workload(&crash, &opts, 77, 150);
    let total = crash.sync_points();
    let mut repaired = 0;
    for n in (0..=total).step_by(3) {
        for seed in 0..3 {
            let image = crash.crash_image(n, CrashMode::Torn { seed: n * 7 + seed });
            // What a clean recovery of this image gives.
            let expected: Vec<(u64, Bytes)> = {
                let vfs: Arc<dyn Vfs> = Arc::new(image.deep_clone());
                all(&Wal::open(vfs, DIR, opts.clone()).unwrap().0)
            };
            // Recover on a crash-injecting copy, then crash at every sync
            // point of that recovery.
            let again = CrashVfs::from_image(&image);
            let (_, recovery) = Wal::open(again.shared(), DIR, opts.clone()).unwrap();
            if recovery.torn_tail.is_some() || !recovery.removed.is_empty() {
                repaired += 1;
            }
            for m in 0..=again.sync_points() {
                for mode in [CrashMode::LoseUnsynced, CrashMode::Torn { seed: m }] {
                    let vfs: Arc<dyn Vfs> = Arc::new(again.crash_image(m, mode));
                    let (wal, _) = Wal::open(vfs, DIR, opts.clone())
                        .unwrap_or_else(|e| panic!("sync point {n}, recovery crash at {m}: {e}"));
                    assert_eq!(
                        all(&wal),
                        expected,
                        "sync point {n}, recovery crash at {m} {mode:?}"
                    );
                }
            }
        }
    }
    assert!(
        repaired > 10,
        "too few recoveries had anything to repair: {repaired}"
    );
    assert!(history.len() > 100);
}
