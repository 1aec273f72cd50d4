//! Values as large as the protocol accepts, through snapshots and
//! restarts: a 300 MiB string, a string grown past 256 MiB by SETRANGE
//! and a list whose encoding exceeds 256 MiB (the largest snapshot chunk),
//! with the size-triggered snapshots and SAVE.
//!
//! One test only: it holds about 1 GiB.

mod support;

use std::time::Duration;

use resp::Frame;
use server::Durability;
use support::{ok, TestServer};
use testkit::{wait_until, Conn};

const MIB: usize = 1 << 20;

fn info_field(conn: &mut Conn, name: &str) -> String {
    let Frame::Bulk(text) = conn.run(&["INFO", "persistence"]) else {
        panic!("INFO replies a bulk string")
    };
    let text = String::from_utf8_lossy(&text).into_owned();
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
        .unwrap_or_else(|| panic!("no {name} in {text}"))
        .to_string()
}

fn number(conn: &mut Conn, name: &str) -> u64 {
    info_field(conn, name).parse().expect("a number")
}

/// Waits until a snapshot holding everything applied so far was written
/// by the server on its own (the log grew past `snapshot-bytes`).
fn wait_for_automatic_snapshot(conn: &mut Conn) {
    let applied = number(conn, "log_last_applied_index");
    wait_until(
        Duration::from_secs(300),
        "a size-triggered snapshot",
        || {
            number(conn, "log_snapshot_index") >= applied
                && info_field(conn, "rdb_bgsave_in_progress") == "0"
        },
    );
    assert_eq!(info_field(conn, "rdb_last_bgsave_status"), "ok");
}

/// `len` bytes repeating a 251-byte block (a prime length, so the block
/// never lines up with chunk boundaries), built at memcpy speed.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    let block: Vec<u8> = (0..251u8).map(|b| b ^ seed).collect();
    let mut bytes = Vec::with_capacity(len);
    while bytes.len() < len {
        let n = block.len().min(len - bytes.len());
        bytes.extend_from_slice(&block[..n]);
    }
    bytes
}

#[test]
fn values_of_hundreds_of_mib_survive_snapshots_and_restarts() {
    let dir = tempfile::tempdir().expect("dir");
    // The defaults: a snapshot each time the log grows by 256 MiB.
    let start = || TestServer::in_dir(dir.path(), Durability::Fsync, |_| {});
    let big = pattern(300 * MIB, 0);
    let elements: Vec<Vec<u8>> = (0..5).map(|i| pattern(56 * MIB, i + 1)).collect();
    {
        let server = start();
        let mut conn = server.conn();
        assert_eq!(conn.run(&[&b"SET"[..], b"big", &big]), ok());
        wait_for_automatic_snapshot(&mut conn);
        assert_eq!(
            conn.run(&["SETRANGE", "sparse", "268435456", "x"]),
            Frame::Integer(268_435_457)
        );
        let mut rpush: Vec<&[u8]> = vec![b"RPUSH", b"list"];
        rpush.extend(elements.iter().map(Vec::as_slice));
        assert_eq!(conn.run(&rpush), Frame::Integer(5));
        wait_for_automatic_snapshot(&mut conn);
        assert_eq!(conn.run(&["SAVE"]), ok());
        // Writes go on, and the log was compacted.
        assert_eq!(conn.run(&["SET", "after", "1"]), ok());
        assert_eq!(conn.run(&["INCR", "after"]), Frame::Integer(2));
        assert_eq!(info_field(&mut conn, "rdb_last_bgsave_status"), "ok");
        assert_eq!(number(&mut conn, "snapshot_failures"), 0);
        assert!(number(&mut conn, "log_snapshot_bytes") > 800 * MIB as u64);
    }
    let server = start();
    let mut conn = server.conn();
    assert_eq!(conn.run(&["GET", "after"]), Frame::Bulk("2".into()));
    let Frame::Bulk(restored) = conn.run(&["GET", "big"]) else {
        panic!("big is a string")
    };
    assert!(restored[..] == big[..], "big differs after the restart");
    drop((restored, big));
    let Frame::Bulk(sparse) = conn.run(&["GET", "sparse"]) else {
        panic!("sparse is a string")
    };
    assert_eq!(sparse.len(), 268_435_457);
    assert_eq!(sparse.last(), Some(&b'x'));
    let zeros = vec![0u8; MIB];
    assert!(sparse[..sparse.len() - 1]
        .chunks(MIB)
        .all(|chunk| chunk == &zeros[..chunk.len()]));
    drop(sparse);
    for (i, element) in elements.iter().enumerate() {
        let index = i.to_string();
        let Frame::Bulk(restored) = conn.run(&["LINDEX", "list", &index]) else {
            panic!("list element {i}")
        };
        assert!(restored[..] == element[..], "list element {i} differs");
    }
    assert_eq!(conn.run(&["SET", "after", "3"]), ok());
}
