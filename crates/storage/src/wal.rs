//! The segmented write-ahead log: the write side.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use parking_lot::RwLock;

use crate::error::{wal_io, WalError};
use crate::meta::{LogEnd, Meta, MetaStore, PurgePoint};
use crate::reader::{LogState, SegmentIndex, WalReader};
use crate::record;
use crate::recovery::{self, Recovery, META_FILE};
use crate::segment::{self, Preallocate};
use crate::vfs::{OpenMode, Vfs, VfsFile};

/// Bytes buffered before a `write` call while writing a batch.
const WRITE_CHUNK: usize = 1 << 20;
/// Smallest accepted segment size.
pub const MIN_SEGMENT_SIZE: u64 = 64;

/// How a [`Wal`] lays out its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalOptions {
    /// Size of each segment file. A record larger than a whole segment gets
    /// a segment of its own, as large as needed.
    pub segment_size: u64,
    /// How new segments reserve their space.
    pub preallocate: Preallocate,
}

impl Default for WalOptions {
    fn default() -> Self {
        WalOptions {
            segment_size: 64 << 20,
            preallocate: Preallocate::default(),
        }
    }
}

impl WalOptions {
    /// Checks the options.
    pub fn validate(&self) -> Result<(), WalError> {
        if self.segment_size < MIN_SEGMENT_SIZE {
            return Err(WalError::InvalidArgument(format!(
                "segment size {} is below the minimum of {MIN_SEGMENT_SIZE}",
                self.segment_size
            )));
        }
        Ok(())
    }
}

/// Counters of the write side, for INFO and metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogStats {
    /// Write batches (one or a few `pwrite` calls each).
    pub batches: u64,
    /// Records written.
    pub records: u64,
    /// Bytes written for records, headers included.
    pub bytes: u64,
    /// `fdatasync` calls on segments.
    pub fsyncs: u64,
    pub last_fsync: Duration,
    pub max_fsync: Duration,
    pub total_fsync: Duration,
    pub segments_created: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub batches: AtomicU64,
    records: AtomicU64,
    bytes: AtomicU64,
    fsyncs: AtomicU64,
    last_fsync_ns: AtomicU64,
    max_fsync_ns: AtomicU64,
    total_fsync_ns: AtomicU64,
    segments_created: AtomicU64,
}

impl Counters {
    fn fsync(&self, took: Duration) {
        let ns = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        self.fsyncs.fetch_add(1, Ordering::Relaxed);
        self.last_fsync_ns.store(ns, Ordering::Relaxed);
        self.max_fsync_ns.fetch_max(ns, Ordering::Relaxed);
        self.total_fsync_ns.fetch_add(ns, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> LogStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        LogStats {
            batches: get(&self.batches),
            records: get(&self.records),
            bytes: get(&self.bytes),
            fsyncs: get(&self.fsyncs),
            last_fsync: Duration::from_nanos(get(&self.last_fsync_ns)),
            max_fsync: Duration::from_nanos(get(&self.max_fsync_ns)),
            total_fsync: Duration::from_nanos(get(&self.total_fsync_ns)),
            segments_created: get(&self.segments_created),
        }
    }
}

/// The segment being appended to.
#[derive(Debug)]
struct Active {
    first_index: u64,
    path: PathBuf,
    file: Arc<dyn VfsFile>,
    end: u64,
    records: u64,
}

/// A segmented write-ahead log of opaque entries indexed by `u64`.
///
/// Entries are appended in index order with [`Wal::append`] (buffered in
/// memory, readable at once through [`Wal::reader`]), written with
/// [`Wal::write`] and made durable with [`Wal::sync`]. [`Wal::truncate_from`]
/// and [`Wal::purge_to`] remove entries from the end and the start.
///
/// To ensure correctness:
///
/// * an entry is durable only once a `sync` (or a `truncate_from`,
///   `purge_to`, `save_vote`, `save_committed`, which sync first) issued
///   after its `append` has returned `Ok`;
/// * after any failed write or sync the log is *failed*: every later write
///   returns [`WalError::Failed`] and nothing is retried; reopen it;
/// * the log never has holes: recovery returns a contiguous range or
///   [`WalError::Corrupted`].
///
/// See `docs/design/wal.md` for the file formats and the crash-safety
/// argument.
#[derive(Debug)]
pub struct Wal {
    vfs: Arc<dyn Vfs>,
    dir: PathBuf,
    opts: WalOptions,
    state: Arc<RwLock<LogState>>,
    active: Option<Active>,
    /// Records were written to the active segment since its last sync.
    dirty: bool,
    /// The last index an `fdatasync` covered (or that recovery found and
    /// synced): what [`Wal::record_durable_end`] records.
    synced: Option<u64>,
    meta_store: MetaStore,
    failed: Option<Arc<str>>,
    buf: Vec<u8>,
    buf_offsets: Vec<u64>,
    counters: Arc<Counters>,
}

impl Wal {
    /// Opens (creating if needed) the WAL in `dir` and recovers it: removes
    /// leftovers of interrupted operations, cuts a torn tail of the last
    /// segment, and fails with [`WalError::Corrupted`] on any other damage.
    pub fn open(
        vfs: Arc<dyn Vfs>,
        dir: impl Into<PathBuf>,
        opts: WalOptions,
    ) -> Result<(Wal, Recovery), WalError> {
        opts.validate()?;
        let dir = dir.into();
        vfs.create_dir_all(&dir)
            .map_err(wal_io("create directory", &dir))?;
        let analysis = recovery::analyze(&*vfs, &dir)?;
        if let Some(damage) = analysis.damage {
            return Err(damage);
        }
        let mut removed = Vec::new();
        for path in analysis.temp_files.iter().chain(&analysis.purged_segments) {
            vfs.remove_file(path).map_err(wal_io("remove", path))?;
            removed.push(path.clone());
        }
        // Names (segments, metadata) left by a previous process may not be
        // durable yet: make them so before relying on them.
        vfs.sync_dir(&dir)
            .map_err(wal_io("fsync directory", &dir))?;
        let counters = Arc::new(Counters::default());
        let mut state = LogState::new(analysis.meta.clone());
        let count = analysis.segments.len();
        let mut active = None;
        for (i, seg) in analysis.segments.iter().enumerate() {
            let is_last = i + 1 == count;
            let mode = if is_last {
                OpenMode::ReadWrite
            } else {
                OpenMode::Read
            };
            let file = vfs
                .open(&seg.path, mode)
                .map_err(wal_io("open", &seg.path))?;
            if is_last {
                prepare_last(
                    &*file,
                    &seg.path,
                    seg.scan.end,
                    &opts,
                    analysis.torn.is_some(),
                    &counters,
                )?;
                active = Some(Active {
                    first_index: seg.scan.first_index,
                    path: seg.path.clone(),
                    file: Arc::clone(&file),
                    end: seg.scan.end,
                    records: seg.scan.count(),
                });
            }
            state.segments.push_back(SegmentIndex {
                first_index: seg.scan.first_index,
                path: seg.path.clone(),
                file,
                offsets: seg.scan.offsets.clone(),
                end: seg.scan.end,
            });
        }
        let recovery = Recovery {
            segments: count,
            entries: analysis.entries(),
            first_index: analysis.first_index(),
            last_index: analysis.last_index(),
            purged: analysis.purged(),
            torn_tail: analysis.torn,
            removed,
        };
        log_recovery(&dir, &recovery);
        let synced = state.last_written();
        let wal = Wal {
            meta_store: MetaStore::new(&dir, META_FILE),
            vfs,
            dir,
            opts,
            state: Arc::new(RwLock::new(state)),
            active,
            dirty: false,
            synced,
            failed: None,
            buf: Vec::new(),
            buf_offsets: Vec::new(),
            counters,
        };
        Ok((wal, recovery))
    }

    /// The directory of the log.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A read handle; clones are cheap and usable from any thread.
    pub fn reader(&self) -> WalReader {
        WalReader {
            state: Arc::clone(&self.state),
        }
    }

    /// First readable index; `None` if empty.
    pub fn first_index(&self) -> Option<u64> {
        self.state.read().first_index()
    }

    /// Last accepted index; `None` if empty.
    pub fn last_index(&self) -> Option<u64> {
        self.state.read().last_index()
    }

    /// The purge point (see [`Wal::purge_to`]).
    pub fn purged(&self) -> Option<u64> {
        self.state.read().purged
    }

    /// The metadata as last saved.
    pub fn meta(&self) -> Meta {
        self.state.read().meta.clone()
    }

    /// The entry at `index` (see [`WalReader::read`]).
    pub fn read(&self, index: u64) -> Result<Option<Bytes>, WalError> {
        self.reader().read(index)
    }

    /// The entries in `range` (see [`WalReader::read_range`]).
    pub fn read_range(
        &self,
        range: impl std::ops::RangeBounds<u64>,
    ) -> Result<Vec<(u64, Bytes)>, WalError> {
        self.reader().read_range(range)
    }

    /// Write-side counters.
    pub fn stats(&self) -> LogStats {
        self.counters.snapshot()
    }

    /// Whether a write or sync failed (the log then refuses writes).
    pub fn is_failed(&self) -> bool {
        self.failed.is_some()
    }

    /// Whether appended entries are not yet durable.
    pub fn has_unsynced(&self) -> bool {
        self.dirty || !self.state.read().tail.is_empty()
    }

    /// Whether the metadata file lags behind what is durable: entries were
    /// synced past its durable index, or a newer segment was created (see
    /// [`Wal::record_durable_end`]).
    pub fn durable_end_stale(&self) -> bool {
        // One lock at a time: a recursive read lock can deadlock behind a
        // waiting writer (an append from another thread).
        let current = self.current_end();
        !self.is_failed() && self.state.read().meta.end != current
    }

    /// Records the durable end in the metadata file (one atomic replace:
    /// two `fdatasync`s and a rename), if it is stale. Nothing else is
    /// synced: it only records what earlier syncs made durable. Recovery
    /// then refuses to cut damage at or before that index as a torn write,
    /// and notices if the log no longer reaches it. [`crate::GroupCommit`]
    /// calls it lazily (when idle, and at most every second under load), so
    /// it costs no fsync per batch; see `docs/design/wal.md`.
    pub fn record_durable_end(&mut self) -> Result<(), WalError> {
        self.check_failed()?;
        if !self.durable_end_stale() {
            return Ok(());
        }
        let mut meta = self.meta();
        meta.end = self.current_end();
        self.store_meta(meta).map_err(|e| self.fail(e))
    }

    /// The end of the log as this process knows it to be durable.
    fn current_end(&self) -> LogEnd {
        let state = self.state.read();
        LogEnd {
            durable: self.synced,
            newest_segment: state.segments.back().map(|s| s.first_index),
        }
    }

    /// Queues an entry. `index` must be `last_index() + 1`; on an empty log,
    /// `purged() + 1`, or any index if nothing was ever purged. Readable at
    /// once, durable after the next [`Wal::sync`].
    pub fn append(&mut self, index: u64, entry: Bytes) -> Result<(), WalError> {
        self.append_all(&[(index, entry)])
    }

    /// Queues consecutive entries, all or none (see [`Wal::append`]).
    pub fn append_all(&mut self, records: &[(u64, Bytes)]) -> Result<(), WalError> {
        self.check_failed()?;
        self.state.write().accept(records)
    }

    /// Writes queued entries to the segment files (to the OS, no
    /// `fdatasync`).
    pub fn write(&mut self) -> Result<(), WalError> {
        self.check_failed()?;
        let batch: Vec<(u64, Bytes)> = self.state.read().tail.iter().cloned().collect();
        if batch.is_empty() {
            return Ok(());
        }
        self.write_batch(&batch).map_err(|e| self.fail(e))
    }

    /// Writes queued entries and makes everything written durable
    /// (`fdatasync`). Does nothing if nothing is pending.
    pub fn sync(&mut self) -> Result<(), WalError> {
        self.write()?;
        self.sync_active().map_err(|e| self.fail(e))
    }

    /// Removes the entries from `index` on (Raft conflict resolution),
    /// durably before returning. A no-op past the last entry; an error for
    /// purged entries.
    pub fn truncate_from(&mut self, index: u64) -> Result<(), WalError> {
        self.check_failed()?;
        let (last, last_written, purged) = {
            let state = self.state.read();
            (state.last_index(), state.last_written(), state.purged)
        };
        if last.is_none_or(|last| index > last) {
            return Ok(());
        }
        if let Some(p) = purged.filter(|p| index <= *p) {
            return Err(WalError::InvalidArgument(format!(
                "cannot truncate from index {index}: entries up to {p} are purged"
            )));
        }
        {
            let mut state = self.state.write();
            state.tail.retain(|(i, _)| *i < index);
            state.generation += 1;
        }
        if last_written.is_none_or(|w| index > w) {
            return Ok(());
        }
        self.truncate_segments(index).map_err(|e| self.fail(e))
    }

    /// Purges every entry up to and including `index` (log compaction):
    /// saves the purge point with `data` (opaque, returned by
    /// [`Wal::meta`]) durably, then deletes the segments wholly covered.
    /// `index` may be past the last entry: the log is then empty and the
    /// next append must be `index + 1`. A no-op if already purged that far.
    pub fn purge_to(&mut self, index: u64, data: Bytes) -> Result<(), WalError> {
        self.check_failed()?;
        if index == u64::MAX {
            return Err(WalError::InvalidArgument(
                "cannot purge up to u64::MAX".into(),
            ));
        }
        if self.purged().is_some_and(|p| index <= p) {
            return Ok(());
        }
        self.sync()?;
        self.purge_segments(index, data).map_err(|e| self.fail(e))
    }

    /// Makes an empty log (every entry purged) start again at `index`, which
    /// may be at or below the purge point: the purge point moves to
    /// `index - 1` (with no data) so the next append must be `index`.
    /// Refused while the log holds entries. Raft never needs this in normal
    /// operation (it only appends after its last entry); it lets a replica
    /// whose state machine is ahead of an emptied log take any entry.
    pub fn restart_at(&mut self, index: u64) -> Result<(), WalError> {
        self.check_failed()?;
        if self.state.read().last_index().is_some() {
            return Err(WalError::InvalidArgument(format!(
                "cannot restart a log that holds entries at index {index}"
            )));
        }
        self.sync()?;
        self.synced = None;
        let mut meta = self.meta();
        if meta.end != LogEnd::default() {
            // The recorded end must not outlive the segments it names.
            meta.end = LogEnd::default();
            self.store_meta(meta.clone()).map_err(|e| self.fail(e))?;
        }
        meta.purged = index.checked_sub(1).map(|p| PurgePoint {
            index: p,
            data: Bytes::new(),
        });
        self.remove_empty_segments().map_err(|e| self.fail(e))?;
        self.store_meta(meta).map_err(|e| self.fail(e))
    }

    /// Removes every segment of a log that holds no entries.
    fn remove_empty_segments(&mut self) -> Result<(), WalError> {
        let doomed: Vec<PathBuf> = {
            let mut state = self.state.write();
            state.generation += 1;
            state.segments.drain(..).map(|s| s.path).collect()
        };
        self.active = None;
        self.dirty = false;
        self.delete_files(&doomed)
    }

    /// Removes segment files no longer in the index, durably.
    fn delete_files(&self, doomed: &[PathBuf]) -> Result<(), WalError> {
        for path in doomed {
            self.vfs.remove_file(path).map_err(wal_io("remove", path))?;
        }
        if !doomed.is_empty() {
            self.vfs
                .sync_dir(&self.dir)
                .map_err(wal_io("fsync directory", &self.dir))?;
        }
        Ok(())
    }

    /// Saves the vote durably, after making earlier appends durable.
    pub fn save_vote(&mut self, vote: Bytes) -> Result<(), WalError> {
        self.update_meta(|meta| meta.vote = Some(vote))
    }

    /// Saves the committed log id durably (or clears it), after making
    /// earlier appends durable.
    pub fn save_committed(&mut self, committed: Option<Bytes>) -> Result<(), WalError> {
        self.update_meta(|meta| meta.committed = committed)
    }

    pub(crate) fn state(&self) -> Arc<RwLock<LogState>> {
        Arc::clone(&self.state)
    }

    pub(crate) fn counters(&self) -> Arc<Counters> {
        Arc::clone(&self.counters)
    }

    fn update_meta(&mut self, change: impl FnOnce(&mut Meta)) -> Result<(), WalError> {
        self.sync()?;
        let mut meta = self.meta();
        change(&mut meta);
        meta.end = self.current_end();
        self.store_meta(meta).map_err(|e| self.fail(e))
    }

    fn store_meta(&mut self, meta: Meta) -> Result<(), WalError> {
        self.meta_store.store(&*self.vfs, &meta)?;
        let mut state = self.state.write();
        state.purged = meta.purged.as_ref().map(|p| p.index);
        state.meta = meta;
        Ok(())
    }

    fn check_failed(&self) -> Result<(), WalError> {
        match &self.failed {
            Some(cause) => Err(WalError::Failed {
                cause: cause.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Enters the failed state (fail-stop) and passes the error on.
    fn fail(&mut self, err: WalError) -> WalError {
        if self.failed.is_none() && !matches!(err, WalError::Failed { .. }) {
            tracing::error!(dir = %self.dir.display(), error = %err, "WAL write failed; refusing further writes");
            let cause: Arc<str> = err.to_string().into();
            self.failed = Some(cause.clone());
            self.state.write().failed = Some(cause);
        }
        err
    }

    fn write_batch(&mut self, batch: &[(u64, Bytes)]) -> Result<(), WalError> {
        let mut bytes = 0;
        for (index, entry) in batch {
            let len = record::encoded_len(entry.len());
            self.make_room(*index, len)?;
            let active = self.active.as_ref().ok_or(WalError::Closed)?;
            self.buf_offsets.push(active.end + self.buf.len() as u64);
            record::encode(&mut self.buf, *index, entry);
            bytes += len;
            if self.buf.len() >= WRITE_CHUNK {
                self.flush_buf()?;
            }
        }
        self.flush_buf()?;
        let c = &self.counters;
        c.batches.fetch_add(1, Ordering::Relaxed);
        c.records.fetch_add(batch.len() as u64, Ordering::Relaxed);
        c.bytes.fetch_add(bytes, Ordering::Relaxed);
        Ok(())
    }

    /// Makes sure the active segment can take a record of `len` bytes for
    /// `index`, starting a new segment if not. A full segment is synced
    /// before its successor is created, so only the last segment can ever
    /// hold unsynced data.
    fn make_room(&mut self, index: u64, len: u64) -> Result<(), WalError> {
        if let Some(active) = &self.active {
            let used = active.end + self.buf.len() as u64;
            let empty = active.records == 0 && self.buf_offsets.is_empty();
            if empty && active.first_index != index {
                // Never write a record that would not match the header.
                return Err(WalError::InvalidArgument(format!(
                    "internal: index {index} does not start segment {}",
                    active.first_index
                )));
            }
            if empty || used + len <= self.opts.segment_size {
                return Ok(());
            }
            self.flush_buf()?;
            self.sync_active()?;
        }
        self.start_segment(index)
    }

    fn start_segment(&mut self, index: u64) -> Result<(), WalError> {
        let fresh = {
            let state = self.state.read();
            state.segments.is_empty() && state.purged.is_none()
        };
        if fresh && index > 0 {
            // Record where the log starts, so that recovery can tell a
            // missing first segment from a log that started late.
            let mut meta = self.meta();
            meta.purged = Some(PurgePoint {
                index: index - 1,
                data: Bytes::new(),
            });
            self.store_meta(meta)?;
        }
        let (path, file) = segment::create(
            &*self.vfs,
            &self.dir,
            index,
            self.opts.segment_size,
            self.opts.preallocate,
        )?;
        self.counters
            .segments_created
            .fetch_add(1, Ordering::Relaxed);
        self.state.write().segments.push_back(SegmentIndex {
            first_index: index,
            path: path.clone(),
            file: Arc::clone(&file),
            offsets: Vec::new(),
            end: segment::HEADER_LEN,
        });
        self.active = Some(Active {
            first_index: index,
            path,
            file,
            end: segment::HEADER_LEN,
            records: 0,
        });
        self.dirty = false;
        // Record the new segment before any record goes into it, so that
        // recovery notices if its file goes missing.
        let mut meta = self.meta();
        meta.end = self.current_end();
        self.store_meta(meta)
    }

    /// Writes the buffered records to the active segment and publishes
    /// them to readers.
    fn flush_buf(&mut self) -> Result<(), WalError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let active = self.active.as_mut().ok_or(WalError::Closed)?;
        active
            .file
            .write_all_at(&self.buf, active.end)
            .map_err(wal_io("write", &active.path))?;
        let n = self.buf_offsets.len();
        active.end += self.buf.len() as u64;
        active.records += n as u64;
        self.dirty = true;
        {
            let mut state = self.state.write();
            let end = active.end;
            if let Some(seg) = state.segments.back_mut() {
                seg.offsets.append(&mut self.buf_offsets);
                seg.end = end;
            }
            let written = n.min(state.tail.len());
            state.tail.drain(..written);
        }
        self.buf.clear();
        self.buf_offsets.clear();
        Ok(())
    }

    fn sync_active(&mut self) -> Result<(), WalError> {
        let Some(active) = &self.active else {
            return Ok(());
        };
        if !self.dirty {
            return Ok(());
        }
        let start = Instant::now();
        active
            .file
            .sync_data()
            .map_err(wal_io("fdatasync", &active.path))?;
        self.counters.fsync(start.elapsed());
        self.dirty = false;
        self.synced = self.state.read().last_written();
        Ok(())
    }

    /// Lowers the durable end below `index` before entries from `index` on
    /// are removed: in memory, and in the metadata file if what it records
    /// would otherwise claim removed entries or a removed segment.
    fn lower_end(&mut self, index: u64) -> Result<(), WalError> {
        self.synced = self.synced.and_then(|d| {
            if d < index {
                Some(d)
            } else {
                index.checked_sub(1)
            }
        });
        let recorded = self.state.read().meta.end;
        let claims_removed = recorded.durable.is_some_and(|d| d >= index)
            || recorded.newest_segment.is_some_and(|s| s >= index);
        if !claims_removed {
            return Ok(());
        }
        let newest = {
            let state = self.state.read();
            let kept = state.segments.iter().rev().find(|s| s.first_index < index);
            kept.map(|s| s.first_index)
        };
        let mut meta = self.meta();
        meta.end = LogEnd {
            durable: self.synced,
            newest_segment: newest,
        };
        self.store_meta(meta)
    }

    /// Cuts the written log before `index`: removes later segments (newest
    /// first, then syncs the directory), then shrinks the segment holding
    /// `index` and syncs it. A crash in between leaves a valid log with
    /// some of the entries still present.
    fn truncate_segments(&mut self, index: u64) -> Result<(), WalError> {
        self.lower_end(index)?;
        let doomed: Vec<PathBuf> = {
            let state = self.state.read();
            let later = state
                .segments
                .iter()
                .rev()
                .take_while(|s| s.first_index >= index);
            later.map(|s| s.path.clone()).collect()
        };
        for path in &doomed {
            self.vfs.remove_file(path).map_err(wal_io("remove", path))?;
        }
        if !doomed.is_empty() {
            self.vfs
                .sync_dir(&self.dir)
                .map_err(wal_io("fsync directory", &self.dir))?;
            let mut state = self.state.write();
            let keep = state.segments.len() - doomed.len();
            state.segments.truncate(keep);
            if self.active.as_ref().is_some_and(|a| a.first_index >= index) {
                self.active = None;
                self.dirty = false;
            }
        }
        let Some(seg) = self.state.read().segments.back().cloned() else {
            return Ok(());
        };
        if seg.last_index().is_none_or(|last| last < index) {
            return Ok(());
        }
        let keep = (index - seg.first_index) as usize;
        let cut = seg.offsets[keep];
        let file = match &self.active {
            Some(a) if a.first_index == seg.first_index => Arc::clone(&a.file),
            _ => self
                .vfs
                .open(&seg.path, OpenMode::ReadWrite)
                .map_err(wal_io("open", &seg.path))?,
        };
        file.set_len(cut).map_err(wal_io("truncate", &seg.path))?;
        segment::reserve(&*file, cut, self.opts.segment_size, self.opts.preallocate)
            .map_err(wal_io("preallocate", &seg.path))?;
        let start = Instant::now();
        file.sync_data().map_err(wal_io("fdatasync", &seg.path))?;
        self.counters.fsync(start.elapsed());
        {
            let mut state = self.state.write();
            if let Some(last) = state.segments.back_mut() {
                last.offsets.truncate(keep);
                last.end = cut;
                last.file = Arc::clone(&file);
            }
        }
        self.active = Some(Active {
            first_index: seg.first_index,
            path: seg.path,
            file,
            end: cut,
            records: keep as u64,
        });
        self.dirty = false;
        Ok(())
    }

    /// Saves the purge point, then removes the segments wholly covered by
    /// it, oldest first. A crash in between leaves segments that recovery
    /// removes.
    fn purge_segments(&mut self, index: u64, data: Bytes) -> Result<(), WalError> {
        let covered = |s: &SegmentIndex| {
            s.last_index()
                .map_or(s.first_index <= index, |l| l <= index)
        };
        let (n, newest) = {
            let state = self.state.read();
            let n = state.segments.iter().take_while(|s| covered(s)).count();
            let newest = state.segments.iter().skip(n).last().map(|s| s.first_index);
            (n, newest)
        };
        let mut meta = self.meta();
        meta.purged = Some(PurgePoint { index, data });
        meta.end = LogEnd {
            durable: self.synced,
            newest_segment: newest,
        };
        self.store_meta(meta)?;
        let doomed: Vec<PathBuf> = {
            let mut state = self.state.write();
            state.generation += 1;
            state.segments.drain(..n).map(|s| s.path).collect()
        };
        if self
            .active
            .as_ref()
            .is_some_and(|a| doomed.contains(&a.path))
        {
            self.active = None;
            self.dirty = false;
        }
        self.delete_files(&doomed)
    }
}

/// Cuts a torn tail, gives the last segment its full size and syncs it:
/// a previous process may have written records it never synced, and they
/// are about to be reported as present (and the segment may be followed by
/// a new one, which requires it to be durable).
fn prepare_last(
    file: &dyn VfsFile,
    path: &Path,
    end: u64,
    opts: &WalOptions,
    torn: bool,
    counters: &Counters,
) -> Result<(), WalError> {
    if torn {
        file.set_len(end).map_err(wal_io("truncate", path))?;
    }
    let size = file.size().map_err(wal_io("stat", path))?;
    if size < opts.segment_size {
        segment::reserve(file, size, opts.segment_size, opts.preallocate)
            .map_err(wal_io("preallocate", path))?;
    }
    let start = Instant::now();
    file.sync_data().map_err(wal_io("fdatasync", path))?;
    counters.fsync(start.elapsed());
    Ok(())
}

fn log_recovery(dir: &Path, r: &Recovery) {
    if let Some(torn) = &r.torn_tail {
        tracing::warn!(
            file = %torn.file.display(),
            offset = torn.offset,
            reason = %torn.reason,
            "WAL recovery cut a torn write at the end of the log"
        );
    }
    tracing::info!(
        dir = %dir.display(),
        segments = r.segments,
        entries = r.entries,
        first = ?r.first_index,
        last = ?r.last_index,
        purged = ?r.purged,
        removed = r.removed.len(),
        "WAL recovered"
    );
}
