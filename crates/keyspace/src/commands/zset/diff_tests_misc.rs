//! Differential tests (continued): ZSCAN, arity, random sequences from
//! the testkit generator, command metadata and binary safety.

use bytes::Bytes;
use resp::Frame;
use testkit::gen::zset as gen_zset;
use testkit::RedisServer;

use super::diff_tests::{big_zadd, keel_encoding};
use crate::testing::{
    assert_same_replies, check_command_info, random_sequences, to_bytes, Diff, Protocols,
};

#[test]
fn zscan() {
    let mut d = Diff::new();
    d.check(&["SET", "str", "x"]);
    d.check_all(&[
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
    d.check_all(&[&["ZADD", "z", "1", &long]]);
    let cmd = big_zadd("big", 300);
    d.check(&cmd);
    for key in ["z", "big"] {
        for opts in [
            &[][..],
            &["COUNT", "7"],
            &["MATCH", "member:1*"],
            &["MATCH", "*", "COUNT", "1000"],
        ] {
            let mut cmd = vec!["ZSCAN", key, "0"];
            cmd.extend_from_slice(opts);
            d.check(&cmd);
        }
    }
}

#[test]
fn arity_errors() {
    let mut d = Diff::new();
    d.check_all(&[
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

/// Random command sequences from the testkit generator, several seeds,
/// every fifth command in RESP3.
#[test]
fn random_commands_match_redis() {
    let (mut on_large, mut large_keys, mut large_lex) = (0, 0, 0);
    let stats = random_sequences(
        "zset",
        1..41,
        500,
        Protocols::Mixed(5),
        |d, g, _| {
            let cmd = gen_zset::command(g);
            if cmd[1..]
                .iter()
                .any(|k| keel_encoding(d, k) == Some("skiplist"))
            {
                on_large += 1;
            }
            cmd
        },
        |d, _| {
            for key in ["k0", "k1", "k2", "k3", "k4", "k5", "lex0", "lex1"] {
                if keel_encoding(d, key.as_bytes()) == Some("skiplist") {
                    large_keys += 1;
                    large_lex += usize::from(key.starts_with("lex"));
                }
            }
        },
    );
    eprintln!(
        "{on_large} commands on skiplist-encoded keys; {large_keys} keys ended in the skiplist \
         encoding"
    );
    assert!(
        on_large * 10 > stats.total,
        "too few commands on large sets"
    );
    // The generator must exercise real work, not just errors.
    stats.assert_errors_below(3);
    assert!(
        stats.nonempty * 10 > stats.total,
        "too few non-empty replies"
    );
    assert!(large_keys >= 3, "sets rarely cross the listpack limits");
    assert!(large_lex >= 3, "lex sets rarely cross the listpack limits");
}

/// Arity, flags, key positions and ACL categories as COMMAND INFO reports
/// them.
#[test]
fn command_info_matches() {
    assert_eq!(check_command_info(super::COMMANDS), super::COMMANDS.len());
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
        let a = to_bytes(cmd);
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
        d.check(&cmd);
    }
}

/// A plain sequence through the shared helper (RESP2, no setup).
#[test]
fn shared_helper_sequence() {
    assert_same_replies(&[
        &["ZADD", "z", "1", "one", "2", "two", "3", "three"],
        &["ZRANGE", "z", "(1", "+inf", "BYSCORE", "WITHSCORES"],
        &["ZREVRANGE", "z", "0", "-1"],
        &["ZUNIONSTORE", "u", "1", "z", "WEIGHTS", "0.1"],
        &["ZRANGE", "u", "0", "-1", "WITHSCORES"],
        &["ZPOPMAX", "u", "2"],
        &["ZRANDMEMBER", "u", "-3"],
    ]);
}

/// C `strtod` corner cases in strict (ZADD) and lenient (range) parsing.
#[test]
fn float_syntax_corners() {
    let mut d = Diff::new();
    let inputs = [
        "0x1p-1074",
        "0x1.fffffffffffffp1023",
        "0x1p1024",
        "0X1P3",
        "-0x10",
        "0x.8",
        "0x",
        "0x1p",
        "0x1p+",
        "1e",
        "1e+",
        ".",
        "-.5",
        "+.5e1",
        "1_0",
        "١",
        "infinity",
        "-INFINITY",
        "infinit",
        "nan(1)",
        "+nan",
        "1e-320",
        "2.4703282292062328e-324",
        "2.4703282292062327e-324",
        "1.7976931348623157e308",
        "1.7976931348623159e308",
        "00012",
        "\t1",
        "1\t",
        "\x0b1",
        "123456789012345678901234567890",
        "0.1e-999999999999",
        "9e999999999999",
    ];
    for (i, s) in inputs.iter().enumerate() {
        let member = format!("m{i}");
        d.check(&["ZADD", "z", s, &member]);
        d.check(&["ZSCORE", "z", &member]);
        d.check(&["ZCOUNT", "z", s, "+inf"]);
        d.check(&["ZCOUNT", "z", &format!("({s}"), "+inf"]);
        d.check(&["ZUNION", "1", "z", "WEIGHTS", s, "WITHSCORES"]);
    }
}
