//! The server on the durable write path (`durability = fsync`): the same
//! behaviour through the Raft log, restarts, SAVE and INFO persistence.

mod support;

use std::sync::Arc;
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
fn appendfsync_switches_between_fsync_and_os_at_runtime() {
    let dir = tempfile::tempdir().expect("dir");
    let server = durable(dir.path());
    let mut conn = server.conn();
    assert_eq!(
        conn.run(&["CONFIG", "SET", "appendfsync", "everysec"]),
        ok()
    );
    assert!(info(&mut conn, "persistence").contains("durability:os"));
    assert_eq!(conn.run(&["SET", "k", "1"]), ok());
    assert_eq!(conn.run(&["CONFIG", "SET", "durability", "fsync"]), ok());
    assert_eq!(
        conn.run(&["CONFIG", "GET", "appendfsync"]),
        Frame::Array(vec![bulk("appendfsync"), bulk("always")])
    );
    assert_eq!(conn.run(&["SET", "k", "2"]), ok());
    assert!(
        matches!(conn.run(&["CONFIG", "SET", "appendfsync", "no"]), Frame::Error(e) if e.contains("memory"))
    );
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

/// Fail-stop (invariant 6): after a failed fsync the write in flight is
/// answered `-UNKNOWN` (it may or may not be durable), and the server
/// stops by itself, reporting the failure, instead of serving on.
#[test]
fn a_failed_fsync_answers_unknown_and_the_server_fails_stop() {
    let crash = storage::CrashVfs::new();
    let dir = std::path::Path::new("/data");
    let server = TestServer::on_vfs(crash.shared(), dir, Durability::Fsync, |_| {});
    let mut conn = server.conn();
    assert_eq!(conn.run(&["SET", "before", "1"]), ok());
    crash.fail_syncs_after(0);
    match conn.run(&["SET", "lost", "1"]) {
        Frame::Error(text) => assert!(text.starts_with("UNKNOWN "), "{text}"),
        other => panic!("a write whose fsync failed replied {other:?}"),
    }
    match server.stopped_within(Duration::from_secs(30)) {
        Some(server::Stop::Failed(cause)) => assert!(!cause.is_empty()),
        other => panic!("the server did not fail-stop: {other:?}"),
    }
    // What was acknowledged is on disk; the failed write is not.
    let image = crash.crash_image(crash.sync_points(), storage::CrashMode::LoseUnsynced);
    drop(server);
    let restarted = TestServer::on_vfs(Arc::new(image), dir, Durability::Fsync, |_| {});
    let mut conn = restarted.conn();
    assert_eq!(conn.run(&["GET", "before"]), bulk("1"));
    assert_eq!(conn.run(&["EXISTS", "lost"]), Frame::Integer(0));
}

#[test]
fn a_failed_save_answers_err_like_redis_and_writes_go_on() {
    let dir = tempfile::tempdir().expect("dir");
    let server = durable(dir.path());
    let mut conn = server.conn();
    assert_eq!(conn.run(&["SET", "k", "1"]), ok());
    // The snapshot directory replaced by a file: a snapshot cannot be
    // created, the log is unaffected.
    let snapshots = dir.path().join("snapshots");
    std::fs::remove_dir_all(&snapshots).expect("remove snapshots");
    std::fs::write(&snapshots, b"not a directory").expect("file");
    assert_eq!(conn.run(&["SAVE"]), support::err("ERR"));
    let persistence = info(&mut conn, "persistence");
    assert!(
        persistence.contains("rdb_last_bgsave_status:err\r\n"),
        "{persistence}"
    );
    assert!(
        persistence.contains("snapshot_failures:1\r\n"),
        "{persistence}"
    );
    assert!(
        persistence.contains("snapshot_last_error:create "),
        "{persistence}"
    );
    assert!(persistence.contains("rdb_bgsave_in_progress:0\r\n"));
    assert_eq!(conn.run(&["INCR", "k"]), Frame::Integer(2));
    assert_eq!(
        conn.run(&["BGSAVE"]),
        Frame::Simple("Background saving started".into())
    );
    wait_until(Duration::from_secs(10), "the BGSAVE to fail", || {
        info(&mut conn, "persistence").contains("snapshot_failures:2\r\n")
    });
    assert_eq!(conn.run(&["INCR", "k"]), Frame::Integer(3));

    std::fs::remove_file(&snapshots).expect("remove file");
    std::fs::create_dir(&snapshots).expect("directory");
    assert_eq!(conn.run(&["SAVE"]), ok());
    let persistence = info(&mut conn, "persistence");
    assert!(
        persistence.contains("rdb_last_bgsave_status:ok\r\n"),
        "{persistence}"
    );
    assert!(
        persistence.contains("snapshot_last_error:\r\n"),
        "{persistence}"
    );
    drop(conn);
    drop(server);
    let server = durable(dir.path());
    assert_eq!(server.conn().run(&["GET", "k"]), bulk("3"));
}
