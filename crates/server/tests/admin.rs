//! Connection and administration commands.

mod support;

use std::time::{Duration, Instant};

use resp::Frame;
use server::Durability;
use support::{bulk, err, ok, TestServer};
use testkit::wait_until;

fn text(frame: Frame) -> String {
    match frame {
        Frame::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
        Frame::Verbatim { text, .. } => String::from_utf8_lossy(&text).into_owned(),
        other => panic!("expected a string reply, got {other:?}"),
    }
}

#[test]
fn requirepass_gates_commands() {
    let server = TestServer::with(|c| c.requirepass = Some("secret".into()));
    let mut conn = server.conn();
    assert_eq!(
        conn.run(&["ECHO", "x"]),
        err("NOAUTH Authentication required.")
    );
    assert_eq!(
        conn.run(&["AUTH", "wrong"]),
        err("WRONGPASS invalid username-password pair or user is disabled.")
    );
    assert_eq!(conn.run(&["AUTH", "secret"]), ok());
    assert_eq!(conn.run(&["ECHO", "x"]), bulk("x"));
    let mut other = server.conn();
    assert!(matches!(
        other.run(&["HELLO", "3", "AUTH", "default", "secret"]),
        Frame::Map(_)
    ));
    assert_eq!(other.run(&["ECHO", "y"]), bulk("y"));
}

#[test]
fn auth_without_password_configured() {
    let server = TestServer::start();
    let mut conn = server.conn();
    assert_eq!(
        conn.run(&["AUTH", "x"]),
        err("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
    );
}

#[test]
fn client_naming_and_listing() {
    let server = TestServer::start();
    let mut conn = server.conn();
    let Frame::Integer(id) = conn.run(&["CLIENT", "ID"]) else {
        panic!("integer id")
    };
    assert_eq!(conn.run(&["CLIENT", "GETNAME"]), Frame::Null);
    assert_eq!(conn.run(&["CLIENT", "SETNAME", "worker-1"]), ok());
    assert_eq!(conn.run(&["CLIENT", "GETNAME"]), bulk("worker-1"));
    assert_eq!(
        conn.run(&["CLIENT", "SETNAME", "bad name"]),
        err("ERR Client names cannot contain spaces, newlines or special characters.")
    );
    let list = text(conn.run(&["CLIENT", "LIST"]));
    assert!(list.contains(&format!("id={id} ")), "{list}");
    assert!(list.contains("name=worker-1 "), "{list}");
    assert!(list.contains("cmd=client|list "), "{list}");
    let info = text(conn.run(&["CLIENT", "INFO"]));
    assert!(info.starts_with(&format!("id={id} ")), "{info}");
    assert_eq!(
        conn.run(&["CLIENT", "NOSUCH"]),
        err("ERR unknown subcommand 'NOSUCH'. Try CLIENT HELP.")
    );
}

#[test]
fn client_kill_by_id_and_address() {
    let server = TestServer::start();
    let mut admin = server.conn();
    let mut victim = server.conn();
    let Frame::Integer(id) = victim.run(&["CLIENT", "ID"]) else {
        panic!("id")
    };
    assert_eq!(
        admin.run(&["CLIENT", "KILL", "ID", &id.to_string()]),
        Frame::Integer(1)
    );
    assert_eq!(victim.try_read(), None);
    assert_eq!(
        admin.run(&["CLIENT", "KILL", "ID", &id.to_string()]),
        Frame::Integer(0)
    );
    assert_eq!(
        admin.run(&["CLIENT", "KILL", "1.2.3.4:5"]),
        err("ERR No such client")
    );
}

#[test]
fn client_reply_off_and_skip() {
    let server = TestServer::start();
    let mut conn = server.conn();
    conn.send(&["CLIENT", "REPLY", "OFF"]);
    conn.send(&["ECHO", "hidden"]);
    conn.send(&["CLIENT", "REPLY", "ON"]);
    assert_eq!(conn.read(), ok());
    conn.send(&["CLIENT", "REPLY", "SKIP"]);
    conn.send(&["ECHO", "skipped"]);
    assert_eq!(conn.run(&["ECHO", "shown"]), bulk("shown"));
}

#[test]
fn client_pause_all_delays_every_command() {
    let server = TestServer::start();
    let mut admin = server.conn();
    let mut worker = server.conn();
    let paused_at = Instant::now();
    assert_eq!(admin.run(&["CLIENT", "PAUSE", "300"]), ok());
    assert_eq!(worker.run(&["ECHO", "later"]), bulk("later"));
    assert!(
        paused_at.elapsed() >= Duration::from_millis(300),
        "the command ran during the pause"
    );
}

#[test]
fn client_pause_write_lets_reads_through_until_unpause() {
    let server = TestServer::start();
    let mut admin = server.conn();
    let mut worker = server.conn();
    assert_eq!(admin.run(&["CLIENT", "PAUSE", "100000", "WRITE"]), ok());
    assert_eq!(worker.run(&["ECHO", "read"]), bulk("read"));
    assert_eq!(admin.run(&["CLIENT", "UNPAUSE"]), ok());
    assert_eq!(
        admin.run(&["CLIENT", "PAUSE", "10", "SOMETIMES"]),
        err("ERR syntax error")
    );
}

#[test]
fn config_get_set_and_errors() {
    let server = TestServer::start();
    let mut conn = server.conn();
    assert_eq!(
        conn.run(&["CONFIG", "SET", "slowlog-max-len", "5", "hz", "20"]),
        ok()
    );
    assert_eq!(
        conn.run(&["CONFIG", "GET", "slowlog-max-len"]),
        Frame::Array(vec![bulk("slowlog-max-len"), bulk("5")])
    );
    assert_eq!(
        conn.run(&["CONFIG", "SET", "nosuch", "1"]),
        err("ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'")
    );
    assert_eq!(
        conn.run(&["CONFIG", "SET", "databases", "4"]),
        err("ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config")
    );
    if support::test_durability() == Durability::Memory {
        // This server keeps no log: it cannot start one.
        assert_eq!(
            conn.run(&["CONFIG", "SET", "appendfsync", "everysec"]),
            err("ERR CONFIG SET failed (possibly related to argument 'appendfsync') - durability memory cannot be switched on or off while running; restart with the new setting")
        );
        assert_eq!(
            conn.run(&["CONFIG", "GET", "durability"]),
            Frame::Array(vec![bulk("durability"), bulk("memory")])
        );
    } else {
        // The log switches between fsync and os while running.
        assert_eq!(
            conn.run(&["CONFIG", "SET", "appendfsync", "everysec"]),
            ok()
        );
        assert_eq!(
            conn.run(&["CONFIG", "GET", "durability"]),
            Frame::Array(vec![bulk("durability"), bulk("os")])
        );
        assert_eq!(
            conn.run(&["CONFIG", "SET", "appendfsync", "no"]),
            err("ERR CONFIG SET failed (possibly related to argument 'appendfsync') - durability memory cannot be switched on or off while running; restart with the new setting")
        );
    }
    let Frame::Array(port) = conn.run(&["CONFIG", "GET", "port"]) else {
        panic!("array")
    };
    assert_eq!(port[1], bulk(&server.addr.port().to_string()));
}

#[test]
fn info_sections_use_redis_field_names() {
    let server = TestServer::start();
    let mut conn = server.conn();
    let info = text(conn.run(&["INFO"]));
    for field in [
        "redis_version:7.",
        "connected_clients:",
        "used_memory:",
        "total_commands_processed:",
        "role:master",
        "used_cpu_user:",
    ] {
        assert!(info.contains(field), "INFO lacks {field}");
    }
    assert!(info.contains("# Keyspace"));
    assert!(!info.contains("# Commandstats"));
    let stats = text(conn.run(&["INFO", "commandstats"]));
    assert!(stats.contains("cmdstat_info:calls=1,"), "{stats}");
    let server_only = text(conn.run(&["INFO", "server"]));
    assert!(server_only.starts_with("# Server\r\n") && !server_only.contains("# Clients"));
}

#[test]
fn slowlog_records_slow_commands() {
    let server = TestServer::start();
    let mut conn = server.conn();
    assert_eq!(
        conn.run(&["CONFIG", "SET", "slowlog-log-slower-than", "0"]),
        ok()
    );
    conn.run(&["ECHO", "slow"]);
    let Frame::Array(entries) = conn.run(&["SLOWLOG", "GET", "1"]) else {
        panic!("array")
    };
    let Frame::Array(entry) = &entries[0] else {
        panic!("entry")
    };
    assert_eq!(entry[3], Frame::Array(vec![bulk("ECHO"), bulk("slow")]));
    assert!(matches!(conn.run(&["SLOWLOG", "LEN"]), Frame::Integer(n) if n >= 1));
    assert_eq!(conn.run(&["SLOWLOG", "RESET"]), ok());
}

#[test]
fn command_introspection() {
    let server = TestServer::start();
    let mut conn = server.conn();
    let Frame::Integer(count) = conn.run(&["COMMAND", "COUNT"]) else {
        panic!("count")
    };
    let Frame::Array(all) = conn.run(&["COMMAND"]) else {
        panic!("array")
    };
    assert_eq!(all.len() as i64, count);
    let Frame::Array(info) = conn.run(&["COMMAND", "INFO", "echo", "nosuch"]) else {
        panic!("array")
    };
    let Frame::Array(echo) = &info[0] else {
        panic!("entry")
    };
    assert_eq!(echo[0], bulk("echo"));
    assert_eq!(echo[1], Frame::Integer(2));
    assert_eq!(info[1], Frame::NullArray);
    assert_eq!(
        conn.run(&["COMMAND", "GETKEYS", "WATCH", "a", "b"]),
        Frame::Array(vec![bulk("a"), bulk("b")])
    );
    assert_eq!(
        conn.run(&["COMMAND", "GETKEYS", "ECHO", "a"]),
        err("ERR The command has no key arguments")
    );
}

#[test]
fn select_and_time() {
    let server = TestServer::start();
    let mut conn = server.conn();
    assert_eq!(conn.run(&["SELECT", "15"]), ok());
    assert_eq!(
        conn.run(&["SELECT", "16"]),
        err("ERR DB index is out of range")
    );
    assert_eq!(
        conn.run(&["SELECT", "x"]),
        err("ERR value is not an integer or out of range")
    );
    let Frame::Array(time) = conn.run(&["TIME"]) else {
        panic!("array")
    };
    assert_eq!(time.len(), 2);
}

#[test]
fn maxclients_refuses_extra_connections() {
    let server = TestServer::with(|c| c.maxclients = 2);
    let mut a = server.conn();
    let mut b = server.conn();
    assert_eq!(a.run(&["PING"]), Frame::Simple("PONG".into()));
    assert_eq!(b.run(&["PING"]), Frame::Simple("PONG".into()));
    let mut c = server.conn();
    assert_eq!(c.read(), err("ERR max number of clients reached"));
    drop(a);
    wait_until(Duration::from_secs(10), "a slot to free up", || {
        let mut d = server.conn();
        d.send(&["PING"]);
        d.read() == Frame::Simple("PONG".into())
    });
}

#[test]
fn reset_restores_a_fresh_connection() {
    let server = TestServer::start();
    let mut conn = server.conn();
    conn.run(&["HELLO", "3"]);
    conn.run(&["SELECT", "3"]);
    conn.run(&["MULTI"]);
    assert_eq!(conn.run(&["RESET"]), Frame::Simple("RESET".into()));
    let Frame::Array(_) = conn.run(&["HELLO"]) else {
        panic!("back to RESP2")
    };
}

#[test]
fn shutdown_stops_the_server() {
    let server = TestServer::start();
    let mut conn = server.conn();
    conn.send(&["SHUTDOWN", "NOSAVE"]);
    assert_eq!(conn.try_read(), None);
    wait_until(Duration::from_secs(10), "the listener to close", || {
        std::net::TcpStream::connect(server.addr).is_err()
    });
}

#[test]
fn shutdown_closes_idle_subscribed_and_blocked_clients() {
    let server = TestServer::start();
    let mut idle = server.conn();
    assert_eq!(idle.run(&["PING"]), Frame::Simple("PONG".into()));
    let mut subscriber = server.conn();
    subscriber.run(&["SUBSCRIBE", "news"]);
    let mut blocked = server.conn();
    blocked.send(&["BLPOP", "queue", "0"]);
    let mut admin = server.conn();
    wait_until(Duration::from_secs(10), "BLPOP to block", || {
        text(admin.run(&["INFO", "clients"])).contains("blocked_clients:1\r\n")
    });
    admin.send(&["SHUTDOWN", "NOSAVE"]);
    for (name, conn) in [
        ("admin", &mut admin),
        ("idle", &mut idle),
        ("subscriber", &mut subscriber),
        ("blocked", &mut blocked),
    ] {
        assert_eq!(conn.try_read(), None, "{name} client is closed");
    }
}

/// A server stopped right after it started stops: background tasks that
/// had not run yet when shutdown began still see it (they once waited for
/// a change of the shutdown flag they subscribed to after it was raised).
#[test]
fn a_server_stopped_right_after_start_stops() {
    for _ in 0..100 {
        let dir = tempfile::tempdir().expect("dir");
        let server = TestServer::in_dir(dir.path(), Durability::Memory, |_| {});
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            drop(server);
            let _ = tx.send(());
        });
        rx.recv_timeout(Duration::from_secs(30))
            .expect("the server stops within 30 s");
    }
}
