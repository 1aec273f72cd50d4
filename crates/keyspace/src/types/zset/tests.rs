//! Property tests of [`SortedSet`] (both encodings) against a simple model.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::codec::{decode_value, encode_value};
use crate::value::Typed;
use crate::Value;

const SCORES: &[f64] = &[
    -0.0,
    0.0,
    1.0,
    1.5,
    -2.25,
    3.0,
    f64::INFINITY,
    f64::NEG_INFINITY,
    1e300,
];

fn member(i: u16) -> Vec<u8> {
    if i % 97 == 96 {
        // Occasionally longer than the packed limit.
        format!("{i:0>70}").into_bytes()
    } else {
        format!("m{i}").into_bytes()
    }
}

#[derive(Debug, Clone)]
enum Op {
    Insert(u16, usize),
    Remove(u16),
    Pop(bool),
    RemoveSpan(usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0u16..400, 0..SCORES.len()).prop_map(|(m, s)| Op::Insert(m, s)),
        2 => (0u16..400).prop_map(Op::Remove),
        1 => any::<bool>().prop_map(Op::Pop),
        1 => (0usize..150, 0usize..5).prop_map(|(a, n)| Op::RemoveSpan(a, n)),
    ]
}

/// The model: member → score, plus whether the set must have left the
/// packed encoding.
#[derive(Default)]
struct Model {
    scores: BTreeMap<Vec<u8>, f64>,
    large: bool,
}

impl Model {
    fn sorted(&self) -> Vec<(Vec<u8>, f64)> {
        let mut v: Vec<(Vec<u8>, f64)> = self.scores.iter().map(|(m, s)| (m.clone(), *s)).collect();
        v.sort_by(|a, b| cmp_entry(a.1, &a.0, b.1, &b.0));
        v
    }
}

fn same_items(z: &SortedSet, expected: &[(Vec<u8>, f64)]) -> Result<(), TestCaseError> {
    let items: Vec<(Vec<u8>, f64)> = z.iter().map(|(m, s)| (m.to_vec(), s)).collect();
    prop_assert_eq!(items.len(), expected.len());
    for (a, b) in items.iter().zip(expected) {
        prop_assert_eq!(&a.0, &b.0);
        prop_assert!(a.1 == b.1, "score of {:?}: {} vs {}", a.0, a.1, b.1);
    }
    Ok(())
}

fn apply(z: &mut SortedSet, model: &mut Model, op: &Op) -> Result<(), TestCaseError> {
    match *op {
        Op::Insert(m, s) => {
            let m = member(m);
            let score = SCORES[s];
            if !model.scores.contains_key(&m)
                && (model.scores.len() >= PACKED_MAX_ENTRIES || m.len() > PACKED_MAX_VALUE)
            {
                model.large = true;
            }
            let old = z.insert(&m, score);
            let model_old = model.scores.insert(m, score);
            prop_assert_eq!(old.is_some(), model_old.is_some());
            if let (Some(a), Some(b)) = (old, model_old) {
                prop_assert!(a == b);
            }
        }
        Op::Remove(m) => {
            let m = member(m);
            prop_assert_eq!(z.remove(&m).is_some(), model.scores.remove(&m).is_some());
        }
        Op::Pop(max) => {
            let sorted = model.sorted();
            let expected = if max { sorted.last() } else { sorted.first() };
            let got = z.pop(max);
            prop_assert_eq!(
                got.as_ref().map(|(m, _)| m.to_vec()),
                expected.map(|(m, _)| m.clone())
            );
            if let Some((m, _)) = expected {
                model.scores.remove(m);
            }
        }
        Op::RemoveSpan(start, n) => {
            let sorted = model.sorted();
            let removed = z.remove_span(start..start + n);
            let doomed: Vec<_> = sorted.iter().skip(start).take(n).collect();
            prop_assert_eq!(removed, doomed.len());
            for (m, _) in doomed {
                model.scores.remove(m);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn behaves_like_the_model(ops in proptest::collection::vec(op(), 1..500)) {
        let mut z = SortedSet::new();
        let mut model = Model::default();
        for op in &ops {
            apply(&mut z, &mut model, op)?;
            prop_assert_eq!(z.len(), model.scores.len());
            prop_assert_eq!(z.encoding(), if model.large { "skiplist" } else { "listpack" });
        }
        z.check();
        let sorted = model.sorted();
        same_items(&z, &sorted)?;

        // Point queries.
        for (rank, (m, s)) in sorted.iter().enumerate() {
            prop_assert_eq!(z.rank(m), Some(rank));
            prop_assert!(z.score(m) == Some(*s));
            let (am, asc) = z.at(rank).unwrap();
            prop_assert_eq!(am, &m[..]);
            prop_assert!(asc == *s);
        }
        prop_assert_eq!(z.rank(b"absent"), None);
        prop_assert!(z.at(sorted.len()).is_none());

        // Iteration from every rank, both ways.
        for rank in [0, 1, sorted.len() / 2, sorted.len().saturating_sub(1), sorted.len(), sorted.len() + 3] {
            let up: Vec<Vec<u8>> = z.iter_from(rank, false).map(|(m, _)| m.to_vec()).collect();
            let exp_up: Vec<Vec<u8>> = sorted.iter().skip(rank).map(|(m, _)| m.clone()).collect();
            prop_assert_eq!(up, exp_up);
            let down: Vec<Vec<u8>> = z.iter_from(rank, true).map(|(m, _)| m.to_vec()).collect();
            let exp_down: Vec<Vec<u8>> = if rank < sorted.len() {
                sorted[..=rank].iter().rev().map(|(m, _)| m.clone()).collect()
            } else {
                Vec::new()
            };
            prop_assert_eq!(down, exp_down);
        }

        // Score ranges.
        let bounds = [f64::NEG_INFINITY, -2.25, -0.0, 0.0, 1.0, 1.2, 3.0, f64::INFINITY];
        for &min in &bounds {
            for &max in &bounds {
                for (min_exclusive, max_exclusive) in [(false, false), (true, false), (false, true), (true, true)] {
                    let range = ScoreRange { min, max, min_exclusive, max_exclusive };
                    let expected: Vec<usize> = (0..sorted.len())
                        .filter(|&i| range.above_min(sorted[i].1) && range.below_max(sorted[i].1))
                        .collect();
                    let span = z.score_span(&range);
                    prop_assert_eq!(span.collect::<Vec<_>>(), expected);
                }
            }
        }

        // Codec round trip keeps encoding, order and table order.
        let value = z.clone().wrap();
        let decoded = decode_value(&encode_value(&value)).unwrap();
        prop_assert_eq!(&decoded, &value);
        if let Value::SortedSet(d) = &decoded {
            d.check();
            same_items(d, &sorted)?;
            prop_assert_eq!(d.encoding(), z.encoding());
        }

        // A full scan visits every member once.
        let mut seen = Vec::new();
        let mut cursor = 0;
        loop {
            cursor = z.scan(cursor, 7, |m, _| seen.push(m.to_vec()));
            if cursor == 0 { break; }
        }
        seen.sort();
        prop_assert_eq!(seen, model.scores.keys().cloned().collect::<Vec<_>>());

        // Rebuilding picks the encoding that fits.
        let rebuilt = SortedSet::from_members(z.iter().map(|(m, s)| (Blob::from_slice(m), s)).collect());
        rebuilt.check();
        same_items(&rebuilt, &sorted)?;
        let fits = sorted.len() <= PACKED_MAX_ENTRIES && sorted.iter().all(|(m, _)| m.len() <= PACKED_MAX_VALUE);
        prop_assert_eq!(rebuilt.encoding(), if fits { "listpack" } else { "skiplist" });
    }

    /// Lex ranges on sets whose members all have the same score, in both
    /// encodings, against a sorted list of members.
    #[test]
    fn lex_ranges_with_equal_scores(
        members in proptest::collection::btree_set(proptest::collection::vec(b'a'..b'e', 0..4), 0..60),
        large in any::<bool>(),
        bounds in proptest::collection::vec((0u8..4, proptest::collection::vec(b'a'..b'e', 0..4)), 2),
    ) {
        let mut z = SortedSet::new();
        if large {
            z.insert(&[b'z'; 100], 0.0);
            z.remove(&[b'z'; 100]);
        }
        for m in &members {
            z.insert(m, 0.0);
        }
        prop_assert_eq!(z.encoding(), if large || members.len() > 128 { "skiplist" } else { "listpack" });
        let bound = |(kind, s): &(u8, Vec<u8>)| match kind {
            0 => LexBound::Min,
            1 => LexBound::Max,
            2 => LexBound::Inclusive(s.clone()),
            _ => LexBound::Exclusive(s.clone()),
        };
        let range = LexRange { min: bound(&bounds[0]), max: bound(&bounds[1]) };
        let sorted: Vec<&Vec<u8>> = members.iter().collect();
        let inside: Vec<usize> = (0..sorted.len())
            .filter(|&i| !range.is_empty() && range.above_min(sorted[i]) && range.below_max(sorted[i]))
            .collect();
        prop_assert_eq!(z.lex_first(&range), inside.first().copied());
        prop_assert_eq!(z.lex_last(&range), inside.last().copied());
        prop_assert_eq!(z.lex_span(&range).collect::<Vec<_>>(), inside);
    }
}

#[test]
fn negative_zero_is_positive_zero_when_packed() {
    let mut z = SortedSet::new();
    z.insert(b"a", -0.0);
    assert!(z.score(b"a").unwrap().is_sign_positive());
    let mut big = SortedSet::Skiplist(Box::default());
    big.insert(b"a", -0.0);
    assert!(big.score(b"a").unwrap().is_sign_negative());
    // -0 and 0 compare equal: order falls back to the member.
    big.insert(b"0", 0.0);
    let order: Vec<&[u8]> = big.iter().map(|(m, _)| m).collect();
    assert_eq!(order, vec![&b"0"[..], &b"a"[..]]);
}

#[test]
fn conversion_happens_on_the_129th_member_or_a_long_one() {
    let mut z = SortedSet::new();
    for i in 0..128 {
        z.insert(format!("{i}").as_bytes(), f64::from(i));
    }
    assert_eq!(z.encoding(), "listpack");
    z.insert(b"5", 1000.0); // update: no conversion
    assert_eq!(z.encoding(), "listpack");
    z.insert(b"new", 0.5);
    assert_eq!(z.encoding(), "skiplist");
    z.check();
    let mut z = SortedSet::new();
    z.insert(&[b'x'; 64], 1.0);
    assert_eq!(z.encoding(), "listpack");
    z.insert(&[b'x'; 65], 1.0);
    assert_eq!(z.encoding(), "skiplist");
    // Never back.
    z.remove(&[b'x'; 65]);
    assert_eq!(z.encoding(), "skiplist");
}

#[test]
fn corrupt_encodings_are_rejected() {
    let bad = |z: SortedSet| -> Vec<u8> { encode_value(&z.wrap()) };
    // Out of order packed pairs.
    let mut p = Packed::new();
    p.push(b"b");
    p.push(&1.0f64.to_le_bytes());
    p.push(b"a");
    p.push(&1.0f64.to_le_bytes());
    assert!(decode_value(&bad(SortedSet::Packed(p))).is_err());
    // Duplicate members with different scores.
    let mut p = Packed::new();
    p.push(b"a");
    p.push(&1.0f64.to_le_bytes());
    p.push(b"a");
    p.push(&2.0f64.to_le_bytes());
    assert!(decode_value(&bad(SortedSet::Packed(p))).is_err());
    // A score that is not 8 bytes, and a NaN.
    let mut p = Packed::new();
    p.push(b"a");
    p.push(b"1");
    assert!(decode_value(&bad(SortedSet::Packed(p))).is_err());
    let mut p = Packed::new();
    p.push(b"a");
    p.push(&f64::NAN.to_le_bytes());
    assert!(decode_value(&bad(SortedSet::Packed(p))).is_err());
    // Skiplist with a duplicate member.
    let mut w = crate::codec::Writer::new();
    w.u8(5);
    w.u8(SKIPLIST);
    w.varint(2);
    w.bytes(b"a");
    w.double(1.0);
    w.bytes(b"a");
    w.double(2.0);
    assert!(decode_value(&w.buf).is_err());
}

#[test]
fn mixed_scores_lex_follows_the_listpack_scan() {
    // Members out of lex order because scores differ: the listpack scan
    // starts at the first member >= min in score order.
    let mut z = SortedSet::new();
    z.insert(b"c", 1.0);
    z.insert(b"a", 2.0);
    z.insert(b"d", 3.0);
    let range = LexRange {
        min: LexBound::Inclusive(b"b".to_vec()),
        max: LexBound::Max,
    };
    assert_eq!(z.lex_first(&range), Some(0));
    assert_eq!(z.lex_span(&range), 0..3);
    assert_eq!(z.lex_last(&range), Some(2));
    assert_eq!(cmp_entry(1.0, b"a", 1.0, b"b"), Ordering::Less);
}
