//! No single client may take the server down or exhaust its memory:
//! configuration ranges, panics confined to one connection, the query
//! buffer limit over partial commands and MULTI queues, per-command
//! authentication state, and CONFIG SET as one critical section.

mod support;

use std::time::Duration;

use resp::Frame;
use server::Durability;
use support::{bulk, err, ok, test_durability, TestServer};
use testkit::{wait_until, Conn};

const MIB: usize = 1 << 20;

fn pong() -> Frame {
    Frame::Simple("PONG".into())
}

fn text(frame: Frame) -> String {
    match frame {
        Frame::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
        other => panic!("expected a bulk string, got {other:?}"),
    }
}

fn connected_clients(conn: &mut Conn) -> u64 {
    let info = text(conn.run(&["INFO", "clients"]));
    info.lines()
        .find_map(|l| l.strip_prefix("connected_clients:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("connected_clients in INFO")
}

fn config_get(conn: &mut Conn, name: &str) -> String {
    match conn.run(&["CONFIG", "GET", name]) {
        Frame::Map(pairs) => text(pairs[0].1.clone()),
        Frame::Array(items) => text(items[1].clone()),
        other => panic!("CONFIG GET {name}: {other:?}"),
    }
}

/// Redis 7.0's replies (checked against redis-server 7.0.15).
#[test]
fn config_set_checks_redis_ranges() {
    let server = TestServer::start();
    let mut conn = server.conn();
    let failed = |name: &str, why: &str| {
        err(&format!(
            "ERR CONFIG SET failed (possibly related to argument '{name}') - {why}"
        ))
    };
    let int_range = "argument must be between 0 and 2147483647 inclusive";
    let not_int = "argument couldn't be parsed into an integer";
    let memory_range = "argument must be between 1048576 and 9223372036854775807 inclusive";
    let not_memory = "argument must be a memory value";
    let buffer = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
    let cases: &[(&str, &str, &str)] = &[
        ("timeout", "9223372036854775807", int_range),
        ("timeout", "2147483648", int_range),
        ("timeout", "-1", int_range),
        ("timeout", "05", not_int),
        ("timeout", "+5", not_int),
        ("timeout", "1.5", not_int),
        ("tcp-keepalive", "2147483648", int_range),
        (
            "maxclients",
            "0",
            "argument must be between 1 and 4294967295 inclusive",
        ),
        (
            "maxclients",
            "4294967296",
            "argument must be between 1 and 4294967295 inclusive",
        ),
        ("hz", "-1", int_range),
        ("hz", "2147483648", int_range),
        (
            "slowlog-log-slower-than",
            "-2",
            "argument must be between -1 and 9223372036854775807 inclusive",
        ),
        ("slowlog-log-slower-than", "9223372036854775808", not_int),
        (
            "slowlog-max-len",
            "-1",
            "argument must be between 0 and 9223372036854775807 inclusive",
        ),
        ("proto-max-bulk-len", "1k", memory_range),
        ("proto-max-bulk-len", "9223372036854775808", memory_range),
        ("proto-max-bulk-len", "99999999999999999999", memory_range),
        ("proto-max-bulk-len", "-1", not_memory),
        ("proto-max-bulk-len", "1.5mb", not_memory),
        ("client-query-buffer-limit", "1", memory_range),
        ("client-query-buffer-limit", "1tb", not_memory),
        ("client-output-buffer-limit", "normal 1 1 -1", buffer),
        (
            "client-output-buffer-limit",
            "normal 1 1 2147483648",
            buffer,
        ),
        ("client-output-buffer-limit", "normal x 1 1", buffer),
        ("client-output-buffer-limit", "normal +5 1 1", buffer),
    ];
    for (name, value, why) in cases {
        assert_eq!(
            conn.run(&["CONFIG", "SET", name, value]),
            failed(name, why),
            "CONFIG SET {name} {value}"
        );
    }
    for (name, value, reads) in [
        ("timeout", "2147483647", "2147483647"),
        (
            "proto-max-bulk-len",
            "9223372036854775807",
            "9223372036854775807",
        ),
        ("client-query-buffer-limit", "02mb", "2097152"),
        ("slowlog-log-slower-than", "-1", "-1"),
        ("hz", "0", "1"),
        ("hz", "1000", "500"),
    ] {
        assert_eq!(conn.run(&["CONFIG", "SET", name, value]), ok(), "{name}");
        assert_eq!(config_get(&mut conn, name), reads, "{name}");
    }
    // With the longest timeout, new connections still work and the
    // setting can be changed back.
    let mut other = server.conn();
    assert_eq!(other.run(&["PING"]), pong());
    assert_eq!(other.run(&["CONFIG", "SET", "timeout", "0"]), ok());
}

/// Deadlines computed from the largest values clients may send.
#[test]
fn huge_client_timeouts_are_served() {
    let server = TestServer::start();
    let mut conn = server.conn();
    assert_eq!(
        conn.run(&["CLIENT", "PAUSE", "9223372036854775807", "WRITE"]),
        ok()
    );
    assert_eq!(conn.run(&["CLIENT", "UNPAUSE"]), ok());
    let mut blocked = server.conn();
    // About 29 million years.
    blocked.send(&["BLPOP", "list", "922337203685477"]);
    wait_until(Duration::from_secs(10), "BLPOP to block", || {
        text(conn.run(&["CLIENT", "LIST"])).contains("flags=b")
    });
    assert_eq!(conn.run(&["LPUSH", "list", "x"]), Frame::Integer(1));
    assert_eq!(blocked.read(), Frame::Array(vec![bulk("list"), bulk("x")]));
    assert_eq!(blocked.run(&["PING"]), pong());
}

/// A panic in one connection task (forced by the test-only KEEL.PANIC)
/// closes that connection only: the others keep working, its
/// subscriptions go and its `maxclients` slot is freed.
#[test]
fn a_panicking_connection_affects_no_one_else() {
    let server = TestServer::with(|c| c.maxclients = 2);
    let mut doomed = server.conn();
    let mut other = server.conn();
    assert_eq!(other.run(&["SET", "k", "v"]), ok());
    assert_eq!(
        doomed.run(&["SUBSCRIBE", "news"]),
        Frame::Array(vec![bulk("subscribe"), bulk("news"), Frame::Integer(1)])
    );
    doomed.send(&["KEEL.PANIC"]);
    assert_eq!(doomed.try_read(), None, "the panicking connection closes");
    assert_eq!(other.run(&["GET", "k"]), bulk("v"));
    wait_until(Duration::from_secs(10), "the slot to be freed", || {
        connected_clients(&mut other) == 1
    });
    assert_eq!(other.run(&["PUBLISH", "news", "x"]), Frame::Integer(0));
    let mut next = server.conn();
    assert_eq!(next.run(&["PING"]), pong());
    assert_eq!(other.run(&["SET", "k", "w"]), ok());
    assert_eq!(next.run(&["GET", "k"]), bulk("w"));
}

/// Sends `bytes` in pieces while the server keeps the connection open.
fn send_while_open(conn: &mut Conn, bytes: &[u8]) {
    for piece in bytes.chunks(64 * 1024) {
        if conn.try_send_raw(piece).is_err() {
            return;
        }
    }
}

/// `*2147483647` and then empty bulks: the arguments parsed so far count
/// against the limit, so the client is disconnected (as in Redis) long
/// before the server's memory grows.
#[test]
fn partial_commands_count_against_the_query_buffer_limit() {
    let server = TestServer::with(|c| c.client_query_buffer_limit = MIB as u64);
    let mut hostile = server.conn();
    let mut wire = b"*2147483647\r\n".to_vec();
    wire.extend(b"$0\r\n\r\n".repeat(8 * MIB / 6));
    send_while_open(&mut hostile, &wire);
    assert_eq!(hostile.try_read(), None, "the client must be disconnected");
    let mut conn = server.conn();
    assert_eq!(conn.run(&["PING"]), pong());
    wait_until(Duration::from_secs(10), "the client to go", || {
        connected_clients(&mut conn) == 1
    });
}

/// A MULTI queue counts against `client-query-buffer-limit` (Redis 7.2.5+
/// and 7.4: the queue is part of the query buffer); over it the client is
/// disconnected and its queue freed.
#[test]
fn multi_queues_count_against_the_query_buffer_limit() {
    let server = TestServer::with(|c| c.client_query_buffer_limit = MIB as u64);
    let mut conn = server.conn();
    assert_eq!(conn.run(&["MULTI"]), ok());
    let value = "x".repeat(1000);
    let mut wire = Vec::new();
    for _ in 0..4000 {
        Frame::encode_command(&["SET", "k", &value], &mut wire);
    }
    // The server may close while the client still writes.
    send_while_open(&mut conn, &wire);
    let mut queued = 0;
    while let Some(reply) = conn.try_read() {
        assert_eq!(reply, Frame::Simple("QUEUED".into()));
        queued += 1;
    }
    assert!(
        (500..1100).contains(&queued),
        "disconnected after about 1 MiB of queued commands, not after {queued}"
    );
    let mut other = server.conn();
    wait_until(Duration::from_secs(10), "the client to go", || {
        connected_clients(&mut other) == 1
    });
    assert_eq!(other.run(&["GET", "k"]), Frame::Null);
}

fn client_line(conn: &mut Conn, id: i64) -> Option<String> {
    text(conn.run(&["CLIENT", "LIST"]))
        .lines()
        .find(|l| l.starts_with(&format!("id={id} ")))
        .map(str::to_string)
}

fn multi_mem(line: &str) -> usize {
    line.split(' ')
        .find_map(|f| f.strip_prefix("multi-mem="))
        .and_then(|n| n.parse().ok())
        .expect("multi-mem in CLIENT LIST")
}

/// CLIENT LIST shows what a queue holds; DISCARD and disconnecting free it.
#[test]
fn multi_queue_memory_is_reported_and_released() {
    let server = TestServer::start();
    let mut watcher = server.conn();
    let mut conn = server.conn();
    let Frame::Integer(id) = conn.run(&["CLIENT", "ID"]) else {
        panic!("CLIENT ID")
    };
    conn.run(&["MULTI"]);
    let value = "v".repeat(100);
    for _ in 0..10 {
        assert_eq!(
            conn.run(&["SET", "k", &value]),
            Frame::Simple("QUEUED".into())
        );
    }
    let line = client_line(&mut watcher, id).expect("listed");
    assert!(line.contains(" multi=10 "), "{line}");
    assert!(multi_mem(&line) >= 10 * 105, "{line}");
    assert_eq!(conn.run(&["DISCARD"]), ok());
    let line = client_line(&mut watcher, id).expect("listed");
    assert_eq!(multi_mem(&line), 0, "{line}");
    conn.run(&["MULTI"]);
    conn.run(&["SET", "k", &value]);
    drop(conn);
    wait_until(Duration::from_secs(10), "the client to go", || {
        client_line(&mut watcher, id).is_none()
    });
}

/// `AUTH` and a command over the unauthenticated limits in one write:
/// the second is parsed once AUTH succeeded.
#[test]
fn auth_applies_to_the_rest_of_its_pipeline() {
    let server = TestServer::with(|c| c.requirepass = Some("secret".into()));
    let mut conn = server.conn();
    let mut wire = Vec::new();
    Frame::encode_command(&["AUTH", "secret"], &mut wire);
    let mset: Vec<String> = std::iter::once("MSET".to_string())
        .chain((0..10).map(|i| format!("k{i}")))
        .collect();
    Frame::encode_command(&mset, &mut wire);
    let big = "b".repeat(20_000);
    Frame::encode_command(&["SET", "big", &big], &mut wire);
    conn.send_raw(&wire);
    assert_eq!(conn.read(), ok());
    assert_eq!(conn.read(), ok());
    assert_eq!(conn.read(), ok());
    assert_eq!(conn.run(&["STRLEN", "big"]), Frame::Integer(20_000));
    // Before AUTH the tighter limits still hold, even pipelined.
    let mut other = server.conn();
    let mut wire = Vec::new();
    Frame::encode_command(&["AUTH", "wrong"], &mut wire);
    Frame::encode_command(&mset, &mut wire);
    other.send_raw(&wire);
    assert!(matches!(other.read(), Frame::Error(e) if e.starts_with("WRONGPASS")));
    assert_eq!(
        other.read(),
        err("ERR Protocol error: unauthenticated multibulk length")
    );
    assert_eq!(other.try_read(), None);
}

/// Concurrent CONFIG SETs of different parameters all take effect, and
/// the durability reported is the one the log applies: each client sets
/// its own parameter and reads it back at once, so an update lost to a
/// concurrent CONFIG SET shows as an older value.
#[test]
fn concurrent_config_sets_lose_no_update() {
    let server = TestServer::start();
    let rounds = 1000;
    let params = [
        "slowlog-max-len",
        "tcp-keepalive",
        "timeout",
        "slowlog-log-slower-than",
    ];
    let set_and_check = |conn: &mut Conn, name: &str, value: &str| {
        assert_eq!(conn.run(&["CONFIG", "SET", name, value]), ok());
        assert_eq!(config_get(conn, name), value, "{name} lost an update");
    };
    std::thread::scope(|scope| {
        for name in params {
            let mut conn = server.conn();
            scope.spawn(move || {
                for i in 1..=rounds {
                    set_and_check(&mut conn, name, &(1000 + i).to_string());
                }
            });
        }
        if test_durability() != Durability::Memory {
            let mut conn = server.conn();
            scope.spawn(move || {
                for i in 0..rounds {
                    let mode = if i % 2 == 0 { "everysec" } else { "always" };
                    set_and_check(&mut conn, "appendfsync", mode);
                    let info = text(conn.run(&["INFO", "persistence"]));
                    let durability = if mode == "always" { "fsync" } else { "os" };
                    assert!(info.contains(&format!("durability:{durability}\r\n")));
                }
            });
        }
    });
}
