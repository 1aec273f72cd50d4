//! Differential-testing support for the hash and set commands: keel and a
//! private Redis side by side, reply normalization for orders Redis leaves
//! open, checks of random picks, full SCAN iterations, WATCH-based checks of
//! modification signals, and the seeded random-command driver.

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use resp::{Frame, Reply};
use testkit::gen::Gen;
use testkit::{Conn, RedisServer};

use crate::testing::{sorted, Harness};
use crate::Op;

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

pub(crate) fn frames_to_bytes(items: &[Frame]) -> Vec<Vec<u8>> {
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
    content: &BTreeMap<Vec<u8>, Vec<u8>>,
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
/// (counts, membership, distinctness) for random picks. Set
/// `KEEL_DIFF_SEEDS` to run more seeds.
pub(crate) fn random_differential(
    family: testkit::gen::Family,
    seeds: std::ops::Range<u64>,
    steps: usize,
) {
    // KEEL_DIFF_SEEDS=n runs n seeds from the range's start (longer runs).
    let seeds = match std::env::var("KEEL_DIFF_SEEDS")
        .ok()
        .and_then(|n| n.parse::<u64>().ok())
    {
        Some(n) => seeds.start..seeds.start + n,
        None => seeds,
    };
    // Per command name: (replies, error replies), to check coverage.
    let mut seen: BTreeMap<String, (usize, usize)> = Default::default();
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
                for (key, entry) in pair.keel.ks.db(0).iter() {
                    assert!(
                        !entry.value().is_empty_collection(),
                        "{ctx}: {cmd:?} left {key:?} empty"
                    );
                }
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
fn content_of(pair: &mut Pair, key: &[u8], hash: bool) -> BTreeMap<Vec<u8>, Vec<u8>> {
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
