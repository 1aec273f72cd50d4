//! Differential tests: the same commands through keel and a real Redis 7.0,
//! comparing every reply (RESP2 and RESP3).

use bytes::Bytes;
use resp::Frame;
use testkit::gen::{zset as gen_zset, Gen};
use testkit::{Conn, RedisServer};

use crate::testing::Harness;
use crate::types::{OrderedSet, Set};
use crate::{Blob, Value};

fn enc(f: &Frame) -> Vec<u8> {
    let mut v = Vec::new();
    f.encode(&mut v);
    v
}

fn show(f: &Frame) -> String {
    String::from_utf8_lossy(&enc(f)).into_owned()
}

fn bytes_args(cmd: &[&str]) -> Vec<Bytes> {
    cmd.iter()
        .map(|a| Bytes::copy_from_slice(a.as_bytes()))
        .collect()
}

/// keel and Redis side by side: one keyspace, one server with a RESP2 and
/// a RESP3 connection.
struct Diff {
    keel: Harness,
    _server: RedisServer,
    r2: Conn,
    r3: Conn,
}

impl Diff {
    fn new() -> Diff {
        let server = RedisServer::start();
        let r2 = server.connect();
        let mut r3 = server.connect();
        r3.run(&["HELLO", "3"]);
        Diff {
            keel: Harness::new(),
            _server: server,
            r2,
            r3,
        }
    }

    /// Both sides must answer identically (RESP2); returns the reply.
    fn check_bytes(&mut self, cmd: &[Bytes], resp3: bool) -> Frame {
        let ours = self.keel.run_bytes(cmd, resp3);
        let theirs = if resp3 {
            self.r3.run(cmd)
        } else {
            self.r2.run(cmd)
        };
        assert_eq!(
            show(&ours),
            show(&theirs),
            "reply to {:?} differs (resp3: {resp3}; left: keel, right: redis)",
            cmd.iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect::<Vec<_>>()
        );
        ours
    }

    fn check(&mut self, cmd: &[&str]) -> Frame {
        self.check_bytes(&bytes_args(cmd), false)
    }

    fn check3(&mut self, cmd: &[&str]) -> Frame {
        self.check_bytes(&bytes_args(cmd), true)
    }

    /// Every command in RESP2.
    fn all(&mut self, cmds: &[&[&str]]) {
        for cmd in cmds {
            self.check(cmd);
        }
    }

    /// Every command in RESP3.
    fn all3(&mut self, cmds: &[&[&str]]) {
        for cmd in cmds {
            self.check3(cmd);
        }
    }

    /// Creates a plain set on both sides (keel has no SADD in this family).
    fn sadd(&mut self, key: &str, members: &[&str]) {
        let mut cmd = vec!["SADD", key];
        cmd.extend_from_slice(members);
        self.r2.run(&cmd);
        let ints: Option<Vec<i64>> = members
            .iter()
            .map(|m| resp::parse_int(m.as_bytes()))
            .collect();
        let set = match ints {
            Some(mut v) if v.len() <= 512 => {
                v.sort_unstable();
                v.dedup();
                Set::Ints(v)
            }
            _ => Set::Table(
                members
                    .iter()
                    .map(|m| Blob::from_slice(m.as_bytes()))
                    .collect::<OrderedSet<Blob>>(),
            ),
        };
        self.keel
            .ks
            .db_mut(0)
            .insert(key.as_bytes(), Value::Set(Box::new(set)));
    }

    /// Creates a string on both sides.
    fn set_string(&mut self, key: &str, value: &str) {
        self.r2.run(&["SET", key, value]);
        self.keel
            .ks
            .db_mut(0)
            .insert(key.as_bytes(), Value::string(value.as_bytes()));
    }

    fn encoding(&self, key: &[u8]) -> Option<&'static str> {
        let now = self.keel.now_ms();
        self.keel.ks.db(0).get(key, now).map(Value::encoding)
    }

    /// Redis's OBJECT ENCODING must match keel's encoding.
    fn same_encoding(&mut self, key: &str) {
        let theirs = self.r2.run(&["OBJECT", "ENCODING", key]);
        let ours = self
            .encoding(key.as_bytes())
            .map_or(Frame::Null, |e| Frame::bulk(e.as_bytes().to_vec()));
        assert_eq!(ours, theirs, "encoding of {key}");
    }
}

fn big_zadd(key: &str, n: usize) -> Vec<String> {
    let mut cmd = vec!["ZADD".to_string(), key.to_string()];
    for i in 0..n {
        cmd.push(format!("{}", i % 17));
        cmd.push(format!("member:{i:03}"));
    }
    cmd
}

fn run_owned(d: &mut Diff, cmd: &[String]) -> Frame {
    let refs: Vec<&str> = cmd.iter().map(String::as_str).collect();
    d.check(&refs)
}

#[test]
fn zadd_options_and_errors() {
    let mut d = Diff::new();
    d.set_string("str", "x");
    d.all(&[
        &["ZADD", "z", "1", "a"],
        &["ZADD", "z", "1", "a", "2", "b", "3", "c"],
        &["ZADD", "z", "NX", "10", "a", "4", "d"],
        &["ZADD", "z", "XX", "10", "a", "5", "e"],
        &["ZADD", "z", "XX", "CH", "11", "a", "5", "e"],
        &["ZADD", "z", "CH", "11", "a", "12", "b", "6", "f"],
        &["ZADD", "z", "GT", "CH", "1", "a", "20", "b"],
        &["ZADD", "z", "LT", "CH", "1", "a", "30", "b"],
        &["ZADD", "z", "XX", "GT", "CH", "100", "a", "100", "zz"],
        &["ZADD", "z", "XX", "LT", "CH", "-100", "a"],
        &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
        &["ZADD", "z", "INCR", "5", "a"],
        &["ZADD", "z", "INCR", "NX", "5", "a"],
        &["ZADD", "z", "INCR", "NX", "5", "new"],
        &["ZADD", "z", "INCR", "XX", "5", "absent"],
        &["ZADD", "z", "INCR", "GT", "-1", "a"],
        &["ZADD", "z", "INCR", "LT", "-1", "a"],
        &["ZADD", "z", "INCR", "GT", "0", "a"],
        &["ZADD", "z", "INCR", "0", "a"],
        &["zadd", "z", "incr", "ch", "xx", "gt", "2", "a"],
        &["ZADD", "nokey", "XX", "1", "a"],
        &["ZADD", "nokey", "XX", "INCR", "1", "a"],
        &["ZCARD", "nokey"],
        &["ZADD", "z", "NX", "XX", "1", "a"],
        &["ZADD", "z", "GT", "LT", "1", "a"],
        &["ZADD", "z", "GT", "NX", "1", "a"],
        &["ZADD", "z", "LT", "NX", "1", "a"],
        &["ZADD", "z", "INCR", "1", "a", "2", "b"],
        &["ZADD", "z", "1"],
        &["ZADD", "z", "1", "a", "2"],
        &["ZADD", "z", "NX"],
        &["ZADD", "z", "NX", "CH"],
        &["ZADD", "z", "x", "a"],
        &["ZADD", "z", "1", "a", "x", "b"],
        &["ZADD", "z", "nan", "a"],
        &["ZADD", "z", " 1", "a"],
        &["ZADD", "z", "1 ", "a"],
        &["ZADD", "z", "", "a"],
        &["ZADD", "z", "1e400", "a"],
        &["ZADD", "z", "1e-400", "a"],
        &["ZADD", "z", "0x10", "hex"],
        &["ZADD", "z", "4.9e-324", "tiny"],
        &["ZADD", "z", ".5", "half", "5.", "five"],
        &["ZADD", "z", "+inf", "pinf", "-Infinity", "ninf"],
        &["ZADD", "z", "1", "a", "x", "b"],
        &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
        &["ZADD", "str", "1", "a"],
        &["ZADD", "str", "XX", "1", "a"],
        &["ZADD", "str", "x", "a"],
        &["ZADD", "z", "XX", "NX", "x", "a"],
        &["ZADD", "z"],
        &["ZADD", "z", "INCR", "+inf", "inc"],
        &["ZADD", "z", "INCR", "-inf", "inc"],
        &["ZINCRBY", "z", "-inf", "inc"],
        &["ZSCORE", "z", "inc"],
        &["ZINCRBY", "z", "1", "inc"],
    ]);
    d.all3(&[
        &["ZADD", "z", "INCR", "1.5", "a"],
        &["ZADD", "z", "INCR", "NX", "1", "a"],
        &["ZADD", "z", "1", "q"],
    ]);
}

#[test]
fn zincrby_and_score_formatting() {
    let mut d = Diff::new();
    d.set_string("str", "x");
    d.all(&[
        &["ZINCRBY", "z", "1.1", "a"],
        &["ZINCRBY", "z", "0.1", "a"],
        &["ZINCRBY", "z", "0.2", "b"],
        &["ZINCRBY", "z", "0.1", "b"],
        &["ZINCRBY", "z", "1e20", "c"],
        &["ZINCRBY", "z", "-1e-5", "d"],
        &["ZINCRBY", "z", "123456789012345678", "e"],
        &["ZINCRBY", "z", "4611686018427387904", "f"],
        &["ZINCRBY", "z", "4611686018427388928", "g"],
        &["ZINCRBY", "z", "inf", "h"],
        &["ZINCRBY", "z", "-0", "i"],
        &["ZINCRBY", "z", "-0", "i"],
        &["ZINCRBY", "z", "x", "a"],
        &["ZINCRBY", "z", "NX", "a"],
        &["ZINCRBY", "z", "XX", "1"],
        &["ZINCRBY", "z", "1", "a", "b"],
        &["ZINCRBY", "str", "1", "a"],
        &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
        &["ZSCAN", "z", "0"],
        &[
            "ZMSCORE", "z", "a", "b", "nope", "c", "d", "e", "f", "g", "h", "i",
        ],
        &["ZMSCORE", "nokey", "a", "b"],
        &["ZMSCORE", "str", "a"],
        &["ZMSCORE", "z"],
        &["ZSCORE", "z", "a"],
        &["ZSCORE", "z", "nope"],
        &["ZSCORE", "nokey", "a"],
        &["ZSCORE", "str", "a"],
    ]);
    d.all3(&[
        &["ZINCRBY", "z", "0.1", "a"],
        &["ZSCORE", "z", "a"],
        &["ZSCORE", "z", "nope"],
        &["ZSCORE", "z", "h"],
        &["ZMSCORE", "z", "a", "nope", "h"],
        &["ZMSCORE", "nokey", "a"],
        &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
    ]);
}

#[test]
fn negative_zero_in_both_encodings() {
    let mut d = Diff::new();
    d.all(&[
        &["ZADD", "small", "-0", "a"],
        &["ZSCORE", "small", "a"],
        &["ZADD", "small", "INCR", "-0", "b"],
        &["ZSCORE", "small", "b"],
        &["ZADD", "small", "CH", "0", "a"],
        &["ZADD", "big", "-0", "a", "0", "b", "-0", "c"],
    ]);
    let long = "x".repeat(70);
    d.all(&[
        &["ZADD", "big", "1", &long],
        &["ZADD", "big", "-0", "w"],
        &["ZADD", "big", "CH", "0", "w"],
        &["ZSCORE", "big", "w"],
        &["ZINCRBY", "big", "-0", "w"],
        &["ZINCRBY", "big", "0", "w"],
        &["ZADD", "big", "-0", "v"],
        &["ZRANGE", "big", "0", "-1", "WITHSCORES"],
        &["ZRANGEBYSCORE", "big", "0", "0", "WITHSCORES"],
        &["ZRANGEBYSCORE", "big", "(0", "+inf"],
        &["ZRANGEBYSCORE", "big", "-inf", "(-0"],
        &["ZCOUNT", "big", "-0", "0"],
        &["ZUNION", "2", "big", "small", "WITHSCORES"],
        &["ZUNION", "1", "big", "WEIGHTS", "-1", "WITHSCORES"],
        &["ZUNIONSTORE", "dst", "1", "big", "WEIGHTS", "-1"],
        &["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
        &["ZRANGESTORE", "dst2", "big", "0", "2"],
        &["ZRANGE", "dst2", "0", "-1", "WITHSCORES"],
    ]);
    d.same_encoding("small");
    d.same_encoding("big");
    d.same_encoding("dst");
    d.same_encoding("dst2");
    d.check3(&["ZSCORE", "big", "w"]);
}

#[test]
fn rem_card_rank() {
    let mut d = Diff::new();
    d.set_string("str", "x");
    d.all(&[
        &["ZADD", "z", "1", "a", "2", "b", "3", "c", "3", "d"],
        &["ZCARD", "z"],
        &["ZCARD", "nokey"],
        &["ZCARD", "str"],
        &["ZRANK", "z", "a"],
        &["ZRANK", "z", "d"],
        &["ZREVRANK", "z", "a"],
        &["ZREVRANK", "z", "d"],
        &["ZRANK", "z", "nope"],
        &["ZRANK", "nokey", "a"],
        &["ZRANK", "str", "a"],
        &["ZREVRANK", "str", "a"],
        &["ZRANK", "z", "a", "WITHSCORE"],
        &["ZREM", "z", "a", "nope", "b"],
        &["ZREM", "z", "a"],
        &["ZREM", "nokey", "a"],
        &["ZREM", "str", "a"],
        &["ZREM", "z"],
        &["ZREM", "z", "c", "d"],
        &["ZCARD", "z"],
        &["ZCARD", "z"],
    ]);
    d.check3(&["ZRANK", "nokey", "a"]);
}

#[test]
fn zcount_and_zlexcount() {
    let mut d = Diff::new();
    d.set_string("str", "x");
    d.all(&[
        &[
            "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "-inf", "ninf", "inf",
            "pinf",
        ],
        &["ZCOUNT", "z", "-inf", "+inf"],
        &["ZCOUNT", "z", "2", "4"],
        &["ZCOUNT", "z", "(2", "4"],
        &["ZCOUNT", "z", "2", "(4"],
        &["ZCOUNT", "z", "(2", "(4"],
        &["ZCOUNT", "z", "(2", "(2"],
        &["ZCOUNT", "z", "2", "2"],
        &["ZCOUNT", "z", "4", "2"],
        &["ZCOUNT", "z", "(-inf", "(inf"],
        &["ZCOUNT", "z", "", ""],
        &["ZCOUNT", "z", "(", "("],
        &["ZCOUNT", "z", " 1", "2"],
        &["ZCOUNT", "z", "  ", "2"],
        &["ZCOUNT", "z", "0x1", "0x2"],
        &["ZCOUNT", "z", "1e500", "inf"],
        &["ZCOUNT", "z", "1", "x"],
        &["ZCOUNT", "z", "nan", "1"],
        &["ZCOUNT", "z", "1", "2 "],
        &["ZCOUNT", "z", "[1", "2"],
        &["ZCOUNT", "nokey", "1", "2"],
        &["ZCOUNT", "nokey", "x", "2"],
        &["ZCOUNT", "str", "1", "2"],
        &["ZCOUNT", "str", "x", "2"],
        &[
            "ZADD", "l", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "",
        ],
        &["ZLEXCOUNT", "l", "-", "+"],
        &["ZLEXCOUNT", "l", "[b", "[d"],
        &["ZLEXCOUNT", "l", "(b", "[d"],
        &["ZLEXCOUNT", "l", "[b", "(d"],
        &["ZLEXCOUNT", "l", "(b", "(b"],
        &["ZLEXCOUNT", "l", "[b", "[b"],
        &["ZLEXCOUNT", "l", "[d", "[b"],
        &["ZLEXCOUNT", "l", "-", "-"],
        &["ZLEXCOUNT", "l", "+", "+"],
        &["ZLEXCOUNT", "l", "+", "-"],
        &["ZLEXCOUNT", "l", "-", "[a"],
        &["ZLEXCOUNT", "l", "[", "+"],
        &["ZLEXCOUNT", "l", "(", "+"],
        &["ZLEXCOUNT", "l", "a", "+"],
        &["ZLEXCOUNT", "l", "", "+"],
        &["ZLEXCOUNT", "l", "-a", "+"],
        &["ZLEXCOUNT", "l", "[a", "+b"],
        &["ZLEXCOUNT", "nokey", "-", "+"],
        &["ZLEXCOUNT", "nokey", "x", "+"],
        &["ZLEXCOUNT", "str", "-", "+"],
        // Mixed scores in a listpack: Redis scans linearly.
        &["ZADD", "mixed", "1", "c", "2", "a", "3", "d", "4", "b"],
        &["ZLEXCOUNT", "mixed", "[b", "+"],
        &["ZLEXCOUNT", "mixed", "-", "[c"],
        &["ZLEXCOUNT", "mixed", "[a", "[c"],
        &["ZRANGEBYLEX", "mixed", "[b", "+"],
        &["ZREVRANGEBYLEX", "mixed", "+", "[b"],
        &["ZRANGEBYLEX", "mixed", "-", "[c"],
        &["ZREVRANGEBYLEX", "mixed", "[c", "-"],
        &["ZRANGEBYLEX", "mixed", "[b", "+", "LIMIT", "1", "5"],
        &["ZRANGEBYLEX", "mixed", "[a", "[c", "LIMIT", "2", "5"],
    ]);
}

#[test]
fn zrange_by_rank() {
    let mut d = Diff::new();
    d.set_string("str", "x");
    d.all(&[
        &[
            "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
        ],
        &["ZRANGE", "z", "0", "-1"],
        &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
        &["ZRANGE", "z", "1", "3", "withscores"],
        &["ZRANGE", "z", "-2", "-1"],
        &["ZRANGE", "z", "-100", "100"],
        &["ZRANGE", "z", "3", "1"],
        &["ZRANGE", "z", "5", "10"],
        &["ZRANGE", "z", "-1", "-2"],
        &["ZRANGE", "z", "0", "0", "REV"],
        &["ZRANGE", "z", "0", "-1", "REV", "WITHSCORES"],
        &["ZRANGE", "z", "1", "2", "REV"],
        &["ZRANGE", "z", "-9223372036854775808", "9223372036854775807"],
        &["ZRANGE", "z", "0", "-1", "LIMIT", "0", "-1"],
        &["ZRANGE", "z", "0", "-1", "LIMIT", "0", "1"],
        &["ZRANGE", "z", "0", "-1", "LIMIT", "x", "1"],
        &["ZRANGE", "z", "0", "-1", "LIMIT", "0"],
        &["ZRANGE", "z", "0", "-1", "REV", "REV"],
        &["ZRANGE", "z", "0", "-1", "BYSCORE", "BYLEX"],
        &["ZRANGE", "z", "0", "-1", "FOO"],
        &["ZRANGE", "z", "x", "-1"],
        &["ZRANGE", "z", "0", "1.5"],
        &["ZRANGE", "nokey", "0", "-1"],
        &["ZRANGE", "nokey", "x", "-1"],
        &["ZRANGE", "str", "0", "-1"],
        &["ZREVRANGE", "z", "0", "-1"],
        &["ZREVRANGE", "z", "0", "1", "WITHSCORES"],
        &["ZREVRANGE", "z", "-2", "-1"],
        &["ZREVRANGE", "z", "0", "-1", "REV"],
        &["ZREVRANGE", "z", "0", "-1", "BYSCORE"],
        &["ZREVRANGE", "z", "0", "-1", "LIMIT", "0", "1"],
        &["ZREVRANGE", "nokey", "0", "-1"],
        &["ZREVRANGE", "str", "0", "-1"],
    ]);
    d.all3(&[
        &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
        &["ZRANGE", "z", "0", "-1"],
        &["ZREVRANGE", "z", "0", "1", "WITHSCORES"],
        &["ZRANGE", "nokey", "0", "-1"],
        &["ZRANGE", "z", "10", "20", "WITHSCORES"],
    ]);
}

#[test]
fn zrange_by_score() {
    let mut d = Diff::new();
    d.all(&[
        &[
            "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "-inf", "ninf", "inf",
            "pinf", "2", "bb",
        ],
        &["ZRANGEBYSCORE", "z", "-inf", "+inf"],
        &["ZRANGEBYSCORE", "z", "-inf", "+inf", "WITHSCORES"],
        &["ZRANGEBYSCORE", "z", "2", "4"],
        &["ZRANGEBYSCORE", "z", "(2", "4"],
        &["ZRANGEBYSCORE", "z", "2", "(4"],
        &["ZRANGEBYSCORE", "z", "(2", "(2"],
        &["ZRANGEBYSCORE", "z", "4", "2"],
        &["ZRANGEBYSCORE", "z", "10", "20"],
        &["ZRANGEBYSCORE", "z", "-20", "-10"],
        &["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "0", "3"],
        &["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "2", "3"],
        &["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "2", "-1"],
        &["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "2", "0"],
        &["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "-1", "2"],
        &["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "8", "2"],
        &["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "100", "2"],
        &[
            "ZRANGEBYSCORE",
            "z",
            "2",
            "4",
            "LIMIT",
            "2",
            "10",
            "WITHSCORES",
        ],
        &["ZRANGEBYSCORE", "z", "2", "4", "LIMIT", "3", "10"],
        &[
            "ZRANGEBYSCORE",
            "z",
            "2",
            "4",
            "LIMIT",
            "9223372036854775807",
            "10",
        ],
        &[
            "ZRANGEBYSCORE",
            "z",
            "2",
            "4",
            "LIMIT",
            "0",
            "-9223372036854775808",
        ],
        &["ZRANGEBYSCORE", "z", "2", "4", "LIMIT", "1"],
        &["ZRANGEBYSCORE", "z", "2", "4", "LIMIT", "a", "1"],
        &["ZRANGEBYSCORE", "z", "2", "4", "REV"],
        &["ZRANGEBYSCORE", "z", "2", "4", "BYSCORE"],
        &["ZRANGEBYSCORE", "z", "x", "4"],
        &["ZRANGEBYSCORE", "z", "1", "(x"],
        &["ZREVRANGEBYSCORE", "z", "+inf", "-inf"],
        &["ZREVRANGEBYSCORE", "z", "4", "2", "WITHSCORES"],
        &["ZREVRANGEBYSCORE", "z", "(4", "2"],
        &["ZREVRANGEBYSCORE", "z", "4", "(2"],
        &["ZREVRANGEBYSCORE", "z", "2", "4"],
        &["ZREVRANGEBYSCORE", "z", "+inf", "-inf", "LIMIT", "1", "2"],
        &["ZREVRANGEBYSCORE", "z", "+inf", "-inf", "LIMIT", "7", "2"],
        &["ZREVRANGEBYSCORE", "z", "+inf", "-inf", "LIMIT", "8", "2"],
        &["ZREVRANGEBYSCORE", "z", "+inf", "-inf", "LIMIT", "-1", "2"],
        &["ZREVRANGEBYSCORE", "z", "3", "2", "LIMIT", "1", "-1"],
        &["ZRANGE", "z", "2", "4", "BYSCORE"],
        &[
            "ZRANGE",
            "z",
            "(2",
            "4",
            "BYSCORE",
            "WITHSCORES",
            "LIMIT",
            "0",
            "2",
        ],
        &["ZRANGE", "z", "4", "2", "BYSCORE", "REV"],
        &["ZRANGE", "z", "2", "4", "BYSCORE", "REV"],
        &[
            "ZRANGE",
            "z",
            "+inf",
            "-inf",
            "BYSCORE",
            "REV",
            "LIMIT",
            "2",
            "2",
            "WITHSCORES",
        ],
        &["ZRANGE", "z", "x", "1", "BYSCORE"],
        &[
            "ZRANGE", "z", "1", "2", "byscore", "limit", "0", "1", "limit", "1", "1",
        ],
        &["ZRANGEBYSCORE", "nokey", "1", "2"],
        &["ZRANGEBYSCORE", "nokey", "x", "2"],
    ]);
    d.all3(&[
        &["ZRANGEBYSCORE", "z", "-inf", "+inf", "WITHSCORES"],
        &[
            "ZREVRANGEBYSCORE",
            "z",
            "+inf",
            "-inf",
            "WITHSCORES",
            "LIMIT",
            "0",
            "3",
        ],
        &["ZRANGE", "z", "1", "3", "BYSCORE", "WITHSCORES"],
    ]);
}

#[test]
fn zrange_by_lex() {
    let mut d = Diff::new();
    d.all(&[
        &[
            "ZADD", "l", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "", "0", "bb", "0",
            "b\u{1}",
        ],
        &["ZRANGEBYLEX", "l", "-", "+"],
        &["ZRANGEBYLEX", "l", "[b", "[d"],
        &["ZRANGEBYLEX", "l", "(b", "[d"],
        &["ZRANGEBYLEX", "l", "[b", "(d"],
        &["ZRANGEBYLEX", "l", "(a", "(b"],
        &["ZRANGEBYLEX", "l", "[", "(a"],
        &["ZRANGEBYLEX", "l", "(", "(a"],
        &["ZRANGEBYLEX", "l", "-", "[c", "LIMIT", "1", "2"],
        &["ZRANGEBYLEX", "l", "-", "[c", "LIMIT", "1", "-1"],
        &["ZRANGEBYLEX", "l", "-", "[c", "LIMIT", "-1", "2"],
        &["ZRANGEBYLEX", "l", "-", "[c", "LIMIT", "100", "2"],
        &["ZRANGEBYLEX", "l", "-", "+", "WITHSCORES"],
        &["ZRANGEBYLEX", "l", "-", "+", "REV"],
        &["ZRANGEBYLEX", "l", "-", "+", "BYLEX"],
        &["ZRANGEBYLEX", "l", "a", "+"],
        &["ZRANGEBYLEX", "l", "[a", "++"],
        &["ZRANGEBYLEX", "l", "--", "+"],
        &["ZRANGEBYLEX", "l", "+", "-"],
        &["ZREVRANGEBYLEX", "l", "+", "-"],
        &["ZREVRANGEBYLEX", "l", "[d", "[b"],
        &["ZREVRANGEBYLEX", "l", "(d", "(b"],
        &["ZREVRANGEBYLEX", "l", "[b", "[d"],
        &["ZREVRANGEBYLEX", "l", "+", "-", "LIMIT", "2", "3"],
        &["ZREVRANGEBYLEX", "l", "+", "-", "LIMIT", "7", "3"],
        &["ZREVRANGEBYLEX", "l", "+", "-", "LIMIT", "8", "3"],
        &["ZRANGE", "l", "[b", "[d", "BYLEX"],
        &["ZRANGE", "l", "[d", "[b", "BYLEX", "REV"],
        &["ZRANGE", "l", "[d", "[b", "BYLEX", "REV", "LIMIT", "1", "1"],
        &["ZRANGE", "l", "-", "+", "BYLEX", "WITHSCORES"],
        &["ZRANGE", "l", "x", "+", "BYLEX"],
        &["ZRANGEBYLEX", "nokey", "-", "+"],
        &["ZRANGEBYLEX", "nokey", "x", "+"],
    ]);
}

#[test]
fn zrangestore() {
    let mut d = Diff::new();
    d.set_string("str", "x");
    d.all(&[
        &[
            "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
        ],
        &["ZRANGESTORE", "dst", "z", "0", "-1"],
        &["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
        &["ZRANGESTORE", "dst", "z", "1", "2"],
        &["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
        &["ZRANGESTORE", "dst", "z", "1", "2", "REV"],
        &["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
        &[
            "ZRANGESTORE",
            "dst",
            "z",
            "(1",
            "4",
            "BYSCORE",
            "LIMIT",
            "1",
            "2",
        ],
        &["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
        &["ZRANGESTORE", "dst", "z", "[b", "[d", "BYLEX"],
        &["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
        &[
            "ZRANGESTORE",
            "dst",
            "z",
            "[d",
            "[b",
            "BYLEX",
            "REV",
            "LIMIT",
            "0",
            "1",
        ],
        &["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
        &["ZRANGESTORE", "dst", "z", "10", "20"],
        &["ZCARD", "dst"],
        &["ZRANGESTORE", "dst", "z", "0", "0"],
        &["ZRANGESTORE", "dst", "nokey", "0", "-1"],
        &["ZCARD", "dst"],
        &["ZRANGESTORE", "str", "z", "0", "1"],
        &["ZCARD", "str"],
        &["ZRANGESTORE", "dst", "str", "0", "1"],
    ]);
    d.set_string("str", "x");
    d.all(&[
        &["ZRANGESTORE", "dst", "str", "0", "1"],
        &["ZRANGESTORE", "dst", "z", "0", "-1", "WITHSCORES"],
        &["ZRANGESTORE", "dst", "z", "0", "-1", "LIMIT", "0", "1"],
        &["ZRANGESTORE", "dst", "z", "x", "-1"],
        &["ZRANGESTORE", "dst", "z", "0"],
        &["ZRANGESTORE", "z", "z", "1", "2"],
        &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
    ]);
    let big = big_zadd("big", 200);
    run_owned(&mut d, &big);
    d.all(&[
        &["ZRANGESTORE", "d1", "big", "0", "-1"],
        &["ZRANGESTORE", "d2", "big", "0", "127"],
        &["ZRANGESTORE", "d3", "big", "0", "128"],
        &["ZRANGESTORE", "d4", "big", "-inf", "1", "BYSCORE"],
        &[
            "ZRANGESTORE",
            "d5",
            "big",
            "-inf",
            "+inf",
            "BYSCORE",
            "LIMIT",
            "0",
            "128",
        ],
        &[
            "ZRANGESTORE",
            "d6",
            "big",
            "-inf",
            "+inf",
            "BYSCORE",
            "LIMIT",
            "0",
            "129",
        ],
    ]);
    for k in ["big", "d1", "d2", "d3", "d4", "d5", "d6"] {
        d.same_encoding(k);
    }
}

#[test]
fn zremrange() {
    let mut d = Diff::new();
    d.set_string("str", "x");
    d.all(&[
        &[
            "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
        ],
        &["ZREMRANGEBYRANK", "z", "1", "2"],
        &["ZRANGE", "z", "0", "-1"],
        &["ZREMRANGEBYRANK", "z", "5", "10"],
        &["ZREMRANGEBYRANK", "z", "2", "1"],
        &["ZREMRANGEBYRANK", "z", "-1", "-1"],
        &["ZRANGE", "z", "0", "-1"],
        &["ZREMRANGEBYRANK", "z", "x", "1"],
        &["ZREMRANGEBYRANK", "nokey", "0", "1"],
        &["ZREMRANGEBYRANK", "nokey", "x", "1"],
        &["ZREMRANGEBYRANK", "str", "0", "1"],
        &["ZREMRANGEBYRANK", "z", "-100", "100"],
        &["ZCARD", "z"],
        &[
            "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
        ],
        &["ZREMRANGEBYSCORE", "z", "(1", "3"],
        &["ZRANGE", "z", "0", "-1"],
        &["ZREMRANGEBYSCORE", "z", "10", "20"],
        &["ZREMRANGEBYSCORE", "z", "5", "1"],
        &["ZREMRANGEBYSCORE", "z", "x", "1"],
        &["ZREMRANGEBYSCORE", "str", "1", "2"],
        &["ZREMRANGEBYSCORE", "z", "-inf", "+inf"],
        &["ZCARD", "z"],
        &[
            "ZADD", "l", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e",
        ],
        &["ZREMRANGEBYLEX", "l", "(a", "[c"],
        &["ZRANGE", "l", "0", "-1"],
        &["ZREMRANGEBYLEX", "l", "[x", "+"],
        &["ZREMRANGEBYLEX", "l", "+", "-"],
        &["ZREMRANGEBYLEX", "l", "x", "+"],
        &["ZREMRANGEBYLEX", "str", "-", "+"],
        &["ZREMRANGEBYLEX", "l", "-", "+"],
        &["ZCARD", "l"],
        &["ZADD", "mixed", "1", "c", "2", "a", "3", "d", "4", "b"],
        &["ZREMRANGEBYLEX", "mixed", "[b", "[c"],
        &["ZRANGE", "mixed", "0", "-1"],
    ]);
}

#[test]
fn pops() {
    let mut d = Diff::new();
    d.set_string("str", "x");
    d.all(&[
        &[
            "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
        ],
        &["ZPOPMIN", "z"],
        &["ZPOPMAX", "z"],
        &["ZPOPMIN", "z", "2"],
        &["ZPOPMAX", "z", "0"],
        &["ZPOPMIN", "z", "-1"],
        &["ZPOPMIN", "z", "x"],
        &["ZPOPMIN", "z", "1", "2"],
        &["ZPOPMIN", "nokey"],
        &["ZPOPMIN", "nokey", "2"],
        &["ZPOPMIN", "nokey", "-2"],
        &["ZPOPMIN", "str"],
        &["ZPOPMIN", "str", "0"],
        &["ZPOPMAX", "z", "100"],
        &["ZCARD", "z"],
        &[
            "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
        ],
        &["ZMPOP", "1", "z", "MIN"],
        &["ZMPOP", "1", "z", "max", "COUNT", "2"],
        &["ZMPOP", "2", "nokey", "z", "MIN", "COUNT", "10"],
        &["ZMPOP", "2", "nokey", "z", "MIN"],
        &["ZMPOP", "1", "str", "MIN"],
        &["ZMPOP", "2", "nokey", "str", "MIN"],
        &["ZMPOP", "0", "z", "MIN"],
        &["ZMPOP", "-1", "z", "MIN"],
        &["ZMPOP", "x", "z", "MIN"],
        &["ZMPOP", "2", "z", "MIN"],
        &["ZMPOP", "5", "z", "MIN"],
        &["ZMPOP", "1", "z", "FOO"],
        &["ZMPOP", "1", "z", "MIN", "COUNT"],
        &["ZMPOP", "1", "z", "MIN", "COUNT", "0"],
        &["ZMPOP", "1", "z", "MIN", "COUNT", "x"],
        &["ZMPOP", "1", "z", "MIN", "COUNT", "1", "COUNT", "1"],
        &["ZMPOP", "1", "z", "MIN", "FOO"],
        &["ZMPOP", "9223372036854775807", "z", "MIN"],
    ]);
    d.all(&[&[
        "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
    ]]);
    d.all3(&[
        &["ZPOPMIN", "z"],
        &["ZPOPMIN", "z", "1"],
        &["ZPOPMAX", "z", "2"],
        &["ZPOPMAX", "z", "0"],
        &["ZPOPMIN", "nokey"],
        &["ZMPOP", "1", "z", "MIN"],
        &["ZMPOP", "1", "nokey", "MIN"],
        &["ZMPOP", "1", "z", "MIN", "COUNT", "5"],
    ]);
}

#[test]
fn blocking_pops_with_data() {
    let mut d = Diff::new();
    d.set_string("str", "x");
    d.all(&[
        &["ZADD", "z", "1", "a", "2", "b", "3", "c"],
        &["BZPOPMIN", "nokey", "z", "0"],
        &["BZPOPMAX", "z", "nokey", "0"],
        &["BZPOPMIN", "z", "x"],
        &["BZPOPMIN", "z", "-1"],
        &["BZPOPMIN", "nokey", "str", "0"],
        &["BZPOPMIN", "str", "z", "0"],
        &["BZMPOP", "0", "2", "nokey", "z", "MIN"],
        &["ZADD", "z", "1", "a", "2", "b", "3", "c"],
        &["BZMPOP", "0", "1", "z", "MAX", "COUNT", "5"],
        &["ZCARD", "z"],
        &["BZMPOP", "x", "1", "z", "MIN"],
        &["BZMPOP", "-1", "1", "z", "MIN"],
        &["BZMPOP", "x", "0", "z", "MIN"],
        &["BZMPOP", "0", "0", "z", "MIN"],
        &["BZMPOP", "0", "1", "z", "FOO"],
        &["BZMPOP", "x", "1", "z", "FOO"],
        &["BZMPOP", "0", "1", "z", "MIN", "COUNT", "0"],
        &["BZMPOP", "0", "1", "str", "MIN"],
        &["ZADD", "z", "1", "a", "2", "b", "3", "c"],
    ]);
    d.all3(&[
        &["BZPOPMIN", "z", "0"],
        &["BZMPOP", "0", "1", "z", "MAX", "COUNT", "5"],
    ]);
}

/// Inside MULTI a blocking pop with nothing to pop answers like a timeout.
#[test]
fn blocking_pops_inside_multi() {
    use crate::Op;
    let server = RedisServer::start();
    for resp3 in [false, true] {
        let mut r = server.connect();
        if resp3 {
            r.run(&["HELLO", "3"]);
        }
        let cmds: Vec<Vec<&str>> = vec![
            vec!["BZPOPMIN", "nokey", "0"],
            vec!["BZPOPMAX", "nokey", "nokey2", "1"],
            vec!["BZMPOP", "0", "1", "nokey", "MIN"],
            vec!["BZMPOP", "0", "1", "nokey", "MAX", "COUNT", "3"],
        ];
        assert_eq!(r.run(&["MULTI"]), Frame::Simple("OK".into()));
        for c in &cmds {
            assert_eq!(r.run(c), Frame::Simple("QUEUED".into()));
        }
        let theirs = r.run(&["EXEC"]);
        let mut h = Harness::new();
        let op = Op::Transaction {
            session: 1,
            resp3,
            commands: cmds.iter().map(|c| (0, bytes_args(c))).collect(),
        };
        let mut out = resp::Reply::new(resp3);
        let outcome = h.ks.apply(&op, 1, 1, &mut out);
        let ends = outcome.transaction.expect("not aborted");
        let mut ours = Vec::new();
        let mut start = 0;
        for end in ends {
            let (frame, _) = resp::decode(&out.as_bytes()[start..end]).unwrap().unwrap();
            ours.push(frame);
            start = end;
        }
        assert_eq!(show(&Frame::Array(ours)), show(&theirs), "resp3: {resp3}");
    }
}

#[test]
fn zrandmember_deterministic_parts() {
    let mut d = Diff::new();
    d.set_string("str", "x");
    d.all(&[
        &["ZADD", "z", "1", "a", "2", "b", "3.5", "c"],
        &["ZRANDMEMBER", "nokey"],
        &["ZRANDMEMBER", "nokey", "5"],
        &["ZRANDMEMBER", "nokey", "-5", "WITHSCORES"],
        &["ZRANDMEMBER", "str"],
        &["ZRANDMEMBER", "str", "1"],
        &["ZRANDMEMBER", "z", "0"],
        &["ZRANDMEMBER", "z", "0", "WITHSCORES"],
        &["ZRANDMEMBER", "z", "3"],
        &["ZRANDMEMBER", "z", "10", "WITHSCORES"],
        &["ZRANDMEMBER", "z", "x"],
        &["ZRANDMEMBER", "z", "1", "x"],
        &["ZRANDMEMBER", "z", "1", "WITHSCORES", "x"],
        &["ZRANDMEMBER", "z", "-9223372036854775808"],
        &["ZRANDMEMBER", "z", "9223372036854775807", "WITHSCORES"],
        &["ZRANDMEMBER", "z", "-9223372036854775807", "WITHSCORES"],
        &["ZRANDMEMBER", "z", "4611686018427387904", "WITHSCORES"],
        &["ZRANDMEMBER", "nokey", "4611686018427387904", "WITHSCORES"],
        &["ZRANDMEMBER", "z", "x", "WITHSCORES"],
    ]);
    d.all3(&[
        &["ZRANDMEMBER", "z", "10", "WITHSCORES"],
        &["ZRANDMEMBER", "nokey"],
        &["ZRANDMEMBER", "nokey", "1"],
    ]);
    // Random parts: shape only.
    for cmd in [
        &["ZRANDMEMBER", "z"][..],
        &["ZRANDMEMBER", "z", "2"],
        &["ZRANDMEMBER", "z", "-7"],
        &["ZRANDMEMBER", "z", "-7", "WITHSCORES"],
        &["ZRANDMEMBER", "z", "1", "WITHSCORES"],
    ] {
        let ours = d.keel.run(cmd);
        let theirs = d.r2.run(cmd);
        assert_eq!(shape(&ours), shape(&theirs), "{cmd:?}");
    }
}

/// Reply type and length, for random replies.
fn shape(f: &Frame) -> String {
    match f {
        Frame::Array(items) => format!("array {}", items.len()),
        Frame::Bulk(_) => "bulk".to_string(),
        other => show(other),
    }
}

#[test]
fn set_operations() {
    let mut d = Diff::new();
    d.set_string("str", "x");
    d.sadd("set", &["a", "b", "d"]);
    d.sadd("ints", &["1", "2", "3", "10"]);
    d.all(&[
        &["ZADD", "z1", "1", "a", "2", "b", "3", "c"],
        &["ZADD", "z2", "10", "b", "20", "c", "30", "d"],
        &["ZADD", "zi", "5", "1", "6", "3", "7", "x"],
        &["ZUNION", "2", "z1", "z2"],
        &["ZUNION", "2", "z1", "z2", "WITHSCORES"],
        &[
            "ZUNION",
            "2",
            "z1",
            "z2",
            "WEIGHTS",
            "2",
            "0.5",
            "WITHSCORES",
        ],
        &["ZUNION", "2", "z1", "z2", "AGGREGATE", "MIN", "WITHSCORES"],
        &["ZUNION", "2", "z1", "z2", "AGGREGATE", "max", "WITHSCORES"],
        &[
            "ZUNION",
            "2",
            "z1",
            "z2",
            "WEIGHTS",
            "1",
            "-1",
            "AGGREGATE",
            "SUM",
            "WITHSCORES",
        ],
        &["ZUNION", "3", "z1", "set", "ints", "WITHSCORES"],
        &["ZUNION", "2", "z1", "nokey", "WITHSCORES"],
        &["ZUNION", "1", "nokey"],
        &["ZUNION", "2", "z1", "z1", "WITHSCORES"],
        &["ZINTER", "2", "z1", "z2", "WITHSCORES"],
        &["ZINTER", "2", "z1", "set", "WITHSCORES"],
        &["ZINTER", "2", "zi", "ints", "WITHSCORES"],
        &[
            "ZINTER",
            "2",
            "ints",
            "zi",
            "WEIGHTS",
            "3",
            "1",
            "WITHSCORES",
        ],
        &["ZINTER", "2", "z1", "z2", "AGGREGATE", "MAX", "WITHSCORES"],
        &["ZINTER", "2", "z1", "nokey"],
        &["ZINTER", "2", "z1", "z1", "WEIGHTS", "1", "2", "WITHSCORES"],
        &["ZDIFF", "2", "z1", "z2", "WITHSCORES"],
        &["ZDIFF", "2", "z2", "set", "WITHSCORES"],
        &["ZDIFF", "2", "ints", "zi", "WITHSCORES"],
        &["ZDIFF", "1", "nokey"],
        &["ZDIFF", "2", "nokey", "z1"],
        &["ZDIFF", "2", "z1", "nokey"],
        &["ZDIFF", "2", "z1", "z2", "WEIGHTS", "1", "1"],
        &["ZDIFF", "2", "z1", "z2", "AGGREGATE", "SUM"],
        &["ZUNION", "0", "z1"],
        &["ZUNION", "-1", "z1"],
        &["ZUNION", "x", "z1"],
        &["ZUNION", "3", "z1", "z2"],
        &["ZUNION", "2", "z1", "str"],
        &["ZUNION", "2", "str", "z1", "WEIGHTS", "x"],
        &["ZUNION", "1", "z1", "WEIGHTS"],
        &["ZUNION", "2", "z1", "z2", "WEIGHTS", "1"],
        &["ZUNION", "2", "z1", "z2", "WEIGHTS", "1", "x"],
        &["ZUNION", "2", "z1", "z2", "WEIGHTS", "1", "nan"],
        &["ZUNION", "2", "z1", "z2", "AGGREGATE"],
        &["ZUNION", "2", "z1", "z2", "AGGREGATE", "AVG"],
        &["ZUNION", "2", "z1", "z2", "FOO"],
        &["ZUNION", "2", "z1", "z2", "WITHSCORES", "WITHSCORES"],
        &["ZINTER", "0", "z1"],
        &["ZDIFF", "0", "z1"],
        &["ZDIFF", "1", "z1", "WITHSCORES"],
        &["ZUNIONSTORE", "dst", "2", "z1", "z2"],
        &["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
        &[
            "ZUNIONSTORE",
            "dst",
            "2",
            "z1",
            "z2",
            "WEIGHTS",
            "2",
            "3",
            "AGGREGATE",
            "MIN",
        ],
        &["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
        &["ZUNIONSTORE", "dst", "2", "z1", "z2", "WITHSCORES"],
        &["ZINTERSTORE", "dst", "2", "z1", "z2"],
        &["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
        &["ZINTERSTORE", "dst", "2", "z1", "nokey"],
        &["ZCARD", "dst"],
        &["ZINTERSTORE", "dst", "2", "z1", "nokey"],
        &["ZDIFFSTORE", "dst", "2", "z1", "z2"],
        &["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
        &["ZDIFFSTORE", "dst", "1", "nokey"],
        &["ZCARD", "dst"],
        &["ZUNIONSTORE", "dst", "0", "z1"],
        &["ZINTERSTORE", "dst", "0", "z1"],
        &["ZDIFFSTORE", "dst", "0", "z1"],
        &["ZDIFFSTORE", "dst", "2", "z1"],
        &["ZUNIONSTORE", "z1", "2", "z1", "z2"],
        &["ZRANGE", "z1", "0", "-1", "WITHSCORES"],
        &["ZUNIONSTORE", "str", "1", "z2"],
        &["ZCARD", "str"],
        &["ZUNIONSTORE", "out", "1", "set"],
        &["ZRANGE", "out", "0", "-1", "WITHSCORES"],
        &["ZINTERCARD", "2", "z1", "z2"],
        &["ZINTERCARD", "2", "z1", "z2", "LIMIT", "1"],
        &["ZINTERCARD", "2", "z1", "z2", "LIMIT", "0"],
        &["ZINTERCARD", "1", "z1", "LIMIT", "2"],
        &["ZINTERCARD", "2", "z1", "set"],
        &["ZINTERCARD", "2", "z1", "nokey"],
        &["ZINTERCARD", "0", "z1"],
        &["ZINTERCARD", "x", "z1"],
        &["ZINTERCARD", "2", "z1"],
        &["ZINTERCARD", "1", "z1", "LIMIT", "-1"],
        &["ZINTERCARD", "1", "z1", "LIMIT", "x"],
        &["ZINTERCARD", "1", "z1", "LIMIT"],
        &["ZINTERCARD", "1", "z1", "WITHSCORES"],
        &["ZINTERCARD", "1", "z1", "WEIGHTS", "1"],
        &["ZINTERCARD", "1", "z1", "AGGREGATE", "SUM"],
        &["ZINTERCARD", "1", "str"],
    ]);
    d.all3(&[
        &["ZUNION", "2", "z1", "z2", "WITHSCORES"],
        &["ZINTER", "2", "z1", "z2", "WITHSCORES"],
        &["ZDIFF", "2", "z1", "z2", "WITHSCORES"],
        &["ZUNION", "2", "z1", "z2"],
    ]);
    for k in ["dst", "out", "z1"] {
        d.same_encoding(k);
    }
}

/// Aggregation order and special values: inputs are visited from the
/// smallest to the largest, and inf - inf sums to 0.
#[test]
fn set_operation_arithmetic() {
    let mut d = Diff::new();
    d.all(&[
        &["ZADD", "A", "1e16", "m", "1", "x", "2", "y"],
        &["ZADD", "B", "1", "m"],
        &["ZADD", "C", "1", "m", "5", "z"],
        &["ZUNION", "3", "A", "B", "C", "WITHSCORES"],
        &["ZUNION", "3", "C", "B", "A", "WITHSCORES"],
        &["ZINTER", "3", "A", "B", "C", "WITHSCORES"],
        &["ZINTER", "3", "A", "C", "B", "WITHSCORES"],
        &["ZADD", "S1", "1e16", "m"],
        &["ZADD", "S2", "1", "m"],
        &["ZADD", "S3", "1", "m"],
        &["ZUNION", "3", "S1", "S2", "S3", "WITHSCORES"],
        &["ZUNION", "3", "S3", "S2", "S1", "WITHSCORES"],
        &["ZINTER", "3", "S2", "S1", "S3", "WITHSCORES"],
        &["ZINTER", "3", "S2", "S3", "S1", "WITHSCORES"],
        &["ZINTERSTORE", "S4", "3", "S3", "S2", "S1"],
        &["ZSCORE", "S4", "m"],
        &["ZADD", "D", "1", "m"],
        &[
            "ZUNION",
            "4",
            "A",
            "D",
            "B",
            "C",
            "WEIGHTS",
            "1",
            "1e-16",
            "1",
            "2",
            "WITHSCORES",
        ],
        &["ZADD", "P", "inf", "m", "-inf", "n", "0", "o"],
        &["ZADD", "Q", "-inf", "m", "inf", "n", "5", "o"],
        &["ZUNION", "2", "P", "Q", "WITHSCORES"],
        &["ZINTER", "2", "P", "Q", "WITHSCORES"],
        &["ZUNION", "2", "P", "Q", "WEIGHTS", "0", "1", "WITHSCORES"],
        &[
            "ZUNION",
            "2",
            "P",
            "Q",
            "WEIGHTS",
            "0",
            "0",
            "AGGREGATE",
            "MIN",
            "WITHSCORES",
        ],
        &[
            "ZINTER",
            "2",
            "P",
            "Q",
            "WEIGHTS",
            "1",
            "0",
            "AGGREGATE",
            "MIN",
            "WITHSCORES",
        ],
        &[
            "ZINTER",
            "2",
            "P",
            "Q",
            "WEIGHTS",
            "1",
            "0",
            "AGGREGATE",
            "MAX",
            "WITHSCORES",
        ],
        &["ZINTER", "2", "P", "Q", "WEIGHTS", "1", "0", "WITHSCORES"],
        &[
            "ZUNION",
            "2",
            "P",
            "Q",
            "WEIGHTS",
            "inf",
            "-inf",
            "WITHSCORES",
        ],
        &["ZUNION", "1", "A", "WEIGHTS", "0x10", "WITHSCORES"],
        &["ZUNION", "1", "A", "WEIGHTS", " 1"],
        &["ZUNION", "1", "A", "WEIGHTS", "1e999"],
    ]);
}

#[test]
fn large_sets_cross_the_listpack_limits() {
    let mut d = Diff::new();
    let cmd = big_zadd("z", 128);
    run_owned(&mut d, &cmd);
    d.same_encoding("z");
    d.all(&[&["ZADD", "z", "3", "member:005"]]);
    d.same_encoding("z");
    d.all(&[&["ZADD", "z", "3", "one-more"]]);
    d.same_encoding("z");
    let long = "y".repeat(65);
    d.all(&[
        &["ZADD", "long", "1", "a"],
        &["ZADD", "long", "1", &long],
        &["ZREM", "long", &long],
    ]);
    d.same_encoding("long");
    let cmd = big_zadd("big", 300);
    run_owned(&mut d, &cmd);
    d.all(&[
        &["ZCARD", "big"],
        &["ZRANGE", "big", "0", "-1", "WITHSCORES"],
        &["ZRANGE", "big", "100", "120", "REV", "WITHSCORES"],
        &[
            "ZRANGEBYSCORE",
            "big",
            "(3",
            "5",
            "WITHSCORES",
            "LIMIT",
            "3",
            "20",
        ],
        &[
            "ZREVRANGEBYSCORE",
            "big",
            "5",
            "(3",
            "WITHSCORES",
            "LIMIT",
            "3",
            "20",
        ],
        &["ZCOUNT", "big", "(3", "5"],
        &["ZRANK", "big", "member:150"],
        &["ZREVRANK", "big", "member:150"],
        &["ZSCORE", "big", "member:150"],
        &["ZREMRANGEBYRANK", "big", "10", "20"],
        &["ZREMRANGEBYSCORE", "big", "4", "(6"],
        &["ZPOPMIN", "big", "5"],
        &["ZPOPMAX", "big", "5"],
        &["ZMPOP", "1", "big", "MAX", "COUNT", "3"],
        &["ZINTERCARD", "2", "big", "z"],
        &["ZINTERCARD", "2", "big", "z", "LIMIT", "10"],
        &["ZUNIONSTORE", "u", "2", "big", "z"],
        &["ZINTERSTORE", "i", "2", "big", "z"],
        &["ZDIFFSTORE", "df", "2", "big", "z"],
        &["ZRANGE", "u", "0", "-1", "WITHSCORES"],
        &["ZRANGE", "i", "0", "-1", "WITHSCORES"],
        &["ZRANGE", "df", "0", "-1", "WITHSCORES"],
        &["ZRANDMEMBER", "big", "1000", "WITHSCORES"],
    ]);
    for k in ["big", "u", "i", "df"] {
        d.same_encoding(k);
    }
    // Lex on a large set whose scores are equal.
    let mut cmd = vec!["ZADD".to_string(), "lex".to_string()];
    for i in 0..200 {
        cmd.push("0".to_string());
        cmd.push(format!("{:x}", i * 7919 % 1000));
    }
    run_owned(&mut d, &cmd);
    d.same_encoding("lex");
    d.all(&[
        &["ZLEXCOUNT", "lex", "[1", "(5"],
        &["ZRANGEBYLEX", "lex", "[1", "(5", "LIMIT", "3", "10"],
        &["ZREVRANGEBYLEX", "lex", "(5", "[1", "LIMIT", "3", "10"],
        &["ZRANGEBYLEX", "lex", "-", "+"],
        &["ZREMRANGEBYLEX", "lex", "[3", "[4"],
        &["ZLEXCOUNT", "lex", "-", "+"],
    ]);
}

#[test]
fn zscan() {
    let mut d = Diff::new();
    d.set_string("str", "x");
    d.all(&[
        &[
            "ZADD",
            "z",
            "1.1",
            "a",
            "1e20",
            "b",
            "3",
            "c",
            "123456789012345678",
            "d",
            "-1e-5",
            "e",
        ],
        &[
            "ZADD",
            "z",
            "4611686018427387904",
            "f",
            "4611686018427388928",
            "g",
            "-0",
            "h",
            "-inf",
            "i",
        ],
        &[
            "ZADD",
            "z",
            "-4611686018427387904",
            "j",
            "-4611686018427388928",
            "k",
            "0.5",
            "l",
        ],
        &["ZSCAN", "z", "0"],
        &["ZSCAN", "z", "0", "MATCH", "[a-c]"],
        &["ZSCAN", "z", "0", "COUNT", "1"],
        &["ZSCAN", "z", "5"],
        &["ZSCAN", "z", "-1"],
        &["ZSCAN", "z", ""],
        &["ZSCAN", "z", "x"],
        &["ZSCAN", "z", " 0"],
        &["ZSCAN", "z", "18446744073709551616"],
        &["ZSCAN", "z", "0", "COUNT", "0"],
        &["ZSCAN", "z", "0", "COUNT", "x"],
        &["ZSCAN", "z", "0", "MATCH"],
        &["ZSCAN", "z", "0", "TYPE", "zset"],
        &["ZSCAN", "z", "0", "NOVALUES"],
        &["ZSCAN", "nokey", "0"],
        &["ZSCAN", "nokey", "0", "COUNT", "0"],
        &["ZSCAN", "nokey", "x"],
        &["ZSCAN", "str", "0"],
        &["ZSCAN", "str", "0", "COUNT", "0"],
    ]);
    d.check3(&["ZSCAN", "z", "0"]);
    // A large set: cursors differ, a full iteration returns every member.
    let long = "x".repeat(70);
    d.all(&[&["ZADD", "z", "1", &long]]);
    let cmd = big_zadd("big", 300);
    run_owned(&mut d, &cmd);
    for key in ["z", "big"] {
        for opts in [
            &[][..],
            &["COUNT", "7"],
            &["MATCH", "member:1*"],
            &["MATCH", "*", "COUNT", "1000"],
        ] {
            assert_eq!(
                full_scan_keel(&mut d, key, opts),
                full_scan_redis(&mut d, key, opts)
            );
        }
    }
}

/// (member, score text) pairs of ZSCAN replies.
type ScanItems = Vec<(Vec<u8>, Vec<u8>)>;

fn scan_page(f: &Frame) -> (u64, ScanItems) {
    let Frame::Array(parts) = f else {
        panic!("bad ZSCAN reply {f:?}")
    };
    let (Frame::Bulk(cursor), Frame::Array(items)) = (&parts[0], &parts[1]) else {
        panic!("bad ZSCAN reply {f:?}")
    };
    let cursor = std::str::from_utf8(cursor).unwrap().parse().unwrap();
    let items = items
        .chunks(2)
        .map(|p| match p {
            [Frame::Bulk(m), Frame::Bulk(s)] => (m.to_vec(), s.to_vec()),
            _ => panic!("bad ZSCAN pair {p:?}"),
        })
        .collect();
    (cursor, items)
}

fn full_scan(mut run: impl FnMut(&[String]) -> Frame, key: &str, opts: &[&str]) -> ScanItems {
    let mut cursor = 0u64;
    let mut all = Vec::new();
    loop {
        let mut cmd = vec!["ZSCAN".to_string(), key.to_string(), cursor.to_string()];
        cmd.extend(opts.iter().map(|o| o.to_string()));
        let (next, items) = scan_page(&run(&cmd));
        all.extend(items);
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    all.sort();
    all.dedup();
    all
}

fn full_scan_keel(d: &mut Diff, key: &str, opts: &[&str]) -> ScanItems {
    full_scan(
        |cmd| {
            let refs: Vec<&str> = cmd.iter().map(String::as_str).collect();
            d.keel.run(&refs)
        },
        key,
        opts,
    )
}

fn full_scan_redis(d: &mut Diff, key: &str, opts: &[&str]) -> ScanItems {
    full_scan(|cmd| d.r2.run(cmd), key, opts)
}

#[test]
fn arity_errors() {
    let mut d = Diff::new();
    d.all(&[
        &["ZADD", "z", "1"],
        &["ZINCRBY", "z", "1"],
        &["ZREM", "z"],
        &["ZCARD"],
        &["ZCARD", "z", "x"],
        &["ZCOUNT", "z", "1"],
        &["ZLEXCOUNT", "z", "-"],
        &["ZSCORE", "z"],
        &["ZMSCORE", "z"],
        &["ZRANK", "z"],
        &["ZREVRANK", "z", "a", "b"],
        &["ZRANGE", "z", "0"],
        &["ZRANGESTORE", "d", "z", "0"],
        &["ZREVRANGE", "z", "0"],
        &["ZRANGEBYSCORE", "z", "0"],
        &["ZREVRANGEBYSCORE", "z", "0"],
        &["ZRANGEBYLEX", "z", "-"],
        &["ZREVRANGEBYLEX", "z", "-"],
        &["ZREMRANGEBYRANK", "z", "0"],
        &["ZREMRANGEBYSCORE", "z", "0"],
        &["ZREMRANGEBYLEX", "z", "-"],
        &["ZPOPMIN"],
        &["ZPOPMAX"],
        &["ZMPOP", "1", "z"],
        &["BZPOPMIN", "z"],
        &["BZPOPMAX", "z"],
        &["BZMPOP", "0", "1", "z"],
        &["ZRANDMEMBER"],
        &["ZUNION", "1"],
        &["ZINTER", "1"],
        &["ZDIFF", "1"],
        &["ZUNIONSTORE", "d", "1"],
        &["ZINTERSTORE", "d", "1"],
        &["ZDIFFSTORE", "d", "1"],
        &["ZINTERCARD", "1"],
        &["ZSCAN", "z"],
    ]);
}

/// Random command sequences from the testkit generator, several seeds.
#[test]
fn random_commands_match_redis() {
    let mut d = Diff::new();
    let (mut errors, mut total, mut nonempty_ranges, mut on_large) = (0, 0, 0, 0);
    let (mut large_keys, mut large_lex) = (0, 0);
    for seed in 1..=40u64 {
        d.keel = Harness::new();
        d.r2.run(&["FLUSHALL"]);
        let mut g = Gen::new(seed);
        for i in 0..500 {
            let cmd: Vec<Bytes> = gen_zset::command(&mut g)
                .into_iter()
                .map(Bytes::from)
                .collect();
            let resp3 = i % 5 == 4;
            if cmd
                .iter()
                .skip(1)
                .any(|k| d.encoding(k) == Some("skiplist"))
            {
                on_large += 1;
            }
            let name = cmd[0].to_ascii_uppercase();
            let context = || {
                format!(
                    "seed {seed}, command #{i}: {:?}",
                    cmd.iter()
                        .map(|a| String::from_utf8_lossy(a).into_owned())
                        .collect::<Vec<_>>()
                )
            };
            match name.as_slice() {
                b"ZRANDMEMBER" => {
                    let ours = d.keel.run_bytes(&cmd, resp3);
                    let theirs = if resp3 {
                        d.r3.run(&cmd)
                    } else {
                        d.r2.run(&cmd)
                    };
                    assert_eq!(shape(&ours), shape(&theirs), "{}", context());
                }
                b"ZSCAN" if d.encoding(&cmd[1]) == Some("skiplist") => {
                    let key = String::from_utf8_lossy(&cmd[1]).into_owned();
                    let opts: Vec<String> = cmd[3..]
                        .iter()
                        .map(|a| String::from_utf8_lossy(a).into_owned())
                        .collect();
                    let opts: Vec<&str> = opts.iter().map(String::as_str).collect();
                    assert_eq!(
                        full_scan_keel(&mut d, &key, &opts),
                        full_scan_redis(&mut d, &key, &opts),
                        "{}",
                        context()
                    );
                }
                _ => {
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        d.check_bytes(&cmd, resp3)
                    }));
                    match result {
                        Err(_) => panic!("mismatch at {}", context()),
                        Ok(Frame::Error(_)) => errors += 1,
                        Ok(Frame::Array(items)) if !items.is_empty() => nonempty_ranges += 1,
                        Ok(_) => {}
                    }
                    total += 1;
                }
            }
        }
        // Every key ends with the same encoding and content.
        for key in ["k0", "k1", "k2", "k3", "k4", "k5", "lex0", "lex1"] {
            d.same_encoding(key);
            if d.encoding(key.as_bytes()) == Some("skiplist") {
                large_keys += 1;
                if key.starts_with("lex") {
                    large_lex += 1;
                }
            }
            d.check(&["ZRANGE", key, "0", "-1", "WITHSCORES"]);
        }
    }
    eprintln!(
        "{total} compared replies: {errors} errors, {nonempty_ranges} non-empty arrays, \
         {on_large} commands on skiplist-encoded keys; {large_keys} keys ended in the skiplist \
         encoding"
    );
    assert!(on_large * 10 > total, "too few commands on large sets");
    // The generator must exercise real work, not just errors.
    assert!(errors * 3 < total, "too many errors: {errors}/{total}");
    assert!(nonempty_ranges * 10 > total, "too few non-empty replies");
    assert!(large_keys >= 3, "sets rarely cross the listpack limits");
    assert!(large_lex >= 3, "lex sets rarely cross the listpack limits");
}

/// Arity, flags, key positions and ACL categories as COMMAND INFO reports
/// them.
#[test]
fn command_info_matches() {
    let server = RedisServer::start();
    let mut r = server.connect();
    for spec in super::COMMANDS {
        let Frame::Array(info) = r.run(&["COMMAND", "INFO", spec.name]) else {
            panic!("no COMMAND INFO for {}", spec.name)
        };
        let Some(Frame::Array(info)) = info.into_iter().next() else {
            panic!("unknown to redis: {}", spec.name)
        };
        let text = |f: &Frame| match f {
            Frame::Simple(s) => s.clone(),
            Frame::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
            other => panic!("unexpected {other:?}"),
        };
        let names = |f: &Frame| -> Vec<String> {
            let Frame::Array(items) = f else { panic!() };
            let mut v: Vec<String> = items.iter().map(text).collect();
            v.sort();
            v
        };
        assert_eq!(
            info[1],
            Frame::Integer(spec.arity.into()),
            "{} arity",
            spec.name
        );
        let mut ours: Vec<String> = spec.flag_names().iter().map(|s| s.to_string()).collect();
        ours.sort();
        assert_eq!(names(&info[2]), ours, "{} flags", spec.name);
        assert_eq!(
            (&info[3], &info[4], &info[5]),
            (
                &Frame::Integer(spec.first_key.into()),
                &Frame::Integer(spec.last_key.into()),
                &Frame::Integer(spec.step.into())
            ),
            "{} key positions",
            spec.name
        );
        let mut cats: Vec<String> = spec
            .acl_categories()
            .iter()
            .map(|c| format!("@{c}"))
            .collect();
        cats.sort();
        assert_eq!(names(&info[6]), cats, "{} ACL categories", spec.name);
    }
}

/// Key extraction agrees with COMMAND GETKEYS, including its errors.
#[test]
fn command_getkeys_matches() {
    let server = RedisServer::start();
    let mut r = server.connect();
    let cases: &[&[&str]] = &[
        &["ZADD", "k", "1", "a"],
        &["ZRANGESTORE", "d", "s", "0", "1"],
        &["BZPOPMIN", "a", "b", "c", "0"],
        &["BZPOPMAX", "a", "0"],
        &["ZUNION", "2", "a", "b", "WITHSCORES"],
        &["ZINTER", "1", "a"],
        &["ZDIFF", "3", "a", "b", "c"],
        &["ZINTERCARD", "2", "a", "b", "LIMIT", "3"],
        &["ZUNIONSTORE", "d", "2", "a", "b"],
        &["ZINTERSTORE", "d", "1", "a", "WEIGHTS", "2"],
        &["ZDIFFSTORE", "d", "2", "a", "b"],
        &["ZMPOP", "2", "a", "b", "MIN"],
        &["BZMPOP", "1", "2", "a", "b", "MAX", "COUNT", "2"],
        &["ZUNION", "0", "a"],
        &["ZUNION", "3", "a", "b"],
        &["ZUNION", "x", "a"],
        &["ZUNIONSTORE", "d", "3", "a"],
        &["ZMPOP", "0", "a", "MIN"],
        &["ZMPOP", "3", "a", "MIN"],
        &["BZMPOP", "0", "x", "a", "MIN"],
    ];
    for cmd in cases {
        let mut getkeys = vec!["COMMAND", "GETKEYS"];
        getkeys.extend_from_slice(cmd);
        let theirs = r.run(&getkeys);
        let a = bytes_args(cmd);
        let ours = crate::table::resolve(&a)
            .and_then(|spec| spec.key_positions(&a))
            .map(|keys| {
                Frame::Array(
                    keys.into_iter()
                        .map(|i| Frame::bulk(a[i].clone()))
                        .collect(),
                )
            })
            .unwrap_or_else(|e| Frame::Error(e.to_string()));
        assert_eq!(ours, theirs, "{cmd:?}");
    }
}

/// Binary-safe members, and C-string parsing that stops at a NUL byte.
#[test]
fn binary_members_and_nul_bytes() {
    let mut d = Diff::new();
    let b = |parts: &[&[u8]]| -> Vec<Bytes> {
        parts.iter().map(|p| Bytes::copy_from_slice(p)).collect()
    };
    for cmd in [
        b(&[
            b"ZADD",
            b"z",
            b"1",
            b"a\x00b",
            b"2",
            b"\xff\xfe",
            b"3",
            b"\r\n",
            b"0",
            b"",
            b"1",
            b"a",
        ]),
        b(&[b"ZRANGE", b"z", b"0", b"-1", b"WITHSCORES"]),
        b(&[b"ZSCORE", b"z", b"a\x00b"]),
        b(&[b"ZRANK", b"z", b"\xff\xfe"]),
        b(&[b"ZSCAN", b"z", b"0", b"MATCH", b"a*"]),
        b(&[b"ZSCAN", b"z", b"1\x00x"]),
        b(&[
            b"ZADD", b"l", b"0", b"a\x00b", b"0", b"a", b"0", b"a\x00", b"0", b"b", b"0", b"\xff",
        ]),
        b(&[b"ZRANGEBYLEX", b"l", b"[a\x00", b"+"]),
        b(&[b"ZRANGEBYLEX", b"l", b"(a\x00", b"[\xff"]),
        b(&[b"ZRANGEBYLEX", b"l", b"-\x00junk", b"+\x00junk"]),
        b(&[b"ZLEXCOUNT", b"l", b"-\x00", b"(b"]),
        b(&[b"ZRANGEBYSCORE", b"z", b"1\x00junk", b"(3\x00"]),
        b(&[b"ZCOUNT", b"z", b"\x00", b"2"]),
        b(&[b"ZADD", b"z", b"1\x00", b"x"]),
        b(&[b"ZINCRBY", b"z", b"1\x00", b"x"]),
        b(&[b"ZUNION", b"1", b"z", b"WEIGHTS", b"2\x00"]),
        b(&[b"ZREM", b"z", b"a\x00b", b"a"]),
        b(&[b"ZRANGE", b"z", b"0", b"-1"]),
    ] {
        d.check_bytes(&cmd, false);
    }
}

/// The shared helper works for this family too (RESP2 only, no setup).
#[test]
fn shared_helper_sequence() {
    crate::testing::assert_same_replies(
        &[
            &["ZADD", "z", "1", "one", "2", "two", "3", "three"],
            &["ZRANGE", "z", "(1", "+inf", "BYSCORE", "WITHSCORES"],
            &["ZREVRANGE", "z", "0", "-1"],
            &["ZUNIONSTORE", "u", "1", "z", "WEIGHTS", "0.1"],
            &["ZRANGE", "u", "0", "-1", "WITHSCORES"],
            &["ZPOPMAX", "u", "2"],
            &["ZRANDMEMBER", "u", "-3"],
        ],
        |_| false,
    );
}
