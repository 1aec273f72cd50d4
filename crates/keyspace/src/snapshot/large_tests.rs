//! Records larger than a chunk: split into parts on the way out,
//! reassembled and validated as a whole on the way in. Small chunk sizes
//! exercise the same code as the replication layer's 1 MiB chunks with
//! values of hundreds of MiB.

use bytes::Bytes;
use proptest::prelude::*;
use resp::Reply;

use super::tests::{concat, drain, restore_ok, run, snapshot_of, MAX_CHUNKS};
use super::*;
use crate::{Op, Value};

/// A keyspace with small keys around a long string, a hash and a list
/// whose encodings are each far larger than `max` bytes.
fn with_large_values() -> Keyspace {
    let mut ks = Keyspace::new(4);
    for i in 0..50 {
        let k = format!("small{i}");
        run(&mut ks, i % 4, 0, &[b"SET", k.as_bytes(), b"v"]);
    }
    let long: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
    run(&mut ks, 1, 0, &[b"SET", b"long", &long, b"PX", b"100000"]);
    for i in 0..300 {
        let field = format!("field{i}");
        run(
            &mut ks,
            2,
            0,
            &[b"HSET", b"hash", field.as_bytes(), &[b'h'; 100]],
        );
        run(&mut ks, 3, 0, &[b"RPUSH", b"list", &long[..90 + i % 7]]);
    }
    ks
}

/// Every chunk but the last is at most about twice the split size.
fn assert_bounded(chunks: &[Vec<u8>], max: usize) {
    let limit = 2 * max.max(MIN_SPLIT_BYTES) + 64;
    for chunk in &chunks[..chunks.len() - 1] {
        assert!(chunk.len() <= limit, "chunk of {} bytes", chunk.len());
    }
}

/// Splits `bytes` (one snapshot stream) into its records.
fn records(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![bytes[..PREFIX_LEN].to_vec()];
    let mut rest = &bytes[PREFIX_LEN..];
    while !rest.is_empty() {
        let (_, total) = frame_header(rest).unwrap().unwrap();
        out.push(rest[..total].to_vec());
        rest = &rest[total..];
    }
    out
}

fn tag(record: &[u8]) -> u8 {
    record[0]
}

#[test]
fn large_values_are_split_into_bounded_chunks_and_restore() {
    let mut ks = with_large_values();
    for max in [0, 300, 1000, 4096] {
        let chunks = snapshot_of(&mut ks, max);
        assert_bounded(&chunks, max);
        assert!(chunks.len() > 20, "{} chunks", chunks.len());
        assert!(restore_ok(&chunks).logically_equal(&ks), "max_bytes {max}");
        let bytes = concat(&chunks);
        let split: Vec<&[u8]> = bytes.chunks(97).collect();
        assert!(Keyspace::restore(split).unwrap().logically_equal(&ks));
    }
    // Large records, and only they, were split.
    let all = records(&concat(&snapshot_of(&mut ks, 1000)));
    let starts = all.iter().filter(|r| tag(r) == TAG_LARGE).count();
    assert_eq!(starts, 3);
    assert!(all.iter().filter(|r| tag(r) == TAG_PART).count() > 20);
    // Without a small chunk size nothing is split.
    let whole = records(&concat(&snapshot_of(&mut ks, usize::MAX)));
    assert!(whole
        .iter()
        .all(|r| tag(r) != TAG_LARGE && tag(r) != TAG_PART));
}

#[test]
fn a_large_record_is_held_once_while_its_parts_go_out() {
    let mut ks = Keyspace::new(1);
    ks.db_mut(0)
        .insert(b"long", Value::string(&[b'x'; 100_000]));
    ks.begin_snapshot().unwrap();
    let first = ks.snapshot_chunk(1000).unwrap();
    let stats = ks.snapshot_stats().unwrap();
    assert!(first.len() <= 1000, "{}", first.len());
    // The serialised record and nothing else (no pending copies).
    assert!((100_000..100_100).contains(&stats.split_bytes), "{stats:?}");
    assert_eq!(stats.pending_bytes, 0);
    let mut chunks = vec![first];
    chunks.extend(drain(&mut ks, 1000));
    assert!(chunks.len() >= 100);
    assert!(restore_ok(&chunks).logically_equal(&ks));
}

#[test]
fn large_pre_images_and_a_large_header_are_split_too() {
    let mut ks = with_large_values();
    // A watched key longer than a chunk makes the header large.
    let watch = Op::Watch {
        session: 1,
        keys: vec![(0, Bytes::from(vec![b'w'; 5000]))],
    };
    ks.apply(&watch, 0, 0, &mut Reply::new(false));
    let expected = ks.clone();
    ks.begin_snapshot().unwrap();
    let mut chunks = vec![ks.snapshot_chunk(500).unwrap()];
    assert_eq!(tag(&chunks[0][PREFIX_LEN..]), TAG_LARGE);
    // Change the large values before the cursor reaches them: their
    // pre-images are large pending records (the last one takes the
    // pending buffer over, the others are copied out of it).
    run(&mut ks, 2, 0, &[b"HSET", b"hash", b"new", b"x"]);
    run(&mut ks, 1, 0, &[b"APPEND", b"long", b"tail"]);
    run(&mut ks, 1, 0, &[b"SET", b"small1", b"changed"]);
    run(&mut ks, 3, 0, &[b"DEL", b"list"]);
    chunks.extend(drain(&mut ks, 500));
    assert_bounded(&chunks, 500);
    assert!(restore_ok(&chunks).logically_equal(&expected));
}

/// A snapshot of one large string in parts of about 300 bytes, as
/// records: prefix, header, large start, parts..., end.
fn split_records() -> (Keyspace, Vec<Vec<u8>>) {
    let mut ks = Keyspace::new(1);
    let long: Vec<u8> = (0..3000u32).map(|i| (i % 253) as u8).collect();
    ks.db_mut(0).insert(b"long", Value::string(&long));
    let all = records(&concat(&snapshot_of(&mut ks, 300)));
    assert_eq!(tag(&all[2]), TAG_LARGE);
    assert!(all.len() > 8);
    (ks, all)
}

#[test]
fn lost_reordered_repeated_or_damaged_parts_are_corruption() {
    let (ks, all) = split_records();
    assert!(restore_ok(&[all.concat()]).logically_equal(&ks));
    let parts = 3..all.len() - 1;
    let damage = |f: &dyn Fn(&mut Vec<Vec<u8>>)| {
        let mut damaged = all.clone();
        f(&mut damaged);
        Keyspace::restore([damaged.concat()]).unwrap_err()
    };
    let out_of_order = CodecError("large record part out of order");
    assert_eq!(damage(&|r| drop(r.remove(4))), out_of_order);
    assert_eq!(damage(&|r| r.swap(4, 5)), out_of_order);
    assert_eq!(damage(&|r| r.insert(4, r[4].clone())), out_of_order);
    assert_eq!(
        damage(&|r| drop(r.remove(parts.end - 1))),
        CodecError("large record interrupted before its last part")
    );
    assert_eq!(
        damage(&|r| r.insert(5, r[2].clone())),
        CodecError("large record interrupted before its last part")
    );
    assert_eq!(
        damage(&|r| drop(r.remove(2))),
        CodecError("large record part without its start")
    );
    assert_eq!(damage(&|r| r.truncate(6)), CodecError("truncated snapshot"));
    // A flipped data byte (the last byte of a part is always data).
    assert_eq!(
        damage(&|r| *r[4].last_mut().unwrap() ^= 1),
        CodecError("large record checksum mismatch")
    );
    // Parts of another value at the same offsets.
    let (_, other) = {
        let mut ks = Keyspace::new(1);
        ks.db_mut(0).insert(b"long", Value::string(&[7u8; 3000]));
        let all = records(&concat(&snapshot_of(&mut ks, 300)));
        (ks, all)
    };
    assert_eq!(
        damage(&|r| r[5] = other[5].clone()),
        CodecError("large record checksum mismatch")
    );
    // A version 1 stream has no large records (its header has no
    // scripting state: the two empty counts are dropped).
    let mut v1 = all.clone();
    v1[0][8] = 1;
    let header_len = v1[1].len() - 2;
    v1[1].truncate(header_len);
    v1[1][1] -= 2;
    assert_eq!(
        Keyspace::restore([v1.concat()]).unwrap_err(),
        CodecError("unknown record type")
    );
}

#[test]
fn malformed_large_records_are_named() {
    let (_, all) = split_records();
    let head = all[..2].concat();
    let large = |inner: u8, len: u64| {
        let mut buf = head.clone();
        write_frame(&mut buf, TAG_LARGE, |w| {
            w.u8(inner);
            w.varint(len);
            w.buf.extend_from_slice(&[0; 4]);
        });
        buf
    };
    let part = |offset: u64, data: &[u8]| {
        let mut buf = Vec::new();
        write_frame(&mut buf, TAG_PART, |w| {
            w.varint(offset);
            w.buf.extend_from_slice(data);
        });
        buf
    };
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (large(TAG_END, 5), "invalid large record type"),
        (large(TAG_LARGE, 5), "invalid large record type"),
        (large(TAG_ENTRY, 0), "invalid large record length"),
        (
            [large(TAG_ENTRY, 3), part(0, b"")].concat(),
            "empty large record part",
        ),
        (
            [large(TAG_ENTRY, 3), part(0, b"abcd")].concat(),
            "large record part exceeds its length",
        ),
        (
            [large(TAG_ENTRY, 3), part(1, b"a")].concat(),
            "large record part out of order",
        ),
        (
            [large(TAG_ENTRY, 3), part(0, b"abc")].concat(),
            "large record checksum mismatch",
        ),
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
fn a_huge_declared_length_allocates_only_what_arrives() {
    let (_, all) = split_records();
    let mut bytes = all[..2].concat();
    write_frame(&mut bytes, TAG_LARGE, |w| {
        w.u8(TAG_ENTRY);
        w.varint(1 << 62);
        w.buf.extend_from_slice(&[0; 4]);
    });
    let mut loader = SnapshotLoader::new();
    loader.feed(&bytes).unwrap();
    let mut offset = 0u64;
    for _ in 0..10 {
        let mut part = Vec::new();
        write_frame(&mut part, TAG_PART, |w| {
            w.varint(offset);
            w.buf.extend_from_slice(&[1; 1000]);
        });
        loader.feed(&part).unwrap();
        offset += 1000;
    }
    let large = loader.large.as_ref().unwrap();
    assert_eq!(large.body.len(), 10_000);
    assert!(large.body.capacity() <= 20_000, "{}", large.body.capacity());
    assert_eq!(
        loader.finish().unwrap_err(),
        CodecError("truncated snapshot")
    );
}

#[test]
fn the_reassembly_buffer_never_exceeds_the_record() {
    let (ks, all) = split_records();
    let mut loader = SnapshotLoader::new();
    for record in &all[..all.len() - 1] {
        loader.feed(record).unwrap();
        if let Some(large) = &loader.large {
            assert!(large.body.capacity() <= large.len);
        }
    }
    loader.feed(all.last().unwrap()).unwrap();
    assert!(loader.finish().unwrap().logically_equal(&ks));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_value_size_with_any_chunk_size_round_trips(
        sizes in proptest::collection::vec(0usize..3000, 1..8),
        max in 0usize..2000,
    ) {
        let mut ks = Keyspace::new(2);
        for (i, size) in sizes.iter().enumerate() {
            let value: Vec<u8> = (0..*size).map(|b| (b * 7 + i) as u8).collect();
            ks.db_mut(i % 2).insert(format!("k{i}").as_bytes(), Value::string(&value));
        }
        ks.begin_snapshot().unwrap();
        let chunks = drain(&mut ks, max);
        prop_assert!(chunks.len() < MAX_CHUNKS);
        assert_bounded(&chunks, max);
        prop_assert!(restore_ok(&chunks).logically_equal(&ks));
    }
}

#[test]
fn the_documented_large_record_example_is_exact() {
    // docs/design/snapshot.md, "Large records (version 2)", "Example".
    let mut ks = Keyspace::new(1);
    let value: Vec<u8> = (0..3000u32).map(|i| i as u8).collect();
    ks.db_mut(0).insert(b"k", Value::string(&value));
    let chunks = snapshot_of(&mut ks, 300);
    let body = [&[0x00, 0x01, 0x6B, 0x00, 0x01, 0xB8, 0x17][..], &value].concat();
    assert_eq!(body.len(), 3007);
    let crc = crc32c::crc32c(&body).to_le_bytes();
    let first = [
        &b"KEELKEYS"[..],
        &[0x03, 0x00, 0x00, 0x00],
        &[0x01, 0x07, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
        &[0x04, 0x07, 0x02, 0xBF, 0x17],
        &crc,
        &[0x05, 0xFA, 0x01, 0x00],
        &body[..249],
    ]
    .concat();
    assert_eq!(chunks[0], first);
    let second = [&[0x05, 0x99, 0x02, 0xF9, 0x01][..], &body[249..249 + 279]].concat();
    assert_eq!(chunks[1], second);
    assert_eq!(chunks.len(), 11);
    assert!(chunks.last().unwrap().ends_with(&[0x03, 0x01, 0x01]));
}
