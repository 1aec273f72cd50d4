//! Appends, writes, syncs, truncations, purges and reopens against a
//! simple model, across segment boundaries (tiny segments).

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::*;
use proptest::prelude::*;
use storage::{check_dirs, Bytes, MemVfs, Vfs, Wal, WalError, WalOptions};

#[derive(Debug, Clone)]
enum Op {
    Append(Vec<usize>),
    Write,
    Sync,
    /// Truncate from `first + n` (may be past the end).
    Truncate(u64),
    /// Purge up to `purged + n` (may be past the end).
    Purge(u64),
    /// Drop the WAL (losing what was never written) and open it again.
    Reopen,
    Read(u64, u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => prop::collection::vec(0usize..120, 1..6).prop_map(Op::Append),
        1 => Just(Op::Write),
        2 => Just(Op::Sync),
        1 => (0u64..30).prop_map(Op::Truncate),
        1 => (0u64..30).prop_map(Op::Purge),
        1 => Just(Op::Reopen),
        2 => (0u64..40, 0u64..40).prop_map(|(a, b)| Op::Read(a, b)),
    ]
}

/// What the log should hold.
#[derive(Debug, Default)]
struct Model {
    entries: BTreeMap<u64, Bytes>,
    purged: Option<u64>,
    /// Entries from this index on were never written.
    unwritten_from: Option<u64>,
    /// Where a fresh log starts.
    start: u64,
}

impl Model {
    fn next(&self) -> u64 {
        self.entries
            .keys()
            .next_back()
            .or(self.purged.as_ref())
            .map_or(self.start, |i| i + 1)
    }

    fn first(&self) -> Option<u64> {
        self.entries.keys().next().copied()
    }

    fn last(&self) -> Option<u64> {
        self.entries.keys().next_back().copied()
    }

    /// Writing to a fresh log records where it starts.
    fn written(&mut self) {
        let nothing_written = self.unwritten_from.is_some() && self.unwritten_from == self.first();
        if nothing_written && self.purged.is_none() {
            if let Some(first) = self.first().filter(|f| *f > 0) {
                self.purged = Some(first - 1);
            }
        }
        self.unwritten_from = None;
    }
}

fn payload(index: u64, len: usize, salt: u64) -> Bytes {
    let mut v = index.to_le_bytes().to_vec();
    v.extend((0..len).map(|k| (k as u64 ^ salt) as u8));
    Bytes::from(v)
}

fn run(start: u64, segment_size: u64, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mem = MemVfs::new();
    let vfs: Arc<dyn Vfs> = Arc::new(mem.clone());
    let opts = WalOptions {
        segment_size,
        ..tiny(segment_size)
    };
    let mut wal = open(&vfs, &opts);
    let mut model = Model {
        start,
        ..Model::default()
    };
    for (step, op) in ops.into_iter().enumerate() {
        match op {
            Op::Append(lens) => {
                for (next, len) in (model.next()..).zip(lens) {
                    let e = payload(next, len, step as u64);
                    wal.append(next, e.clone()).unwrap();
                    model.entries.insert(next, e);
                    model.unwritten_from.get_or_insert(next);
                }
            }
            Op::Write => {
                wal.write().unwrap();
                model.written();
            }
            Op::Sync => {
                wal.sync().unwrap();
                model.written();
            }
            Op::Truncate(n) => {
                let at = model
                    .first()
                    .or(model.purged.map(|p| p + 1))
                    .unwrap_or(start)
                    + n;
                match wal.truncate_from(at) {
                    Ok(()) => {
                        model.entries.retain(|i, _| *i < at);
                        if model.unwritten_from.is_some_and(|u| u >= at) || model.entries.is_empty()
                        {
                            model.unwritten_from = model.unwritten_from.filter(|u| *u < at);
                        }
                        if model
                            .unwritten_from
                            .is_some_and(|u| !model.entries.contains_key(&u))
                        {
                            model.unwritten_from = None;
                        }
                    }
                    Err(WalError::InvalidArgument(_)) => {
                        prop_assert!(model.purged.is_some_and(|p| at <= p));
                    }
                    Err(e) => panic!("{e}"),
                }
            }
            Op::Purge(n) => {
                let to = model.purged.unwrap_or(start) + n;
                wal.purge_to(to, Bytes::from(format!("p{to}"))).unwrap();
                // Purging (not a no-op) syncs first.
                if model.purged.is_none_or(|p| to > p) {
                    model.written();
                }
                if model.purged.is_none_or(|p| to > p) {
                    model.entries.retain(|i, _| *i > to);
                    model.purged = Some(to);
                }
            }
            Op::Reopen => {
                drop(wal);
                if let Some(u) = model.unwritten_from.take() {
                    model.entries.retain(|i, _| *i < u);
                }
                wal = open(&vfs, &opts);
            }
            Op::Read(a, b) => {
                let lo = model.first().unwrap_or(0).saturating_sub(3) + a;
                let hi = lo + b;
                let want: Vec<(u64, Bytes)> = model
                    .entries
                    .range(lo..=hi)
                    .map(|(i, e)| (*i, e.clone()))
                    .collect();
                prop_assert_eq!(wal.read_range(lo..=hi).unwrap(), want);
            }
        }
        prop_assert_eq!(wal.first_index(), model.first(), "step {}", step);
        prop_assert_eq!(wal.last_index(), model.last(), "step {}", step);
        prop_assert_eq!(wal.purged(), model.purged, "step {}", step);
        let want: Vec<(u64, Bytes)> = model.entries.iter().map(|(i, e)| (*i, e.clone())).collect();
        prop_assert_eq!(all(&wal), want, "step {}", step);
    }
    wal.sync().unwrap();
    let report = check_dirs(&mem, &dir(), std::path::Path::new("/data/snapshots"));
    prop_assert!(report.passed(), "{}", report);
    let summary = report.wal.unwrap();
    prop_assert_eq!(summary.entries, model.entries.len() as u64);
    prop_assert_eq!(summary.last_index, model.last());
    drop(wal);
    let (wal, recovery) = Wal::open(vfs, DIR, opts).unwrap();
    prop_assert_eq!(recovery.torn_tail, None);
    let want: Vec<(u64, Bytes)> = model.entries.iter().map(|(i, e)| (*i, e.clone())).collect();
    prop_assert_eq!(all(&wal), want);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn wal_matches_model(
        start in prop_oneof![Just(0u64), Just(1u64), 2u64..1000],
        segment_size in 64u64..600,
        ops in prop::collection::vec(op(), 1..60),
    ) {
        run(start, segment_size, ops)?;
    }
}
