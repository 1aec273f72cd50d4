//! CONFIG GET/SET/RESETSTAT/REWRITE against a real server: the Redis 7.0
//! parameters keel stores, atomic multi-parameter SET with rollback,
//! duplicate and immutable parameters, and REWRITE read back by a restart.

mod support;

use std::collections::BTreeMap;

use redis::Commands;
use resp::Frame;
use server::{Config, Durability, MaxmemoryPolicy};
use support::{err, TestServer};

/// `CONFIG GET` of `patterns` as a name -> value map.
fn get(conn: &mut redis::Connection, patterns: &[&str]) -> BTreeMap<String, String> {
    let mut cmd = redis::cmd("CONFIG");
    cmd.arg("GET").arg(patterns);
    cmd.query(conn).expect("CONFIG GET")
}

fn get_one(conn: &mut redis::Connection, name: &str) -> String {
    get(conn, &[name])
        .remove(name)
        .unwrap_or_else(|| panic!("{name} not listed"))
}

fn set(conn: &mut redis::Connection, pairs: &[&str]) -> redis::RedisResult<()> {
    let mut cmd = redis::cmd("CONFIG");
    cmd.arg("SET").arg(pairs);
    cmd.query(conn)
}

fn failed(name: &str, why: &str) -> Frame {
    err(&format!(
        "ERR CONFIG SET failed (possibly related to argument '{name}') - {why}"
    ))
}

#[test]
fn new_parameters_are_stored_and_validated() {
    let server = TestServer::start();
    let mut conn = server.client().get_connection().expect("connect");
    let cases: &[(&str, &str, &str)] = &[
        ("maxmemory", "100mb", "104857600"),
        ("maxmemory-policy", "ALLKEYS-LRU", "allkeys-lru"),
        ("maxmemory-samples", "10", "10"),
        ("maxmemory-eviction-tenacity", "100", "100"),
        ("lfu-log-factor", "20", "20"),
        ("lfu-decay-time", "0", "0"),
        ("hash-max-ziplist-entries", "7", "7"),
        ("hash-max-listpack-value", "9", "9"),
        ("zset-max-ziplist-value", "11", "11"),
        ("list-max-ziplist-size", "-5", "-5"),
        ("list-compress-depth", "2", "2"),
        ("set-max-intset-entries", "1000", "1000"),
        ("lua-time-limit", "100", "100"),
        ("latency-monitor-threshold", "5", "5"),
        ("latency-tracking", "no", "no"),
        (
            "latency-tracking-info-percentiles",
            "1.5 99.99 100",
            "1.5 99.99 100",
        ),
        ("notify-keyspace-events", "KExg$lshzetdmn", "AKEm"),
        ("tracking-table-max-keys", "0", "0"),
        ("lazyfree-lazy-user-flush", "yes", "yes"),
        ("dynamic-hz", "no", "no"),
        ("active-expire-effort", "10", "10"),
        ("save", "100 2 30 4", "100 2 30 4"),
        ("rdbcompression", "NO", "no"),
        ("oom-score-adj", "relative", "yes"),
    ];
    for (name, value, shown) in cases {
        set(&mut conn, &[name, value]).unwrap_or_else(|e| panic!("{name} {value}: {e}"));
        assert_eq!(get_one(&mut conn, name), *shown, "{name}");
    }
    // An alias and its name are one parameter, listed under both.
    assert_eq!(get_one(&mut conn, "hash-max-listpack-entries"), "7");
    assert_eq!(get_one(&mut conn, "busy-reply-threshold"), "100");
    assert_eq!(get(&mut conn, &["zset-max-*-value"]).len(), 2);

    let mut raw = server.conn();
    let refused: &[(&str, &str, &str)] = &[
        ("maxmemory", "1x", "argument must be a memory value"),
        ("maxmemory-policy", "lru", "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"),
        ("maxmemory-samples", "0", "argument must be between 1 and 2147483647 inclusive"),
        ("hash-max-ziplist-entries", "-1", "argument must be between 0 and 9223372036854775807 inclusive"),
        ("list-max-listpack-size", "x", "argument couldn't be parsed into an integer"),
        ("active-expire-effort", "11", "argument must be between 1 and 10 inclusive"),
        ("notify-keyspace-events", "KEq", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."),
        ("latency-tracking-info-percentiles", "101", "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"),
        ("latency-tracking-info-percentiles", "abc", "Invalid latency-tracking-info-percentiles parameters"),
        ("save", "1 2 3", "Invalid save parameters"),
        ("latency-tracking", "maybe", "argument must be 'yes' or 'no'"),
    ];
    for (name, value, why) in refused {
        assert_eq!(raw.run(&["CONFIG", "SET", name, value]), failed(name, why));
    }
}

#[test]
fn multi_parameter_set_is_all_or_nothing() {
    let server = TestServer::start();
    let mut conn = server.client().get_connection().expect("connect");
    let mut raw = server.conn();
    // A parse error in the last pair leaves the earlier ones unapplied.
    assert_eq!(
        raw.run(&[
            "CONFIG",
            "SET",
            "maxmemory",
            "1000",
            "maxmemory-samples",
            "0"
        ]),
        failed(
            "maxmemory-samples",
            "argument must be between 1 and 2147483647 inclusive"
        )
    );
    assert_eq!(get_one(&mut conn, "maxmemory"), "0");
    // Immutable and duplicate parameters are refused before any value is
    // looked at.
    assert_eq!(
        raw.run(&["CONFIG", "SET", "maxmemory-samples", "0", "databases", "3"]),
        failed("databases", "can't set immutable config")
    );
    assert_eq!(
        raw.run(&["CONFIG", "SET", "maxmemory", "1", "MAXMEMORY", "2"]),
        failed("MAXMEMORY", "duplicate parameter")
    );
    assert_eq!(get_one(&mut conn, "maxmemory"), "0");
    // An apply error (the log cannot switch to or from memory while
    // running) rolls every parameter back.
    let (target, name) = match support::test_durability() {
        Durability::Memory => ("everysec", "appendfsync"),
        _ => ("no", "appendfsync"),
    };
    assert_eq!(
        raw.run(&["CONFIG", "SET", "maxmemory", "5mb", "lfu-log-factor", "3", name, target]),
        failed(name, "durability memory cannot be switched on or off while running; restart with the new setting")
    );
    assert_eq!(get_one(&mut conn, "maxmemory"), "0");
    assert_eq!(get_one(&mut conn, "lfu-log-factor"), "10");
    // All valid: all applied.
    set(
        &mut conn,
        &["maxmemory", "5mb", "lfu-log-factor", "3", "hz", "0"],
    )
    .expect("set");
    let got = get(
        &mut conn,
        &["maxmemory", "lfu-log-factor", "hz", "maxmemory"],
    );
    assert_eq!(got.len(), 3, "each parameter listed once: {got:?}");
    assert_eq!(got["maxmemory"], "5242880");
    assert_eq!(got["lfu-log-factor"], "3");
    assert_eq!(got["hz"], "1");
}

#[test]
fn resetstat_clears_counters() {
    let server = TestServer::start();
    let mut conn = server.client().get_connection().expect("connect");
    let _: () = conn.set("k", "v").expect("set");
    let info: String = redis::cmd("INFO")
        .arg("stats")
        .query(&mut conn)
        .expect("info");
    assert!(!info.contains("total_commands_processed:0\r"), "{info}");
    let _: () = redis::cmd("CONFIG")
        .arg("RESETSTAT")
        .query(&mut conn)
        .expect("resetstat");
    let info: String = redis::cmd("INFO")
        .arg("stats")
        .query(&mut conn)
        .expect("info");
    let processed = info
        .lines()
        .find_map(|l| l.strip_prefix("total_commands_processed:"))
        .expect("field");
    assert!(processed.parse::<u64>().expect("number") <= 1, "{info}");
}

#[test]
fn rewrite_without_a_file_is_refused() {
    let server = TestServer::start();
    assert_eq!(
        server.conn().run(&["CONFIG", "REWRITE"]),
        err("ERR The server is running without a config file")
    );
}

#[test]
fn rewrite_round_trips_through_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("keel.toml");
    std::fs::write(
        &file,
        "# my settings\nmaxmemory = 0 # no limit yet\n\n# slow log\nslowlog-max-len = 64\n",
    )
    .expect("write config");
    let loaded = Config::load(&file).expect("load");
    let data = dir.path().join("data");
    let start = |config: Config| {
        TestServer::in_dir(&data, support::test_durability(), move |c| {
            *c = Config {
                port: 0,
                dir: c.dir.clone(),
                durability: c.durability,
                ..config
            }
        })
    };
    let server = start(loaded);
    let mut conn = server.client().get_connection().expect("connect");
    set(
        &mut conn,
        &[
            "maxmemory",
            "1gb",
            "maxmemory-policy",
            "volatile-ttl",
            "hash-max-ziplist-entries",
            "7",
            "notify-keyspace-events",
            "Ex",
            "rdbcompression",
            "no",
            "save",
            "",
        ],
    )
    .expect("set");
    let _: () = redis::cmd("CONFIG")
        .arg("REWRITE")
        .query(&mut conn)
        .expect("rewrite");
    drop(conn);
    drop(server);

    let text = std::fs::read_to_string(&file).expect("read back");
    assert!(text.contains("# my settings"), "{text}");
    assert!(
        text.contains("maxmemory = 1073741824 # no limit yet"),
        "{text}"
    );
    assert!(text.contains("slowlog-max-len = 64"), "{text}");
    let reloaded = Config::load(&file).expect("the rewritten file loads");
    assert_eq!(reloaded.maxmemory, 1 << 30);
    assert_eq!(reloaded.maxmemory_policy, MaxmemoryPolicy::VolatileTtl);
    assert_eq!(reloaded.hash_max_listpack_entries, 7);
    assert_eq!(
        reloaded.no_op.get("rdbcompression").map(String::as_str),
        Some("no")
    );

    let server = start(reloaded);
    let mut conn = server.client().get_connection().expect("connect");
    let got = get(
        &mut conn,
        &[
            "maxmemory",
            "maxmemory-policy",
            "hash-max-listpack-entries",
            "notify-keyspace-events",
            "rdbcompression",
            "save",
            "slowlog-max-len",
        ],
    );
    let want: BTreeMap<String, String> = [
        ("maxmemory", "1073741824"),
        ("maxmemory-policy", "volatile-ttl"),
        ("hash-max-listpack-entries", "7"),
        ("notify-keyspace-events", "xE"),
        ("rdbcompression", "no"),
        ("save", ""),
        ("slowlog-max-len", "64"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(got, want);
}

#[test]
fn the_file_is_validated_with_the_same_ranges() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("keel.toml");
    for (text, names) in [
        ("maxmemory-samples = 0", "maxmemory-samples"),
        ("notify-keyspace-events = \"q\"", "notify-keyspace-events"),
        ("[no-op]\nrdbcompression = \"maybe\"", "rdbcompression"),
        ("[no-op]\nnosuch = \"1\"", "nosuch"),
    ] {
        std::fs::write(&file, text).expect("write");
        let e = Config::load(&file).expect_err(text).to_string();
        assert!(e.contains(names), "{text}: {e}");
    }
}
