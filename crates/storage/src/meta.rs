//! The small metadata file: vote, committed, purge point and the durable
//! end of the log.
//!
//! Format version 2 (written):
//!
//! ```text
//! offset      size  field
//! 0           8     magic "KEELMETA"
//! 8           4     format version, u32 LE (2)
//! 12          4     flags, u32 LE: bit 0 vote present, bit 1 committed
//!                   present, bit 2 purge point present, bit 3 durable
//!                   index present, bit 4 newest segment present; other
//!                   bits zero
//! 16          8     purge index, u64 LE (0 when absent)
//! 24          8     durable index, u64 LE (0 when absent)
//! 32          8     newest segment's first index, u64 LE (0 when absent)
//! 40          4     vote length V, u32 LE
//! 44          4     committed length C, u32 LE
//! 48          4     purge data length P, u32 LE
//! 52          V     vote bytes
//! 52+V        C     committed bytes
//! 52+V+C      P     purge data bytes
//! 52+V+C+P    4     CRC32C of every byte before it
//! ```
//!
//! Version 1 (still read, never written) has no durable index and no newest
//! segment: bytes 24..36 hold the three lengths and the fields start at 36.
//! A version 1 file decodes with an empty [`LogEnd`].
//!
//! The file is never modified in place: [`MetaStore::store`] writes
//! `<name>.tmp`, syncs it, renames it over `<name>` and syncs the directory,
//! so after a crash the file is either the old or the new version.

use std::path::{Path, PathBuf};

use bytes::Bytes;

use crate::error::{wal_io, WalError};
use crate::record::{u32_at, u64_at};
use crate::vfs::{OpenMode, Vfs};

const MAGIC: &[u8; 8] = b"KEELMETA";
const VERSION: u32 = 2;
const VOTE: u32 = 1;
const COMMITTED: u32 = 2;
const PURGED: u32 = 4;
const DURABLE: u32 = 8;
const NEWEST: u32 = 16;
/// Upper bound of the whole file, so a damaged size cannot cause a huge
/// allocation.
pub const MAX_META_LEN: usize = 16 << 20;

/// Durable Raft metadata. The byte fields are opaque to this crate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta {
    /// The last vote saved.
    pub vote: Option<Bytes>,
    /// The last committed log id saved.
    pub committed: Option<Bytes>,
    /// Everything up to and including this index has been purged.
    pub purged: Option<PurgePoint>,
    /// How far the log was known to reach when the file was written.
    pub end: LogEnd,
}

/// What recovery uses to tell a torn, never acknowledged tail from a lost
/// acknowledged entry (see `docs/design/wal.md`, "The durable end").
///
/// To ensure correctness, both fields only ever claim what was already
/// durable when the file was written: `durable` is at most the last index
/// an `fdatasync` covered, `newest_segment` names a segment whose creation
/// (header, name, directory) was already synced. Lowering them is always
/// safe; truncation and purging lower them before removing anything.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogEnd {
    /// Every entry up to this index (above the purge point) was durable.
    pub durable: Option<u64>,
    /// The first index of the newest segment; its file must exist.
    pub newest_segment: Option<u64>,
}

/// A purge point: the index and opaque data saved with it (the
/// replication layer's last purged log id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurgePoint {
    pub index: u64,
    pub data: Bytes,
}

/// A metadata file `<dir>/<name>`, replaced atomically.
#[derive(Debug, Clone)]
pub struct MetaStore {
    dir: PathBuf,
    name: String,
}

impl MetaStore {
    /// The metadata file `name` in `dir`.
    pub fn new(dir: impl Into<PathBuf>, name: impl Into<String>) -> MetaStore {
        MetaStore {
            dir: dir.into(),
            name: name.into(),
        }
    }

    /// Path of the file.
    pub fn path(&self) -> PathBuf {
        self.dir.join(&self.name)
    }

    /// Path of the temporary file written before the rename.
    pub fn temp_path(&self) -> PathBuf {
        self.dir.join(format!("{}.tmp", self.name))
    }

    /// Reads and validates the file; `None` if it does not exist. Does not
    /// modify anything.
    pub fn load(&self, vfs: &dyn Vfs) -> Result<Option<Meta>, WalError> {
        let path = self.path();
        let file = match vfs.open(&path, OpenMode::Read) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(wal_io("open", &path)(e)),
        };
        let len = file.size().map_err(wal_io("stat", &path))?;
        if len > MAX_META_LEN as u64 {
            return Err(WalError::corrupted(
                &path,
                0,
                format!("metadata file of {len} bytes is too large"),
            ));
        }
        let mut bytes = vec![0u8; len as usize];
        file.read_exact_at(&mut bytes, 0)
            .map_err(wal_io("read", &path))?;
        decode(&bytes, &path).map(Some)
    }

    /// Replaces the file with `meta`, durably (see the module docs).
    pub fn store(&self, vfs: &dyn Vfs, meta: &Meta) -> Result<(), WalError> {
        let bytes = encode(meta)?;
        let tmp = self.temp_path();
        let file = vfs
            .open(&tmp, OpenMode::CreateTruncate)
            .map_err(wal_io("create", &tmp))?;
        file.write_all_at(&bytes, 0)
            .map_err(wal_io("write", &tmp))?;
        file.sync_data().map_err(wal_io("fdatasync", &tmp))?;
        let path = self.path();
        vfs.rename(&tmp, &path).map_err(wal_io("rename", &tmp))?;
        vfs.sync_dir(&self.dir)
            .map_err(wal_io("fsync directory", &self.dir))
    }
}

/// Encodes `meta` in the file format.
pub(crate) fn encode(meta: &Meta) -> Result<Vec<u8>, WalError> {
    let empty = Bytes::new();
    let vote = meta.vote.as_ref().unwrap_or(&empty);
    let committed = meta.committed.as_ref().unwrap_or(&empty);
    let purge_data = meta.purged.as_ref().map_or(&empty, |p| &p.data);
    let total = layout(VERSION).fields + vote.len() + committed.len() + purge_data.len() + 4;
    if total > MAX_META_LEN {
        return Err(WalError::InvalidArgument(format!(
            "metadata of {total} bytes exceeds the maximum of {MAX_META_LEN}"
        )));
    }
    let mut flags = 0;
    if meta.vote.is_some() {
        flags |= VOTE;
    }
    if meta.committed.is_some() {
        flags |= COMMITTED;
    }
    if meta.purged.is_some() {
        flags |= PURGED;
    }
    if meta.end.durable.is_some() {
        flags |= DURABLE;
    }
    if meta.end.newest_segment.is_some() {
        flags |= NEWEST;
    }
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&flags.to_le_bytes());
    out.extend_from_slice(&meta.purged.as_ref().map_or(0, |p| p.index).to_le_bytes());
    out.extend_from_slice(&meta.end.durable.unwrap_or(0).to_le_bytes());
    out.extend_from_slice(&meta.end.newest_segment.unwrap_or(0).to_le_bytes());
    for field in [vote, committed, purge_data] {
        out.extend_from_slice(&(field.len() as u32).to_le_bytes());
    }
    for field in [vote, committed, purge_data] {
        out.extend_from_slice(field);
    }
    let crc = crc32c::crc32c(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    Ok(out)
}

/// Where the fields of a format version are.
struct Layout {
    /// Flags this version knows.
    flags: u32,
    /// Offset of the three lengths.
    lens: usize,
    /// Offset of the variable fields (end of the fixed part).
    fields: usize,
}

/// The layout of format `version`, if it is one this code reads.
fn layout(version: u32) -> Layout {
    match version {
        1 => Layout {
            flags: VOTE | COMMITTED | PURGED,
            lens: 24,
            fields: 36,
        },
        _ => Layout {
            flags: VOTE | COMMITTED | PURGED | DURABLE | NEWEST,
            lens: 40,
            fields: 52,
        },
    }
}

/// Decodes and validates the file contents (format version 1 or 2).
pub(crate) fn decode(bytes: &[u8], path: &Path) -> Result<Meta, WalError> {
    let bad = |offset: usize, reason: String| WalError::corrupted(path, offset as u64, reason);
    if bytes.len() < 16 {
        return Err(bad(
            0,
            format!("metadata file of {} bytes is truncated", bytes.len()),
        ));
    }
    if &bytes[0..8] != MAGIC {
        return Err(bad(0, "bad magic: not a keel metadata file".into()));
    }
    let body = bytes.len() - 4;
    if u32_at(bytes, body) != crc32c::crc32c(&bytes[..body]) {
        return Err(bad(body, "metadata checksum mismatch".into()));
    }
    let version = u32_at(bytes, 8);
    if version != 1 && version != VERSION {
        return Err(bad(
            8,
            format!("unsupported metadata format version {version}"),
        ));
    }
    let layout = layout(version);
    if body < layout.fields {
        return Err(bad(
            0,
            format!("metadata file of {} bytes is truncated", bytes.len()),
        ));
    }
    let flags = u32_at(bytes, 12);
    if flags & !layout.flags != 0 {
        return Err(bad(12, format!("unknown metadata flags {flags:#x}")));
    }
    let lens = [0, 4, 8].map(|at| u32_at(bytes, layout.lens + at) as usize);
    let declared = lens
        .iter()
        .try_fold(layout.fields, |acc, l| acc.checked_add(*l));
    if declared != Some(body) {
        return Err(bad(
            layout.lens,
            "metadata field lengths do not match the file size".into(),
        ));
    }
    let data = Bytes::copy_from_slice(&bytes[layout.fields..body]);
    let (vote, rest) = data.split_at(lens[0]);
    let (committed, purge_data) = rest.split_at(lens[1]);
    let field = |flag: u32, bytes: &[u8], offset: usize| -> Result<Option<Bytes>, WalError> {
        if flags & flag != 0 {
            Ok(Some(data.slice_ref(bytes)))
        } else if bytes.is_empty() {
            Ok(None)
        } else {
            Err(bad(
                offset,
                "data present for an absent metadata field".into(),
            ))
        }
    };
    let vote = field(VOTE, vote, layout.lens)?;
    let committed = field(COMMITTED, committed, layout.lens + 4)?;
    let purge_index = index_field(bytes, flags, PURGED, 16, "purge index", path)?;
    let purged = field(PURGED, purge_data, layout.lens + 8)?.map(|data| PurgePoint {
        index: purge_index.unwrap_or(0),
        data,
    });
    let end = if version == 1 {
        LogEnd::default()
    } else {
        LogEnd {
            durable: index_field(bytes, flags, DURABLE, 24, "durable index", path)?,
            newest_segment: index_field(bytes, flags, NEWEST, 32, "newest segment", path)?,
        }
    };
    Ok(Meta {
        vote,
        committed,
        purged,
        end,
    })
}

/// The `u64` at `offset` if `flag` is set; it must be 0 otherwise.
fn index_field(
    bytes: &[u8],
    flags: u32,
    flag: u32,
    offset: usize,
    what: &str,
    path: &Path,
) -> Result<Option<u64>, WalError> {
    let value = u64_at(bytes, offset);
    if flags & flag != 0 {
        Ok(Some(value))
    } else if value == 0 {
        Ok(None)
    } else {
        Err(WalError::corrupted(
            path,
            offset as u64,
            format!("{what} set but flagged absent"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vfs::MemVfs;

    fn sample() -> Meta {
        Meta {
            vote: Some(Bytes::from_static(b"term 3, node 1")),
            committed: None,
            purged: Some(PurgePoint {
                index: 99,
                data: Bytes::from_static(b"log id"),
            }),
            end: LogEnd {
                durable: Some(120),
                newest_segment: Some(101),
            },
        }
    }

    #[test]
    fn round_trip_through_store() {
        let vfs = MemVfs::new();
        vfs.create_dir_all(Path::new("/d")).unwrap();
        let store = MetaStore::new("/d", "meta");
        assert_eq!(store.load(&vfs).unwrap(), None);
        store.store(&vfs, &sample()).unwrap();
        assert_eq!(store.load(&vfs).unwrap(), Some(sample()));
        store.store(&vfs, &Meta::default()).unwrap();
        assert_eq!(store.load(&vfs).unwrap(), Some(Meta::default()));
        assert_eq!(vfs.paths(), vec![PathBuf::from("/d/meta")]);
    }

    /// A version 1 file, as the version 1 code wrote it.
    fn version_1(flags: u32) -> Vec<u8> {
        let mut v1 = Vec::new();
        v1.extend_from_slice(MAGIC);
        v1.extend_from_slice(&1u32.to_le_bytes());
        v1.extend_from_slice(&flags.to_le_bytes());
        v1.extend_from_slice(&7u64.to_le_bytes());
        for len in [2u32, 0, 1] {
            v1.extend_from_slice(&len.to_le_bytes());
        }
        v1.extend_from_slice(b"vtp");
        let crc = crc32c::crc32c(&v1);
        v1.extend_from_slice(&crc.to_le_bytes());
        v1
    }

    #[test]
    fn version_1_decodes_without_a_durable_end() {
        let meta = decode(&version_1(VOTE | PURGED), Path::new("meta")).unwrap();
        assert_eq!(meta.vote, Some(Bytes::from_static(b"vt")));
        assert_eq!(meta.committed, None);
        let purged = meta.purged.clone().unwrap();
        assert_eq!((purged.index, purged.data), (7, Bytes::from_static(b"p")));
        assert_eq!(meta.end, LogEnd::default());
        // The durable end's flags do not exist in version 1.
        let err = decode(&version_1(VOTE | PURGED | DURABLE), Path::new("meta")).unwrap_err();
        assert!(err.is_corruption(), "{err}");
        // What is written is version 2.
        assert_eq!(u32_at(&encode(&meta).unwrap(), 8), 2);
    }

    #[test]
    fn every_flipped_byte_is_corruption() {
        let bytes = encode(&sample()).unwrap();
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x01;
            let err = decode(&bad, Path::new("meta")).unwrap_err();
            assert!(err.is_corruption(), "byte {i}: {err}");
        }
        for len in 0..bytes.len() {
            assert!(
                decode(&bytes[..len], Path::new("meta")).is_err(),
                "truncated to {len}"
            );
        }
    }
}
