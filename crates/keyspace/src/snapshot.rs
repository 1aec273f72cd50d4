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
//! most about `max_bytes` plus one record. Nothing is proportional to the
//! dataset.
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

use crate::codec::{CodecError, Encode, Reader, Writer};
use crate::types::OrderedMap;
use crate::watch::Watches;
use crate::{Blob, Entry, Keyspace, Value};

/// First 8 bytes of every keyspace snapshot.
pub const MAGIC: [u8; 8] = *b"KEELKEYS";
/// Format version written after the magic (`u32` little endian).
pub const VERSION: u32 = 1;
/// Largest number of databases a snapshot may declare (the server's
/// `databases` limit): bounds what a corrupt header can make the loader
/// allocate.
pub const MAX_DATABASES: usize = 1_000_000;

const PREFIX_LEN: usize = MAGIC.len() + 4;
const TAG_HEADER: u8 = 1;
const TAG_ENTRY: u8 = 2;
const TAG_END: u8 = 3;

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
}

/// Keyspace-wide state of a running snapshot.
#[derive(Debug, Clone)]
pub(crate) struct SnapshotRun {
    /// Magic, version and header record, until the first chunk takes them.
    header: Vec<u8>,
    /// Entry records handed out so far (the end record repeats the count).
    records: u64,
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

    /// Moves whole pending records into `chunk` until it is full.
    fn drain_pending(&mut self, chunk: &mut Chunk) {
        while self.pending_start < self.pending.len() && !chunk.is_full() {
            let rest = &self.pending[self.pending_start..];
            // Our own records: their header always parses.
            let len = match frame_header(rest) {
                Ok(Some((_, total))) if total <= rest.len() => total,
                _ => rest.len(),
            };
            chunk.buf.extend_from_slice(&rest[..len]);
            chunk.records += 1;
            self.pending_start += len;
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
            write_entry(&mut chunk.buf, self.origin, &key, &entry);
            chunk.records += 1;
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
            write_entry(&mut chunk.buf, self.origin, key, entry);
            chunk.records += 1;
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
    max: usize,
    /// Entry records in this chunk.
    records: u64,
}

impl Chunk {
    /// Full once it reached `max` bytes and holds at least one record.
    fn is_full(&self) -> bool {
        self.records > 0 && self.buf.len() >= self.max
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
        let watches = &self.watches;
        write_frame(&mut header, TAG_HEADER, |w| {
            w.varint(databases as u64);
            w.varint(clock_ms);
            w.varint(seq);
            watches.encode(w);
        });
        for (index, db) in self.dbs.iter_mut().enumerate() {
            let (keys, snap) = db.snapshot_parts();
            // An empty database owes nothing: it needs no gates at all.
            *snap = (!keys.is_empty()).then(|| Box::new(DbSnapshot::new(index, keys.len())));
        }
        self.snapshot = Some(Box::new(SnapshotRun { header, records: 0 }));
        Ok(())
    }

    /// The next chunk of the running snapshot: whole records, about
    /// `max_bytes` long (it stops at the first record that reaches
    /// `max_bytes`, and always holds at least one record unless the
    /// snapshot is complete), or `None` when no snapshot runs.
    ///
    /// The first chunk starts with the header; the chunk that completes
    /// the snapshot ends with the end record, and the snapshot is then
    /// over (`snapshot_in_progress()` is false and the next call returns
    /// `None`). Writes may be applied between calls.
    ///
    /// Cost: O(databases) plus the records written.
    pub fn snapshot_chunk(&mut self, max_bytes: usize) -> Option<Vec<u8>> {
        let run = self.snapshot.as_deref_mut()?;
        let mut chunk = Chunk {
            buf: std::mem::take(&mut run.header),
            max: max_bytes,
            records: 0,
        };
        // Room for `max_bytes` plus a typical last record, so that the
        // record crossing the limit does not double the buffer.
        let room = max_bytes.min(4 << 20).saturating_add(1024);
        chunk.buf.reserve(room.saturating_sub(chunk.buf.len()));
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
        run.records += chunk.records;
        if !remaining {
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
        buf.splice(len_at..len_at + 1, prefix.buf);
    }
}

/// Appends an entry record.
fn write_entry(buf: &mut Vec<u8>, db: u64, key: &[u8], entry: &Entry) {
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

/// Streaming decoder of a keyspace snapshot: [`SnapshotLoader::feed`] the
/// chunks in order (split anywhere), then [`SnapshotLoader::finish`].
///
/// Everything is validated: magic and version, a single header first,
/// database indexes, keys not repeated within a database, values (by the
/// value codec, which checks each type's invariants), no empty
/// collections, the record count in the end record, and nothing after it.
/// Corrupt input is an error, never a panic, and memory grows only with
/// the bytes actually fed (a record split across chunks is buffered as it
/// arrives; declared lengths are never reserved up front). The one
/// exception is the number of databases, which the header declares and
/// which is capped by [`MAX_DATABASES`].
///
/// After an error the loader stays failed.
#[derive(Debug)]
pub struct SnapshotLoader {
    stage: Stage,
    /// The start of a unit (prefix or record) split across chunks.
    partial: Vec<u8>,
}

#[derive(Debug)]
enum Stage {
    /// Expecting the 12-byte magic and version.
    Prefix,
    /// Expecting the header record.
    Header,
    /// Expecting entry records or the end record.
    Entries {
        ks: Keyspace,
        records: u64,
    },
    /// The end record was read.
    Done(Keyspace),
    Failed(CodecError),
}

impl Default for SnapshotLoader {
    fn default() -> SnapshotLoader {
        SnapshotLoader::new()
    }
}

impl SnapshotLoader {
    /// A loader expecting the start of a snapshot.
    pub fn new() -> SnapshotLoader {
        SnapshotLoader {
            stage: Stage::Prefix,
            partial: Vec::new(),
        }
    }

    /// Decodes the next piece of the snapshot.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), CodecError> {
        let result = self.feed_inner(chunk);
        if let Err(e) = &result {
            self.stage = Stage::Failed(e.clone());
            self.partial = Vec::new();
        }
        result
    }

    /// The restored keyspace, once the end record was read.
    pub fn finish(self) -> Result<Keyspace, CodecError> {
        match self.stage {
            Stage::Done(ks) => Ok(ks),
            Stage::Failed(e) => Err(e),
            Stage::Prefix if self.partial.is_empty() => Err(CodecError("empty snapshot")),
            _ => Err(CodecError("truncated snapshot")),
        }
    }

    fn feed_inner(&mut self, mut data: &[u8]) -> Result<(), CodecError> {
        if let Stage::Failed(e) = &self.stage {
            return Err(e.clone());
        }
        // Complete a unit begun in an earlier chunk, taking only its bytes.
        while !self.partial.is_empty() && !data.is_empty() {
            let want = match self.unit_len(&self.partial)? {
                None => 1,
                Some(total) => total.saturating_sub(self.partial.len()).max(1),
            };
            let take = want.min(data.len());
            self.partial.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.unit_len(&self.partial)? == Some(self.partial.len()) {
                let unit = std::mem::take(&mut self.partial);
                self.process(&unit)?;
            }
        }
        // Whole units straight from the chunk; keep an incomplete tail.
        while !data.is_empty() {
            match self.unit_len(data)? {
                Some(total) if total <= data.len() => {
                    let (unit, rest) = data.split_at(total);
                    self.process(unit)?;
                    data = rest;
                }
                _ => {
                    self.partial.extend_from_slice(data);
                    break;
                }
            }
        }
        Ok(())
    }

    /// Length of the unit starting `bytes` (not empty), if known yet.
    fn unit_len(&self, bytes: &[u8]) -> Result<Option<usize>, CodecError> {
        match &self.stage {
            Stage::Prefix => Ok(Some(PREFIX_LEN)),
            Stage::Header | Stage::Entries { .. } => {
                Ok(frame_header(bytes)?.map(|(_, total)| total))
            }
            Stage::Done(_) => Err(CodecError("data after the end record")),
            Stage::Failed(e) => Err(e.clone()),
        }
    }

    /// Decodes one complete unit.
    fn process(&mut self, unit: &[u8]) -> Result<(), CodecError> {
        if let Stage::Prefix = self.stage {
            let (magic, version) = unit.split_at(MAGIC.len().min(unit.len()));
            if magic != MAGIC {
                return Err(CodecError("not a keyspace snapshot (bad magic)"));
            }
            if version != VERSION.to_le_bytes() {
                return Err(CodecError("unsupported keyspace snapshot version"));
            }
            self.stage = Stage::Header;
            return Ok(());
        }
        let (header, _) = frame_header(unit)?.ok_or(CodecError("truncated record"))?;
        let (Some(&tag), Some(body)) = (unit.first(), unit.get(header..)) else {
            return Err(CodecError("truncated record"));
        };
        let mut r = Reader::new(body);
        match (&mut self.stage, tag) {
            (Stage::Header, TAG_HEADER) => {
                let ks = decode_header(&mut r)?;
                self.stage = Stage::Entries { ks, records: 0 };
            }
            (Stage::Header, _) => return Err(CodecError("missing header record")),
            (Stage::Entries { ks, records }, TAG_ENTRY) => {
                decode_entry(ks, &mut r)?;
                *records += 1;
            }
            (Stage::Entries { records, .. }, TAG_END) => {
                if r.varint()? != *records {
                    return Err(CodecError("record count mismatch (lost records)"));
                }
                let Stage::Entries { ks, .. } = std::mem::replace(&mut self.stage, Stage::Prefix)
                else {
                    return Err(CodecError("internal loader state"));
                };
                self.stage = Stage::Done(ks);
            }
            (Stage::Entries { .. }, TAG_HEADER) => {
                return Err(CodecError("duplicate header record"))
            }
            (Stage::Entries { .. }, _) => return Err(CodecError("unknown record type")),
            _ => return Err(CodecError("unexpected record")),
        }
        if r.remaining() != 0 {
            return Err(CodecError("trailing bytes in record"));
        }
        Ok(())
    }
}

fn decode_header(r: &mut Reader<'_>) -> Result<Keyspace, CodecError> {
    let databases = usize::try_from(r.varint()?)
        .ok()
        .filter(|n| (1..=MAX_DATABASES).contains(n))
        .ok_or(CodecError("invalid number of databases"))?;
    let clock_ms = r.varint()?;
    let seq = r.varint()?;
    let watches = Watches::decode(r)?;
    let mut ks = Keyspace::new(databases);
    ks.clock_ms = clock_ms;
    ks.seq = seq;
    ks.watches = watches;
    Ok(ks)
}

fn decode_entry(ks: &mut Keyspace, r: &mut Reader<'_>) -> Result<(), CodecError> {
    let index = r.varint()?;
    let db = usize::try_from(index)
        .ok()
        .and_then(|i| ks.dbs.get_mut(i))
        .ok_or(CodecError("database index out of range"))?;
    let key = r.bytes()?;
    let expire_at = r.varint()?;
    let value = Value::decode(r)?;
    if value.is_empty_collection() {
        return Err(CodecError("empty collection"));
    }
    let before = db.len();
    db.insert_with_expiry(key, value, (expire_at != 0).then_some(expire_at));
    if db.len() == before {
        return Err(CodecError("duplicate key"));
    }
    Ok(())
}

#[cfg(test)]
mod corrupt_tests;
#[cfg(test)]
mod random_tests;
#[cfg(test)]
mod tests;
