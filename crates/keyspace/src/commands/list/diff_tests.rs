//! Differential tests of the list commands against a real `redis-server`:
//! hand-written sequences for every command, option, error and edge case,
//! MULTI/EXEC replies of the blocking commands, and seeded random
//! sequences from `testkit::gen::list`.

use testkit::gen;

use crate::testing::{
    assert_same_replies, assert_same_replies_resp2_and_3, random_sequences, Diff, Protocols,
};
use crate::types::List;

const MIN: &str = "-9223372036854775808";
const MAX: &str = "9223372036854775807";

#[test]
fn push_and_pop() {
    let cmds: &[&[&str]] = &[
        &["LPUSH", "k", "a", "b", "c"],
        &["RPUSH", "k", "d", "", "a\r\nb", "e"],
        &["LRANGE", "k", "0", "-1"],
        &["LPUSHX", "k", "x", "y"],
        &["RPUSHX", "k", "z"],
        &["LPUSHX", "nokey", "x"],
        &["RPUSHX", "nokey", "x", "y"],
        &["LLEN", "nokey"],
        &["LLEN", "k"],
        &["LPOP", "k"],
        &["RPOP", "k"],
        &["LPOP", "k", "2"],
        &["RPOP", "k", "0"],
        &["RPOP", "k", "1"],
        &["LPOP", "k", "-1"],
        &["LPOP", "k", "abc"],
        &["LPOP", "k", "1.5"],
        &["LPOP", "k", "+1"],
        &["RPOP", "k", MIN],
        &["LPOP", "k", "1", "2"],
        &["RPOP", "k", "1", "2", "3"],
        &["LPOP", "nokey"],
        &["RPOP", "nokey"],
        &["LPOP", "nokey", "0"],
        &["RPOP", "nokey", "3"],
        &["LPOP", "nokey", "-1"],
        &["RPOP", "k", MAX],
        &["LLEN", "k"],
        &["LPOP", "k"],
        &["LPOP", "k", "1"],
        &["LPUSH", "k"],
        &["RPUSH"],
        &["LPUSHX", "k"],
        &["LPOP"],
        &["LLEN"],
        &["LLEN", "a", "b"],
        &["SET", "s", "str"],
        &["LPUSH", "s", "a"],
        &["RPUSH", "s", "a"],
        &["LPUSHX", "s", "a"],
        &["RPUSHX", "s", "a"],
        &["LPOP", "s"],
        &["LPOP", "s", "0"],
        &["LPOP", "s", "-1"],
        &["RPOP", "s", "2"],
        &["LLEN", "s"],
    ];
    assert_same_replies_resp2_and_3(cmds);
}

#[test]
fn index_and_range() {
    let cmds: &[&[&str]] = &[
        &["RPUSH", "k", "a", "b", "c", "d", "e"],
        &["LINDEX", "k", "0"],
        &["LINDEX", "k", "4"],
        &["LINDEX", "k", "5"],
        &["LINDEX", "k", "-1"],
        &["LINDEX", "k", "-5"],
        &["LINDEX", "k", "-6"],
        &["LINDEX", "k", MIN],
        &["LINDEX", "k", MAX],
        &["LINDEX", "k", "9223372036854775808"],
        &["LINDEX", "k", "x"],
        &["LINDEX", "k", "1.0"],
        &["LINDEX", "k", "+1"],
        &["LINDEX", "k", "01"],
        &["LINDEX", "k", " 1"],
        &["LINDEX", "k", ""],
        &["LINDEX", "nokey", "0"],
        &["LINDEX", "nokey", "x"],
        &["LRANGE", "k", "0", "-1"],
        &["LRANGE", "k", "1", "2"],
        &["LRANGE", "k", "-2", "-1"],
        &["LRANGE", "k", "-100", "100"],
        &["LRANGE", "k", "3", "1"],
        &["LRANGE", "k", "5", "10"],
        &["LRANGE", "k", "-1", "-2"],
        &["LRANGE", "k", "0", "-6"],
        &["LRANGE", "k", "0", "0"],
        &["LRANGE", "k", MIN, MAX],
        &["LRANGE", "k", MAX, MAX],
        &["LRANGE", "k", MIN, MIN],
        &["LRANGE", "k", "x", "1"],
        &["LRANGE", "k", "1", "x"],
        &["LRANGE", "nokey", "0", "-1"],
        &["LRANGE", "nokey", "x", "1"],
        &["LRANGE", "k", "0"],
        &["LINDEX", "k"],
        &["SET", "s", "str"],
        &["LINDEX", "s", "0"],
        &["LINDEX", "s", "x"],
        &["LRANGE", "s", "0", "1"],
        &["LRANGE", "s", "x", "1"],
    ];
    assert_same_replies_resp2_and_3(cmds);
}

#[test]
fn set_insert_remove_trim() {
    assert_same_replies(&[
        &["LSET", "nokey", "0", "x"],
        &["LSET", "nokey", "x", "x"],
        &["RPUSH", "k", "a", "b", "a", "c", "a", "b"],
        &["LSET", "k", "0", "A"],
        &["LSET", "k", "-1", "B"],
        &["LSET", "k", "6", "x"],
        &["LSET", "k", "-7", "x"],
        &["LSET", "k", MIN, "x"],
        &["LSET", "k", "x", "x"],
        &["LSET", "k", "2", ""],
        &["LRANGE", "k", "0", "-1"],
        &["LSET", "k", "2", "a"],
        &["LINSERT", "k", "BEFORE", "a", "x"],
        &["LINSERT", "k", "after", "a", "y"],
        &["LINSERT", "k", "AFTER", "B", "end"],
        &["LINSERT", "k", "before", "A", "start"],
        &["LINSERT", "k", "BEFORE", "zz", "x"],
        &["LINSERT", "k", "MIDDLE", "a", "x"],
        &["LINSERT", "nokey", "BEFORE", "a", "x"],
        &["LINSERT", "nokey", "MIDDLE", "a", "x"],
        &["LRANGE", "k", "0", "-1"],
        &["LREM", "k", "0", "zz"],
        &["LREM", "k", "1", "a"],
        &["LREM", "k", "-1", "a"],
        &["LRANGE", "k", "0", "-1"],
        &["RPUSH", "k", "a", "a", "a"],
        &["LREM", "k", "-2", "a"],
        &["LREM", "k", "0", "a"],
        &["LREM", "k", MIN, "b"],
        &["LREM", "k", MAX, "x"],
        &["LREM", "k", "x", "a"],
        &["LREM", "nokey", "0", "a"],
        &["LREM", "nokey", "x", "a"],
        &["LRANGE", "k", "0", "-1"],
        &["LTRIM", "k", "1", "-2"],
        &["LRANGE", "k", "0", "-1"],
        &["LTRIM", "k", "0", "-1"],
        &["LTRIM", "k", "-100", "100"],
        &["LTRIM", "k", "x", "1"],
        &["LTRIM", "k", "1", "x"],
        &["LRANGE", "k", "0", "-1"],
        &["LTRIM", "k", "1", "1"],
        &["LRANGE", "k", "0", "-1"],
        &["LTRIM", "k", "2", "1"],
        &["LLEN", "k"],
        &["RPUSH", "k", "a", "b", "c"],
        &["LTRIM", "k", MAX, MIN],
        &["LLEN", "k"],
        &["RPUSH", "k", "a", "b", "c"],
        &["LTRIM", "k", MIN, MAX],
        &["LTRIM", "k", "-1", "-1"],
        &["LRANGE", "k", "0", "-1"],
        &["LTRIM", "k", "5", "10"],
        &["LLEN", "k"],
        &["LTRIM", "nokey", "0", "1"],
        &["LTRIM", "nokey", "x", "1"],
        &["RPUSH", "k", "x"],
        &["LREM", "k", "1", "x"],
        &["LLEN", "k"],
        &["SET", "s", "str"],
        &["LSET", "s", "0", "x"],
        &["LSET", "s", "x", "x"],
        &["LINSERT", "s", "BEFORE", "a", "b"],
        &["LINSERT", "s", "MIDDLE", "a", "b"],
        &["LREM", "s", "0", "a"],
        &["LREM", "s", "x", "a"],
        &["LTRIM", "s", "0", "1"],
        &["LTRIM", "s", "x", "1"],
        &["LSET", "k", "0"],
        &["LINSERT", "k", "BEFORE", "a"],
        &["LREM", "k", "0"],
        &["LTRIM", "k", "0"],
    ]);
}

#[test]
fn lpos_options_and_errors() {
    let cmds: &[&[&str]] = &[
        &["RPUSH", "k", "a", "b", "c", "a", "b", "c", "a"],
        &["LPOS", "k", "a"],
        &["LPOS", "k", "c"],
        &["LPOS", "k", "zz"],
        &["LPOS", "k", "a", "RANK", "2"],
        &["LPOS", "k", "a", "RANK", "3"],
        &["LPOS", "k", "a", "RANK", "4"],
        &["LPOS", "k", "a", "RANK", "-1"],
        &["LPOS", "k", "a", "RANK", "-3"],
        &["LPOS", "k", "a", "RANK", "-4"],
        &["LPOS", "k", "a", "COUNT", "0"],
        &["LPOS", "k", "a", "COUNT", "2"],
        &["LPOS", "k", "a", "COUNT", "1"],
        &["LPOS", "k", "zz", "COUNT", "1"],
        &["LPOS", "k", "a", "RANK", "-1", "COUNT", "2"],
        &["LPOS", "k", "a", "RANK", "2", "COUNT", "0"],
        &["LPOS", "k", "a", "rank", "-2", "count", "0", "maxlen", "5"],
        &["LPOS", "k", "a", "MAXLEN", "1"],
        &["LPOS", "k", "a", "MAXLEN", "3", "RANK", "2"],
        &["LPOS", "k", "a", "MAXLEN", "4", "RANK", "2"],
        &["LPOS", "k", "a", "MAXLEN", "0", "COUNT", "0"],
        &["LPOS", "k", "b", "RANK", "-1", "MAXLEN", "2"],
        &["LPOS", "k", "b", "RANK", "-1", "MAXLEN", "3", "COUNT", "0"],
        &["LPOS", "k", "a", "RANK", "1", "RANK", "-1"],
        &["LPOS", "k", "a", "COUNT", "1", "COUNT", "0"],
        &["LPOS", "k", "a", "RANK", MAX],
        &["LPOS", "k", "a", "RANK", "-9223372036854775807"],
        &["LPOS", "k", "a", "RANK", MIN],
        &["LPOS", "k", "a", "RANK", MIN, "COUNT", "1"],
        &["LPOS", "k", "a", "RANK", MIN, "COUNT", "2", "MAXLEN", "3"],
        &["LPOS", "k", "a", "COUNT", MAX, "MAXLEN", MAX],
        &["LPOS", "k", "a", "RANK", "0"],
        &["LPOS", "k", "a", "RANK", "x"],
        &["LPOS", "k", "a", "RANK", "1.5"],
        &["LPOS", "k", "a", "COUNT", "-1"],
        &["LPOS", "k", "a", "COUNT", "x"],
        &["LPOS", "k", "a", "MAXLEN", "-1"],
        &["LPOS", "k", "a", "MAXLEN", "x"],
        &["LPOS", "k", "a", "RANK"],
        &["LPOS", "k", "a", "COUNT"],
        &["LPOS", "k", "a", "MAXLEN"],
        &["LPOS", "k", "a", "FOO", "1"],
        &["LPOS", "k", "a", "FOO"],
        &["LPOS", "k", "a", "RANK", "1", "COUNT"],
        &["LPOS", "k", "a", "COUNT", "-1", "RANK", "0"],
        &["LPOS", "k", "a", "RANK", "0", "COUNT", "-1"],
        &["LPOS", "k", "a", "MAXLEN", "-1", "RANK", "0"],
        &["LPOS", "nokey", "a"],
        &["LPOS", "nokey", "a", "COUNT", "0"],
        &["LPOS", "nokey", "a", "RANK", "0"],
        &["LPOS", "nokey", "a", "RANK", MIN],
        &["LPOS", "k"],
        &["SET", "s", "str"],
        &["LPOS", "s", "a"],
        &["LPOS", "s", "a", "COUNT", "1"],
        &["LPOS", "s", "a", "RANK", "0"],
        &["LPOS", "s", "a", "FOO"],
    ];
    assert_same_replies_resp2_and_3(cmds);
}

#[test]
fn moves() {
    assert_same_replies(&[
        &["RPUSH", "src", "a", "b", "c", "d"],
        &["LMOVE", "src", "dst", "LEFT", "LEFT"],
        &["LMOVE", "src", "dst", "LEFT", "RIGHT"],
        &["LMOVE", "src", "dst", "right", "left"],
        &["LMOVE", "src", "dst", "Right", "Right"],
        &["LRANGE", "dst", "0", "-1"],
        &["LLEN", "src"],
        &["RPUSH", "src", "x", "y", "z"],
        &["LMOVE", "src", "src", "LEFT", "RIGHT"],
        &["LMOVE", "src", "src", "RIGHT", "LEFT"],
        &["LMOVE", "src", "src", "LEFT", "LEFT"],
        &["LRANGE", "src", "0", "-1"],
        &["RPOPLPUSH", "src", "dst"],
        &["RPOPLPUSH", "src", "src"],
        &["LRANGE", "src", "0", "-1"],
        &["LRANGE", "dst", "0", "-1"],
        &["LMOVE", "nokey", "dst", "LEFT", "LEFT"],
        &["RPOPLPUSH", "nokey", "dst"],
        &["LMOVE", "src", "dst", "UP", "LEFT"],
        &["LMOVE", "src", "dst", "LEFT", "DOWN"],
        &["LMOVE", "nokey", "dst", "UP", "LEFT"],
        &["SET", "s", "str"],
        &["LMOVE", "s", "dst", "LEFT", "LEFT"],
        &["LMOVE", "src", "s", "LEFT", "LEFT"],
        &["LMOVE", "nokey", "s", "LEFT", "LEFT"],
        &["LMOVE", "s", "s", "LEFT", "LEFT"],
        &["RPOPLPUSH", "s", "dst"],
        &["RPOPLPUSH", "src", "s"],
        &["RPOPLPUSH", "nokey", "s"],
        &["LRANGE", "src", "0", "-1"],
        &["RPUSH", "one", "x"],
        &["LMOVE", "one", "one", "LEFT", "RIGHT"],
        &["LMOVE", "one", "two", "LEFT", "RIGHT"],
        &["LLEN", "one"],
        &["LRANGE", "two", "0", "-1"],
        &["LMOVE", "src", "dst", "LEFT"],
        &["RPOPLPUSH", "src"],
    ]);
}

#[test]
fn lmpop_forms_and_errors() {
    let cmds: &[&[&str]] = &[
        &["RPUSH", "a", "1", "2", "3", "4", "5"],
        &["RPUSH", "b", "x"],
        &["LMPOP", "1", "a", "LEFT"],
        &["LMPOP", "1", "a", "RIGHT"],
        &["LMPOP", "2", "nokey", "a", "LEFT", "COUNT", "2"],
        &["LMPOP", "2", "nokey", "b", "right", "count", "10"],
        &["LMPOP", "3", "nokey", "b", "a", "LEFT", "COUNT", "10"],
        &["LMPOP", "1", "a", "LEFT"],
        &["LMPOP", "2", "a", "b", "LEFT"],
        &["LMPOP", "2", "a", "b", "LEFT", "COUNT", "2"],
        &["RPUSH", "a", "1", "2", "3"],
        &["LMPOP", "1", "a", "LEFT", "COUNT", MAX],
        &["LMPOP", "0", "a", "LEFT"],
        &["LMPOP", "-1", "a", "LEFT"],
        &["LMPOP", "x", "a", "LEFT"],
        &["LMPOP", MAX, "a", "LEFT"],
        &["LMPOP", "9223372036854775806", "a", "LEFT"],
        &["LMPOP", "2", "a", "LEFT"],
        &["LMPOP", "1", "a", "MIDDLE"],
        &["LMPOP", "1", "a", "LEFT", "COUNT"],
        &["LMPOP", "1", "a", "LEFT", "COUNT", "0"],
        &["LMPOP", "1", "a", "LEFT", "COUNT", "-1"],
        &["LMPOP", "1", "a", "LEFT", "COUNT", "x"],
        &["LMPOP", "1", "a", "LEFT", "COUNT", "1", "COUNT", "1"],
        &["LMPOP", "1", "a", "LEFT", "FOO"],
        &["LMPOP", "1", "a", "LEFT", "FOO", "1"],
        &["LMPOP", "1", "a"],
        &["LMPOP", "1", "nokey", "LEFT"],
        &["LMPOP", "1", "nokey", "LEFT", "COUNT", "5"],
        &["SET", "s", "str"],
        &["RPUSH", "a", "1"],
        &["LMPOP", "2", "s", "a", "LEFT"],
        &["LMPOP", "2", "a", "s", "LEFT"],
        &["LMPOP", "2", "nokey", "s", "LEFT"],
        &["LMPOP", "1", "s", "MIDDLE"],
    ];
    assert_same_replies_resp2_and_3(cmds);
}

/// The blocking commands' immediate paths, their argument errors, and their
/// timeout replies (with a short timeout).
#[test]
fn blocking_commands() {
    let cmds: &[&[&str]] = &[
        &["RPUSH", "a", "1", "2", "3", "4", "5", "6", "7", "8"],
        &["RPUSH", "a", "9", "10", "11", "12", "13", "14", "15", "16"],
        &["BLPOP", "a", "0"],
        &["BRPOP", "a", "0"],
        &["BLPOP", "nokey", "a", "0"],
        &["BRPOP", "nokey", "a", "nokey", "1.5"],
        &["BLPOP", "a", "a", "0.01"],
        &["BLMOVE", "a", "b", "LEFT", "RIGHT", "0"],
        &["BLMOVE", "a", "a", "RIGHT", "LEFT", "0"],
        &["BRPOPLPUSH", "a", "b", "0"],
        &["BLMPOP", "0", "2", "nokey", "a", "LEFT"],
        &["BLMPOP", "0", "1", "b", "RIGHT", "COUNT", "5"],
        &["BLMPOP", "1e3", "1", "a", "LEFT", "COUNT", "1"],
        &["LRANGE", "a", "0", "-1"],
        &["LLEN", "b"],
        // Timeouts (the server replies once the timeout passes).
        &["BLPOP", "nokey", "0.01"],
        &["BRPOP", "nokey", "other", "0.01"],
        &["BLMOVE", "nokey", "b", "LEFT", "LEFT", "0.01"],
        &["BRPOPLPUSH", "nokey", "b", "0.01"],
        &[
            "BLMPOP", "0.01", "2", "nokey", "other", "RIGHT", "COUNT", "2",
        ],
        // Argument errors come before any blocking.
        &["BLPOP", "nokey", "x"],
        &["BLPOP", "nokey", "-1"],
        &["BLPOP", "nokey", ""],
        &["BLPOP", "nokey", " 1"],
        &["BLPOP", "nokey", "nan"],
        &["BLPOP", "a", "-0"],
        &["BRPOP", "nokey", "x"],
        &["BLMOVE", "nokey", "b", "UP", "LEFT", "0"],
        &["BLMOVE", "nokey", "b", "LEFT", "DOWN", "0"],
        &["BLMOVE", "nokey", "b", "UP", "LEFT", "x"],
        &["BLMOVE", "nokey", "b", "LEFT", "LEFT", "x"],
        &["BLMOVE", "nokey", "b", "LEFT", "LEFT", "-1"],
        &["BRPOPLPUSH", "nokey", "b", "x"],
        &["BRPOPLPUSH", "nokey", "b", "-1"],
        &["BLMPOP", "0", "0", "nokey", "LEFT"],
        &["BLMPOP", "x", "0", "nokey", "LEFT"],
        &["BLMPOP", "x", "1", "nokey", "LEFT"],
        &["BLMPOP", "-1", "1", "nokey", "LEFT"],
        &["BLMPOP", "x", "1", "nokey", "MIDDLE"],
        &["BLMPOP", "x", "2", "nokey", "LEFT"],
        &["BLMPOP", "x", "1", "nokey", "LEFT", "COUNT"],
        &["BLMPOP", "x", "1", "nokey", "LEFT", "COUNT", "0"],
        &["BLMPOP", "0", "1", "nokey", "LEFT", "COUNT", "-5"],
        &[
            "BLMPOP", "0", "1", "nokey", "LEFT", "COUNT", "1", "COUNT", "1",
        ],
        &["BLMPOP", "0", MAX, "nokey", "LEFT"],
        &["BLPOP", "a"],
        &["BLMOVE", "a", "b", "LEFT", "LEFT"],
        &["BRPOPLPUSH", "a", "b"],
        &["BLMPOP", "0", "1", "a"],
        // Wrong types.
        &["SET", "s", "str"],
        &["BLPOP", "s", "a", "0"],
        &["BLPOP", "a", "s", "0"],
        &["BLPOP", "nokey", "s", "0.01"],
        &["BRPOP", "s", "0"],
        &["BLMOVE", "s", "b", "LEFT", "LEFT", "0"],
        &["BLMOVE", "a", "s", "LEFT", "LEFT", "0"],
        &["BLMOVE", "nokey", "s", "LEFT", "LEFT", "0.01"],
        &["BRPOPLPUSH", "a", "s", "0"],
        &["BRPOPLPUSH", "s", "a", "0"],
        &["BLMPOP", "0", "2", "s", "a", "LEFT"],
        &["BLMPOP", "0", "2", "a", "s", "LEFT"],
        &["LRANGE", "a", "0", "-1"],
    ];
    assert_same_replies_resp2_and_3(cmds);
}

/// Lists long enough to span many chunks, with elements on both sides of
/// the packing threshold.
#[test]
fn long_lists() {
    let long = "y".repeat(200);
    let mut pair = Diff::new();
    for i in 0..400 {
        let item = match i % 9 {
            0 => format!("{long}{}", i % 5),
            1 => "a".to_string(),
            _ => i.to_string(),
        };
        let cmd = if i % 2 == 0 { "RPUSH" } else { "LPUSH" };
        pair.check(&[cmd, "k", &item]);
    }
    let l0 = format!("{long}0");
    let l3 = format!("{long}3");
    pair.check_all(&[
        &["LRANGE", "k", "0", "-1"],
        &["LINSERT", "k", "BEFORE", "200", "new"],
        &["LINSERT", "k", "AFTER", &l3, "new2"],
        &["LINDEX", "k", "150"],
        &["LINDEX", "k", "-150"],
        &["LSET", "k", "100", &long],
        &["LSET", "k", "-100", "tiny"],
        &["LPOS", "k", "a", "RANK", "-5", "COUNT", "3"],
        &["LPOS", "k", &l0, "COUNT", "0"],
        &["LREM", "k", "3", "a"],
        &["LREM", "k", "-2", &l0],
        &["LREM", "k", "0", "a"],
        &["LRANGE", "k", "33", "150"],
        &["LTRIM", "k", "17", "-33"],
        &["LRANGE", "k", "0", "-1"],
        &["LMPOP", "1", "k", "RIGHT", "COUNT", "40"],
        &["LPOP", "k", "40"],
        &["LRANGE", "k", "0", "-1"],
        &["LLEN", "k"],
    ]);
}

/// Blocking commands inside MULTI reply at once, like Redis.
#[test]
fn blocking_commands_inside_multi() {
    let cmds: &[&[&str]] = &[
        &["BLPOP", "a", "0"],
        &["BRPOP", "a", "b", "0"],
        &["BLMPOP", "0", "2", "a", "b", "LEFT", "COUNT", "2"],
        &["BLMOVE", "a", "b", "LEFT", "RIGHT", "0"],
        &["BRPOPLPUSH", "a", "b", "0"],
        &["RPUSH", "a", "x", "y", "z"],
        &["BLPOP", "b", "a", "0"],
        &["BLMOVE", "a", "b", "LEFT", "RIGHT", "0"],
        &["BLMPOP", "0", "2", "a", "b", "RIGHT", "COUNT", "2"],
        &["BRPOPLPUSH", "b", "a", "0"],
        &["BLPOP", "a", "-1"],
    ];
    for resp3 in [false, true] {
        let mut d = Diff::new();
        d.set_resp3(resp3);
        d.check_transaction(cmds);
    }
}

/// The first key a blocking command would pop from.
fn first_source(cmd: &[Vec<u8>]) -> Option<&[u8]> {
    let at = if cmd[0].eq_ignore_ascii_case(b"BLMPOP") {
        3
    } else {
        1
    };
    cmd.get(at).map(Vec::as_slice)
}

/// Seeded random sequences (print the seed on failure), in both
/// protocols, sometimes with a string key among the lists, and with some
/// pops turned into their blocking forms.
#[test]
fn random_sequences_match_redis() {
    let stats = random_sequences(
        "list",
        1..9,
        300,
        Protocols::Both,
        |d, g, at| {
            if at.step == 0 && at.seed % 3 == 0 {
                d.check(&["SET", "k5", "str"]);
            }
            let cmd = gen::list::command(g);
            if !g.chance(0.25) {
                return cmd;
            }
            // Block forever only where keel knows there is data.
            let Some(twin) = gen::list::blocking_twin(&cmd, "0") else {
                return cmd;
            };
            let ready = first_source(&twin).is_some_and(|k| {
                d.keel
                    .ks
                    .db(0)
                    .read::<List>(k, d.keel.now_ms())
                    .ok()
                    .flatten()
                    .is_some_and(|l| !l.is_empty())
            });
            let timeout = if ready { "0" } else { "0.01" };
            gen::list::blocking_twin(&cmd, timeout).unwrap_or(twin)
        },
        |_, _| {},
    );
    stats.assert_every_command_succeeds();
}
