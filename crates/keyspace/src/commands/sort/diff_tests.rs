//! Differential tests of SORT and SORT_RO against a real Redis 7.0.

use testkit::gen::sort as gen_sort;

use crate::testing::{check_command_info, random_sequences, Diff, Protocols, RedisServer};

fn setup(d: &mut Diff) {
    d.check_all(&[
        &["RPUSH", "l", "3", "1", "2", "10", "-1.5", "2"],
        &[
            "MSET", "w_1", "30", "w_2", "20", "w_3", "10", "w_10", "x", "o_1", "one", "o_3",
            "three",
        ],
        &["HSET", "h_1", "f", "hone", "g", "9"],
        &["HSET", "h_2", "f", "htwo", "g", "1"],
        &["SADD", "s", "5", "3", "9", "-2"],
        &["SADD", "s2", "b", "a", "c", "B", "a b"],
        &["ZADD", "z", "1", "c", "2", "b", "3", "a", "3", "d"],
        &[
            "RPUSH", "words", "b", "a", "c", "B", "", "a\x00z", "a\x00b", "ab",
        ],
        &["SET", "str", "x"],
    ]);
}

#[test]
fn options_orders_and_errors() {
    let mut d = Diff::new();
    setup(&mut d);
    d.check_all(&[
        &["SORT", "l"],
        &["SORT", "l", "DESC"],
        &["SORT", "l", "ASC", "DESC", "ASC"],
        &["SORT", "l", "LIMIT", "1", "2"],
        &["SORT", "l", "LIMIT", "-1", "2"],
        &["SORT", "l", "LIMIT", "2", "100"],
        &["SORT", "l", "LIMIT", "5", "1"],
        &["SORT", "l", "LIMIT", "0", "0"],
        &["SORT", "l", "LIMIT", "0", "-5", "DESC"],
        &["SORT", "l", "LIMIT", "9223372036854775807", "1"],
        &[
            "SORT",
            "l",
            "LIMIT",
            "-9223372036854775808",
            "9223372036854775807",
        ],
        &["SORT", "l", "LIMIT", "1", "1", "LIMIT", "0", "2"],
        &["SORT", "l", "BY", "w_*"],
        &["SORT", "l", "BY", "w_*", "DESC", "LIMIT", "1", "3"],
        &["SORT", "l", "BY", "h_*->g"],
        &["SORT", "l", "BY", "h_*->"],
        &["SORT", "l", "BY", "nosort"],
        &["SORT", "l", "BY", "nosort", "DESC"],
        &["SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "2"],
        &["SORT", "l", "BY", "nosort", "LIMIT", "2", "2"],
        &["SORT", "l", "BY", "nosort", "LIMIT", "7", "2"],
        &["SORT", "l", "BY", "nosort", "BY", "w_*"],
        &["SORT", "l", "BY", "#"],
        &["SORT", "l", "GET", "#"],
        &["SORT", "l", "GET", "o_*", "GET", "#", "GET", "h_*->f"],
        &[
            "SORT",
            "l",
            "BY",
            "w_*",
            "GET",
            "o_*",
            "GET",
            "h_*->f->g",
            "GET",
            "h_*->",
        ],
        &["SORT", "l", "GET", "##"],
        &["SORT", "l", "GET", "o_*", "LIMIT", "0", "0"],
        &["SORT", "s"],
        &["SORT", "s", "DESC", "LIMIT", "1", "2"],
        &["SORT", "s", "BY", "nosort"],
        &["SORT", "s2", "ALPHA"],
        &["SORT", "s2", "ALPHA", "DESC", "LIMIT", "1", "3"],
        &["SORT", "s2"],
        &["SORT", "z"],
        &["SORT", "z", "ALPHA"],
        &["SORT", "z", "BY", "nosort"],
        &["SORT", "z", "BY", "nosort", "DESC"],
        &["SORT", "z", "BY", "nosort", "LIMIT", "1", "2"],
        &["SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "2"],
        &["@enc", "z"],
        &["SORT", "words", "ALPHA"],
        // ALPHA ties (missing or equal BY values) keep the list order.
        &["SORT", "words", "BY", "w_*", "ALPHA"],
        &["SORT", "words", "BY", "w_*", "ALPHA", "DESC"],
        &[
            "SORT", "l", "BY", "h_*->f", "ALPHA", "GET", "#", "GET", "h_*->f",
        ],
        &["SORT", "l", "BY", "h_*->f", "ALPHA", "DESC", "STORE", "dst"],
        &["LRANGE", "dst", "0", "-1"],
        &["SORT", "words", "ALPHA", "DESC"],
        &["SORT", "words"],
        &["SORT", "nokey"],
        &["SORT", "nokey", "GET", "#", "LIMIT", "0", "1"],
        &["SORT", "str"],
        &["SORT", "l", "LIMIT", "1"],
        &["SORT", "l", "LIMIT", "x", "1"],
        &["SORT", "l", "LIMIT", "0", "x"],
        &["SORT", "l", "foo"],
        &["SORT", "l", "BY"],
        &["SORT", "l", "GET"],
        &["SORT", "l", "STORE"],
        &["SORT", "str", "foo"],
        &["SORT"],
        &["SORT_RO", "l", "BY", "w_*", "GET", "#", "GET", "o_*"],
        &["SORT_RO", "l", "STORE", "d"],
        &["SORT_RO", "nokey"],
        &["SORT_RO", "str"],
    ]);
    d.check_all3(&[
        &["SORT", "l", "GET", "o_*", "GET", "#"],
        &["SORT_RO", "s2", "ALPHA", "LIMIT", "0", "2"],
        &["SORT", "nokey"],
    ]);
}

#[test]
fn numbers_like_strtod() {
    let mut d = Diff::new();
    d.check_all(&[
        &[
            "RPUSH", "n", "3", " 2", "", "0x10", "inf", "-inf", "1", ".5", "5.", "+4", "1e5", "-0",
            "0",
        ],
        &["SORT", "n"],
        &["SORT", "n", "DESC"],
        &["RPUSH", "ok", "1e-300", "0x1p-1030", "1\x00junk"],
        &["SORT", "ok"],
        &["RPUSH", "bad1", "1 "],
        &["SORT", "bad1"],
        &["RPUSH", "bad2", "nan"],
        &["SORT", "bad2"],
        // Redis's range-error check reads a stale errno, so after an
        // overflow or underflow it may refuse valid numbers: valid ones
        // come first.
        &["RPUSH", "bad3", "1e400"],
        &["SORT", "bad3"],
        &["RPUSH", "bad4", "1e-310"],
        &["SORT", "bad4"],
        &["RPUSH", "bad5", "1", "x", "2"],
        &["SORT", "bad5"],
        &["SORT", "bad5", "STORE", "dst"],
        &["SORT", "bad5", "ALPHA"],
        &["SORT", "bad5", "BY", "nosort"],
        &["SET", "wx_1", "abc"],
        &["SORT", "bad5", "BY", "wx_*"],
    ]);
}

#[test]
fn store_writes_a_list() {
    let mut d = Diff::new();
    setup(&mut d);
    d.check_all(&[
        &["SORT", "l", "STORE", "dst"],
        &["LRANGE", "dst", "0", "-1"],
        &["@enc", "dst"],
        &["SORT", "l", "GET", "o_*", "GET", "#", "STORE", "dst"],
        &["LRANGE", "dst", "0", "-1"],
        &["SORT", "s2", "BY", "nosort", "STORE", "dst"],
        &["LRANGE", "dst", "0", "-1"],
        &["SORT", "words", "ALPHA", "STORE", "dst"],
        &["LRANGE", "dst", "0", "-1"],
        &["SET", "str2", "v"],
        &["EXPIRE", "dst", "100"],
        &[
            "SORT", "l", "LIMIT", "0", "2", "STORE", "dst", "STORE", "str2",
        ],
        &["TYPE", "str2"],
        &["TTL", "dst"],
        &["LRANGE", "str2", "0", "-1"],
        &["SORT", "l", "LIMIT", "0", "0", "STORE", "str2"],
        &["EXISTS", "str2"],
        &["SORT", "nokey", "STORE", "dst"],
        &["EXISTS", "dst"],
        &["SORT", "l", "STORE", "l"],
        &["LRANGE", "l", "0", "-1"],
        &["SORT", "z", "STORE", "z"],
        &["TYPE", "z"],
    ]);
    d.check_state();
}

/// Random SORT sequences over lists, sets and sorted sets with weights.
#[test]
fn random_commands_match_redis() {
    let stats = random_sequences(
        "sort",
        1..21,
        300,
        Protocols::Both,
        |_, g, _| gen_sort::command(g),
        |_, _| {},
    );
    stats.assert_errors_below(3);
    assert!(
        stats.nonempty * 6 > stats.total,
        "too few non-empty replies"
    );
}

#[test]
fn command_info_matches() {
    assert_eq!(check_command_info(super::COMMANDS), super::COMMANDS.len());
}

/// Key extraction agrees with COMMAND GETKEYS (STORE anywhere, the last
/// one wins, GET/BY/LIMIT arguments skipped).
#[test]
fn command_getkeys_matches() {
    let server = RedisServer::start();
    let mut r = server.connect();
    let cases: &[&[&str]] = &[
        &["SORT", "k"],
        &["SORT", "k", "STORE", "d"],
        &["SORT", "k", "STORE", "d", "store", "e"],
        &["SORT", "k", "STORE"],
        &["SORT", "k", "GET", "store", "d"],
        &["SORT", "k", "BY", "store", "store", "d"],
        &["SORT", "k", "LIMIT", "store", "1", "store", "x"],
        &["SORT", "k", "store", "store", "x"],
        &["SORT_RO", "k", "BY", "w_*", "GET", "#"],
        &["SORT_RO", "k", "STORE", "d"],
    ];
    for case in cases {
        let args = crate::testing::to_bytes(case);
        let spec = crate::table::resolve(&args).expect("known command");
        let ours: Vec<&str> = spec
            .key_positions(&args)
            .expect("keys")
            .iter()
            .map(|&i| case[i])
            .collect();
        let mut cmd = vec!["COMMAND", "GETKEYS"];
        cmd.extend_from_slice(case);
        let theirs = r.run(&cmd);
        let expected = resp::Frame::Array(
            ours.iter()
                .map(|k| resp::Frame::Bulk(bytes::Bytes::copy_from_slice(k.as_bytes())))
                .collect(),
        );
        assert_eq!(theirs, expected, "{case:?}");
    }
}
