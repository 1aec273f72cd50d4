//! The small metadata file: vote, committed and purge point.
//!
//! ```text
//! offset      size  field
//! 0           8     magic "KEELMETA"
//! 8           4     format version, u32 LE (1)
//! 12          4     flags, u32 LE: bit 0 vote present, bit 1 committed
//!                   present, bit 2 purge point present; other bits zero
//! 16          8     purge index, u64 LE (0 when absent)
//! 24          4     vote length V, u32 LE
//! 28          4     committed length C, u32 LE
//! 32          4     purge data length P, u32 LE
//! 36          V     vote bytes
//! 36+V        C     committed bytes
//! 36+V+C      P     purge data bytes
//! 36+V+C+P    4     CRC32C of every byte before it
//! ```
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
const VERSION: u32 = 1;
const FIXED_LEN: usize = 36;
const VOTE: u32 = 1;
const COMMITTED: u32 = 2;
const PURGED: u32 = 4;
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
    let total = FIXED_LEN + vote.len() + committed.len() + purge_data.len() + 4;
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
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&flags.to_le_bytes());
    out.extend_from_slice(&meta.purged.as_ref().map_or(0, |p| p.index).to_le_bytes());
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

/// Decodes and validates the file contents.
pub(crate) fn decode(bytes: &[u8], path: &Path) -> Result<Meta, WalError> {
    let bad = |offset: usize, reason: String| WalError::corrupted(path, offset as u64, reason);
    if bytes.len() < FIXED_LEN + 4 {
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
    if version != VERSION {
        return Err(bad(
            8,
            format!("unsupported metadata format version {version}"),
        ));
    }
    let flags = u32_at(bytes, 12);
    if flags & !(VOTE | COMMITTED | PURGED) != 0 {
        return Err(bad(12, format!("unknown metadata flags {flags:#x}")));
    }
    let lens = [u32_at(bytes, 24), u32_at(bytes, 28), u32_at(bytes, 32)].map(|l| l as usize);
    let declared = lens
        .iter()
        .try_fold(FIXED_LEN, |acc, l| acc.checked_add(*l));
    if declared != Some(body) {
        return Err(bad(
            24,
            "metadata field lengths do not match the file size".into(),
        ));
    }
    let data = Bytes::copy_from_slice(&bytes[FIXED_LEN..body]);
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
    let vote = field(VOTE, vote, 24)?;
    let committed = field(COMMITTED, committed, 28)?;
    let purged = field(PURGED, purge_data, 32)?.map(|data| PurgePoint {
        index: u64_at(bytes, 16),
        data,
    });
    if purged.is_none() && u64_at(bytes, 16) != 0 {
        return Err(bad(16, "purge index set without a purge point".into()));
    }
    Ok(Meta {
        vote,
        committed,
        purged,
    })
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
