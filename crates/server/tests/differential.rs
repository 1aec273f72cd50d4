//! End-to-end differential test: random command sequences from every
//! `testkit::gen` family, and one drawing from all families at once (keys
//! collide across types, so WRONGTYPE paths are exercised), sent over TCP
//! to a keel server and over a Unix socket to a real `redis-server`, in
//! RESP2 and RESP3. Replies are judged by `testkit::compare` (the rules
//! the keyspace-level differential tests use); after each seed the whole
//! state of both servers is compared, then both are flushed.
//!
//! `KEEL_DIFF_SEEDS=n` (default 10) and `KEEL_DIFF_STEPS=n` (default 500)
//! make longer runs; `KEEL_DIFF_FIRST_SEED=n` (default 0) starts elsewhere
//! and `KEEL_DIFF_FAMILY=name` (a family or `mixed`) runs only one
//! sequence. A mismatch names the family, seed, step, protocol and command
//! and how to replay it.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use bytes::Bytes;
use resp::Frame;
use support::TestServer;
use testkit::compare::{self, show_command};
use testkit::gen::{self, Family, Gen};
use testkit::{Conn, RedisServer};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One connection to each server, speaking the same protocol.
struct Pair {
    keel: Conn,
    redis: Conn,
}

impl Pair {
    fn new(keel: &TestServer, redis: &RedisServer, resp3: bool) -> Pair {
        let mut pair = Pair {
            keel: keel.conn(),
            redis: redis.connect(),
        };
        if resp3 {
            for conn in [&mut pair.keel, &mut pair.redis] {
                let hello = conn.run(&["HELLO", "3"]);
                assert!(matches!(hello, Frame::Map(_)), "HELLO 3: {hello:?}");
            }
        }
        pair
    }

    /// Empties both servers and selects database 0.
    fn flush(&mut self) {
        for conn in [&mut self.keel, &mut self.redis] {
            assert_eq!(conn.run(&["FLUSHALL"]), Frame::Simple("OK".into()));
            assert_eq!(conn.run(&["SELECT", "0"]), Frame::Simple("OK".into()));
        }
    }
}

/// Replies and error replies per command name.
#[derive(Default)]
struct Stats {
    per_command: BTreeMap<String, (usize, usize)>,
}

impl Stats {
    fn record(&mut self, cmd: &[Bytes], reply: &Frame) {
        let name = String::from_utf8_lossy(&cmd[0]).to_ascii_uppercase();
        let entry = self.per_command.entry(name).or_default();
        entry.0 += 1;
        entry.1 += usize::from(reply.as_error().is_some());
    }

    fn total(&self) -> (usize, usize) {
        self.per_command
            .values()
            .fold((0, 0), |(t, e), (n, m)| (t + n, e + m))
    }
}

/// A generator: one family, or all of them at once.
fn next_command(family: Option<Family>, g: &mut Gen) -> Vec<Vec<u8>> {
    let mut cmd = match family {
        Some(f) => f(g),
        None => {
            let all = gen::families();
            let pick = g.int(0, all.len() as i64);
            let at = std::str::from_utf8(&pick)
                .ok()
                .and_then(|p| p.parse::<usize>().ok())
                .unwrap_or(0);
            (all[at].1)(g)
        }
    };
    // Now and then a list pop becomes its blocking form with a short
    // timeout: it pops at once where there is data, and times out on both
    // servers otherwise.
    if g.chance(0.1) {
        if let Some(twin) = gen::list::blocking_twin(&cmd, "0.01") {
            cmd = twin;
        }
    }
    cmd
}

/// Runs `steps` commands from each seed on both servers, comparing every
/// reply and, after each seed, the whole state.
fn run_sequence(
    name: &str,
    family: Option<Family>,
    keel: &TestServer,
    redis: &RedisServer,
    stats: &mut Stats,
) {
    let first = env("KEEL_DIFF_FIRST_SEED", 0);
    let seeds = env("KEEL_DIFF_SEEDS", 10);
    let steps = env("KEEL_DIFF_STEPS", 500);
    for resp3 in [false, true] {
        let mut pair = Pair::new(keel, redis, resp3);
        for seed in first..first + seeds {
            pair.flush();
            let mut g = Gen::new(seed);
            for step in 0..steps {
                let cmd: Vec<Bytes> = next_command(family, &mut g)
                    .into_iter()
                    .map(Bytes::from)
                    .collect();
                match compare::check(&cmd, &mut pair.keel, &mut pair.redis, resp3) {
                    Ok(reply) => stats.record(&cmd, &reply),
                    Err(why) => panic!(
                        "family {name}, seed {seed}, step {step} (resp3: {resp3}): reply to {} {why}\n\
                         replay with KEEL_DIFF_FAMILY={name} KEEL_DIFF_FIRST_SEED={seed} KEEL_DIFF_SEEDS=1",
                        show_command(&cmd)
                    ),
                }
            }
            let ours = compare::keys_per_db(&mut pair.keel).expect("keel INFO keyspace");
            let theirs = compare::keys_per_db(&mut pair.redis).expect("redis INFO keyspace");
            let dbs: BTreeSet<usize> = ours.keys().chain(theirs.keys()).copied().collect();
            if let Err(why) = compare::check_databases(dbs, &mut pair.keel, &mut pair.redis, resp3)
            {
                panic!("family {name}, seed {seed} (resp3: {resp3}), final state: {why}");
            }
            assert_eq!(
                ours, theirs,
                "family {name}, seed {seed} (resp3: {resp3}): keys per database (left: keel)"
            );
        }
    }
}

#[test]
fn random_sequences_over_tcp_match_redis() {
    let started = Instant::now();
    let keel = TestServer::start();
    let redis = RedisServer::start();
    let only = std::env::var("KEEL_DIFF_FAMILY").ok();
    let mut sequences: Vec<(&str, Option<Family>)> = gen::families()
        .into_iter()
        .map(|(name, f)| (name, Some(f)))
        .collect();
    sequences.push(("mixed", None));
    let mut ran = 0;
    for (name, family) in sequences {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let t = Instant::now();
        let mut stats = Stats::default();
        run_sequence(name, family, &keel, &redis, &mut stats);
        let (total, errors) = stats.total();
        println!(
            "{name}: {total} replies compared ({errors} errors, {} command names) in {:.1?}",
            stats.per_command.len(),
            t.elapsed()
        );
        // Mixed sequences meet wrong types most of the time; each family
        // on its own must mostly do real work.
        let limit = if family.is_some() { 2 } else { 4 };
        assert!(
            errors * limit < total * (limit - 1),
            "{name}: too many replies are errors ({errors} of {total})"
        );
        ran += 1;
    }
    assert!(ran > 0, "no sequence named {only:?}");
    println!("all sequences in {:.1?}", started.elapsed());
}
