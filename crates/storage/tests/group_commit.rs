//! Group commit: ordering, batching, durability modes, fail-stop.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};

use common::*;
use parking_lot::Mutex;
use storage::{
    Bytes, CrashMode, CrashVfs, Durability, GroupCommit, MemVfs, StdVfs, Vfs, Wal, WalError,
};

fn start(vfs: Arc<dyn Vfs>, durability: Durability) -> GroupCommit {
    let (wal, _) = Wal::open(vfs, DIR, tiny(64 << 10)).unwrap();
    GroupCommit::start(wal, durability).unwrap()
}

/// `threads` threads append `per_thread` entries each, one at a time;
/// returns the indexes in callback order.
fn hammer(gc: &Arc<GroupCommit>, threads: usize, per_thread: usize) -> Vec<u64> {
    let order = Arc::new(Mutex::new(Vec::new()));
    let next = Arc::new(Mutex::new(gc.last_index().map_or(1, |l| l + 1)));
    let (tx, rx) = mpsc::channel();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (gc, order, next, tx) = (
                Arc::clone(gc),
                Arc::clone(&order),
                Arc::clone(&next),
                tx.clone(),
            );
            std::thread::spawn(move || {
                for _ in 0..per_thread {
                    let mut next = next.lock();
                    let i = *next;
                    let (order, tx) = (Arc::clone(&order), tx.clone());
                    gc.append(vec![(i, entry(i, 0))], move |r| {
                        r.unwrap();
                        order.lock().push(i);
                        tx.send(()).unwrap();
                    })
                    .unwrap();
                    *next += 1;
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    for _ in 0..threads * per_thread {
        rx.recv().unwrap();
    }
    let order = order.lock().clone();
    order
}

#[test]
fn concurrent_appends_are_acknowledged_in_index_order() {
    for (kind, vfs) in [
        ("mem", Arc::new(MemVfs::new()) as Arc<dyn Vfs>),
        ("crash", CrashVfs::new().shared()),
    ] {
        let gc = Arc::new(start(vfs, Durability::Fsync));
        let order = hammer(&gc, 8, 150);
        assert_eq!(order, (1..=1200).collect::<Vec<_>>(), "{kind}");
        let stats = gc.stats();
        assert_eq!(stats.records, 1200, "{kind}");
        assert!(stats.fsyncs <= stats.records, "{kind}: {stats:?}");
        let got = gc.reader().read_range(..).unwrap();
        assert_eq!(got.len(), 1200);
        assert!(got.iter().all(|(i, e)| *e == entry(*i, 0)));
    }
}

#[test]
fn appends_arriving_during_an_fsync_share_the_next_one() {
    let crash = CrashVfs::new();
    let gc = Arc::new(start(crash.shared(), Durability::Fsync));
    let gate = crash.pause_syncs();
    let (tx, rx) = mpsc::channel();
    let send = move |tx: &mpsc::Sender<u64>, i: u64| {
        let tx = tx.clone();
        move |r: Result<(), WalError>| {
            r.unwrap();
            tx.send(i).unwrap();
        }
    };
    gc.append(vec![(1, entry(1, 0))], send(&tx, 1)).unwrap();
    // The commit thread is now stuck in the first batch's sync.
    gate.wait_for_waiters(1);
    let next = Arc::new(Mutex::new(2u64));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (gc, next, tx) = (Arc::clone(&gc), Arc::clone(&next), tx.clone());
            std::thread::spawn(move || {
                for _ in 0..25 {
                    let mut next = next.lock();
                    gc.append(vec![(*next, entry(*next, 0))], send(&tx, *next))
                        .unwrap();
                    *next += 1;
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // Everything is readable before it is durable.
    assert_eq!(gc.last_index(), Some(101));
    assert_eq!(gc.reader().read(101).unwrap(), Some(entry(101, 0)));
    gate.open();
    let order: Vec<u64> = (0..101).map(|_| rx.recv().unwrap()).collect();
    assert_eq!(order, (1..=101).collect::<Vec<_>>());
    let stats = gc.stats();
    assert_eq!(stats.records, 101);
    assert_eq!(stats.batches, 2, "{stats:?}");
    assert_eq!(stats.fsyncs, 2, "{stats:?}");
}

#[test]
fn real_files_batch_under_concurrency() {
    let tmp = tempfile::tempdir().unwrap();
    let (wal, _) = Wal::open(Arc::new(StdVfs), tmp.path().join("wal"), tiny(1 << 20)).unwrap();
    let gc = Arc::new(GroupCommit::start(wal, Durability::Fsync).unwrap());
    let order = hammer(&gc, 4, 100);
    assert_eq!(order, (1..=400).collect::<Vec<_>>());
    let stats = gc.stats();
    assert_eq!(stats.records, 400);
    assert!(stats.fsyncs <= stats.records, "{stats:?}");
    println!("real files: {stats:?}");
    let gc = Arc::into_inner(gc).unwrap();
    drop(gc.shutdown().unwrap());
    let (wal, recovery) =
        Wal::open(Arc::new(StdVfs), tmp.path().join("wal"), tiny(1 << 20)).unwrap();
    assert_eq!(recovery.last_index, Some(400));
    assert_eq!(wal.read(400).unwrap(), Some(entry(400, 0)));
}

#[test]
fn a_failed_fsync_fails_the_batch_and_everything_after() {
    let crash = CrashVfs::new();
    let gc = start(crash.shared(), Durability::Fsync);
    gc.append_blocking(vec![(1, entry(1, 0))]).unwrap();
    let gate = crash.pause_syncs();
    let results = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = mpsc::channel();
    for i in 2..=6 {
        let (results, tx) = (Arc::clone(&results), tx.clone());
        gc.append(vec![(i, entry(i, 0))], move |r| {
            results.lock().push((i, r));
            tx.send(()).unwrap();
        })
        .unwrap();
        if i == 2 {
            gate.wait_for_waiters(1);
        }
    }
    crash.fail_syncs_after(0);
    gate.open();
    for _ in 2..=6 {
        rx.recv().unwrap();
    }
    let results = results.lock();
    assert_eq!(
        results.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
        vec![2, 3, 4, 5, 6]
    );
    assert!(
        matches!(
            results[0].1,
            Err(WalError::Io {
                op: "fdatasync",
                ..
            })
        ),
        "{:?}",
        results[0]
    );
    for (_, r) in &results[1..] {
        assert!(matches!(r, Err(WalError::Failed { .. })), "{r:?}");
    }
    assert!(gc.is_failed());
    let err = gc
        .append(vec![(7, entry(7, 0))], |_| panic!("must not be called"))
        .unwrap_err();
    assert!(matches!(err, WalError::Failed { .. }), "{err}");
    assert!(matches!(gc.sync(), Err(WalError::Failed { .. })));
    assert!(matches!(gc.truncate_from(2), Err(WalError::Failed { .. })));
    // What was acknowledged survives.
    let image: Arc<dyn Vfs> =
        Arc::new(crash.crash_image(crash.sync_points(), CrashMode::LoseUnsynced));
    let (wal, _) = Wal::open(image, DIR, tiny(64 << 10)).unwrap();
    assert_eq!(wal.read(1).unwrap(), Some(entry(1, 0)));
}

#[test]
fn os_mode_acknowledges_after_write_and_syncs_within_a_second() {
    let crash = CrashVfs::new();
    let vfs = crash.shared();
    let (mut wal, _) = Wal::open(Arc::clone(&vfs), DIR, tiny(64 << 10)).unwrap();
    // Create the segment first: creating one syncs.
    wal.append(1, entry(1, 0)).unwrap();
    wal.sync().unwrap();
    let gc = GroupCommit::start(wal, Durability::Os).unwrap();
    let gate = crash.pause_syncs();
    let fsyncs = gc.stats().fsyncs;
    for i in 2..=20 {
        gc.append_blocking(vec![(i, entry(i, 0))]).unwrap();
    }
    // Acknowledged with every sync blocked: written to the OS only.
    assert_eq!(gc.stats().fsyncs, fsyncs);
    assert_eq!(gc.stats().records, 20);
    let before_sync = crash.sync_points();
    // Without any further activity, the commit thread syncs on its own.
    gate.wait_for_waiters(1);
    gate.open();
    gc.sync().unwrap();
    assert!(gc.stats().fsyncs > fsyncs);
    let image: Arc<dyn Vfs> =
        Arc::new(crash.crash_image(crash.sync_points(), CrashMode::LoseUnsynced));
    let (wal, _) = Wal::open(image, DIR, tiny(64 << 10)).unwrap();
    assert_eq!(wal.last_index(), Some(20));
    // Before that sync, a power loss would have lost them.
    let image: Arc<dyn Vfs> = Arc::new(crash.crash_image(before_sync, CrashMode::LoseUnsynced));
    let (wal, _) = Wal::open(image, DIR, tiny(64 << 10)).unwrap();
    assert_eq!(wal.last_index(), Some(1));
}

#[test]
fn os_mode_syncs_on_shutdown() {
    let crash = CrashVfs::new();
    let gc = start(crash.shared(), Durability::Os);
    for i in 1..=10 {
        gc.append_blocking(vec![(i, entry(i, 0))]).unwrap();
    }
    let wal = gc.shutdown().unwrap();
    assert!(!wal.has_unsynced());
    let image: Arc<dyn Vfs> =
        Arc::new(crash.crash_image(crash.sync_points(), CrashMode::LoseUnsynced));
    let (wal, _) = Wal::open(image, DIR, tiny(64 << 10)).unwrap();
    assert_eq!(wal.last_index(), Some(10));
}

#[test]
fn memory_mode_acknowledges_before_append_returns() {
    let mem = MemVfs::new();
    let gc = start(Arc::new(mem.clone()), Durability::Memory);
    for i in 1..=100 {
        let acked = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&acked);
        gc.append(vec![(i, entry(i, 0))], move |r| {
            r.unwrap();
            flag.store(true, Ordering::SeqCst);
        })
        .unwrap();
        assert!(acked.load(Ordering::SeqCst));
        assert_eq!(gc.reader().read(i).unwrap(), Some(entry(i, 0)));
    }
    gc.purge_to(50, Bytes::new()).unwrap();
    assert_eq!(gc.first_index(), Some(51));
    let wal = gc.shutdown().unwrap();
    assert_eq!(wal.last_index(), Some(100));
    assert!(mem.total_bytes() > 0);
}

#[test]
fn control_operations_are_ordered_after_queued_appends() {
    let crash = CrashVfs::new();
    let gc = start(crash.shared(), Durability::Fsync);
    let (tx, rx) = mpsc::channel();
    for i in 1..=30 {
        let tx = tx.clone();
        gc.append(vec![(i, entry(i, 0))], move |r| {
            tx.send((i, r.is_ok())).unwrap()
        })
        .unwrap();
    }
    // Truncation waits for the appends before it, which are acknowledged
    // first (they were durable before being truncated).
    gc.truncate_from(21).unwrap();
    let acks: Vec<_> = rx.try_iter().collect();
    assert_eq!(acks, (1..=30).map(|i| (i, true)).collect::<Vec<_>>());
    assert_eq!(gc.last_index(), Some(20));
    gc.append_blocking((21..=25).map(|i| (i, entry(i, 1))).collect())
        .unwrap();
    gc.save_vote(Bytes::from_static(b"vote")).unwrap();
    gc.save_committed(Some(Bytes::from_static(b"committed 25")))
        .unwrap();
    gc.purge_to(10, Bytes::from_static(b"id 10")).unwrap();
    assert_eq!(gc.meta().vote, Some(Bytes::from_static(b"vote")));
    let err = gc.append(vec![(27, entry(27, 0))], |_| {}).unwrap_err();
    assert!(
        matches!(
            err,
            WalError::OutOfOrder {
                expected: 26,
                got: 27
            }
        ),
        "{err}"
    );
    drop(gc);
    let image: Arc<dyn Vfs> =
        Arc::new(crash.crash_image(crash.sync_points(), CrashMode::LoseUnsynced));
    let (wal, _) = Wal::open(image, DIR, tiny(64 << 10)).unwrap();
    let meta = wal.meta();
    assert_eq!(meta.vote, Some(Bytes::from_static(b"vote")));
    assert_eq!(meta.committed, Some(Bytes::from_static(b"committed 25")));
    assert_eq!(meta.purged.unwrap().data, Bytes::from_static(b"id 10"));
    assert_eq!(wal.first_index(), Some(11));
    assert_eq!(wal.read(21).unwrap(), Some(entry(21, 1)));
    assert_eq!(wal.last_index(), Some(25));
}

#[test]
fn a_panicking_callback_does_not_stop_the_commit_thread() {
    let gc = start(Arc::new(MemVfs::new()), Durability::Fsync);
    gc.append(vec![(1, entry(1, 0))], |_| panic!("callback bug"))
        .unwrap();
    gc.append_blocking(vec![(2, entry(2, 0))]).unwrap();
    assert_eq!(gc.last_index(), Some(2));
}

#[test]
fn dropping_the_group_commit_flushes_queued_appends() {
    let crash = CrashVfs::new();
    let gc = start(crash.shared(), Durability::Fsync);
    let acked = Arc::new(Mutex::new(0));
    for i in 1..=50 {
        let acked = Arc::clone(&acked);
        gc.append(vec![(i, entry(i, 0))], move |r| {
            r.unwrap();
            *acked.lock() += 1;
        })
        .unwrap();
    }
    drop(gc);
    assert_eq!(*acked.lock(), 50);
    let image: Arc<dyn Vfs> =
        Arc::new(crash.crash_image(crash.sync_points(), CrashMode::LoseUnsynced));
    let (wal, _) = Wal::open(image, DIR, tiny(64 << 10)).unwrap();
    assert_eq!(wal.last_index(), Some(50));
}

#[test]
fn check_reports_a_full_data_directory() {
    let mem = MemVfs::new();
    let vfs: Arc<dyn Vfs> = Arc::new(mem.clone());
    let gc = start(Arc::clone(&vfs), Durability::Fsync);
    gc.append_blocking((1..=30).map(|i| (i, entry(i, 0))).collect())
        .unwrap();
    gc.save_vote(Bytes::from_static(b"term 2 node 1")).unwrap();
    gc.purge_to(10, Bytes::from_static(b"term 1 index 10"))
        .unwrap();
    drop(gc);
    let (store, _) = storage::SnapshotStore::open(Arc::clone(&vfs), "/data/snapshots").unwrap();
    let mut w = store.create(10, Bytes::from_static(b"log id 10")).unwrap();
    w.write_chunk(b"keyspace part 1").unwrap();
    w.write_chunk(b"keyspace part 2").unwrap();
    w.finish().unwrap();
    let report = storage::check(&mem, std::path::Path::new("/data"));
    let text = report.to_string();
    println!("{text}");
    assert!(report.passed(), "{text}");
    assert!(text.contains("entries: 20 (index 11 to 30)"), "{text}");
    assert!(text.contains("purged through index: 10"), "{text}");
    assert!(text.contains("vote: 13 bytes"), "{text}");
    assert!(text.contains("latest valid snapshot: id 10"), "{text}");
    assert_eq!(report.latest_snapshot().unwrap().chunks, 2);
}
