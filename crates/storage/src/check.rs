//! Offline verification: what `keel check --dir DATA` prints.
//!
//! [`check`] walks every WAL segment, the metadata file and every snapshot
//! without modifying anything, and reports what it found. Damage (anything
//! `Wal::open` or a snapshot reader would refuse) makes
//! [`CheckReport::is_corrupted`] true; a torn tail at the end of the last
//! segment, which recovery cuts off, is only a warning.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{SnapshotError, WalError};
use crate::recovery;
use crate::snapshot::{self, SnapshotReader};
use crate::vfs::Vfs;
use crate::{SNAPSHOT_DIR, WAL_DIR};

/// A damaged file: where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    pub file: PathBuf,
    pub offset: u64,
    pub reason: String,
}

/// What the WAL holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WalSummary {
    /// Segment files checked (up to the first damage).
    pub segments: usize,
    pub entries: u64,
    pub first_index: Option<u64>,
    pub last_index: Option<u64>,
    pub purged: Option<u64>,
    /// Sizes of the saved metadata fields, if present.
    pub vote_len: Option<usize>,
    pub committed_len: Option<usize>,
    pub purge_data_len: Option<usize>,
    /// The durable end recorded in the metadata file (see [`crate::LogEnd`]).
    pub durable: Option<u64>,
    pub newest_segment: Option<u64>,
}

/// One snapshot file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotSummary {
    pub id: u64,
    pub path: PathBuf,
    pub file_len: u64,
    pub meta_len: usize,
    pub chunks: u64,
    pub bytes: u64,
    /// Whether it validated completely.
    pub valid: bool,
}

/// The result of [`check`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckReport {
    pub wal_dir: PathBuf,
    pub snapshot_dir: PathBuf,
    /// `None` when the WAL directory does not exist.
    pub wal: Option<WalSummary>,
    pub snapshots: Vec<SnapshotSummary>,
    /// Things recovery repairs or removes by itself.
    pub warnings: Vec<String>,
    /// Damaged files; the first damage of the WAL (checking stops there)
    /// and every damaged snapshot.
    pub damage: Vec<Damage>,
    /// Files that could not be read.
    pub errors: Vec<String>,
}

impl CheckReport {
    /// Whether damage was found.
    pub fn is_corrupted(&self) -> bool {
        !self.damage.is_empty()
    }

    /// Whether everything was readable and undamaged (`keel check` exits 0
    /// only then).
    pub fn passed(&self) -> bool {
        self.damage.is_empty() && self.errors.is_empty()
    }

    /// The newest valid snapshot.
    pub fn latest_snapshot(&self) -> Option<&SnapshotSummary> {
        self.snapshots.iter().rev().find(|s| s.valid)
    }
}

/// Checks the data directory `data_dir` (WAL in `wal/`, snapshots in
/// `snapshots/`).
pub fn check(vfs: &dyn Vfs, data_dir: &Path) -> CheckReport {
    check_dirs(vfs, &data_dir.join(WAL_DIR), &data_dir.join(SNAPSHOT_DIR))
}

/// Checks a WAL directory and a snapshot directory. Reads only.
pub fn check_dirs(vfs: &dyn Vfs, wal_dir: &Path, snapshot_dir: &Path) -> CheckReport {
    let mut report = CheckReport {
        wal_dir: wal_dir.to_path_buf(),
        snapshot_dir: snapshot_dir.to_path_buf(),
        ..CheckReport::default()
    };
    check_wal(vfs, &mut report);
    check_snapshots(vfs, &mut report);
    report
}

fn check_wal(vfs: &dyn Vfs, report: &mut CheckReport) {
    let dir = report.wal_dir.clone();
    match vfs.dir_exists(&dir) {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => return report.errors.push(format!("{}: {e}", dir.display())),
    }
    let analysis = match recovery::analyze(vfs, &dir) {
        Ok(analysis) => analysis,
        Err(e) => return report.errors.push(e.to_string()),
    };
    let meta = &analysis.meta;
    report.wal = Some(WalSummary {
        segments: analysis.segments.len() + analysis.purged_segments.len(),
        entries: analysis.entries(),
        first_index: analysis.first_index(),
        last_index: analysis.last_index(),
        purged: analysis.purged(),
        vote_len: meta.vote.as_ref().map(|b| b.len()),
        committed_len: meta.committed.as_ref().map(|b| b.len()),
        purge_data_len: meta.purged.as_ref().map(|p| p.data.len()),
        durable: meta.end.durable,
        newest_segment: meta.end.newest_segment,
    });
    if let Some(torn) = &analysis.torn {
        let after = match meta.end.durable {
            Some(d) => format!("after the durable end (index {d}), so never acknowledged"),
            None => "no durable end is recorded (format version 1)".to_string(),
        };
        report.warnings.push(format!(
            "torn write at the end of {} at offset {} ({}), {after}; recovery will cut it",
            torn.file.display(),
            torn.offset,
            torn.reason
        ));
    }
    for path in &analysis.temp_files {
        report.warnings.push(format!(
            "leftover temporary file {}; recovery will remove it",
            path.display()
        ));
    }
    for path in &analysis.purged_segments {
        report.warnings.push(format!(
            "segment {} is wholly purged; recovery will remove it",
            path.display()
        ));
    }
    for path in &analysis.unknown_files {
        report
            .warnings
            .push(format!("unknown file {}", path.display()));
    }
    match analysis.damage {
        Some(WalError::Corrupted {
            file,
            offset,
            reason,
        }) => report.damage.push(Damage {
            file,
            offset,
            reason,
        }),
        Some(other) => report.errors.push(other.to_string()),
        None => {}
    }
}

fn check_snapshots(vfs: &dyn Vfs, report: &mut CheckReport) {
    let dir = report.snapshot_dir.clone();
    match vfs.dir_exists(&dir) {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => return report.errors.push(format!("{}: {e}", dir.display())),
    }
    match vfs.list_dir(&dir) {
        Ok(names) => {
            for name in names.iter().filter(|n| n.ends_with(".snap.tmp")) {
                report.warnings.push(format!(
                    "leftover temporary snapshot {}; it will be removed",
                    dir.join(name).display()
                ));
            }
        }
        Err(e) => return report.errors.push(format!("{}: {e}", dir.display())),
    }
    let files = match snapshot::list(vfs, &dir) {
        Ok(files) => files,
        Err(e) => return report.errors.push(e.to_string()),
    };
    for file in files {
        let mut summary = SnapshotSummary {
            id: file.id,
            path: file.path.clone(),
            file_len: 0,
            meta_len: 0,
            chunks: 0,
            bytes: 0,
            valid: false,
        };
        match verify_snapshot(vfs, &file.path, file.id, &mut summary) {
            Ok(()) => summary.valid = true,
            Err(SnapshotError::Corrupted {
                file,
                offset,
                reason,
            }) => {
                report.damage.push(Damage {
                    file,
                    offset,
                    reason,
                });
            }
            Err(e) => report.errors.push(e.to_string()),
        }
        report.snapshots.push(summary);
    }
}

fn verify_snapshot(
    vfs: &dyn Vfs,
    path: &Path,
    id: u64,
    summary: &mut SnapshotSummary,
) -> Result<(), SnapshotError> {
    let mut reader = SnapshotReader::open(vfs, path)?;
    summary.meta_len = reader.meta().len();
    if reader.id() != id {
        return Err(SnapshotError::corrupted(
            path,
            16,
            format!("header says id {}", reader.id()),
        ));
    }
    while let Some(chunk) = reader.next_chunk()? {
        summary.chunks += 1;
        summary.bytes += chunk.len() as u64;
    }
    let info = reader.verify()?;
    summary.file_len = info.file_len;
    Ok(())
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_wal(f)?;
        self.fmt_snapshots(f)?;
        for warning in &self.warnings {
            writeln!(f, "warning: {warning}")?;
        }
        for error in &self.errors {
            writeln!(f, "error: {error}")?;
        }
        for d in &self.damage {
            writeln!(
                f,
                "CORRUPTED: {} at offset {}: {}",
                d.file.display(),
                d.offset,
                d.reason
            )?;
        }
        if self.is_corrupted() {
            if self
                .damage
                .iter()
                .any(|d| d.reason.contains("acknowledged"))
            {
                writeln!(
                    f,
                    "hint: entries this node acknowledged as durable are damaged or missing; \
                     restore the node from a replica or a backup (in a group, remove its data \
                     directory and let it catch up)"
                )?;
            }
            writeln!(
                f,
                "result: CORRUPTED ({} damaged file(s)); the node will refuse to start",
                self.damage.len()
            )
        } else if !self.errors.is_empty() {
            writeln!(
                f,
                "result: INCOMPLETE ({} file(s) could not be read)",
                self.errors.len()
            )
        } else {
            writeln!(f, "result: OK")
        }
    }
}

impl CheckReport {
    fn fmt_wal(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "wal: {}", self.wal_dir.display())?;
        let Some(wal) = &self.wal else {
            return writeln!(f, "  (no WAL directory)");
        };
        writeln!(f, "  segments: {}", wal.segments)?;
        match (wal.first_index, wal.last_index) {
            (Some(first), Some(last)) => {
                writeln!(f, "  entries: {} (index {first} to {last})", wal.entries)?
            }
            _ => writeln!(f, "  entries: 0")?,
        }
        match wal.purged {
            Some(p) => writeln!(f, "  purged through index: {p}")?,
            None => writeln!(f, "  purged through index: none")?,
        }
        let field = |len: Option<usize>| len.map_or("none".to_string(), |l| format!("{l} bytes"));
        writeln!(f, "  vote: {}", field(wal.vote_len))?;
        writeln!(f, "  committed: {}", field(wal.committed_len))?;
        writeln!(f, "  purge data: {}", field(wal.purge_data_len))?;
        let index = |i: Option<u64>| i.map_or("not recorded".to_string(), |i| format!("index {i}"));
        writeln!(f, "  durable through: {}", index(wal.durable))?;
        writeln!(f, "  newest segment: {}", index(wal.newest_segment))
    }

    fn fmt_snapshots(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "snapshots: {}", self.snapshot_dir.display())?;
        if self.snapshots.is_empty() {
            writeln!(f, "  (none)")?;
        }
        for s in &self.snapshots {
            let name = s
                .path
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            let status = if s.valid { "ok" } else { "DAMAGED" };
            writeln!(
                f,
                "  {name}: id {}, metadata {} bytes, {} chunks, {} bytes: {status}",
                s.id, s.meta_len, s.chunks, s.bytes
            )?;
        }
        match self.latest_snapshot() {
            Some(s) => writeln!(f, "  latest valid snapshot: id {}", s.id),
            None => writeln!(f, "  latest valid snapshot: none"),
        }
    }
}
