//! Tests of the hash commands.

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use resp::{Frame, Reply};

use testkit::compare::check_random_reply;

use super::*;
use crate::testing::{
    assert_same_replies_resp2_and_3, random_sequences, run_watched, Harness, Protocols,
};

fn bulk(s: &str) -> Frame {
    Frame::bulk(s.to_string())
}

fn bulks(items: &[&str]) -> Frame {
    Frame::Array(items.iter().map(|s| bulk(s)).collect())
}

/// True if `cmd` (which must succeed) after `setup` signals `key` as
/// modified.
fn touches(setup: &[&[&str]], cmd: &[&str], key: &str) -> bool {
    let (reply, modified) = run_watched(setup, cmd, key);
    assert!(reply.as_error().is_none(), "{cmd:?} failed: {reply:?}");
    modified
}

fn encoding(h: &Harness, key: &str) -> Option<&'static str> {
    h.ks.db(0)
        .get(key.as_bytes(), h.now_ms())
        .map(|v| v.encoding())
}

#[test]
fn basic_replies() {
    let mut h = Harness::new();
    assert_eq!(h.run(&["HSET", "h", "a", "1", "b", "2"]), Frame::Integer(2));
    assert_eq!(h.run(&["HSET", "h", "a", "3", "c", "4"]), Frame::Integer(1));
    assert_eq!(
        h.run(&["HGETALL", "h"]),
        bulks(&["a", "3", "b", "2", "c", "4"])
    );
    assert_eq!(
        h.run3(&["HGETALL", "h"]),
        Frame::Map(vec![
            (bulk("a"), bulk("3")),
            (bulk("b"), bulk("2")),
            (bulk("c"), bulk("4"))
        ])
    );
    assert_eq!(h.run3(&["HGETALL", "nokey"]), Frame::Map(vec![]));
    assert_eq!(h.run(&["HGETALL", "nokey"]), Frame::Array(vec![]));
    assert_eq!(
        h.run(&["HMGET", "h", "a", "x"]),
        Frame::Array(vec![bulk("3"), Frame::Null])
    );
    assert_eq!(
        h.run(&["HSET", "h", "a"]),
        Frame::Error("ERR wrong number of arguments for 'hset' command".into())
    );
    assert_eq!(
        h.run(&["HMSET", "h", "a", "1", "b"]),
        Frame::Error("ERR wrong number of arguments for 'hmset' command".into())
    );
    assert_eq!(h.run(&["HDEL", "h", "a", "b", "c", "a"]), Frame::Integer(3));
    assert_eq!(encoding(&h, "h"), None);
    assert_eq!(h.run(&["HINCRBYFLOAT", "f", "x", "10.5"]), bulk("10.5"));
    assert_eq!(h.run(&["HINCRBYFLOAT", "f", "x", "0.1"]), bulk("10.6"));
    assert_eq!(h.run(&["HINCRBYFLOAT", "f", "x", "-5"]), bulk("5.6"));
    // Redis computes in x87 long double: 5.6 + 5000 prints 17 decimals.
    assert_eq!(
        h.run(&["HINCRBYFLOAT", "f", "x", "5.0e3"]),
        bulk("5005.60000000000000009")
    );
    assert_eq!(h.run(&["HINCRBY", "f", "y", "-7"]), Frame::Integer(-7));
}

#[test]
fn encodings_follow_redis_thresholds() {
    let mut h = Harness::new();
    let long = "x".repeat(65);
    h.run(&["HSET", "h", "a", "1"]);
    assert_eq!(h.run(&["HSETNX", "h", "a", &long]), Frame::Integer(0));
    assert_eq!(encoding(&h, "h"), Some("listpack"));
    h.run(&["HINCRBY", "h", &long, "1"]);
    assert_eq!(encoding(&h, "h"), Some("hashtable"));
    h.run(&["HDEL", "h", &long]);
    assert_eq!(encoding(&h, "h"), Some("hashtable"));

    let mut args = vec!["HSET".to_string(), "big".to_string()];
    for i in 0..128 {
        args.push(format!("f{i}"));
        args.push(i.to_string());
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(h.run(&refs), Frame::Integer(128));
    assert_eq!(encoding(&h, "big"), Some("listpack"));
    h.run(&["HSET", "big", "f1", "changed"]);
    assert_eq!(encoding(&h, "big"), Some("listpack"));
    h.run(&["HSET", "big", "f128", "x"]);
    assert_eq!(encoding(&h, "big"), Some("hashtable"));
}

#[test]
fn random_picks_are_bounded() {
    let mut h = Harness::new();
    h.run(&["HSET", "h", "a", "1", "b", "2", "c", "3"]);
    let huge = h.run(&["HRANDFIELD", "h", "-1000000000"]);
    assert_eq!(
        huge,
        Frame::Error("ERR count is too large: the reply would exceed 512 MB".into())
    );
    let huge = h.run(&["HRANDFIELD", "h", "-4611686018427387903", "WITHVALUES"]);
    assert!(huge.as_error().is_some());
    // A small budget stops streaming as soon as it is exceeded.
    let args: Vec<Bytes> = ["HRANDFIELD", "h", "-100", "WITHVALUES"]
        .iter()
        .map(|a| Bytes::from(a.to_string()))
        .collect();
    let mut ctx = Ctx::new(0, h.now_ms(), 7);
    let mut out = Reply::new(false);
    assert_eq!(
        hrandfield_within(&h.ks, &mut ctx, &args, &mut out, 500),
        Err(sample_too_large())
    );
    let mut out = Reply::new(false);
    assert_eq!(
        hrandfield_within(&h.ks, &mut ctx, &args, &mut out, 5000),
        Ok(())
    );
    // Within the budget the picks are what they should be.
    let reply = h.run3(&["HRANDFIELD", "h", "-50", "WITHVALUES"]);
    let content: BTreeMap<Vec<u8>, Frame> = [("a", "1"), ("b", "2"), ("c", "3")]
        .iter()
        .map(|(f, v)| (f.as_bytes().to_vec(), bulk(v)))
        .collect();
    check_random_reply(&reply, &content, Some(-50), true, true).unwrap();
    let reply = h.run(&["HRANDFIELD", "h", "2"]);
    check_random_reply(&reply, &content, Some(2), false, false).unwrap();
}

#[test]
fn random_picks_are_deterministic_per_seed() {
    let run = || {
        let mut h = Harness::at(5);
        let mut args = vec!["HSET".to_string(), "h".to_string()];
        for i in 0..300 {
            args.push(format!("f{i}"));
            args.push(i.to_string());
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        h.run(&refs);
        (0..5)
            .map(|_| h.run(&["HRANDFIELD", "h", "7", "WITHVALUES"]))
            .collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}

#[test]
fn modified_only_on_real_changes() {
    let setup: &[&[&str]] = &[&["HSET", "h", "a", "1"]];
    assert!(touches(setup, &["HSET", "h", "a", "1"], "h"));
    assert!(touches(setup, &["HMSET", "h", "b", "1"], "h"));
    assert!(touches(setup, &["HSETNX", "h", "b", "1"], "h"));
    assert!(!touches(setup, &["HSETNX", "h", "a", "2"], "h"));
    assert!(touches(setup, &["HDEL", "h", "a"], "h"));
    assert!(!touches(setup, &["HDEL", "h", "zz"], "h"));
    assert!(!touches(setup, &["HDEL", "nokey", "zz"], "nokey"));
    assert!(touches(setup, &["HINCRBY", "h", "n", "0"], "h"));
    assert!(touches(setup, &["HINCRBYFLOAT", "h", "n", "1"], "h"));
    assert!(!touches(setup, &["HGETALL", "h"], "h"));
}

#[test]
fn hscan_walks_tables_with_a_cursor() {
    let mut h = Harness::new();
    let mut args = vec!["HSET".to_string(), "h".to_string()];
    for i in 0..200 {
        args.push(format!("f{i}"));
        args.push(i.to_string());
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    h.run(&refs);
    let mut cursor = "0".to_string();
    let mut seen = BTreeSet::new();
    let mut calls = 0;
    loop {
        let reply = h.run(&["HSCAN", "h", &cursor, "COUNT", "7", "MATCH", "f1*"]);
        let Frame::Array(parts) = reply else { panic!() };
        let (Frame::Bulk(next), Frame::Array(items)) = (&parts[0], &parts[1]) else {
            panic!()
        };
        for pair in items.chunks(2) {
            let Frame::Bulk(field) = &pair[0] else {
                panic!()
            };
            assert!(field.starts_with(b"f1"));
            seen.insert(field.clone());
        }
        calls += 1;
        cursor = String::from_utf8(next.to_vec()).unwrap();
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(calls, 200usize.div_ceil(7));
    assert_eq!(seen.len(), 111);
}

// ---------------------------------------------------------------------------
// Differential tests against Redis.

#[test]
fn differential_basic_commands() {
    let long = "L".repeat(65);
    let cmds: &[&[&str]] = &[
        &["HSET", "h", "a", "1", "b", "2"],
        &["HSET", "h", "a", "10", "c", "3", "", "empty-field"],
        &["HSET", "h", "a"],
        &["HSET", "h", "a", "1", "b"],
        &["HSET", "h"],
        &["HMSET", "h", "a", "1", "b"],
        &["HMSET", "h", "x", "1", "y", ""],
        &["HMSET", "h"],
        &["HGETALL", "h"],
        &["HKEYS", "h"],
        &["HVALS", "h"],
        &["HLEN", "h"],
        &["HGET", "h", "a"],
        &["HGET", "h", ""],
        &["HGET", "h", "nofield"],
        &["HGET", "nokey", "a"],
        &["HGET", "h"],
        &["HMGET", "h", "a", "nofield", "b", "a"],
        &["HMGET", "nokey", "a", "b"],
        &["HMGET", "h"],
        &["HSETNX", "h", "a", "5"],
        &["HSETNX", "h", "new", "5"],
        &["HSETNX", "h2", "f", "v"],
        &["HSETNX", "h2", "f"],
        &["HSTRLEN", "h", "a"],
        &["HSTRLEN", "h", "y"],
        &["HSTRLEN", "h", "nofield"],
        &["HSTRLEN", "nokey", "a"],
        &["HEXISTS", "h", "a"],
        &["HEXISTS", "h", "nofield"],
        &["HEXISTS", "nokey", "a"],
        &["HEXISTS", "h"],
        &["HGETALL", "h"],
        &["HDEL", "h", "a", "nofield", "a"],
        &["HDEL", "nokey", "a"],
        &["HDEL", "h"],
        &["HGETALL", "h"],
        &["HDEL", "h2", "f"],
        &["HLEN", "h2"],
        &["HGETALL", "h2"],
        &["HKEYS", "h2"],
        &["HVALS", "nokey"],
        &["HLEN", "nokey"],
        // Binary and long values.
        &["HSET", "bin", "\u{0}\r\n", "v\r\n", &long, &long],
        &["HGETALL", "bin"],
        &["HSTRLEN", "bin", &long],
        &["@enc", "bin"],
        // Wrong types.
        &["SADD", "s", "x"],
        &["HSET", "s", "a", "1"],
        &["HMSET", "s", "a", "1"],
        &["HSETNX", "s", "a", "1"],
        &["HGET", "s", "a"],
        &["HMGET", "s", "a"],
        &["HDEL", "s", "a"],
        &["HLEN", "s"],
        &["HSTRLEN", "s", "a"],
        &["HEXISTS", "s", "a"],
        &["HKEYS", "s"],
        &["HVALS", "s"],
        &["HGETALL", "s"],
        &["HINCRBY", "s", "a", "1"],
        &["HINCRBY", "s", "a", "x"],
        &["HINCRBYFLOAT", "s", "a", "1"],
        &["HINCRBYFLOAT", "s", "a", "x"],
        &["HRANDFIELD", "s"],
        &["HRANDFIELD", "s", "0"],
        &["HRANDFIELD", "s", "2", "WITHVALUES"],
        &["HSCAN", "s", "0"],
        &["HSCAN", "s", "x"],
        &["HSCAN", "s", "0", "COUNT", "0"],
        &["hset", "h", "a", "1"],
        &["hGeT", "h", "a"],
    ];
    assert_same_replies_resp2_and_3(cmds);
}

#[test]
fn differential_increments() {
    let long = "F".repeat(65);
    let cmds: &[&[&str]] = &[
        &["HINCRBY", "h", "n", "5"],
        &["HINCRBY", "h", "n", "-15"],
        &["HINCRBY", "h", "n", "x"],
        &["HINCRBY", "h", "n", "1.5"],
        &["HINCRBY", "h", "n", "9223372036854775808"],
        &["HINCRBY", "h", "n", "9223372036854775807"],
        &["HINCRBY", "h", "m", "9223372036854775807"],
        &["HINCRBY", "h", "m", "1"],
        &["HINCRBY", "h", "o", "-9223372036854775808"],
        &["HINCRBY", "h", "o", "-1"],
        &["HINCRBY", "h", "o", "0"],
        &[
            "HSET", "h", "s", "abc", "sp", " 1", "e", "", "f", "1.5", "z", "007", "neg0", "-0",
        ],
        &["HINCRBY", "h", "s", "1"],
        &["HINCRBY", "h", "sp", "1"],
        &["HINCRBY", "h", "e", "1"],
        &["HINCRBY", "h", "f", "1"],
        &["HINCRBY", "h", "z", "1"],
        &["HINCRBY", "h", "neg0", "1"],
        &["HINCRBYFLOAT", "h", "f", "0.25"],
        &["HINCRBYFLOAT", "h", "f", "-1.75"],
        &["HINCRBYFLOAT", "h", "f", "1e3"],
        &["HINCRBYFLOAT", "h", "f", "2.0e2"],
        &["HINCRBYFLOAT", "h", "f", "-1200"],
        &["HINCRBYFLOAT", "h", "z", "1"],
        &["HINCRBYFLOAT", "h", "neg0", "1"],
        &["HINCRBY", "h", "q", "12"],
        &["HINCRBYFLOAT", "h", "q", "0.5"],
        &["HINCRBYFLOAT", "h", "s", "1"],
        &["HINCRBYFLOAT", "h", "sp", "1"],
        &["HINCRBYFLOAT", "h", "e", "1"],
        &["HINCRBYFLOAT", "h", "f", "inf"],
        &["HINCRBYFLOAT", "h", "f", "-inf"],
        &["HINCRBYFLOAT", "h", "f", "nan"],
        &["HINCRBYFLOAT", "h", "f", "abc"],
        &["HINCRBYFLOAT", "h", "f", " 1"],
        &["HINCRBYFLOAT", "h", "f", "1 "],
        &["HINCRBYFLOAT", "h", "f", ""],
        &["HINCRBYFLOAT", "h", "f", ".5"],
        &["HINCRBYFLOAT", "h", "f", "5."],
        &["HINCRBYFLOAT", "h", "f", "+1.5"],
        &["HINCRBYFLOAT", "h", "f", "-0"],
        &["HSET", "h", "i", "inf"],
        &["HINCRBYFLOAT", "h", "i", "1"],
        &["HINCRBYFLOAT", "h", "new", "-3.5"],
        &["HINCRBYFLOAT", "new", "f", "1.5"],
        &["HINCRBY", "new2", "f", "3"],
        &["HGETALL", "h"],
        &["HGETALL", "new"],
        &["HGETALL", "new2"],
        &["@enc", "h"],
        &["HINCRBY", "h", &long, "1"],
        &["@enc", "h"],
        &["HINCRBYFLOAT", "h2", &long, "1.5"],
        &["@enc", "h2"],
        &["HINCRBY", "h"],
        &["HINCRBYFLOAT", "h", "f"],
    ];
    assert_same_replies_resp2_and_3(cmds);
}

#[test]
fn differential_hrandfield() {
    let cmds: &[&[&str]] = &[
        &["HRANDFIELD", "nokey"],
        &["HRANDFIELD", "nokey", "5"],
        &["HRANDFIELD", "nokey", "-5"],
        &["HRANDFIELD", "nokey", "0"],
        &["HRANDFIELD", "nokey", "1", "WITHVALUES"],
        &["HRANDFIELD", "nokey", "x"],
        &["HRANDFIELD", "nokey", "1", "foo"],
        &["HSET", "h", "a", "1", "b", "2", "c", "3"],
        &["HRANDFIELD", "h", "0"],
        &["HRANDFIELD", "h", "0", "WITHVALUES"],
        &["HRANDFIELD", "h", "3"],
        &["HRANDFIELD", "h", "3", "WITHVALUES"],
        &["HRANDFIELD", "h", "100", "withvalues"],
        &["HRANDFIELD", "h", "x"],
        &["HRANDFIELD", "h", "1.5"],
        &["HRANDFIELD", "h", "1", "WITHVALUE"],
        &["HRANDFIELD", "h", "1", "WITHVALUES", "x"],
        &["HRANDFIELD", "h", "-9223372036854775808"],
        &["HRANDFIELD", "h", "-9223372036854775808", "WITHVALUES"],
        &["HRANDFIELD", "h", "9223372036854775807", "WITHVALUES"],
        &["HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES"],
        &["HRANDFIELD", "h", "4611686018427387904", "WITHVALUES"],
        &["HRANDFIELD", "h", "9223372036854775807"],
        &["HRANDFIELD", "h", "9223372036854775808"],
        &["HSET", "one", "f", "v"],
        &["HRANDFIELD", "one"],
        &["HRANDFIELD", "one", "-3"],
        &["HRANDFIELD", "one", "-2", "WITHVALUES"],
        &["HRANDFIELD", "one", "1", "WITHVALUES"],
    ];
    assert_same_replies_resp2_and_3(cmds);
}

#[test]
fn differential_hscan() {
    let mut big: Vec<String> = vec!["HSET".into(), "big".into()];
    for i in 0..150 {
        big.push(format!("f{i}"));
        big.push(format!("v{i}"));
    }
    let big: Vec<&str> = big.iter().map(String::as_str).collect();
    let cmds: &[&[&str]] = &[
        &["HSCAN", "nokey", "0"],
        &["HSCAN", "nokey", "0", "foo"],
        &["HSCAN", "nokey", "x"],
        &["HSET", "h", "a", "1", "b", "2", "ab", "3", "A", "4"],
        &["HSCAN", "h", "0"],
        &["HSCAN", "h", "123"],
        &["HSCAN", "h", "-1"],
        &["HSCAN", "h", ""],
        &["HSCAN", "h", "+5"],
        &["HSCAN", "h", "18446744073709551615"],
        &["HSCAN", "h", "18446744073709551616"],
        &["HSCAN", "h", " 1"],
        &["HSCAN", "h", "1.5"],
        &["HSCAN", "h", "0", "MATCH", "a*"],
        &["HSCAN", "h", "0", "match", "*"],
        &["HSCAN", "h", "0", "MATCH", "[a-b]"],
        &["HSCAN", "h", "0", "MATCH", "nothing"],
        &["HSCAN", "h", "0", "COUNT", "1"],
        &["HSCAN", "h", "0", "COUNT", "0"],
        &["HSCAN", "h", "0", "COUNT", "-1"],
        &["HSCAN", "h", "0", "COUNT", "x"],
        &["HSCAN", "h", "0", "COUNT"],
        &["HSCAN", "h", "0", "MATCH"],
        &["HSCAN", "h", "0", "TYPE", "string"],
        &["HSCAN", "h", "0", "NOVALUES"],
        &["HSCAN", "h", "0", "MATCH", "a", "COUNT", "2", "MATCH", "b"],
        &["HSCAN", "h", "0", "COUNT", "9223372036854775807"],
        &big,
        &["@enc", "big"],
        &["HSCAN", "big", "0", "COUNT", "0"],
        &["HSCAN", "big", "x"],
    ];
    assert_same_replies_resp2_and_3(cmds);
}

#[test]
fn differential_hscan_full_iterations() {
    let mut big: Vec<String> = vec!["HSET".into(), "big".into()];
    for i in 0..300 {
        big.push(format!("f{i}"));
        big.push(format!("v{i}"));
    }
    let big: Vec<&str> = big.iter().map(String::as_str).collect();
    // Cursors differ: the rules compare whole iterations.
    assert_same_replies_resp2_and_3(&[
        &big,
        &["HSCAN", "big", "0"],
        &["HSCAN", "big", "0", "COUNT", "3"],
        &["HSCAN", "big", "0", "MATCH", "f2*"],
        &["HSCAN", "big", "0", "MATCH", "*9", "COUNT", "50"],
    ]);
}

#[test]
fn differential_encodings() {
    let long = "V".repeat(65);
    let just = "V".repeat(64);
    let mut many: Vec<String> = vec!["HSET".into(), "many".into()];
    for i in 0..129 {
        many.push(format!("f{i}"));
        many.push("v".into());
    }
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let mut edge: Vec<String> = vec!["HMSET".into(), "edge".into()];
    for i in 0..128 {
        edge.push(format!("f{i}"));
        edge.push("v".into());
    }
    let edge: Vec<&str> = edge.iter().map(String::as_str).collect();
    let cmds: &[&[&str]] = &[
        &["HSET", "a", "f", &just],
        &["@enc", "a"],
        &["HSET", "a", &just, "v"],
        &["@enc", "a"],
        &["HSET", "a", "g", &long],
        &["@enc", "a"],
        &["HDEL", "a", "g", &just],
        &["@enc", "a"],
        &["HSET", "b", &long, "1"],
        &["@enc", "b"],
        &["HSET", "c", "x", "1"],
        &["HSETNX", "c", "x", &long],
        &["@enc", "c"],
        &["HSETNX", "c", "y", &long],
        &["@enc", "c"],
        &many,
        &["@enc", "many"],
        &["HGETALL", "many"],
        &edge,
        &["@enc", "edge"],
        &["HGETALL", "edge"],
        &["HSETNX", "edge", "f0", "w"],
        &["@enc", "edge"],
        &["HINCRBY", "edge", "f0", "1"],
        &["HINCRBY", "edge", "n", "1"],
        &["@enc", "edge"],
        &["HINCRBYFLOAT", "d", "f", "1.5"],
        &["HINCRBYFLOAT", "d", &long, "1.5"],
        &["@enc", "d"],
    ];
    assert_same_replies_resp2_and_3(cmds);
}

#[test]
fn differential_random_hash_commands() {
    let stats = random_sequences(
        "hash",
        0..16,
        400,
        Protocols::Both,
        |_, g, _| testkit::gen::hash::command(g),
        |_, _| {},
    );
    stats.assert_every_command_succeeds();
}

#[test]
fn distinct_samples() {
    let mut ctx = Ctx::new(0, 0, 42);
    for (n, k) in [
        (0, 0),
        (1, 1),
        (10, 0),
        (10, 3),
        (10, 10),
        (1000, 5),
        (1000, 900),
        (130, 129),
    ] {
        let s = sample_distinct(&mut ctx, n, k);
        assert_eq!(s.len(), k, "n {n} k {k}");
        assert!(s.windows(2).all(|w| w[0] < w[1]), "n {n} k {k}: {s:?}");
        assert!(s.iter().all(|i| *i < n));
    }
    // Every position gets picked eventually, in both strategies.
    for (n, k) in [(200, 2), (20, 5)] {
        let mut hits = vec![0; n];
        for _ in 0..2000 {
            for i in sample_distinct(&mut ctx, n, k) {
                hits[i] += 1;
            }
        }
        assert!(hits.iter().all(|h| *h > 0), "n {n} k {k}: {hits:?}");
    }
}
