use std::collections::BTreeMap;

use super::*;

/// A side answering from a function (the command as text → reply).
struct Fake<F: FnMut(&str) -> Frame>(F);

impl<F: FnMut(&str) -> Frame> Side for Fake<F> {
    fn call(&mut self, cmd: &[Bytes]) -> Frame {
        let text: Vec<String> = cmd
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        (self.0)(&text.join(" "))
    }
}

fn cmd(parts: &str) -> Vec<Bytes> {
    parts
        .split(' ')
        .map(|p| Bytes::copy_from_slice(p.as_bytes()))
        .collect()
}

fn b(s: &str) -> Frame {
    Frame::Bulk(Bytes::copy_from_slice(s.as_bytes()))
}

fn arr(items: &[&str]) -> Frame {
    Frame::Array(items.iter().map(|s| b(s)).collect())
}

fn int(n: i64) -> Frame {
    Frame::Integer(n)
}

/// Judges replies with sides that must not be asked anything.
fn agree(c: &str, ours: Frame, theirs: Frame) -> bool {
    let mut none = Fake(|c: &str| panic!("unexpected {c}"));
    let mut none2 = Fake(|c: &str| panic!("unexpected {c}"));
    judge(&cmd(c), &ours, &theirs, &mut none, &mut none2, false).is_ok()
}

/// Judges replies; both sides answer follow-up commands with `answer`.
fn agree_with(
    c: &str,
    ours: Frame,
    theirs: Frame,
    answer: fn(&str) -> Frame,
) -> Result<(), String> {
    judge(
        &cmd(c),
        &ours,
        &theirs,
        &mut Fake(answer),
        &mut Fake(answer),
        false,
    )
}

#[test]
fn exact_and_errors() {
    assert!(!agree(
        "TYPE k",
        Frame::Simple("a".into()),
        Frame::Simple("b".into())
    ));
    assert!(!agree("GET k", Frame::Null, Frame::Error("ERR x".into())));
    assert!(!agree("KEYS *", Frame::Error("ERR x".into()), arr(&[])));
    assert!(!agree("EXISTS k", int(1), int(0)));
    assert!(!agree("GET k", Frame::Null, Frame::NullArray));
    // Encoded comparison: -0 and 0 are different doubles on the wire.
    assert!(!agree(
        "ZSCORE z m",
        Frame::Double(-0.0),
        Frame::Double(0.0)
    ));
    assert!(agree("ZSCORE z m", Frame::Double(1.5), Frame::Double(1.5)));
}

#[test]
fn unordered_replies() {
    assert!(agree("KEYS *", arr(&["a", "b"]), arr(&["b", "a"])));
    assert!(!agree("KEYS *", arr(&["a"]), arr(&["b", "a"])));
    assert!(!agree("KEYS *", arr(&["a", "a"]), arr(&["a"])));
    assert!(agree("SINTER a b", arr(&["x", "y"]), arr(&["y", "x"])));
    let set = |items: &[&str]| Frame::Set(items.iter().map(|s| b(s)).collect());
    assert!(agree("SUNION a b", set(&["x", "y"]), set(&["y", "x"])));
    assert!(!agree("SUNION a b", set(&["x", "y"]), arr(&["y", "x"])));
    assert!(agree(
        "PUBSUB CHANNELS",
        arr(&["c1", "c2"]),
        arr(&["c2", "c1"])
    ));
    assert!(agree(
        "CONFIG GET *",
        arr(&["a", "1", "b", "2"]),
        arr(&["b", "2", "a", "1"])
    ));
    assert!(!agree(
        "CONFIG GET *",
        arr(&["a", "2", "b", "1"]),
        arr(&["b", "2", "a", "1"])
    ));
}

#[test]
fn order_depends_on_the_encoding() {
    let table = |_: &str| b("hashtable");
    let packed = |_: &str| b("listpack");
    let ours = arr(&["f", "1", "g", "2"]);
    let theirs = arr(&["g", "2", "f", "1"]);
    assert!(agree_with("HGETALL h", ours.clone(), theirs.clone(), table).is_ok());
    assert!(agree_with("HGETALL h", ours.clone(), theirs.clone(), packed).is_err());
    assert!(agree_with("HGETALL h", ours.clone(), ours.clone(), packed).is_ok());
    let bad = arr(&["g", "1", "f", "2"]);
    assert!(agree_with("HGETALL h", ours, bad, table).is_err());
    let map = |p: &[(&str, &str)]| Frame::Map(p.iter().map(|(k, v)| (b(k), b(v))).collect());
    assert!(agree_with(
        "HGETALL h",
        map(&[("f", "1"), ("g", "2")]),
        map(&[("g", "2"), ("f", "1")]),
        table
    )
    .is_ok());
    assert!(agree_with("HKEYS h", arr(&["f", "g"]), arr(&["g", "f"]), table).is_ok());
    assert!(agree_with("HVALS h", arr(&["1", "2"]), arr(&["2", "1"]), packed).is_err());
    let intset = |_: &str| b("intset");
    assert!(agree_with("SMEMBERS s", arr(&["1", "2"]), arr(&["2", "1"]), intset).is_err());
    assert!(agree_with("SMEMBERS s", arr(&["1", "a"]), arr(&["a", "1"]), table).is_ok());
}

#[test]
fn tolerances_and_shapes() {
    assert!(agree("TTL k", int(99), int(100)));
    assert!(!agree("TTL k", int(98), int(100)));
    assert!(!agree("TTL k", int(0), int(-1)));
    assert!(!agree("TTL k", int(-2), int(-1)));
    assert!(agree("PTTL k", int(99_000), int(100_000)));
    assert!(!agree("PTTL k", int(97_000), int(100_000)));
    assert!(agree(
        "EXPIRETIME k",
        int(4_000_000_001),
        int(4_000_000_000)
    ));
    assert!(agree("OBJECT IDLETIME k", int(2), int(0)));
    assert!(!agree("OBJECT IDLETIME k", int(3), int(0)));
    assert!(!agree("OBJECT FREQ k", int(1), int(0)));
    assert!(agree("DUMP k", b("payload"), b("other")));
    assert!(agree("DUMP k", Frame::Null, Frame::Null));
    assert!(!agree("DUMP k", b("payload"), Frame::Null));
    assert!(agree("TIME", arr(&["1", "2"]), arr(&["3", "4"])));
    assert!(agree("OBJECT ENCODING k", b("embstr"), b("raw")));
    assert!(!agree("OBJECT ENCODING k", b("raw"), b("embstr")));
    assert!(!agree("OBJECT ENCODING k", b("embstr"), b("int")));
    assert!(!agree("TIME", arr(&["1"]), arr(&["3", "4"])));
}

#[test]
fn random_keys_must_exist_on_the_other_side() {
    let exists = |c: &str| int(i64::from(c == "EXISTS a" || c == "EXISTS b"));
    assert!(agree_with("RANDOMKEY", b("a"), b("b"), exists).is_ok());
    assert!(agree_with("RANDOMKEY", b("a"), b("zz"), exists).is_err());
    assert!(agree_with("RANDOMKEY", b("a"), Frame::Null, exists).is_err());
    assert!(agree("RANDOMKEY", Frame::Null, Frame::Null));
}

#[test]
fn scan_pages_and_iterations() {
    let page = |cursor: &str, items: &[&str]| Frame::Array(vec![b(cursor), arr(items)]);
    assert!(agree(
        "SCAN 0",
        page("0", &["a", "b"]),
        page("0", &["b", "a"])
    ));
    assert!(!agree("SCAN 0", page("0", &["a"]), page("0", &["b", "a"])));
    // Other cursors: whole iterations decide.
    let keel_pages = |c: &str| match c {
        "SCAN 0" => Frame::Array(vec![b("3"), arr(&["a"])]),
        "SCAN 3" => Frame::Array(vec![b("0"), arr(&["b"])]),
        other => panic!("{other}"),
    };
    let redis_pages = |c: &str| match c {
        "SCAN 0" => Frame::Array(vec![b("0"), arr(&["b", "a"])]),
        other => panic!("{other}"),
    };
    let run = |redis: fn(&str) -> Frame| {
        judge(
            &cmd("SCAN 0"),
            &page("3", &["a"]),
            &page("0", &["b", "a"]),
            &mut Fake(keel_pages),
            &mut Fake(redis),
            false,
        )
    };
    assert!(run(redis_pages).is_ok());
    let fewer = |c: &str| match c {
        "SCAN 0" => Frame::Array(vec![b("0"), arr(&["a"])]),
        other => panic!("{other}"),
    };
    assert!(run(fewer).is_err());
    // A listpack collection is returned in order.
    let pairs = |cursor: &str, items: &[&str]| Frame::Array(vec![b(cursor), arr(items)]);
    let packed = |_: &str| b("listpack");
    let table = |_: &str| b("hashtable");
    let (x, y) = (
        pairs("0", &["f", "1", "g", "2"]),
        pairs("0", &["g", "2", "f", "1"]),
    );
    assert!(agree_with("HSCAN h 0", x.clone(), y.clone(), packed).is_err());
    assert!(agree_with("HSCAN h 0", x.clone(), y, table).is_ok());
    let z = pairs("0", &["g", "1", "f", "2"]);
    assert!(agree_with("HSCAN h 0", x, z, table).is_err());
}

#[test]
fn random_picks() {
    let content: BTreeMap<Vec<u8>, Frame> = [("a", "1"), ("b", "2"), ("c", "3")]
        .iter()
        .map(|(k, v)| (k.as_bytes().to_vec(), b(v)))
        .collect();
    let check = |reply: Frame, count, with_values, resp3| {
        check_random_reply(&reply, &content, count, with_values, resp3)
    };
    assert!(check(b("a"), None, false, false).is_ok());
    assert!(check(b("z"), None, false, false).is_err());
    assert!(check(arr(&["a", "b"]), Some(2), false, false).is_ok());
    assert!(check(arr(&["a", "a"]), Some(2), false, false).is_err());
    assert!(check(arr(&["a", "a", "a", "a"]), Some(-4), false, false).is_ok());
    assert!(check(arr(&["a", "b", "c"]), Some(10), false, false).is_ok());
    assert!(check(arr(&["a", "b"]), Some(10), false, false).is_err());
    assert!(check(arr(&["a", "1", "b", "2"]), Some(2), true, false).is_ok());
    assert!(check(arr(&["a", "2", "b", "1"]), Some(2), true, false).is_err());
    let pair = |k: &str, v: &str| arr(&[k, v]);
    let resp3 = Frame::Array(vec![pair("a", "1"), pair("a", "1")]);
    assert!(check(resp3, Some(-2), true, true).is_ok());
    // Both replies are checked against the collection in Redis.
    let hgetall = |c: &str| match c {
        "HGETALL h" => arr(&["a", "1", "b", "2"]),
        other => panic!("{other}"),
    };
    assert!(agree_with(
        "HRANDFIELD h 2",
        arr(&["a", "b"]),
        arr(&["b", "a"]),
        hgetall
    )
    .is_ok());
    assert!(agree_with(
        "HRANDFIELD h 2",
        arr(&["a", "c"]),
        arr(&["b", "a"]),
        hgetall
    )
    .is_err());
    assert!(agree_with("HRANDFIELD h 2", arr(&["a", "b"]), arr(&["b"]), hgetall).is_err());
    assert!(agree("HRANDFIELD h 2", arr(&[]), arr(&[])));
    assert!(!agree("HRANDFIELD h 2", arr(&["a"]), arr(&[])));
}

#[test]
fn spop_brings_redis_to_keels_state() {
    use std::cell::RefCell;
    thread_local!(static LOG: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) });
    let redis = |c: &str| {
        LOG.with(|l| l.borrow_mut().push(c.to_string()));
        match c {
            "SMEMBERS s" => arr(&["1", "2", "3"]),
            "SADD s 9" => int(1),
            "SREM s 1" => int(1),
            other => panic!("{other}"),
        }
    };
    assert!(agree_with("SPOP s", b("1"), b("9"), redis).is_ok());
    LOG.with(|l| assert_eq!(*l.borrow(), ["SMEMBERS s", "SADD s 9", "SREM s 1"]));
    // Keel popped a member the set never had.
    assert!(agree_with("SPOP s", b("7"), b("9"), redis).is_err());
    // The same pops need nothing more.
    assert!(agree("SPOP s 2", arr(&["a", "b"]), arr(&["b", "a"])));
    assert!(!agree("SPOP s 2", arr(&["a", "a"]), arr(&["a", "a"])));
    assert!(!agree("SPOP s 2", arr(&["a"]), arr(&["b", "a"])));
    assert!(agree("SPOP s", Frame::Null, Frame::Null));
    assert!(!agree("SPOP s", Frame::Null, b("a")));
}

#[test]
fn dump_arguments_are_substituted_per_side() {
    let mut side = Fake(|c: &str| match c {
        "DUMP k" => b("payload"),
        _ => Frame::Null,
    });
    let out = substitute(&cmd("RESTORE k2 0 $DUMP:k $DUMP:nope"), &mut side);
    assert_eq!(out, cmd("RESTORE k2 0 payload "));
}

#[test]
fn expired_keys_redis_has_not_reclaimed() {
    // DBSIZE: both may count expired keys; live keys (a SCAN) decide.
    let one_live = |c: &str| match c {
        "SCAN 0 COUNT 1000" => Frame::Array(vec![b("0"), arr(&["k"])]),
        other => panic!("{other}"),
    };
    assert!(agree_with("DBSIZE", int(1), int(2), one_live).is_ok());
    assert!(agree_with("DBSIZE", int(3), int(2), one_live).is_ok());
    assert!(agree_with("DBSIZE", int(0), int(2), one_live).is_err());
    let keel_pages = |c: &str| match c {
        "SCAN 0 COUNT 1000" => Frame::Array(vec![b("0"), arr(&["k", "l"])]),
        other => panic!("{other}"),
    };
    let run = judge(
        &cmd("DBSIZE"),
        &int(2),
        &int(1),
        &mut Fake(keel_pages),
        &mut Fake(one_live),
        false,
    );
    assert!(run.is_err());
    // SCAN TYPE none: Redis lists expired keys, which are gone after.
    let page = |items: &[&str]| Frame::Array(vec![b("0"), arr(items)]);
    let gone = |c: &str| match c {
        "EXISTS k4" => int(0),
        other => panic!("{other}"),
    };
    let scan = "SCAN 0 COUNT 1000 TYPE none";
    assert!(agree_with(scan, page(&[]), page(&["k4"]), gone).is_ok());
    assert!(agree_with(scan, page(&["k4"]), page(&["k4"]), gone).is_ok());
    assert!(agree_with(scan, page(&["k4"]), page(&[]), gone).is_err());
    let there = |c: &str| match c {
        "EXISTS k4" => int(1),
        other => panic!("{other}"),
    };
    assert!(agree_with(scan, page(&[]), page(&["k4"]), there).is_err());
}
