//! Differential tests: the same commands through keel and a real Redis 7.0,
//! comparing every reply (RESP2 and RESP3) with `crate::testing::Diff`.

use crate::testing::Diff;

/// keel's encoding of `key` (None if missing).
pub(super) fn keel_encoding(d: &Diff, key: &[u8]) -> Option<&'static str> {
    let now = d.keel.now_ms();
    d.keel
        .ks
        .db(d.keel.db)
        .get(key, now)
        .map(crate::Value::encoding)
}

/// `ZADD key` with `n` members over 17 distinct scores.
pub(super) fn big_zadd(key: &str, n: usize) -> Vec<String> {
    let mut cmd = vec!["ZADD".to_string(), key.to_string()];
    for i in 0..n {
        cmd.push(format!("{}", i % 17));
        cmd.push(format!("member:{i:03}"));
    }
    cmd
}

#[test]
fn zadd_options_and_errors() {
    let mut d = Diff::new();
    d.check(&["SET", "str", "x"]);
    d.check_all(&[
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
    d.check_all3(&[
        &["ZADD", "z", "INCR", "1.5", "a"],
        &["ZADD", "z", "INCR", "NX", "1", "a"],
        &["ZADD", "z", "1", "q"],
    ]);
}

#[test]
fn zincrby_and_score_formatting() {
    let mut d = Diff::new();
    d.check(&["SET", "str", "x"]);
    d.check_all(&[
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
    d.check_all3(&[
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
    d.check_all(&[
        &["ZADD", "small", "-0", "a"],
        &["ZSCORE", "small", "a"],
        &["ZADD", "small", "INCR", "-0", "b"],
        &["ZSCORE", "small", "b"],
        &["ZADD", "small", "CH", "0", "a"],
        &["ZADD", "big", "-0", "a", "0", "b", "-0", "c"],
    ]);
    let long = "x".repeat(70);
    d.check_all(&[
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
    d.check_encoding("small");
    d.check_encoding("big");
    d.check_encoding("dst");
    d.check_encoding("dst2");
    d.check3(&["ZSCORE", "big", "w"]);
}

#[test]
fn rem_card_rank() {
    let mut d = Diff::new();
    d.check(&["SET", "str", "x"]);
    d.check_all(&[
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
    d.check(&["SET", "str", "x"]);
    d.check_all(&[
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
    d.check(&["SET", "str", "x"]);
    d.check_all(&[
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
    d.check_all3(&[
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
    d.check_all(&[
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
    d.check_all3(&[
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
    d.check_all(&[
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
    d.check(&["SET", "str", "x"]);
    d.check_all(&[
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
    d.check(&["SET", "str", "x"]);
    d.check_all(&[
        &["ZRANGESTORE", "dst", "str", "0", "1"],
        &["ZRANGESTORE", "dst", "z", "0", "-1", "WITHSCORES"],
        &["ZRANGESTORE", "dst", "z", "0", "-1", "LIMIT", "0", "1"],
        &["ZRANGESTORE", "dst", "z", "x", "-1"],
        &["ZRANGESTORE", "dst", "z", "0"],
        &["ZRANGESTORE", "z", "z", "1", "2"],
        &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
    ]);
    let big = big_zadd("big", 200);
    d.check(&big);
    d.check_all(&[
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
        d.check_encoding(k);
    }
}

/// A ZRANGESTORE destination is filled in range order, as a listpack until
/// a long member (or the 129th) converts it: zero scores added before lose
/// their sign, later ones keep it; rank ranges of more than 128 members
/// start as a skiplist (found by the random differential test).
#[test]
fn zrangestore_signed_zeros() {
    let long = "L".repeat(70);
    let mut d = Diff::new();
    d.check_all(&[
        &["ZADD", "t", "1", &long, "-0", "a", "5", "b", "-0", "c"],
        &["ZSCORE", "t", "a"],
        &["ZRANGESTORE", "d1", "t", "0", "-1"],
        &["ZRANGESTORE", "d2", "t", "0", "-1", "REV"],
        &["ZRANGESTORE", "d3", "t", "-inf", "+inf", "BYSCORE"],
        &["ZRANGESTORE", "d4", "t", "+inf", "-inf", "BYSCORE", "REV"],
        &["ZRANGESTORE", "d5", "t", "0", "1"],
    ]);
    for k in ["d1", "d2", "d3", "d4", "d5"] {
        d.check(&["ZRANGE", k, "0", "-1", "WITHSCORES"]);
        d.check_encoding(k);
    }
    let mut big = big_zadd("big", 200);
    big.extend(["-0", "a", "-0", "b"].map(String::from));
    d.check(&big);
    d.check_all(&[
        &["ZRANGESTORE", "b1", "big", "0", "-1"],
        &["ZRANGESTORE", "b2", "big", "-inf", "+inf", "BYSCORE"],
        &["ZRANGESTORE", "b3", "big", "0", "-1", "REV"],
        &["ZRANGESTORE", "b4", "big", "0", "127"],
        &["ZRANGESTORE", "b5", "big", "0", "128"],
        &[
            "ZRANGESTORE",
            "b6",
            "big",
            "-inf",
            "1",
            "BYSCORE",
            "LIMIT",
            "0",
            "150",
        ],
    ]);
    for k in ["b1", "b2", "b3", "b4", "b5", "b6"] {
        d.check(&["ZRANGE", k, "0", "2", "WITHSCORES"]);
        d.check(&["ZMSCORE", k, "a", "b", &long]);
        d.check_encoding(k);
    }
}

#[test]
fn zremrange() {
    let mut d = Diff::new();
    d.check(&["SET", "str", "x"]);
    d.check_all(&[
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
