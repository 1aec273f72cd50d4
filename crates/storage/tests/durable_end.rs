//! The durable end (docs/design/wal.md, "Recovery decisions"): one test per
//! row of the decision table, each on a crash image of a `CrashVfs` (what a
//! power loss leaves), damaged the way the row describes.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use storage::{
    check_dirs, CrashMode, CrashVfs, Durability, GroupCommit, MemVfs, Vfs, Wal, WalError,
};

/// Segments large enough for every test log to fit in one.
const ONE: u64 = 4096;
/// Segments of a few entries.
const SMALL: u64 = 200;

/// A WAL on a fresh `CrashVfs` holding entries 1..=`synced` (synced), the
/// durable end recorded after entry `recorded`, and `unsynced` more entries
/// written but never synced.
fn workload(size: u64, recorded: u64, synced: u64, unsynced: u64) -> CrashVfs {
    let crash = CrashVfs::new();
    let mut wal = open(&crash.shared(), &tiny(size));
    for i in 1..=synced {
        wal.append(i, entry(i, 0)).unwrap();
        if i == recorded {
            wal.sync().unwrap();
            wal.record_durable_end().unwrap();
        }
    }
    wal.sync().unwrap();
    for i in synced + 1..=synced + unsynced {
        wal.append(i, entry(i, 0)).unwrap();
    }
    wal.write().unwrap();
    crash
}

/// The disk after a power loss now.
fn power_loss(crash: &CrashVfs, mode: CrashMode) -> MemVfs {
    crash.crash_image(u64::MAX, mode)
}

fn reopen(image: &MemVfs, size: u64) -> Result<Wal, WalError> {
    let vfs: Arc<dyn Vfs> = Arc::new(image.deep_clone());
    Wal::open(vfs, DIR, tiny(size)).map(|(wal, _)| wal)
}

/// `open` refuses `image` and `check` explains why; returns the reason.
fn refused(image: &MemVfs, size: u64) -> String {
    let err = match reopen(image, size) {
        Ok(wal) => panic!("opened, with entries up to {:?}", wal.last_index()),
        Err(e) => e,
    };
    assert!(err.is_corruption(), "{err}");
    let report = check_dirs(image, &dir(), Path::new("/data/snapshots"));
    assert!(report.is_corrupted(), "{report}");
    let text = report.to_string();
    assert!(text.contains("CORRUPTED"), "{text}");
    assert_eq!(report.damage[0].reason, reason(&err), "{report}");
    reason(&err)
}

fn reason(err: &WalError) -> String {
    match err {
        WalError::Corrupted { reason, .. } => reason.clone(),
        other => other.to_string(),
    }
}

/// The byte range of record `n` (0-based) of the last segment.
fn record(image: &MemVfs, n: usize) -> (std::path::PathBuf, usize, usize) {
    let last = segments(image).pop().unwrap();
    let bounds = record_bounds(&image.read_file(&last).unwrap());
    let (start, end) = bounds[n];
    (last, start, end)
}

#[test]
fn torn_tail_after_the_durable_end_is_cut() {
    let crash = workload(ONE, 10, 10, 6);
    let mut torn = 0;
    for seed in 0..64 {
        let image = power_loss(&crash, CrashMode::Torn { seed });
        let vfs: Arc<dyn Vfs> = Arc::new(image.deep_clone());
        let (wal, recovery) = Wal::open(vfs, DIR, tiny(ONE))
            .unwrap_or_else(|e| panic!("seed {seed}: a torn unsynced tail must be cut: {e}"));
        assert!(wal.last_index() >= Some(10), "seed {seed}");
        let got = all(&wal);
        for (i, e) in &got {
            assert_eq!(*e, entry(*i, 0), "seed {seed}");
        }
        if recovery.torn_tail.is_some() {
            torn += 1;
            let report = check_dirs(&image, &dir(), Path::new("/data/snapshots"));
            assert!(report.passed(), "{report}");
            assert!(
                report
                    .to_string()
                    .contains("after the durable end (index 10)"),
                "{report}"
            );
        }
    }
    assert!(
        torn > 10,
        "the crash images tore the tail only {torn} times"
    );
}

#[test]
fn damage_at_or_before_the_durable_end_is_a_lost_acknowledged_write() {
    let crash = workload(ONE, 10, 10, 0);
    let image = power_loss(&crash, CrashMode::LoseUnsynced);
    // Entry 10 is the last record of the last segment: exactly what looked
    // like a torn write before the durable end was recorded.
    let (last, start, end) = record(&image, 9);
    for at in start..end {
        let bad = image.deep_clone();
        bad.modify_file(&last, |b| b[at] ^= 0x20).unwrap();
        let why = refused(&bad, ONE);
        assert!(why.contains("record 10 is damaged"), "offset {at}: {why}");
        assert!(why.contains("durable through index 10"), "{why}");
        assert!(why.contains("acknowledged write is lost"), "{why}");
    }
    let report = {
        let bad = image.deep_clone();
        bad.modify_file(&last, |b| b[end - 1] ^= 1).unwrap();
        check_dirs(&bad, &dir(), Path::new("/data/snapshots")).to_string()
    };
    assert!(
        report.contains("hint: entries this node acknowledged"),
        "{report}"
    );
}

#[test]
fn damage_after_the_recorded_end_is_cut_even_if_it_was_acknowledged() {
    // Entries 6..=10 were synced (acknowledged) after the durable end was
    // last recorded: the lazy window documented in wal.md. Damage there is
    // indistinguishable from a torn write.
    let crash = workload(ONE, 5, 10, 0);
    let image = power_loss(&crash, CrashMode::LoseUnsynced);
    let (last, _, end) = record(&image, 9);
    image.modify_file(&last, |b| b[end - 1] ^= 1).unwrap();
    let wal = reopen(&image, ONE).expect("cut as a torn write");
    assert_eq!(wal.last_index(), Some(9));
}

#[test]
fn damage_followed_by_a_valid_record_is_corruption() {
    let crash = workload(ONE, 10, 10, 0);
    let image = power_loss(&crash, CrashMode::LoseUnsynced);
    let (last, start, _) = record(&image, 8);
    image.modify_file(&last, |b| b[start + 9] ^= 1).unwrap();
    let why = refused(&image, ONE);
    assert!(why.contains("a valid record follows"), "{why}");
}

#[test]
fn log_ending_before_the_durable_end_is_corruption() {
    let crash = workload(ONE, 10, 10, 0);
    let image = power_loss(&crash, CrashMode::LoseUnsynced);
    // The segment cut short at the start of record 8 (a file system that
    // lost the end of a synced file): no damaged bytes, entries missing.
    let (last, start, _) = record(&image, 7);
    image.modify_file(&last, |b| b.truncate(start)).unwrap();
    let why = refused(&image, ONE);
    assert!(
        why.contains("ends at index 7 but was durable through index 10"),
        "{why}"
    );
    // Zeros instead of the last records, likewise.
    let image = power_loss(&crash, CrashMode::LoseUnsynced);
    image.modify_file(&last, |b| b[start..].fill(0)).unwrap();
    let why = refused(&image, ONE);
    assert!(why.contains("acknowledged writes are missing"), "{why}");
}

#[test]
fn missing_newest_segment_is_corruption() {
    // No durable index recorded at all: the segment's creation recorded it.
    let crash = workload(SMALL, 0, 40, 0);
    let image = power_loss(&crash, CrashMode::LoseUnsynced);
    let segs = segments(&image);
    assert!(segs.len() >= 4, "{segs:?}");
    image.remove_file(segs.last().unwrap()).unwrap();
    let why = refused(&image, SMALL);
    assert!(why.contains("newest segment"), "{why}");
    assert!(why.contains("is missing"), "{why}");
}

#[test]
fn a_crash_at_every_sync_point_of_segment_switches_opens() {
    // Segments created but not yet recorded, recorded but empty, truncated
    // and purged: no crash image is refused, none loses a synced entry.
    let crash = CrashVfs::new();
    let mut wal = open(&crash.shared(), &tiny(SMALL));
    let mut acked = Vec::new();
    for i in 1..=30 {
        wal.append(i, entry(i, 0)).unwrap();
        if i % 3 == 0 {
            wal.sync().unwrap();
            acked.push((crash.sync_points(), i));
        }
        if i % 7 == 0 {
            wal.record_durable_end().unwrap();
        }
    }
    // Once the truncation has begun, entries from 25 on may be gone.
    acked.push((crash.sync_points(), 24));
    wal.truncate_from(25).unwrap();
    wal.purge_to(12, storage::Bytes::new()).unwrap();
    wal.record_durable_end().unwrap();
    let end = crash.sync_points();
    for point in 0..=end {
        for mode in [CrashMode::LoseUnsynced, CrashMode::Torn { seed: point }] {
            let image = crash.crash_image(point, mode);
            let wal = reopen(&image, SMALL)
                .unwrap_or_else(|e| panic!("crash after sync point {point} ({mode:?}): {e}"));
            let must = acked
                .iter()
                .filter(|(at, _)| *at <= point)
                .map(|(_, i)| *i)
                .next_back();
            if let Some(must) = must {
                assert!(
                    wal.last_index() >= Some(must),
                    "sync point {point}: lost {must}"
                );
            }
        }
    }
}

#[test]
fn truncation_lowers_the_recorded_end_before_cutting() {
    let crash = CrashVfs::new();
    let mut wal = open(&crash.shared(), &tiny(SMALL));
    for i in 1..=30 {
        wal.append(i, entry(i, 0)).unwrap();
    }
    wal.sync().unwrap();
    wal.record_durable_end().unwrap();
    assert_eq!(wal.meta().end.durable, Some(30));
    let before = crash.sync_points();
    wal.truncate_from(12).unwrap();
    assert_eq!(wal.meta().end.durable, Some(11));
    let newest = wal.meta().end.newest_segment.unwrap();
    assert!(newest <= 11, "newest segment {newest} starts after the cut");
    for point in before..=crash.sync_points() {
        let image = crash.crash_image(point, CrashMode::LoseUnsynced);
        let wal = reopen(&image, SMALL).unwrap_or_else(|e| panic!("sync point {point}: {e}"));
        assert!(wal.last_index() >= Some(11));
    }
}

#[test]
fn group_commit_records_the_durable_end_when_idle_and_on_shutdown() {
    let crash = CrashVfs::new();
    let (wal, _) = Wal::open(crash.shared(), DIR, tiny(ONE)).unwrap();
    let gc = GroupCommit::start(wal, Durability::Fsync).unwrap();
    for i in 1..=20 {
        gc.append_blocking(vec![(i, entry(i, 0))]).unwrap();
    }
    testkit::wait_until(Duration::from_secs(10), "the durable end recorded", || {
        gc.meta().end.durable == Some(20)
    });
    // A power loss now: damage in the last acknowledged record is caught.
    let image = power_loss(&crash, CrashMode::LoseUnsynced);
    let (last, _, end) = record(&image, 19);
    image.modify_file(&last, |b| b[end - 2] ^= 4).unwrap();
    assert!(refused(&image, ONE).contains("acknowledged write is lost"));

    gc.append_blocking(vec![(21, entry(21, 0))]).unwrap();
    let wal = gc.shutdown().unwrap();
    assert_eq!(wal.meta().end.durable, Some(21));
}

#[test]
fn group_commit_under_load_does_not_record_per_batch() {
    let crash = CrashVfs::new();
    let (wal, _) = Wal::open(crash.shared(), DIR, tiny(1 << 20)).unwrap();
    let gc = GroupCommit::start(wal, Durability::Fsync).unwrap();
    gc.append_blocking(vec![(1, entry(1, 0))]).unwrap();
    gc.sync().unwrap();
    let before = crash.sync_points();
    let n = 300;
    for i in 2..2 + n {
        gc.append_blocking(vec![(i, entry(i, 0))]).unwrap();
    }
    let batches = crash.sync_points() - before;
    // One fdatasync per batch; a recording costs two more. Back-to-back
    // appends never leave the thread idle long enough to record, save on
    // a badly overloaded machine.
    assert!(batches >= n, "{batches} sync points for {n} appends");
    assert!(batches < n + n / 5, "{batches} sync points for {n} appends");
}
