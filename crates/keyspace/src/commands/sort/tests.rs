//! Unit tests of SORT: modification signals and the encoding side effect.

use resp::Frame;

use crate::testing::{run_watched, Harness};

#[test]
fn store_signals_the_destination_only() {
    let setup: &[&[&str]] = &[&["RPUSH", "l", "2", "1"], &["SET", "w_1", "5"]];
    let (reply, modified) = run_watched(setup, &["SORT", "l", "BY", "w_*", "STORE", "d"], "d");
    assert_eq!((reply, modified), (Frame::Integer(2), true));
    let (_, modified) = run_watched(setup, &["SORT", "l", "STORE", "d"], "l");
    assert!(!modified, "the sorted key is not changed");
    let (_, modified) = run_watched(setup, &["SORT", "nokey", "STORE", "d"], "d");
    assert!(!modified, "deleting a missing destination changes nothing");
    let (reply, modified) =
        run_watched(&[&["SET", "d", "x"]], &["SORT", "nokey", "STORE", "d"], "d");
    assert_eq!((reply, modified), (Frame::Integer(0), true));
}

#[test]
fn sort_converts_sorted_sets_to_skiplists_without_signalling() {
    let (_, modified) = run_watched(&[&["ZADD", "z", "1", "a"]], &["SORT", "z", "ALPHA"], "z");
    assert!(!modified);
    let mut h = Harness::at(1_000);
    h.run(&["ZADD", "z", "1", "a", "2", "b"]);
    h.run(&["SORT_RO", "z", "ALPHA"]);
    assert_eq!(
        h.run(&["OBJECT", "ENCODING", "z"]),
        Frame::Bulk("listpack".into())
    );
    h.run(&["SORT", "z", "BY", "nosort"]);
    assert_eq!(
        h.run(&["OBJECT", "ENCODING", "z"]),
        Frame::Bulk("skiplist".into())
    );
    assert_eq!(
        h.run(&["ZRANGE", "z", "0", "-1"]),
        Frame::Array(vec![Frame::Bulk("a".into()), Frame::Bulk("b".into())])
    );
}

#[test]
fn equal_alpha_weights_keep_the_list_order() {
    let mut h = Harness::at(1_000);
    h.run(&["RPUSH", "l", "c", "a", "b", "d"]);
    h.run(&["MSET", "w_a", "x", "w_b", "x", "w_d", "a"]);
    let order = |h: &mut Harness, desc: bool| {
        let mut cmd = vec!["SORT", "l", "BY", "w_*", "ALPHA"];
        if desc {
            cmd.push("DESC");
        }
        h.run(&cmd)
    };
    let bulks = |items: &[&str]| {
        Frame::Array(
            items
                .iter()
                .map(|s| Frame::Bulk(s.to_string().into()))
                .collect(),
        )
    };
    // c has no weight (first), then d (a), then a and b (x, x) in list order.
    assert_eq!(order(&mut h, false), bulks(&["c", "d", "a", "b"]));
    assert_eq!(order(&mut h, true), bulks(&["a", "b", "d", "c"]));
}
