//! MULTI/EXEC/DISCARD and WATCH.

mod support;

use resp::Frame;
use support::{bulk, err, ok, TestServer};

fn queued() -> Frame {
    Frame::Simple("QUEUED".into())
}

#[test]
fn exec_runs_queued_commands_atomically_in_order() {
    let server = TestServer::start();
    let mut conn = server.conn();
    assert_eq!(conn.run(&["MULTI"]), ok());
    assert_eq!(conn.run(&["RPUSH", "l", "a"]), queued());
    assert_eq!(conn.run(&["PING"]), queued());
    assert_eq!(conn.run(&["LRANGE", "l", "0", "-1"]), queued());
    assert_eq!(conn.run(&["SELECT", "1"]), queued());
    assert_eq!(conn.run(&["RPUSH", "l", "in-db-1"]), queued());
    assert_eq!(
        conn.run(&["EXEC"]),
        Frame::Array(vec![
            Frame::Integer(1),
            Frame::Simple("PONG".into()),
            Frame::Array(vec![bulk("a")]),
            ok(),
            Frame::Integer(1),
        ])
    );
    assert_eq!(
        conn.run(&["LRANGE", "l", "0", "-1"]),
        Frame::Array(vec![bulk("in-db-1")]),
        "SELECT took effect"
    );
}

#[test]
fn queueing_errors_abort_the_transaction() {
    let server = TestServer::start();
    let mut conn = server.conn();
    conn.run(&["MULTI"]);
    conn.run(&["RPUSH", "l", "a"]);
    assert_eq!(
        conn.run(&["RPUSH", "l"]),
        err("ERR wrong number of arguments for 'rpush' command")
    );
    assert_eq!(
        conn.run(&["EXEC"]),
        err("EXECABORT Transaction discarded because of previous errors.")
    );
    assert_eq!(conn.run(&["LLEN", "l"]), Frame::Integer(0));
}

#[test]
fn runtime_errors_do_not_roll_back() {
    let server = TestServer::start();
    let mut conn = server.conn();
    conn.run(&["RPUSH", "l", "a"]);
    conn.run(&["MULTI"]);
    conn.run(&["LSET", "l", "5", "x"]);
    conn.run(&["RPUSH", "l", "b"]);
    assert_eq!(
        conn.run(&["EXEC"]),
        Frame::Array(vec![err("ERR index out of range"), Frame::Integer(2)])
    );
}

#[test]
fn transaction_state_errors() {
    let server = TestServer::start();
    let mut conn = server.conn();
    assert_eq!(conn.run(&["EXEC"]), err("ERR EXEC without MULTI"));
    assert_eq!(conn.run(&["DISCARD"]), err("ERR DISCARD without MULTI"));
    conn.run(&["MULTI"]);
    assert_eq!(
        conn.run(&["MULTI"]),
        err("ERR MULTI calls can not be nested")
    );
    assert_eq!(
        conn.run(&["WATCH", "x"]),
        err("ERR WATCH inside MULTI is not allowed")
    );
    conn.run(&["RPUSH", "l", "a"]);
    assert_eq!(conn.run(&["DISCARD"]), ok());
    assert_eq!(conn.run(&["LLEN", "l"]), Frame::Integer(0));
}

#[test]
fn watch_aborts_when_another_client_changes_the_key() {
    let server = TestServer::start();
    let mut conn = server.conn();
    let mut other = server.conn();
    conn.run(&["RPUSH", "balance", "100"]);
    assert_eq!(conn.run(&["WATCH", "balance"]), ok());
    other.run(&["RPUSH", "balance", "50"]);
    conn.run(&["MULTI"]);
    conn.run(&["RPUSH", "balance", "mine"]);
    assert_eq!(conn.run(&["EXEC"]), Frame::NullArray);
    assert_eq!(conn.run(&["LLEN", "balance"]), Frame::Integer(2));
    // The watch is gone after EXEC: the next transaction runs.
    conn.run(&["MULTI"]);
    conn.run(&["RPUSH", "balance", "mine"]);
    assert_eq!(conn.run(&["EXEC"]), Frame::Array(vec![Frame::Integer(3)]));
}

#[test]
fn watch_passes_when_nothing_changed_or_after_unwatch() {
    let server = TestServer::start();
    let mut conn = server.conn();
    let mut other = server.conn();
    conn.run(&["WATCH", "k"]);
    other.run(&["RPUSH", "unrelated", "x"]);
    conn.run(&["MULTI"]);
    conn.run(&["RPUSH", "k", "v"]);
    assert_eq!(conn.run(&["EXEC"]), Frame::Array(vec![Frame::Integer(1)]));
    conn.run(&["WATCH", "k"]);
    other.run(&["RPUSH", "k", "changed"]);
    assert_eq!(conn.run(&["UNWATCH"]), ok());
    conn.run(&["MULTI"]);
    conn.run(&["LLEN", "k"]);
    assert_eq!(conn.run(&["EXEC"]), Frame::Array(vec![Frame::Integer(2)]));
}

#[test]
fn watch_sees_flushall_and_expiry() {
    let server = TestServer::start();
    let mut conn = server.conn();
    let mut other = server.conn();
    conn.run(&["RPUSH", "k", "v"]);
    conn.run(&["WATCH", "k"]);
    other.run(&["FLUSHALL"]);
    conn.run(&["MULTI"]);
    conn.run(&["PING"]);
    assert_eq!(conn.run(&["EXEC"]), Frame::NullArray);

    conn.run(&["RPUSH", "t", "v"]);
    conn.run(&["PEXPIRE", "t", "50"]);
    conn.run(&["WATCH", "t"]);
    testkit::wait_until(
        std::time::Duration::from_secs(10),
        "the key to expire",
        || other.run(&["EXISTS", "t"]) == Frame::Integer(0),
    );
    conn.run(&["MULTI"]);
    conn.run(&["PING"]);
    assert_eq!(conn.run(&["EXEC"]), Frame::NullArray);
}

#[test]
fn discard_and_disconnect_release_watches() {
    let server = TestServer::start();
    let mut conn = server.conn();
    let mut other = server.conn();
    conn.run(&["WATCH", "k"]);
    conn.run(&["MULTI"]);
    conn.run(&["DISCARD"]);
    other.run(&["RPUSH", "k", "x"]);
    conn.run(&["MULTI"]);
    conn.run(&["LLEN", "k"]);
    assert_eq!(conn.run(&["EXEC"]), Frame::Array(vec![Frame::Integer(1)]));
}
