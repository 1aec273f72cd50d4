//! Snapshots through a running group: values larger than a chunk, and
//! snapshots that fail to be written (a full disk), which must not stop
//! writes.

use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use bytes::Bytes;
use keyspace::{Keyspace, Op, Value};
use replication::{ClientBatch, Engine, EngineError, Group, GroupConfig, NoObserver};
use resp::Frame;
use storage::vfs::{OpenMode, VfsFile};
use storage::{Durability, MemVfs, SnapshotReader, Vfs, SNAPSHOT_DIR};
use testkit::wait_until;

fn config(vfs: Arc<dyn Vfs>, snapshot_entries: u64) -> GroupConfig {
    GroupConfig {
        dir: "/data".into(),
        vfs,
        durability: Durability::Fsync,
        segment_size: storage::MIN_SEGMENT_SIZE,
        databases: 16,
        snapshot_entries,
        snapshot_bytes: 0,
    }
}

fn command(args: &[&[u8]]) -> ClientBatch {
    ClientBatch {
        resp3: false,
        ops: vec![Op::Command {
            db: 0,
            resp3: false,
            args: args.iter().map(|a| Bytes::copy_from_slice(a)).collect(),
        }],
        origin: None,
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn open(rt: &tokio::runtime::Runtime, config: GroupConfig) -> Group {
    rt.block_on(Group::open(config, Arc::new(NoObserver)))
        .expect("group opens")
}

/// Writes one command and returns its reply.
fn write(rt: &tokio::runtime::Runtime, group: &Group, args: &[&[u8]]) -> Frame {
    let response = rt.block_on(group.write(command(args))).expect("write");
    resp::decode(&response.reply)
        .expect("valid reply")
        .expect("complete")
        .0
}

fn ok() -> Frame {
    Frame::Simple("OK".into())
}

/// Chunk sizes of the newest snapshot file.
fn chunk_sizes(vfs: &dyn Vfs) -> Vec<usize> {
    let dir = Path::new("/data").join(SNAPSHOT_DIR);
    let files = vfs.list_dir(&dir).expect("list");
    let name = files
        .iter()
        .filter(|n| n.ends_with(".snap"))
        .max()
        .expect("a snapshot");
    let reader = SnapshotReader::open(vfs, &dir.join(name)).expect("valid");
    reader.map(|chunk| chunk.expect("chunk").len()).collect()
}

#[test]
fn values_larger_than_a_chunk_survive_snapshots_and_restarts() {
    let rt = runtime();
    let vfs = MemVfs::new();
    let shared: Arc<dyn Vfs> = Arc::new(vfs.clone());
    let long: Vec<u8> = (0..5_000_000u32).map(|i| (i % 251) as u8).collect();
    let before = {
        let group = open(&rt, config(shared.clone(), 1_000_000));
        assert_eq!(write(&rt, &group, &[b"SET", b"long", &long]), ok());
        // A hash whose encoding (3 MB) is far larger than a chunk.
        for i in 0..300 {
            let field = format!("f{i}");
            write(
                &rt,
                &group,
                &[b"HSET", b"hash", field.as_bytes(), &long[i..i + 10_000]],
            );
        }
        write(&rt, &group, &[b"SET", b"small", b"v"]);
        rt.block_on(group.snapshot()).expect("snapshot");
        assert_eq!(
            write(&rt, &group, &[b"APPEND", b"long", b"!"]),
            Frame::Integer(5_000_001)
        );
        let keyspace = group.keyspace().read().clone();
        rt.block_on(group.shutdown()).expect("shutdown");
        keyspace
    };
    let sizes = chunk_sizes(&vfs);
    assert!(sizes.len() >= 8, "{sizes:?}");
    assert!(sizes.iter().all(|&n| n <= 2 << 20), "{sizes:?}");
    let group = open(&rt, config(shared, 1_000_000));
    let after = group.keyspace().read().clone();
    rt.block_on(group.shutdown()).expect("shutdown");
    assert!(after.logically_equal(&before));
    let mut expected = long.clone();
    expected.push(b'!');
    assert_eq!(after.db(0).get(b"long", 0), Some(&Value::string(&expected)));
}

/// Writes to snapshot files either fail like a full disk or wait at a
/// gate; the log's files keep working.
#[derive(Debug, Clone, Default)]
struct SnapshotFaults {
    full: Arc<AtomicBool>,
    gate: Arc<(Mutex<bool>, Condvar)>,
}

impl SnapshotFaults {
    /// Makes snapshot writes wait until `open_gate`.
    fn close_gate(&self) {
        *self.gate.0.lock().expect("gate") = true;
    }

    fn open_gate(&self) {
        *self.gate.0.lock().expect("gate") = false;
        self.gate.1.notify_all();
    }

    fn write(&self) -> io::Result<()> {
        let mut closed = self.gate.0.lock().expect("gate");
        while *closed {
            closed = self.gate.1.wait(closed).expect("gate");
        }
        if self.full.load(Ordering::Relaxed) {
            return Err(io::Error::from_raw_os_error(28)); // ENOSPC
        }
        Ok(())
    }
}

/// A memory file system with [`SnapshotFaults`] on its snapshot files.
#[derive(Debug, Clone)]
struct FaultyDisk {
    inner: MemVfs,
    faults: SnapshotFaults,
}

impl FaultyDisk {
    fn new() -> FaultyDisk {
        FaultyDisk {
            inner: MemVfs::new(),
            faults: SnapshotFaults::default(),
        }
    }
}

#[derive(Debug)]
struct SnapshotFile {
    inner: Arc<dyn VfsFile>,
    faults: SnapshotFaults,
}

impl Vfs for FaultyDisk {
    fn open(&self, path: &Path, mode: OpenMode) -> io::Result<Arc<dyn VfsFile>> {
        let file = self.inner.open(path, mode)?;
        if !path.to_string_lossy().ends_with(".snap.tmp") {
            return Ok(file);
        }
        Ok(Arc::new(SnapshotFile {
            inner: file,
            faults: self.faults.clone(),
        }))
    }
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        self.inner.rename(from, to)
    }
    fn remove_file(&self, path: &Path) -> io::Result<()> {
        self.inner.remove_file(path)
    }
    fn list_dir(&self, dir: &Path) -> io::Result<Vec<String>> {
        self.inner.list_dir(dir)
    }
    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        self.inner.sync_dir(dir)
    }
    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        self.inner.create_dir_all(dir)
    }
    fn dir_exists(&self, dir: &Path) -> io::Result<bool> {
        self.inner.dir_exists(dir)
    }
}

impl VfsFile for SnapshotFile {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        self.inner.read_at(buf, offset)
    }
    fn write_all_at(&self, buf: &[u8], offset: u64) -> io::Result<()> {
        self.faults.write()?;
        self.inner.write_all_at(buf, offset)
    }
    fn size(&self) -> io::Result<u64> {
        self.inner.size()
    }
    fn set_len(&self, len: u64) -> io::Result<()> {
        self.inner.set_len(len)
    }
    fn preallocate(&self, len: u64) -> io::Result<()> {
        self.inner.preallocate(len)
    }
    fn sync_data(&self) -> io::Result<()> {
        self.inner.sync_data()
    }
}

#[test]
fn a_failed_snapshot_keeps_writes_going_and_the_next_attempt_succeeds() {
    let rt = runtime();
    let disk = FaultyDisk::new();
    let vfs: Arc<dyn Vfs> = Arc::new(disk.clone());
    // Automatic snapshots every 20 entries, so they keep being attempted.
    let group = open(&rt, config(vfs.clone(), 20));
    for i in 0..10 {
        write(&rt, &group, &[b"SET", format!("k{i}").as_bytes(), b"v"]);
    }
    disk.faults.full.store(true, Ordering::Relaxed);
    let error = rt.block_on(group.snapshot()).expect_err("the disk is full");
    assert!(
        matches!(&error, EngineError::Snapshot(e) if e.contains("No space left")),
        "{error}"
    );
    let status = group
        .log_stats()
        .expect("a group has a log")
        .snapshot_status;
    assert!(status.failed() && status.failures == 1 && status.running_since.is_none());
    // Writes are acknowledged as before, past the automatic snapshot
    // threshold (attempts fail or are held back by the backoff).
    for i in 10..200 {
        let key = format!("k{i}");
        assert_eq!(write(&rt, &group, &[b"SET", key.as_bytes(), b"v"]), ok());
    }
    wait_until(
        Duration::from_secs(30),
        "an automatic attempt to fail",
        || {
            group
                .log_stats()
                .expect("a group has a log")
                .snapshot_status
                .failures
                >= 2
        },
    );
    assert_eq!(
        write(&rt, &group, &[b"INCR", b"counter"]),
        Frame::Integer(1)
    );
    assert_eq!(
        group.log_stats().expect("a group has a log").snapshot_index,
        None
    );
    // No temporary file is left behind.
    let dir = Path::new("/data").join(SNAPSHOT_DIR);
    assert!(vfs.list_dir(&dir).expect("list").is_empty());

    // Space is back: the retry after the backoff succeeds by itself.
    disk.faults.full.store(false, Ordering::Relaxed);
    wait_until(Duration::from_secs(120), "the retry to succeed", || {
        let stats = group.log_stats().expect("a group has a log");
        !stats.snapshot_status.failed() && stats.snapshot_index.is_some()
    });
    let status = group
        .log_stats()
        .expect("a group has a log")
        .snapshot_status;
    assert_eq!(status.consecutive_failures, 0);
    assert!(status.retry_at.is_none());
    assert_eq!(
        write(&rt, &group, &[b"INCR", b"counter"]),
        Frame::Integer(2)
    );
    rt.block_on(group.snapshot()).expect("SAVE works again");
    let before = group.keyspace().read().clone();
    rt.block_on(group.shutdown()).expect("shutdown");

    let group = open(&rt, config(vfs, 20));
    let after: Keyspace = group.keyspace().read().clone();
    rt.block_on(group.shutdown()).expect("shutdown");
    assert!(after.logically_equal(&before));
    assert_eq!(after.db(0).len(), 201);
}

#[test]
fn save_is_refused_while_a_snapshot_is_being_written_and_writes_go_on() {
    let rt = runtime();
    let disk = FaultyDisk::new();
    let group = open(&rt, config(Arc::new(disk.clone()), 1_000_000));
    write(&rt, &group, &[b"SET", b"k", b"v"]);
    disk.faults.close_gate();
    rt.block_on(group.snapshot_in_background())
        .expect("BGSAVE starts");
    wait_until(Duration::from_secs(30), "the snapshot to start", || {
        group
            .log_stats()
            .expect("a group has a log")
            .snapshot_status
            .running_since
            .is_some()
    });
    assert!(matches!(
        rt.block_on(group.snapshot()),
        Err(EngineError::SnapshotInProgress)
    ));
    assert!(matches!(
        rt.block_on(group.snapshot_in_background()),
        Err(EngineError::SnapshotInProgress)
    ));
    // The snapshot waits on the disk; writes do not.
    for i in 0..20 {
        assert_eq!(write(&rt, &group, &[b"INCR", b"n"]), Frame::Integer(i + 1));
    }
    disk.faults.open_gate();
    wait_until(Duration::from_secs(30), "the snapshot to finish", || {
        let stats = group.log_stats().expect("a group has a log");
        stats.snapshot_status.running_since.is_none() && stats.snapshot_index.is_some()
    });
    assert!(!group
        .log_stats()
        .expect("a group has a log")
        .snapshot_status
        .failed());
    rt.block_on(group.snapshot()).expect("SAVE");
    rt.block_on(group.shutdown()).expect("shutdown");
}
