//! Damaged data directories: `keel check` reports them and exits non-zero,
//! and the server refuses to start on them; a torn tail is only a warning.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use resp::Frame;
use support::KeelProcess;

/// Writes a data directory: several small log segments, a snapshot, and
/// more log after it; stops keel cleanly.
fn write_data(dir: &Path) {
    let config = dir.join("keel.toml");
    std::fs::write(&config, "log-segment-bytes = 4096\n").expect("config");
    let config = config.to_str().expect("utf-8 path");
    let mut keel = KeelProcess::start(&dir.join("data"), &["--config", config]);
    let mut conn = keel.conn();
    for i in 0..100 {
        let value = format!("value-{i}-{}", "x".repeat(50));
        assert_eq!(
            conn.run(&["SET", &format!("key{i}"), &value]),
            Frame::Simple("OK".into())
        );
    }
    assert_eq!(conn.run(&["SAVE"]), Frame::Simple("OK".into()));
    for i in 100..200 {
        conn.run(&["SET", &format!("key{i}"), &"y".repeat(60)]);
    }
    conn.send(&["SHUTDOWN"]);
    assert!(
        keel.child.wait().expect("wait").success(),
        "keel stops cleanly on SHUTDOWN"
    );
}

fn check(data: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_keel"))
        .arg("check")
        .arg("--dir")
        .arg(data)
        .output()
        .expect("run keel check")
}

/// Starts keel on `data` and returns how it ended (it must not keep running).
fn start_fails(data: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_keel"))
        .args(["--bind", "127.0.0.1", "--port", "0", "--dir"])
        .arg(data)
        .output()
        .expect("run keel")
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

fn flip_byte(path: &Path, offset: usize) {
    let mut bytes = std::fs::read(path).expect("read");
    bytes[offset] ^= 0x5a;
    std::fs::write(path, bytes).expect("write");
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn healthy_directory_passes() {
    let dir = tempfile::tempdir().expect("dir");
    write_data(dir.path());
    let out = check(&dir.path().join("data"));
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("result: OK"), "{}", text(&out));
}

#[test]
fn flipped_byte_in_an_older_segment_is_corruption() {
    let dir = tempfile::tempdir().expect("dir");
    write_data(dir.path());
    let data = dir.path().join("data");
    let segments = files(&data.join("wal"), "wal");
    assert!(segments.len() >= 3, "the workload spans several segments");
    // Inside the first record of the first remaining segment (after its header).
    flip_byte(&segments[0], 64);
    let out = check(&data);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("CORRUPTED"), "{}", text(&out));
    let start = start_fails(&data);
    assert!(
        !start.status.success(),
        "keel must refuse to start on a damaged log"
    );
    assert!(text(&start).contains("corrupted"), "{}", text(&start));
}

#[test]
fn flipped_byte_in_the_snapshot_is_corruption() {
    let dir = tempfile::tempdir().expect("dir");
    write_data(dir.path());
    let data = dir.path().join("data");
    let snapshots = files(&data.join("snapshots"), "snap");
    assert_eq!(snapshots.len(), 1);
    let len = std::fs::metadata(&snapshots[0]).expect("stat").len() as usize;
    flip_byte(&snapshots[0], len / 2);
    let out = check(&data);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let start = start_fails(&data);
    assert!(
        !start.status.success(),
        "keel must refuse to start when the snapshot it needs is damaged"
    );
}

#[test]
fn torn_tail_is_a_warning_and_recovery_cuts_it() {
    let dir = tempfile::tempdir().expect("dir");
    write_data(dir.path());
    let data = dir.path().join("data");
    let segments = files(&data.join("wal"), "wal");
    let last = segments.last().expect("a segment");
    // Garbage after the last record, as a torn write leaves it.
    let mut bytes = std::fs::read(last).expect("read");
    let end = bytes.iter().rposition(|b| *b != 0).expect("records") + 1;
    if end + 8 <= bytes.len() {
        bytes[end..end + 8].copy_from_slice(&[0x20, 0, 0, 0, 1, 2, 3, 4]);
    }
    std::fs::write(last, bytes).expect("write");
    let out = check(&data);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("torn"), "{}", text(&out));
}

/// The byte range of the last record of a segment file.
fn last_record(bytes: &[u8]) -> (usize, usize) {
    let mut at = 32;
    let mut last = None;
    while at + 8 <= bytes.len() {
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().expect("len")) as usize;
        if len == 0 {
            break;
        }
        last = Some((at, at + 8 + len));
        at += 8 + len;
    }
    last.expect("a record")
}

#[test]
fn damaged_last_record_is_a_lost_acknowledged_write() {
    // Before the durable end was recorded, this looked like a torn write
    // and was cut with a warning: an acknowledged write silently dropped.
    let dir = tempfile::tempdir().expect("dir");
    write_data(dir.path());
    let data = dir.path().join("data");
    let segments = files(&data.join("wal"), "wal");
    let last = segments.last().expect("a segment");
    let (start, end) = last_record(&std::fs::read(last).expect("read"));
    flip_byte(last, (start + end) / 2);
    let out = check(&data);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = text(&out);
    assert!(report.contains("an acknowledged write is lost"), "{report}");
    assert!(
        report.contains("hint: entries this node acknowledged"),
        "{report}"
    );
    let start = start_fails(&data);
    assert!(!start.status.success(), "keel must refuse to start");
    assert!(
        text(&start).contains("an acknowledged write is lost"),
        "{}",
        text(&start)
    );
}

#[test]
fn missing_newest_segment_is_corruption() {
    let dir = tempfile::tempdir().expect("dir");
    write_data(dir.path());
    let data = dir.path().join("data");
    let segments = files(&data.join("wal"), "wal");
    std::fs::remove_file(segments.last().expect("a segment")).expect("remove");
    let out = check(&data);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("newest segment"), "{}", text(&out));
    let start = start_fails(&data);
    assert!(!start.status.success(), "keel must refuse to start");
    assert!(text(&start).contains("is missing"), "{}", text(&start));
}
