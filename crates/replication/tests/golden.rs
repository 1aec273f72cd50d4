//! Upgrade safety: data directories written by earlier versions of keel
//! are checked into `testdata/` and must keep opening with the same
//! contents. A format change that breaks this test needs an explicit
//! migration (and a new golden directory next to the old ones).
//!
//! To write a golden directory for a new format version:
//! `KEEL_WRITE_GOLDEN=testdata/golden-vN cargo test -p replication --test golden -- --ignored`

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use keyspace::{KeyTtl, Keyspace, Op, Value};
use replication::{ClientBatch, Engine, Group, GroupConfig, NoObserver};
use storage::{Durability, StdVfs};

/// Far in the future, so the golden keys never expire.
const FAR: u64 = 4_102_444_800_000;

fn golden(version: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(version)
}

fn config(dir: &Path) -> GroupConfig {
    GroupConfig {
        dir: dir.to_path_buf(),
        vfs: StdVfs::shared(),
        durability: Durability::Fsync,
        segment_size: 16 * 1024,
        databases: 16,
        snapshot_entries: 1_000_000,
        snapshot_bytes: 0,
    }
}

fn command(db: usize, args: &[&str]) -> ClientBatch {
    ClientBatch {
        resp3: false,
        ops: vec![Op::Command {
            db,
            resp3: false,
            args: args
                .iter()
                .map(|a| Bytes::copy_from_slice(a.as_bytes()))
                .collect(),
        }],
        origin: None,
    }
}

/// The workload of the golden directories: every type, TTLs, several
/// databases, half of it before a snapshot and half after.
fn before_snapshot() -> Vec<ClientBatch> {
    let far = FAR.to_string();
    vec![
        command(0, &["SET", "string", "hello"]),
        command(0, &["SET", "counter", "41"]),
        command(0, &["INCR", "counter"]),
        command(0, &["SET", "ttl", "soon", "PXAT", &far]),
        command(1, &["RPUSH", "list", "a", "b", "c"]),
        command(2, &["HSET", "hash", "f1", "v1", "f2", "v2"]),
        command(3, &["SADD", "ints", "1", "2", "3"]),
        command(3, &["SADD", "words", "x", "y"]),
        command(4, &["ZADD", "zset", "1.5", "one", "2.5", "two"]),
        command(5, &["PFADD", "hll", "a", "b", "c"]),
        command(15, &["SETBIT", "bits", "7", "1"]),
    ]
}

fn after_snapshot() -> Vec<ClientBatch> {
    vec![
        command(0, &["APPEND", "string", " world"]),
        command(1, &["LPUSH", "list", "z"]),
        command(2, &["HDEL", "hash", "f1"]),
        command(4, &["ZINCRBY", "zset", "1", "one"]),
        command(0, &["DEL", "counter"]),
    ]
}

/// What every golden directory must contain.
fn check(ks: &Keyspace) {
    let now = 1_800_000_000_000;
    let string = |db: usize, key: &str| -> Option<Vec<u8>> {
        let mut buf = itoa::Buffer::new();
        ks.db(db)
            .get(key.as_bytes(), now)
            .and_then(|v| v.as_bytes(&mut buf).map(<[u8]>::to_vec))
    };
    assert_eq!(string(0, "string"), Some(b"hello world".to_vec()));
    assert_eq!(string(0, "counter"), None);
    assert_eq!(string(0, "ttl"), Some(b"soon".to_vec()));
    assert_eq!(ks.db(0).ttl(b"ttl", now), KeyTtl::ExpiresAt(FAR));
    let types: Vec<(usize, &str, &str)> = vec![
        (1, "list", "list"),
        (2, "hash", "hash"),
        (3, "ints", "set"),
        (3, "words", "set"),
        (4, "zset", "zset"),
        (5, "hll", "string"),
        (15, "bits", "string"),
    ];
    for (db, key, kind) in types {
        let value = ks.db(db).get(key.as_bytes(), now);
        assert_eq!(value.map(Value::type_name), Some(kind), "{key} in db {db}");
    }
    assert_eq!(
        ks.db(3).get(b"ints", now).map(Value::encoding),
        Some("intset")
    );
    assert_eq!((0..16).map(|db| ks.db(db).len()).sum::<usize>(), 9);
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Copies a directory tree (the golden data is opened from a copy: opening
/// may write, e.g. a new vote).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read golden dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

#[test]
fn golden_v1_opens_with_its_contents() {
    let source = golden("golden-v1");
    let report = storage::check(&*StdVfs::shared(), &source);
    assert!(report.passed(), "golden data damaged:\n{report}");
    let snapshot = report.latest_snapshot().map(|s| s.path.clone());
    let contents = replication::verify_contents(&*StdVfs::shared(), &source, snapshot.as_deref())
        .expect("contents decode");
    assert!(
        contents.snapshot.is_some() && contents.entries > 0,
        "{contents}"
    );
    let dir = tempfile::tempdir().expect("dir");
    copy_tree(&source, dir.path());
    let rt = runtime();
    let keyspace = rt.block_on(async {
        let group = Group::open(config(dir.path()), Arc::new(NoObserver))
            .await
            .expect("golden data opens");
        let ks = group.keyspace().read().clone();
        group.shutdown().await.expect("shutdown");
        ks
    });
    check(&keyspace);
}

#[test]
#[ignore = "writes a new golden directory; run by hand when the format version changes"]
fn write_golden() {
    let target = PathBuf::from(
        std::env::var("KEEL_WRITE_GOLDEN").expect("set KEEL_WRITE_GOLDEN to the target directory"),
    );
    assert!(!target.exists(), "{} exists", target.display());
    let rt = runtime();
    let keyspace = rt.block_on(async {
        let group = Group::open(config(&target), Arc::new(NoObserver))
            .await
            .expect("open");
        for batch in before_snapshot() {
            group.write(batch).await.expect("write");
        }
        group.snapshot().await.expect("snapshot");
        for batch in after_snapshot() {
            group.write(batch).await.expect("write");
        }
        let ks = group.keyspace().read().clone();
        group.shutdown().await.expect("shutdown");
        ks
    });
    check(&keyspace);
}
