//! Basic WAL behaviour, on every file system kind.

mod common;

use std::sync::Arc;

use common::*;
use storage::vfs::CrashVfs;
use storage::{Bytes, MemVfs, Preallocate, Vfs, Wal, WalError, WalOptions};

fn entries(range: std::ops::RangeInclusive<u64>) -> Vec<(u64, Bytes)> {
    range.map(|i| (i, entry(i, 0))).collect()
}

#[test]
fn append_sync_reopen_across_segments() {
    with_each_vfs(|kind, vfs, dir| {
        let opts = tiny(200);
        let (mut wal, recovery) = Wal::open(Arc::clone(&vfs), dir, opts.clone()).unwrap();
        assert_eq!(recovery.entries, 0, "{kind}");
        assert_eq!(wal.first_index(), None);
        for i in 0..50 {
            wal.append(i, entry(i, 0)).unwrap();
        }
        // Readable before being written.
        assert_eq!(wal.read(49).unwrap(), Some(entry(49, 0)), "{kind}");
        wal.sync().unwrap();
        assert!(
            wal.stats().segments_created > 3,
            "{kind}: {:?}",
            wal.stats()
        );
        assert_eq!(wal.read_range(..).unwrap(), entries(0..=49), "{kind}");
        assert_eq!(wal.read_range(10..20).unwrap(), entries(10..=19), "{kind}");
        assert_eq!(
            wal.read_range(45..=100).unwrap(),
            entries(45..=49),
            "{kind}"
        );
        assert_eq!(wal.read(50).unwrap(), None);
        drop(wal);

        let (wal, recovery) = Wal::open(vfs, dir, opts).unwrap();
        assert_eq!(recovery.entries, 50, "{kind}");
        assert_eq!(recovery.first_index, Some(0));
        assert_eq!(recovery.last_index, Some(49));
        assert_eq!(recovery.torn_tail, None);
        assert_eq!(wal.read_range(..).unwrap(), entries(0..=49), "{kind}");
    });
}

#[test]
fn every_preallocation_mode_round_trips() {
    for preallocate in [
        Preallocate::Fallocate,
        Preallocate::Zeroes,
        Preallocate::None,
    ] {
        with_each_vfs(|kind, vfs, dir| {
            let opts = WalOptions {
                segment_size: 300,
                preallocate,
            };
            let (mut wal, _) = Wal::open(Arc::clone(&vfs), dir, opts.clone()).unwrap();
            wal.append_all(&entries(1..=30)).unwrap();
            wal.sync().unwrap();
            wal.truncate_from(20).unwrap();
            wal.append_all(&(20..=25).map(|i| (i, entry(i, 1))).collect::<Vec<_>>())
                .unwrap();
            wal.sync().unwrap();
            drop(wal);
            let (wal, recovery) = Wal::open(vfs, dir, opts).unwrap();
            assert_eq!(recovery.torn_tail, None, "{kind} {preallocate:?}");
            let got = wal.read_range(..).unwrap();
            assert_eq!(got.len(), 25, "{kind} {preallocate:?}");
            assert_eq!(got[18], (19, entry(19, 0)));
            assert_eq!(got[19], (20, entry(20, 1)));
        });
    }
}

#[test]
fn appends_must_continue_the_log() {
    let vfs: Arc<dyn Vfs> = Arc::new(MemVfs::new());
    let mut wal = open(&vfs, &tiny(4096));
    // A fresh log may start anywhere.
    wal.append(7, entry(7, 0)).unwrap();
    let err = wal.append(9, entry(9, 0)).unwrap_err();
    assert!(
        matches!(
            err,
            WalError::OutOfOrder {
                expected: 8,
                got: 9
            }
        ),
        "{err}"
    );
    let err = wal
        .append_all(&[(8, entry(8, 0)), (10, entry(10, 0))])
        .unwrap_err();
    assert!(
        matches!(
            err,
            WalError::OutOfOrder {
                expected: 9,
                got: 10
            }
        ),
        "{err}"
    );
    assert_eq!(wal.last_index(), Some(7), "a rejected batch adds nothing");
    wal.sync().unwrap();
    // Starting at 7 recorded where the log starts.
    assert_eq!(wal.purged(), Some(6));
    drop(wal);
    let wal = open(&vfs, &tiny(4096));
    assert_eq!(wal.first_index(), Some(7));
    assert_eq!(wal.read_range(..).unwrap(), vec![(7, entry(7, 0))]);
}

#[test]
fn truncate_is_durable_and_rewrites_indexes() {
    with_each_vfs(|kind, vfs, dir| {
        let opts = tiny(180);
        let (mut wal, _) = Wal::open(Arc::clone(&vfs), dir, opts.clone()).unwrap();
        wal.append_all(&entries(1..=40)).unwrap();
        wal.sync().unwrap();
        // Past the end: nothing happens.
        wal.truncate_from(41).unwrap();
        wal.truncate_from(15).unwrap();
        assert_eq!(wal.last_index(), Some(14), "{kind}");
        assert_eq!(wal.read(15).unwrap(), None);
        wal.append_all(&(15..=17).map(|i| (i, entry(i, 1))).collect::<Vec<_>>())
            .unwrap();
        // Unwritten entries are simply dropped.
        wal.truncate_from(17).unwrap();
        wal.sync().unwrap();
        drop(wal);
        let (mut wal, _) = Wal::open(Arc::clone(&vfs), dir, opts.clone()).unwrap();
        let got = wal.read_range(..).unwrap();
        assert_eq!(got.len(), 16, "{kind}");
        assert_eq!(got[15], (16, entry(16, 1)), "{kind}");
        // Truncating everything leaves an empty log that may restart anywhere
        // after the recorded start.
        wal.truncate_from(1).unwrap();
        assert_eq!(wal.last_index(), None);
        wal.append(1, entry(1, 2)).unwrap();
        wal.sync().unwrap();
        assert_eq!(wal.read_range(..).unwrap(), vec![(1, entry(1, 2))]);
    });
}

#[test]
fn purge_deletes_whole_segments_and_survives_reopen() {
    with_each_vfs(|kind, vfs, dir| {
        let opts = tiny(150);
        let (mut wal, _) = Wal::open(Arc::clone(&vfs), dir, opts.clone()).unwrap();
        wal.append_all(&entries(0..=59)).unwrap();
        wal.sync().unwrap();
        let files_before = vfs.list_dir(dir).unwrap().len();
        wal.purge_to(30, Bytes::from_static(b"log id 30")).unwrap();
        assert!(vfs.list_dir(dir).unwrap().len() < files_before, "{kind}");
        assert_eq!(wal.first_index(), Some(31));
        assert_eq!(wal.read(30).unwrap(), None);
        assert_eq!(wal.read_range(..).unwrap(), entries(31..=59), "{kind}");
        // Purging less is a no-op; purging past the end empties the log.
        wal.purge_to(10, Bytes::new()).unwrap();
        drop(wal);
        let (mut wal, recovery) = Wal::open(Arc::clone(&vfs), dir, opts.clone()).unwrap();
        assert_eq!(recovery.purged, Some(30), "{kind}");
        assert_eq!(
            wal.meta().purged.unwrap().data,
            Bytes::from_static(b"log id 30")
        );
        assert_eq!(wal.read_range(..).unwrap(), entries(31..=59), "{kind}");
        wal.purge_to(100, Bytes::from_static(b"snapshot 100"))
            .unwrap();
        assert_eq!(wal.first_index(), None);
        assert_eq!(wal.last_index(), None);
        let err = wal.append(60, entry(60, 0)).unwrap_err();
        assert!(
            matches!(err, WalError::OutOfOrder { expected: 101, .. }),
            "{err}"
        );
        wal.append(101, entry(101, 0)).unwrap();
        wal.sync().unwrap();
        drop(wal);
        let (wal, recovery) = Wal::open(vfs, dir, opts).unwrap();
        assert_eq!(recovery.first_index, Some(101), "{kind}");
        assert_eq!(wal.read_range(..).unwrap(), vec![(101, entry(101, 0))]);
        let err = Wal::open(Arc::new(MemVfs::new()), dir, tiny(150))
            .unwrap()
            .0
            .truncate_from(0);
        assert!(err.is_ok(), "truncating an empty log is a no-op");
    });
}

#[test]
fn cannot_truncate_purged_entries() {
    let vfs: Arc<dyn Vfs> = Arc::new(MemVfs::new());
    let mut wal = open(&vfs, &tiny(4096));
    wal.append_all(&entries(0..=9)).unwrap();
    wal.purge_to(5, Bytes::new()).unwrap();
    let err = wal.truncate_from(3).unwrap_err();
    assert!(matches!(err, WalError::InvalidArgument(_)), "{err}");
    assert!(!wal.is_failed());
}

#[test]
fn vote_and_committed_are_saved() {
    with_each_vfs(|kind, vfs, dir| {
        let (mut wal, _) = Wal::open(Arc::clone(&vfs), dir, tiny(4096)).unwrap();
        wal.append(0, entry(0, 0)).unwrap();
        wal.save_vote(Bytes::from_static(b"vote 1")).unwrap();
        assert!(
            !wal.has_unsynced(),
            "{kind}: saving the vote syncs earlier appends"
        );
        wal.save_committed(Some(Bytes::from_static(b"c 0")))
            .unwrap();
        wal.save_vote(Bytes::from_static(b"vote 2")).unwrap();
        drop(wal);
        let (wal, _) = Wal::open(Arc::clone(&vfs), dir, tiny(4096)).unwrap();
        let meta = wal.meta();
        assert_eq!(meta.vote, Some(Bytes::from_static(b"vote 2")), "{kind}");
        assert_eq!(meta.committed, Some(Bytes::from_static(b"c 0")));
        assert_eq!(meta.purged, None);
        assert_eq!(wal.read(0).unwrap(), Some(entry(0, 0)));
    });
}

#[test]
fn an_entry_larger_than_a_segment_gets_its_own() {
    with_each_vfs(|kind, vfs, dir| {
        let opts = tiny(128);
        let (mut wal, _) = Wal::open(Arc::clone(&vfs), dir, opts.clone()).unwrap();
        let big = Bytes::from(vec![7u8; 1000]);
        wal.append(0, entry(0, 0)).unwrap();
        wal.append(1, big.clone()).unwrap();
        wal.append(2, entry(2, 0)).unwrap();
        wal.sync().unwrap();
        drop(wal);
        let (wal, recovery) = Wal::open(vfs, dir, opts).unwrap();
        assert_eq!(recovery.segments, 3, "{kind}");
        assert_eq!(wal.read(1).unwrap(), Some(big));
        assert_eq!(wal.read(2).unwrap(), Some(entry(2, 0)));
    });
}

#[test]
fn readers_work_concurrently_with_appends() {
    let vfs: Arc<dyn Vfs> = Arc::new(MemVfs::new());
    let mut wal = open(&vfs, &tiny(256));
    let reader = wal.reader();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reading = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let mut reads = 0u64;
            while !done.load(std::sync::atomic::Ordering::Relaxed) || reads == 0 {
                if let Some(last) = reader.last_index() {
                    let got = reader.read_range(..=last).unwrap();
                    assert_eq!(got.len() as u64, last + 1);
                    for (i, e) in got {
                        assert_eq!(e, entry(i, 0));
                    }
                    reads += 1;
                }
                std::thread::yield_now();
            }
            reads
        })
    };
    for i in 0..400 {
        wal.append(i, entry(i, 0)).unwrap();
        if i % 7 == 0 {
            wal.sync().unwrap();
        }
    }
    wal.sync().unwrap();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(reading.join().unwrap() > 0);
}

#[test]
fn a_failed_sync_stops_every_later_write() {
    let crash = CrashVfs::new();
    let vfs = crash.shared();
    let mut wal = open(&vfs, &tiny(4096));
    wal.append_all(&entries(0..=4)).unwrap();
    wal.sync().unwrap();
    crash.fail_syncs_after(0);
    wal.append(5, entry(5, 0)).unwrap();
    let err = wal.sync().unwrap_err();
    assert!(
        matches!(
            err,
            WalError::Io {
                op: "fdatasync",
                ..
            }
        ),
        "{err}"
    );
    assert!(wal.is_failed());
    // Never retried, whatever the operation.
    for err in [
        wal.sync().unwrap_err(),
        wal.append(6, entry(6, 0)).unwrap_err(),
        wal.truncate_from(3).unwrap_err(),
        wal.purge_to(2, Bytes::new()).unwrap_err(),
        wal.save_vote(Bytes::new()).unwrap_err(),
        wal.write().unwrap_err(),
    ] {
        assert!(matches!(err, WalError::Failed { .. }), "{err}");
    }
    // Reads still work.
    assert_eq!(wal.read(5).unwrap(), Some(entry(5, 0)));
    assert_eq!(wal.read_range(..).unwrap().len(), 6);
    // Reopening recovers what was durable.
    drop(wal);
    let image = crash.crash_image(crash.sync_points(), storage::CrashMode::LoseUnsynced);
    let vfs: Arc<dyn Vfs> = Arc::new(image);
    let wal = open(&vfs, &tiny(4096));
    assert_eq!(wal.read_range(..).unwrap(), entries(0..=4));
}

#[test]
fn a_failed_write_stops_every_later_write() {
    let crash = CrashVfs::new();
    let vfs = crash.shared();
    let mut wal = open(&vfs, &tiny(200));
    wal.append_all(&entries(0..=4)).unwrap();
    wal.sync().unwrap();
    crash.fail_writes_after(0);
    wal.append_all(&entries(5..=40)).unwrap();
    let err = wal.sync().unwrap_err();
    assert!(matches!(err, WalError::Io { .. }), "{err}");
    let err = wal.append(41, entry(41, 0)).unwrap_err();
    assert!(matches!(err, WalError::Failed { .. }), "{err}");
    assert!(wal.reader().is_failed());
}

#[test]
fn leftover_temporary_files_are_removed() {
    let vfs = MemVfs::new();
    let shared: Arc<dyn Vfs> = Arc::new(vfs.clone());
    let mut wal = open(&shared, &tiny(4096));
    wal.append(0, entry(0, 0)).unwrap();
    wal.sync().unwrap();
    drop(wal);
    vfs.modify_file(&segment_path(0), |_| {}).unwrap();
    let tmp = dir().join("00000000000000000001.wal.tmp");
    shared
        .open(&tmp, storage::vfs::OpenMode::CreateTruncate)
        .unwrap()
        .write_all_at(b"partial", 0)
        .unwrap();
    let (wal, recovery) = Wal::open(Arc::clone(&shared), DIR, tiny(4096)).unwrap();
    assert_eq!(recovery.removed, vec![tmp.clone()]);
    assert!(!vfs.paths().contains(&tmp));
    assert_eq!(wal.read(0).unwrap(), Some(entry(0, 0)));
}

#[test]
fn options_are_validated() {
    let vfs: Arc<dyn Vfs> = Arc::new(MemVfs::new());
    let err = Wal::open(vfs, DIR, tiny(10)).unwrap_err();
    assert!(matches!(err, WalError::InvalidArgument(_)), "{err}");
}
