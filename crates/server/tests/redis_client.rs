//! The `redis` crate (a real, widely used client) against keel: every
//! command family through its typed API, over RESP2 and RESP3, sync and
//! async, pipelines and transactions.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use redis::{Commands, RedisResult, Value};
use support::TestServer;

fn families(con: &mut redis::Connection) -> RedisResult<()> {
    // Strings and counters.
    let _: () = con.set_ex("greeting", "hello", 100)?;
    assert_eq!(con.get::<_, String>("greeting")?, "hello");
    assert_eq!(con.append::<_, _, i64>("greeting", " world")?, 11);
    assert_eq!(con.incr::<_, _, i64>("counter", 5)?, 5);
    assert_eq!(con.incr::<_, _, f64>("float", 1.5)?, 1.5);
    let ttl: i64 = con.ttl("greeting")?;
    assert!((99..=100).contains(&ttl));
    let values: Vec<Option<String>> = con.mget(&["greeting", "missing"])?;
    assert_eq!(values, vec![Some("hello world".to_string()), None]);
    // Bitmaps and HyperLogLog.
    let _: () = con.setbit("bits", 7, true)?;
    assert_eq!(con.bitcount::<_, i64>("bits")?, 1);
    let _: () = con.pfadd("visitors", &["a", "b", "c", "a"])?;
    assert_eq!(con.pfcount::<_, i64>("visitors")?, 3);
    // Hashes.
    let _: () = con.hset_multiple("user:1", &[("name", "ada"), ("lang", "rust")])?;
    let user: BTreeMap<String, String> = con.hgetall("user:1")?;
    assert_eq!(user.get("name").map(String::as_str), Some("ada"));
    assert_eq!(con.hincr::<_, _, _, i64>("user:1", "visits", 2)?, 2);
    // Lists.
    assert_eq!(con.rpush::<_, _, i64>("queue", &["a", "b", "c"])?, 3);
    assert_eq!(
        con.lpop::<_, Option<String>>("queue", None)?,
        Some("a".to_string())
    );
    assert_eq!(
        con.lrange::<_, Vec<String>>("queue", 0, -1)?,
        vec!["b", "c"]
    );
    let popped: Option<(String, String)> = con.blpop("queue", 0.1)?;
    assert_eq!(popped, Some(("queue".to_string(), "b".to_string())));
    // Sets.
    assert_eq!(con.sadd::<_, _, i64>("tags", &["x", "y", "z"])?, 3);
    let tags: BTreeSet<String> = con.smembers("tags")?;
    assert_eq!(tags.len(), 3);
    assert!(con.sismember::<_, _, bool>("tags", "y")?);
    // Sorted sets.
    let _: () = con.zadd_multiple("board", &[(10, "ann"), (20, "bob"), (15, "cid")])?;
    let top: Vec<(String, f64)> = con.zrevrange_withscores("board", 0, 1)?;
    assert_eq!(
        top,
        vec![("bob".to_string(), 20.0), ("cid".to_string(), 15.0)]
    );
    assert_eq!(con.zscore::<_, _, f64>("board", "ann")?, 10.0);
    // Keys.
    assert!(con.exists::<_, bool>("board")?);
    let _: () = con.rename("board", "scores")?;
    assert_eq!(con.key_type::<_, String>("scores")?, "zset");
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(con)?;
    // greeting counter float bits visitors user:1 queue tags scores
    assert_eq!(keys.len(), 9);
    assert_eq!(con.del::<_, i64>(&keys)?, 9);
    Ok(())
}

#[test]
fn every_family_over_resp2() {
    let server = TestServer::start();
    let mut con = server.client().get_connection().expect("connect");
    families(&mut con).expect("RESP2 session");
}

#[test]
fn every_family_over_resp3() {
    let server = TestServer::start();
    let mut con = server.client3().get_connection().expect("connect");
    families(&mut con).expect("RESP3 session");
    let info: redis::InfoDict = redis::cmd("INFO").query(&mut con).expect("INFO");
    assert!(info
        .get::<String>("redis_version")
        .is_some_and(|v| v.starts_with("7.")));
}

#[test]
fn pipelines_and_transactions() {
    let server = TestServer::start();
    let mut con = server.client().get_connection().expect("connect");
    let (a, b): (i64, i64) = redis::pipe()
        .incr("p", 1)
        .incr("p", 2)
        .query(&mut con)
        .expect("pipeline");
    assert_eq!((a, b), (1, 3));
    let (x, y): (i64, Vec<String>) = redis::pipe()
        .atomic()
        .rpush("tx", "v")
        .lrange("tx", 0, -1)
        .query(&mut con)
        .expect("transaction");
    assert_eq!((x, y), (1, vec!["v".to_string()]));
    // Optimistic locking with the crate's WATCH helper.
    let result: (i64,) = redis::transaction(&mut con, &["p"], |con, pipe| {
        let current: i64 = con.get("p")?;
        pipe.set("p", current * 10).ignore().get("p").query(con)
    })
    .expect("watched transaction");
    assert_eq!(result, (30,));
}

#[test]
fn async_client_and_pubsub() {
    let server = TestServer::start();
    let client = server.client3();
    server.block_on(async {
        let mut con = client
            .get_multiplexed_async_connection()
            .await
            .expect("connect");
        let _: () = redis::cmd("SET")
            .arg("async")
            .arg("yes")
            .query_async(&mut con)
            .await
            .expect("SET");
        let value: String = redis::cmd("GET")
            .arg("async")
            .query_async(&mut con)
            .await
            .expect("GET");
        assert_eq!(value, "yes");
        let receivers: i64 = redis::cmd("PUBLISH")
            .arg("nobody")
            .arg("m")
            .query_async(&mut con)
            .await
            .expect("PUBLISH");
        assert_eq!(receivers, 0);
        let reply: Value = redis::cmd("HELLO")
            .arg("3")
            .query_async(&mut con)
            .await
            .expect("HELLO");
        assert!(matches!(reply, Value::Map(_)), "{reply:?}");
    });
}
