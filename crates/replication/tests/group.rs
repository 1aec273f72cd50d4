//! A single-node group end to end: writes through Raft, restart, snapshots,
//! crashes at every sync point.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use keyspace::{Keyspace, Op};
use replication::{
    apply_request, ClientBatch, Consistency, Engine, EngineError, Group, GroupConfig, NoObserver,
    ReadGate, Request,
};
use resp::Frame;
use storage::{CrashMode, CrashVfs, Durability, StdVfs, Vfs};
use testkit::gen::{families, Gen};

/// A far-future absolute time, so TTLs never fire during a test.
const FAR: u64 = 4_000_000_000_000;

fn config(dir: &std::path::Path, vfs: Arc<dyn Vfs>) -> GroupConfig {
    GroupConfig {
        dir: dir.to_path_buf(),
        vfs,
        durability: Durability::Fsync,
        segment_size: storage::MIN_SEGMENT_SIZE,
        databases: 16,
        snapshot_entries: 1_000_000,
        snapshot_bytes: 0,
    }
}

fn request(db: usize, args: &[&str]) -> ClientBatch {
    batch(
        db,
        false,
        args.iter().map(|a| a.as_bytes().to_vec()).collect(),
    )
}

fn batch(db: usize, resp3: bool, args: Vec<Vec<u8>>) -> ClientBatch {
    ClientBatch {
        resp3,
        ops: vec![Op::Command {
            db,
            resp3,
            args: args.into_iter().map(Bytes::from).collect(),
        }],
        origin: None,
    }
}

fn reply(response: &replication::BatchResponse) -> Frame {
    resp::decode(&response.reply)
        .expect("valid reply")
        .expect("complete")
        .0
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Opens a group, runs `f`, shuts the group down and returns its keyspace.
fn with_group<T>(
    rt: &tokio::runtime::Runtime,
    config: GroupConfig,
    f: impl AsyncFnOnce(&Group) -> T,
) -> (T, Keyspace) {
    rt.block_on(async {
        let group = Group::open(config, Arc::new(NoObserver))
            .await
            .expect("group opens");
        let result = f(&group).await;
        let keyspace = group.keyspace().read().clone();
        group.shutdown().await.expect("shutdown");
        (result, keyspace)
    })
}

#[test]
fn writes_survive_restart_with_ttls_and_databases() {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("dir");
    let cfg = || config(dir.path(), StdVfs::shared());
    let (_, before) = with_group(&rt, cfg(), async |g| {
        let r = g
            .write(request(0, &["SET", "a", "1"]))
            .await
            .expect("write");
        assert_eq!(reply(&r), Frame::Simple("OK".into()));
        g.write(request(3, &["RPUSH", "l", "x", "y"]))
            .await
            .expect("write");
        g.write(request(0, &["PEXPIREAT", "a", &FAR.to_string()]))
            .await
            .expect("write");
        g.write(request(15, &["ZADD", "z", "1.5", "m"]))
            .await
            .expect("write");
    });
    let (_, after) = with_group(&rt, cfg(), async |_| {});
    assert!(
        after.logically_equal(&before),
        "state after restart differs"
    );
    assert_eq!(
        after.db(0).ttl(b"a", 2000),
        keyspace::KeyTtl::ExpiresAt(FAR)
    );
    assert!(after.db(3).contains(b"l", 2000));
}

#[test]
fn snapshot_then_more_writes_then_restarts_are_identical() {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("dir");
    let cfg = || config(dir.path(), StdVfs::shared());
    let (_, before) = with_group(&rt, cfg(), async |g| {
        for i in 0..50 {
            let key = format!("k{i}");
            g.write(request(
                (i % 16) as usize,
                &["SET", &key, "v", "PXAT", &FAR.to_string()],
            ))
            .await
            .expect("write");
        }
        g.snapshot().await.expect("snapshot");
        assert!(g.log_stats().expect("a log").snapshot_index.is_some());
        for _ in 0..10 {
            g.write(request(1, &["INCR", "counter"]))
                .await
                .expect("write");
        }
    });
    let (_, first) = with_group(&rt, cfg(), async |_| {});
    let (_, second) = with_group(&rt, cfg(), async |_| {});
    assert!(
        first.logically_equal(&before),
        "restart after a snapshot lost state"
    );
    assert!(
        second.logically_equal(&first),
        "a second restart changed the state"
    );
    assert_eq!(
        first.db(1).get(b"counter", 3000),
        Some(&keyspace::Value::Int(10))
    );
    assert_eq!(
        first.db(5).ttl(b"k5", 3000),
        keyspace::KeyTtl::ExpiresAt(FAR)
    );
}

/// Random commands of every family, applied through the group with a
/// snapshot somewhere in the middle, give after a restart (snapshot + log
/// replay) exactly the state the live group reached by applying them once.
#[test]
fn snapshot_plus_log_replay_equals_direct_apply() {
    let rt = runtime();
    for seed in 0..4u64 {
        let dir = tempfile::tempdir().expect("dir");
        let mut gen = Gen::new(seed);
        let batches: Vec<ClientBatch> = (0..300u64)
            .map(|i| {
                let (_, family) = families()[(i as usize + seed as usize) % families().len()];
                batch((i % 3) as usize, i % 2 == 0, family(&mut gen))
            })
            .collect();
        let snapshot_at = 50 + (seed as usize * 61) % 200;
        let (_, live) = with_group(&rt, config(dir.path(), StdVfs::shared()), async |g| {
            for (i, b) in batches.iter().enumerate() {
                g.write(b.clone()).await.expect("write");
                if i == snapshot_at {
                    g.snapshot().await.expect("snapshot");
                }
            }
        });
        let (_, restored) = with_group(&rt, config(dir.path(), StdVfs::shared()), async |_| {});
        assert!(
            restored.logically_equal(&live),
            "seed {seed}: snapshot + replay differs from direct apply"
        );
    }
}

/// The same request applied to equal keyspaces gives equal states and
/// byte-identical responses (deterministic apply).
#[test]
fn apply_is_deterministic() {
    let mut gen = Gen::new(7);
    let request = Request {
        now_ms: 1_700_000_000_000,
        seed: 42,
        batches: (0..200)
            .map(|i| {
                let (_, family) = families()[i % families().len()];
                batch(i % 2, i % 3 == 0, family(&mut gen))
            })
            .collect(),
    };
    let (mut a, mut b) = (Keyspace::new(16), Keyspace::new(16));
    let (ra, rb) = (
        apply_request(&mut a, &request, &NoObserver),
        apply_request(&mut b, &request, &NoObserver),
    );
    assert_eq!(ra, rb);
    assert!(a.logically_equal(&b));
}

/// For every sync point of a workload, the disk as a power loss would leave
/// it recovers to a state holding every write acknowledged before that
/// point, and at most the writes in flight beyond it.
#[test]
fn power_loss_at_every_sync_point_keeps_acknowledged_writes() {
    let rt = runtime();
    let crash = CrashVfs::new();
    let dir = std::path::PathBuf::from("/data");
    let writes = 40u64;
    // (sync points completed when the write was acknowledged, key)
    let (acks, _) = with_group(&rt, config(&dir, crash.shared()), async |g| {
        let mut acks = Vec::new();
        for i in 0..writes {
            let key = format!("key{i}");
            g.write(request(0, &["SET", &key, &i.to_string()]))
                .await
                .expect("write");
            acks.push((crash.sync_points(), i));
        }
        acks
    });
    let total = crash.sync_points();
    for point in 0..=total {
        for mode in [CrashMode::LoseUnsynced, CrashMode::Torn { seed: point }] {
            let image = crash.crash_image(point, mode);
            let (_, ks) = with_group(&rt, config(&dir, Arc::new(image)), async |_| {});
            let mut present = 0;
            for (synced_at_ack, i) in &acks {
                let found = ks.db(0).get(format!("key{i}").as_bytes(), 0).is_some();
                if *synced_at_ack <= point {
                    assert!(
                        found,
                        "sync point {point} ({mode:?}): acknowledged key{i} lost"
                    );
                }
                if found {
                    present += 1;
                }
            }
            // Writes are applied in order: what survives is a prefix.
            for (_, i) in acks.iter().take(present) {
                assert!(
                    ks.db(0).get(format!("key{i}").as_bytes(), 0).is_some(),
                    "hole at key{i} after sync point {point}"
                );
            }
        }
    }
}

/// A failed fsync fails the entry in flight with an unknown outcome,
/// leaves the keyspace untouched, and the group fails-stop: later writes
/// get a definite error, reads are refused, `failed` reports the cause.
#[test]
fn a_failed_fsync_fails_stop_with_unknown_then_definite_errors() {
    let rt = runtime();
    let crash = CrashVfs::new();
    let dir = std::path::PathBuf::from("/data");
    rt.block_on(async {
        let group = Group::open(config(&dir, crash.shared()), Arc::new(NoObserver))
            .await
            .expect("group opens");
        group
            .write(request(0, &["SET", "before", "1"]))
            .await
            .expect("write before the failure");
        crash.fail_syncs_after(0);
        let in_flight = group.write(request(0, &["SET", "lost", "1"])).await;
        assert!(
            matches!(in_flight, Err(EngineError::Unknown(_))),
            "in flight: {in_flight:?}"
        );
        let cause = tokio::time::timeout(Duration::from_secs(30), group.failed())
            .await
            .expect("the group reports its failure");
        assert!(!cause.is_empty());
        let later = group.write(request(0, &["SET", "later", "1"])).await;
        assert!(
            matches!(later, Err(EngineError::Stopped(_))),
            "after the failure: {later:?}"
        );
        assert!(matches!(
            group.read_gate(Consistency::Linearizable),
            ReadGate::Closed(EngineError::Stopped(_))
        ));
        let ks = group.keyspace().read();
        assert!(ks.db(0).contains(b"before", 0));
        assert!(!ks.db(0).contains(b"lost", 0), "unsynced write applied");
        assert!(!ks.db(0).contains(b"later", 0));
    });
}

/// A write is applied (and visible to reads) only once its fsync
/// completed: while the sync is held, the keyspace does not show it.
#[test]
fn a_write_is_invisible_while_its_fsync_is_pending() {
    let rt = runtime();
    let crash = CrashVfs::new();
    let dir = std::path::PathBuf::from("/data");
    rt.block_on(async {
        let group = Arc::new(
            Group::open(config(&dir, crash.shared()), Arc::new(NoObserver))
                .await
                .expect("group opens"),
        );
        let gate = crash.pause_syncs();
        let writer = {
            let group = group.clone();
            tokio::spawn(async move { group.write(request(0, &["SET", "k", "v"])).await })
        };
        let waiting = gate.clone();
        tokio::task::spawn_blocking(move || waiting.wait_for_waiters(1))
            .await
            .expect("a sync waits at the gate");
        assert!(!group.keyspace().read().db(0).contains(b"k", 0));
        assert!(!writer.is_finished(), "acknowledged before its fsync");
        gate.open();
        let reply = writer.await.expect("task").expect("write");
        assert_eq!(
            resp::decode(&reply.reply)
                .expect("reply")
                .expect("complete")
                .0,
            Frame::Simple("OK".into())
        );
        assert!(group.keyspace().read().db(0).contains(b"k", 0));
        group.shutdown().await.expect("shutdown");
    });
}
