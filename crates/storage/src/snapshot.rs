//! Snapshot files: a versioned header with opaque metadata, then opaque
//! chunks, each with its length and CRC32C, then a trailer.
//!
//! ```text
//! header   0   8  magic "KEELSNAP"
//!          8   4  format version, u32 LE (1)
//!          12  4  flags, u32 LE (0)
//!          16  8  snapshot id, u64 LE (equal to the file name)
//!          24  4  metadata length M, u32 LE
//!          28  4  CRC32C of bytes 0..28 followed by the metadata
//!          32  M  metadata (opaque)
//! chunk    0   4  length L >= 1, u32 LE
//!          4   4  CRC32C of the 4 length bytes followed by the data
//!          8   L  data (opaque)
//! trailer  0   4  0 (a chunk length of zero marks the trailer)
//!          4   8  number of chunks, u64 LE
//!          12  8  total data bytes, u64 LE
//!          20  4  CRC32C of trailer bytes 0..20
//! ```
//!
//! A snapshot is written as `{id:020}.{n}.snap.tmp`, synced, renamed to
//! `{id:020}.snap` and the directory synced: a file with the final name is
//! always complete, and a crash before the rename leaves the previous
//! snapshots untouched.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;

use crate::error::{snap_io, SnapshotError};
use crate::record::{u32_at, u64_at};
use crate::vfs::{OpenMode, Vfs, VfsFile};

const MAGIC: &[u8; 8] = b"KEELSNAP";
const VERSION: u32 = 1;
const HEADER_LEN: u64 = 32;
const CHUNK_HEADER_LEN: u64 = 8;
const TRAILER_LEN: u64 = 24;
/// The largest chunk (bounds the reader's allocations).
pub const MAX_CHUNK_LEN: usize = 256 << 20;
/// The largest metadata.
pub const MAX_SNAPSHOT_META_LEN: usize = 16 << 20;
/// Bytes the writer buffers before writing.
const WRITE_BUFFER: usize = 1 << 20;

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// The file name of snapshot `id`.
fn file_name(id: u64) -> String {
    format!("{id:020}.snap")
}

/// The id of a snapshot file name, if `name` is one.
fn parse_name(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(".snap")?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn temp_path(dir: &Path, id: u64) -> PathBuf {
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    dir.join(format!("{id:020}.{}-{n}.snap.tmp", std::process::id()))
}

/// A complete, validated snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotInfo {
    pub id: u64,
    pub path: PathBuf,
    pub meta: Bytes,
    pub chunks: u64,
    /// Total chunk data bytes.
    pub bytes: u64,
    pub file_len: u64,
}

/// A snapshot file found in the directory (not validated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotFile {
    pub id: u64,
    pub path: PathBuf,
}

/// The newest valid snapshot, and the newer ones that failed validation.
#[derive(Debug, Clone)]
pub struct LatestSnapshot {
    pub snapshot: Option<SnapshotInfo>,
    /// Newer snapshots skipped because they are damaged; the caller
    /// decides whether that is acceptable (it is not if the log was
    /// already purged past the snapshot it falls back to).
    pub skipped: Vec<SnapshotError>,
}

/// The snapshots of one directory.
#[derive(Debug, Clone)]
pub struct SnapshotStore {
    vfs: Arc<dyn Vfs>,
    dir: PathBuf,
}

impl SnapshotStore {
    /// Opens (creating it if needed) the snapshot directory, removes
    /// leftovers of interrupted writes and syncs the directory. Call it once
    /// at startup, before any writer exists.
    pub fn open(
        vfs: Arc<dyn Vfs>,
        dir: impl Into<PathBuf>,
    ) -> Result<(SnapshotStore, Vec<PathBuf>), SnapshotError> {
        let dir = dir.into();
        vfs.create_dir_all(&dir)
            .map_err(snap_io("create directory", &dir))?;
        let mut removed = Vec::new();
        for name in vfs.list_dir(&dir).map_err(snap_io("list", &dir))? {
            if name.ends_with(".snap.tmp") {
                let path = dir.join(name);
                vfs.remove_file(&path).map_err(snap_io("remove", &path))?;
                removed.push(path);
            }
        }
        // A snapshot renamed into place by a previous process that died
        // before syncing the directory is visible but not durable yet.
        vfs.sync_dir(&dir)
            .map_err(snap_io("fsync directory", &dir))?;
        Ok((SnapshotStore { vfs, dir }, removed))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Starts writing snapshot `id` with opaque `meta`. Nothing is visible
    /// until [`SnapshotWriter::finish`]; a snapshot with the same id is then
    /// replaced atomically.
    pub fn create(&self, id: u64, meta: Bytes) -> Result<SnapshotWriter, SnapshotError> {
        SnapshotWriter::new(Arc::clone(&self.vfs), self.dir.clone(), id, meta)
    }

    /// Starts receiving a snapshot file's raw bytes (from another node).
    pub fn import(&self) -> Result<SnapshotImport, SnapshotError> {
        let path = temp_path(&self.dir, 0);
        let file = self
            .vfs
            .open(&path, OpenMode::CreateTruncate)
            .map_err(snap_io("create", &path))?;
        Ok(SnapshotImport {
            vfs: Arc::clone(&self.vfs),
            dir: self.dir.clone(),
            path,
            file,
            len: 0,
            finished: false,
        })
    }

    /// The snapshot files, by increasing id.
    pub fn list(&self) -> Result<Vec<SnapshotFile>, SnapshotError> {
        list(&*self.vfs, &self.dir)
    }

    /// A reader of snapshot `id`.
    pub fn reader(&self, id: u64) -> Result<SnapshotReader, SnapshotError> {
        let path = self.dir.join(file_name(id));
        let reader = match SnapshotReader::open(&*self.vfs, &path) {
            Err(SnapshotError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                return Err(SnapshotError::NotFound { id })
            }
            other => other?,
        };
        if reader.id() != id {
            return Err(SnapshotError::corrupted(
                &path,
                16,
                format!("header says id {}", reader.id()),
            ));
        }
        Ok(reader)
    }

    /// The raw bytes of snapshot `id`, to send to another node.
    pub fn open_raw(&self, id: u64) -> Result<RawSnapshot, SnapshotError> {
        let path = self.dir.join(file_name(id));
        let file = match self.vfs.open(&path, OpenMode::Read) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(SnapshotError::NotFound { id })
            }
            Err(e) => return Err(snap_io("open", &path)(e)),
        };
        let len = file.size().map_err(snap_io("stat", &path))?;
        Ok(RawSnapshot { path, file, len })
    }

    /// The newest snapshot that validates completely (every chunk is read).
    pub fn latest(&self) -> Result<LatestSnapshot, SnapshotError> {
        let mut skipped = Vec::new();
        for file in self.list()?.into_iter().rev() {
            match self.reader(file.id).and_then(SnapshotReader::verify) {
                Ok(info) => {
                    return Ok(LatestSnapshot {
                        snapshot: Some(info),
                        skipped,
                    })
                }
                Err(e) if e.is_corruption() => {
                    tracing::error!(error = %e, "skipping damaged snapshot");
                    skipped.push(e);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(LatestSnapshot {
            snapshot: None,
            skipped,
        })
    }

    /// Removes every snapshot with an id below `id`, durably; returns the
    /// removed paths.
    pub fn remove_older_than(&self, id: u64) -> Result<Vec<PathBuf>, SnapshotError> {
        let mut removed = Vec::new();
        for file in self.list()?.into_iter().filter(|f| f.id < id) {
            self.vfs
                .remove_file(&file.path)
                .map_err(snap_io("remove", &file.path))?;
            removed.push(file.path);
        }
        if !removed.is_empty() {
            self.vfs
                .sync_dir(&self.dir)
                .map_err(snap_io("fsync directory", &self.dir))?;
        }
        Ok(removed)
    }
}

/// Lists the snapshot files of `dir` by increasing id.
pub(crate) fn list(vfs: &dyn Vfs, dir: &Path) -> Result<Vec<SnapshotFile>, SnapshotError> {
    let names = vfs.list_dir(dir).map_err(snap_io("list", dir))?;
    let mut files: Vec<SnapshotFile> = names
        .into_iter()
        .filter_map(|name| {
            Some(SnapshotFile {
                id: parse_name(&name)?,
                path: dir.join(name),
            })
        })
        .collect();
    files.sort_by_key(|f| f.id);
    Ok(files)
}

/// Writes one snapshot, chunk by chunk, with bounded memory.
#[derive(Debug)]
pub struct SnapshotWriter {
    vfs: Arc<dyn Vfs>,
    dir: PathBuf,
    id: u64,
    meta: Bytes,
    tmp: PathBuf,
    file: Arc<dyn VfsFile>,
    offset: u64,
    buf: Vec<u8>,
    chunks: u64,
    bytes: u64,
    poisoned: Option<SnapshotError>,
    finished: bool,
}

impl SnapshotWriter {
    fn new(
        vfs: Arc<dyn Vfs>,
        dir: PathBuf,
        id: u64,
        meta: Bytes,
    ) -> Result<SnapshotWriter, SnapshotError> {
        if meta.len() > MAX_SNAPSHOT_META_LEN {
            return Err(SnapshotError::TooLarge {
                what: "snapshot metadata",
                len: meta.len(),
                max: MAX_SNAPSHOT_META_LEN,
            });
        }
        let tmp = temp_path(&dir, id);
        let file = vfs
            .open(&tmp, OpenMode::CreateTruncate)
            .map_err(snap_io("create", &tmp))?;
        let mut writer = SnapshotWriter {
            vfs,
            dir,
            id,
            meta,
            tmp,
            file,
            offset: 0,
            buf: Vec::with_capacity(WRITE_BUFFER),
            chunks: 0,
            bytes: 0,
            poisoned: None,
            finished: false,
        };
        writer
            .buf
            .extend_from_slice(&encode_header(id, &writer.meta));
        Ok(writer)
    }

    /// The snapshot id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Chunk data bytes accepted so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Appends one chunk (empty chunks are skipped). At most about one MiB
    /// plus the chunk is held in memory.
    pub fn write_chunk(&mut self, data: &[u8]) -> Result<(), SnapshotError> {
        if let Some(e) = &self.poisoned {
            return Err(e.clone());
        }
        if data.is_empty() {
            return Ok(());
        }
        if data.len() > MAX_CHUNK_LEN {
            return Err(SnapshotError::TooLarge {
                what: "snapshot chunk",
                len: data.len(),
                max: MAX_CHUNK_LEN,
            });
        }
        let len = (data.len() as u32).to_le_bytes();
        let crc = crc32c::crc32c_append(crc32c::crc32c(&len), data);
        self.buf.extend_from_slice(&len);
        self.buf.extend_from_slice(&crc.to_le_bytes());
        let result = if data.len() >= WRITE_BUFFER {
            self.flush().and_then(|()| self.write_raw(data))
        } else {
            self.buf.extend_from_slice(data);
            if self.buf.len() >= WRITE_BUFFER {
                self.flush()
            } else {
                Ok(())
            }
        };
        self.chunks += 1;
        self.bytes += data.len() as u64;
        result.inspect_err(|e| self.poisoned = Some(e.clone()))
    }

    /// Writes the trailer, syncs, renames into place and syncs the
    /// directory. The snapshot exists only once this returns `Ok`.
    pub fn finish(mut self) -> Result<SnapshotInfo, SnapshotError> {
        if let Some(e) = self.poisoned.take() {
            return Err(e);
        }
        self.buf
            .extend_from_slice(&encode_trailer(self.chunks, self.bytes));
        self.flush()?;
        self.file
            .sync_data()
            .map_err(snap_io("fdatasync", &self.tmp))?;
        let path = self.dir.join(file_name(self.id));
        self.vfs
            .rename(&self.tmp, &path)
            .map_err(snap_io("rename", &self.tmp))?;
        self.finished = true;
        self.vfs
            .sync_dir(&self.dir)
            .map_err(snap_io("fsync directory", &self.dir))?;
        Ok(SnapshotInfo {
            id: self.id,
            path,
            meta: self.meta.clone(),
            chunks: self.chunks,
            bytes: self.bytes,
            file_len: self.offset,
        })
    }

    /// Gives up: the temporary file is removed (as on drop).
    pub fn abort(self) {}

    fn flush(&mut self) -> Result<(), SnapshotError> {
        let buf = std::mem::take(&mut self.buf);
        let result = self.write_raw(&buf);
        self.buf = buf;
        self.buf.clear();
        result
    }

    fn write_raw(&mut self, data: &[u8]) -> Result<(), SnapshotError> {
        self.file
            .write_all_at(data, self.offset)
            .map_err(snap_io("write", &self.tmp))?;
        self.offset += data.len() as u64;
        Ok(())
    }
}

impl Drop for SnapshotWriter {
    fn drop(&mut self) {
        if !self.finished {
            let _ = self.vfs.remove_file(&self.tmp);
        }
    }
}

fn encode_header(id: u64, meta: &[u8]) -> Vec<u8> {
    let mut h = Vec::with_capacity(HEADER_LEN as usize + meta.len());
    h.extend_from_slice(MAGIC);
    h.extend_from_slice(&VERSION.to_le_bytes());
    h.extend_from_slice(&0u32.to_le_bytes());
    h.extend_from_slice(&id.to_le_bytes());
    h.extend_from_slice(&(meta.len() as u32).to_le_bytes());
    let crc = crc32c::crc32c_append(crc32c::crc32c(&h), meta);
    h.extend_from_slice(&crc.to_le_bytes());
    h.extend_from_slice(meta);
    h
}

fn encode_trailer(chunks: u64, bytes: u64) -> [u8; TRAILER_LEN as usize] {
    let mut t = [0u8; TRAILER_LEN as usize];
    t[4..12].copy_from_slice(&chunks.to_le_bytes());
    t[12..20].copy_from_slice(&bytes.to_le_bytes());
    let crc = crc32c::crc32c(&t[..20]);
    t[20..24].copy_from_slice(&crc.to_le_bytes());
    t
}

/// Reads a snapshot, validating the header on open and every chunk as it
/// is read. Also an iterator of chunks.
#[derive(Debug)]
pub struct SnapshotReader {
    path: PathBuf,
    file: Arc<dyn VfsFile>,
    file_len: u64,
    id: u64,
    meta: Bytes,
    offset: u64,
    chunks: u64,
    bytes: u64,
    done: bool,
}

impl SnapshotReader {
    /// Opens the snapshot file at `path` and validates its header.
    pub fn open(vfs: &dyn Vfs, path: &Path) -> Result<SnapshotReader, SnapshotError> {
        let file = vfs
            .open(path, OpenMode::Read)
            .map_err(snap_io("open", path))?;
        let file_len = file.size().map_err(snap_io("stat", path))?;
        let bad = |offset: u64, reason: String| SnapshotError::corrupted(path, offset, reason);
        if file_len < HEADER_LEN {
            return Err(bad(0, "file shorter than the snapshot header".into()));
        }
        let mut h = [0u8; HEADER_LEN as usize];
        file.read_exact_at(&mut h, 0)
            .map_err(snap_io("read", path))?;
        if &h[0..8] != MAGIC {
            return Err(bad(0, "bad magic: not a keel snapshot".into()));
        }
        let meta_len = u32_at(&h, 24) as u64;
        if meta_len > MAX_SNAPSHOT_META_LEN as u64 || HEADER_LEN + meta_len > file_len {
            return Err(bad(
                24,
                format!("metadata length {meta_len} exceeds the file"),
            ));
        }
        let mut meta = vec![0u8; meta_len as usize];
        file.read_exact_at(&mut meta, HEADER_LEN)
            .map_err(snap_io("read", path))?;
        let crc = crc32c::crc32c_append(crc32c::crc32c(&h[..28]), &meta);
        if crc != u32_at(&h, 28) {
            return Err(bad(28, "snapshot header checksum mismatch".into()));
        }
        let version = u32_at(&h, 8);
        if version != VERSION {
            return Err(bad(
                8,
                format!("unsupported snapshot format version {version}"),
            ));
        }
        let flags = u32_at(&h, 12);
        if flags != 0 {
            return Err(bad(12, format!("unknown snapshot flags {flags:#x}")));
        }
        Ok(SnapshotReader {
            path: path.to_path_buf(),
            file,
            file_len,
            id: u64_at(&h, 16),
            meta: Bytes::from(meta),
            offset: HEADER_LEN + meta_len,
            chunks: 0,
            bytes: 0,
            done: false,
        })
    }

    /// The snapshot id from the header.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The opaque metadata from the header.
    pub fn meta(&self) -> &Bytes {
        &self.meta
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The next chunk, or `None` after the last one (once the trailer has
    /// been validated and found to end the file).
    pub fn next_chunk(&mut self) -> Result<Option<Bytes>, SnapshotError> {
        if self.done {
            return Ok(None);
        }
        let result = self.read_chunk();
        if !matches!(result, Ok(Some(_))) {
            self.done = true;
        }
        result
    }

    /// Reads (and validates) every remaining chunk.
    pub fn verify(mut self) -> Result<SnapshotInfo, SnapshotError> {
        while self.next_chunk()?.is_some() {}
        Ok(SnapshotInfo {
            id: self.id,
            path: self.path,
            meta: self.meta,
            chunks: self.chunks,
            bytes: self.bytes,
            file_len: self.file_len,
        })
    }

    fn read_chunk(&mut self) -> Result<Option<Bytes>, SnapshotError> {
        let at = self.offset;
        let left = self.file_len - at;
        if left < CHUNK_HEADER_LEN {
            return Err(self.bad(at, "file ends before the snapshot trailer".into()));
        }
        let mut h = [0u8; CHUNK_HEADER_LEN as usize];
        self.file
            .read_exact_at(&mut h, at)
            .map_err(snap_io("read", &self.path))?;
        let len = u32_at(&h, 0);
        if len == 0 {
            return self.read_trailer(at).map(|()| None);
        }
        if len as usize > MAX_CHUNK_LEN || CHUNK_HEADER_LEN + u64::from(len) > left {
            return Err(self.bad(at, format!("chunk length {len} exceeds the file")));
        }
        let mut data = vec![0u8; len as usize];
        self.file
            .read_exact_at(&mut data, at + CHUNK_HEADER_LEN)
            .map_err(snap_io("read", &self.path))?;
        let crc = crc32c::crc32c_append(crc32c::crc32c(&h[0..4]), &data);
        if crc != u32_at(&h, 4) {
            return Err(self.bad(at, format!("chunk {} checksum mismatch", self.chunks)));
        }
        self.offset = at + CHUNK_HEADER_LEN + u64::from(len);
        self.chunks += 1;
        self.bytes += u64::from(len);
        Ok(Some(Bytes::from(data)))
    }

    fn read_trailer(&mut self, at: u64) -> Result<(), SnapshotError> {
        if self.file_len - at < TRAILER_LEN {
            return Err(self.bad(at, "truncated snapshot trailer".into()));
        }
        let mut t = [0u8; TRAILER_LEN as usize];
        self.file
            .read_exact_at(&mut t, at)
            .map_err(snap_io("read", &self.path))?;
        if crc32c::crc32c(&t[..20]) != u32_at(&t, 20) {
            return Err(self.bad(at, "snapshot trailer checksum mismatch".into()));
        }
        let (chunks, bytes) = (u64_at(&t, 4), u64_at(&t, 12));
        if chunks != self.chunks || bytes != self.bytes {
            let reason = format!(
                "trailer says {chunks} chunks of {bytes} bytes, found {} chunks of {} bytes",
                self.chunks, self.bytes
            );
            return Err(self.bad(at, reason));
        }
        if at + TRAILER_LEN != self.file_len {
            return Err(self.bad(at + TRAILER_LEN, "bytes after the snapshot trailer".into()));
        }
        Ok(())
    }

    fn bad(&self, offset: u64, reason: String) -> SnapshotError {
        SnapshotError::corrupted(&self.path, offset, reason)
    }
}

impl Iterator for SnapshotReader {
    type Item = Result<Bytes, SnapshotError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_chunk().transpose()
    }
}

/// Receives a snapshot file's raw bytes (as produced by [`RawSnapshot`] on
/// another node) into a temporary file; [`SnapshotImport::finish`]
/// validates all of it before it gets its final name.
#[derive(Debug)]
pub struct SnapshotImport {
    vfs: Arc<dyn Vfs>,
    dir: PathBuf,
    path: PathBuf,
    file: Arc<dyn VfsFile>,
    len: u64,
    finished: bool,
}

impl SnapshotImport {
    /// Appends raw bytes.
    pub fn write(&mut self, data: &[u8]) -> Result<(), SnapshotError> {
        self.file
            .write_all_at(data, self.len)
            .map_err(snap_io("write", &self.path))?;
        self.len += data.len() as u64;
        Ok(())
    }

    /// Bytes received so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nothing was received yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Syncs, validates every byte, renames to the id found in the header
    /// and syncs the directory. A damaged file is removed and reported as
    /// `Corrupted`.
    pub fn finish(mut self) -> Result<SnapshotInfo, SnapshotError> {
        self.file
            .sync_data()
            .map_err(snap_io("fdatasync", &self.path))?;
        let info = SnapshotReader::open(&*self.vfs, &self.path)?.verify()?;
        let path = self.dir.join(file_name(info.id));
        self.vfs
            .rename(&self.path, &path)
            .map_err(snap_io("rename", &self.path))?;
        self.finished = true;
        self.vfs
            .sync_dir(&self.dir)
            .map_err(snap_io("fsync directory", &self.dir))?;
        Ok(SnapshotInfo { path, ..info })
    }
}

impl Drop for SnapshotImport {
    fn drop(&mut self) {
        if !self.finished {
            let _ = self.vfs.remove_file(&self.path);
        }
    }
}

/// Positional access to a snapshot file's raw bytes.
#[derive(Debug, Clone)]
pub struct RawSnapshot {
    path: PathBuf,
    file: Arc<dyn VfsFile>,
    len: u64,
}

impl RawSnapshot {
    /// Size of the file.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file is empty (never, for a valid snapshot).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Up to `max` bytes at `offset` (fewer at the end of the file).
    pub fn read_at(&self, offset: u64, max: usize) -> Result<Bytes, SnapshotError> {
        let n = self.len.saturating_sub(offset).min(max as u64) as usize;
        let mut buf = vec![0u8; n];
        self.file
            .read_exact_at(&mut buf, offset)
            .map_err(snap_io("read", &self.path))?;
        Ok(Bytes::from(buf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(parse_name(&file_name(5)), Some(5));
        assert_eq!(parse_name("00000000000000000005.snap.tmp"), None);
        assert_eq!(parse_name("5.snap"), None);
    }
}
