//! Upgrade safety of the WAL files: a WAL directory written by an earlier
//! format version is checked into `testdata/` and must keep opening with
//! the same entries and metadata.
//!
//! To write a golden directory for a new format version:
//! `KEEL_WRITE_GOLDEN=$PWD/testdata/wal-vN cargo test -p storage --test golden -- --ignored`

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use storage::{Bytes, StdVfs, Vfs, Wal, WalOptions};

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
    wal.save_vote(Bytes::from_static(b"vote: term 3")).expect("vote");
    wal.save_committed(Some(Bytes::from_static(b"committed: 38")))
        .expect("committed");
    wal.purge_to(5, Bytes::from_static(b"purged: 5")).expect("purge");
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
