//! Reading a WAL directory back: what is there, what is damaged, what a
//! crash left half done.
//!
//! [`analyze`] only reads. [`crate::Wal::open`] applies its findings
//! (removes temporary and purged files, cuts a torn tail) and `check`
//! reports them.
//!
//! The rules:
//!
//! * every segment header must be valid (segments get their name only once
//!   their header is durable);
//! * each segment must start right after the previous one ends, the first
//!   one at or before `purge point + 1` (index 0 without a purge point);
//! * records must be valid up to the end of the segment, where only zeros
//!   may follow, except in the last segment, where invalid bytes after the
//!   valid records are a torn write (cut on open) as long as no valid
//!   record follows them;
//! * a checksummed record with the wrong index is corruption anywhere;
//! * the metadata's [`LogEnd`] must hold: damage at or before the recorded
//!   durable index is a lost acknowledged entry, not a torn write; the log
//!   must reach the durable index; the recorded newest segment must exist.

use std::path::{Path, PathBuf};

use crate::error::WalError;
use crate::meta::{LogEnd, Meta, MetaStore};
use crate::segment::{self, Scan};
use crate::vfs::{OpenMode, Vfs};

/// Name of the metadata file in a WAL directory.
pub const META_FILE: &str = "meta";

/// What [`crate::Wal::open`] found and repaired.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Segment files in use after recovery.
    pub segments: usize,
    /// Readable entries (after the purge point).
    pub entries: u64,
    pub first_index: Option<u64>,
    pub last_index: Option<u64>,
    pub purged: Option<u64>,
    /// A torn write at the end of the last segment, cut off.
    pub torn_tail: Option<TornTail>,
    /// Files removed: leftovers of interrupted segment creations or
    /// metadata writes, and segments wholly below the purge point.
    pub removed: Vec<PathBuf>,
}

/// An incomplete write at the end of the last segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TornTail {
    pub file: PathBuf,
    /// Where the valid records end.
    pub offset: u64,
    pub reason: String,
}

/// A segment that passed validation.
#[derive(Debug, Clone)]
pub(crate) struct Scanned {
    pub path: PathBuf,
    pub scan: Scan,
}

/// The state of a WAL directory.
#[derive(Debug, Default)]
pub(crate) struct Analysis {
    pub meta: Meta,
    /// Valid segments, in index order, not counting purged ones.
    pub segments: Vec<Scanned>,
    /// Segments wholly at or below the purge point.
    pub purged_segments: Vec<PathBuf>,
    /// `*.tmp` leftovers.
    pub temp_files: Vec<PathBuf>,
    /// Files that are neither segments nor metadata.
    pub unknown_files: Vec<PathBuf>,
    pub torn: Option<TornTail>,
    /// The first damage found; analysis stops there.
    pub damage: Option<WalError>,
}

impl Analysis {
    pub(crate) fn purged(&self) -> Option<u64> {
        self.meta.purged.as_ref().map(|p| p.index)
    }

    /// The last index; entries at or below the purge point do not count.
    pub(crate) fn last_index(&self) -> Option<u64> {
        let last = self.segments.iter().rev().find_map(|s| s.scan.last_index());
        last.filter(|l| self.purged().is_none_or(|p| *l > p))
    }

    pub(crate) fn first_index(&self) -> Option<u64> {
        let physical = self
            .segments
            .iter()
            .find(|s| s.scan.count() > 0)?
            .scan
            .first_index;
        let first = match self.purged() {
            Some(p) => physical.max(p.saturating_add(1)),
            None => physical,
        };
        (Some(first) <= self.last_index()).then_some(first)
    }

    pub(crate) fn entries(&self) -> u64 {
        match (self.first_index(), self.last_index()) {
            (Some(first), Some(last)) => last - first + 1,
            _ => 0,
        }
    }
}

/// Reads the WAL in `dir` without modifying anything. I/O errors are
/// returned; damage is reported in [`Analysis::damage`].
pub(crate) fn analyze(vfs: &dyn Vfs, dir: &Path) -> Result<Analysis, WalError> {
    let mut analysis = Analysis::default();
    match MetaStore::new(dir, META_FILE).load(vfs) {
        Ok(meta) => analysis.meta = meta.unwrap_or_default(),
        Err(e @ WalError::Corrupted { .. }) => {
            analysis.damage = Some(e);
            return Ok(analysis);
        }
        Err(e) => return Err(e),
    }
    let mut segments = Vec::new();
    let names = vfs
        .list_dir(dir)
        .map_err(crate::error::wal_io("list", dir))?;
    for name in names {
        if let Some(first) = segment::parse_name(&name) {
            segments.push((first, dir.join(name)));
        } else if name.ends_with(".tmp") {
            analysis.temp_files.push(dir.join(name));
        } else if name != META_FILE {
            analysis.unknown_files.push(dir.join(name));
        }
    }
    segments.sort();
    analysis.temp_files.sort();
    analysis.unknown_files.sort();
    let scanned =
        scan_all(vfs, &segments, &mut analysis).and_then(|()| check_end(dir, &segments, &analysis));
    if let Err(damage) = scanned {
        if damage.is_corruption() {
            analysis.damage = Some(damage);
        } else {
            return Err(damage);
        }
    }
    Ok(analysis)
}

/// Scans every segment in order, checking continuity; stops at the first
/// damage.
fn scan_all(
    vfs: &dyn Vfs,
    segments: &[(u64, PathBuf)],
    analysis: &mut Analysis,
) -> Result<(), WalError> {
    let purged = analysis.purged();
    let mut next: Option<u64> = None;
    for (i, (first, path)) in segments.iter().enumerate() {
        let is_last = i + 1 == segments.len();
        let file = vfs
            .open(path, OpenMode::Read)
            .map_err(crate::error::wal_io("open", path))?;
        let scan = segment::scan(&*file, path, *first, is_last)?;
        check_start(path, *first, next, purged)?;
        if let Some(damage) = &scan.damage {
            if damage.definite || !is_last {
                return Err(WalError::corrupted(
                    path,
                    damage.offset,
                    damage.reason.clone(),
                ));
            }
            let next = first + scan.count();
            if let Some(durable) = acknowledged(analysis.meta.end, purged, next) {
                return Err(WalError::corrupted(
                    path,
                    damage.offset,
                    format!(
                        "record {next} is damaged ({}), but the log was durable through index {durable}: \
                         an acknowledged write is lost, this is not a torn write",
                        damage.reason
                    ),
                ));
            }
            analysis.torn = Some(TornTail {
                file: path.clone(),
                offset: damage.offset,
                reason: damage.reason.clone(),
            });
        }
        next = Some(first + scan.count());
        let wholly_purged = match (purged, scan.last_index()) {
            (Some(p), Some(last)) => last <= p,
            (Some(p), None) => *first <= p,
            (None, _) => false,
        };
        if wholly_purged {
            if is_last {
                analysis.torn = None;
            }
            analysis.purged_segments.push(path.clone());
        } else {
            analysis.segments.push(Scanned {
                path: path.clone(),
                scan,
            });
        }
    }
    Ok(())
}

/// Checks that a segment starting at `first` continues the log: right
/// after the previous segment, or (the first one) not after the purge
/// point.
fn check_start(
    path: &Path,
    first: u64,
    next: Option<u64>,
    purged: Option<u64>,
) -> Result<(), WalError> {
    let reason = match next {
        Some(next) if first != next => format!(
            "segment starts at index {first} but the previous segment ends before index {next} (missing or extra entries)"
        ),
        Some(_) => return Ok(()),
        None => {
            let start = purged.map_or(0, |p| p.saturating_add(1));
            if first <= start {
                return Ok(());
            }
            match purged {
                Some(p) => format!("the log starts at index {first} but the purge point is {p} (missing segment)"),
                None => format!("the log starts at index {first} but no purge point is recorded (missing segment)"),
            }
        }
    };
    Err(WalError::corrupted(path, 16, reason))
}

/// The recorded durable index if entry `index` is at or below it (and
/// above the purge point): that entry was durable, so damage there is not
/// a torn write.
fn acknowledged(end: LogEnd, purged: Option<u64>, index: u64) -> Option<u64> {
    let durable = end.durable?;
    (index <= durable && purged.is_none_or(|p| index > p)).then_some(durable)
}

/// Checks what the metadata says about the end of the log against what was
/// found: the newest segment recorded must exist, and the log must reach
/// the durable index.
fn check_end(dir: &Path, segments: &[(u64, PathBuf)], analysis: &Analysis) -> Result<(), WalError> {
    let end = analysis.meta.end;
    // A newest segment that starts at or below the purge point may have
    // been removed with its last entries purged (the durable index still
    // covers the entries above the purge point).
    let live = |first: u64| analysis.purged().is_none_or(|p| first > p);
    if let Some(newest) = end.newest_segment.filter(|s| live(*s)) {
        if !segments.iter().any(|(first, _)| *first == newest) {
            return Err(WalError::corrupted(
                &dir.join(segment::file_name(newest)),
                0,
                format!(
                    "the newest segment (first index {newest}) recorded in {META_FILE} is missing: \
                     acknowledged writes may be lost"
                ),
            ));
        }
    }
    let last = analysis
        .segments
        .iter()
        .rev()
        .find_map(|s| s.scan.last_index());
    let reached = |durable: u64| last.is_some_and(|l| l >= durable);
    let Some(durable) = end.durable.filter(|d| !reached(*d)) else {
        return Ok(());
    };
    if analysis.purged().is_some_and(|p| durable <= p) {
        return Ok(());
    }
    let (file, offset) = match analysis.segments.last() {
        Some(s) => (s.path.clone(), s.scan.end),
        None => (dir.join(META_FILE), 0),
    };
    let found = last.map_or("no entries".to_string(), |l| format!("index {l}"));
    Err(WalError::corrupted(
        &file,
        offset,
        format!(
            "the log ends at {found} but was durable through index {durable}: \
             acknowledged writes are missing (a segment file was removed or cut short)"
        ),
    ))
}
