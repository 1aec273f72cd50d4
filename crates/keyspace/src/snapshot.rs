//! Point-in-time snapshots of the keyspace that neither stop the world nor
//! copy the dataset (invariant 7, docs/design/architecture.md).
//!
//! # Use
//!
//! [`Keyspace::begin_snapshot`] marks the point in time;
//! [`Keyspace::snapshot_chunk`] then returns the serialised state piece by
//! piece while the caller keeps applying writes between calls (holding the
//! write lock for one call at a time), until it returns `None`.
//! The concatenation of the chunks is the state as of `begin_snapshot`;
//! [`Keyspace::restore`] (or a streaming [`SnapshotLoader`]) turns it back
//! into a [`Keyspace`]. The byte format is documented in
//! `docs/design/snapshot.md`, section "Keyspace snapshot contents".
//!
//! # How it stays point-in-time
//!
//! The small replicated bookkeeping (clock, sequence number, WATCH state,
//! number of databases) is serialised at once by `begin_snapshot`. The
//! entries are serialised lazily: every database that holds keys gets a
//! `DbSnapshot` with a cursor, and chunks visit storage positions from the
//! end towards the start, like SCAN. Positions `[0, cursor)` are the
//! unvisited region.
//!
//! * New keys are appended at the end, outside the unvisited region, so
//!   they are never emitted.
//! * Before an entry of the unvisited region changes in place, its gate
//!   (`DbSnapshot::before_change`) serialises the pre-image into the
//!   database's pending output and marks the key as done.
//! * When an entry is removed (`swap_remove`), the gate
//!   (`DbSnapshot::after_remove`) serialises it if the cursor had not
//!   reached it and it is not done. `swap_remove` moves the *last* entry
//!   into the hole; if that entry came from outside the unvisited region
//!   (visited, or created after the snapshot began), it is marked done so
//!   the cursor skips it. While nothing has been visited the last entry is
//!   itself unvisited and simply stays so (the cursor shrinks with the map).
//! * FLUSHDB / FLUSHALL hand the unvisited entries (minus done ones) over to
//!   the snapshot, which drains them from the end; nothing is copied.
//! * SWAPDB swaps the databases together with their `DbSnapshot`, which
//!   records the index the database had when the snapshot began.
//! * A database whose snapshot work is finished drops its `DbSnapshot`, so
//!   its writes go back to the no-snapshot path.
//!
//! Extra memory is therefore the pre-images of entries changed during the
//! snapshot (until a chunk hands them out), one key per done mark (marks
//! are dropped when the cursor passes them), and the unvisited entries of
//! flushed databases, which would otherwise have been freed. A chunk is at
//! most about `max_bytes` plus one record; a record longer than that (a
//! large value) is serialised once and handed out in parts over several
//! chunks, so chunks stay bounded whatever the values. Nothing is
//! proportional to the dataset.
//!
//! Logically expired keys that were not reclaimed yet are part of the
//! state (they count in DBSIZE, and are deleted only by a logged
//! [`crate::Op::Expire`] or a write), so they are emitted like any other
//! key, with their expiry.
//!
//! Top-level key order is not preserved: a restored database holds its
//! keys in the order the records arrive. That order only affects reads
//! (SCAN, KEYS, RANDOMKEY); collection-internal order is preserved by the
//! value codec.

use std::collections::HashSet;

use foldhash::fast::RandomState;

use crate::codec::{CodecError, Encode, Writer};
use crate::types::OrderedMap;
use crate::{Blob, Entry, Keyspace, Value};

/// First 8 bytes of every keyspace snapshot.
pub const MAGIC: [u8; 8] = *b"KEELKEYS";
/// Format version written after the magic (`u32` little endian). Version
/// 2 added large records split into parts, version 3 the scripting state
/// (script cache and function libraries) at the end of the header; the
/// loader also reads versions 1 and 2.
pub const VERSION: u32 = 3;
/// Records whose body is at most this long are never split into parts,
/// whatever the chunk size asked for (a part costs up to
/// [`PART_OVERHEAD`] bytes of framing).
pub const MIN_SPLIT_BYTES: usize = 256;
/// Largest number of databases a snapshot may declare (the server's
/// `databases` limit): bounds what a corrupt header can make the loader
/// allocate.
pub const MAX_DATABASES: usize = 1_000_000;

const PREFIX_LEN: usize = MAGIC.len() + 4;
const TAG_HEADER: u8 = 1;
const TAG_ENTRY: u8 = 2;
const TAG_END: u8 = 3;
/// Start of a record split into parts (version 2).
const TAG_LARGE: u8 = 4;
/// One part of a split record (version 2).
const TAG_PART: u8 = 5;
/// Framing of a part record: tag, body length and offset varints.
const PART_OVERHEAD: usize = 21;

/// [`Keyspace::begin_snapshot`] was called while a snapshot was running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a keyspace snapshot is already in progress")]
pub struct SnapshotInProgress;

/// What a running snapshot holds besides the live data (for metrics and
/// tests).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SnapshotStats {
    /// Serialised pre-images waiting for the next chunk.
    pub pending_bytes: usize,
    /// Keys marked as done (already emitted, or not to be emitted) in the
    /// unvisited regions.
    pub done_keys: usize,
    /// Entries of flushed databases kept until the snapshot serialises
    /// them.
    pub detached_entries: usize,
    /// Storage positions the cursors still have to visit.
    pub unvisited: usize,
    /// Entry records handed out so far.
    pub records: u64,
    /// Bytes held for a record too large for one chunk while its parts
    /// are handed out (at most one such record at a time).
    pub split_bytes: usize,
}

/// Keyspace-wide state of a running snapshot.
#[derive(Debug, Clone)]
pub(crate) struct SnapshotRun {
    /// Magic, version and header record, until the first chunk takes them.
    header: Vec<u8>,
    /// Entry records handed out so far (the end record repeats the count).
    records: u64,
    /// A record too large for one chunk whose parts are still to come:
    /// the next chunk continues it before anything else.
    split: Option<Split>,
}

/// A serialised record too large for one chunk, handed out as a
/// large-record start followed by parts, over as many chunks as needed.
///
/// To ensure a large value is serialised only once, `buf` is the buffer
/// the record was written into, taken whole (bytes before the record
/// included) rather than copied out.
#[derive(Debug, Clone)]
struct Split {
    buf: Vec<u8>,
    /// Tag of the record.
    tag: u8,
    /// Where the record's body starts in `buf`; it runs to the end.
    body: usize,
    /// The next body byte to hand out.
    next: usize,
}

impl Split {
    /// The framed record at `buf[start..]`, which runs to the end of `buf`.
    fn new(buf: Vec<u8>, start: usize) -> Split {
        let tag = buf.get(start).copied().unwrap_or(TAG_ENTRY);
        // Our own record: its header always parses.
        let header = match frame_header(buf.get(start..).unwrap_or_default()) {
            Ok(Some((header, _))) => header,
            _ => 2,
        };
        let body = (start + header).min(buf.len());
        Split {
            buf,
            tag,
            body,
            next: body,
        }
    }

    fn body(&self) -> &[u8] {
        &self.buf[self.body..]
    }

    fn remaining(&self) -> usize {
        self.buf.len() - self.next
    }
}

/// One database's part of a running snapshot. It lives in the [`crate::Db`]
/// so that it moves with the data on SWAPDB; the `Db` calls its gates.
#[derive(Debug, Clone)]
pub(crate) struct DbSnapshot {
    /// Index of the database when the snapshot began (written in records).
    origin: u64,
    /// Storage positions `[0, cursor)` are not visited yet. Every entry the
    /// snapshot still owes (unchanged since it began, not emitted yet) is
    /// there, and every entry there is either owed or in `done`.
    cursor: usize,
    /// Keys in the unvisited region that the cursor must skip: their
    /// pre-image was already emitted, or they were created or visited after
    /// the snapshot began and moved there by `swap_remove`. A mark is
    /// dropped when the cursor passes it or the key is removed.
    done: HashSet<Blob, RandomState>,
    /// Owed entries of this database taken out by FLUSHDB/FLUSHALL,
    /// drained from the end.
    detached: OrderedMap<Blob, Entry>,
    /// Complete entry records not handed out yet (`pending[pending_start..]`).
    pending: Vec<u8>,
    pending_start: usize,
}

impl DbSnapshot {
    fn new(origin: usize, len: usize) -> DbSnapshot {
        DbSnapshot {
            origin: origin as u64,
            cursor: len,
            done: HashSet::default(),
            detached: OrderedMap::default(),
            pending: Vec::new(),
            pending_start: 0,
        }
    }

    /// Gate: the entry at storage position `index` is about to change in
    /// place. Saves its pre-image if the snapshot still owes it.
    #[cold]
    #[inline(never)]
    pub(crate) fn before_change(&mut self, index: usize, key: &[u8], entry: &Entry) {
        if index < self.cursor && !self.done.contains(key) {
            write_entry(&mut self.pending, self.origin, key, entry);
            self.done.insert(Blob::from_slice(key));
        }
    }

    /// Gate: `entry` was just `swap_remove`d from position `index` of
    /// `keys` (which now holds the former last entry at `index`, if any).
    #[cold]
    #[inline(never)]
    pub(crate) fn after_remove(
        &mut self,
        index: usize,
        key: &[u8],
        entry: &Entry,
        keys: &OrderedMap<Blob, Entry>,
    ) {
        if index < self.cursor {
            if !self.done.remove(key) {
                write_entry(&mut self.pending, self.origin, key, entry);
            }
            // The entry moved into the hole came from position `keys.len()`:
            // from outside the unvisited region unless nothing was visited.
            if keys.len() >= self.cursor {
                if let Some((moved, _)) = keys.get_index(index) {
                    self.done.insert(moved.clone());
                }
            }
        }
        self.cursor = self.cursor.min(keys.len());
    }

    /// Gate: the database is being emptied; `keys` is its whole former map.
    /// Keeps the owed entries, drops the rest.
    #[cold]
    #[inline(never)]
    pub(crate) fn detach(&mut self, mut keys: OrderedMap<Blob, Entry>) {
        keys.truncate(self.cursor);
        for key in std::mem::take(&mut self.done) {
            // Order does not matter in a detached map.
            keys.swap_remove(&key);
        }
        self.cursor = 0;
        if self.detached.is_empty() {
            self.detached = keys;
        } else {
            self.detached.extend(keys);
        }
    }

    /// True when the snapshot owes nothing more from this database.
    fn is_drained(&self) -> bool {
        self.cursor == 0 && self.detached.is_empty() && self.pending_start == self.pending.len()
    }

    /// Moves pending records into `chunk` until it is full. A record too
    /// large for one chunk is split; when it is the last pending record,
    /// the pending buffer itself becomes the split (no copy).
    fn drain_pending(&mut self, chunk: &mut Chunk) {
        while self.pending_start < self.pending.len() && !chunk.is_full() {
            let rest = &self.pending[self.pending_start..];
            // Our own records: their header always parses.
            let (header, len) = match frame_header(rest) {
                Ok(Some((header, total))) if total <= rest.len() => (header, total),
                _ => (0, rest.len()),
            };
            if len - header <= chunk.split_above {
                chunk.buf.extend_from_slice(&rest[..len]);
                chunk.count_entry();
                self.pending_start += len;
                continue;
            }
            let split = if self.pending_start + len == self.pending.len() {
                let start = std::mem::replace(&mut self.pending_start, 0);
                Split::new(std::mem::take(&mut self.pending), start)
            } else {
                let record = rest[..len].to_vec();
                self.pending_start += len;
                Split::new(record, 0)
            };
            chunk.count_entry();
            chunk.begin_split(split);
        }
        if self.pending_start == self.pending.len() && self.pending_start > 0 {
            // Release the memory of a burst of pre-images.
            self.pending = Vec::new();
            self.pending_start = 0;
        }
    }

    /// Serialises detached entries, then unvisited live entries of `keys`,
    /// into `chunk` until it is full.
    fn visit(&mut self, keys: &OrderedMap<Blob, Entry>, chunk: &mut Chunk) {
        while !chunk.is_full() {
            let Some((key, entry)) = self.detached.pop() else {
                break;
            };
            chunk.push_entry(self.origin, &key, &entry);
        }
        if self.detached.is_empty() && self.detached.capacity() > 0 {
            self.detached = OrderedMap::default();
        }
        while self.cursor > 0 && !chunk.is_full() {
            self.cursor -= 1;
            let Some((key, entry)) = keys.get_index(self.cursor) else {
                continue;
            };
            if !self.done.is_empty() && self.done.remove(key.as_slice()) {
                continue;
            }
            chunk.push_entry(self.origin, key, entry);
        }
    }

    fn add_stats(&self, stats: &mut SnapshotStats) {
        stats.pending_bytes += self.pending.len() - self.pending_start;
        stats.done_keys += self.done.len();
        stats.detached_entries += self.detached.len();
        stats.unvisited += self.cursor;
    }
}

/// A chunk being filled.
struct Chunk {
    buf: Vec<u8>,
    /// Whole records are added until the chunk is this long.
    max: usize,
    /// Records with a longer body are split into parts, and parts fill a
    /// chunk up to about this length: `max(max, MIN_SPLIT_BYTES)`.
    split_above: usize,
    /// Records and parts in this chunk.
    units: u64,
    /// Entry records begun in this chunk (a split entry counts once).
    entries: u64,
    /// The split record being handed out, if any: nothing else may be
    /// added until its last part.
    split: Option<Split>,
}

impl Chunk {
    fn new(buf: Vec<u8>, max: usize, split: Option<Split>) -> Chunk {
        let split_above = max.max(MIN_SPLIT_BYTES);
        let mut chunk = Chunk {
            buf,
            max,
            split_above,
            units: 0,
            entries: 0,
            split,
        };
        // Room for a full chunk plus a typical last record, so that the
        // record crossing the limit does not double the buffer.
        let room = split_above.min(4 << 20).saturating_add(1024);
        chunk.buf.reserve(room.saturating_sub(chunk.buf.len()));
        chunk
    }

    /// Full when a split record is unfinished, or once it reached `max`
    /// bytes and holds at least one record or part.
    fn is_full(&self) -> bool {
        self.split.is_some() || (self.units > 0 && self.buf.len() >= self.max)
    }

    fn count_entry(&mut self) {
        self.units += 1;
        self.entries += 1;
    }

    /// Appends an entry record, split if its body is too large.
    fn push_entry(&mut self, db: u64, key: &[u8], entry: &Entry) {
        let start = self.buf.len();
        write_entry(&mut self.buf, db, key, entry);
        self.count_entry();
        self.split_if_large(start);
    }

    /// Splits the record just written at `buf[start..]` if its body is
    /// longer than `split_above`. The record's bytes are not copied: the
    /// buffer becomes the split's, and the chunk continues in a copy of
    /// the bytes before the record (less than a chunk).
    fn split_if_large(&mut self, start: usize) {
        let header = match frame_header(&self.buf[start..]) {
            Ok(Some((header, _))) => header,
            _ => return,
        };
        if self.buf.len() - start - header <= self.split_above {
            return;
        }
        let mut head = Vec::with_capacity(self.split_above.min(4 << 20) + 1024);
        head.extend_from_slice(&self.buf[..start]);
        let buf = std::mem::replace(&mut self.buf, head);
        self.begin_split(Split::new(buf, start));
    }

    /// Writes the large-record start of `split` and as many parts as fit.
    fn begin_split(&mut self, split: Split) {
        let body = split.body();
        let (tag, len, crc) = (split.tag, body.len(), crc32c::crc32c(body));
        write_frame(&mut self.buf, TAG_LARGE, |w| {
            w.u8(tag);
            w.varint(len as u64);
            w.buf.extend_from_slice(&crc.to_le_bytes());
        });
        self.split = Some(split);
        self.emit_parts();
    }

    /// Writes parts of the split record until the chunk reaches about
    /// `split_above` bytes (at least one part per chunk) or the record is
    /// complete.
    fn emit_parts(&mut self) {
        while let Some(split) = self.split.as_mut() {
            let room = self
                .split_above
                .saturating_sub(self.buf.len() + PART_OVERHEAD);
            if room == 0 && self.units > 0 {
                return;
            }
            let len = room.max(1).min(split.remaining());
            let (offset, data) = (
                (split.next - split.body) as u64,
                &split.buf[split.next..split.next + len],
            );
            write_frame(&mut self.buf, TAG_PART, |w| {
                w.varint(offset);
                w.buf.extend_from_slice(data);
            });
            split.next += len;
            self.units += 1;
            if split.remaining() == 0 {
                self.split = None;
            }
        }
    }
}

impl Keyspace {
    /// Marks the point in time of a new snapshot, to be read with
    /// [`Keyspace::snapshot_chunk`].
    ///
    /// Serialises the bookkeeping (clock, sequence number, WATCH state,
    /// number of databases) at once; entries are serialised by the chunks.
    /// Cost: O(databases + watched keys), no entry is touched.
    ///
    /// Refuses with [`SnapshotInProgress`] if a snapshot is already running
    /// (it is never restarted implicitly, so a consumer of the running one
    /// cannot receive chunks of two snapshots): finish it or call
    /// [`Keyspace::abort_snapshot`] first.
    pub fn begin_snapshot(&mut self) -> Result<(), SnapshotInProgress> {
        if self.snapshot.is_some() {
            return Err(SnapshotInProgress);
        }
        let mut header = Vec::with_capacity(64);
        header.extend_from_slice(&MAGIC);
        header.extend_from_slice(&VERSION.to_le_bytes());
        let (databases, clock_ms, seq) = (self.dbs.len(), self.clock_ms, self.seq);
        let (watches, scripts) = (&self.watches, &self.scripts);
        write_frame(&mut header, TAG_HEADER, |w| {
            w.varint(databases as u64);
            w.varint(clock_ms);
            w.varint(seq);
            watches.encode(w);
            scripts.encode(w);
        });
        for (index, db) in self.dbs.iter_mut().enumerate() {
            let (keys, snap) = db.snapshot_parts();
            // An empty database owes nothing: it needs no gates at all.
            *snap = (!keys.is_empty()).then(|| Box::new(DbSnapshot::new(index, keys.len())));
        }
        self.snapshot = Some(Box::new(SnapshotRun {
            header,
            records: 0,
            split: None,
        }));
        Ok(())
    }

    /// The next chunk of the running snapshot, or `None` when no snapshot
    /// runs.
    ///
    /// A chunk holds whole records and stops at the first record that
    /// reaches `max_bytes`, with at least one record (or part) unless the
    /// snapshot is complete. A record whose body is longer than
    /// `max(max_bytes, MIN_SPLIT_BYTES)` (a large value) is split into
    /// parts handed out over as many chunks as needed, each chunk about
    /// that long. So no chunk is longer than about twice
    /// `max(max_bytes, MIN_SPLIT_BYTES)`, whatever the values.
    ///
    /// The first chunk starts with the header; the chunk that completes
    /// the snapshot ends with the end record, and the snapshot is then
    /// over (`snapshot_in_progress()` is false and the next call returns
    /// `None`). Writes may be applied between calls.
    ///
    /// Cost: O(databases) plus the records written. A record larger than
    /// a chunk is serialised once and held until its last part is out.
    pub fn snapshot_chunk(&mut self, max_bytes: usize) -> Option<Vec<u8>> {
        let run = self.snapshot.as_deref_mut()?;
        let first = !run.header.is_empty();
        let mut chunk = Chunk::new(std::mem::take(&mut run.header), max_bytes, run.split.take());
        if first {
            chunk.split_if_large(PREFIX_LEN);
        }
        chunk.emit_parts();
        // Pre-images first, so that they do not wait for the cursor.
        for db in &mut self.dbs {
            if let (_, Some(snap)) = db.snapshot_parts() {
                snap.drain_pending(&mut chunk);
            }
        }
        let mut remaining = false;
        for db in &mut self.dbs {
            let (keys, slot) = db.snapshot_parts();
            let Some(snap) = slot.as_deref_mut() else {
                continue;
            };
            if !chunk.is_full() {
                snap.drain_pending(&mut chunk);
                snap.visit(keys, &mut chunk);
            }
            if snap.is_drained() {
                *slot = None;
            } else {
                remaining = true;
            }
        }
        run.records += chunk.entries;
        run.split = chunk.split.take();
        if !remaining && run.split.is_none() {
            let records = run.records;
            write_frame(&mut chunk.buf, TAG_END, |w| w.varint(records));
            self.snapshot = None;
        }
        Some(chunk.buf)
    }

    /// Abandons the running snapshot (if any) and releases everything it
    /// held. Chunks already handed out are useless.
    pub fn abort_snapshot(&mut self) {
        self.snapshot = None;
        for db in &mut self.dbs {
            *db.snapshot_parts().1 = None;
        }
    }

    /// True between [`Keyspace::begin_snapshot`] and the chunk that
    /// completes it (or [`Keyspace::abort_snapshot`]).
    pub fn snapshot_in_progress(&self) -> bool {
        self.snapshot.is_some()
    }

    /// What the running snapshot holds in memory, or `None` if none runs.
    pub fn snapshot_stats(&self) -> Option<SnapshotStats> {
        let run = self.snapshot.as_deref()?;
        let mut stats = SnapshotStats {
            records: run.records,
            split_bytes: run.split.as_ref().map_or(0, |split| split.buf.len()),
            ..SnapshotStats::default()
        };
        for db in &self.dbs {
            if let Some(snap) = db.snapshot() {
                snap.add_stats(&mut stats);
            }
        }
        Some(stats)
    }

    /// Rebuilds a keyspace from the chunks of a snapshot (in order). Any
    /// split of the same bytes into chunks is accepted.
    ///
    /// Validates everything (see [`SnapshotLoader`]); never panics on
    /// corrupt input.
    pub fn restore<I>(chunks: I) -> Result<Keyspace, CodecError>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let mut loader = SnapshotLoader::new();
        for chunk in chunks {
            loader.feed(chunk.as_ref())?;
        }
        loader.finish()
    }

    /// Same state apart from the storage order of keys: the same number of
    /// databases, the same keys in each with the same expiries and values
    /// (collection-internal order included), the same clock, sequence
    /// number and WATCH state. Server-local settings (ready-key tracking)
    /// are ignored. This is what a snapshot preserves.
    pub fn logically_equal(&self, other: &Keyspace) -> bool {
        self.clock_ms == other.clock_ms
            && self.seq == other.seq
            && self.watches == other.watches
            && self.dbs.len() == other.dbs.len()
            && self
                .dbs
                .iter()
                .zip(&other.dbs)
                .all(|(a, b)| a.same_entries(b))
    }
}

/// Appends a record: `tag`, varint body length, body written by `body`.
fn write_frame(buf: &mut Vec<u8>, tag: u8, body: impl FnOnce(&mut Writer)) {
    buf.push(tag);
    let len_at = buf.len();
    // Most records are shorter than 128 bytes: reserve one length byte and
    // widen it afterwards if needed.
    buf.push(0);
    let mut w = Writer {
        buf: std::mem::take(buf),
    };
    body(&mut w);
    *buf = w.buf;
    let len = buf.len() - len_at - 1;
    if len < 0x80 {
        buf[len_at] = len as u8;
    } else {
        let mut prefix = Writer::new();
        prefix.varint(len as u64);
        // Exactly the bytes missing: a large record must not double its
        // buffer for a few length bytes.
        buf.reserve_exact(prefix.buf.len() - 1);
        buf.splice(len_at..len_at + 1, prefix.buf);
    }
}

/// Appends an entry record.
fn write_entry(buf: &mut Vec<u8>, db: u64, key: &[u8], entry: &Entry) {
    if let Value::Str(s) = &entry.value {
        // Room for the whole record (plus varints) at once, so that a long
        // string is not copied again by the buffer growing as it is
        // written.
        buf.reserve(key.len() + s.len() + 40);
    }
    write_frame(buf, TAG_ENTRY, |w| {
        w.varint(db);
        w.bytes(key);
        w.varint(entry.expire_at);
        entry.value.encode(w);
    });
}

/// Parses the header of the record at the start of `bytes`: its header
/// length and total length, or `None` if the header is incomplete.
fn frame_header(bytes: &[u8]) -> Result<Option<(usize, usize)>, CodecError> {
    let mut len = 0u64;
    for (i, &byte) in bytes.iter().skip(1).take(10).enumerate() {
        len |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            let header = i + 2;
            let total = usize::try_from(len)
                .ok()
                .and_then(|len| len.checked_add(header))
                .ok_or(CodecError("record too long"))?;
            return Ok(Some((header, total)));
        }
    }
    if bytes.len() >= 11 {
        return Err(CodecError("record length too long"));
    }
    Ok(None)
}

mod loader;

pub use loader::SnapshotLoader;

#[cfg(test)]
mod corrupt_tests;
#[cfg(test)]
mod large_tests;
#[cfg(test)]
mod random_tests;
#[cfg(test)]
mod tests;
