//! Differential test of CONFIG GET/SET: the same SETs (valid values,
//! values out of range, malformed values, aliases, several parameters at
//! once) sent to keel and to a real `redis-server` give the same replies,
//! and every parameter then reads back the same from both.

mod support;

use resp::Frame;
use support::TestServer;
use testkit::compare::{exact, show_command, sorted};
use testkit::{Conn, RedisServer};

/// `save` values: spacing, signs, zeros and bounds.
const SAVES: &[&str] = &[
    "",
    "0 1",
    "1 0",
    "1 -1",
    "+1 2",
    "01 2",
    " 1 2 ",
    "1  2",
    "1 2x",
    "1 2 3",
    "3600 1 300 100",
];

/// `latency-tracking-info-percentiles` and `notify-keyspace-events`
/// values: spacing, number forms, rounding, class letters in any order.
const LISTS: &[(&str, &str)] = &[
    ("latency-tracking-info-percentiles", "1e2"),
    ("latency-tracking-info-percentiles", "50,99"),
    ("latency-tracking-info-percentiles", " 50  99 "),
    ("latency-tracking-info-percentiles", "-0"),
    ("latency-tracking-info-percentiles", "99.90 0.0001"),
    ("latency-tracking-info-percentiles", "33.333333333"),
    ("latency-tracking-info-percentiles", "inf"),
    ("latency-tracking-info-percentiles", "nan"),
    ("latency-tracking-info-percentiles", ""),
    ("notify-keyspace-events", "KEA"),
    ("notify-keyspace-events", "gA"),
    ("notify-keyspace-events", "nA"),
    ("notify-keyspace-events", "mK"),
    ("notify-keyspace-events", "$"),
    ("notify-keyspace-events", ""),
];

/// Parameters whose values and texts keel shares with Redis 7.0.
const PARAMS: &[&str] = &[
    "hash-max-listpack-entries",
    "hash-max-ziplist-entries",
    "hash-max-listpack-value",
    "hash-max-ziplist-value",
    "zset-max-listpack-entries",
    "zset-max-ziplist-entries",
    "zset-max-listpack-value",
    "zset-max-ziplist-value",
    "list-max-listpack-size",
    "list-max-ziplist-size",
    "list-compress-depth",
    "set-max-intset-entries",
    "maxmemory",
    "maxmemory-policy",
    "maxmemory-samples",
    "maxmemory-eviction-tenacity",
    "lfu-log-factor",
    "lfu-decay-time",
    "busy-reply-threshold",
    "lua-time-limit",
    "latency-monitor-threshold",
    "latency-tracking",
    "latency-tracking-info-percentiles",
    "notify-keyspace-events",
    "tracking-table-max-keys",
    "lazyfree-lazy-eviction",
    "lazyfree-lazy-expire",
    "lazyfree-lazy-server-del",
    "lazyfree-lazy-user-del",
    "lazyfree-lazy-user-flush",
    "dynamic-hz",
    "active-expire-effort",
    "hz",
    "timeout",
    "tcp-keepalive",
    "slowlog-log-slower-than",
    "slowlog-max-len",
    "proto-max-bulk-len",
    "client-query-buffer-limit",
    // (`activedefrag` is left out: Debian's Redis, built without its
    // jemalloc, refuses `yes`; keel accepts it.)
    "activerehashing",
    "aof-rewrite-incremental-fsync",
    "aof-use-rdb-preamble",
    "auto-aof-rewrite-min-size",
    "auto-aof-rewrite-percentage",
    "jemalloc-bg-thread",
    "no-appendfsync-on-rewrite",
    "oom-score-adj",
    "rdb-save-incremental-fsync",
    "rdbchecksum",
    "rdbcompression",
    "stop-writes-on-bgsave-error",
];

/// Values tried on every parameter: each is valid for some and invalid
/// for others.
const VALUES: &[&str] = &[
    "0",
    "1",
    "-1",
    "5",
    "64",
    "100",
    "101",
    "-2",
    "2147483647",
    "2147483648",
    "9223372036854775807",
    "9223372036854775808",
    "99999999999999999999",
    "-9223372036854775808",
    "1k",
    "1kb",
    "2mb",
    "3gb",
    "1x",
    "",
    "yes",
    "no",
    "YES",
    "maybe",
    "x",
    "1.5",
    "allkeys-lru",
    "VOLATILE-TTL",
    "noeviction",
    "lru",
    "relative",
    "absolute",
    "KEA",
    "Ex",
    "KExg$lshzetdmn",
    "Kq",
    "A",
    "50 99 99.9",
    "0 100",
    "100.1",
    "1 abc",
    "1048576",
    "1048575",
];

/// Runs `cmd` on both servers and requires the same reply.
fn same(keel: &mut Conn, redis: &mut Conn, cmd: &[&str]) {
    let (ours, theirs) = (keel.run(cmd), redis.run(cmd));
    let (ours, theirs) = if cmd[1].eq_ignore_ascii_case("GET") {
        (sorted_pairs(ours), sorted_pairs(theirs))
    } else {
        (ours, theirs)
    };
    if let Err(why) = exact(&ours, &theirs) {
        panic!(
            "{}: {why}\nkeel:  {ours:?}\nredis: {theirs:?}",
            show_command(cmd)
        );
    }
}

/// A CONFIG GET reply with its name/value pairs in name order.
fn sorted_pairs(frame: Frame) -> Frame {
    match frame {
        Frame::Array(items) => {
            let mut pairs: Vec<Vec<Frame>> = items.chunks(2).map(<[Frame]>::to_vec).collect();
            pairs.sort_by_key(|p| format!("{:?}", p[0]));
            Frame::Array(pairs.concat())
        }
        other => sorted(other),
    }
}

#[test]
fn config_set_and_get_match_redis() {
    let keel = TestServer::start();
    let redis = RedisServer::start();
    let (mut k, mut r) = (keel.conn(), redis.connect());
    for name in PARAMS {
        same(&mut k, &mut r, &["CONFIG", "GET", name]);
    }
    for name in PARAMS {
        for value in VALUES {
            same(&mut k, &mut r, &["CONFIG", "SET", name, value]);
            same(&mut k, &mut r, &["CONFIG", "GET", name]);
        }
    }
    let multi: &[&[&str]] = &[
        &["CONFIG", "SET", "maxmemory", "10", "maxmemory-samples", "0"],
        &["CONFIG", "SET", "maxmemory", "10", "MAXMEMORY", "11"],
        &["CONFIG", "SET", "maxmemory-samples", "0", "databases", "2"],
        &["CONFIG", "SET", "maxmemory", "12", "nosuch", "1"],
        &[
            "CONFIG",
            "SET",
            "hash-max-ziplist-entries",
            "3",
            "hash-max-listpack-entries",
            "4",
        ],
        &[
            "CONFIG",
            "SET",
            "lfu-log-factor",
            "7",
            "lfu-decay-time",
            "8",
            "dynamic-hz",
            "no",
        ],
        &["CONFIG", "SET", "maxmemory"],
        &[
            "CONFIG",
            "GET",
            "maxmemory",
            "lfu-*",
            "maxmemory",
            "hash-max-*-entries",
        ],
        &["CONFIG", "GET", "nosuch*"],
    ];
    for (name, value) in LISTS {
        same(&mut k, &mut r, &["CONFIG", "SET", name, value]);
        same(&mut k, &mut r, &["CONFIG", "GET", name]);
    }
    for value in SAVES {
        same(&mut k, &mut r, &["CONFIG", "SET", "save", value]);
        same(&mut k, &mut r, &["CONFIG", "GET", "save"]);
    }
    let get_all: Vec<&str> = ["CONFIG", "GET"].iter().chain(PARAMS).copied().collect();
    for cmd in multi {
        same(&mut k, &mut r, cmd);
        same(&mut k, &mut r, &get_all);
    }
}
