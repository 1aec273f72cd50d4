//! The log index shared by the writer and its readers, and [`WalReader`].

use std::collections::VecDeque;
use std::ops::{Bound, RangeBounds};
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::RwLock;

use crate::error::{wal_io, WalError};
use crate::meta::Meta;
use crate::record::{self, Header, HEADER_LEN, MAX_ENTRY_LEN, OVERHEAD};
use crate::vfs::VfsFile;

/// Largest single read when fetching a range of records.
const READ_CHUNK: u64 = 4 << 20;
/// Attempts of a read that raced with a truncation or purge.
const READ_ATTEMPTS: usize = 4;

/// Where every entry is: written records in segment files, accepted but
/// not yet written ones in memory.
#[derive(Debug)]
pub(crate) struct LogState {
    pub segments: VecDeque<SegmentIndex>,
    /// Accepted entries not yet written, contiguous after the segments.
    pub tail: VecDeque<(u64, Bytes)>,
    pub purged: Option<u64>,
    pub meta: Meta,
    /// Bumped by every truncation and purge, so a reader can tell that a
    /// failed read raced with one.
    pub generation: u64,
    pub failed: Option<Arc<str>>,
}

/// The records of one segment.
#[derive(Debug, Clone)]
pub(crate) struct SegmentIndex {
    pub first_index: u64,
    pub path: PathBuf,
    pub file: Arc<dyn VfsFile>,
    /// Start offset of each record.
    pub offsets: Vec<u64>,
    /// Offset just past the last record.
    pub end: u64,
}

impl SegmentIndex {
    pub(crate) fn last_index(&self) -> Option<u64> {
        let n = self.offsets.len() as u64;
        (n > 0).then(|| self.first_index + n - 1)
    }
}

impl LogState {
    pub(crate) fn new(meta: Meta) -> LogState {
        LogState {
            segments: VecDeque::new(),
            tail: VecDeque::new(),
            purged: meta.purged.as_ref().map(|p| p.index),
            meta,
            generation: 0,
            failed: None,
        }
    }

    /// The last index written to a segment.
    pub(crate) fn last_written(&self) -> Option<u64> {
        self.segments
            .iter()
            .rev()
            .find_map(SegmentIndex::last_index)
    }

    /// The last index in the log; entries still in a segment but at or
    /// below the purge point do not count.
    pub(crate) fn last_index(&self) -> Option<u64> {
        let last = self
            .tail
            .back()
            .map(|(i, _)| *i)
            .or_else(|| self.last_written());
        last.filter(|l| self.purged.is_none_or(|p| *l > p))
    }

    pub(crate) fn first_index(&self) -> Option<u64> {
        let physical = self
            .segments
            .iter()
            .find(|s| !s.offsets.is_empty())
            .map(|s| s.first_index)
            .or_else(|| self.tail.front().map(|(i, _)| *i))?;
        let first = match self.purged {
            Some(p) => physical.max(p.saturating_add(1)),
            None => physical,
        };
        (Some(first) <= self.last_index()).then_some(first)
    }

    /// The index the next append must have; `None` if any is accepted.
    pub(crate) fn next_index(&self) -> Option<u64> {
        self.last_index()
            .or(self.purged)
            .map(|i| i.saturating_add(1))
    }

    /// Validates `records` as a continuation of the log and queues them for
    /// writing; all or nothing.
    pub(crate) fn accept(&mut self, records: &[(u64, Bytes)]) -> Result<(), WalError> {
        if let Some(cause) = &self.failed {
            return Err(WalError::Failed {
                cause: cause.clone(),
            });
        }
        let mut expected = self.next_index();
        for (index, entry) in records {
            if entry.len() > MAX_ENTRY_LEN {
                return Err(WalError::TooLarge {
                    len: entry.len(),
                    max: MAX_ENTRY_LEN,
                });
            }
            if *index == u64::MAX {
                return Err(WalError::InvalidArgument(
                    "index u64::MAX is reserved".into(),
                ));
            }
            if let Some(expected) = expected {
                if *index != expected {
                    return Err(WalError::OutOfOrder {
                        expected,
                        got: *index,
                    });
                }
            }
            expected = Some(index + 1);
        }
        self.tail.extend(records.iter().cloned());
        Ok(())
    }

    /// What to read for the entries in `lo..=hi` (already clamped).
    fn plan(&self, lo: u64, hi: u64) -> Vec<Piece> {
        let mut pieces = Vec::new();
        for seg in &self.segments {
            let Some(last) = seg.last_index() else {
                continue;
            };
            if last < lo || seg.first_index > hi {
                continue;
            }
            let from = (lo.max(seg.first_index) - seg.first_index) as usize;
            let to = (hi.min(last) - seg.first_index) as usize;
            let end = seg.offsets.get(to + 1).copied().unwrap_or(seg.end);
            pieces.push(Piece::File {
                path: seg.path.clone(),
                file: Arc::clone(&seg.file),
                first_index: seg.first_index + from as u64,
                offsets: seg.offsets[from..=to].to_vec(),
                end,
            });
        }
        let unwritten: Vec<(u64, Bytes)> = self
            .tail
            .iter()
            .filter(|(i, _)| (lo..=hi).contains(i))
            .cloned()
            .collect();
        if !unwritten.is_empty() {
            pieces.push(Piece::Memory(unwritten));
        }
        pieces
    }
}

/// Part of a read: consecutive records of one segment, or entries not yet
/// written.
enum Piece {
    File {
        path: PathBuf,
        file: Arc<dyn VfsFile>,
        first_index: u64,
        offsets: Vec<u64>,
        end: u64,
    },
    Memory(Vec<(u64, Bytes)>),
}

/// A cheap, cloneable read handle on a WAL, usable from any thread while
/// the writer appends. It sees every accepted entry, including those not
/// yet written or synced (what openraft requires of a `LogReader`: entries
/// are readable as soon as `append` returns).
#[derive(Debug, Clone)]
pub struct WalReader {
    pub(crate) state: Arc<RwLock<LogState>>,
}

impl WalReader {
    /// The first readable index (after the purge point); `None` if the log
    /// is empty.
    pub fn first_index(&self) -> Option<u64> {
        self.state.read().first_index()
    }

    /// The last accepted index; `None` if the log is empty.
    pub fn last_index(&self) -> Option<u64> {
        self.state.read().last_index()
    }

    /// The purge point: every index up to it is gone.
    pub fn purged(&self) -> Option<u64> {
        self.state.read().purged
    }

    /// The metadata as last saved.
    pub fn meta(&self) -> Meta {
        self.state.read().meta.clone()
    }

    /// Whether the log refuses writes after an I/O error.
    pub fn is_failed(&self) -> bool {
        self.state.read().failed.is_some()
    }

    /// The entry at `index`, if it is in the log.
    pub fn read(&self, index: u64) -> Result<Option<Bytes>, WalError> {
        Ok(self
            .read_range(index..=index)?
            .pop()
            .map(|(_, entry)| entry))
    }

    /// The entries of `range` that are in the log, in index order. Entries
    /// outside `first_index()..=last_index()` are left out; the result is
    /// contiguous. The caller bounds the range (it is all read into
    /// memory). Every record read is checked (checksum and index): damage
    /// is `WalError::Corrupted`.
    pub fn read_range(&self, range: impl RangeBounds<u64>) -> Result<Vec<(u64, Bytes)>, WalError> {
        let Some((lo, hi)) = bounds(&range) else {
            return Ok(Vec::new());
        };
        let mut attempt = 0;
        loop {
            let (pieces, generation) = {
                let state = self.state.read();
                let (Some(first), Some(last)) = (state.first_index(), state.last_index()) else {
                    return Ok(Vec::new());
                };
                let (lo, hi) = (lo.max(first), hi.min(last));
                if lo > hi {
                    return Ok(Vec::new());
                }
                (state.plan(lo, hi), state.generation)
            };
            match read_pieces(pieces) {
                Ok(entries) => return Ok(entries),
                Err(e) => {
                    attempt += 1;
                    let raced = self.state.read().generation != generation;
                    if !raced || attempt >= READ_ATTEMPTS {
                        return Err(e);
                    }
                }
            }
        }
    }
}

/// `range` as inclusive bounds; `None` if empty.
fn bounds(range: &impl RangeBounds<u64>) -> Option<(u64, u64)> {
    let lo = match range.start_bound() {
        Bound::Included(&x) => x,
        Bound::Excluded(&x) => x.checked_add(1)?,
        Bound::Unbounded => 0,
    };
    let hi = match range.end_bound() {
        Bound::Included(&x) => x,
        Bound::Excluded(&x) => x.checked_sub(1)?,
        Bound::Unbounded => u64::MAX,
    };
    (lo <= hi).then_some((lo, hi))
}

fn read_pieces(pieces: Vec<Piece>) -> Result<Vec<(u64, Bytes)>, WalError> {
    let mut out = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Memory(entries) => out.extend(entries),
            Piece::File {
                path,
                file,
                first_index,
                offsets,
                end,
            } => read_records(&path, &*file, first_index, &offsets, end, &mut out)?,
        }
    }
    Ok(out)
}

/// Reads the records starting at `offsets` (the last one ends at `end`),
/// a few MiB per read, checking each.
fn read_records(
    path: &std::path::Path,
    file: &dyn VfsFile,
    first_index: u64,
    offsets: &[u64],
    end: u64,
    out: &mut Vec<(u64, Bytes)>,
) -> Result<(), WalError> {
    let record_end = |k: usize| offsets.get(k + 1).copied().unwrap_or(end);
    let mut k = 0;
    while k < offsets.len() {
        let start = offsets[k];
        let mut j = k;
        while j + 1 < offsets.len() && record_end(j + 1) - start <= READ_CHUNK {
            j += 1;
        }
        let stop = record_end(j);
        let len = stop
            .checked_sub(start)
            .filter(|l| *l <= MAX_ENTRY_LEN as u64 + OVERHEAD);
        let Some(len) = len else {
            return Err(WalError::corrupted(
                path,
                start,
                "record offsets out of order",
            ));
        };
        let mut buf = vec![0u8; len as usize];
        file.read_exact_at(&mut buf, start)
            .map_err(wal_io("read", path))?;
        let buf = Bytes::from(buf);
        for (m, &offset) in offsets.iter().enumerate().take(j + 1).skip(k) {
            let at = (offset - start) as usize;
            let rec_end = (record_end(m) - start) as usize;
            let index = first_index + m as u64;
            out.push((index, check_record(path, &buf, at, rec_end, index, offset)?));
        }
        k = j + 1;
    }
    Ok(())
}

/// Validates the record in `buf[at..rec_end]` and returns its entry.
fn check_record(
    path: &std::path::Path,
    buf: &Bytes,
    at: usize,
    rec_end: usize,
    index: u64,
    offset: u64,
) -> Result<Bytes, WalError> {
    let bad = |reason: &str| WalError::corrupted(path, offset, reason);
    if rec_end < at + OVERHEAD as usize {
        return Err(bad("record shorter than its header"));
    }
    let header = Header::parse(&buf[at..]);
    if header.record_len() != (rec_end - at) as u64 {
        return Err(bad("record length changed since it was written"));
    }
    let payload = &buf[at + HEADER_LEN as usize..rec_end];
    let found = header.verify(payload).map_err(bad)?;
    if found != index {
        return Err(bad(&format!("record has index {found}, expected {index}")));
    }
    Ok(buf.slice(at + record::OVERHEAD as usize..rec_end))
}

/// Reads every entry of the WAL in `dir` after its purge point, in index
/// order, without modifying anything (for `keel check`): `visit` gets each
/// entry; a torn tail is left out (recovery would cut it), any damage is an
/// error. Reads one segment at a time.
pub fn scan_entries(
    vfs: &dyn crate::vfs::Vfs,
    dir: &std::path::Path,
    mut visit: impl FnMut(u64, Bytes) -> Result<(), String>,
) -> Result<(), WalError> {
    let analysis = crate::recovery::analyze(vfs, dir)?;
    if let Some(damage) = analysis.damage {
        return Err(damage);
    }
    let purged = analysis.purged();
    for segment in &analysis.segments {
        let file = vfs
            .open(&segment.path, crate::vfs::OpenMode::Read)
            .map_err(wal_io("open", &segment.path))?;
        let scan = &segment.scan;
        let mut entries = Vec::new();
        read_records(
            &segment.path,
            &*file,
            scan.first_index,
            &scan.offsets,
            scan.end,
            &mut entries,
        )?;
        for (index, entry) in entries
            .into_iter()
            .filter(|(i, _)| purged.is_none_or(|p| *i > p))
        {
            visit(index, entry).map_err(|reason| {
                WalError::corrupted(&segment.path, 0, format!("entry {index}: {reason}"))
            })?;
        }
    }
    Ok(())
}
