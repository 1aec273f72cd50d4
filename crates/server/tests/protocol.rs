//! Raw-protocol behaviour: framing, pipelining, limits, RESP3.

mod support;

use resp::Frame;
use support::{bulk, err, TestServer};

#[test]
fn inline_commands_work_like_telnet() {
    let server = TestServer::start();
    let mut conn = server.conn();
    conn.send_raw(b"PING\r\nECHO \"hello world\"\r\necho 'it''s'\n");
    assert_eq!(conn.read(), Frame::Simple("PONG".into()));
    assert_eq!(conn.read(), bulk("hello world"));
    assert_eq!(
        conn.read(),
        err("ERR Protocol error: unbalanced quotes in request")
    );
    assert_eq!(conn.try_read(), None, "framing errors close the connection");
}

#[test]
fn pipelined_commands_get_all_replies_in_order() {
    let server = TestServer::start();
    let mut conn = server.conn();
    let mut wire = Vec::new();
    for i in 0..1000 {
        Frame::encode_command(&["ECHO", &i.to_string()], &mut wire);
    }
    conn.send_raw(&wire);
    for i in 0..1000 {
        assert_eq!(conn.read(), bulk(&i.to_string()));
    }
}

#[test]
fn commands_split_across_packets_are_reassembled() {
    let server = TestServer::start();
    let mut conn = server.conn();
    let wire = b"*2\r\n$4\r\nECHO\r\n$11\r\nhello world\r\n";
    for byte in wire {
        conn.send_raw(&[*byte]);
    }
    assert_eq!(conn.read(), bulk("hello world"));
}

#[test]
fn command_errors_keep_the_connection_open() {
    let server = TestServer::start();
    let mut conn = server.conn();
    assert_eq!(
        conn.run(&["NOSUCH", "a"]),
        err("ERR unknown command 'NOSUCH', with args beginning with: 'a' ")
    );
    assert_eq!(
        conn.run(&["ECHO"]),
        err("ERR wrong number of arguments for 'echo' command")
    );
    assert_eq!(conn.run(&["PING"]), Frame::Simple("PONG".into()));
}

#[test]
fn framing_errors_reply_and_close() {
    let server = TestServer::start();
    let cases: &[(&[u8], &str)] = &[
        (
            b"*1\r\n+PING\r\n",
            "ERR Protocol error: expected '$', got '+'",
        ),
        (b"*abc\r\n", "ERR Protocol error: invalid multibulk length"),
        (b"*1\r\n$-3\r\n", "ERR Protocol error: invalid bulk length"),
    ];
    for (input, expected) in cases {
        let mut conn = server.conn();
        conn.send_raw(input);
        assert_eq!(conn.read(), err(expected));
        assert_eq!(conn.try_read(), None);
    }
}

#[test]
fn bulk_length_limit_follows_proto_max_bulk_len() {
    let server = TestServer::with(|c| c.proto_max_bulk_len = 1024 * 1024);
    let mut conn = server.conn();
    conn.send_raw(b"*2\r\n$4\r\nECHO\r\n$1048577\r\n");
    assert_eq!(conn.read(), err("ERR Protocol error: invalid bulk length"));
    let mut conn = server.conn();
    let big = "x".repeat(1024 * 1024);
    assert_eq!(conn.run(&["ECHO", &big]), bulk(&big));
}

#[test]
fn query_buffer_limit_disconnects() {
    let server = TestServer::with(|c| c.client_query_buffer_limit = 1024 * 1024);
    let mut conn = server.conn();
    // An unfinished bulk bigger than the limit: the server must not buffer it.
    conn.send_raw(b"*2\r\n$4\r\nECHO\r\n$2000000\r\n");
    let chunk = vec![b'a'; 64 * 1024];
    let mut closed = false;
    for _ in 0..40 {
        if std::io::Write::write_all(&mut ConnWriter(&mut conn), &chunk).is_err() {
            closed = true;
            break;
        }
    }
    closed = closed || conn.try_read().is_none();
    assert!(
        closed,
        "the connection must be closed past the query buffer limit"
    );
}

/// Writes through a `Conn` without panicking on a closed socket.
struct ConnWriter<'a>(&'a mut testkit::Conn);

impl std::io::Write for ConnWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.try_send_raw(buf)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn unauthenticated_clients_have_tight_limits() {
    let server = TestServer::with(|c| c.requirepass = Some("secret".into()));
    let mut conn = server.conn();
    conn.send_raw(b"*20\r\n");
    assert_eq!(
        conn.read(),
        err("ERR Protocol error: unauthenticated multibulk length")
    );
}

#[test]
fn hello_switches_to_resp3() {
    let server = TestServer::start();
    let mut conn = server.conn();
    let Frame::Map(fields) = conn.run(&["HELLO", "3"]) else {
        panic!("HELLO 3 replies with a map");
    };
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| *k == bulk(name))
            .map(|(_, v)| v.clone())
    };
    assert_eq!(get("proto"), Some(Frame::Integer(3)));
    assert_eq!(get("server"), Some(bulk("redis")));
    assert!(matches!(get("version"), Some(Frame::Bulk(v)) if v.starts_with(b"7.")));
    assert_eq!(
        conn.run(&["CONFIG", "GET", "maxclients"]),
        Frame::Map(vec![(bulk("maxclients"), bulk("10000"))])
    );
    assert_eq!(
        conn.run(&["HELLO", "4"]),
        err("NOPROTO unsupported protocol version")
    );
    let Frame::Array(fields) = conn.run(&["HELLO", "2"]) else {
        panic!("HELLO 2 replies with a flat array");
    };
    assert_eq!(fields.len(), 14);
}

#[test]
fn quit_replies_then_closes() {
    let server = TestServer::start();
    let mut conn = server.conn();
    assert_eq!(conn.run(&["QUIT"]), Frame::Simple("OK".into()));
    assert_eq!(conn.try_read(), None);
}
