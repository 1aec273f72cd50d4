//! The server on the durable write path (`durability = fsync`): the same
//! behaviour through the Raft log, restarts, SAVE and INFO persistence.

mod support;

use std::time::Duration;

use resp::Frame;
use server::Durability;
use support::{bulk, ok, TestServer};
use testkit::wait_until;

fn durable(dir: &std::path::Path) -> TestServer {
    TestServer::in_dir(dir, Durability::Fsync, |_| {})
}

fn info(conn: &mut testkit::Conn, section: &str) -> String {
    match conn.run(&["INFO", section]) {
        Frame::Bulk(text) => String::from_utf8_lossy(&text).into_owned(),
        other => panic!("INFO replied {other:?}"),
    }
}

#[test]
fn data_survives_a_restart() {
    let dir = tempfile::tempdir().expect("dir");
    {
        let server = durable(dir.path());
        let mut conn = server.conn();
        assert_eq!(conn.run(&["SET", "k", "v", "EX", "1000"]), ok());
        assert_eq!(conn.run(&["SELECT", "2"]), ok());
        assert_eq!(conn.run(&["RPUSH", "l", "a", "b"]), Frame::Integer(2));
        assert_eq!(conn.run(&["HSET", "h", "f", "1"]), Frame::Integer(1));
    }
    let server = durable(dir.path());
    let mut conn = server.conn();
    assert_eq!(conn.run(&["GET", "k"]), bulk("v"));
    assert!(matches!(conn.run(&["TTL", "k"]), Frame::Integer(t) if (990..=1000).contains(&t)));
    conn.run(&["SELECT", "2"]);
    assert_eq!(
        conn.run(&["LRANGE", "l", "0", "-1"]),
        Frame::Array(vec![bulk("a"), bulk("b")])
    );
    assert_eq!(conn.run(&["HGET", "h", "f"]), bulk("1"));
}

#[test]
fn save_snapshots_and_info_reports_it() {
    let dir = tempfile::tempdir().expect("dir");
    {
        let server = durable(dir.path());
        let mut conn = server.conn();
        for i in 0..100 {
            conn.run(&["SET", &format!("key{i}"), &i.to_string()]);
        }
        let Frame::Integer(before) = conn.run(&["LASTSAVE"]) else {
            panic!("integer")
        };
        assert_eq!(conn.run(&["SAVE"]), ok());
        let Frame::Integer(after) = conn.run(&["LASTSAVE"]) else {
            panic!("integer")
        };
        assert!(after >= before);
        let persistence = info(&mut conn, "persistence");
        assert!(persistence.contains("aof_enabled:1"), "{persistence}");
        assert!(persistence.contains("durability:fsync"), "{persistence}");
        assert!(
            !persistence.contains("log_snapshot_index:0\r\n"),
            "{persistence}"
        );
        assert_eq!(conn.run(&["SET", "after-snapshot", "1"]), ok());
        assert_eq!(
            conn.run(&["BGSAVE"]),
            Frame::Simple("Background saving started".into())
        );
    }
    let server = durable(dir.path());
    let mut conn = server.conn();
    assert_eq!(conn.run(&["DBSIZE"]), Frame::Integer(101));
    assert_eq!(conn.run(&["GET", "key42"]), bulk("42"));
}

#[test]
fn blocking_and_watch_through_the_log() {
    let dir = tempfile::tempdir().expect("dir");
    let server = durable(dir.path());
    let mut waiter = server.conn();
    let mut other = server.conn();
    waiter.send(&["BLPOP", "q", "0"]);
    wait_until(Duration::from_secs(10), "the client to block", || {
        info(&mut other, "clients").contains("blocked_clients:1\r\n")
    });
    other.run(&["RPUSH", "q", "job"]);
    assert_eq!(waiter.read(), Frame::Array(vec![bulk("q"), bulk("job")]));

    waiter.run(&["SET", "w", "1"]);
    assert_eq!(waiter.run(&["WATCH", "w"]), ok());
    other.run(&["INCR", "w"]);
    waiter.run(&["MULTI"]);
    waiter.run(&["INCR", "w"]);
    assert_eq!(waiter.run(&["EXEC"]), Frame::NullArray);
}
