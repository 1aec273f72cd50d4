//! Unit tests of DUMP and RESTORE through the command table.

use bytes::Bytes;
use proptest::prelude::*;
use resp::Frame;

use super::{args, err, int, invalidates_watch, list, ok, put, put_str, restore, NOW};
use crate::commands::keys::dump;
use crate::testing::Harness;
use crate::Value;

#[test]
fn dump_restore_round_trips_every_value() {
    let mut h = Harness::at(NOW);
    for (i, value) in dump::sample_values().into_iter().enumerate() {
        let key = format!("src{i}");
        put(&mut h, &key, value.clone());
        let Frame::Bulk(payload) = h.run(&["DUMP", &key]) else {
            panic!("DUMP gave no payload")
        };
        let target = format!("dst{i}");
        let restore = vec![
            Bytes::from_static(b"RESTORE"),
            Bytes::from(target.clone()),
            Bytes::from_static(b"0"),
            payload,
        ];
        assert_eq!(h.run_bytes(&restore, false), ok());
        assert_eq!(h.ks.db(0).get(target.as_bytes(), NOW), Some(&value));
        assert_eq!(h.run(&["PTTL", &target]), int(-1));
        assert_eq!(
            h.run(&["OBJECT", "ENCODING", &target]),
            h.run(&["OBJECT", "ENCODING", &key])
        );
    }
}

#[test]
fn restore_options_ttls_and_errors() {
    let mut h = Harness::at(NOW);
    let payload = Bytes::from(dump::encode(&Value::string(b"v")));
    put_str(&mut h, "busy", "x");
    let busy = err("BUSYKEY Target key name already exists.");
    assert_eq!(restore(&mut h, "busy", "0", &payload, &[]), busy);
    assert_eq!(restore(&mut h, "busy", "x", &payload, &[]), busy);
    assert_eq!(
        restore(&mut h, "busy", "0", &payload, &["FOO"]),
        err("ERR syntax error")
    );
    assert_eq!(
        restore(&mut h, "k", "x", &payload, &[]),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(
        restore(&mut h, "k", "-1", &payload, &[]),
        err("ERR Invalid TTL value, must be >= 0")
    );
    assert_eq!(
        restore(&mut h, "k", "0", &Bytes::from_static(b"xx"), &[]),
        err("ERR DUMP payload version or checksum are wrong")
    );
    assert_eq!(
        restore(&mut h, "k", "0", &payload, &["IDLETIME"]),
        err("ERR syntax error")
    );
    assert_eq!(
        restore(&mut h, "k", "0", &payload, &["IDLETIME", "-1"]),
        err("ERR Invalid IDLETIME value, must be >= 0")
    );
    assert_eq!(
        restore(&mut h, "k", "0", &payload, &["FREQ", "256"]),
        err("ERR Invalid FREQ value, must be >= 0 and <= 255")
    );
    assert_eq!(
        restore(&mut h, "k", "0", &payload, &["FREQ", "1", "IDLETIME", "1"]),
        err("ERR syntax error")
    );
    assert_eq!(
        restore(&mut h, "k", "0", &payload, &["IDLETIME", "1", "FREQ", "1"]),
        err("ERR syntax error")
    );
    assert_eq!(h.run(&["EXISTS", "k"]), int(0));

    assert_eq!(restore(&mut h, "busy", "0", &payload, &["REPLACE"]), ok());
    assert_eq!(h.run(&["PTTL", "busy"]), int(-1));
    assert_eq!(
        restore(&mut h, "t", "5000", &payload, &["IDLETIME", "10"]),
        ok()
    );
    assert_eq!(h.run(&["PTTL", "t"]), int(5000));
    assert_eq!(
        restore(
            &mut h,
            "abs",
            &(NOW + 3000).to_string(),
            &payload,
            &["ABSTTL", "FREQ", "3"]
        ),
        ok()
    );
    assert_eq!(h.run(&["PTTL", "abs"]), int(3000));
    // Expiry in the past: nothing is created, a replaced key is deleted.
    assert_eq!(
        restore(&mut h, "past", &NOW.to_string(), &payload, &["ABSTTL"]),
        ok()
    );
    assert_eq!(h.run(&["EXISTS", "past"]), int(0));
    assert!(!invalidates_watch(
        &mut h,
        0,
        "busy",
        &["RESTORE", "busy", "1", "x"]
    ));
    let mut cmd = args(&["RESTORE", "busy", "1"]);
    cmd.push(payload.clone());
    cmd.extend(args(&["ABSTTL", "REPLACE"]));
    assert_eq!(h.run_bytes(&cmd, false), ok());
    assert_eq!(h.run(&["EXISTS", "busy"]), int(0));
    // A relative TTL that overflows wraps into the past, like Redis.
    assert_eq!(
        restore(&mut h, "wrap", "9223372036854775807", &payload, &[]),
        ok()
    );
    assert_eq!(h.run(&["EXISTS", "wrap"]), int(0));
}

#[test]
fn restore_signals_and_wakes_blocked_clients() {
    let mut h = Harness::at(NOW);
    let payload = dump::encode(&list(&["a", "b"]));
    let mut cmd = args(&["RESTORE", "l", "0"]);
    cmd.push(Bytes::from(payload));
    h.ks.set_ready_tracking(true);
    assert_eq!(h.run_bytes(&cmd, false), ok());
    assert_eq!(
        h.ks.take_ready()
            .into_iter()
            .map(|(d, k)| (d, k.to_vec()))
            .collect::<Vec<_>>(),
        vec![(0, b"l".to_vec())]
    );
    let zset = dump::sample_values()
        .into_iter()
        .find(|v| matches!(v, Value::SortedSet(_)))
        .expect("a sorted set sample");
    let mut zset_cmd = args(&["RESTORE", "z", "0"]);
    zset_cmd.push(Bytes::from(dump::encode(&zset)));
    assert_eq!(h.run_bytes(&zset_cmd, false), ok());
    assert_eq!(h.ks.take_ready().len(), 1);
    let mut string_cmd = args(&["RESTORE", "s", "0"]);
    string_cmd.push(Bytes::from(dump::encode(&Value::Int(5))));
    assert_eq!(h.run_bytes(&string_cmd, false), ok());
    assert!(h.ks.take_ready().is_empty());
}

proptest! {
    /// RESTORE with a corrupted payload always fails cleanly and leaves the
    /// keyspace unchanged.
    #[test]
    fn restore_rejects_corrupt_payloads(
        which in 0usize..64,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..5),
    ) {
        let values = dump::sample_values();
        let payload = dump::encode(&values[which % values.len()]);
        let mut bad = payload.clone();
        for (at, mask) in &flips {
            let i = at.index(bad.len());
            bad[i] ^= mask;
        }
        prop_assume!(bad != payload);
        let mut h = Harness::at(NOW);
        let mut cmd = args(&["RESTORE", "k", "0"]);
        cmd.push(Bytes::from(bad));
        prop_assert!(matches!(h.run_bytes(&cmd, false), Frame::Error(_)));
        prop_assert_eq!(h.ks.db(0).len(), 0);
    }
}
