//! Snapshot files: round trip, crash safety, corruption detection.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::Rng;
use storage::{
    check, Bytes, CrashMode, CrashVfs, MemVfs, SnapshotError, SnapshotReader, SnapshotStore,
    StdVfs, Vfs, SNAPSHOT_DIR,
};

const DATA: &str = "/data";

fn snap_dir() -> PathBuf {
    Path::new(DATA).join(SNAPSHOT_DIR)
}

/// Chunks of varied sizes, one larger than the writer's buffer.
fn chunks(seed: u64) -> Vec<Bytes> {
    let mut rng = Rng(seed);
    let mut out: Vec<Bytes> = (0..20)
        .map(|k| {
            let len = 1 + rng.below(3000) as usize;
            Bytes::from(
                (0..len)
                    .map(|i| (i as u64 ^ rng.next() ^ k) as u8)
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    out.insert(7, Bytes::from(vec![0xEE; (1 << 20) + 17]));
    out
}

fn write(store: &SnapshotStore, id: u64, meta: &[u8], data: &[Bytes]) -> storage::SnapshotInfo {
    let mut w = store.create(id, Bytes::copy_from_slice(meta)).unwrap();
    for chunk in data {
        w.write_chunk(chunk).unwrap();
    }
    w.write_chunk(&[]).unwrap();
    w.finish().unwrap()
}

fn read_all(store: &SnapshotStore, id: u64) -> (Bytes, Vec<Bytes>) {
    let reader = store.reader(id).unwrap();
    let meta = reader.meta().clone();
    let got: Result<Vec<Bytes>, _> = reader.collect();
    (meta, got.unwrap())
}

#[test]
fn round_trip_on_every_file_system() {
    let tmp = tempfile::tempdir().unwrap();
    let kinds: Vec<(Arc<dyn Vfs>, PathBuf)> = vec![
        (Arc::new(StdVfs), tmp.path().join("snapshots")),
        (Arc::new(MemVfs::new()), snap_dir()),
        (CrashVfs::new().shared(), snap_dir()),
    ];
    for (vfs, dir) in kinds {
        let (store, removed) = SnapshotStore::open(Arc::clone(&vfs), &dir).unwrap();
        assert!(removed.is_empty());
        assert!(store.latest().unwrap().snapshot.is_none());
        let data = chunks(1);
        let info = write(&store, 100, b"last log id 100, membership {1,2,3}", &data);
        assert_eq!(info.chunks, data.len() as u64);
        assert_eq!(info.bytes, data.iter().map(|c| c.len() as u64).sum::<u64>());
        let (meta, got) = read_all(&store, 100);
        assert_eq!(
            meta,
            Bytes::from_static(b"last log id 100, membership {1,2,3}")
        );
        assert_eq!(got, data);
        // A newer one; the latest is picked, older ones can be removed.
        write(&store, 200, b"", &chunks(2));
        let latest = store.latest().unwrap();
        assert_eq!(latest.snapshot.unwrap().id, 200);
        assert!(latest.skipped.is_empty());
        assert_eq!(
            store
                .list()
                .unwrap()
                .iter()
                .map(|f| f.id)
                .collect::<Vec<_>>(),
            vec![100, 200]
        );
        assert_eq!(store.remove_older_than(200).unwrap().len(), 1);
        assert_eq!(store.list().unwrap().len(), 1);
        assert!(matches!(
            store.reader(100),
            Err(SnapshotError::NotFound { id: 100 })
        ));
        assert_eq!(
            vfs.list_dir(&dir).unwrap().len(),
            1,
            "no temporary file left"
        );
    }
}

#[test]
fn an_unfinished_snapshot_leaves_no_trace() {
    let vfs: Arc<dyn Vfs> = Arc::new(MemVfs::new());
    let (store, _) = SnapshotStore::open(Arc::clone(&vfs), snap_dir()).unwrap();
    write(&store, 1, b"one", &chunks(1));
    let mut w = store.create(2, Bytes::from_static(b"two")).unwrap();
    w.write_chunk(b"partial").unwrap();
    assert_eq!(vfs.list_dir(&snap_dir()).unwrap().len(), 2);
    w.abort();
    assert_eq!(vfs.list_dir(&snap_dir()).unwrap().len(), 1);
    assert_eq!(store.latest().unwrap().snapshot.unwrap().id, 1);
}

#[test]
fn crash_at_any_point_while_writing_keeps_the_previous_snapshot() {
    let crash = CrashVfs::new();
    let vfs = crash.shared();
    let (store, _) = SnapshotStore::open(Arc::clone(&vfs), snap_dir()).unwrap();
    let first = chunks(1);
    write(&store, 1, b"first", &first);
    let from = crash.sync_points();
    let second = chunks(2);
    write(&store, 2, b"second", &second);
    let to = crash.sync_points();
    for n in from..=to {
        for mode in [
            CrashMode::LoseUnsynced,
            CrashMode::Torn { seed: n },
            CrashMode::Torn { seed: n + 99 },
        ] {
            let image: Arc<dyn Vfs> = Arc::new(crash.crash_image(n, mode));
            let report = check(&*image, Path::new(DATA));
            assert!(report.passed(), "sync point {n} {mode:?}: {report}");
            let (store, _) = SnapshotStore::open(Arc::clone(&image), snap_dir()).unwrap();
            let latest = store.latest().unwrap();
            assert!(latest.skipped.is_empty(), "{:?}", latest.skipped);
            let info = latest.snapshot.unwrap();
            let (_, got) = read_all(&store, info.id);
            match info.id {
                1 => assert_eq!(got, first),
                2 => {
                    assert_eq!(got, second);
                    assert!(n > from, "snapshot 2 cannot exist before it was synced");
                }
                id => panic!("unexpected snapshot {id}"),
            }
            // Leftovers are removed on open.
            assert!(image
                .list_dir(&snap_dir())
                .unwrap()
                .iter()
                .all(|n| n.ends_with(".snap")));
        }
    }
    let image: Arc<dyn Vfs> = Arc::new(crash.crash_image(to, CrashMode::LoseUnsynced));
    let (store, _) = SnapshotStore::open(image, snap_dir()).unwrap();
    assert_eq!(
        store.latest().unwrap().snapshot.unwrap().id,
        2,
        "finish() made it durable"
    );
}

#[test]
fn every_damaged_byte_is_detected_with_its_offset() {
    let mem = MemVfs::new();
    let vfs: Arc<dyn Vfs> = Arc::new(mem.clone());
    let (store, _) = SnapshotStore::open(Arc::clone(&vfs), snap_dir()).unwrap();
    let data: Vec<Bytes> = (0..5u8).map(|k| Bytes::from(vec![k; 40])).collect();
    let info = write(&store, 9, b"meta", &data);
    let path = info.path.clone();
    let len = mem.read_file(&path).unwrap().len();
    let chunk_start = |k: usize| 32 + 4 + k * 48;
    for at in 0..len {
        let image = mem.deep_clone();
        image.modify_file(&path, |b| b[at] ^= 0x04).unwrap();
        let err = SnapshotReader::open(&image, &path)
            .and_then(SnapshotReader::verify)
            .unwrap_err();
        let SnapshotError::Corrupted { offset, .. } = &err else {
            panic!("byte {at}: {err}");
        };
        let offset = *offset as usize;
        if at < 36 {
            assert!(offset < 36, "header byte {at}: {err}");
        } else if at < chunk_start(5) {
            let k = (at - 36) / 48;
            assert_eq!(offset, chunk_start(k), "chunk byte {at}: {err}");
        } else {
            assert!(offset >= chunk_start(5), "trailer byte {at}: {err}");
        }
        // `check` reports it too.
        let report = check(&image, Path::new(DATA));
        assert!(report.is_corrupted(), "byte {at}: {report}");
        assert_eq!(report.damage[0].offset as usize, offset);
        // And the store skips it loudly rather than silently.
        let (store, _) = SnapshotStore::open(Arc::new(image), snap_dir()).unwrap();
        let latest = store.latest().unwrap();
        assert!(latest.snapshot.is_none());
        assert_eq!(latest.skipped.len(), 1);
    }
    // Truncated anywhere, or with bytes appended.
    for cut in 0..len {
        let image = mem.deep_clone();
        image.modify_file(&path, |b| b.truncate(cut)).unwrap();
        let err = SnapshotReader::open(&image, &path)
            .and_then(SnapshotReader::verify)
            .unwrap_err();
        assert!(err.is_corruption(), "cut at {cut}: {err}");
    }
    let image = mem.deep_clone();
    image.modify_file(&path, |b| b.push(0)).unwrap();
    let err = SnapshotReader::open(&image, &path)
        .and_then(SnapshotReader::verify)
        .unwrap_err();
    assert!(
        err.to_string().contains("after the snapshot trailer"),
        "{err}"
    );
}

#[test]
fn a_damaged_newest_snapshot_is_skipped_and_reported() {
    let mem = MemVfs::new();
    let vfs: Arc<dyn Vfs> = Arc::new(mem.clone());
    let (store, _) = SnapshotStore::open(Arc::clone(&vfs), snap_dir()).unwrap();
    write(&store, 1, b"a", &chunks(1));
    let newest = write(&store, 2, b"b", &chunks(2));
    mem.modify_file(&newest.path, |b| {
        let at = b.len() / 2;
        b[at] ^= 1;
    })
    .unwrap();
    let latest = store.latest().unwrap();
    assert_eq!(latest.snapshot.unwrap().id, 1);
    assert_eq!(latest.skipped.len(), 1);
    assert!(latest.skipped[0].is_corruption());
    let report = check(&mem, Path::new(DATA));
    assert_eq!(report.latest_snapshot().unwrap().id, 1);
    assert!(report.is_corrupted());
    assert!(report.to_string().contains("DAMAGED"), "{report}");
}

#[test]
fn raw_bytes_import_on_another_node() {
    let leader: Arc<dyn Vfs> = Arc::new(MemVfs::new());
    let follower: Arc<dyn Vfs> = Arc::new(MemVfs::new());
    let (src, _) = SnapshotStore::open(leader, snap_dir()).unwrap();
    let (dst, _) = SnapshotStore::open(Arc::clone(&follower), snap_dir()).unwrap();
    let data = chunks(3);
    write(&src, 42, b"meta 42", &data);
    let raw = src.open_raw(42).unwrap();
    let mut import = dst.import().unwrap();
    let mut offset = 0;
    while offset < raw.len() {
        let piece = raw.read_at(offset, 1000).unwrap();
        import.write(&piece).unwrap();
        offset += piece.len() as u64;
    }
    assert_eq!(import.len(), raw.len());
    let info = import.finish().unwrap();
    assert_eq!(info.id, 42);
    assert_eq!(read_all(&dst, 42), (Bytes::from_static(b"meta 42"), data));
    // A damaged transfer is refused and leaves nothing behind.
    let mut import = dst.import().unwrap();
    let mut bytes = raw.read_at(0, raw.len() as usize).unwrap().to_vec();
    bytes[100] ^= 1;
    import.write(&bytes).unwrap();
    assert!(import.finish().unwrap_err().is_corruption());
    assert_eq!(
        follower.list_dir(&snap_dir()).unwrap(),
        vec!["00000000000000000042.snap".to_string()]
    );
}

#[test]
fn oversized_input_is_refused() {
    let vfs: Arc<dyn Vfs> = Arc::new(MemVfs::new());
    let (store, _) = SnapshotStore::open(vfs, snap_dir()).unwrap();
    let err = store
        .create(1, Bytes::from(vec![0; storage::MAX_SNAPSHOT_META_LEN + 1]))
        .unwrap_err();
    assert!(matches!(err, SnapshotError::TooLarge { .. }), "{err}");
}
