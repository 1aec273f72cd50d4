//! Corrupt input: truncations, flipped bytes, garbage, huge declared
//! lengths and structural errors are refused without panicking.

use bytes::Bytes;
use proptest::prelude::*;
use resp::Reply;

use super::tests::{assert_consistent, concat, drain, sample, snapshot_of};
use super::*;
use crate::{Op, Value};

fn valid_snapshot() -> (Keyspace, Vec<u8>) {
    let mut ks = sample(0);
    let watch = Op::Watch {
        session: 1,
        keys: vec![(0, Bytes::from("str"))],
    };
    ks.apply(&watch, 1, 0, &mut Reply::new(false));
    let bytes = concat(&snapshot_of(&mut ks, 100));
    (ks, bytes)
}

#[test]
fn every_truncation_is_rejected() {
    let (_, bytes) = valid_snapshot();
    for len in 0..bytes.len() {
        assert!(
            Keyspace::restore([&bytes[..len]]).is_err(),
            "truncated to {len} bytes"
        );
    }
    // Lost bytes in the middle, at every record boundary and elsewhere.
    for cut in (12..bytes.len()).step_by(7) {
        let mut damaged = bytes[..cut].to_vec();
        damaged.extend_from_slice(&bytes[cut + 1..]);
        let _ = Keyspace::restore([damaged]);
    }
}

#[test]
fn trailing_data_and_repeated_chunks_are_rejected() {
    let (_, bytes) = valid_snapshot();
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(
        Keyspace::restore([longer]).unwrap_err(),
        CodecError("data after the end record")
    );
    assert!(Keyspace::restore([&bytes, &bytes]).is_err());
    let mut ks = sample(0);
    ks.begin_snapshot().unwrap();
    let mut chunks = drain(&mut ks, 40);
    // A lost chunk in the middle is caught by the record count.
    chunks.remove(chunks.len() / 2);
    assert!(Keyspace::restore(&chunks).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn flipped_bytes_never_panic(flips in proptest::collection::vec((any::<usize>(), 1u8..=255), 1..4)) {
        let (ks, mut bytes) = valid_snapshot();
        for (at, x) in flips {
            let at = at % bytes.len();
            bytes[at] ^= x;
        }
        if let Ok(restored) = Keyspace::restore([&bytes]) {
            assert_consistent(&restored);
            // A flip may land in a value and still decode; then it is a
            // different but well-formed state.
            let _ = restored.logically_equal(&ks);
        }
    }

    #[test]
    fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut with_magic = MAGIC.to_vec();
        with_magic.extend_from_slice(&VERSION.to_le_bytes());
        with_magic.extend_from_slice(&bytes);
        let _ = Keyspace::restore([&bytes]);
        let _ = Keyspace::restore([&with_magic]);
    }
}

/// Magic, version and a header record for `databases` databases.
fn prefix(databases: u64) -> Vec<u8> {
    let mut buf = MAGIC.to_vec();
    buf.extend_from_slice(&VERSION.to_le_bytes());
    write_frame(&mut buf, TAG_HEADER, |w| {
        w.varint(databases);
        w.varint(0);
        w.varint(0);
        w.varint(0);
        w.varint(0);
        // No cached scripts, no function libraries.
        w.varint(0);
        w.varint(0);
    });
    buf
}

#[test]
fn huge_declared_lengths_allocate_nothing() {
    // A record declaring 2^62 bytes: waits for them, then is truncated.
    let mut bytes = prefix(16);
    bytes.push(TAG_ENTRY);
    let mut w = Writer::new();
    w.varint(1 << 62);
    bytes.extend_from_slice(&w.buf);
    bytes.extend_from_slice(b"abc");
    let mut loader = SnapshotLoader::new();
    loader.feed(&bytes).unwrap();
    assert!(loader.partial.len() < 20);
    assert_eq!(
        loader.finish().unwrap_err(),
        CodecError("truncated snapshot")
    );
    // A key, a list and a watch list declaring more than the record holds.
    for body in [
        &[0x00, 0xff, 0xff, 0xff, 0xff, 0x0f][..],
        &[0x00, 0x01, b'k', 0x00, 2, 0xff, 0xff, 0xff, 0xff, 0x0f],
    ] {
        let mut bytes = prefix(16);
        write_frame(&mut bytes, TAG_ENTRY, |w| w.buf.extend_from_slice(body));
        assert!(Keyspace::restore([bytes]).is_err());
    }
    let mut bytes = MAGIC.to_vec();
    bytes.extend_from_slice(&VERSION.to_le_bytes());
    write_frame(&mut bytes, TAG_HEADER, |w| {
        w.varint(16);
        w.varint(0);
        w.varint(0);
        w.varint(u64::MAX);
    });
    assert_eq!(
        Keyspace::restore([bytes]).unwrap_err(),
        CodecError("count exceeds data")
    );
    // Too many databases.
    for n in [0, MAX_DATABASES as u64 + 1, u64::MAX] {
        assert_eq!(
            Keyspace::restore([prefix(n)]).unwrap_err(),
            CodecError("invalid number of databases")
        );
    }
    // A length varint that never ends.
    let mut bytes = prefix(16);
    bytes.push(TAG_ENTRY);
    bytes.extend_from_slice(&[0xff; 11]);
    assert_eq!(
        Keyspace::restore([bytes]).unwrap_err(),
        CodecError("record length too long")
    );
}

#[test]
fn structural_errors_are_named() {
    let end = |records: u64| {
        let mut buf = Vec::new();
        write_frame(&mut buf, TAG_END, |w| w.varint(records));
        buf
    };
    let entry = |db: u64, key: &[u8], value: &Value| {
        let mut buf = Vec::new();
        let e = Entry {
            value: value.clone(),
            expire_at: 0,
        };
        write_entry(&mut buf, db, key, &e);
        buf
    };
    let ok = [prefix(2), entry(1, b"k", &Value::Int(1)), end(1)].concat();
    assert!(Keyspace::restore([&ok]).is_ok());
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (Vec::new(), "empty snapshot"),
        (
            b"KEELKEYX\x01\0\0\0".to_vec(),
            "not a keyspace snapshot (bad magic)",
        ),
        (
            b"KEELKEYS\x04\0\0\0".to_vec(),
            "unsupported keyspace snapshot version",
        ),
        (
            [prefix(2)[..12].to_vec(), end(0)].concat(),
            "missing header record",
        ),
        (
            [prefix(2), prefix(2)[12..].to_vec()].concat(),
            "duplicate header record",
        ),
        (
            [prefix(2), entry(2, b"k", &Value::Int(1))].concat(),
            "database index out of range",
        ),
        (
            [
                prefix(2),
                entry(0, b"k", &Value::Int(1)),
                entry(0, b"k", &Value::Int(2)),
            ]
            .concat(),
            "duplicate key",
        ),
        (
            [prefix(2), entry(0, b"k", &Value::List(Box::default()))].concat(),
            "empty collection",
        ),
        (
            [prefix(2), entry(0, b"k", &Value::Int(1)), end(2)].concat(),
            "record count mismatch (lost records)",
        ),
        ([prefix(2), vec![9, 0]].concat(), "unknown record type"),
        (
            [prefix(2), end(0), vec![TAG_END]].concat(),
            "data after the end record",
        ),
        (
            [prefix(2), vec![TAG_END, 2, 0, 0]].concat(),
            "trailing bytes in record",
        ),
        (prefix(2), "truncated snapshot"),
    ];
    for (bytes, message) in cases {
        assert_eq!(
            Keyspace::restore([&bytes]).unwrap_err(),
            CodecError(message),
            "{message}"
        );
    }
}

#[test]
fn a_failed_loader_stays_failed() {
    let mut loader = SnapshotLoader::new();
    assert!(loader.feed(b"nonsense-bytes").is_err());
    assert!(loader.feed(&prefix(1)).is_err());
    assert!(loader.finish().is_err());
}
