//! Tests of the expiry commands: unit tests on a fixed clock, and
//! differential tests against redis-server.

use bytes::Bytes;
use resp::Frame;

use crate::testing::{Diff, Harness};
use crate::{Op, Value};

const NOW: u64 = 1_700_000_000_000;

fn int(n: i64) -> Frame {
    Frame::Integer(n)
}

fn err(s: &str) -> Frame {
    Frame::Error(s.into())
}

fn put(h: &mut Harness, key: &str) {
    let db = h.db;
    h.ks.db_mut(db).insert(key.as_bytes(), Value::string(b"v"));
}

/// Runs `cmd` while session 1 watches `key`; true if the command signalled
/// the key as modified.
fn invalidates_watch(h: &mut Harness, key: &str, cmd: &[&str]) -> bool {
    let mut out = resp::Reply::new(false);
    let now = h.now_ms();
    let keys = vec![(0, Bytes::copy_from_slice(key.as_bytes()))];
    h.ks.apply(&Op::Watch { session: 1, keys }, now, 0, &mut out);
    h.run(cmd);
    let exec = Op::Transaction {
        session: 1,
        resp3: false,
        commands: vec![(
            0,
            vec![Bytes::from_static(b"ECHO"), Bytes::from_static(b"x")],
        )],
    };
    h.ks.apply(&exec, now, 0, &mut out).transaction.is_none()
}

#[test]
fn expire_family_sets_absolute_times() {
    let mut h = Harness::at(NOW);
    put(&mut h, "k");
    assert_eq!(h.run(&["EXPIRE", "k", "10"]), int(1));
    assert_eq!(h.run(&["PEXPIRETIME", "k"]), int((NOW + 10_000) as i64));
    assert_eq!(h.run(&["PEXPIRE", "k", "1500"]), int(1));
    assert_eq!(h.run(&["PTTL", "k"]), int(1500));
    assert_eq!(h.run(&["TTL", "k"]), int(2), "rounded to nearest");
    assert_eq!(h.run(&["EXPIREAT", "k", "2000000000"]), int(1));
    assert_eq!(h.run(&["EXPIRETIME", "k"]), int(2_000_000_000));
    assert_eq!(h.run(&["PEXPIREAT", "k", "2000000000499"]), int(1));
    assert_eq!(h.run(&["EXPIRETIME", "k"]), int(2_000_000_000));
    assert_eq!(h.run(&["PEXPIREAT", "k", "2000000000500"]), int(1));
    assert_eq!(h.run(&["EXPIRETIME", "k"]), int(2_000_000_001));
    assert_eq!(h.run(&["PEXPIRETIME", "k"]), int(2_000_000_000_500));
    assert_eq!(h.run(&["EXPIRE", "nope", "10"]), int(0));
    for cmd in ["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"] {
        assert_eq!(h.run(&[cmd, "nope"]), int(-2));
    }
    put(&mut h, "p");
    for cmd in ["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"] {
        assert_eq!(h.run(&[cmd, "p"]), int(-1));
    }
}

#[test]
fn keys_expire_exactly_at_their_time() {
    let mut h = Harness::at(NOW);
    put(&mut h, "k");
    assert_eq!(h.run(&["PEXPIRE", "k", "100"]), int(1));
    h.clock = Some(NOW + 99);
    assert_eq!(h.run(&["PTTL", "k"]), int(1));
    assert_eq!(h.run(&["TTL", "k"]), int(0));
    h.clock = Some(NOW + 100);
    assert_eq!(h.run(&["PTTL", "k"]), int(-2));
    assert_eq!(h.run(&["EXISTS", "k"]), int(0));
    assert_eq!(h.run(&["PERSIST", "k"]), int(0));
    assert_eq!(h.run(&["EXPIRE", "k", "100"]), int(0));
    // The write reclaimed the expired key.
    assert_eq!(h.run(&["DBSIZE"]), int(0));
}

#[test]
fn expiry_in_the_past_deletes_at_once() {
    let mut h = Harness::at(NOW);
    for (i, cmd) in [
        vec!["EXPIRE", "k", "0"],
        vec!["EXPIRE", "k", "-10"],
        vec!["PEXPIRE", "k", "0"],
        vec!["EXPIREAT", "k", "1"],
        vec!["PEXPIREAT", "k", &NOW.to_string()],
        vec!["PEXPIREAT", "k", "-9223372036854775808"],
        vec!["EXPIRE", "k", "-9223372036854775"],
    ]
    .iter()
    .enumerate()
    {
        put(&mut h, "k");
        assert!(invalidates_watch(&mut h, "k", cmd), "case {i}");
        assert_eq!(
            h.run(&["DBSIZE"]),
            int(0),
            "case {i}: deleted, not just hidden"
        );
    }
    put(&mut h, "k");
    assert_eq!(h.run(&["PEXPIREAT", "k", &(NOW + 1).to_string()]), int(1));
    assert_eq!(h.run(&["EXISTS", "k"]), int(1));
}

#[test]
fn conditions() {
    let mut h = Harness::at(NOW);
    put(&mut h, "k");
    // No expiry: NX sets, XX and GT refuse, LT sets.
    assert_eq!(h.run(&["EXPIRE", "k", "100", "XX"]), int(0));
    assert_eq!(h.run(&["EXPIRE", "k", "100", "GT"]), int(0));
    assert_eq!(h.run(&["PTTL", "k"]), int(-1));
    assert_eq!(h.run(&["EXPIRE", "k", "100", "LT"]), int(1));
    assert_eq!(h.run(&["PERSIST", "k"]), int(1));
    assert_eq!(h.run(&["EXPIRE", "k", "100", "nx"]), int(1));
    // With an expiry of 100 s.
    assert_eq!(h.run(&["EXPIRE", "k", "200", "NX"]), int(0));
    assert_eq!(
        h.run(&["EXPIRE", "k", "100", "GT"]),
        int(0),
        "equal is not greater"
    );
    assert_eq!(
        h.run(&["EXPIRE", "k", "100", "LT"]),
        int(0),
        "equal is not less"
    );
    assert_eq!(h.run(&["EXPIRE", "k", "200", "GT"]), int(1));
    assert_eq!(h.run(&["EXPIRE", "k", "300", "LT"]), int(0));
    assert_eq!(h.run(&["EXPIRE", "k", "50", "LT", "XX"]), int(1));
    assert_eq!(h.run(&["TTL", "k"]), int(50));
    assert_eq!(h.run(&["EXPIRE", "k", "60", "xx", "gt", "GT"]), int(1));
    assert_eq!(h.run(&["TTL", "k"]), int(60));
    // A refused change signals nothing; a past time with LT deletes.
    assert!(!invalidates_watch(
        &mut h,
        "k",
        &["EXPIRE", "k", "10", "GT"]
    ));
    assert!(invalidates_watch(&mut h, "k", &["EXPIRE", "k", "-1", "LT"]));
    assert_eq!(h.run(&["EXISTS", "k"]), int(0));
}

#[test]
fn option_and_overflow_errors() {
    let mut h = Harness::at(NOW);
    put(&mut h, "k");
    let incompatible = err("ERR NX and XX, GT or LT options at the same time are not compatible");
    assert_eq!(h.run(&["EXPIRE", "k", "1", "NX", "XX"]), incompatible);
    assert_eq!(h.run(&["EXPIRE", "k", "1", "NX", "GT"]), incompatible);
    assert_eq!(h.run(&["EXPIRE", "k", "1", "LT", "NX"]), incompatible);
    assert_eq!(
        h.run(&["EXPIRE", "k", "1", "GT", "LT"]),
        err("ERR GT and LT options at the same time are not compatible")
    );
    assert_eq!(
        h.run(&["EXPIRE", "k", "1", "FOO"]),
        err("ERR Unsupported option FOO")
    );
    assert_eq!(
        h.run(&["EXPIRE", "k", "x", "FOO"]),
        err("ERR Unsupported option FOO")
    );
    assert_eq!(
        h.run(&["EXPIRE", "k", "x"]),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(
        h.run(&["EXPIRE", "k", "1.5"]),
        err("ERR value is not an integer or out of range")
    );
    for (cmd, time) in [
        ("EXPIRE", "9223372036854776"),
        ("EXPIRE", "-9223372036854776"),
        ("EXPIRE", "9223372036854775"),
        ("PEXPIRE", "9223372036854775807"),
        ("EXPIREAT", "9223372036854776"),
    ] {
        let expected = format!(
            "ERR invalid expire time in '{}' command",
            cmd.to_lowercase()
        );
        assert_eq!(h.run(&[cmd, "k", time]), err(&expected), "{cmd} {time}");
        assert_eq!(h.run(&[cmd, "nope", time]), err(&expected), "{cmd} {time}");
    }
    assert_eq!(h.run(&["EXPIREAT", "k", "9223372036854775"]), int(1));
    assert_eq!(h.run(&["EXPIRETIME", "k"]), int(9_223_372_036_854_775));
    assert_eq!(h.run(&["PEXPIREAT", "k", "9223372036854775807"]), int(1));
    assert_eq!(h.run(&["PEXPIRETIME", "k"]), int(i64::MAX));
    assert_eq!(h.run(&["EXPIRETIME", "k"]), int(9_223_372_036_854_776));
    assert_eq!(h.run(&["PTTL", "k"]), int(i64::MAX - NOW as i64));
    assert_eq!(
        h.run(&["EXPIRE", "k"]),
        err("ERR wrong number of arguments for 'expire' command")
    );
    assert_eq!(
        h.run(&["TTL"]),
        err("ERR wrong number of arguments for 'ttl' command")
    );
    assert_eq!(
        h.run(&["PERSIST", "a", "b"]),
        err("ERR wrong number of arguments for 'persist' command")
    );
}

#[test]
fn persist() {
    let mut h = Harness::at(NOW);
    put(&mut h, "k");
    assert_eq!(h.run(&["PERSIST", "nope"]), int(0));
    assert!(!invalidates_watch(&mut h, "k", &["PERSIST", "k"]));
    h.run(&["EXPIRE", "k", "100"]);
    assert!(invalidates_watch(&mut h, "k", &["PERSIST", "k"]));
    assert_eq!(h.run(&["TTL", "k"]), int(-1));
    assert_eq!(h.ks.db(0).expires_len(), 0);
}

#[test]
fn expire_signals_modified_keys() {
    let mut h = Harness::at(NOW);
    put(&mut h, "k");
    assert!(invalidates_watch(&mut h, "k", &["EXPIRE", "k", "100"]));
    assert!(!invalidates_watch(
        &mut h,
        "k",
        &["EXPIRE", "k", "100", "NX"]
    ));
    assert!(!invalidates_watch(&mut h, "k", &["EXPIRE", "nope", "100"]));
    assert!(invalidates_watch(
        &mut h,
        "k",
        &["PEXPIREAT", "k", "4000000000000"]
    ));
}

/// Replicas applying the same log delete keys at the same log positions,
/// whatever their own wall clock says.
#[test]
fn expiry_is_a_function_of_the_log_clock() {
    let cmds: Vec<(u64, Vec<Bytes>)> = vec![
        (NOW, vec!["PEXPIRE".into(), "a".into(), "50".into()]),
        (NOW + 10, vec!["EXPIRE".into(), "b".into(), "-1".into()]),
        (NOW + 60, vec!["PEXPIRE".into(), "a".into(), "50".into()]),
    ];
    let mut states = Vec::new();
    for _ in 0..2 {
        let mut ks = crate::Keyspace::new(1);
        ks.db_mut(0).insert(b"a", Value::Int(1));
        ks.db_mut(0).insert(b"b", Value::Int(1));
        let mut out = resp::Reply::new(false);
        for (at, args) in &cmds {
            let op = Op::Command {
                db: 0,
                resp3: false,
                args: args.clone(),
            };
            ks.apply(&op, *at, 0, &mut out);
        }
        states.push((ks.db(0).clone(), out.take()));
    }
    assert_eq!(states[0], states[1]);
    assert_eq!(states[0].1, b":1\r\n:1\r\n:0\r\n");
    assert_eq!(states[0].0.len(), 0);
}

// ---------------------------------------------------------------------------
// Differential tests. TTL replies are compared with second resolution
// (the oracle's rules), absolute times exactly.

#[test]
fn differential_expire_and_ttl() {
    let mut o = Diff::labelled("expire_and_ttl");
    o.check_all(&[
        &["TTL", "nope"],
        &["PTTL", "nope"],
        &["EXPIRETIME", "nope"],
        &["PEXPIRETIME", "nope"],
        &["PERSIST", "nope"],
        &["EXPIRE", "nope", "100"],
        &["PEXPIRE", "nope", "100"],
        &["EXPIREAT", "nope", "4000000000"],
        &["PEXPIREAT", "nope", "4000000000000"],
        &["SET", "k", "v"],
        &["TTL", "k"],
        &["PTTL", "k"],
        &["EXPIRETIME", "k"],
        &["PEXPIRETIME", "k"],
        &["PERSIST", "k"],
        &["EXPIRE", "k", "1000"],
        &["TTL", "k"],
        &["PTTL", "k"],
        &["EXPIRETIME", "k"],
        &["PEXPIRETIME", "k"],
        &["PEXPIRE", "k", "5000000"],
        &["TTL", "k"],
        &["PTTL", "k"],
        &["EXPIREAT", "k", "4000000000"],
        &["EXPIRETIME", "k"],
        &["PEXPIRETIME", "k"],
        &["PEXPIREAT", "k", "4000000000499"],
        &["EXPIRETIME", "k"],
        &["PEXPIREAT", "k", "4000000000500"],
        &["EXPIRETIME", "k"],
        &["PEXPIRETIME", "k"],
        &["PERSIST", "k"],
        &["PERSIST", "k"],
        &["TTL", "k"],
        &["EXPIREAT", "k", "9223372036854775"],
        &["EXPIRETIME", "k"],
        &["PEXPIRETIME", "k"],
        &["PEXPIREAT", "k", "9223372036854775807"],
        &["EXPIRETIME", "k"],
        &["PEXPIRETIME", "k"],
        &["TTL", "k"],
        // Times at or before now delete the key.
        &["EXPIRE", "k", "0"],
        &["EXISTS", "k"],
        &["SET", "k", "v"],
        &["EXPIRE", "k", "-5"],
        &["EXISTS", "k"],
        &["SET", "k", "v"],
        &["PEXPIREAT", "k", "1"],
        &["EXISTS", "k"],
        &["SET", "k", "v"],
        &["EXPIREAT", "k", "-1"],
        &["EXISTS", "k"],
        &["SET", "k", "v"],
        &["PEXPIRE", "k", "-9223372036854775808"],
        &["EXISTS", "k"],
        &["SET", "k", "v"],
        &["EXPIRE", "k", "-9223372036854775"],
        &["DBSIZE"],
        // A new value clears the expiry.
        &["SET", "k", "v"],
        &["EXPIRE", "k", "1000"],
        &["SET", "k", "w"],
        &["TTL", "k"],
        // Arity.
        &["EXPIRE", "k"],
        &["PEXPIRE"],
        &["EXPIREAT", "k"],
        &["PEXPIREAT", "k"],
        &["TTL"],
        &["TTL", "a", "b"],
        &["PTTL"],
        &["EXPIRETIME"],
        &["PEXPIRETIME", "a", "b"],
        &["PERSIST"],
    ]);
}

#[test]
fn differential_conditions_and_errors() {
    let mut o = Diff::labelled("conditions_and_errors");
    o.check_all(&[
        &["SET", "k", "v"],
        &["EXPIRE", "k", "100", "NX", "XX"],
        &["EXPIRE", "k", "100", "xx", "nx"],
        &["EXPIRE", "k", "100", "NX", "GT"],
        &["EXPIRE", "k", "100", "NX", "LT"],
        &["EXPIRE", "k", "100", "GT", "LT"],
        &["EXPIRE", "k", "100", "NX", "GT", "LT"],
        &["EXPIRE", "k", "100", "FOO"],
        &["EXPIRE", "k", "100", "NX", "FOO"],
        &["EXPIRE", "k", "x", "FOO"],
        &["EXPIRE", "nope", "x", "NX", "XX"],
        &["EXPIRE", "k", "x"],
        &["EXPIRE", "k", ""],
        &["EXPIRE", "k", "1.5"],
        &["EXPIRE", "k", " 1"],
        &["EXPIRE", "k", "99999999999999999999"],
        &["EXPIRE", "k", "9223372036854775"],
        &["EXPIRE", "k", "9223372036854776"],
        &["EXPIRE", "k", "-9223372036854776"],
        &["EXPIRE", "nope", "9223372036854776"],
        &["PEXPIRE", "k", "9223372036854775807"],
        &["EXPIREAT", "k", "9223372036854776"],
        &["EXPIREAT", "k", "-9223372036854776"],
        &["PEXPIREAT", "k", "99999999999999999999"],
        &["TTL", "k"],
        // Conditions without an expiry.
        &["EXPIRE", "k", "100", "XX"],
        &["EXPIRE", "k", "100", "GT"],
        &["PEXPIREAT", "k", "4000000000000", "GT"],
        &["TTL", "k"],
        &["PEXPIREAT", "k", "4000000000000", "LT"],
        &["PEXPIRETIME", "k"],
        &["PERSIST", "k"],
        &["EXPIREAT", "k", "4000000000", "NX"],
        &["EXPIREAT", "k", "4000000001", "NX"],
        &["EXPIRETIME", "k"],
        // Conditions with an expiry (absolute times: no timing races).
        &["EXPIREAT", "k", "4000000000", "GT"],
        &["EXPIREAT", "k", "4000000000", "LT"],
        &["EXPIREAT", "k", "4000000001", "GT"],
        &["EXPIREAT", "k", "4000000005", "LT"],
        &["EXPIREAT", "k", "3999999999", "LT"],
        &["EXPIRETIME", "k"],
        &["PEXPIREAT", "k", "3999999999001", "gt", "XX"],
        &["PEXPIREAT", "k", "3999999999000", "lt", "xx"],
        &["PEXPIRETIME", "k"],
        &["EXPIRE", "k", "100", "XX"],
        &["EXPIRE", "k", "100", "NX"],
        &["TTL", "k"],
        &["EXPIREAT", "k", "4000000000", "LT"],
        &["EXPIRE", "k", "-1", "GT"],
        &["EXISTS", "k"],
        &["EXPIRE", "k", "-1", "LT"],
        &["EXISTS", "k"],
        &["DBSIZE"],
    ]);
}

/// Expiry moves with RENAME, MOVE, COPY and RESTORE, and is cleared by
/// PERSIST, in other databases too.
#[test]
fn differential_expiry_with_other_commands() {
    let mut o = Diff::labelled("expiry_with_other_commands");
    o.check_all(&[
        &["SET", "a", "1"],
        &["EXPIREAT", "a", "4000000000"],
        &["RENAME", "a", "b"],
        &["EXPIRETIME", "b"],
        &["COPY", "b", "c"],
        &["EXPIRETIME", "c"],
        &["MOVE", "c", "1"],
        &["RESTORE", "d", "0", "$DUMP:b"],
        &["EXPIRETIME", "d"],
        &["SELECT", "1"],
        &["EXPIRETIME", "c"],
        &["PERSIST", "c"],
        &["TTL", "c"],
        &["RPUSH", "l", "x"],
        &["PEXPIRE", "l", "50000"],
        &["PTTL", "l"],
        &["SWAPDB", "0", "1"],
        &["EXPIRETIME", "b"],
        &["TTL", "l"],
        &["SELECT", "0"],
        &["TTL", "l"],
        &["FLUSHALL"],
        &["TTL", "l"],
    ]);
}
