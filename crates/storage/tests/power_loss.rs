//! `PowerLossVfs` leaves on disk what `CrashVfs` says a power loss leaves:
//! the same workload on both gives the same files.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use common::*;
use storage::{Bytes, CrashMode, CrashVfs, PowerLossVfs, Vfs, Wal};

/// Appends, syncs, truncations, purges, vote saves, durable-end records and
/// unsynced writes, on tiny segments.
fn workload(vfs: Arc<dyn Vfs>, dir: &Path) {
    let (mut wal, _) = Wal::open(vfs, dir, tiny(300)).unwrap();
    for i in 1..=60 {
        wal.append(i, entry(i, 0)).unwrap();
        match i % 9 {
            0 => wal.sync().unwrap(),
            4 => wal.write().unwrap(),
            7 => wal.record_durable_end().unwrap(),
            _ => {}
        }
        if i == 30 {
            wal.truncate_from(26).unwrap();
            for j in 26..=30 {
                wal.append(j, entry(j, 1)).unwrap();
            }
        }
        if i == 45 {
            wal.purge_to(20, Bytes::from_static(b"p20")).unwrap();
            wal.save_vote(Bytes::from_static(b"vote")).unwrap();
        }
    }
    wal.write().unwrap();
}

/// File name (relative to `root`) to contents.
fn tree(vfs: &dyn Vfs, root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for name in vfs.list_dir(root).unwrap() {
        let file = vfs
            .open(&root.join(&name), storage::vfs::OpenMode::Read)
            .unwrap();
        let mut data = vec![0u8; file.size().unwrap() as usize];
        file.read_exact_at(&mut data, 0).unwrap();
        out.insert(name, data);
    }
    out
}

#[test]
fn killing_the_process_leaves_what_a_power_loss_leaves() {
    let crash = CrashVfs::new();
    workload(crash.shared(), Path::new(DIR));
    let expected = tree(
        &crash.crash_image(u64::MAX, CrashMode::LoseUnsynced),
        Path::new(DIR),
    );
    let current = tree(&crash.current(), Path::new(DIR));
    assert_ne!(expected, current, "the workload leaves unsynced data");

    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("wal");
    let vfs = PowerLossVfs::load(tmp.path()).unwrap();
    workload(vfs.shared(), &root);
    // What the process sees, and what is on disk (as a new process, or
    // plain files, would see it).
    assert_eq!(tree(&vfs, &root), current);
    drop(vfs);
    assert_eq!(tree(&storage::StdVfs, &root), expected);
    assert_eq!(
        tree(&PowerLossVfs::load(tmp.path()).unwrap(), &root),
        expected
    );
}
