//! Tests of the hash commands, and the differential-testing support shared
//! with the set commands.

use std::collections::BTreeSet;

use bytes::Bytes;
use resp::{Frame, Reply};
use testkit::gen::Gen;
use testkit::{Conn, RedisServer};

use super::*;
use crate::testing::{sorted, Harness};
use crate::Op;

// ---------------------------------------------------------------------------
// Support shared with the set tests.

/// How two replies are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    /// Byte for byte.
    Exact,
    /// Elements of an array or set in any order.
    Sorted,
    /// Field/value pairs (flat array or map) in any order.
    Pairs,
}

/// The comparison the hand-written sequences use for a command.
pub(crate) fn default_cmp(cmd: &[&str]) -> Cmp {
    match cmd[0].to_ascii_lowercase().as_str() {
        "hgetall" => Cmp::Pairs,
        "hkeys" | "hvals" | "smembers" | "sinter" | "sunion" | "sdiff" => Cmp::Sorted,
        _ => Cmp::Exact,
    }
}

/// Puts a reply in a canonical form for `cmp`.
pub(crate) fn normalize(frame: Frame, cmp: Cmp) -> Frame {
    match (cmp, frame) {
        (Cmp::Exact, f) => f,
        (Cmp::Sorted, f) => sorted(f),
        (Cmp::Pairs, Frame::Map(mut pairs)) => {
            pairs.sort_by_key(|(k, v)| (encoded(k), encoded(v)));
            Frame::Map(pairs)
        }
        (Cmp::Pairs, Frame::Array(items)) if items.len() % 2 == 0 => {
            let mut pairs: Vec<(Frame, Frame)> = items
                .chunks_exact(2)
                .map(|p| (p[0].clone(), p[1].clone()))
                .collect();
            pairs.sort_by_key(|(k, v)| (encoded(k), encoded(v)));
            Frame::Array(pairs.into_iter().flat_map(|(k, v)| [k, v]).collect())
        }
        (Cmp::Pairs, f) => f,
    }
}

fn encoded(frame: &Frame) -> Vec<u8> {
    let mut out = Vec::new();
    frame.encode(&mut out);
    out
}

/// The thresholds of the `redis.conf` Redis ships, which keel follows
/// (redis-server started without a configuration file keeps hashes packed
/// up to 512 fields).
pub(crate) const REDIS_CONF: &[&str] = &["--hash-max-listpack-entries", "128"];

/// keel (through the [`Harness`]) and a private Redis side by side, both
/// speaking RESP2 or both RESP3.
pub(crate) struct Pair {
    pub keel: Harness,
    pub redis: Conn,
    resp3: bool,
    _server: RedisServer,
}

impl Pair {
    pub fn new(resp3: bool) -> Pair {
        let server = RedisServer::start_with(REDIS_CONF);
        let mut redis = server.connect();
        if resp3 {
            let hello = redis.run(&["HELLO", "3"]);
            assert!(matches!(hello, Frame::Map(_)), "HELLO 3: {hello:?}");
        }
        Pair {
            keel: Harness::new(),
            redis,
            resp3,
            _server: server,
        }
    }

    /// Empties both sides.
    pub fn reset(&mut self) {
        self.keel = Harness::new();
        assert_eq!(self.redis.run(&["FLUSHALL"]), Frame::Simple("OK".into()));
    }

    pub fn keel<A: AsRef<[u8]>>(&mut self, cmd: &[A]) -> Frame {
        let args: Vec<Bytes> = cmd
            .iter()
            .map(|a| Bytes::copy_from_slice(a.as_ref()))
            .collect();
        self.keel.run_bytes(&args, self.resp3)
    }

    pub fn redis<A: AsRef<[u8]>>(&mut self, cmd: &[A]) -> Frame {
        self.redis.run(cmd)
    }

    /// Runs `cmd` on both sides and asserts the replies agree under `cmp`;
    /// returns keel's reply.
    pub fn check<A: AsRef<[u8]> + std::fmt::Debug>(
        &mut self,
        cmd: &[A],
        cmp: Cmp,
        ctx: &str,
    ) -> Frame {
        let ours = self.keel(cmd);
        let theirs = self.redis(cmd);
        assert_eq!(
            normalize(ours.clone(), cmp),
            normalize(theirs, cmp),
            "{ctx}: reply to {cmd:?} differs (left: keel, right: redis, resp3: {})",
            self.resp3
        );
        ours
    }

    /// Asserts that `key` has the same encoding (or absence) on both sides.
    pub fn check_encoding(&mut self, key: &str, ctx: &str) {
        let now = self.keel.now_ms();
        let ours = self
            .keel
            .ks
            .db(self.keel.db)
            .get(key.as_bytes(), now)
            .map(|v| Frame::bulk(v.encoding()));
        let theirs = match self.redis(&["OBJECT", "ENCODING", key]) {
            Frame::Null => None,
            other => Some(other),
        };
        assert_eq!(
            ours, theirs,
            "{ctx}: encoding of {key} differs (left: keel)"
        );
    }

    /// Runs hand-written commands; `["@enc", key]` compares encodings and
    /// `["@sorted", cmd...]` compares the reply of `cmd` in any order;
    /// `["@any", cmd...]` runs `cmd` on both sides without comparing.
    pub fn run_all(&mut self, cmds: &[&[&str]]) {
        for cmd in cmds {
            if cmd[0] == "@enc" {
                self.check_encoding(cmd[1], "sequence");
            } else if cmd[0] == "@sorted" {
                self.check(&cmd[1..], Cmp::Sorted, "sequence");
            } else if cmd[0] == "@any" {
                self.keel(&cmd[1..]);
                self.redis(&cmd[1..]);
            } else {
                self.check(cmd, default_cmp(cmd), "sequence");
            }
        }
    }
}

/// Runs `cmds` against keel and Redis with RESP2 and then RESP3 clients.
pub(crate) fn same_replies_both_protocols(cmds: &[&[&str]]) {
    for resp3 in [false, true] {
        Pair::new(resp3).run_all(cmds);
    }
}

/// True if running `cmd` after `setup` invalidates a WATCH on `key`, i.e.
/// the command signalled the key as modified.
pub(crate) fn touches(setup: &[&[&str]], cmd: &[&str], key: &str) -> bool {
    let mut h = Harness::at(1_000);
    for c in setup {
        h.run(c);
    }
    let mut out = Reply::new(false);
    let watch = Op::Watch {
        session: 1,
        keys: vec![(0, Bytes::copy_from_slice(key.as_bytes()))],
    };
    h.ks.apply(&watch, 1_000, 0, &mut out);
    let reply = h.run(cmd);
    assert!(reply.as_error().is_none(), "{cmd:?} failed: {reply:?}");
    let exec = Op::Transaction {
        session: 1,
        resp3: false,
        commands: Vec::new(),
    };
    h.ks.apply(&exec, 1_000, 0, &mut out).transaction.is_none()
}

fn frames_to_bytes(items: &[Frame]) -> Vec<Vec<u8>> {
    items
        .iter()
        .map(|f| match f {
            Frame::Bulk(b) => b.to_vec(),
            other => panic!("bulk expected, got {other:?}"),
        })
        .collect()
}

/// The elements of an array, set or map reply (maps flattened).
pub(crate) fn elements(frame: &Frame) -> Vec<Frame> {
    match frame {
        Frame::Array(items) | Frame::Set(items) => items.clone(),
        Frame::Map(pairs) => pairs
            .iter()
            .flat_map(|(k, v)| [k.clone(), v.clone()])
            .collect(),
        other => panic!("aggregate expected, got {other:?}"),
    }
}

/// Iterates a SCAN-like command to completion from cursor 0 (the cursor
/// is `cmd[2]`) and returns every element or pair seen.
pub(crate) fn scan_all(
    run: &mut dyn FnMut(&[Vec<u8>]) -> Frame,
    cmd: &[Vec<u8>],
    pairs: bool,
) -> Result<BTreeSet<Vec<Vec<u8>>>, Frame> {
    let mut cmd = cmd.to_vec();
    cmd[2] = b"0".to_vec();
    let mut seen = BTreeSet::new();
    for _ in 0..100_000 {
        let reply = run(&cmd);
        let Frame::Array(parts) = &reply else {
            return Err(reply);
        };
        let [Frame::Bulk(cursor), items] = &parts[..] else {
            panic!("bad scan reply {reply:?}");
        };
        let items = frames_to_bytes(&elements(items));
        let step = if pairs { 2 } else { 1 };
        assert_eq!(items.len() % step, 0);
        for chunk in items.chunks(step) {
            seen.insert(chunk.to_vec());
        }
        if &cursor[..] == b"0" {
            return Ok(seen);
        }
        cmd[2] = cursor.to_vec();
    }
    panic!("scan did not finish: {cmd:?}");
}

/// What a random-pick reply must look like: picks from `content` (a
/// field→value map or a member set, as pairs `(element, value)`).
pub(crate) fn check_random_reply(
    reply: &Frame,
    content: &std::collections::BTreeMap<Vec<u8>, Vec<u8>>,
    count: Option<i64>,
    withvalues: bool,
    resp3: bool,
) -> Result<(), String> {
    let Some(count) = count else {
        return match reply {
            Frame::Bulk(b) if content.contains_key(&b[..]) => Ok(()),
            Frame::Null if content.is_empty() => Ok(()),
            other => Err(format!("single pick {other:?}")),
        };
    };
    let Frame::Array(items) = reply else {
        return Err(format!("array expected, got {reply:?}"));
    };
    let picks: Vec<(Vec<u8>, Option<Vec<u8>>)> = if withvalues && resp3 {
        items
            .iter()
            .map(|p| match p {
                Frame::Array(kv) if kv.len() == 2 => {
                    let kv = frames_to_bytes(kv);
                    Ok((kv[0].clone(), Some(kv[1].clone())))
                }
                other => Err(format!("pair expected, got {other:?}")),
            })
            .collect::<Result<_, _>>()?
    } else if withvalues {
        if items.len() % 2 != 0 {
            return Err("odd flat pairs".into());
        }
        frames_to_bytes(items)
            .chunks(2)
            .map(|p| (p[0].clone(), Some(p[1].clone())))
            .collect()
    } else {
        frames_to_bytes(items)
            .into_iter()
            .map(|e| (e, None))
            .collect()
    };
    let expected_len = if content.is_empty() {
        0
    } else if count < 0 {
        count.unsigned_abs() as usize
    } else {
        (count as usize).min(content.len())
    };
    if picks.len() != expected_len {
        return Err(format!("{} picks, expected {expected_len}", picks.len()));
    }
    for (element, value) in &picks {
        match (content.get(element), value) {
            (None, _) => return Err(format!("{element:?} is not in the collection")),
            (Some(v), Some(got)) if v != got => return Err(format!("wrong value for {element:?}")),
            _ => {}
        }
    }
    if count > 0 {
        let distinct: BTreeSet<_> = picks.iter().map(|(e, _)| e).collect();
        if distinct.len() != picks.len() {
            return Err("repeated picks with a positive count".into());
        }
    }
    Ok(())
}

/// Runs `steps` random commands of `family` from each seed through keel
/// and Redis and compares the replies: exactly where Redis defines them,
/// as multisets where it leaves the order open, and by their properties
/// (counts, membership, distinctness) for random picks.
pub(crate) fn random_differential(
    family: testkit::gen::Family,
    seeds: std::ops::Range<u64>,
    steps: usize,
) {
    // Per command name: (replies, error replies), to check coverage.
    let mut seen: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    for resp3 in [false, true] {
        let mut pair = Pair::new(resp3);
        for seed in seeds.clone() {
            pair.reset();
            let mut gen = Gen::new(seed);
            let mut spopped = BTreeSet::new();
            for step in 0..steps {
                let cmd = family(&mut gen);
                let ctx = format!("seed {seed} step {step} resp3 {resp3}");
                let reply = random_step(&mut pair, &cmd, &ctx, &mut spopped);
                let stats = seen
                    .entry(String::from_utf8_lossy(&cmd[0]).to_ascii_uppercase())
                    .or_default();
                stats.0 += 1;
                stats.1 += usize::from(reply.as_error().is_some());
            }
            for k in 0..8 {
                let key = format!("k{k}");
                if !spopped.contains(key.as_bytes()) {
                    pair.check_encoding(&key, &format!("seed {seed} resp3 {resp3}"));
                }
            }
        }
    }
    println!("replies (total, errors) per command: {seen:?}");
    for (name, (total, errors)) in &seen {
        assert!(
            total > errors,
            "{name}: no successful reply in the random run"
        );
    }
}

/// Runs one random command on both sides and checks the replies; returns
/// keel's reply.
fn random_step(
    pair: &mut Pair,
    cmd: &[Vec<u8>],
    ctx: &str,
    spopped: &mut BTreeSet<Vec<u8>>,
) -> Frame {
    let name = String::from_utf8_lossy(&cmd[0]).to_ascii_lowercase();
    let resp3 = pair.resp3;
    match name.as_str() {
        "hrandfield" | "srandmember" => {
            let ours = pair.keel(cmd);
            let theirs = pair.redis(cmd);
            let deterministic = matches!(theirs, Frame::Error(_) | Frame::Null)
                || matches!(&theirs, Frame::Array(items) if items.is_empty());
            if deterministic {
                assert_eq!(ours, theirs, "{ctx}: reply to {cmd:?} differs (left: keel)");
                return ours;
            }
            let content = content_of(pair, &cmd[1], name == "hrandfield");
            let count = cmd.get(2).map(|c| {
                std::str::from_utf8(c)
                    .ok()
                    .and_then(|c| c.parse().ok())
                    .expect("valid count")
            });
            let withvalues = cmd.len() == 4;
            for (who, reply) in [("keel", &ours), ("redis", &theirs)] {
                if let Err(e) = check_random_reply(reply, &content, count, withvalues, resp3) {
                    panic!("{ctx}: {who}'s reply to {cmd:?} is wrong: {e}: {reply:?}");
                }
            }
            ours
        }
        "spop" => {
            let ours = pair.keel(cmd);
            let popped = match &ours {
                Frame::Bulk(b) => vec![b.to_vec()],
                Frame::Set(items) | Frame::Array(items) if !items.is_empty() => {
                    frames_to_bytes(items)
                }
                _ => {
                    let theirs = pair.redis(cmd);
                    assert_eq!(ours, theirs, "{ctx}: reply to {cmd:?} differs (left: keel)");
                    return ours;
                }
            };
            if resp3 && cmd.len() == 3 {
                assert!(
                    matches!(ours, Frame::Set(_)),
                    "{ctx}: SPOP count must reply a set"
                );
            }
            let card = match pair.redis(&[&b"SCARD"[..], &cmd[1]]) {
                Frame::Integer(n) => n as usize,
                other => panic!("{ctx}: SCARD {other:?}"),
            };
            let expected = match cmd.get(2) {
                None => 1,
                Some(c) => std::str::from_utf8(c)
                    .ok()
                    .and_then(|c| c.parse::<usize>().ok())
                    .expect("valid count")
                    .min(card),
            };
            assert_eq!(popped.len(), expected, "{ctx}: {cmd:?} popped {popped:?}");
            let mut srem = vec![b"SREM".to_vec(), cmd[1].clone()];
            srem.extend(popped.iter().cloned());
            assert_eq!(
                pair.redis(&srem),
                Frame::Integer(expected as i64),
                "{ctx}: {cmd:?} popped {popped:?}, not distinct members of the set"
            );
            if cmd.len() == 3 {
                spopped.insert(cmd[1].clone());
            }
            ours
        }
        "hscan" | "sscan" => {
            let ours = pair.keel(cmd);
            let theirs = pair.redis(cmd);
            if ours.as_error().is_some() || theirs.as_error().is_some() {
                assert_eq!(ours, theirs, "{ctx}: reply to {cmd:?} differs (left: keel)");
                return ours;
            }
            let pairs = name == "hscan";
            let keel = scan_all(&mut |c| pair.keel(c), cmd, pairs);
            let redis = scan_all(&mut |c| pair.redis(c), cmd, pairs);
            assert_eq!(
                keel, redis,
                "{ctx}: full iteration of {cmd:?} differs (left: keel)"
            );
            ours
        }
        _ => {
            let args: Vec<&str> = cmd
                .iter()
                .map(|a| std::str::from_utf8(a).unwrap_or("?"))
                .collect();
            let cmp = default_cmp(&args);
            pair.check(cmd, cmp, ctx)
        }
    }
}

/// The hash (field → value) or set (member → empty) under `key` in Redis.
fn content_of(
    pair: &mut Pair,
    key: &[u8],
    hash: bool,
) -> std::collections::BTreeMap<Vec<u8>, Vec<u8>> {
    if hash {
        let all = frames_to_bytes(&elements(&pair.redis(&[&b"HGETALL"[..], key])));
        all.chunks(2)
            .map(|p| (p[0].clone(), p[1].clone()))
            .collect()
    } else {
        frames_to_bytes(&elements(&pair.redis(&[&b"SMEMBERS"[..], key])))
            .into_iter()
            .map(|m| (m, Vec::new()))
            .collect()
    }
}

// ---------------------------------------------------------------------------
// Unit tests.

fn bulk(s: &str) -> Frame {
    Frame::bulk(s.to_string())
}

fn bulks(items: &[&str]) -> Frame {
    Frame::Array(items.iter().map(|s| bulk(s)).collect())
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
    assert_eq!(h.run(&["HINCRBYFLOAT", "f", "x", "5.0e3"]), bulk("5005.6"));
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
    let content: std::collections::BTreeMap<Vec<u8>, Vec<u8>> =
        [("a", "1"), ("b", "2"), ("c", "3")]
            .iter()
            .map(|(f, v)| (f.as_bytes().to_vec(), v.as_bytes().to_vec()))
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
fn cursor_parsing_follows_strtoul() {
    assert_eq!(parse_cursor(b""), Ok(0));
    assert_eq!(parse_cursor(b"0"), Ok(0));
    assert_eq!(parse_cursor(b"+7"), Ok(7));
    assert_eq!(parse_cursor(b"007"), Ok(7));
    assert_eq!(parse_cursor(b"-1"), Ok(u64::MAX));
    assert_eq!(parse_cursor(b"18446744073709551615"), Ok(u64::MAX));
    for bad in [
        &b"18446744073709551616"[..],
        b" 1",
        b"1 ",
        b"-",
        b"+",
        b"0x1",
        b"abc",
    ] {
        assert!(parse_cursor(bad).is_err(), "{bad:?}");
    }
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
        let Frame::Bulk(next) = &parts[0] else {
            panic!()
        };
        for pair in frames_to_bytes(&elements(&parts[1])).chunks(2) {
            assert!(pair[0].starts_with(b"f1"));
            seen.insert(pair[0].clone());
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
    same_replies_both_protocols(cmds);
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
    same_replies_both_protocols(cmds);
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
    same_replies_both_protocols(cmds);
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
    same_replies_both_protocols(cmds);
}

#[test]
fn differential_hscan_full_iterations() {
    for resp3 in [false, true] {
        let mut pair = Pair::new(resp3);
        let mut big: Vec<String> = vec!["HSET".into(), "big".into()];
        for i in 0..300 {
            big.push(format!("f{i}"));
            big.push(format!("v{i}"));
        }
        pair.check(&big, Cmp::Exact, "setup");
        let options: [&[&str]; 4] = [
            &[],
            &["COUNT", "3"],
            &["MATCH", "f2*"],
            &["MATCH", "*9", "COUNT", "50"],
        ];
        for opts in options {
            let mut cmd: Vec<Vec<u8>> = vec![b"HSCAN".to_vec(), b"big".to_vec(), b"0".to_vec()];
            cmd.extend(opts.iter().map(|o| o.as_bytes().to_vec()));
            let keel = scan_all(&mut |c| pair.keel(c), &cmd, true);
            let redis = scan_all(&mut |c| pair.redis(c), &cmd, true);
            assert_eq!(keel, redis, "{opts:?}");
        }
    }
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
    same_replies_both_protocols(cmds);
}

#[test]
fn differential_random_hash_commands() {
    random_differential(testkit::gen::hash::command, 0..16, 400);
}
