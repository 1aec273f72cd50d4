//! Tests of the bitmap commands: unit tests, a model-based property test of
//! BITFIELD arithmetic, and differential tests against redis-server.

use proptest::prelude::*;
use resp::Frame;

use super::*;
use crate::commands::string::tests::{assert_same_replies_with_list, bulk, err, WRONGTYPE};
use crate::testing::{assert_same_replies, Harness};

fn int(n: i64) -> Frame {
    Frame::Integer(n)
}

fn ints(ns: &[i64]) -> Frame {
    Frame::Array(ns.iter().map(|n| Frame::Integer(*n)).collect())
}

#[test]
fn setbit_getbit() {
    let mut h = Harness::at(1);
    assert_eq!(h.run(&["SETBIT", "k", "7", "1"]), int(0));
    assert_eq!(h.run(&["GET", "k"]), bulk("\x01"));
    assert_eq!(h.run(&["SETBIT", "k", "7", "0"]), int(1));
    assert_eq!(h.run(&["SETBIT", "k", "100", "1"]), int(0));
    assert_eq!(h.run(&["STRLEN", "k"]), int(13));
    assert_eq!(h.run(&["GETBIT", "k", "100"]), int(1));
    assert_eq!(h.run(&["GETBIT", "k", "4294967295"]), int(0));
    assert_eq!(h.run(&["GETBIT", "nokey", "0"]), int(0));
    let bad_offset = err("ERR bit offset is not an integer or out of range");
    assert_eq!(h.run(&["SETBIT", "k", "4294967296", "1"]), bad_offset);
    assert_eq!(h.run(&["SETBIT", "k", "-1", "1"]), bad_offset);
    assert_eq!(h.run(&["GETBIT", "k", "x"]), bad_offset);
    let bad_bit = err("ERR bit is not an integer or out of range");
    assert_eq!(h.run(&["SETBIT", "k", "1", "2"]), bad_bit);
    assert_eq!(h.run(&["SETBIT", "k", "1", "-1"]), bad_bit);
    // Integers are bitmaps of their decimal text.
    h.run(&["SET", "n", "1"]);
    assert_eq!(h.run(&["GETBIT", "n", "7"]), int(1));
    assert_eq!(h.run(&["SETBIT", "n", "6", "1"]), int(0));
    assert_eq!(h.run(&["GET", "n"]), bulk("3"));
}

#[test]
fn bitcount_and_bitpos() {
    let mut h = Harness::at(1);
    h.run(&["SET", "k", "foobar"]);
    assert_eq!(h.run(&["BITCOUNT", "k"]), int(26));
    assert_eq!(h.run(&["BITCOUNT", "k", "0", "0"]), int(4));
    assert_eq!(h.run(&["BITCOUNT", "k", "1", "1"]), int(6));
    assert_eq!(h.run(&["BITCOUNT", "k", "1", "1", "BYTE"]), int(6));
    assert_eq!(h.run(&["BITCOUNT", "k", "5", "30", "BIT"]), int(17));
    assert_eq!(h.run(&["BITCOUNT", "k", "-2", "-1"]), int(7));
    assert_eq!(h.run(&["BITCOUNT", "k", "0"]), err("ERR syntax error"));
    assert_eq!(h.run(&["BITCOUNT", "nokey", "0"]), int(0));
    h.run(&["SET", "p", "\u{0}\u{ff}\u{f0}"]);
    assert_eq!(h.run(&["BITPOS", "nokey", "1"]), int(-1));
    assert_eq!(h.run(&["BITPOS", "nokey", "0"]), int(0));
    h.ks.db_mut(0)
        .insert(b"p", Value::Str(Blob::from_slice(&[0x00, 0xff, 0xf0])));
    assert_eq!(h.run(&["BITPOS", "p", "1"]), int(8));
    assert_eq!(h.run(&["BITPOS", "p", "1", "2"]), int(16));
    assert_eq!(h.run(&["BITPOS", "p", "0", "1"]), int(20));
    assert_eq!(h.run(&["BITPOS", "p", "1", "7", "15", "BIT"]), int(8));
    assert_eq!(h.run(&["BITPOS", "p", "0", "8", "15", "BIT"]), int(-1));
    h.ks.db_mut(0)
        .insert(b"f", Value::Str(Blob::from_slice(&[0xff, 0xff])));
    assert_eq!(h.run(&["BITPOS", "f", "0"]), int(16));
    assert_eq!(h.run(&["BITPOS", "f", "0", "0"]), int(16));
    assert_eq!(h.run(&["BITPOS", "f", "0", "0", "-1"]), int(-1));
    assert_eq!(
        h.run(&["BITPOS", "f", "2"]),
        err("ERR The bit argument must be 1 or 0.")
    );
}

#[test]
fn bitop() {
    let mut h = Harness::at(1);
    h.ks.db_mut(0)
        .insert(b"a", Value::Str(Blob::from_slice(&[0xf0, 0x0f])));
    h.ks.db_mut(0)
        .insert(b"b", Value::Str(Blob::from_slice(&[0xff])));
    let get = |h: &Harness, k: &[u8]| match h.ks.db(0).get(k, 1) {
        Some(Value::Str(s)) => s.to_vec(),
        other => panic!("{other:?}"),
    };
    assert_eq!(h.run(&["BITOP", "AND", "d", "a", "b"]), int(2));
    assert_eq!(get(&h, b"d"), vec![0xf0, 0x00]);
    assert_eq!(h.run(&["BITOP", "OR", "d", "a", "b"]), int(2));
    assert_eq!(get(&h, b"d"), vec![0xff, 0x0f]);
    assert_eq!(h.run(&["BITOP", "XOR", "d", "a", "b", "nokey"]), int(2));
    assert_eq!(get(&h, b"d"), vec![0x0f, 0x0f]);
    assert_eq!(h.run(&["BITOP", "NOT", "d", "a"]), int(2));
    assert_eq!(get(&h, b"d"), vec![0x0f, 0xf0]);
    assert_eq!(h.run(&["BITOP", "AND", "d", "nokey"]), int(0));
    assert_eq!(h.ks.db(0).get(b"d", 1), None);
    assert_eq!(
        h.run(&["BITOP", "NOT", "d", "a", "b"]),
        err("ERR BITOP NOT must be called with a single source key.")
    );
    assert_eq!(h.run(&["BITOP", "NAND", "d", "a"]), err("ERR syntax error"));
    h.ks.db_mut(0)
        .insert(b"l", crate::commands::string::tests::a_list());
    assert_eq!(h.run(&["BITOP", "OR", "d", "a", "l"]), err(WRONGTYPE));
    // The destination may hold any type: it is replaced.
    assert_eq!(h.run(&["BITOP", "OR", "l", "a"]), int(2));
}

#[test]
fn bitfield_basics() {
    let mut h = Harness::at(1);
    assert_eq!(
        h.run(&[
            "BITFIELD", "k", "SET", "i8", "0", "-100", "GET", "u4", "0", "INCRBY", "i8", "0", "1"
        ]),
        ints(&[0, 9, -99])
    );
    assert_eq!(
        h.run(&[
            "BITFIELD", "k", "INCRBY", "u2", "100", "1", "OVERFLOW", "SAT", "INCRBY", "u2", "102",
            "5"
        ]),
        ints(&[1, 3])
    );
    assert_eq!(
        h.run(&[
            "BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", "100", "5", "GET", "u2", "100"
        ]),
        Frame::Array(vec![Frame::Null, int(1)])
    );
    assert_eq!(
        h.run(&["BITFIELD", "k", "SET", "u8", "#1", "255", "GET", "u8", "8", "GET", "i16", "0"]),
        ints(&[0, 255, -25_089])
    );
    assert_eq!(
        h.run(&["BITFIELD_RO", "k", "GET", "u8", "#1"]),
        ints(&[255])
    );
    assert_eq!(
        h.run(&["BITFIELD_RO", "k", "SET", "u8", "0", "1"]),
        err("ERR BITFIELD_RO only supports the GET subcommand")
    );
    assert_eq!(
        h.run(&["BITFIELD", "k", "GET", "u64", "0"]),
        err("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.")
    );
    assert_eq!(
        h.run(&["BITFIELD", "k", "OVERFLOW", "MAYBE"]),
        err("ERR Invalid OVERFLOW type specified")
    );
    assert_eq!(
        h.run(&["BITFIELD", "k", "GET", "u8"]),
        err("ERR syntax error")
    );
    assert_eq!(h.run(&["BITFIELD", "nokey"]), Frame::Array(vec![]));
    assert_eq!(h.ks.db(0).get(b"nokey", 1), None);
    // A failed write still creates the key, zero-filled, like Redis.
    assert_eq!(
        h.run(&["BITFIELD", "new", "OVERFLOW", "FAIL", "SET", "u2", "9", "7"]),
        Frame::Array(vec![Frame::Null])
    );
    assert_eq!(h.run(&["GET", "new"]), bulk("\0\0"));
    // Offsets are checked before anything grows.
    assert_eq!(
        h.run(&["BITFIELD", "k", "SET", "u8", "#536870912", "1"]),
        err("ERR bit offset is not an integer or out of range")
    );
}

/// The value of a field in a model bit vector (most significant first).
fn model_get(bits: &[bool], offset: usize, ty: FieldType) -> i128 {
    let mut v: i128 = 0;
    for i in 0..ty.bits as usize {
        v = v * 2 + i128::from(bits.get(offset + i).copied().unwrap_or(false));
    }
    if ty.signed && v >= 1i128 << (ty.bits - 1) {
        v -= 1i128 << ty.bits;
    }
    v
}

fn model_set(bits: &mut Vec<bool>, offset: usize, ty: FieldType, v: i128) {
    let end = offset + ty.bits as usize;
    if bits.len() < end.div_ceil(8) * 8 {
        bits.resize(end.div_ceil(8) * 8, false);
    }
    let modulus = 1i128 << ty.bits;
    let mut raw = v.rem_euclid(modulus);
    for i in (0..ty.bits as usize).rev() {
        bits[offset + i] = raw % 2 == 1;
        raw /= 2;
    }
}

/// What storing the exact value `v` does under each policy, computed with
/// modular arithmetic.
fn model_fit(v: i128, ty: FieldType, overflow: Overflow) -> Option<i128> {
    let (min, max) = if ty.signed {
        (-(1i128 << (ty.bits - 1)), (1i128 << (ty.bits - 1)) - 1)
    } else {
        (0, (1i128 << ty.bits) - 1)
    };
    if (min..=max).contains(&v) {
        return Some(v);
    }
    match overflow {
        Overflow::Wrap => Some((v - min).rem_euclid(max - min + 1) + min),
        Overflow::Sat => Some(v.clamp(min, max)),
        Overflow::Fail => None,
    }
}

fn field_type() -> impl Strategy<Value = FieldType> {
    prop_oneof![
        (1u32..=64).prop_map(|bits| FieldType { signed: true, bits }),
        (1u32..=63).prop_map(|bits| FieldType {
            signed: false,
            bits
        }),
    ]
}

fn overflow() -> impl Strategy<Value = Overflow> {
    prop_oneof![
        Just(Overflow::Wrap),
        Just(Overflow::Sat),
        Just(Overflow::Fail)
    ]
}

fn edge_i64() -> impl Strategy<Value = i64> {
    prop_oneof![
        any::<i64>(),
        -300i64..300,
        Just(i64::MAX),
        Just(i64::MIN),
        (0u32..64).prop_map(|s| 1i64.wrapping_shl(s)),
        (0u32..64).prop_map(|s| 1i64.wrapping_shl(s).wrapping_neg()),
    ]
}

proptest! {
    /// BITFIELD SET / INCRBY / GET agree with a bit-vector model using
    /// exact modular arithmetic.
    #[test]
    fn bitfield_matches_model(
        ops in proptest::collection::vec((0u8..3, field_type(), 0usize..80, edge_i64(), overflow()), 1..40)
    ) {
        let mut h = Harness::at(1);
        let mut model: Vec<bool> = Vec::new();
        for (kind, ty, offset, value, ow) in ops {
            let t = format!("{}{}", if ty.signed { "i" } else { "u" }, ty.bits);
            let (off, val) = (offset.to_string(), value.to_string());
            let ow_name = match ow { Overflow::Wrap => "WRAP", Overflow::Sat => "SAT", Overflow::Fail => "FAIL" };
            let old = model_get(&model, offset, ty);
            let (cmd, expected): (Vec<&str>, Frame) = match kind {
                0 => (vec!["BITFIELD", "k", "GET", &t, &off], Frame::Integer(old as i64)),
                1 => {
                    let wanted = if ty.signed { i128::from(value) } else { i128::from(value as u64) };
                    let fit = model_fit(wanted, ty, ow);
                    // A write grows the string even when it fails.
                    model_set(&mut model, offset, ty, old);
                    if let Some(v) = fit { model_set(&mut model, offset, ty, v); }
                    (vec!["BITFIELD", "k", "OVERFLOW", ow_name, "SET", &t, &off, &val],
                     fit.map_or(Frame::Null, |_| Frame::Integer(old as i64)))
                }
                _ => {
                    let fit = model_fit(old + i128::from(value), ty, ow);
                    model_set(&mut model, offset, ty, old);
                    if let Some(v) = fit { model_set(&mut model, offset, ty, v); }
                    (vec!["BITFIELD", "k", "OVERFLOW", ow_name, "INCRBY", &t, &off, &val],
                     fit.map_or(Frame::Null, |v| Frame::Integer(v as i64)))
                }
            };
            prop_assert_eq!(h.run(&cmd), Frame::Array(vec![expected]), "{:?}", cmd);
        }
        let bytes: Vec<u8> = model.chunks(8).map(|c| c.iter().fold(0u8, |a, b| a << 1 | u8::from(*b))).collect();
        let stored = match h.ks.db(0).get(b"k", 1) {
            Some(Value::Str(s)) => s.to_vec(),
            None => Vec::new(),
            other => panic!("{other:?}"),
        };
        prop_assert_eq!(stored, bytes);
    }

    /// Bit counting and searching agree with a per-bit model.
    #[test]
    fn bitcount_bitpos_match_model(
        data in proptest::collection::vec(any::<u8>(), 1..12),
        first in 0u64..96,
        len in 0u64..96,
        bit in any::<bool>(),
    ) {
        let nbits = data.len() as u64 * 8;
        let first = first % nbits;
        let last = (first + len).min(nbits - 1);
        let model: Vec<bool> = (first..=last).map(|i| bit_at(&data, i) == 1).collect();
        prop_assert_eq!(count_bits(&data, first, last), model.iter().filter(|b| **b).count() as u64);
        prop_assert_eq!(
            find_bit(&data, first, last, bit),
            model.iter().position(|b| *b == bit).map(|p| first + p as u64)
        );
    }
}

#[test]
fn differential_setbit_getbit_bitcount() {
    assert_same_replies(&[
        &["SETBIT", "b", "7", "1"],
        &["SETBIT", "b", "7", "1"],
        &["SETBIT", "b", "7", "0"],
        &["SETBIT", "b", "100", "1"],
        &["GET", "b"],
        &["GETBIT", "b", "100"],
        &["GETBIT", "b", "101"],
        &["GETBIT", "b", "100000"],
        &["GETBIT", "b", "4294967295"],
        &["GETBIT", "b", "4294967296"],
        &["GETBIT", "b", "-1"],
        &["GETBIT", "b", "x"],
        &["GETBIT", "b", "#8"],
        &["GETBIT", "nokey", "3"],
        &["SETBIT", "b", "4294967296", "1"],
        &["SETBIT", "b", "-1", "1"],
        &["SETBIT", "b", "x", "1"],
        &["SETBIT", "b", "1", "2"],
        &["SETBIT", "b", "1", "-1"],
        &["SETBIT", "b", "1", "01"],
        &["SETBIT", "b", "1", "x"],
        &["SETBIT", "b", "x", "x"],
        &["SETBIT", "z", "0", "0"],
        &["GET", "z"],
        &["SET", "n", "12"],
        &["GETBIT", "n", "7"],
        &["SETBIT", "n", "7", "0"],
        &["GET", "n"],
        &["SET", "s", "foobar"],
        &["BITCOUNT", "s"],
        &["BITCOUNT", "s", "0", "0"],
        &["BITCOUNT", "s", "1", "1"],
        &["BITCOUNT", "s", "0", "-1"],
        &["BITCOUNT", "s", "-2", "-1"],
        &["BITCOUNT", "s", "-100", "-200"],
        &["BITCOUNT", "s", "-200", "-100"],
        &["BITCOUNT", "s", "-100", "100"],
        &["BITCOUNT", "s", "3", "1"],
        &["BITCOUNT", "s", "1", "1", "BYTE"],
        &["BITCOUNT", "s", "1", "1", "byte"],
        &["BITCOUNT", "s", "5", "30", "BIT"],
        &["BITCOUNT", "s", "0", "-1", "bit"],
        &["BITCOUNT", "s", "-5", "-1", "BIT"],
        &["BITCOUNT", "s", "7", "7", "BIT"],
        &["BITCOUNT", "s", "8", "7", "BIT"],
        &["BITCOUNT", "s", "9", "14", "BIT"],
        &["BITCOUNT", "s", "0", "1000", "BIT"],
        &["BITCOUNT", "s", "1", "1", "BITS"],
        // An empty negative range answers 0 before the unit is parsed
        // (found by the end-to-end differential test).
        &["BITCOUNT", "s", "-20", "-9223372036854775808", "bits"],
        &["BITCOUNT", "s", "-1", "-2", "foo"],
        &["BITCOUNT", "s", "-2", "-1", "foo"],
        &["BITCOUNT", "s", "2", "1", "foo"],
        &["BITCOUNT", "s", "1"],
        &["BITCOUNT", "s", "1", "2", "BIT", "x"],
        &["BITCOUNT", "s", "a", "2"],
        &[
            "BITCOUNT",
            "s",
            "-9223372036854775808",
            "9223372036854775807",
        ],
        &[
            "BITCOUNT",
            "s",
            "-9223372036854775808",
            "9223372036854775807",
            "BIT",
        ],
        &["BITCOUNT", "nokey", "a", "b"],
        &["BITCOUNT", "nokey", "1"],
        &["BITCOUNT", "n"],
        &["SET", "e", ""],
        &["BITCOUNT", "e"],
        &["BITCOUNT", "e", "0", "-1"],
        &["BITCOUNT", "e", "0", "-1", "BIT"],
    ]);
}

#[test]
fn differential_bitpos() {
    assert_same_replies(&[
        &["SETRANGE", "p", "1", "\u{7f}"],
        &["SETBIT", "p", "23", "1"],
        &["BITPOS", "p", "1"],
        &["BITPOS", "p", "0"],
        &["BITPOS", "p", "1", "1"],
        &["BITPOS", "p", "1", "2"],
        &["BITPOS", "p", "1", "3"],
        &["BITPOS", "p", "0", "3"],
        &["BITPOS", "p", "1", "-1"],
        &["BITPOS", "p", "1", "0", "0"],
        &["BITPOS", "p", "0", "1", "1"],
        &["BITPOS", "p", "1", "0", "-1"],
        &["BITPOS", "p", "0", "-100", "-200"],
        &["BITPOS", "p", "1", "-200", "-100"],
        &["BITPOS", "p", "1", "2", "1"],
        &["BITPOS", "p", "1", "0", "-1", "BYTE"],
        &["BITPOS", "p", "1", "9", "-1", "BIT"],
        &["BITPOS", "p", "1", "9", "15", "BIT"],
        &["BITPOS", "p", "1", "10", "10", "BIT"],
        &["BITPOS", "p", "0", "9", "15", "BIT"],
        &["BITPOS", "p", "0", "8", "8", "BIT"],
        &["BITPOS", "p", "0", "9", "9", "BIT"],
        &["BITPOS", "p", "0", "3", "7", "BIT"],
        &["BITPOS", "p", "0", "17", "-1", "BIT"],
        &["BITPOS", "p", "1", "23", "23", "BIT"],
        &["BITPOS", "p", "1", "-3", "-1", "BIT"],
        &["BITPOS", "p", "0", "-3", "-2", "BIT"],
        &["BITPOS", "p", "1", "0", "1000", "BIT"],
        &["BITPOS", "p", "1", "0", "1", "BITS"],
        &["BITPOS", "p", "1", "x"],
        &["BITPOS", "p", "1", "0", "x"],
        &["BITPOS", "p", "1", "0", "x", "BITS"],
        &["BITPOS", "p", "1", "0", "1", "BIT", "extra"],
        &["BITPOS", "p", "2"],
        &["BITPOS", "p", "-1"],
        &["BITPOS", "p", "x"],
        &["BITPOS", "nokey", "0"],
        &["BITPOS", "nokey", "1"],
        &["BITPOS", "nokey", "0", "5", "10"],
        &["BITPOS", "nokey", "2"],
        &["BITPOS", "nokey", "1", "x", "y", "z"],
        &["SET", "f", "\u{7f}"],
        &["SETBIT", "f", "0", "1"],
        &["BITPOS", "f", "0"],
        &["BITPOS", "f", "0", "0"],
        &["BITPOS", "f", "0", "0", "-1"],
        &["BITPOS", "f", "0", "0", "-1", "BIT"],
        &["BITPOS", "f", "0", "1", "BIT"],
        &["BITPOS", "f", "1", "1", "BIT"],
        &["SET", "e", ""],
        &["BITPOS", "e", "0"],
        &["BITPOS", "e", "1"],
        &["BITPOS", "e", "0", "0"],
        &["BITPOS", "e", "0", "0", "-1", "BIT"],
        &["SET", "n", "0"],
        &["BITPOS", "n", "1"],
        &["BITPOS", "n", "0"],
    ]);
}

#[test]
fn differential_bitop_bitfield() {
    assert_same_replies(&[
        &["SET", "a", "foobar"],
        &["SET", "b", "abcdef0123"],
        &["SET", "c", "12"],
        &["BITOP", "AND", "d", "a", "b"],
        &["GET", "d"],
        &["BITOP", "or", "d", "a", "b", "c"],
        &["GET", "d"],
        &["BITOP", "XOR", "d", "a", "b", "nokey"],
        &["GET", "d"],
        &["BITOP", "AND", "d", "a", "nokey"],
        &["GET", "d"],
        &["BITOP", "NOT", "d", "c"],
        &["GET", "d"],
        &["BITOP", "NOT", "d", "a", "b"],
        &["BITOP", "NOT", "d", "nokey"],
        &["GET", "d"],
        &["BITOP", "AND", "d", "nokey", "nokey2"],
        &["BITOP", "NAND", "d", "a"],
        &["BITOP", "AND", "a", "a"],
        &["GET", "a"],
        &[
            "BITFIELD", "bf", "SET", "i8", "0", "-100", "GET", "u4", "0", "INCRBY", "i8", "0", "1",
        ],
        &[
            "BITFIELD", "bf", "INCRBY", "u2", "100", "1", "OVERFLOW", "SAT", "INCRBY", "u2", "102",
            "5",
        ],
        &[
            "BITFIELD", "bf", "OVERFLOW", "FAIL", "INCRBY", "u2", "100", "5", "GET", "u2", "100",
        ],
        &[
            "BITFIELD", "bf", "SET", "u8", "#1", "255", "GET", "u8", "8", "GET", "i64", "0",
        ],
        &[
            "BITFIELD", "bf", "SET", "u8", "#1", "-1", "OVERFLOW", "SAT", "SET", "u8", "#2", "-1",
        ],
        &[
            "BITFIELD", "bf", "OVERFLOW", "FAIL", "SET", "u8", "#2", "-1", "SET", "i8", "0", "128",
        ],
        &[
            "BITFIELD", "bf", "OVERFLOW", "SAT", "SET", "i8", "0", "128", "SET", "i8", "0", "-129",
        ],
        &[
            "BITFIELD", "bf", "OVERFLOW", "WRAP", "SET", "i8", "0", "128", "SET", "i8", "0", "-129",
        ],
        &[
            "BITFIELD",
            "bf",
            "SET",
            "i64",
            "0",
            "-9223372036854775808",
            "INCRBY",
            "i64",
            "0",
            "-1",
        ],
        &[
            "BITFIELD",
            "bf",
            "OVERFLOW",
            "SAT",
            "INCRBY",
            "i64",
            "0",
            "-1",
            "INCRBY",
            "i64",
            "0",
            "9223372036854775807",
        ],
        &[
            "BITFIELD", "bf", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "1",
        ],
        &[
            "BITFIELD", "bf", "OVERFLOW", "FAIL", "INCRBY", "i64", "0", "1",
        ],
        &[
            "BITFIELD", "bf", "SET", "u63", "1", "-1", "GET", "u63", "1", "INCRBY", "u63", "1", "1",
        ],
        &[
            "BITFIELD",
            "bf",
            "OVERFLOW",
            "SAT",
            "INCRBY",
            "u63",
            "1",
            "-9223372036854775808",
        ],
        &[
            "BITFIELD", "bf", "INCRBY", "u1", "3", "3", "INCRBY", "i1", "3", "1", "GET", "i1", "3",
        ],
        &[
            "BITFIELD", "bf", "GET", "i5", "13", "GET", "u13", "5", "GET", "i64", "1000",
        ],
        &[
            "BITFIELD", "bf", "get", "u8", "#1", "Get", "u8", "#2", "gEt", "i8", "#3",
        ],
        &["BITFIELD", "bf", "GET", "U8", "0"],
        &["BITFIELD", "bf", "GET", "I8", "0"],
        &["GET", "bf"],
        &["BITFIELD", "bf", "GET", "u64", "0"],
        &["BITFIELD", "bf", "GET", "i65", "0"],
        &["BITFIELD", "bf", "GET", "i0", "0"],
        &["BITFIELD", "bf", "GET", "x8", "0"],
        &["BITFIELD", "bf", "GET", "", "0"],
        &["BITFIELD", "bf", "GET", "i", "0"],
        &["BITFIELD", "bf", "GET", "i08", "0"],
        &["BITFIELD", "bf", "GET", "u8", "-1"],
        &["BITFIELD", "bf", "GET", "u8", "#-1"],
        &["BITFIELD", "bf", "GET", "u8", "#"],
        &["BITFIELD", "bf", "GET", "u8", "4294967296"],
        &["BITFIELD", "bf", "GET", "u8", "#536870912"],
        &["BITFIELD", "bf", "GET", "u8", "#2305843009213693953"],
        &["BITFIELD", "bf", "SET", "u8", "0", "x"],
        &["BITFIELD", "bf", "SET", "u8", "0"],
        &["BITFIELD", "bf", "INCRBY", "u8", "0"],
        &["BITFIELD", "bf", "GET", "u8"],
        &["BITFIELD", "bf", "OVERFLOW"],
        &["BITFIELD", "bf", "OVERFLOW", "foo"],
        &["BITFIELD", "bf", "OVERFLOW", "sat"],
        &["BITFIELD", "bf", "foo"],
        &[
            "BITFIELD", "bf", "GET", "u8", "0", "SET", "u8", "0", "1", "foo",
        ],
        &["BITFIELD", "bf"],
        &["BITFIELD", "nokey"],
        &["BITFIELD", "nokey", "GET", "i16", "100"],
        &["BITFIELD", "nf", "OVERFLOW", "FAIL", "SET", "u2", "9", "7"],
        &["GET", "nf"],
        &["BITFIELD_RO", "bf", "GET", "u8", "#1", "GET", "i4", "3"],
        &["BITFIELD_RO", "bf", "SET", "u8", "0", "1"],
        &["BITFIELD_RO", "bf", "SET", "u8", "0", "x"],
        &["BITFIELD_RO", "bf", "INCRBY", "u8", "0", "1"],
        &["BITFIELD_RO", "bf", "OVERFLOW", "WRAP"],
        &["BITFIELD_RO", "bf", "OVERFLOW", "foo"],
        &["BITFIELD_RO", "bf", "GET"],
        &["BITFIELD_RO", "bf", "foo"],
        &["BITFIELD_RO", "nokey", "GET", "u8", "0"],
        &["SET", "n", "42"],
        &["BITFIELD", "n", "GET", "u8", "0", "SET", "u8", "#1", "57"],
        &["GET", "n"],
    ]);
}

#[test]
fn differential_wrong_types() {
    assert_same_replies_with_list(&[
        &["SETBIT", "list", "0", "1"],
        &["SETBIT", "list", "x", "1"],
        &["GETBIT", "list", "0"],
        &["BITCOUNT", "list"],
        &["BITCOUNT", "list", "x"],
        &["BITPOS", "list", "1"],
        &["BITPOS", "list", "2"],
        &["BITOP", "AND", "d", "list"],
        &["BITOP", "NOT", "d", "list", "x"],
        &["BITFIELD", "list", "GET", "u8", "0"],
        &["BITFIELD", "list", "SET", "u8", "0", "1"],
        &["BITFIELD", "list"],
        &["BITFIELD_RO", "list", "GET", "u8", "0"],
        &["SET", "s", "x"],
        &["BITOP", "OR", "list", "s"],
        &["GET", "list"],
    ]);
}
