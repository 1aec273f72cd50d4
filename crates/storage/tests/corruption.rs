//! Torn tails are cut; every other kind of damage is reported by `open`
//! and by `check`, never skipped.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::*;
use storage::{check_dirs, Bytes, MemVfs, Vfs, Wal, WalError};

/// A memory file system holding entries 1..=n in segments of `size`.
fn populated(n: u64, size: u64) -> MemVfs {
    let mem = MemVfs::new();
    let vfs: Arc<dyn Vfs> = Arc::new(mem.clone());
    let mut wal = open(&vfs, &tiny(size));
    for i in 1..=n {
        wal.append(i, entry(i, 0)).unwrap();
    }
    wal.sync().unwrap();
    mem
}

fn open_err(mem: &MemVfs, size: u64) -> WalError {
    let vfs: Arc<dyn Vfs> = Arc::new(mem.deep_clone());
    Wal::open(vfs, DIR, tiny(size)).map(|_| ()).unwrap_err()
}

fn snapshot_dir() -> &'static Path {
    Path::new("/data/snapshots")
}

/// Asserts that both `open` and `check` report corruption in `file`,
/// and returns the offset `open` reported.
fn assert_corrupted(mem: &MemVfs, size: u64, file: &Path) -> u64 {
    let err = open_err(mem, size);
    let WalError::Corrupted {
        file: bad, offset, ..
    } = &err
    else {
        panic!("expected corruption, got {err}");
    };
    assert_eq!(bad, file, "{err}");
    let report = check_dirs(mem, &dir(), snapshot_dir());
    assert!(report.is_corrupted(), "{report}");
    assert!(!report.passed());
    assert_eq!(report.damage[0].file, file, "{report}");
    assert_eq!(report.damage[0].offset, *offset, "{report}");
    assert!(report.to_string().contains("CORRUPTED"), "{report}");
    *offset
}

#[test]
fn torn_tail_at_every_offset_of_the_last_record_recovers() {
    let mem = populated(20, 4096);
    let last = segments(&mem).pop().unwrap();
    let bytes = mem.read_file(&last).unwrap();
    let bounds = record_bounds(&bytes);
    let (start, end) = *bounds.last().unwrap();
    for cut in start..end {
        for variant in ["truncated file", "zeros after", "garbage after"] {
            let image = mem.deep_clone();
            image
                .modify_file(&last, |b| match variant {
                    "truncated file" => b.truncate(cut),
                    "zeros after" => b[cut..].fill(0),
                    _ => {
                        b[cut..end].fill(0);
                        for (k, byte) in b[cut..end].iter_mut().enumerate().take(5) {
                            *byte = 0xA5 ^ k as u8;
                        }
                    }
                })
                .unwrap();
            // `check` sees it as a warning only, and changes nothing.
            let report = check_dirs(&image, &dir(), snapshot_dir());
            assert!(report.passed(), "{variant} at {cut}: {report}");
            let before = image.read_file(&last).unwrap();
            let after_check = check_dirs(&image, &dir(), snapshot_dir());
            assert_eq!(image.read_file(&last).unwrap(), before);
            assert_eq!(report, after_check);

            let vfs: Arc<dyn Vfs> = Arc::new(image.clone());
            let (mut wal, recovery) = Wal::open(Arc::clone(&vfs), DIR, tiny(4096)).unwrap();
            assert_eq!(wal.last_index(), Some(19), "{variant} at {cut}");
            let torn = cut > start || variant == "garbage after";
            assert_eq!(
                recovery.torn_tail.is_some(),
                torn,
                "{variant} at {cut}: {recovery:?}"
            );
            if torn {
                assert!(
                    report.warnings.iter().any(|w| w.contains("torn")),
                    "{report}"
                );
            }
            assert_eq!(
                all(&wal),
                (1..=19).map(|i| (i, entry(i, 0))).collect::<Vec<_>>()
            );
            // The log goes on from there, and reopens cleanly.
            wal.append(20, entry(20, 1)).unwrap();
            wal.sync().unwrap();
            drop(wal);
            let (wal, recovery) = Wal::open(vfs, DIR, tiny(4096)).unwrap();
            assert_eq!(recovery.torn_tail, None);
            assert_eq!(wal.read(20).unwrap(), Some(entry(20, 1)));
        }
    }
}

#[test]
fn flipped_byte_in_an_older_segment_is_corruption() {
    let mem = populated(40, 200);
    let segs = segments(&mem);
    assert!(segs.len() >= 3);
    for seg in &segs[..segs.len() - 1] {
        let bytes = mem.read_file(seg).unwrap();
        let bounds = record_bounds(&bytes);
        // The first, a middle and the last record of the segment: header
        // bytes and payload bytes.
        for &(start, end) in [
            bounds[0],
            bounds[bounds.len() / 2],
            bounds[bounds.len() - 1],
        ]
        .iter()
        {
            for at in [start, start + 5, start + 9, end - 1] {
                let image = mem.deep_clone();
                image.modify_file(seg, |b| b[at] ^= 0x40).unwrap();
                let offset = assert_corrupted(&image, 200, seg);
                assert_eq!(offset, start as u64, "flip at {at} in {}", seg.display());
            }
        }
    }
}

#[test]
fn flipped_byte_in_any_segment_header_is_corruption() {
    let mem = populated(40, 200);
    let segs = segments(&mem);
    for seg in [&segs[0], &segs[segs.len() / 2], &segs[segs.len() - 1]] {
        for at in 0..32 {
            let image = mem.deep_clone();
            image.modify_file(seg, |b| b[at] ^= 0x01).unwrap();
            let offset = assert_corrupted(&image, 200, seg);
            assert!(offset < 32, "{offset}");
        }
    }
}

#[test]
fn bad_record_followed_by_a_valid_one_in_the_last_segment_is_corruption() {
    let mem = populated(20, 4096);
    let last = segments(&mem).pop().unwrap();
    let bytes = mem.read_file(&last).unwrap();
    let bounds = record_bounds(&bytes);
    for &(start, end) in &bounds[..bounds.len() - 1] {
        for at in [start, start + 4, start + 8, end - 1] {
            let image = mem.deep_clone();
            image.modify_file(&last, |b| b[at] ^= 0x08).unwrap();
            let offset = assert_corrupted(&image, 4096, &last);
            assert_eq!(offset, start as u64);
            let err = open_err(&image, 4096).to_string();
            assert!(err.contains("a valid record follows"), "{err}");
        }
    }
    // A zeroed record in the middle, too.
    let (start, end) = bounds[5];
    let image = mem.deep_clone();
    image.modify_file(&last, |b| b[start..end].fill(0)).unwrap();
    assert_corrupted(&image, 4096, &last);
}

#[test]
fn missing_segments_are_corruption() {
    let mem = populated(40, 200);
    let segs = segments(&mem);
    // A middle segment.
    let image = mem.deep_clone();
    image.remove_file(&segs[1]).unwrap();
    let err = open_err(&image, 200);
    assert!(
        matches!(&err, WalError::Corrupted { file, .. } if *file == segs[2]),
        "{err}"
    );
    // The first segment.
    let image = mem.deep_clone();
    image.remove_file(&segs[0]).unwrap();
    let err = open_err(&image, 200);
    assert!(err.to_string().contains("missing segment"), "{err}");
    let report = check_dirs(&image, &dir(), snapshot_dir());
    assert!(report.is_corrupted(), "{report}");
}

#[test]
fn zeroed_block_in_an_older_segment_is_corruption() {
    let mem = populated(40, 300);
    let segs = segments(&mem);
    let bytes = mem.read_file(&segs[0]).unwrap();
    let bounds = record_bounds(&bytes);
    let (start, _) = bounds[2];
    let image = mem.deep_clone();
    image.modify_file(&segs[0], |b| b[start..].fill(0)).unwrap();
    let err = open_err(&image, 300);
    assert!(err.is_corruption(), "{err}");
}

#[test]
fn flipped_byte_in_the_meta_file_is_corruption() {
    let mem = MemVfs::new();
    let vfs: Arc<dyn Vfs> = Arc::new(mem.clone());
    let mut wal = open(&vfs, &tiny(4096));
    wal.append(1, entry(1, 0)).unwrap();
    wal.save_vote(Bytes::from_static(b"vote: term 4 node 2"))
        .unwrap();
    drop(wal);
    let meta = dir().join("meta");
    let len = mem.read_file(&meta).unwrap().len();
    for at in 0..len {
        let image = mem.deep_clone();
        image.modify_file(&meta, |b| b[at] ^= 0x20).unwrap();
        assert_corrupted(&image, 4096, &meta);
    }
    // A truncated meta file, too.
    let image = mem.deep_clone();
    image.modify_file(&meta, |b| b.truncate(len - 1)).unwrap();
    assert_corrupted(&image, 4096, &meta);
}

#[test]
fn a_wrong_index_with_a_valid_checksum_is_corruption_even_at_the_tail() {
    let mem = populated(5, 4096);
    let last = segments(&mem).pop().unwrap();
    let bytes = mem.read_file(&last).unwrap();
    let (start, _) = *record_bounds(&bytes).last().unwrap();
    // Re-encode the last record with index 9 instead of 5.
    let payload = entry(9, 0);
    let mut record = Vec::new();
    let len = (payload.len() + 8) as u32;
    let mut crc_input = len.to_le_bytes().to_vec();
    crc_input.extend_from_slice(&9u64.to_le_bytes());
    crc_input.extend_from_slice(&payload);
    record.extend_from_slice(&len.to_le_bytes());
    record.extend_from_slice(&crc32c::crc32c(&crc_input).to_le_bytes());
    record.extend_from_slice(&9u64.to_le_bytes());
    record.extend_from_slice(&payload);
    let image = mem.deep_clone();
    image
        .modify_file(&last, |b| {
            b.truncate(start);
            b.extend_from_slice(&record);
        })
        .unwrap();
    let err = open_err(&image, 4096);
    assert!(err.to_string().contains("index 9, expected 5"), "{err}");
}

#[test]
fn check_of_a_healthy_directory() {
    let mem = populated(40, 200);
    let report = check_dirs(&mem, &dir(), snapshot_dir());
    assert!(report.passed(), "{report}");
    let wal = report.wal.as_ref().unwrap();
    assert_eq!(
        (wal.first_index, wal.last_index, wal.entries),
        (Some(1), Some(40), 40)
    );
    assert_eq!(wal.purged, Some(0));
    let text = report.to_string();
    assert!(text.contains("entries: 40 (index 1 to 40)"), "{text}");
    assert!(text.contains("result: OK"), "{text}");
    // A missing directory is not damage.
    let empty = MemVfs::new();
    let report = check_dirs(&empty, &dir(), snapshot_dir());
    assert!(report.passed(), "{report}");
    assert!(report.to_string().contains("no WAL directory"));
}
