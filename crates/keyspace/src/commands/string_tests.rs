//! Tests of the string commands: unit tests on a fixed clock, and
//! differential tests against a real redis-server.

use bytes::Bytes;
use resp::Frame;

use super::*;
use crate::testing::{
    assert_same_replies, random_sequences, run_watched, Diff, Harness, Protocols,
};
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

#[test]
fn differential_set_get() {
    assert_same_replies(&[
        &["GET", "k"],
        &["SET", "k", "v"],
        &["GET", "k"],
        &["SET", "k", ""],
        &["GET", "k"],
        &["SET", "k", "v", "nx"],
        &["SET", "k", "v2", "xx", "get"],
        &["SET", "k", "v3", "NX", "GET"],
        &["SET", "k2", "v3", "NX", "GET"],
        &["SET", "k3", "v3", "XX", "GET"],
        &["SET", "k", "v", "NX", "XX"],
        &["SET", "k", "v", "XX", "NX"],
        &["SET", "k", "v", "NX", "NX"],
        &["SET", "k", "v", "GET", "GET"],
        &["SET", "k", "v", "EX", "100", "EX", "200"],
        &["SET", "k", "v", "EX", "100", "PX", "200"],
        &["SET", "k", "v", "EX", "100", "KEEPTTL"],
        &["SET", "k", "v", "KEEPTTL", "PXAT", "100"],
        &["SET", "k", "v", "KEEPTTL", "KEEPTTL"],
        &["SET", "k", "v", "PERSIST"],
        &["SET", "k", "v", "EX"],
        &["SET", "k", "v", "EX", "abc"],
        &["SET", "k", "v", "EX", "abc", "foo"],
        &["SET", "k", "v", "EX", "0"],
        &["SET", "k", "v", "EX", "-1"],
        &["SET", "k", "v", "PX", "0"],
        &["SET", "k", "v", "EXAT", "0"],
        &["SET", "k", "v", "EX", "9223372036854775"],
        &["SET", "k", "v", "EX", "9223372036854776"],
        &["SET", "k", "v", "PX", "9223372036854775807"],
        &["SET", "k", "v", "PXAT", "9223372036854775807"],
        &["SET", "k", "v", "EXAT", "9223372036854775"],
        &["GET", "k"],
        &["SET", "k", "v", "PXAT", "1"],
        &["GET", "k"],
        &["SET", "k", "v", "EXAT", "1", "GET"],
        &["SET", "k", "old"],
        &["SET", "k", "v", "EXAT", "1", "GET"],
        &["GET", "k"],
        &["SET", "k", "v", "foo"],
        &["SET", "k"],
        &["SETNX", "k", "1"],
        &["SETNX", "k", "2"],
        &["GET", "k"],
        &["SETEX", "k", "100", "x"],
        &["SETEX", "k", "0", "x"],
        &["SETEX", "k", "x", "x"],
        &["SETEX", "k", "9223372036854776", "x"],
        &["PSETEX", "k", "100000", "y"],
        &["PSETEX", "k", "-5", "y"],
        &["GET", "k"],
        &["GETSET", "k", "z"],
        &["GETSET", "nk", "z"],
        &["GETDEL", "k"],
        &["GETDEL", "k"],
        &["SET", "k", "12"],
        &["GETEX", "k"],
        &["GETEX", "k", "EX", "100"],
        &["GETEX", "k", "PX", "100000", "PX", "100000"],
        &["GETEX", "k", "PERSIST"],
        &["GETEX", "k", "PERSIST", "PERSIST"],
        &["GETEX", "k", "PERSIST", "EX", "10"],
        &["GETEX", "k", "EX", "10", "PERSIST"],
        &["GETEX", "k", "KEEPTTL"],
        &["GETEX", "k", "GET"],
        &["GETEX", "k", "NX"],
        &["GETEX", "k", "EX"],
        &["GETEX", "k", "EX", "abc"],
        &["GETEX", "k", "EX", "0"],
        &["GETEX", "k", "EXAT", "9223372036854776"],
        &["GETEX", "nokey", "EX", "abc"],
        &["GETEX", "nokey", "foo"],
        &["GETEX", "k", "EXAT", "1"],
        &["GETEX", "k"],
        &["MSET", "a", "1", "b", "2", "a", "3"],
        &["MGET", "a", "b", "c", "a"],
        &["MSET", "a", "1", "b"],
        &["MSETNX", "c", "1", "d"],
        &["MSETNX", "a", "1", "e", "5"],
        &["MSETNX", "f", "1", "e", "5"],
        &["MSETNX", "g", "1", "g", "2"],
        &["MGET", "e", "f", "g"],
    ]);
}

#[test]
fn differential_ranges() {
    assert_same_replies(&[
        &["APPEND", "ap", "12"],
        &["APPEND", "ap", ""],
        &["APPEND", "ap", "3"],
        &["APPEND", "ap2", ""],
        &["GET", "ap"],
        &["GET", "ap2"],
        &["INCR", "ap"],
        &["STRLEN", "ap"],
        &["STRLEN", "nokey"],
        &["SET", "neg", "-12345"],
        &["STRLEN", "neg"],
        &["GETRANGE", "neg", "1", "2"],
        &["SET", "s", "This is a string"],
        &["GETRANGE", "s", "0", "3"],
        &["GETRANGE", "s", "-3", "-1"],
        &["GETRANGE", "s", "0", "-1"],
        &["GETRANGE", "s", "10", "100"],
        &["GETRANGE", "s", "-1", "-5"],
        &["GETRANGE", "s", "-100", "-200"],
        &["GETRANGE", "s", "-200", "-100"],
        &["GETRANGE", "s", "-100", "2"],
        &["GETRANGE", "s", "5", "2"],
        &["GETRANGE", "s", "100", "200"],
        &["GETRANGE", "s", "a", "2"],
        &["GETRANGE", "s", "1", "b"],
        &[
            "GETRANGE",
            "s",
            "-9223372036854775808",
            "9223372036854775807",
        ],
        &["GETRANGE", "nokey", "0", "-1"],
        &["GETRANGE", "nokey", "x", "-1"],
        &["SUBSTR", "s", "1", "3"],
        &["SET", "e", ""],
        &["GETRANGE", "e", "0", "-1"],
        &["GETRANGE", "e", "0", "0"],
        &["GETRANGE", "e", "-1", "0"],
        &["SETRANGE", "s", "5", "XX"],
        &["SETRANGE", "s", "20", "end"],
        &["GET", "s"],
        &["SETRANGE", "s", "0", ""],
        &["SETRANGE", "sr", "0", ""],
        &["SETRANGE", "sr", "2", "ab"],
        &["GET", "sr"],
        &["SETRANGE", "sr", "-1", "ab"],
        &["SETRANGE", "sr", "x", "ab"],
        &["SETRANGE", "sr", "536870912", "ab"],
        &["SETRANGE", "sr", "536870911", "ab"],
        &["SETRANGE", "sr", "536870911", ""],
        &["SETRANGE", "nk2", "536870912", ""],
        &["SETRANGE", "nk2", "9223372036854775807", "x"],
        &["SETRANGE", "nk2", "-9223372036854775808", "x"],
        &["SET", "num", "100"],
        &["SETRANGE", "num", "1", "5"],
        &["GET", "num"],
        &["INCR", "num"],
    ]);
}

#[test]
fn differential_counters() {
    assert_same_replies(&[
        &["INCR", "n"],
        &["INCRBY", "n", "10"],
        &["INCRBY", "n", "-20"],
        &["DECR", "n"],
        &["DECRBY", "n", "5"],
        &["DECRBY", "n", "-5"],
        &["INCRBY", "n", "x"],
        &["INCRBY", "n", "1.5"],
        &["INCRBY", "n", " 1"],
        &["INCRBY", "n", "+1"],
        &["INCRBY", "n", "01"],
        &["INCRBY", "n", "-0"],
        &["INCRBY", "n", ""],
        &["INCRBY", "n", "9223372036854775808"],
        &["DECRBY", "n", "-9223372036854775808"],
        &["DECRBY", "n", "9223372036854775807"],
        &["DECRBY", "n", "9223372036854775807"],
        &["SET", "n", "9223372036854775807"],
        &["INCR", "n"],
        &["INCRBY", "n", "0"],
        &["SET", "n", "-9223372036854775808"],
        &["DECR", "n"],
        &["INCRBY", "n", "-1"],
        &["INCRBY", "n", "9223372036854775807"],
        &["SET", "n", "007"],
        &["INCR", "n"],
        &["SET", "n", " 7"],
        &["INCR", "n"],
        &["SET", "n", "7 "],
        &["INCR", "n"],
        &["SET", "n", ""],
        &["INCR", "n"],
        &["SET", "n", "-0"],
        &["INCR", "n"],
        &["SET", "n", "99999999999999999999"],
        &["INCR", "n"],
        &["SET", "f", "10.50"],
        &["INCRBYFLOAT", "f", "0.1"],
        &["INCRBYFLOAT", "f", "-5"],
        &["SET", "f", "5.0e3"],
        &["INCRBYFLOAT", "f", "2.0e2"],
        &["INCRBYFLOAT", "f", "-5200"],
        &["INCRBYFLOAT", "f", "-0.5"],
        &["INCRBYFLOAT", "f", "1e10"],
        &["INCRBYFLOAT", "f", "x"],
        &["INCRBYFLOAT", "f", ""],
        &["INCRBYFLOAT", "f", "nan"],
        &["INCRBYFLOAT", "f", "inf"],
        &["INCRBYFLOAT", "f", "-inf"],
        &["INCRBYFLOAT", "f", " 1"],
        &["INCRBYFLOAT", "f", "1 "],
        &["INCRBYFLOAT", "f", "0.0625"],
        &["INCRBYFLOAT", "f", "3.75e-1"],
        &["INCRBYFLOAT", "f", "1E2"],
        &["INCRBYFLOAT", "f", "-.5"],
        &["INCRBYFLOAT", "f", "+3."],
        &["INCRBYFLOAT", "nf", "3"],
        &["INCRBYFLOAT", "nf", "-3.25"],
        &["GET", "nf"],
        &["INCR", "nf"],
        &["INCRBYFLOAT", "nf2", "0"],
        &["INCRBYFLOAT", "nf2", "-0"],
        &["INCRBYFLOAT", "nf3", "123456789012"],
        &["INCR", "nf3"],
        &["SET", "word", "abc"],
        &["INCRBYFLOAT", "word", "1"],
        &["INCR", "word"],
        &["SET", "fl", "inf"],
        &["INCRBYFLOAT", "fl", "1"],
    ]);
}

#[test]
fn differential_lcs() {
    assert_same_replies(&[
        &["SET", "a", "ohmytext"],
        &["SET", "b", "mynewtext"],
        &["LCS", "a", "b"],
        &["LCS", "a", "b", "LEN"],
        &["LCS", "a", "b", "IDX"],
        &["LCS", "a", "b", "IDX", "WITHMATCHLEN"],
        &["LCS", "a", "b", "IDX", "MINMATCHLEN", "4"],
        &["LCS", "a", "b", "IDX", "MINMATCHLEN", "-4", "WITHMATCHLEN"],
        &["LCS", "a", "b", "LEN", "IDX"],
        &["LCS", "a", "b", "MINMATCHLEN"],
        &["LCS", "a", "b", "MINMATCHLEN", "x"],
        &["LCS", "a", "b", "foo"],
        &["LCS", "a", "b", "LEN", "LEN", "WITHMATCHLEN"],
        &["LCS", "a", "b", "MINMATCHLEN", "2", "LEN"],
        &["LCS", "a", "nokey"],
        &["LCS", "a", "nokey", "IDX"],
        &["LCS", "nokey", "nokey2", "IDX", "WITHMATCHLEN"],
        &["LCS", "a", "a", "IDX", "WITHMATCHLEN"],
        &["SET", "c", "abcabcabcxyzabc"],
        &["SET", "d", "xabcyabczzabcab"],
        &["LCS", "c", "d"],
        &["LCS", "c", "d", "IDX", "WITHMATCHLEN"],
        &["LCS", "d", "c", "IDX", "WITHMATCHLEN"],
        &["LCS", "d", "c", "IDX", "MINMATCHLEN", "2"],
        &["LCS", "d", "c", "IDX", "MINMATCHLEN", "3"],
        &["SET", "i1", "1234567"],
        &["SET", "i2", "-345"],
        &["LCS", "i1", "i2", "IDX"],
        &["SET", "e", ""],
        &["LCS", "e", "a"],
        &["LCS", "a", "e", "IDX"],
        &["SET", "x1", "aaaa"],
        &["SET", "x2", "aa"],
        &["LCS", "x1", "x2", "IDX", "WITHMATCHLEN"],
        &["LCS", "x2", "x1", "IDX", "WITHMATCHLEN"],
        // Ties between the two directions decide which LCS comes out.
        &["SET", "t1", "ab"],
        &["SET", "t2", "ba"],
        &["LCS", "t1", "t2"],
        &["LCS", "t1", "t2", "IDX"],
        &["SET", "t3", "abcxyz"],
        &["SET", "t4", "xyzabc"],
        &["LCS", "t3", "t4", "IDX", "WITHMATCHLEN"],
        &["LCS", "t4", "t3"],
    ]);
}

#[test]
fn differential_wrong_types() {
    assert_same_replies_with_list(&[
        &["GET", "list"],
        &["SET", "list", "x", "GET"],
        &["SET", "list", "x", "NX", "GET"],
        &["GETSET", "list", "x"],
        &["GETDEL", "list"],
        &["GETEX", "list"],
        &["GETEX", "list", "EX", "abc"],
        &["GETEX", "list", "foo"],
        &["APPEND", "list", "x"],
        &["STRLEN", "list"],
        &["GETRANGE", "list", "0", "1"],
        &["GETRANGE", "list", "a", "1"],
        &["SETRANGE", "list", "0", "x"],
        &["SETRANGE", "list", "0", ""],
        &["SETRANGE", "list", "-1", "x"],
        &["INCR", "list"],
        &["INCRBY", "list", "x"],
        &["DECRBY", "list", "-9223372036854775808"],
        &["INCRBYFLOAT", "list", "x"],
        &["MGET", "list", "nokey"],
        &["LCS", "list", "nokey"],
        &["LCS", "nokey", "list", "foo"],
        &["SETNX", "list", "x"],
        &["MSETNX", "list", "x", "other", "y"],
        &["SET", "list", "x", "XX"],
        &["GET", "list"],
    ]);
}

/// Random string, bitmap and HLL commands from several seeds give the same
/// replies in keel and Redis.
#[test]
fn differential_random_commands() {
    use testkit::gen::families;
    let family = families()
        .into_iter()
        .find(|(name, _)| *name == "strings")
        .map(|(_, f)| f)
        .expect("strings generator");
    let stats = random_sequences(
        "strings",
        1..17,
        500,
        Protocols::Both,
        |_, g, _| family(g),
        |_, _| {},
    );
    stats.assert_every_command_succeeds();
}

/// A random decimal (sometimes hexadecimal) number as Redis clients write
/// them: any digits, point and exponent.
fn random_float_text(g: &mut testkit::gen::Gen) -> String {
    let digits = |g: &mut testkit::gen::Gen, n: i64| -> String {
        (0..n)
            .map(|_| String::from_utf8_lossy(&g.int(0, 10)).into_owned())
            .collect()
    };
    let sign = g.pick(&["", "", "-", "+"]);
    if g.chance(0.1) {
        let mant = g.pick(&["1", "1.8", "a.b", ".4", "ff"]);
        let exp = String::from_utf8_lossy(&g.int(-70, 70)).into_owned();
        return format!("{sign}0x{mant}p{exp}");
    }
    let n = resp::parse_int(&g.int(1, 24)).unwrap_or(1);
    let int = digits(g, n);
    let frac = if g.chance(0.7) {
        let n = resp::parse_int(&g.int(0, 22)).unwrap_or(0);
        format!(".{}", digits(g, n))
    } else {
        String::new()
    };
    let exp = match resp::parse_int(&g.int(0, 10)).unwrap_or(0) {
        0 => format!("e{}", String::from_utf8_lossy(&g.int(-40, 40))),
        1 => format!("E{}", String::from_utf8_lossy(&g.int(-4960, 4960))),
        _ => String::new(),
    };
    format!("{sign}{int}{frac}{exp}")
}

/// INCRBYFLOAT on arbitrary decimal text gives Redis's exact long double
/// results.
#[test]
fn differential_incrbyfloat_random() {
    let mut d = Diff::new();
    for seed in 1..=6u64 {
        let mut g = testkit::gen::Gen::new(seed);
        for i in 0..300 {
            let key = g.pick(&["f0", "f1"]);
            let text = random_float_text(&mut g);
            let cmd: Vec<&str> = if g.chance(0.15) {
                vec!["SET", key, &text]
            } else {
                vec!["INCRBYFLOAT", key, &text]
            };
            d.label = format!("incrbyfloat seed {seed} step {i}");
            d.check(&cmd);
        }
    }
}

/// RESP3 replies (nulls, maps) match Redis's for the family.
#[test]
fn differential_resp3() {
    Diff::new_resp3().check_all(&[
        &["GET", "nokey"],
        &["SET", "a", "ohmytext"],
        &["SET", "a", "x", "NX"],
        &["SET", "a", "ohmytext", "XX", "GET"],
        &["SET", "b", "mynewtext", "NX", "GET"],
        &["GETEX", "nokey", "PERSIST"],
        &["GETDEL", "nokey"],
        &["MGET", "a", "nokey", "b"],
        &["LCS", "a", "b", "IDX", "WITHMATCHLEN"],
        &["LCS", "a", "b", "IDX", "MINMATCHLEN", "10"],
        &["INCRBYFLOAT", "f", "0.1"],
        &["INCRBYFLOAT", "f", "0.2"],
        &[
            "BITFIELD", "bf", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "5", "GET", "u2", "0",
        ],
        &["BITFIELD_RO", "bf", "GET", "i8", "0"],
        &["PFADD", "h", "a", "b"],
        &["PFCOUNT", "h"],
    ]);
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
