//! Differential tests (continued): pops, blocking pops, ZRANDMEMBER and
//! set operations.

use super::diff_tests::big_zadd;
use crate::testing::Diff;

#[test]
fn pops() {
    let mut d = Diff::new();
    d.check(&["SET", "str", "x"]);
    d.check_all(&[
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
    d.check_all(&[&[
        "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
    ]]);
    d.check_all3(&[
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
    d.check(&["SET", "str", "x"]);
    d.check_all(&[
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
    d.check_all3(&[
        &["BZPOPMIN", "z", "0"],
        &["BZMPOP", "0", "1", "z", "MAX", "COUNT", "5"],
    ]);
}

/// Inside MULTI a blocking pop with nothing to pop answers like a timeout.
#[test]
fn blocking_pops_inside_multi() {
    for resp3 in [false, true] {
        let mut d = Diff::new();
        d.set_resp3(resp3);
        d.check_transaction(&[
            &["BZPOPMIN", "nokey", "0"],
            &["BZPOPMAX", "nokey", "nokey2", "1"],
            &["BZMPOP", "0", "1", "nokey", "MIN"],
            &["BZMPOP", "0", "1", "nokey", "MAX", "COUNT", "3"],
        ]);
    }
}

#[test]
fn zrandmember_deterministic_parts() {
    let mut d = Diff::new();
    d.check(&["SET", "str", "x"]);
    d.check_all(&[
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
    d.check_all3(&[
        &["ZRANDMEMBER", "z", "10", "WITHSCORES"],
        &["ZRANDMEMBER", "nokey"],
        &["ZRANDMEMBER", "nokey", "1"],
    ]);
    // Random parts: count, distinctness, membership and scores.
    let random: &[&[&str]] = &[
        &["ZRANDMEMBER", "z"],
        &["ZRANDMEMBER", "z", "2"],
        &["ZRANDMEMBER", "z", "-7"],
        &["ZRANDMEMBER", "z", "-7", "WITHSCORES"],
        &["ZRANDMEMBER", "z", "1", "WITHSCORES"],
    ];
    d.check_all(random);
    d.check_all3(random);
}

#[test]
fn set_operations() {
    let mut d = Diff::new();
    d.check(&["SET", "str", "x"]);
    d.check(&["SADD", "set", "a", "b", "d"]);
    d.check(&["SADD", "ints", "1", "2", "3", "10"]);
    d.check_all(&[
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
    d.check_all3(&[
        &["ZUNION", "2", "z1", "z2", "WITHSCORES"],
        &["ZINTER", "2", "z1", "z2", "WITHSCORES"],
        &["ZDIFF", "2", "z1", "z2", "WITHSCORES"],
        &["ZUNION", "2", "z1", "z2"],
    ]);
    for k in ["dst", "out", "z1"] {
        d.check_encoding(k);
    }
}

/// Aggregation order and special values: inputs are visited from the
/// smallest to the largest, and inf - inf sums to 0.
#[test]
fn set_operation_arithmetic() {
    let mut d = Diff::new();
    d.check_all(&[
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
    d.check(&cmd);
    d.check_encoding("z");
    d.check_all(&[&["ZADD", "z", "3", "member:005"]]);
    d.check_encoding("z");
    d.check_all(&[&["ZADD", "z", "3", "one-more"]]);
    d.check_encoding("z");
    let long = "y".repeat(65);
    d.check_all(&[
        &["ZADD", "long", "1", "a"],
        &["ZADD", "long", "1", &long],
        &["ZREM", "long", &long],
    ]);
    d.check_encoding("long");
    let cmd = big_zadd("big", 300);
    d.check(&cmd);
    d.check_all(&[
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
        d.check_encoding(k);
    }
    // Lex on a large set whose scores are equal.
    let mut cmd = vec!["ZADD".to_string(), "lex".to_string()];
    for i in 0..200 {
        cmd.push("0".to_string());
        cmd.push(format!("{:x}", i * 7919 % 1000));
    }
    d.check(&cmd);
    d.check_encoding("lex");
    d.check_all(&[
        &["ZLEXCOUNT", "lex", "[1", "(5"],
        &["ZRANGEBYLEX", "lex", "[1", "(5", "LIMIT", "3", "10"],
        &["ZREVRANGEBYLEX", "lex", "(5", "[1", "LIMIT", "3", "10"],
        &["ZRANGEBYLEX", "lex", "-", "+"],
        &["ZREMRANGEBYLEX", "lex", "[3", "[4"],
        &["ZLEXCOUNT", "lex", "-", "+"],
    ]);
}
