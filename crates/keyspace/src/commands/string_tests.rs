//! Tests of the string commands: unit tests on a fixed clock, and helpers
//! shared with the bitmap and HyperLogLog tests (differential tests are in
//! `string_diff_tests.rs`).

use bytes::Bytes;
use resp::Frame;

use super::*;
use crate::testing::{run_watched, Diff, Harness};
use crate::types::List;
use crate::KeyTtl;

pub(crate) fn bulk(s: &str) -> Frame {
    Frame::Bulk(Bytes::copy_from_slice(s.as_bytes()))
}

pub(crate) fn err(s: &str) -> Frame {
    Frame::Error(s.to_string())
}

pub(crate) fn ok() -> Frame {
    Frame::Simple("OK".into())
}

pub(crate) const WRONGTYPE: &str =
    "WRONGTYPE Operation against a key holding the wrong kind of value";

/// A list value (list commands live in another family).
pub(crate) fn a_list() -> Value {
    Value::List(Box::new(List::from_items([&b"x"[..]])))
}

/// Like [`assert_same_replies`], with a list stored under `list` in both
/// servers first, so wrong-type errors can be compared.
pub(crate) fn assert_same_replies_with_list(cmds: &[&[&str]]) {
    let mut d = Diff::new();
    d.check(&["RPUSH", "list", "x"]);
    d.check_all(cmds);
}

#[test]
fn get_set_basics() {
    let mut h = Harness::at(1_000);
    assert_eq!(h.run(&["GET", "k"]), Frame::Null);
    assert_eq!(h.run3(&["GET", "k"]), Frame::Null);
    assert_eq!(h.run(&["SET", "k", "v"]), ok());
    assert_eq!(h.run(&["GET", "k"]), bulk("v"));
    assert_eq!(h.run(&["SET", "n", "42"]), ok());
    assert_eq!(h.ks.db(0).get(b"n", 1_000), Some(&Value::Int(42)));
    assert_eq!(h.run(&["GET", "n"]), bulk("42"));
    assert_eq!(h.run(&["SET", "k", "v2", "NX"]), Frame::Null);
    assert_eq!(h.run3(&["SET", "k", "v2", "NX"]), Frame::Null);
    assert_eq!(h.run(&["SET", "k", "v3", "XX", "GET"]), bulk("v"));
    assert_eq!(h.run(&["SET", "new", "x", "XX"]), Frame::Null);
    assert_eq!(h.run(&["SET", "new", "x", "NX", "GET"]), Frame::Null);
    assert_eq!(h.run(&["GET", "new"]), bulk("x"));
    assert_eq!(
        h.run(&["SET", "k", "v", "NX", "XX"]),
        err("ERR syntax error")
    );
    assert_eq!(h.run(&["set", "k", "v", "nx", "nx"]), Frame::Null);
}

#[test]
fn set_expiry_options() {
    let mut h = Harness::at(10_000);
    let ttl = |h: &Harness| h.ks.db(0).ttl(b"k", 10_000);
    assert_eq!(h.run(&["SET", "k", "v", "EX", "10"]), ok());
    assert_eq!(ttl(&h), KeyTtl::ExpiresAt(20_000));
    assert_eq!(h.run(&["SET", "k", "v", "PX", "5", "px", "7"]), ok());
    assert_eq!(ttl(&h), KeyTtl::ExpiresAt(10_007));
    assert_eq!(h.run(&["SET", "k", "w", "KEEPTTL"]), ok());
    assert_eq!(ttl(&h), KeyTtl::ExpiresAt(10_007));
    assert_eq!(h.run(&["SET", "k", "w"]), ok());
    assert_eq!(ttl(&h), KeyTtl::Persistent);
    assert_eq!(h.run(&["SET", "k", "v", "EXAT", "20"]), ok());
    assert_eq!(ttl(&h), KeyTtl::ExpiresAt(20_000));
    assert_eq!(h.run(&["SET", "k", "v", "PXAT", "10000"]), ok());
    // Already expired: the key does not survive.
    assert_eq!(h.run(&["GET", "k"]), Frame::Null);
    assert_eq!(ttl(&h), KeyTtl::Missing);
    let invalid = err("ERR invalid expire time in 'set' command");
    assert_eq!(h.run(&["SET", "k", "v", "EX", "0"]), invalid);
    assert_eq!(h.run(&["SET", "k", "v", "EX", "-3"]), invalid);
    assert_eq!(h.run(&["SET", "k", "v", "EX", "9223372036854776"]), invalid);
    assert_eq!(
        h.run(&["SET", "k", "v", "PX", "9223372036854775807"]),
        invalid
    );
    assert_eq!(
        h.run(&["SET", "k", "v", "PXAT", "9223372036854775807"]),
        ok()
    );
    assert_eq!(
        h.run(&["SET", "k", "v", "EX", "x"]),
        err("ERR value is not an integer or out of range")
    );
    for bad in [
        &["SET", "k", "v", "EX", "1", "PX", "1"][..],
        &["SET", "k", "v", "KEEPTTL", "EX", "1"],
        &["SET", "k", "v", "EX", "1", "KEEPTTL"],
        &["SET", "k", "v", "EX"],
        &["SET", "k", "v", "PERSIST"],
        &["SET", "k", "v", "EX", "x", "foo"],
        &["SET", "k", "v", "XX", "NX"],
    ] {
        assert_eq!(h.run(bad), err("ERR syntax error"), "{bad:?}");
    }
}

#[test]
fn setex_and_getex() {
    let mut h = Harness::at(5_000);
    let ttl = |h: &Harness| h.ks.db(0).ttl(b"k", 5_000);
    assert_eq!(h.run(&["SETEX", "k", "2", "v"]), ok());
    assert_eq!(ttl(&h), KeyTtl::ExpiresAt(7_000));
    assert_eq!(h.run(&["PSETEX", "k", "2", "v"]), ok());
    assert_eq!(ttl(&h), KeyTtl::ExpiresAt(5_002));
    assert_eq!(
        h.run(&["SETEX", "k", "0", "v"]),
        err("ERR invalid expire time in 'setex' command")
    );
    assert_eq!(
        h.run(&["PSETEX", "k", "-1", "v"]),
        err("ERR invalid expire time in 'psetex' command")
    );
    assert_eq!(h.run(&["GETEX", "k", "PERSIST"]), bulk("v"));
    assert_eq!(ttl(&h), KeyTtl::Persistent);
    assert_eq!(h.run(&["GETEX", "k", "EX", "100"]), bulk("v"));
    assert_eq!(ttl(&h), KeyTtl::ExpiresAt(105_000));
    assert_eq!(h.run(&["GETEX", "k"]), bulk("v"));
    assert_eq!(ttl(&h), KeyTtl::ExpiresAt(105_000));
    assert_eq!(h.run(&["GETEX", "k", "PXAT", "6000"]), bulk("v"));
    assert_eq!(ttl(&h), KeyTtl::ExpiresAt(6_000));
    assert_eq!(
        h.run(&["GETEX", "k", "EX", "0"]),
        err("ERR invalid expire time in 'getex' command")
    );
    assert_eq!(h.run(&["GETEX", "nokey", "EX", "0"]), Frame::Null);
    assert_eq!(h.run(&["GETEX", "k", "KEEPTTL"]), err("ERR syntax error"));
    assert_eq!(h.run(&["GETEX", "k", "PXAT", "5000"]), bulk("v"));
    assert_eq!(h.ks.db(0).len(), 0, "an elapsed PXAT deletes the key");
}

#[test]
fn getset_getdel() {
    let mut h = Harness::at(1);
    h.run(&["SET", "k", "0", "PX", "100"]);
    assert_eq!(h.run(&["GETSET", "k", "1"]), bulk("0"));
    assert_eq!(h.ks.db(0).ttl(b"k", 1), KeyTtl::Persistent);
    assert_eq!(h.run(&["GETSET", "k", "2"]), bulk("1"));
    assert_eq!(h.run(&["GETDEL", "k"]), bulk("2"));
    assert_eq!(h.run(&["GETDEL", "k"]), Frame::Null);
    assert_eq!(h.ks.db(0).len(), 0);
}

#[test]
fn multi_key() {
    let mut h = Harness::at(1);
    assert_eq!(h.run(&["MSET", "a", "1", "b", "x"]), ok());
    assert_eq!(
        h.run(&["MGET", "a", "b", "c"]),
        Frame::Array(vec![bulk("1"), bulk("x"), Frame::Null])
    );
    assert_eq!(
        h.run(&["MSET", "a", "1", "b"]),
        err("ERR wrong number of arguments for 'mset' command")
    );
    assert_eq!(
        h.run(&["MSETNX", "a", "1", "b"]),
        err("ERR wrong number of arguments for 'msetnx' command")
    );
    assert_eq!(h.run(&["MSETNX", "c", "1", "a", "2"]), Frame::Integer(0));
    assert_eq!(h.run(&["MSETNX", "c", "1", "d", "2"]), Frame::Integer(1));
}

#[test]
fn counters() {
    let mut h = Harness::at(1);
    assert_eq!(h.run(&["INCR", "n"]), Frame::Integer(1));
    assert_eq!(h.run(&["INCRBY", "n", "41"]), Frame::Integer(42));
    assert_eq!(h.run(&["DECRBY", "n", "2"]), Frame::Integer(40));
    assert_eq!(h.run(&["DECR", "n"]), Frame::Integer(39));
    assert_eq!(h.ks.db(0).get(b"n", 1), Some(&Value::Int(39)));
    assert_eq!(h.run(&["SET", "n", "9223372036854775807"]), ok());
    assert_eq!(
        h.run(&["INCR", "n"]),
        err("ERR increment or decrement would overflow")
    );
    assert_eq!(
        h.run(&["DECRBY", "n", "-9223372036854775808"]),
        err("ERR decrement would overflow")
    );
    assert_eq!(h.run(&["APPEND", "s", "12"]), Frame::Integer(2));
    assert_eq!(h.run(&["APPEND", "s", "3"]), Frame::Integer(3));
    assert_eq!(h.run(&["INCR", "s"]), Frame::Integer(124));
    assert_eq!(h.run(&["SET", "s", "1.5"]), ok());
    assert_eq!(
        h.run(&["INCR", "s"]),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(h.run(&["INCRBYFLOAT", "s", "0.25"]), bulk("1.75"));
    assert_eq!(h.run(&["INCRBYFLOAT", "s", "-1.75"]), bulk("0"));
    assert_eq!(
        h.run(&["INCRBYFLOAT", "s", "inf"]),
        err("ERR increment would produce NaN or Infinity")
    );
    assert_eq!(
        h.run(&["INCRBYFLOAT", "s", "x"]),
        err("ERR value is not a valid float")
    );
    assert_eq!(h.run(&["INCRBYFLOAT", "f", "5.0e3"]), bulk("5000"));
    assert_eq!(h.run(&["INCRBYFLOAT", "g", "10.5"]), bulk("10.5"));
    assert_eq!(h.run(&["INCRBYFLOAT", "g", "0.1"]), bulk("10.6"));
}

#[test]
fn counters_keep_ttl() {
    let mut h = Harness::at(1_000);
    h.run(&["SET", "n", "1", "PX", "100"]);
    h.run(&["INCR", "n"]);
    h.run(&["INCRBYFLOAT", "n", "1.5"]);
    h.run(&["APPEND", "n", "0"]);
    h.run(&["SETRANGE", "n", "0", "4"]);
    assert_eq!(h.ks.db(0).ttl(b"n", 1_000), KeyTtl::ExpiresAt(1_100));
    assert_eq!(h.run(&["GET", "n"]), bulk("4.50"));
}

#[test]
fn ranges() {
    let mut h = Harness::at(1);
    h.run(&["SET", "s", "Hello World"]);
    assert_eq!(h.run(&["GETRANGE", "s", "0", "4"]), bulk("Hello"));
    assert_eq!(h.run(&["GETRANGE", "s", "-5", "-1"]), bulk("World"));
    assert_eq!(h.run(&["GETRANGE", "s", "-1", "-5"]), bulk(""));
    assert_eq!(h.run(&["GETRANGE", "s", "5", "3"]), bulk(""));
    assert_eq!(h.run(&["SUBSTR", "s", "6", "1000"]), bulk("World"));
    assert_eq!(
        h.run(&[
            "GETRANGE",
            "s",
            "-9223372036854775808",
            "9223372036854775807"
        ]),
        bulk("Hello World")
    );
    assert_eq!(h.run(&["SETRANGE", "s", "6", "Redis"]), Frame::Integer(11));
    assert_eq!(h.run(&["GET", "s"]), bulk("Hello Redis"));
    assert_eq!(h.run(&["SETRANGE", "z", "3", "ab"]), Frame::Integer(5));
    assert_eq!(h.run(&["GET", "z"]), bulk("\0\0\0ab"));
    assert_eq!(h.run(&["SETRANGE", "none", "3", ""]), Frame::Integer(0));
    assert_eq!(h.ks.db(0).get(b"none", 1), None);
    assert_eq!(
        h.run(&["SETRANGE", "s", "-1", "x"]),
        err("ERR offset is out of range")
    );
    // Checked before anything is allocated.
    let too_big = err("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    assert_eq!(h.run(&["SETRANGE", "s", "536870912", "x"]), too_big);
    assert_eq!(
        h.run(&["SETRANGE", "s", "9223372036854775807", "x"]),
        too_big
    );
    assert_eq!(h.run(&["SETRANGE", "new", "536870911", "xy"]), too_big);
    assert_eq!(h.run(&["STRLEN", "s"]), Frame::Integer(11));
    h.run(&["SET", "n", "-123"]);
    assert_eq!(h.run(&["STRLEN", "n"]), Frame::Integer(4));
    assert_eq!(h.run(&["GETRANGE", "n", "1", "2"]), bulk("12"));
    assert_eq!(h.run(&["SETRANGE", "n", "0", "7"]), Frame::Integer(4));
    assert_eq!(h.run(&["GET", "n"]), bulk("7123"));
}

#[test]
fn lcs_variants() {
    let mut h = Harness::at(1);
    h.run(&["MSET", "a", "ohmytext", "b", "mynewtext"]);
    assert_eq!(h.run(&["LCS", "a", "b"]), bulk("mytext"));
    assert_eq!(h.run(&["LCS", "a", "b", "LEN"]), Frame::Integer(6));
    let pair = |x, y| Frame::Array(vec![Frame::Integer(x), Frame::Integer(y)]);
    assert_eq!(
        h.run3(&["LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"]),
        Frame::Map(vec![
            (
                bulk("matches"),
                Frame::Array(vec![Frame::Array(vec![
                    pair(4, 7),
                    pair(5, 8),
                    Frame::Integer(4)
                ])])
            ),
            (bulk("len"), Frame::Integer(6)),
        ])
    );
    assert_eq!(
        h.run(&["LCS", "a", "b", "IDX"]),
        Frame::Array(vec![
            bulk("matches"),
            Frame::Array(vec![
                Frame::Array(vec![pair(4, 7), pair(5, 8)]),
                Frame::Array(vec![pair(2, 3), pair(0, 1)]),
            ]),
            bulk("len"),
            Frame::Integer(6),
        ])
    );
}

#[test]
fn lcs_table_is_bounded() {
    let mut h = Harness::at(1);
    let big = "a".repeat(20_000);
    h.run(&["MSET", "a", &big, "b", &big]);
    assert_eq!(
        h.run(&["LCS", "a", "b"]),
        err("ERR Insufficient memory, failed allocating transient memory for LCS")
    );
}

#[test]
fn wrong_types() {
    let mut h = Harness::at(1);
    h.ks.db_mut(0).insert(b"l", a_list());
    for cmd in [
        &["GET", "l"][..],
        &["SET", "l", "x", "GET"],
        &["GETSET", "l", "x"],
        &["GETDEL", "l"],
        &["GETEX", "l"],
        &["APPEND", "l", "x"],
        &["STRLEN", "l"],
        &["GETRANGE", "l", "0", "1"],
        &["SETRANGE", "l", "0", "x"],
        &["INCR", "l"],
        &["INCRBYFLOAT", "l", "1"],
    ] {
        assert_eq!(h.run(cmd), err(WRONGTYPE), "{cmd:?}");
    }
    assert_eq!(h.run(&["MGET", "l"]), Frame::Array(vec![Frame::Null]));
    assert_eq!(
        h.run(&["LCS", "l", "x"]),
        err("ERR The specified keys must contain string values")
    );
    assert_eq!(h.run(&["SETNX", "l", "x"]), Frame::Integer(0));
    assert_eq!(h.run(&["SET", "l", "x"]), ok());
    assert_eq!(h.run(&["GET", "l"]), bulk("x"));
}

/// Whether `cmd` (after `setup`) signals key `k` as modified: observed as a
/// WATCH on `k` aborting the next transaction.
fn signals_k(setup: &[&[&str]], cmd: &[&str]) -> bool {
    run_watched(setup, cmd, "k").1
}
#[test]
fn modified_exactly_when_changed() {
    let k: &[&[&str]] = &[&["SET", "k", "1"]];
    let bits: &[&[&str]] = &[&["SETBIT", "k", "3", "1"]];
    let hll: &[&[&str]] = &[&["PFADD", "k", "a"]];
    let ttl: &[&[&str]] = &[&["SET", "k", "1", "EX", "100"]];
    let changes: &[(&[&[&str]], &[&str])] = &[
        (&[], &["SET", "k", "v"]),
        (k, &["SET", "k", "1"]),
        (k, &["SET", "k", "v", "XX", "GET"]),
        (&[], &["SETNX", "k", "v"]),
        (&[], &["SETEX", "k", "10", "v"]),
        (&[], &["MSET", "a", "1", "k", "2"]),
        (&[], &["MSETNX", "a", "1", "k", "2"]),
        (k, &["GETSET", "k", "2"]),
        (k, &["GETDEL", "k"]),
        (k, &["GETEX", "k", "EX", "100"]),
        (ttl, &["GETEX", "k", "PERSIST"]),
        (k, &["GETEX", "k", "PXAT", "1"]),
        (k, &["APPEND", "k", "x"]),
        (k, &["SETRANGE", "k", "0", "x"]),
        (k, &["INCR", "k"]),
        (k, &["INCRBYFLOAT", "k", "1.5"]),
        (&[], &["SETBIT", "k", "0", "0"]),
        (bits, &["SETBIT", "k", "3", "0"]),
        (bits, &["SETBIT", "k", "30", "0"]),
        (k, &["BITOP", "NOT", "k", "k"]),
        (k, &["BITOP", "AND", "k", "nokey"]),
        (k, &["BITFIELD", "k", "SET", "u8", "0", "1"]),
        (
            &[],
            &["BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "u2", "0", "9"],
        ),
        (&[], &["PFADD", "k"]),
        (hll, &["PFADD", "k", "b"]),
        (hll, &["PFMERGE", "k"]),
    ];
    for (setup, cmd) in changes {
        assert!(signals_k(setup, cmd), "{cmd:?} after {setup:?} must signal");
    }
    let no_changes: &[(&[&[&str]], &[&str])] = &[
        (k, &["SET", "k", "v", "NX"]),
        (&[], &["SET", "k", "v", "XX"]),
        (k, &["SET", "k", "v", "EX", "0"]),
        (k, &["SETNX", "k", "v"]),
        (k, &["MSETNX", "a", "1", "k", "2"]),
        (&[], &["GETDEL", "k"]),
        (k, &["GETEX", "k"]),
        (k, &["GETEX", "k", "PERSIST"]),
        (&[], &["GETEX", "k", "EX", "10"]),
        (k, &["SETRANGE", "k", "0", ""]),
        (&[], &["SETRANGE", "k", "3", ""]),
        (k, &["INCRBY", "k", "x"]),
        (k, &["INCRBYFLOAT", "k", "inf"]),
        (bits, &["SETBIT", "k", "3", "1"]),
        (bits, &["SETBIT", "k", "4", "0"]),
        (&[], &["BITOP", "AND", "k", "nokey"]),
        (k, &["BITFIELD", "k", "GET", "u8", "0"]),
        (hll, &["PFADD", "k", "a"]),
        (hll, &["PFADD", "k"]),
        (k, &["PFADD", "k", "a"]),
    ];
    for (setup, cmd) in no_changes {
        assert!(
            !signals_k(setup, cmd),
            "{cmd:?} after {setup:?} must not signal"
        );
    }
}

#[test]
fn string_length_limit() {
    assert!(check_string_length(MAX_STRING - 1, 1).is_ok());
    assert!(check_string_length(0, MAX_STRING).is_ok());
    assert!(check_string_length(MAX_STRING, 1).is_err());
    assert!(check_string_length(u64::MAX, 1).is_err());
    assert_eq!(
        check_string_length(1, MAX_STRING).unwrap_err().to_string(),
        "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
    );
}
