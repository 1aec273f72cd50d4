//! Scripting through the server with the `redis` crate and raw RESP:
//! EVAL/EVALSHA with the NOSCRIPT fallback client libraries rely on, the
//! conversions in RESP2 and RESP3, sandbox escapes, PUBLISH from a
//! script, scripts inside MULTI, FUNCTION and FCALL, COMMAND GETKEYS, and
//! the script cache and libraries surviving a restart.

mod support;

use redis::{RedisResult, Value};
use resp::Frame;
use server::Durability;
use support::{bulk, ok, TestServer};

const INCR_EXPIRE: &str =
    "local n = redis.call('incr', KEYS[1]) redis.call('expire', KEYS[1], ARGV[1]) return n";

#[test]
fn redis_crate_script_uses_evalsha_with_the_noscript_fallback() -> RedisResult<()> {
    let server = TestServer::start();
    let mut con = server.client().get_connection()?;
    let script = redis::Script::new(INCR_EXPIRE);
    // The first invocation gets NOSCRIPT for EVALSHA and loads the script.
    assert_eq!(script.key("hits").arg(60).invoke::<i64>(&mut con)?, 1);
    assert_eq!(script.key("hits").arg(60).invoke::<i64>(&mut con)?, 2);
    let ttl: i64 = redis::cmd("TTL").arg("hits").query(&mut con)?;
    assert!((59..=60).contains(&ttl));
    let exists: Vec<bool> = redis::cmd("SCRIPT")
        .arg("EXISTS")
        .arg(script.get_hash())
        .query(&mut con)?;
    assert_eq!(exists, vec![true]);
    let _: () = redis::cmd("SCRIPT").arg("FLUSH").query(&mut con)?;
    let missing: RedisResult<i64> = redis::cmd("EVALSHA")
        .arg(script.get_hash())
        .arg(0)
        .query(&mut con);
    let e = missing.expect_err("flushed");
    assert_eq!(e.code(), Some("NOSCRIPT"));
    assert_eq!(script.key("hits").arg(60).invoke::<i64>(&mut con)?, 3);
    Ok(())
}

fn conversions(con: &mut redis::Connection, resp3: bool) -> RedisResult<()> {
    let eval = |con: &mut redis::Connection, body: &str| -> RedisResult<Value> {
        redis::cmd("EVAL").arg(body).arg(0).query(con)
    };
    assert_eq!(eval(con, "return 3.99")?, Value::Int(3));
    assert_eq!(
        eval(con, "return {1, 'x', nil, 4}")?,
        Value::Array(vec![Value::Int(1), Value::BulkString(b"x".to_vec())])
    );
    assert_eq!(
        eval(con, "return {ok = 'FINE'}")?,
        Value::SimpleString("FINE".into())
    );
    assert_eq!(eval(con, "return false")?, Value::Nil);
    assert_eq!(eval(con, "return true")?, Value::Int(1));
    let error = eval(con, "return redis.error_reply('MY custom')").expect_err("error reply");
    assert_eq!(error.code(), Some("MY"));
    if resp3 {
        assert_eq!(
            eval(con, "redis.setresp(3) return true")?,
            Value::Boolean(true)
        );
        assert_eq!(eval(con, "return {double = 1.5}")?, Value::Double(1.5));
        assert_eq!(
            eval(con, "return {map = {a = 1}}")?,
            Value::Map(vec![(Value::BulkString(b"a".to_vec()), Value::Int(1))])
        );
    } else {
        assert_eq!(
            eval(con, "return {double = 1.5}")?,
            Value::BulkString(b"1.5".to_vec())
        );
    }
    Ok(())
}

#[test]
fn conversions_over_resp2_and_resp3() -> RedisResult<()> {
    let server = TestServer::start();
    conversions(&mut server.client().get_connection()?, false)?;
    conversions(&mut server.client3().get_connection()?, true)
}

#[test]
fn sandbox_escapes_fail() {
    let server = TestServer::start();
    let mut conn = server.conn();
    for (script, expected) in [
        (
            "return os.execute('true')",
            "Script attempted to access nonexistent global variable 'os'",
        ),
        (
            "return io.open('/etc/passwd')",
            "Script attempted to access nonexistent global variable 'io'",
        ),
        (
            "return require('os')",
            "Script attempted to access nonexistent global variable 'require'",
        ),
        (
            "return dofile('/etc/passwd')",
            "Script attempted to access nonexistent global variable 'dofile'",
        ),
        (
            "return loadfile('/etc/passwd')",
            "Script attempted to access nonexistent global variable 'loadfile'",
        ),
        (
            "return package.loaded",
            "Script attempted to access nonexistent global variable 'package'",
        ),
        (
            "return debug.getinfo(1)",
            "Script attempted to access nonexistent global variable 'debug'",
        ),
        ("evil = 1", "Attempt to modify a readonly table"),
        (
            "local f, e = loadstring(string.dump(function() end)) return e",
            "binary",
        ),
        (
            "return redis.call('config', 'set', 'dir', '/')",
            "This Redis command is not allowed from script",
        ),
        (
            "return redis.call('shutdown')",
            "This Redis command is not allowed from script",
        ),
        (
            "return redis.call('client', 'kill', 'id', '1')",
            "This Redis command is not allowed from script",
        ),
    ] {
        let reply = conn.run(&["EVAL", script, "0"]);
        let text = match &reply {
            Frame::Error(e) => e.clone(),
            // loadstring of bytecode returns nil and a message.
            Frame::Bulk(message) => String::from_utf8_lossy(message).into_owned(),
            other => panic!("{script}: {other:?}"),
        };
        assert!(text.contains(expected), "{script}: {text}");
    }
    assert_eq!(conn.run(&["PING"]), Frame::Simple("PONG".into()));
}

#[test]
fn a_runaway_script_is_stopped_and_the_server_stays_up() {
    let server = TestServer::start();
    let mut conn = server.conn();
    match conn.run(&["EVAL", "local i = 0 while true do i = i + 1 end", "0"]) {
        Frame::Error(e) => assert!(e.contains("instruction budget"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        conn.run(&["SCRIPT", "KILL"]),
        Frame::Error("NOTBUSY No scripts in execution right now.".into())
    );
    assert_eq!(
        conn.run(&["FUNCTION", "KILL"]),
        Frame::Error("NOTBUSY No scripts in execution right now.".into())
    );
    assert_eq!(conn.run(&["EVAL", "return 1", "0"]), Frame::Integer(1));
}

#[test]
fn publish_from_a_script_reaches_subscribers() {
    let server = TestServer::start();
    let mut sub = server.conn();
    let mut conn = server.conn();
    sub.run(&["SUBSCRIBE", "events"]);
    assert_eq!(
        conn.run(&[
            "EVAL",
            "redis.call('publish', 'events', ARGV[1]) return 'sent'",
            "0",
            "hello"
        ]),
        bulk("sent")
    );
    assert_eq!(
        sub.read(),
        Frame::Array(vec![bulk("message"), bulk("events"), bulk("hello")])
    );
}

#[test]
fn a_script_inside_multi_runs_atomically_with_the_transaction() {
    let server = TestServer::start();
    let mut conn = server.conn();
    assert_eq!(conn.run(&["MULTI"]), ok());
    assert_eq!(conn.run(&["SET", "k", "1"]), Frame::Simple("QUEUED".into()));
    assert_eq!(
        conn.run(&[
            "EVAL",
            "return redis.call('incrby', KEYS[1], ARGV[1])",
            "1",
            "k",
            "41"
        ]),
        Frame::Simple("QUEUED".into())
    );
    assert_eq!(conn.run(&["GET", "k"]), Frame::Simple("QUEUED".into()));
    assert_eq!(
        conn.run(&["EXEC"]),
        Frame::Array(vec![ok(), Frame::Integer(42), bulk("42")])
    );
}

#[test]
fn eval_ro_refuses_writes_and_reads_fine() {
    let server = TestServer::start();
    let mut conn = server.conn();
    conn.run(&["SET", "k", "v"]);
    assert_eq!(
        conn.run(&["EVAL_RO", "return redis.call('get', KEYS[1])", "1", "k"]),
        bulk("v")
    );
    match conn.run(&["EVAL_RO", "return redis.call('del', KEYS[1])", "1", "k"]) {
        Frame::Error(e) => assert!(
            e.starts_with("ERR Write commands are not allowed from read-only scripts."),
            "{e}"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn command_getkeys_finds_script_keys() {
    let server = TestServer::start();
    let mut conn = server.conn();
    assert_eq!(
        conn.run(&["COMMAND", "GETKEYS", "EVAL", "return 1", "2", "a", "b", "c"]),
        Frame::Array(vec![bulk("a"), bulk("b")])
    );
    assert_eq!(
        conn.run(&["COMMAND", "GETKEYS", "FCALL", "f", "1", "x", "y"]),
        Frame::Array(vec![bulk("x")])
    );
}

const LIBRARY: &str = "#!lua name=counters
local function bump(keys, args)
  return redis.call('incrby', keys[1], args[1])
end
redis.register_function('bump', bump)
redis.register_function{function_name='peek', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}";

#[test]
fn functions_and_scripts_survive_a_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let sha;
    {
        let server = TestServer::in_dir(dir.path(), Durability::Fsync, |_| {});
        let mut conn = server.conn();
        assert_eq!(conn.run(&["FUNCTION", "LOAD", LIBRARY]), bulk("counters"));
        assert_eq!(
            conn.run(&["FCALL", "bump", "1", "c", "5"]),
            Frame::Integer(5)
        );
        let Frame::Bulk(s) = conn.run(&["SCRIPT", "LOAD", "return 'cached'"]) else {
            panic!("sha")
        };
        sha = String::from_utf8_lossy(&s).into_owned();
    }
    for _ in 0..2 {
        let server = TestServer::in_dir(dir.path(), Durability::Fsync, |_| {});
        let mut conn = server.conn();
        assert_eq!(conn.run(&["FCALL_RO", "peek", "1", "c"]), bulk("5"));
        assert_eq!(conn.run(&["EVALSHA", &sha, "0"]), bulk("cached"));
        // Once through a snapshot, too.
        assert_eq!(conn.run(&["SAVE"]), ok());
    }
}

#[test]
fn fcall_through_the_redis_crate() -> RedisResult<()> {
    let server = TestServer::start();
    let mut con = server.client3().get_connection()?;
    let name: String = redis::cmd("FUNCTION")
        .arg("LOAD")
        .arg(LIBRARY)
        .query(&mut con)?;
    assert_eq!(name, "counters");
    let n: i64 = redis::cmd("FCALL")
        .arg("bump")
        .arg(1)
        .arg("c")
        .arg(3)
        .query(&mut con)?;
    assert_eq!(n, 3);
    let e = redis::cmd("FCALL_RO")
        .arg("bump")
        .arg(1)
        .arg("c")
        .arg(3)
        .query::<i64>(&mut con)
        .expect_err("ro");
    assert!(
        e.to_string()
            .contains("Can not execute a script with write flag using *_ro command."),
        "{e}"
    );
    let list: Value = redis::cmd("FUNCTION").arg("LIST").query(&mut con)?;
    assert!(
        matches!(list, Value::Array(ref libs) if libs.len() == 1),
        "{list:?}"
    );
    Ok(())
}

#[test]
fn info_reports_scripts() {
    let server = TestServer::start();
    let mut conn = server.conn();
    conn.run(&["SCRIPT", "LOAD", "return 1"]);
    conn.run(&["EVAL", "return 2", "0"]);
    let info = |conn: &mut testkit::Conn, section: &str| match conn.run(&["INFO", section]) {
        Frame::Bulk(text) => String::from_utf8_lossy(&text).into_owned(),
        other => panic!("INFO replied {other:?}"),
    };
    let memory = info(&mut conn, "memory");
    assert!(
        memory.contains("number_of_cached_scripts:2\r\n"),
        "{memory}"
    );
    assert!(
        memory.contains("used_memory_scripts_eval:16\r\n"),
        "{memory}"
    );
    let stats = info(&mut conn, "commandstats");
    assert!(stats.contains("cmdstat_eval:calls=1,"), "{stats}");
}
