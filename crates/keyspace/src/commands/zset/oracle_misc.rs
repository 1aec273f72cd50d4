//! Differential tests (continued): ZSCAN, arity, random sequences from
//! the testkit generator, command metadata and binary safety.

use bytes::Bytes;
use resp::Frame;
use testkit::gen::{zset as gen_zset, Gen};
use testkit::RedisServer;

use super::oracle::{big_zadd, bytes_args, run_owned, shape, Diff};
use crate::testing::Harness;

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

pub(super) fn full_scan_keel(d: &mut Diff, key: &str, opts: &[&str]) -> ScanItems {
    full_scan(
        |cmd| {
            let refs: Vec<&str> = cmd.iter().map(String::as_str).collect();
            d.keel.run(&refs)
        },
        key,
        opts,
    )
}

pub(super) fn full_scan_redis(d: &mut Diff, key: &str, opts: &[&str]) -> ScanItems {
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
