//! Segment files: naming, header, creation and validation.
//!
//! A segment is named `{first_index:020}.wal` and starts with a 32-byte
//! header:
//!
//! ```text
//! offset  size  field
//! 0       8     magic "KEEL-WAL"
//! 8       4     format version, u32 LE (1)
//! 12      4     header length, u32 LE (32)
//! 16      8     first index, u64 LE (equal to the file name)
//! 24      4     reserved, zero
//! 28      4     CRC32C of bytes 0..28
//! ```
//!
//! Records ([`crate::record`]) follow back to back from offset 32. The rest
//! of the file is preallocated and reads as zeros.
//!
//! A segment only gets its final name once its header is durable (it is
//! written as `{first_index:020}.wal.tmp`, synced, renamed and the directory
//! synced), so a bad header is always corruption, never a torn write.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{wal_io, WalError};
use crate::record::{self, Header, HEADER_LEN as RECORD_HEADER_LEN, OVERHEAD};
use crate::vfs::{OpenMode, Vfs, VfsFile};

/// Size of the segment header; the first record starts here.
pub(crate) const HEADER_LEN: u64 = 32;
const MAGIC: &[u8; 8] = b"KEEL-WAL";
const VERSION: u32 = 1;
/// Bytes read at a time when scanning.
const WINDOW: usize = 1 << 20;

/// How a new segment file reserves its space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Preallocate {
    /// `fallocate(2)` the whole segment (sparse extension where the file
    /// system cannot): no block allocation on append. The first write to
    /// each block still converts an "unwritten" extent, which `fdatasync`
    /// journals.
    #[default]
    Fallocate,
    /// Write zeros over the whole segment when creating it, like
    /// PostgreSQL's `wal_init_zero`: appends then overwrite existing blocks
    /// and `fdatasync` has no metadata to flush, at the price of writing
    /// each segment twice.
    Zeroes,
    /// Do not preallocate: the file grows with every append and every
    /// `fdatasync` also flushes the new size.
    None,
}

/// The file name of the segment starting at `first_index`.
pub(crate) fn file_name(first_index: u64) -> String {
    format!("{first_index:020}.wal")
}

/// The name a segment is written under before it is complete.
pub(crate) fn temp_name(first_index: u64) -> String {
    format!("{first_index:020}.wal.tmp")
}

/// The first index of a segment file name, if `name` is one.
pub(crate) fn parse_name(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(".wal")?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The header of the segment starting at `first_index`.
pub(crate) fn encode_header(first_index: u64) -> [u8; HEADER_LEN as usize] {
    let mut h = [0u8; HEADER_LEN as usize];
    h[0..8].copy_from_slice(MAGIC);
    h[8..12].copy_from_slice(&VERSION.to_le_bytes());
    h[12..16].copy_from_slice(&(HEADER_LEN as u32).to_le_bytes());
    h[16..24].copy_from_slice(&first_index.to_le_bytes());
    let crc = crc32c::crc32c(&h[0..28]);
    h[28..32].copy_from_slice(&crc.to_le_bytes());
    h
}

/// Checks a header against the first index in the file name; on failure,
/// the offset of the bad field and why.
fn check_header(h: &[u8], first_index: u64) -> Result<(), (u64, String)> {
    if h.len() < HEADER_LEN as usize {
        return Err((0, "file shorter than the segment header".into()));
    }
    if &h[0..8] != MAGIC {
        return Err((0, "bad magic: not a keel WAL segment".into()));
    }
    let crc = record::u32_at(h, 28);
    if crc != crc32c::crc32c(&h[0..28]) {
        return Err((28, "segment header checksum mismatch".into()));
    }
    let version = record::u32_at(h, 8);
    if version != VERSION {
        return Err((8, format!("unsupported segment format version {version}")));
    }
    let len = record::u32_at(h, 12);
    if u64::from(len) != HEADER_LEN {
        return Err((12, format!("unsupported segment header length {len}")));
    }
    let first = record::u64_at(h, 16);
    if first != first_index {
        return Err((
            16,
            format!("header says first index {first} but the file name says {first_index}"),
        ));
    }
    Ok(())
}

/// Creates the segment starting at `first_index`, durably: header written
/// and space reserved under a temporary name, synced, renamed, directory
/// synced. Returns its path and a read-write handle.
pub(crate) fn create(
    vfs: &dyn Vfs,
    dir: &Path,
    first_index: u64,
    capacity: u64,
    prealloc: Preallocate,
) -> Result<(PathBuf, Arc<dyn VfsFile>), WalError> {
    let tmp = dir.join(temp_name(first_index));
    let path = dir.join(file_name(first_index));
    let file = vfs
        .open(&tmp, OpenMode::CreateTruncate)
        .map_err(wal_io("create", &tmp))?;
    file.write_all_at(&encode_header(first_index), 0)
        .map_err(wal_io("write", &tmp))?;
    reserve(&*file, HEADER_LEN, capacity, prealloc).map_err(wal_io("preallocate", &tmp))?;
    file.sync_data().map_err(wal_io("fdatasync", &tmp))?;
    vfs.rename(&tmp, &path).map_err(wal_io("rename", &tmp))?;
    vfs.sync_dir(dir).map_err(wal_io("fsync directory", dir))?;
    Ok((path, file))
}

/// Reserves `[from, capacity)` of a segment whose data ends at `from`
/// (everything past `from` must already read as zeros or not exist).
pub(crate) fn reserve(
    file: &dyn VfsFile,
    from: u64,
    capacity: u64,
    prealloc: Preallocate,
) -> io::Result<()> {
    match prealloc {
        Preallocate::Fallocate => file.preallocate(capacity),
        Preallocate::None => Ok(()),
        Preallocate::Zeroes => {
            let zeros = vec![0u8; WINDOW];
            let mut at = from;
            while at < capacity {
                let n = (capacity - at).min(WINDOW as u64) as usize;
                file.write_all_at(&zeros[..n], at)?;
                at += n as u64;
            }
            Ok(())
        }
    }
}

/// What scanning a segment found.
#[derive(Debug, Clone)]
pub(crate) struct Scan {
    pub first_index: u64,
    /// Start offset of every valid record, in index order.
    pub offsets: Vec<u64>,
    /// Offset just past the last valid record.
    pub end: u64,
    /// Damage after the valid records, if any.
    pub damage: Option<TailDamage>,
}

impl Scan {
    /// Number of valid records.
    pub(crate) fn count(&self) -> u64 {
        self.offsets.len() as u64
    }

    /// Index of the last valid record.
    pub(crate) fn last_index(&self) -> Option<u64> {
        (self.count() > 0).then(|| self.first_index + self.count() - 1)
    }
}

/// Bytes after the valid records that are neither zeros nor a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TailDamage {
    pub offset: u64,
    pub reason: String,
    /// True when it cannot be a torn write: a checksummed record with the
    /// wrong index, or (last segment only) a valid record after it.
    pub definite: bool,
}

/// Validates the segment `file` whose name says `first_index`: header,
/// then records until the first one that is missing or invalid, then the
/// rest of the file (zeros means a clean end). For the last segment, bytes
/// after a bad record are searched for a valid record.
///
/// A bad header is `WalError::Corrupted`; damage after the header is
/// reported in [`Scan::damage`] for the caller to judge.
pub(crate) fn scan(
    file: &dyn VfsFile,
    path: &Path,
    first_index: u64,
    is_last: bool,
) -> Result<Scan, WalError> {
    let file_len = file.size().map_err(wal_io("stat", path))?;
    let mut window = Window::new(file, file_len);
    let header_len = file_len.min(HEADER_LEN) as usize;
    let header = window.get(0, header_len).map_err(wal_io("read", path))?;
    check_header(header, first_index)
        .map_err(|(offset, reason)| WalError::corrupted(path, offset, reason))?;

    let mut scan = Scan {
        first_index,
        offsets: Vec::new(),
        end: HEADER_LEN,
        damage: None,
    };
    let stop = walk_records(&mut window, &mut scan).map_err(wal_io("read", path))?;
    let Some((offset, reason, definite)) = stop else {
        return Ok(scan);
    };
    let nonzero = window.first_nonzero(offset).map_err(wal_io("read", path))?;
    let Some(nonzero) = nonzero else {
        return Ok(scan);
    };
    let mut damage = TailDamage {
        offset,
        reason,
        definite,
    };
    if damage.reason.is_empty() {
        damage.reason =
            format!("zero record header followed by non-zero bytes at offset {nonzero}");
    }
    if is_last && !damage.definite {
        let next = scan.last_index().map_or(first_index, |l| l + 1);
        let found = window
            .find_record(offset + 1, first_index, next)
            .map_err(wal_io("read", path))?;
        if let Some(at) = found {
            damage.reason = format!("{}; a valid record follows at offset {at}", damage.reason);
            damage.definite = true;
        }
    }
    scan.damage = Some(damage);
    Ok(scan)
}

/// Reads records from `scan.end` on, recording them in `scan`. Returns
/// where and why it stopped before the end of the file (an empty reason for
/// an all-zero header), or `None` at the end of the file.
fn walk_records(
    window: &mut Window<'_>,
    scan: &mut Scan,
) -> io::Result<Option<(u64, String, bool)>> {
    let file_len = window.file_len;
    let mut expected = scan.first_index;
    loop {
        let pos = scan.end;
        if pos == file_len {
            return Ok(None);
        }
        if file_len - pos < RECORD_HEADER_LEN {
            return Ok(Some((pos, "partial record header".into(), false)));
        }
        let header = Header::parse(window.get(pos, RECORD_HEADER_LEN as usize)?);
        if header.is_zero() {
            return Ok(Some((pos, String::new(), false)));
        }
        if header.len < 8 {
            let reason = format!("record length {} below the minimum of 8", header.len);
            return Ok(Some((pos, reason, false)));
        }
        if header.record_len() > file_len - pos {
            let reason = format!(
                "record of {} bytes extends past the end of the file",
                header.record_len()
            );
            return Ok(Some((pos, reason, false)));
        }
        let payload = window.get(pos + RECORD_HEADER_LEN, header.len as usize)?;
        let index = match header.verify(payload) {
            Ok(index) => index,
            Err(reason) => return Ok(Some((pos, reason.into(), false))),
        };
        if index != expected {
            let reason = format!("record has index {index}, expected {expected}");
            return Ok(Some((pos, reason, true)));
        }
        let Some(next) = expected.checked_add(1) else {
            return Ok(Some((pos, "index overflow".into(), true)));
        };
        scan.offsets.push(pos);
        scan.end = pos + header.record_len();
        expected = next;
    }
}

/// A sliding read buffer over a file of known length.
struct Window<'a> {
    file: &'a dyn VfsFile,
    file_len: u64,
    start: u64,
    buf: Vec<u8>,
}

impl<'a> Window<'a> {
    fn new(file: &'a dyn VfsFile, file_len: u64) -> Window<'a> {
        Window {
            file,
            file_len,
            start: 0,
            buf: Vec::new(),
        }
    }

    /// `len` bytes at `offset`; the caller guarantees they are inside the
    /// file, so allocation is bounded by the file size.
    fn get(&mut self, offset: u64, len: usize) -> io::Result<&[u8]> {
        let cached =
            offset >= self.start && offset + len as u64 <= self.start + self.buf.len() as u64;
        if !cached {
            let want = (len.max(WINDOW) as u64).min(self.file_len - offset) as usize;
            self.buf.resize(want, 0);
            self.file.read_exact_at(&mut self.buf, offset)?;
            self.start = offset;
        }
        let at = (offset - self.start) as usize;
        Ok(&self.buf[at..at + len])
    }

    /// The bytes from `offset` (inside the file) to the end of the buffer,
    /// reading a new window if `offset` is not buffered.
    fn from(&mut self, offset: u64) -> io::Result<&[u8]> {
        let end = self.start + self.buf.len() as u64;
        if offset < self.start || offset >= end {
            let want = (self.file_len - offset).min(WINDOW as u64) as usize;
            self.buf.resize(want, 0);
            self.file.read_exact_at(&mut self.buf, offset)?;
            self.start = offset;
        }
        Ok(&self.buf[(offset - self.start) as usize..])
    }

    /// Offset of the first non-zero byte at or after `from`.
    fn first_nonzero(&mut self, from: u64) -> io::Result<Option<u64>> {
        let mut at = from;
        while at < self.file_len {
            let chunk = self.from(at)?;
            if let Some(i) = chunk.iter().position(|&b| b != 0) {
                return Ok(Some(at + i as u64));
            }
            at += chunk.len() as u64;
        }
        Ok(None)
    }

    /// Offset of the first valid record at or after `from` whose index is
    /// at least `min_index` and plausible for its position (at most one
    /// record per 16 bytes after `next_index`).
    fn find_record(
        &mut self,
        from: u64,
        min_index: u64,
        next_index: u64,
    ) -> io::Result<Option<u64>> {
        let mut at = from;
        while at + OVERHEAD <= self.file_len {
            let Some(nonzero) = self.first_nonzero(at)? else {
                return Ok(None);
            };
            // A record header may start with up to three zero bytes.
            at = at.max(nonzero.saturating_sub(3));
            if at + OVERHEAD > self.file_len {
                return Ok(None);
            }
            if self.is_record_at(at, min_index, next_index)? {
                return Ok(Some(at));
            }
            at += 1;
        }
        Ok(None)
    }

    fn is_record_at(&mut self, at: u64, min_index: u64, next_index: u64) -> io::Result<bool> {
        let head = self.get(at, OVERHEAD as usize)?;
        let header = Header::parse(head);
        let index = record::u64_at(head, 8);
        let room = self.file_len - at;
        let max_index = next_index.saturating_add(room / OVERHEAD);
        if header.len < 8 || header.record_len() > room || index < min_index || index > max_index {
            return Ok(false);
        }
        let payload = self.get(at + RECORD_HEADER_LEN, header.len as usize)?;
        Ok(header.verify(payload).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(file_name(1), "00000000000000000001.wal");
        assert_eq!(parse_name("00000000000000000001.wal"), Some(1));
        assert_eq!(parse_name(&file_name(u64::MAX)), Some(u64::MAX));
        assert_eq!(parse_name("0000000000000000001.wal"), None);
        assert_eq!(parse_name("00000000000000000001.wal.tmp"), None);
        assert_eq!(parse_name("9999999999999999999a.wal"), None);
        assert_eq!(parse_name("99999999999999999999.wal"), None);
    }

    #[test]
    fn header_checks() {
        let h = encode_header(77);
        assert_eq!(check_header(&h, 77), Ok(()));
        assert_eq!(check_header(&h, 78).map_err(|e| e.0), Err(16));
        for byte in 0..h.len() {
            let mut bad = h;
            bad[byte] ^= 0x10;
            assert!(check_header(&bad, 77).is_err(), "byte {byte}");
        }
        assert!(check_header(&h[..10], 77).is_err());
    }
}
