//! Tests of the HyperLogLog commands: unit tests and differential tests
//! against redis-server (counts must be identical).

use resp::Frame;

use super::*;
use crate::commands::string::tests::{assert_same_replies_with_list, err, ok, WRONGTYPE};
use crate::testing::{assert_same_replies, Diff, Harness};
use crate::KeyTtl;

const NOT_HLL: &str = "WRONGTYPE Key is not a valid HyperLogLog string value.";

#[test]
fn pfadd_pfcount() {
    let mut h = Harness::at(1);
    assert_eq!(h.run(&["PFADD", "h"]), Frame::Integer(1));
    assert_eq!(h.run(&["PFADD", "h"]), Frame::Integer(0));
    assert_eq!(h.run(&["PFCOUNT", "h"]), Frame::Integer(0));
    assert_eq!(h.run(&["PFADD", "h", "a", "b", "c"]), Frame::Integer(1));
    assert_eq!(h.run(&["PFADD", "h", "a", "b"]), Frame::Integer(0));
    assert_eq!(h.run(&["PFCOUNT", "h"]), Frame::Integer(3));
    assert_eq!(h.run(&["PFCOUNT", "h", "nokey"]), Frame::Integer(3));
    assert_eq!(h.run(&["PFCOUNT", "nokey"]), Frame::Integer(0));
    match h.ks.db(0).get(b"h", 1) {
        Some(Value::Str(s)) => assert_eq!(&s[..4], b"KHLL"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn not_an_hll() {
    let mut h = Harness::at(1);
    h.run(&["SET", "s", "hello"]);
    h.run(&["SET", "i", "5"]);
    for key in ["s", "i"] {
        assert_eq!(h.run(&["PFADD", key, "x"]), err(NOT_HLL));
        assert_eq!(h.run(&["PFCOUNT", key]), err(NOT_HLL));
        assert_eq!(h.run(&["PFCOUNT", "nokey", key]), err(NOT_HLL));
        assert_eq!(h.run(&["PFMERGE", "d", key]), err(NOT_HLL));
        assert_eq!(h.run(&["PFMERGE", key]), err(NOT_HLL));
    }
    h.ks.db_mut(0)
        .insert(b"l", crate::commands::string::tests::a_list());
    assert_eq!(h.run(&["PFADD", "l", "x"]), err(WRONGTYPE));
    assert_eq!(h.run(&["PFCOUNT", "l"]), err(WRONGTYPE));
    // A valid header with damaged registers.
    h.run(&["PFADD", "c", "a", "b"]);
    h.run(&["APPEND", "c", "x"]);
    assert_eq!(
        h.run(&["PFCOUNT", "c"]),
        err("INVALIDOBJ Corrupted HLL object detected")
    );
    assert_eq!(
        h.run(&["PFADD", "c", "z"]),
        err("INVALIDOBJ Corrupted HLL object detected")
    );
}

#[test]
fn pfmerge_keeps_ttl_and_unions() {
    let mut h = Harness::at(1_000);
    h.run(&["PFADD", "a", "1", "2", "3"]);
    h.run(&["PFADD", "b", "3", "4"]);
    h.run(&["PFADD", "d", "9"]);
    h.ks.db_mut(0).set_expiry(b"d", Some(5_000), 1_000);
    assert_eq!(h.run(&["PFMERGE", "d", "a", "b", "nokey"]), ok());
    assert_eq!(h.run(&["PFCOUNT", "d"]), Frame::Integer(5));
    assert_eq!(h.ks.db(0).ttl(b"d", 1_000), KeyTtl::ExpiresAt(5_000));
    assert_eq!(h.run(&["PFMERGE", "e"]), ok());
    assert_eq!(h.run(&["PFCOUNT", "e"]), Frame::Integer(0));
    assert_eq!(h.run(&["PFCOUNT", "a", "b"]), Frame::Integer(4));
}

#[test]
fn sparse_stays_small_and_dense_is_fixed() {
    let mut h = Harness::at(1);
    h.run(&["PFADD", "h", "a", "b", "c", "d"]);
    assert_eq!(h.run(&["STRLEN", "h"]), Frame::Integer(20));
    let many: Vec<String> = (0..5000).map(|i| format!("e{i}")).collect();
    let mut cmd = vec!["PFADD", "h"];
    cmd.extend(many.iter().map(String::as_str));
    assert_eq!(h.run(&cmd), Frame::Integer(1));
    assert_eq!(
        h.run(&["STRLEN", "h"]),
        Frame::Integer(hll::DENSE_LEN as i64)
    );
}

/// Runs the same PFADD batches on keel and Redis and compares every reply
/// and the counts, across the sparse/dense switch.
#[test]
fn differential_counts_match_redis() {
    let mut d = Diff::new();
    let mut check = |cmd: Vec<String>| {
        d.check(&cmd);
    };
    let mut n = 0u32;
    for (key, batches, size) in [
        ("h1", 12, 7),
        ("h1", 30, 150),
        ("h2", 40, 500),
        ("h3", 3, 1),
    ] {
        for _ in 0..batches {
            let mut cmd = vec!["PFADD".to_string(), key.to_string()];
            cmd.extend((0..size).map(|i| format!("el:{}:{i}", n % 9000)));
            n += 1;
            check(cmd);
            check(vec!["PFCOUNT".into(), key.into()]);
        }
    }
    check(vec![
        "PFCOUNT".into(),
        "h1".into(),
        "h2".into(),
        "h3".into(),
    ]);
    check(vec!["PFMERGE".into(), "m".into(), "h3".into()]);
    check(vec!["PFCOUNT".into(), "m".into()]);
    check(vec!["PFMERGE".into(), "m".into(), "h1".into(), "h2".into()]);
    check(vec!["PFCOUNT".into(), "m".into()]);
    check(vec!["PFCOUNT".into(), "m".into(), "h3".into()]);
    // Binary and empty elements.
    check(vec![
        "PFADD".into(),
        "b".into(),
        "".into(),
        "\u{0}\u{1}".into(),
        "é".into(),
    ]);
    check(vec!["PFCOUNT".into(), "b".into()]);
}

#[test]
fn differential_errors_and_edges() {
    assert_same_replies(&[
        &["PFADD", "h"],
        &["PFADD", "h"],
        &["PFCOUNT", "h"],
        &["PFADD", "h", "a", "b", "c", "a"],
        &["PFADD", "h", "a"],
        &["PFCOUNT", "h"],
        &["PFCOUNT", "h", "h"],
        &["PFCOUNT", "nokey"],
        &["PFCOUNT", "nokey", "nokey2"],
        &["PFADD", "g", "c", "d", "e"],
        &["PFCOUNT", "h", "g"],
        &["PFMERGE", "h"],
        &["PFMERGE", "new"],
        &["PFCOUNT", "new"],
        &["PFMERGE", "new", "h", "g", "nokey"],
        &["PFCOUNT", "new"],
        &["SET", "s", "hello"],
        &["SET", "i", "123"],
        &["SET", "e", ""],
        &["PFADD", "s", "x"],
        &["PFADD", "i"],
        &["PFADD", "e", "x"],
        &["PFCOUNT", "s"],
        &["PFCOUNT", "h", "s"],
        &["PFCOUNT", "e"],
        &["PFMERGE", "s", "h"],
        &["PFMERGE", "h", "s"],
        &["PFMERGE", "h", "i"],
        &["PFCOUNT", "h"],
        &["PFADD", "h", "a", "b"],
    ]);
    assert_same_replies_with_list(&[
        &["PFADD", "list", "x"],
        &["PFCOUNT", "list"],
        &["PFCOUNT", "nokey", "list"],
        &["PFMERGE", "list", "nokey"],
        &["PFMERGE", "d", "list"],
        &["PFCOUNT", "d"],
    ]);
}
