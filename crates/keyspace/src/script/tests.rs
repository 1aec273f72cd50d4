//! Unit tests of scripting as replicated state: determinism of apply,
//! the budget, snapshots of the script cache and the libraries, FUNCTION
//! DUMP/RESTORE.

use bytes::Bytes;
use resp::{Frame, Reply};

use super::BUDGET_ERROR;
use crate::testing::Harness;
use crate::{Keyspace, Op};

fn op(args: &[&str]) -> Op {
    Op::Command {
        db: 0,
        resp3: false,
        args: args
            .iter()
            .map(|a| Bytes::copy_from_slice(a.as_bytes()))
            .collect(),
    }
}

const RANDOM_SCRIPT: &str = "
redis.call('sadd', 's', 'a', 'b', 'c', 'd', 'e', 'f')
local popped = redis.call('spop', 's')
local t = redis.call('time')
redis.call('set', 'r', tostring(math.random(1000000)) .. ':' .. popped .. ':' .. t[1] .. ':' .. tostring({}))
redis.call('set', 'exp', 'v', 'PX', 100)
return {redis.call('get', 'r'), redis.call('srandmember', 's'), math.random()}";

#[test]
fn the_same_log_gives_the_same_state_and_replies() {
    let log: Vec<(Op, u64, u64)> = vec![
        (op(&["EVAL", RANDOM_SCRIPT, "0"]), 1_000, 7),
        (op(&["SCRIPT", "LOAD", "return redis.call('incr', KEYS[1])"]), 1_001, 8),
        (op(&["EVALSHA", &super::sha1hex(b"return redis.call('incr', KEYS[1])"), "1", "n"]), 1_002, 9),
        (op(&["FUNCTION", "LOAD", "#!lua name=l\nredis.register_function('f', function(k) return redis.call('lpush', k[1], math.random(99)) end)"]), 1_003, 10),
        (op(&["FCALL", "f", "1", "list"]), 1_004, 11),
        (op(&["EVAL", RANDOM_SCRIPT, "0"]), 1_200, 12),
    ];
    let apply = || {
        let mut ks = Keyspace::new(16);
        let mut out = Reply::new(false);
        for (op, now, seed) in &log {
            ks.apply(op, *now, *seed, &mut out);
        }
        (ks, out.take())
    };
    let (a, replies_a) = apply();
    let (b, replies_b) = apply();
    assert_eq!(a, b);
    assert_eq!(replies_a, replies_b);
    assert!(
        !String::from_utf8_lossy(&replies_a).contains("-ERR"),
        "{}",
        String::from_utf8_lossy(&replies_a)
    );
    // A different seed draws different numbers: randomness comes from the entry.
    let mut c = Keyspace::new(16);
    let mut out = Reply::new(false);
    c.apply(&log[0].0, 1_000, 99, &mut out);
    let mut first = Keyspace::new(16);
    let mut out_a = Reply::new(false);
    first.apply(&log[0].0, 1_000, 7, &mut out_a);
    assert_ne!(out.take(), out_a.take());
}

#[test]
fn tostring_of_tables_is_deterministic() {
    let mut h = Harness::at(1);
    assert_eq!(
        h.run(&[
            "EVAL",
            "return {tostring({}), tostring(function() end), tostring({})}",
            "0"
        ]),
        Frame::Array(vec![
            Frame::bulk("table: 0x00000001"),
            Frame::bulk("function: 0x00000002"),
            Frame::bulk("table: 0x00000003"),
        ])
    );
}

#[test]
fn a_runaway_script_stops_at_the_budget_even_inside_pcall() {
    let mut h = Harness::at(1);
    for script in [
        "while true do end",
        "while true do pcall(function() while true do end end) end",
        "local co = coroutine.create(function() while true do end end) while true do coroutine.resume(co) end",
        "while true do xpcall(function() while true do end end, function() return 1 end) end",
    ] {
        assert_eq!(h.run(&["EVAL", script, "0"]), Frame::Error(BUDGET_ERROR.into()), "{script}");
    }
    // The keyspace is usable afterwards.
    assert_eq!(h.run(&["EVAL", "return 1", "0"]), Frame::Integer(1));
}

#[test]
fn cached_scripts_and_libraries_survive_a_snapshot() {
    let mut h = Harness::at(1);
    h.run(&["EVAL", "return 'cached by eval'", "0"]);
    h.run(&["SCRIPT", "LOAD", "return 'loaded'"]);
    let lib = "#!lua name=lib\nredis.register_function{function_name='f', callback=function(k, a) return a[1] end, flags={'no-writes'}, description='echo'}";
    assert_eq!(h.run(&["FUNCTION", "LOAD", lib]), Frame::bulk("lib"));
    h.ks.begin_snapshot().unwrap();
    let mut chunks = Vec::new();
    while let Some(chunk) = h.ks.snapshot_chunk(64) {
        chunks.push(chunk);
    }
    let restored = Keyspace::restore(chunks.iter()).unwrap();
    assert_eq!(restored, h.ks);
    let mut h2 = Harness::at(2);
    h2.ks = restored;
    let sha = super::sha1hex(b"return 'cached by eval'");
    assert_eq!(
        h2.run(&["EVALSHA", &sha, "0"]),
        Frame::bulk("cached by eval")
    );
    let sha = super::sha1hex(b"return 'loaded'");
    assert_eq!(h2.run(&["EVALSHA_RO", &sha, "0"]), Frame::bulk("loaded"));
    assert_eq!(h2.run(&["FCALL_RO", "f", "0", "x"]), Frame::bulk("x"));
}

#[test]
fn function_dump_and_restore_round_trip() {
    let mut h = Harness::at(1);
    let lib = |name: &str, f: &str| {
        format!("#!lua name={name}\nredis.register_function('{f}', function() return '{f}' end)")
    };
    h.run(&["FUNCTION", "LOAD", &lib("a", "fa")]);
    h.run(&["FUNCTION", "LOAD", &lib("b", "fb")]);
    let Frame::Bulk(dump) = h.run(&["FUNCTION", "DUMP"]) else {
        panic!("FUNCTION DUMP returns a bulk string");
    };
    let dump = String::from_utf8_lossy(&dump).into_owned();
    h.run(&["FUNCTION", "FLUSH"]);
    assert_eq!(
        h.run(&["FCALL", "fa", "0"]),
        Frame::Error("ERR Function not found".into())
    );
    assert_eq!(
        h.run_bytes(
            &[
                Bytes::from("FUNCTION"),
                Bytes::from("RESTORE"),
                Bytes::from(dump.clone().into_bytes())
            ],
            false
        ),
        Frame::Simple("OK".into())
    );
    assert_eq!(h.run(&["FCALL", "fb", "0"]), Frame::bulk("fb"));
    assert_eq!(
        h.run(&["FUNCTION", "RESTORE", &dump]),
        Frame::Error("ERR Library a already exists".into())
    );
    assert_eq!(
        h.run(&["FUNCTION", "RESTORE", &dump, "REPLACE"]),
        Frame::Simple("OK".into())
    );
    h.run(&["FUNCTION", "LOAD", &lib("c", "fc")]);
    assert_eq!(
        h.run(&["FUNCTION", "RESTORE", &dump, "FLUSH"]),
        Frame::Simple("OK".into())
    );
    assert_eq!(
        h.run(&["FCALL", "fc", "0"]),
        Frame::Error("ERR Function not found".into())
    );
    assert_eq!(
        h.run(&["FUNCTION", "RESTORE", &dump, "BOGUS"]),
        Frame::Error(
            "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."
                .into()
        )
    );
    let mut damaged = dump.clone().into_bytes();
    damaged[8] ^= 1;
    assert_eq!(
        h.run_bytes(
            &[
                Bytes::from("FUNCTION"),
                Bytes::from("RESTORE"),
                Bytes::from(damaged)
            ],
            false
        ),
        Frame::Error("ERR DUMP payload version or checksum are wrong".into())
    );
}

#[test]
fn publish_from_a_script_is_collected_for_the_server() {
    let mut ks = Keyspace::new(1);
    let mut out = Reply::new(false);
    let outcome = ks.apply(
        &op(&["EVAL", "return redis.call('publish', 'ch', 'hello')", "0"]),
        1,
        1,
        &mut out,
    );
    assert_eq!(
        outcome.published,
        vec![(Bytes::from("ch"), Bytes::from("hello"))]
    );
}

#[test]
fn script_select_lasts_for_the_script_only() {
    let mut h = Harness::at(1);
    assert_eq!(
        h.run(&[
            "EVAL",
            "redis.call('select', 3) redis.call('set', 'k', 'v') return redis.call('dbsize')",
            "0"
        ]),
        Frame::Integer(1)
    );
    assert_eq!(h.run(&["DBSIZE"]), Frame::Integer(0));
    assert_eq!(h.ks.db(3).len(), 1);
}

/// A state is used again only when the next call cannot tell it from a
/// new one: what a script changed in the globals, a library table or the
/// string metatable is gone in the next call, and numbering and random
/// draws start over.
#[test]
fn nothing_a_script_changes_reaches_the_next_call() {
    let mut h = Harness::at(1);
    for (change, check, expected) in [
        (
            "string.rep = nil",
            "return string.rep('a', 3)",
            Frame::bulk("aaa"),
        ),
        (
            "redis = nil",
            "return redis.call('ping')",
            Frame::Simple("PONG".into()),
        ),
        (
            "rawset(_G, 'leak', 1)",
            "return rawget(_G, 'leak')",
            Frame::Null,
        ),
        (
            "rawset(math, 'leak', 1)",
            "return rawget(math, 'leak')",
            Frame::Null,
        ),
        (
            "getmetatable('').__index = nil",
            "return ('a'):rep(2)",
            Frame::bulk("aa"),
        ),
        (
            "setmetatable(getmetatable(''), {__index = function() return 1 end})",
            "return getmetatable(getmetatable('')) == nil",
            Frame::Integer(1),
        ),
    ] {
        h.run(&["EVAL", &format!("{change} return 1"), "0"]);
        assert_eq!(h.run(&["EVAL", check, "0"]), expected, "after {change}");
    }
    let numbered = h.run(&["EVAL", "return tostring({})", "0"]);
    assert_eq!(numbered, Frame::bulk("table: 0x00000001"));
    assert_eq!(h.run(&["EVAL", "return tostring({})", "0"]), numbered);
}

/// The same call with the same seed draws the same numbers in a reused
/// state as in a new one (a follower or a restarted node may be either).
#[test]
fn a_reused_state_draws_what_a_new_one_draws() {
    let script = op(&["EVAL", "return {math.random(1000000), tostring({})}", "0"]);
    let run = |ks: &mut Keyspace| {
        let mut out = Reply::new(false);
        ks.apply(&script, 1_000, 42, &mut out);
        out.take()
    };
    let mut ks = Keyspace::new(16);
    let first = run(&mut ks);
    let poison = op(&["EVAL", "math.randomseed(7) string.rep = nil return 1", "0"]);
    ks.apply(&poison, 1_000, 3, &mut Reply::new(false));
    assert_eq!(run(&mut ks), first);
    assert_eq!(run(&mut Keyspace::new(16)), first);
}
