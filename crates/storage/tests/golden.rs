//! Upgrade safety of the WAL files: a WAL directory written by an earlier
//! format version is checked into `testdata/` and must keep opening with
//! the same entries and metadata.
//!
//! To write a golden directory for a new format version:
//! `KEEL_WRITE_GOLDEN=$PWD/testdata/wal-vN cargo test -p storage --test golden -- --ignored`

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use std::time::Duration;

use storage::{Bytes, Durability, GroupCommit, LogEnd, StdVfs, Vfs, Wal, WalOptions};

/// Segments of 256 bytes, so the golden log spans several of them.
fn options() -> WalOptions {
    common::tiny(256)
}

/// The workload: entries 1..=40, a vote, a committed id, a purge to 5.
fn write(vfs: Arc<dyn Vfs>, dir: &Path) {
    let (mut wal, _) = Wal::open(vfs, dir, options()).expect("open");
    for index in 1..=40 {
        wal.append(index, common::entry(index, 0)).expect("append");
        if index % 7 == 0 {
            wal.sync().expect("sync");
        }
    }
    wal.sync().expect("sync");
    wal.save_vote(Bytes::from_static(b"vote: term 3"))
        .expect("vote");
    wal.save_committed(Some(Bytes::from_static(b"committed: 38")))
        .expect("committed");
    wal.purge_to(5, Bytes::from_static(b"purged: 5"))
        .expect("purge");
}

fn golden(version: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(version)
}

/// What the golden log holds, plus entries appended after it up to `last`.
fn check_contents(wal: &Wal, last: u64) {
    assert_eq!(wal.first_index(), Some(6));
    assert_eq!(wal.last_index(), Some(last));
    let want: Vec<(u64, Bytes)> = (6..=last).map(|i| (i, common::entry(i, 0))).collect();
    assert_eq!(common::all(wal), want);
    let meta = wal.meta();
    assert_eq!(meta.vote, Some(Bytes::from_static(b"vote: term 3")));
    assert_eq!(meta.committed, Some(Bytes::from_static(b"committed: 38")));
    let purged = meta.purged.expect("purge point");
    assert_eq!(
        (purged.index, purged.data),
        (5, Bytes::from_static(b"purged: 5"))
    );
}

fn meta_version(dir: &Path) -> u32 {
    let bytes = std::fs::read(dir.join("meta")).expect("meta");
    u32::from_le_bytes(bytes[8..12].try_into().expect("version"))
}

#[test]
fn wal_v1_opens_and_is_upgraded_to_v2() {
    let source = golden("wal-v1");
    assert_eq!(meta_version(&source), 1);
    let report = storage::check_dirs(&StdVfs, &source, &source.join("no-snapshots"));
    assert!(report.passed(), "{report}");
    let tmp = tempfile::tempdir().expect("dir");
    let dir = tmp.path().join("wal");
    std::fs::create_dir_all(&dir).expect("mkdir");
    for entry in std::fs::read_dir(&source).expect("golden dir") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), dir.join(entry.file_name())).expect("copy");
    }
    let vfs: Arc<dyn Vfs> = Arc::new(StdVfs);
    let (wal, recovery) = Wal::open(Arc::clone(&vfs), &dir, options()).expect("v1 opens");
    assert_eq!(recovery.torn_tail, None);
    check_contents(&wal, 40);
    // Version 1 recorded no durable end: the v1 recovery rules applied.
    assert_eq!(wal.meta().end, LogEnd::default());
    assert!(wal.durable_end_stale());
    // The commit thread records it (the first write of the new format).
    let gc = GroupCommit::start(wal, Durability::Fsync).expect("start");
    testkit::wait_until(Duration::from_secs(10), "the durable end recorded", || {
        gc.meta().end.durable == Some(40)
    });
    gc.append_blocking(vec![(41, common::entry(41, 0))])
        .expect("append");
    drop(gc.shutdown().expect("shutdown"));
    assert_eq!(meta_version(&dir), 2);
    let (wal, _) = Wal::open(vfs, &dir, options()).expect("v2 opens");
    check_contents(&wal, 41);
    let end = wal.meta().end;
    assert_eq!(end.durable, Some(41));
    assert!(end.newest_segment.is_some_and(|s| s <= 41), "{end:?}");
}

#[test]
#[ignore = "writes a new golden directory; run by hand when the format version changes"]
fn write_golden() {
    let target = PathBuf::from(
        std::env::var("KEEL_WRITE_GOLDEN").expect("set KEEL_WRITE_GOLDEN to the target directory"),
    );
    assert!(!target.exists(), "{} exists", target.display());
    write(Arc::new(StdVfs), &target);
}
