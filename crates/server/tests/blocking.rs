//! Blocking commands: woken by applied writes from other clients, timeouts,
//! first-come first-served, CLIENT UNBLOCK, MULTI.

mod support;

use std::time::Duration;

use resp::Frame;
use support::{bulk, err, ok, TestServer};
use testkit::{wait_until, Conn};

/// Waits until `n` clients are blocked.
fn wait_blocked(conn: &mut Conn, n: usize) {
    wait_until(Duration::from_secs(10), "clients to block", || {
        let Frame::Bulk(text) = conn.run(&["INFO", "clients"]) else {
            return false;
        };
        String::from_utf8_lossy(&text).contains(&format!("blocked_clients:{n}\r\n"))
    });
}

#[test]
fn blpop_is_woken_by_a_push_from_another_client() {
    let server = TestServer::start();
    let mut waiter = server.conn();
    let mut pusher = server.conn();
    waiter.send(&["BLPOP", "jobs", "0"]);
    wait_blocked(&mut pusher, 1);
    assert_eq!(pusher.run(&["RPUSH", "jobs", "job-1"]), Frame::Integer(1));
    assert_eq!(
        waiter.read(),
        Frame::Array(vec![bulk("jobs"), bulk("job-1")])
    );
    assert_eq!(pusher.run(&["LLEN", "jobs"]), Frame::Integer(0));
}

#[test]
fn timeout_replies_null_array() {
    let server = TestServer::start();
    let mut conn = server.conn();
    assert_eq!(conn.run(&["BLPOP", "nothing", "0.05"]), Frame::NullArray);
    assert_eq!(
        conn.run(&["BLMOVE", "nothing", "dst", "LEFT", "RIGHT", "0.05"]),
        Frame::NullArray
    );
    conn.run(&["HELLO", "3"]);
    assert_eq!(conn.run(&["BRPOP", "nothing", "0.05"]), Frame::Null);
}

#[test]
fn waiters_are_served_first_come_first_served() {
    let server = TestServer::start();
    let mut admin = server.conn();
    let mut waiters: Vec<Conn> = (0..3).map(|_| server.conn()).collect();
    for (i, w) in waiters.iter_mut().enumerate() {
        w.send(&["BLPOP", "q", "0"]);
        wait_blocked(&mut admin, i + 1);
    }
    assert_eq!(admin.run(&["RPUSH", "q", "a", "b", "c"]), Frame::Integer(3));
    for (w, expected) in waiters.iter_mut().zip(["a", "b", "c"]) {
        assert_eq!(w.read(), Frame::Array(vec![bulk("q"), bulk(expected)]));
    }
}

#[test]
fn one_element_wakes_one_waiter_the_other_keeps_waiting() {
    let server = TestServer::start();
    let mut admin = server.conn();
    let mut first = server.conn();
    let mut second = server.conn();
    first.send(&["BLPOP", "q", "0"]);
    wait_blocked(&mut admin, 1);
    second.send(&["BLPOP", "q", "0"]);
    wait_blocked(&mut admin, 2);
    admin.run(&["RPUSH", "q", "only"]);
    assert_eq!(first.read(), Frame::Array(vec![bulk("q"), bulk("only")]));
    wait_blocked(&mut admin, 1);
    admin.run(&["LPUSH", "q", "next"]);
    assert_eq!(second.read(), Frame::Array(vec![bulk("q"), bulk("next")]));
}

#[test]
fn pushes_inside_multi_wake_waiters() {
    let server = TestServer::start();
    let mut waiter = server.conn();
    let mut writer = server.conn();
    waiter.send(&["BRPOP", "a", "b", "0"]);
    wait_blocked(&mut writer, 1);
    writer.run(&["MULTI"]);
    writer.run(&["RPUSH", "b", "x"]);
    writer.run(&["RPUSH", "b", "y"]);
    assert_eq!(
        writer.run(&["EXEC"]),
        Frame::Array(vec![Frame::Integer(1), Frame::Integer(2)])
    );
    assert_eq!(waiter.read(), Frame::Array(vec![bulk("b"), bulk("y")]));
}

#[test]
fn blocking_commands_do_not_block_inside_multi() {
    let server = TestServer::start();
    let mut conn = server.conn();
    conn.run(&["MULTI"]);
    conn.run(&["BLPOP", "empty", "0"]);
    assert_eq!(conn.run(&["EXEC"]), Frame::Array(vec![Frame::NullArray]));
}

#[test]
fn client_unblock_with_timeout_or_error() {
    let server = TestServer::start();
    let mut admin = server.conn();
    let mut waiter = server.conn();
    let Frame::Integer(id) = waiter.run(&["CLIENT", "ID"]) else {
        panic!("id")
    };
    waiter.send(&["BLPOP", "q", "0"]);
    wait_blocked(&mut admin, 1);
    assert_eq!(
        admin.run(&["CLIENT", "UNBLOCK", &id.to_string()]),
        Frame::Integer(1)
    );
    assert_eq!(waiter.read(), Frame::NullArray);
    waiter.send(&["BLPOP", "q", "0"]);
    wait_blocked(&mut admin, 1);
    assert_eq!(
        admin.run(&["CLIENT", "UNBLOCK", &id.to_string(), "ERROR"]),
        Frame::Integer(1)
    );
    assert_eq!(
        waiter.read(),
        err("UNBLOCKED client unblocked via CLIENT UNBLOCK")
    );
    assert_eq!(
        admin.run(&["CLIENT", "UNBLOCK", &id.to_string()]),
        Frame::Integer(0)
    );
}

#[test]
fn a_disconnected_waiter_does_not_swallow_elements() {
    let server = TestServer::start();
    let mut admin = server.conn();
    let mut leaver = server.conn();
    leaver.send(&["BLPOP", "q", "0"]);
    wait_blocked(&mut admin, 1);
    drop(leaver);
    wait_blocked(&mut admin, 0);
    admin.run(&["RPUSH", "q", "kept"]);
    assert_eq!(
        admin.run(&["LRANGE", "q", "0", "-1"]),
        Frame::Array(vec![bulk("kept")])
    );
}

#[test]
fn commands_pipelined_after_a_blocked_one_wait_for_it() {
    let server = TestServer::start();
    let mut waiter = server.conn();
    let mut pusher = server.conn();
    let mut wire = Vec::new();
    Frame::encode_command(&["BLPOP", "q", "0"], &mut wire);
    Frame::encode_command(&["LLEN", "q"], &mut wire);
    waiter.send_raw(&wire);
    wait_blocked(&mut pusher, 1);
    pusher.run(&["RPUSH", "q", "1", "2"]);
    assert_eq!(waiter.read(), Frame::Array(vec![bulk("q"), bulk("1")]));
    assert_eq!(waiter.read(), Frame::Integer(1));
    assert_eq!(pusher.run(&["PING"]), Frame::Simple("PONG".into()));
    let _ = ok();
}
