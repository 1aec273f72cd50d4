//! Unit tests of the sorted set commands (no Redis needed).

use bytes::Bytes;
use resp::{Frame, Reply};

use crate::testing::Harness;
use crate::types::SortedSet;
use crate::{table, Blob, BlockRequest, Op, TimeoutReply, Value};

fn args(cmd: &[&str]) -> Vec<Bytes> {
    cmd.iter()
        .map(|a| Bytes::copy_from_slice(a.as_bytes()))
        .collect()
}

fn bulk(s: &str) -> Frame {
    Frame::bulk(s.as_bytes().to_vec())
}

fn err(f: Frame) -> String {
    match f {
        Frame::Error(e) => e,
        other => panic!("expected an error, got {other:?}"),
    }
}

fn zset<'a>(h: &'a Harness, key: &str) -> Option<&'a SortedSet> {
    let now = h.now_ms();
    match h.ks.db(0).get(key.as_bytes(), now) {
        Some(Value::SortedSet(z)) => Some(z),
        _ => None,
    }
}

/// Applies a write command directly, returning the block request if any.
fn apply(h: &mut Harness, cmd: &[&str]) -> (Option<BlockRequest>, Vec<u8>) {
    let mut out = Reply::new(false);
    let op = Op::Command {
        db: 0,
        resp3: false,
        args: args(cmd),
    };
    let outcome = h.ks.apply(&op, h.now_ms(), 1, &mut out);
    (outcome.blocked, out.take())
}

#[test]
fn blocking_pops_block_only_when_nothing_is_there() {
    let mut h = Harness::at(1_000);
    let (blocked, out) = apply(&mut h, &["BZPOPMIN", "a", "b", "1.5"]);
    assert!(out.is_empty(), "a blocked command writes nothing");
    assert_eq!(
        blocked,
        Some(BlockRequest {
            keys: vec![(0, Blob::from_slice(b"a")), (0, Blob::from_slice(b"b"))],
            timeout_ms: 1500,
            timeout_reply: TimeoutReply::NullArray,
        })
    );
    let (blocked, _) = apply(&mut h, &["BZMPOP", "0", "2", "x", "y", "MAX", "COUNT", "3"]);
    assert_eq!(
        blocked,
        Some(BlockRequest {
            keys: vec![(0, Blob::from_slice(b"x")), (0, Blob::from_slice(b"y"))],
            timeout_ms: 0,
            timeout_reply: TimeoutReply::NullArray,
        })
    );
    assert_eq!(
        h.run(&["BZPOPMAX", "a", "0"]),
        Frame::Simple("BLOCKED".into())
    );
    // Argument errors come first and never block.
    assert_eq!(
        err(h.run(&["BZPOPMIN", "a", "x"])),
        "ERR timeout is not a float or out of range"
    );
    assert_eq!(
        err(h.run(&["BZMPOP", "0", "0", "a", "MIN"])),
        "ERR numkeys should be greater than 0"
    );
    // Data present: no blocking.
    h.run(&["ZADD", "b", "1", "m"]);
    assert_eq!(
        h.run(&["BZPOPMIN", "a", "b", "0"]),
        Frame::Array(vec![bulk("b"), bulk("m"), bulk("1")])
    );
    assert!(zset(&h, "b").is_none(), "emptied key is removed");
    // Wrong type: error, no blocking.
    h.ks.db_mut(0).insert(b"s", Value::string(b"x"));
    assert!(err(h.run(&["BZPOPMIN", "s", "0"])).starts_with("WRONGTYPE"));
}

#[test]
fn ready_is_signalled_for_additions_and_stores() {
    let mut h = Harness::new();
    h.ks.set_ready_tracking(true);
    let ready = |h: &mut Harness| -> Vec<Vec<u8>> {
        h.ks.take_ready()
            .into_iter()
            .map(|(_, k)| k.to_vec())
            .collect()
    };
    h.run(&["ZADD", "z", "1", "a"]);
    assert_eq!(ready(&mut h), vec![b"z".to_vec()]);
    h.run(&["ZADD", "z", "2", "a"]);
    assert!(ready(&mut h).is_empty(), "an update adds nothing");
    h.run(&["ZINCRBY", "z", "1", "b"]);
    assert_eq!(ready(&mut h), vec![b"z".to_vec()]);
    h.run(&["ZADD", "z", "XX", "1", "c"]);
    assert!(ready(&mut h).is_empty());
    h.run(&["ZRANGESTORE", "d", "z", "0", "-1"]);
    assert_eq!(ready(&mut h), vec![b"d".to_vec()]);
    h.run(&["ZUNIONSTORE", "u", "1", "z"]);
    assert_eq!(ready(&mut h), vec![b"u".to_vec()]);
    h.run(&["ZINTERSTORE", "i", "2", "z", "nokey"]);
    assert!(ready(&mut h).is_empty(), "an empty result creates nothing");
    h.run(&["ZREM", "z", "a"]);
    assert!(ready(&mut h).is_empty());
}

/// WATCH a key, run `cmd`, and report whether the watch fired.
fn modifies(h: &mut Harness, key: &str, cmd: &[&str]) -> bool {
    let mut out = Reply::new(false);
    let now = h.now_ms();
    h.ks.apply(
        &Op::Watch {
            session: 9,
            keys: vec![(0, Bytes::copy_from_slice(key.as_bytes()))],
        },
        now,
        1,
        &mut out,
    );
    h.run(cmd);
    let outcome = h.ks.apply(
        &Op::Transaction {
            session: 9,
            resp3: false,
            commands: vec![(0, args(&["ZCARD", key]))],
        },
        now,
        1,
        &mut out,
    );
    outcome.transaction.is_none()
}

#[test]
fn modified_only_on_real_changes() {
    let mut h = Harness::new();
    h.run(&["ZADD", "z", "1", "a", "2", "b", "3", "c"]);
    assert!(modifies(&mut h, "z", &["ZADD", "z", "5", "d"]));
    assert!(modifies(&mut h, "z", &["ZADD", "z", "6", "d"]));
    assert!(!modifies(&mut h, "z", &["ZADD", "z", "6", "d"]));
    assert!(!modifies(&mut h, "z", &["ZADD", "z", "NX", "7", "d"]));
    assert!(!modifies(&mut h, "z", &["ZADD", "z", "GT", "1", "d"]));
    assert!(!modifies(&mut h, "z", &["ZINCRBY", "z", "0", "d"]));
    assert!(modifies(&mut h, "z", &["ZINCRBY", "z", "1", "d"]));
    assert!(!modifies(&mut h, "z", &["ZREM", "z", "nope"]));
    assert!(modifies(&mut h, "z", &["ZREM", "z", "d"]));
    assert!(!modifies(
        &mut h,
        "z",
        &["ZREMRANGEBYSCORE", "z", "10", "20"]
    ));
    assert!(modifies(&mut h, "z", &["ZREMRANGEBYRANK", "z", "0", "0"]));
    assert!(!modifies(&mut h, "z", &["ZPOPMIN", "z", "0"]));
    assert!(modifies(&mut h, "z", &["ZPOPMIN", "z"]));
    assert!(!modifies(&mut h, "z", &["ZRANGE", "z", "0", "-1"]));
    assert!(!modifies(
        &mut h,
        "nokey",
        &["ZRANGESTORE", "nokey", "z", "5", "6"]
    ));
    assert!(modifies(
        &mut h,
        "dst",
        &["ZRANGESTORE", "dst", "z", "0", "-1"]
    ));
    assert!(modifies(
        &mut h,
        "dst",
        &["ZINTERSTORE", "dst", "2", "z", "nokey"]
    ));
    assert!(!modifies(
        &mut h,
        "dst",
        &["ZINTERSTORE", "dst", "2", "z", "nokey"]
    ));
    assert!(modifies(
        &mut h,
        "z",
        &["ZMPOP", "1", "z", "MAX", "COUNT", "9"]
    ));
    assert!(zset(&h, "z").is_none());
}

#[test]
fn encodings_convert_once_and_stores_pick_the_smallest() {
    let mut h = Harness::new();
    for i in 0..128 {
        h.run(&["ZADD", "z", &i.to_string(), &format!("m{i}")]);
    }
    assert_eq!(zset(&h, "z").unwrap().encoding(), "listpack");
    h.run(&["ZADD", "z", "1", "one-more"]);
    assert_eq!(zset(&h, "z").unwrap().encoding(), "skiplist");
    h.run(&["ZREMRANGEBYRANK", "z", "0", "100"]);
    assert_eq!(zset(&h, "z").unwrap().encoding(), "skiplist", "never back");
    h.run(&["ZUNIONSTORE", "u", "1", "z"]);
    assert_eq!(zset(&h, "u").unwrap().encoding(), "listpack");
    h.run(&["ZADD", "long", "1", &"x".repeat(65)]);
    assert_eq!(zset(&h, "long").unwrap().encoding(), "skiplist");
    for h3 in [false, true] {
        let reply = if h3 {
            h.run3(&["ZRANGE", "u", "0", "0", "WITHSCORES"])
        } else {
            h.run(&["ZRANGE", "u", "0", "0", "WITHSCORES"])
        };
        assert!(matches!(reply, Frame::Array(_)));
    }
}

#[test]
fn wrong_types_and_expired_keys() {
    let mut h = Harness::at(10_000);
    h.ks.db_mut(0).insert(b"s", Value::string(b"x"));
    for cmd in [
        &["ZADD", "s", "1", "a"][..],
        &["ZCARD", "s"],
        &["ZRANGE", "s", "0", "-1"],
        &["ZUNION", "1", "s"],
        &["ZPOPMIN", "s"],
        &["ZSCAN", "s", "0"],
        &["ZRANDMEMBER", "s"],
        &["ZRANGESTORE", "d", "s", "0", "1"],
    ] {
        assert_eq!(
            err(h.run(cmd)),
            "WRONGTYPE Operation against a key holding the wrong kind of value",
            "{cmd:?}"
        );
    }
    // An expired zset is invisible and replaced on write.
    let mut z = SortedSet::new();
    z.insert(b"old", 1.0);
    h.ks.db_mut(0)
        .insert_with_expiry(b"e", Value::SortedSet(Box::new(z)), Some(5_000));
    assert_eq!(h.run(&["ZCARD", "e"]), Frame::Integer(0));
    assert_eq!(h.run(&["ZSCORE", "e", "old"]), Frame::Null);
    assert_eq!(h.run(&["ZADD", "e", "2", "new"]), Frame::Integer(1));
    assert_eq!(
        h.run(&["ZRANGE", "e", "0", "-1"]),
        Frame::Array(vec![bulk("new")])
    );
}

#[test]
fn zrandmember_is_deterministic_and_bounded() {
    let mut h = Harness::new();
    for i in 0..50 {
        h.run(&["ZADD", "z", &i.to_string(), &format!("m{i}")]);
    }
    // Same seed, same keyspace: same picks.
    let run = |seed: u64| {
        let h2 = &h;
        let mut ctx = crate::Ctx::new(0, h2.now_ms(), seed);
        let mut out = Reply::new(false);
        let a = args(&["ZRANDMEMBER", "z", "-20", "WITHSCORES"]);
        let spec = table::resolve(&a).unwrap();
        h2.ks.read(spec, &mut ctx, &a, &mut out);
        out.take()
    };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7), run(8));
    // Positive counts give distinct members; below and above a third of
    // the set (two sampling methods).
    for n in [5, 30, 49, 50, 60] {
        let Frame::Array(items) = h.run(&["ZRANDMEMBER", "z", &n.to_string()]) else {
            panic!()
        };
        let mut seen: Vec<_> = items.iter().map(|f| format!("{f:?}")).collect();
        assert_eq!(seen.len(), n.min(50));
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), n.min(50), "distinct members for count {n}");
    }
    // Every member is eventually picked.
    let mut seen = std::collections::HashSet::new();
    for _ in 0..40 {
        if let Frame::Array(items) = h.run(&["ZRANDMEMBER", "z", "-50"]) {
            seen.extend(items.into_iter().map(|f| format!("{f:?}")));
        }
    }
    assert_eq!(seen.len(), 50);
    // Huge counts: no giant allocation.
    assert_eq!(
        err(h.run(&["ZRANDMEMBER", "z", "-9223372036854775807"])),
        "ERR reply too large"
    );
    let Frame::Array(many) = h.run(&["ZRANDMEMBER", "z", "-100000"]) else {
        panic!()
    };
    assert_eq!(many.len(), 100_000);
    assert_eq!(
        err(h.run(&["ZRANDMEMBER", "z", "9223372036854775807", "WITHSCORES"])),
        "ERR value is out of range"
    );
    let Frame::Array(all) = h.run(&["ZRANDMEMBER", "z", "9223372036854775807"]) else {
        panic!()
    };
    assert_eq!(all.len(), 50, "a huge positive count returns the set once");
}

#[test]
fn huge_counts_and_limits_are_safe() {
    let mut h = Harness::new();
    h.run(&["ZADD", "z", "1", "a", "2", "b", "3", "c"]);
    let max = "9223372036854775807";
    let min = "-9223372036854775808";
    for cmd in [
        &["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "0", max][..],
        &["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", max, max],
        &["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", min, min],
        &["ZREVRANGEBYSCORE", "z", "+inf", "-inf", "LIMIT", max, "1"],
        &["ZRANGEBYLEX", "z", "-", "+", "LIMIT", max, max],
        &["ZREVRANGEBYLEX", "z", "+", "-", "LIMIT", max, max],
        &["ZRANGE", "z", min, max],
        &["ZRANGE", "z", max, min],
        &["ZREVRANGE", "z", min, max],
        &["ZRANDMEMBER", "z", max],
        &["ZSCAN", "z", "0", "COUNT", max],
        &["ZSCAN", "z", "18446744073709551615"],
        &["ZMPOP", max, "z", "MIN"],
        &["BZMPOP", "0", max, "z", "MIN"],
        &["ZUNION", max, "z"],
        &["ZINTERCARD", "1", "z", "LIMIT", max],
        &["ZREMRANGEBYRANK", "z", max, min],
    ] {
        let _ = h.run(cmd);
    }
    assert_eq!(
        h.run(&["ZPOPMIN", "z", max]),
        Frame::Array(vec![
            bulk("a"),
            bulk("1"),
            bulk("b"),
            bulk("2"),
            bulk("c"),
            bulk("3")
        ])
    );
}

#[test]
fn movable_keys() {
    let keys = |cmd: &[&str]| {
        table::resolve(&args(cmd))
            .unwrap()
            .key_positions(&args(cmd))
    };
    assert_eq!(
        keys(&["ZUNION", "2", "a", "b", "WITHSCORES"]),
        Ok(vec![2, 3])
    );
    assert_eq!(keys(&["ZINTERCARD", "1", "a", "LIMIT", "1"]), Ok(vec![2]));
    assert_eq!(
        keys(&["ZUNIONSTORE", "d", "2", "a", "b"]),
        Ok(vec![1, 3, 4])
    );
    assert_eq!(keys(&["ZDIFFSTORE", "d", "1", "a"]), Ok(vec![1, 3]));
    assert_eq!(keys(&["ZMPOP", "2", "a", "b", "MIN"]), Ok(vec![2, 3]));
    assert_eq!(keys(&["BZMPOP", "0", "2", "a", "b", "MIN"]), Ok(vec![3, 4]));
    assert_eq!(keys(&["ZRANGESTORE", "d", "s", "0", "1"]), Ok(vec![1, 2]));
    assert_eq!(keys(&["BZPOPMIN", "a", "b", "0"]), Ok(vec![1, 2]));
    for bad in [
        &["ZUNION", "0", "a"][..],
        &["ZUNION", "3", "a", "b"],
        &["ZUNIONSTORE", "d", "x", "a"],
        &["ZMPOP", "5", "a", "MIN"],
        &["BZMPOP", "0", "-1", "a", "MIN"],
    ] {
        assert!(keys(bad).is_err(), "{bad:?}");
    }
    let spec = table::lookup(b"zunionstore").unwrap();
    assert_eq!(spec.flag_names(), vec!["write", "denyoom", "movablekeys"]);
    assert_eq!((spec.first_key, spec.last_key, spec.step), (1, 1, 1));
    let spec = table::lookup(b"bzpopmin").unwrap();
    assert_eq!(
        spec.flag_names(),
        vec!["write", "noscript", "blocking", "fast"]
    );
}

#[test]
fn resp3_reply_shapes() {
    let mut h = Harness::new();
    h.run(&["ZADD", "z", "1", "a", "2.5", "b"]);
    assert_eq!(
        h.run3(&["ZRANGE", "z", "0", "-1", "WITHSCORES"]),
        Frame::Array(vec![
            Frame::Array(vec![bulk("a"), Frame::Double(1.0)]),
            Frame::Array(vec![bulk("b"), Frame::Double(2.5)]),
        ])
    );
    assert_eq!(h.run3(&["ZSCORE", "z", "b"]), Frame::Double(2.5));
    assert_eq!(h.run3(&["ZSCORE", "z", "x"]), Frame::Null);
    assert_eq!(
        h.run3(&["ZPOPMIN", "z"]),
        Frame::Array(vec![bulk("a"), Frame::Double(1.0)])
    );
    assert_eq!(
        h.run3(&["ZMPOP", "1", "z", "MIN"]),
        Frame::Array(vec![
            bulk("z"),
            Frame::Array(vec![Frame::Array(vec![bulk("b"), Frame::Double(2.5)])]),
        ])
    );
    assert_eq!(h.run3(&["ZMPOP", "1", "z", "MIN"]), Frame::Null);
    assert_eq!(h.run(&["ZMPOP", "1", "z", "MIN"]), Frame::NullArray);
}

/// A replica restored from a snapshot (values through the codec, skiplists
/// rebuilt with a different shape) keeps answering and changing exactly
/// like the original.
#[test]
fn replicas_agree_after_a_snapshot() {
    use crate::codec::{decode_value, encode_value};
    use testkit::gen::{zset as gen_zset, Gen};

    let next =
        |g: &mut Gen| -> Vec<Bytes> { gen_zset::command(g).into_iter().map(Bytes::from).collect() };
    for seed in 1..=8u64 {
        let mut a = Harness::at(1_000);
        let mut g = Gen::new(seed);
        for _ in 0..400 {
            a.run_bytes(&next(&mut g), false);
        }
        let mut b = Harness::at(1_000);
        for _ in 0..400 {
            b.run(&["ZCARD", "nokey"]);
        }
        let keys: Vec<(Vec<u8>, Value)> =
            a.ks.db(0)
                .iter()
                .map(|(k, e)| (k.to_vec(), decode_value(&encode_value(e.value())).unwrap()))
                .collect();
        for (k, v) in keys {
            b.ks.db_mut(0).insert(&k, v);
        }
        assert!(a.ks.db(0) == b.ks.db(0), "seed {seed}: snapshot differs");
        let mut g = Gen::new(seed + 1_000);
        for i in 0..400 {
            let cmd = next(&mut g);
            assert_eq!(
                a.run_bytes(&cmd, i % 2 == 0),
                b.run_bytes(&cmd, i % 2 == 0),
                "seed {seed}, command {i}: {cmd:?}"
            );
        }
        assert!(a.ks.db(0) == b.ks.db(0), "seed {seed}: states diverged");
    }
}
