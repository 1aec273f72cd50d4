//! Unit tests of the generic key-space commands, with a fixed clock.

use bytes::Bytes;
use proptest::prelude::*;
use resp::Frame;

use super::dump;
use crate::testing::{sorted, Harness};
use crate::types::List;
use crate::value::Typed;
use crate::{Op, Value};

mod restore;

const NOW: u64 = 1_700_000_000_000;

fn ok() -> Frame {
    Frame::Simple("OK".into())
}

fn int(n: i64) -> Frame {
    Frame::Integer(n)
}

fn bulk(s: &str) -> Frame {
    Frame::Bulk(Bytes::copy_from_slice(s.as_bytes()))
}

fn err(s: &str) -> Frame {
    Frame::Error(s.into())
}

fn bulks(items: &[&str]) -> Frame {
    Frame::Array(items.iter().map(|s| bulk(s)).collect())
}

/// Puts a value directly (the string family may not be merged yet).
fn put(h: &mut Harness, key: &str, value: Value) {
    let db = h.db;
    h.ks.db_mut(db).insert(key.as_bytes(), value);
}

fn put_str(h: &mut Harness, key: &str, value: &str) {
    put(h, key, Value::string(value.as_bytes()));
}

fn put_expiring(h: &mut Harness, key: &str, value: &str, at: u64) {
    let db = h.db;
    h.ks.db_mut(db)
        .insert_with_expiry(key.as_bytes(), Value::string(value.as_bytes()), Some(at));
}

fn list(items: &[&str]) -> Value {
    List::from_items(items.iter().map(|i| i.as_bytes())).wrap()
}

fn args(cmd: &[&str]) -> Vec<Bytes> {
    cmd.iter()
        .map(|a| Bytes::copy_from_slice(a.as_bytes()))
        .collect()
}

/// Runs `cmd` while session 1 watches `key` in `db`; true if that
/// invalidated the watch (the command signalled the key as modified).
fn invalidates_watch(h: &mut Harness, db: usize, key: &str, cmd: &[&str]) -> bool {
    let mut out = resp::Reply::new(false);
    let now = h.now_ms();
    h.ks.apply(
        &Op::Watch {
            session: 1,
            keys: vec![(db, Bytes::copy_from_slice(key.as_bytes()))],
        },
        now,
        0,
        &mut out,
    );
    h.run(cmd);
    let outcome = h.ks.apply(
        &Op::Transaction {
            session: 1,
            resp3: false,
            commands: vec![(0, args(&["ECHO", "x"]))],
        },
        now,
        0,
        &mut out,
    );
    outcome.transaction.is_none()
}

/// Runs `cmd` and returns the keys it signalled ready.
fn ready_after(h: &mut Harness, cmd: &[&str]) -> Vec<(usize, Vec<u8>)> {
    h.ks.set_ready_tracking(true);
    h.run(cmd);
    let ready = h.ks.take_ready();
    h.ks.set_ready_tracking(false);
    ready.into_iter().map(|(db, k)| (db, k.to_vec())).collect()
}

#[test]
fn del_unlink_exists_touch_type() {
    let mut h = Harness::at(NOW);
    put_str(&mut h, "a", "1");
    put_str(&mut h, "b", "x");
    put(&mut h, "l", list(&["x"]));
    assert_eq!(h.run(&["EXISTS", "a", "a", "b", "nope"]), int(3));
    assert_eq!(h.run(&["TOUCH", "a", "a", "nope"]), int(2));
    assert_eq!(h.run(&["TYPE", "a"]), Frame::Simple("string".into()));
    assert_eq!(h.run(&["TYPE", "l"]), Frame::Simple("list".into()));
    assert_eq!(h.run(&["TYPE", "nope"]), Frame::Simple("none".into()));
    assert_eq!(h.run(&["DEL", "a", "a", "nope"]), int(1));
    assert_eq!(h.run(&["UNLINK", "b", "l"]), int(2));
    assert_eq!(h.run(&["DBSIZE"]), int(0));
    assert_eq!(
        h.run(&["DEL"]),
        err("ERR wrong number of arguments for 'del' command")
    );
}

#[test]
fn only_real_deletions_signal_modified_keys() {
    let mut h = Harness::at(NOW);
    put_str(&mut h, "a", "1");
    assert!(!invalidates_watch(&mut h, 0, "a", &["DEL", "nope"]));
    assert!(invalidates_watch(&mut h, 0, "a", &["DEL", "a"]));
    assert!(!invalidates_watch(&mut h, 0, "a", &["DEL", "a"]));
    put_str(&mut h, "b", "1");
    assert!(invalidates_watch(&mut h, 0, "b", &["UNLINK", "b"]));
}

#[test]
fn expired_keys_are_invisible_to_reads() {
    let mut h = Harness::at(NOW);
    put_expiring(&mut h, "gone", "v", NOW + 10);
    put_str(&mut h, "live", "v");
    assert_eq!(h.run(&["EXISTS", "gone"]), int(1));
    h.clock = Some(NOW + 10);
    assert_eq!(h.run(&["EXISTS", "gone", "live"]), int(1));
    assert_eq!(h.run(&["TOUCH", "gone"]), int(0));
    assert_eq!(h.run(&["TYPE", "gone"]), Frame::Simple("none".into()));
    assert_eq!(h.run(&["KEYS", "*"]), bulks(&["live"]));
    assert_eq!(h.run(&["KEYS", "g*"]), bulks(&[]));
    assert_eq!(
        h.run(&["SCAN", "0", "COUNT", "100"]),
        Frame::Array(vec![bulk("0"), bulks(&["live"])])
    );
    for _ in 0..20 {
        assert_eq!(h.run(&["RANDOMKEY"]), bulk("live"));
    }
    assert_eq!(h.run(&["OBJECT", "ENCODING", "gone"]), Frame::Null);
    assert_eq!(h.run(&["DUMP", "gone"]), Frame::Null);
    // Like Redis, DBSIZE counts expired keys until they are reclaimed.
    assert_eq!(h.run(&["DBSIZE"]), int(2));
    assert_eq!(h.run(&["DEL", "gone"]), int(0));
    assert_eq!(h.run(&["DBSIZE"]), int(1));
    // Only expired keys left: RANDOMKEY finds none.
    put_expiring(&mut h, "gone2", "v", NOW + 5);
    h.run(&["DEL", "live"]);
    assert_eq!(h.run(&["RANDOMKEY"]), Frame::Null);
    assert_eq!(h.run3(&["RANDOMKEY"]), Frame::Null);
}

#[test]
fn randomkey_is_deterministic_and_covers_keys() {
    assert_eq!(Harness::at(NOW).run(&["RANDOMKEY"]), Frame::Null);
    let mut h = Harness::at(NOW);
    for i in 0..5 {
        put_str(&mut h, &format!("k{i}"), "v");
    }
    let run = |h: &mut Harness| (0..200).map(|_| h.run(&["RANDOMKEY"])).collect::<Vec<_>>();
    let mut again = Harness::at(NOW);
    for i in 0..5 {
        put_str(&mut again, &format!("k{i}"), "v");
    }
    let picks = run(&mut h);
    assert_eq!(picks, run(&mut again), "same seeds, same picks");
    for i in 0..5 {
        assert!(picks.contains(&bulk(&format!("k{i}"))), "k{i} never picked");
    }
}

#[test]
fn rename_and_renamenx() {
    let mut h = Harness::at(NOW);
    put_expiring(&mut h, "a", "1", NOW + 5000);
    assert_eq!(h.run(&["RENAME", "nope", "x"]), err("ERR no such key"));
    assert_eq!(h.run(&["RENAME", "nope", "nope"]), err("ERR no such key"));
    assert_eq!(h.run(&["RENAMENX", "nope", "nope"]), err("ERR no such key"));
    assert_eq!(h.run(&["RENAME", "a", "a"]), ok());
    assert_eq!(h.run(&["RENAMENX", "a", "a"]), int(0));
    assert_eq!(h.run(&["RENAME", "a", "b"]), ok());
    assert_eq!(h.run(&["EXISTS", "a"]), int(0));
    assert_eq!(
        h.run(&["PTTL", "b"]),
        int(5000),
        "the TTL moves with the key"
    );
    put_str(&mut h, "c", "2");
    assert_eq!(h.run(&["RENAMENX", "b", "c"]), int(0));
    assert_eq!(h.run(&["RENAME", "b", "c"]), ok());
    assert_eq!(
        h.run(&["PTTL", "c"]),
        int(5000),
        "the target's value and TTL are replaced"
    );
    assert_eq!(h.run(&["RENAMENX", "c", "d"]), int(1));
    assert_eq!(h.run(&["KEYS", "*"]), bulks(&["d"]));
    // An expired source does not exist; an expired target does not block.
    put_expiring(&mut h, "old", "v", NOW + 1);
    h.clock = Some(NOW + 1);
    assert_eq!(h.run(&["RENAME", "old", "x"]), err("ERR no such key"));
    put_expiring(&mut h, "old", "v", NOW + 1);
    assert_eq!(h.run(&["RENAMENX", "d", "old"]), int(1));
}

#[test]
fn rename_signals_both_keys_and_readiness() {
    let mut h = Harness::at(NOW);
    put(&mut h, "src", list(&["x"]));
    assert!(invalidates_watch(
        &mut h,
        0,
        "src",
        &["RENAME", "src", "dst"]
    ));
    assert!(invalidates_watch(
        &mut h,
        0,
        "dst",
        &["RENAME", "dst", "src"]
    ));
    assert!(!invalidates_watch(
        &mut h,
        0,
        "src",
        &["RENAME", "src", "src"]
    ));
    assert!(!invalidates_watch(
        &mut h,
        0,
        "src",
        &["RENAMENX", "nope", "src"]
    ));
    assert_eq!(
        ready_after(&mut h, &["RENAME", "src", "dst"]),
        vec![(0, b"dst".to_vec())]
    );
    put_str(&mut h, "s", "v");
    assert_eq!(ready_after(&mut h, &["RENAME", "s", "t"]), vec![]);
}

#[test]
fn copy_within_and_across_databases() {
    let mut h = Harness::at(NOW);
    put_expiring(&mut h, "a", "hello", NOW + 7000);
    assert_eq!(
        h.run(&["COPY", "a", "a"]),
        err("ERR source and destination objects are the same")
    );
    assert_eq!(
        h.run(&["COPY", "nope", "nope"]),
        err("ERR source and destination objects are the same")
    );
    assert_eq!(h.run(&["COPY", "nope", "x"]), int(0));
    assert_eq!(h.run(&["COPY", "a", "b"]), int(1));
    assert_eq!(h.run(&["PTTL", "b"]), int(7000));
    put_str(&mut h, "c", "other");
    assert_eq!(h.run(&["COPY", "a", "c"]), int(0));
    assert_eq!(h.run(&["COPY", "a", "c", "REPLACE"]), int(1));
    assert_eq!(h.run(&["PTTL", "c"]), int(7000));
    assert_eq!(h.run(&["COPY", "a", "a", "DB", "3"]), int(1));
    assert_eq!(h.run(&["COPY", "a", "a", "db", "3"]), int(0));
    assert_eq!(h.run(&["COPY", "a", "a", "db", "3", "replace"]), int(1));
    assert_eq!(h.run(&["COPY", "a", "b", "DB"]), err("ERR syntax error"));
    assert_eq!(h.run(&["COPY", "a", "b", "FOO"]), err("ERR syntax error"));
    assert_eq!(
        h.run(&["COPY", "a", "b", "DB", "x"]),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(
        h.run(&["COPY", "a", "b", "DB", "16"]),
        err("ERR DB index is out of range")
    );
    assert_eq!(
        h.run(&["COPY", "a", "b", "DB", "16", "FOO"]),
        err("ERR DB index is out of range")
    );
    assert_eq!(
        h.run(&["COPY", "a", "b", "DB", "-1"]),
        err("ERR DB index is out of range")
    );
    assert_eq!(
        h.run(&["COPY", "a", "b", "DB", "2147483648"]),
        err("ERR value is out of range, value must between -2147483648 and 2147483647")
    );
    h.run(&["SELECT", "3"]);
    assert_eq!(h.run(&["PTTL", "a"]), int(7000));
    assert_eq!(h.run(&["TYPE", "a"]), Frame::Simple("string".into()));
    // The copy is independent of the source.
    h.run(&["SELECT", "0"]);
    h.run(&["DEL", "a"]);
    h.run(&["SELECT", "3"]);
    assert_eq!(h.run(&["EXISTS", "a"]), int(1));
}

#[test]
fn copy_signals_destination_only() {
    let mut h = Harness::at(NOW);
    put(&mut h, "l", list(&["x"]));
    assert!(!invalidates_watch(&mut h, 0, "l", &["COPY", "l", "m"]));
    assert!(invalidates_watch(&mut h, 0, "n", &["COPY", "l", "n"]));
    assert!(invalidates_watch(
        &mut h,
        2,
        "l",
        &["COPY", "l", "l", "DB", "2"]
    ));
    assert!(!invalidates_watch(&mut h, 0, "n", &["COPY", "l", "n"]));
    assert_eq!(
        ready_after(&mut h, &["COPY", "l", "n", "REPLACE"]),
        vec![(0, b"n".to_vec())]
    );
}

#[test]
fn move_between_databases() {
    let mut h = Harness::at(NOW);
    put_expiring(&mut h, "a", "1", NOW + 9000);
    assert_eq!(
        h.run(&["MOVE", "a", "0"]),
        err("ERR source and destination objects are the same")
    );
    assert_eq!(
        h.run(&["MOVE", "nope", "0"]),
        err("ERR source and destination objects are the same")
    );
    assert_eq!(
        h.run(&["MOVE", "a", "x"]),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(
        h.run(&["MOVE", "a", "16"]),
        err("ERR DB index is out of range")
    );
    assert_eq!(h.run(&["MOVE", "nope", "1"]), int(0));
    assert!(invalidates_watch(&mut h, 1, "a", &["MOVE", "a", "1"]));
    assert_eq!(h.run(&["EXISTS", "a"]), int(0));
    h.run(&["SELECT", "1"]);
    assert_eq!(h.run(&["PTTL", "a"]), int(9000));
    h.run(&["SELECT", "0"]);
    put_str(&mut h, "a", "again");
    assert_eq!(h.run(&["MOVE", "a", "1"]), int(0), "target exists");
    assert!(invalidates_watch(&mut h, 0, "a", &["MOVE", "a", "2"]));
    put(&mut h, "l", list(&["x"]));
    assert_eq!(
        ready_after(&mut h, &["MOVE", "l", "5"]),
        vec![(5, b"l".to_vec())]
    );
}

#[test]
fn keys_patterns() {
    let mut h = Harness::at(NOW);
    for k in ["hello", "hallo", "hxllo", "world", "h*llo"] {
        put_str(&mut h, k, "v");
    }
    let keys = |h: &mut Harness, p: &str| sorted(h.run(&["KEYS", p]));
    assert_eq!(
        keys(&mut h, "*"),
        bulks(&["h*llo", "hallo", "hello", "hxllo", "world"])
    );
    assert_eq!(keys(&mut h, "h[ae]llo"), bulks(&["hallo", "hello"]));
    assert_eq!(keys(&mut h, "h\\*llo"), bulks(&["h*llo"]));
    assert_eq!(keys(&mut h, "w?rld"), bulks(&["world"]));
    assert_eq!(keys(&mut h, "nothing"), bulks(&[]));
}

#[test]
fn scan_options_and_errors() {
    let mut h = Harness::at(NOW);
    put_str(&mut h, "s1", "v");
    put_str(&mut h, "s2", "v");
    put(&mut h, "l1", list(&["x"]));
    let all = |h: &mut Harness, extra: &[&str]| {
        let mut cmd = vec!["SCAN", "0", "COUNT", "1000"];
        cmd.extend_from_slice(extra);
        match h.run(&cmd) {
            Frame::Array(mut parts) => {
                assert_eq!(parts[0], bulk("0"));
                sorted(parts.remove(1))
            }
            other => other,
        }
    };
    assert_eq!(all(&mut h, &[]), bulks(&["l1", "s1", "s2"]));
    assert_eq!(all(&mut h, &["MATCH", "s*"]), bulks(&["s1", "s2"]));
    assert_eq!(all(&mut h, &["TYPE", "LIST"]), bulks(&["l1"]));
    assert_eq!(all(&mut h, &["TYPE", "nosuchtype"]), bulks(&[]));
    assert_eq!(
        all(&mut h, &["MATCH", "x", "MATCH", "*1"]),
        bulks(&["l1", "s1"])
    );
    assert_eq!(
        all(&mut h, &["TYPE", "string", "MATCH", "*1"]),
        bulks(&["s1"])
    );
    assert_eq!(all(&mut h, &["COUNT", "0"]), err("ERR syntax error"));
    assert_eq!(all(&mut h, &["COUNT", "-1"]), err("ERR syntax error"));
    assert_eq!(
        all(&mut h, &["COUNT", "x"]),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(all(&mut h, &["COUNT"]), err("ERR syntax error"));
    assert_eq!(all(&mut h, &["FOO", "bar"]), err("ERR syntax error"));
    // Huge counts cost nothing more than a full scan.
    assert_eq!(
        all(&mut h, &["COUNT", "9223372036854775807"]),
        bulks(&["l1", "s1", "s2"])
    );
    for bad in [
        " 1",
        "1 ",
        "x",
        "-",
        "+",
        "0x1",
        "18446744073709551616",
        "1.5",
    ] {
        assert_eq!(
            h.run(&["SCAN", bad]),
            err("ERR invalid cursor"),
            "cursor {bad:?}"
        );
    }
    for good in ["", "+0", "-0", "-1", "18446744073709551615", "99"] {
        assert!(
            matches!(h.run(&["SCAN", good]), Frame::Array(_)),
            "cursor {good:?}"
        );
    }
}

#[test]
fn scan_walks_in_small_steps() {
    let mut h = Harness::at(NOW);
    for i in 0..25 {
        put_str(&mut h, &format!("k{i}"), "v");
    }
    let mut cursor = "0".to_string();
    let mut seen = Vec::new();
    let mut calls = 0;
    loop {
        let Frame::Array(parts) = h.run(&["SCAN", &cursor, "COUNT", "4"]) else {
            panic!("bad reply")
        };
        let (Frame::Bulk(next), Frame::Array(keys)) = (&parts[0], &parts[1]) else {
            panic!("bad reply")
        };
        assert!(keys.len() <= 4);
        seen.extend(keys.iter().cloned());
        calls += 1;
        cursor = String::from_utf8(next.to_vec()).unwrap();
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(calls, 7);
    seen.sort_by_key(|f| format!("{f:?}"));
    seen.dedup();
    assert_eq!(seen.len(), 25);
}

proptest! {
    /// SCAN returns every key that exists for the whole iteration, however
    /// keys are added and removed between calls (including through
    /// expiry), and never returns a key twice unless it was re-added.
    #[test]
    fn scan_cursor_is_stable_under_changes(
        initial in 1usize..80,
        steps in proptest::collection::vec((0u8..4, 0usize..120, 1usize..12), 1..40),
    ) {
        let mut h = Harness::at(NOW);
        for i in 0..initial {
            put_str(&mut h, &format!("k{i}"), "v");
        }
        let mut touched = std::collections::HashSet::new();
        let mut seen: std::collections::HashSet<Bytes> = std::collections::HashSet::new();
        let mut cursor = "0".to_string();
        let mut steps = steps.into_iter();
        loop {
            let count = steps.as_slice().first().map_or(10, |s| s.2).to_string();
            let Frame::Array(parts) = h.run(&["SCAN", &cursor, "COUNT", &count]) else {
                panic!("bad reply")
            };
            if let Frame::Array(keys) = &parts[1] {
                for k in keys {
                    if let Frame::Bulk(k) = k {
                        seen.insert(k.clone());
                    }
                }
            }
            let Frame::Bulk(next) = &parts[0] else { panic!("bad cursor") };
            cursor = String::from_utf8(next.to_vec()).unwrap();
            if cursor == "0" {
                break;
            }
            if let Some((kind, k, _)) = steps.next() {
                let key = format!("k{k}");
                match kind {
                    0 => { put_str(&mut h, &key, "v"); }
                    1 => { h.run(&["DEL", &key]); }
                    2 => { h.run(&["PEXPIRE", &key, "0"]); }
                    _ => {}
                }
                if kind < 3 {
                    touched.insert(key);
                }
            }
        }
        for i in 0..initial {
            let key = format!("k{i}");
            if !touched.contains(&key) {
                prop_assert!(seen.contains(key.as_bytes()), "{} missed", key);
            }
        }
    }
}

#[test]
fn dbsize_and_flushes() {
    let mut h = Harness::at(NOW);
    put_str(&mut h, "a", "1");
    put_str(&mut h, "b", "1");
    h.run(&["SELECT", "1"]);
    put_str(&mut h, "c", "1");
    assert_eq!(h.run(&["DBSIZE"]), int(1));
    assert_eq!(h.run(&["FLUSHDB", "x"]), err("ERR syntax error"));
    assert_eq!(
        h.run(&["FLUSHDB", "SYNC", "ASYNC"]),
        err("ERR syntax error")
    );
    assert!(invalidates_watch(&mut h, 1, "c", &["FLUSHDB", "ASYNC"]));
    assert_eq!(h.run(&["DBSIZE"]), int(0));
    h.run(&["SELECT", "0"]);
    assert_eq!(h.run(&["DBSIZE"]), int(2));
    assert!(!invalidates_watch(&mut h, 0, "nope", &["FLUSHALL"]));
    assert_eq!(h.run(&["DBSIZE"]), int(0));
    put_str(&mut h, "a", "1");
    assert!(invalidates_watch(&mut h, 0, "a", &["FLUSHALL", "sync"]));
    assert_eq!(h.run(&["FLUSHALL", "x"]), err("ERR syntax error"));
    assert_eq!(h.run(&["FLUSHALL", "async"]), ok());
}

#[test]
fn swapdb() {
    let mut h = Harness::at(NOW);
    put_str(&mut h, "a", "0");
    put(&mut h, "l", list(&["x"]));
    h.run(&["SELECT", "1"]);
    put_str(&mut h, "b", "1");
    assert_eq!(
        h.run(&["SWAPDB", "x", "16"]),
        err("ERR invalid first DB index")
    );
    assert_eq!(
        h.run(&["SWAPDB", "16", "x"]),
        err("ERR invalid second DB index")
    );
    assert_eq!(
        h.run(&["SWAPDB", "2147483648", "0"]),
        err("ERR invalid first DB index")
    );
    assert_eq!(
        h.run(&["SWAPDB", "0", "16"]),
        err("ERR DB index is out of range")
    );
    assert_eq!(
        h.run(&["SWAPDB", "-1", "0"]),
        err("ERR DB index is out of range")
    );
    assert_eq!(h.run(&["SWAPDB", "1", "1"]), ok());
    assert!(invalidates_watch(&mut h, 1, "a", &["SWAPDB", "0", "1"]));
    assert_eq!(sorted(h.run(&["KEYS", "*"])), bulks(&["a", "l"]));
    assert_eq!(
        ready_after(&mut h, &["SWAPDB", "0", "1"]),
        vec![(0, b"l".to_vec())]
    );
    assert_eq!(h.run(&["KEYS", "*"]), bulks(&["b"]));
}

#[test]
fn object_subcommands() {
    let mut h = Harness::at(NOW);
    put_str(&mut h, "int", "123");
    put_str(&mut h, "big", "10000");
    put_str(&mut h, "neg", "-1");
    put_str(&mut h, "emb", "hello");
    put_str(&mut h, "raw", &"x".repeat(45));
    put(&mut h, "l", list(&["x"]));
    let enc = |h: &mut Harness, k: &str| h.run(&["OBJECT", "ENCODING", k]);
    assert_eq!(enc(&mut h, "int"), bulk("int"));
    assert_eq!(enc(&mut h, "emb"), bulk("embstr"));
    assert_eq!(enc(&mut h, "raw"), bulk("raw"));
    assert_eq!(enc(&mut h, "l"), bulk("quicklist"));
    assert_eq!(enc(&mut h, "nope"), Frame::Null);
    assert_eq!(h.run3(&["OBJECT", "ENCODING", "nope"]), Frame::Null);
    assert_eq!(h.run(&["OBJECT", "REFCOUNT", "int"]), int(2147483647));
    assert_eq!(h.run(&["OBJECT", "REFCOUNT", "big"]), int(1));
    assert_eq!(h.run(&["OBJECT", "REFCOUNT", "neg"]), int(1));
    assert_eq!(h.run(&["OBJECT", "REFCOUNT", "emb"]), int(1));
    assert_eq!(h.run(&["OBJECT", "REFCOUNT", "nope"]), Frame::Null);
    assert_eq!(h.run(&["OBJECT", "IDLETIME", "emb"]), int(0));
    assert_eq!(h.run(&["OBJECT", "IDLETIME", "nope"]), Frame::Null);
    assert_eq!(h.run(&["OBJECT", "FREQ", "nope"]), Frame::Null);
    assert!(
        matches!(h.run(&["OBJECT", "FREQ", "emb"]), Frame::Error(e) if e.starts_with("ERR An LFU maxmemory policy is not selected"))
    );
    let Frame::Array(help) = h.run(&["object", "help"]) else {
        panic!()
    };
    assert_eq!(help.len(), 15);
    assert!(help.iter().all(|l| matches!(l, Frame::Simple(_))));
    assert_eq!(
        h.run(&["OBJECT"]),
        err("ERR wrong number of arguments for 'object' command")
    );
    assert_eq!(
        h.run(&["OBJECT", "ENCODING"]),
        err("ERR wrong number of arguments for 'object|encoding' command")
    );
    assert_eq!(
        h.run(&["OBJECT", "HELP", "x"]),
        err("ERR wrong number of arguments for 'object|help' command")
    );
    assert_eq!(
        h.run(&["OBJECT", "FOO", "x"]),
        err("ERR unknown subcommand 'FOO'. Try OBJECT HELP.")
    );
}

fn restore(h: &mut Harness, key: &str, ttl: &str, payload: &Bytes, extra: &[&str]) -> Frame {
    let mut cmd = args(&["RESTORE", key, ttl]);
    cmd.push(payload.clone());
    cmd.extend(args(extra));
    h.run_bytes(&cmd, false)
}

/// Writes reclaim the expired keys they meet, where Redis would delete
/// them on lookup; reads leave them to active expiry.
#[test]
fn writes_reclaim_expired_keys_they_meet() {
    let cases: &[&[&str]] = &[
        &["RENAME", "old", "x"],
        &["RENAMENX", "live", "old"],
        &["COPY", "old", "x"],
        &["COPY", "live", "old"],
        &["MOVE", "old", "1"],
        &["PERSIST", "old"],
        &["EXPIRE", "old", "10"],
        &["DEL", "old"],
    ];
    for cmd in cases {
        let mut h = Harness::at(NOW);
        put_str(&mut h, "live", "v");
        put_expiring(&mut h, "old", "v", NOW + 1);
        h.clock = Some(NOW + 1);
        h.run(&["EXISTS", "old"]);
        h.run(&["TYPE", "old"]);
        assert_eq!(h.ks.db(0).len(), 2, "reads do not reclaim");
        h.run(cmd);
        assert!(
            h.ks.db(0).iter().all(|(k, _)| k != b"old") || h.run(&["EXISTS", "old"]) == int(1),
            "{cmd:?} left the expired key behind"
        );
    }
    let mut h = Harness::at(NOW);
    put_expiring(&mut h, "old", "v", NOW + 1);
    h.clock = Some(NOW + 1);
    let payload = Bytes::from(dump::encode(&Value::Int(1)));
    assert_eq!(restore(&mut h, "old", "0", &payload, &[]), ok());
    assert_eq!(h.run(&["TTL", "old"]), int(-1));
}
