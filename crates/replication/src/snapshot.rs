//! Snapshots of the state machine, as files of the `storage` crate.
//!
//! Building one never stops writes: the keyspace marks the point in time
//! when openraft asks for a builder (between two applies), then the builder
//! pulls chunks one at a time, taking the keyspace's write lock only for
//! each chunk, and streams them into a snapshot file (checksummed chunks,
//! written to a temporary file, fsynced, renamed, directory fsynced). Older
//! snapshots are removed once the new one is durable; openraft then purges
//! the log up to it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use keyspace::Keyspace;
use openraft::storage::{RaftSnapshotBuilder, Snapshot};
use openraft::{ErrorSubject, ErrorVerb};
use parking_lot::{Mutex, RwLock};
use storage::{SnapshotError, SnapshotInfo, SnapshotReader, SnapshotStore, Vfs};

use crate::codec;
use crate::error::ReplicationError;
use crate::types::{LogId, SnapshotData, SnapshotMeta, StorageError, StoredMembership, TypeConfig};

/// Bytes of keyspace data per snapshot chunk (and per write-lock hold).
const CHUNK_BYTES: usize = 1024 * 1024;

/// The snapshot files of this node.
pub struct Snapshots {
    store: SnapshotStore,
    vfs: Arc<dyn Vfs>,
    /// The newest complete snapshot and its metadata.
    current: Mutex<Option<(SnapshotInfo, SnapshotMeta)>>,
    incoming: AtomicU64,
}

impl Snapshots {
    /// Opens the snapshot directory and finds the newest valid snapshot.
    /// Damaged snapshots are reported (logged) and skipped in favour of an
    /// older valid one; the caller checks that the log still covers the
    /// gap.
    pub fn open(vfs: Arc<dyn Vfs>, dir: &Path) -> Result<Snapshots, ReplicationError> {
        let (store, _) = SnapshotStore::open(vfs.clone(), dir)?;
        let latest = store.latest()?;
        for skipped in &latest.skipped {
            tracing::error!(error = %skipped, "ignoring a damaged snapshot");
        }
        let current = match latest.snapshot {
            Some(info) => {
                let meta = codec::decode_snapshot_meta(&info.meta)?;
                Some((info, meta))
            }
            None => None,
        };
        Ok(Snapshots {
            store,
            vfs,
            current: Mutex::new(current),
            incoming: AtomicU64::new(0),
        })
    }

    /// Metadata of the newest snapshot.
    pub fn current_meta(&self) -> Option<SnapshotMeta> {
        self.current.lock().as_ref().map(|(_, meta)| meta.clone())
    }

    /// Size in bytes of the newest snapshot file.
    pub fn current_bytes(&self) -> Option<u64> {
        self.current.lock().as_ref().map(|(info, _)| info.file_len)
    }

    /// Loads the newest snapshot into a keyspace.
    pub fn load_current(&self) -> Result<Option<Keyspace>, ReplicationError> {
        let path = match self.current.lock().as_ref() {
            Some((info, _)) => info.path.clone(),
            None => return Ok(None),
        };
        self.load(&path).map(Some)
    }

    /// The newest snapshot, as openraft wants it.
    pub fn current(&self) -> Result<Option<Snapshot<TypeConfig>>, SnapshotError> {
        Ok(self.current.lock().as_ref().map(|(info, meta)| Snapshot {
            meta: meta.clone(),
            snapshot: Box::new(SnapshotData {
                path: info.path.clone(),
            }),
        }))
    }

    /// Where a snapshot received from another node is written first.
    pub fn incoming_path(&self) -> PathBuf {
        let n = self.incoming.fetch_add(1, Ordering::Relaxed);
        self.store.dir().join(format!("incoming-{n}.part"))
    }

    /// Makes the snapshot at `path` (ours, or a file received from another
    /// node) the current one and returns its keyspace. A foreign file is
    /// imported first, which validates every byte.
    pub fn install(&self, path: &Path) -> Result<Keyspace, ReplicationError> {
        let info = if path.parent() == Some(self.store.dir())
            && !path.to_string_lossy().ends_with(".part")
        {
            SnapshotReader::open(&*self.vfs, path)?.verify()?
        } else {
            self.import(path)?
        };
        let meta = codec::decode_snapshot_meta(&info.meta)?;
        let keyspace = self.load(&info.path)?;
        self.store.remove_older_than(info.id)?;
        *self.current.lock() = Some((info, meta));
        Ok(keyspace)
    }

    fn import(&self, path: &Path) -> Result<SnapshotInfo, ReplicationError> {
        let io = |op| {
            move |source| ReplicationError::Io {
                op,
                path: path.to_path_buf(),
                source,
            }
        };
        let source = self
            .vfs
            .open(path, storage::vfs::OpenMode::Read)
            .map_err(io("open"))?;
        let len = source.size().map_err(io("stat"))?;
        let mut import = self.store.import()?;
        let mut offset = 0;
        let mut buf = vec![0u8; CHUNK_BYTES];
        while offset < len {
            let n = source.read_at(&mut buf, offset).map_err(io("read"))?;
            if n == 0 {
                break;
            }
            import.write(&buf[..n])?;
            offset += n as u64;
        }
        Ok(import.finish()?)
    }

    fn load(&self, path: &Path) -> Result<Keyspace, ReplicationError> {
        crate::verify::load(&mut SnapshotReader::open(&*self.vfs, path)?)
    }

    /// Writes a snapshot of `keyspace` (whose point in time was marked
    /// with `begin_snapshot`) and makes it current.
    fn write(
        &self,
        keyspace: &RwLock<Keyspace>,
        meta: SnapshotMeta,
    ) -> Result<SnapshotInfo, ReplicationError> {
        let id = meta.last_log_id.map_or(0, |l| l.index);
        let mut writer = self.store.create(id, codec::encode_snapshot_meta(&meta))?;
        loop {
            let chunk = keyspace.write().snapshot_chunk(CHUNK_BYTES);
            match chunk {
                Some(chunk) => writer.write_chunk(&chunk)?,
                None => break,
            }
        }
        let info = writer.finish()?;
        self.store.remove_older_than(id)?;
        *self.current.lock() = Some((info.clone(), meta));
        Ok(info)
    }
}

/// Builds one snapshot; created by the state machine at the point in time
/// the snapshot represents.
pub struct SnapshotBuilder {
    keyspace: Arc<RwLock<Keyspace>>,
    snapshots: Arc<Snapshots>,
    meta: SnapshotMeta,
}

impl SnapshotBuilder {
    pub(crate) fn new(
        keyspace: Arc<RwLock<Keyspace>>,
        snapshots: Arc<Snapshots>,
        last_applied: Option<LogId>,
        membership: StoredMembership,
    ) -> SnapshotBuilder {
        let snapshot_id = last_applied.map_or_else(|| "0".to_string(), |l| l.index.to_string());
        SnapshotBuilder {
            keyspace,
            snapshots,
            meta: SnapshotMeta {
                last_log_id: last_applied,
                last_membership: membership,
                snapshot_id,
            },
        }
    }
}

impl RaftSnapshotBuilder<TypeConfig> for SnapshotBuilder {
    async fn build_snapshot(&mut self) -> Result<Snapshot<TypeConfig>, StorageError> {
        let (keyspace, snapshots, meta) = (
            self.keyspace.clone(),
            self.snapshots.clone(),
            self.meta.clone(),
        );
        let written = tokio::task::spawn_blocking(move || {
            let result = snapshots.write(&keyspace, meta);
            if result.is_err() {
                keyspace.write().abort_snapshot();
            }
            result
        })
        .await;
        let info = match written {
            Ok(Ok(info)) => info,
            Ok(Err(e)) => return Err(snapshot_error(e)),
            Err(e) => return Err(snapshot_error(e)),
        };
        tracing::info!(index = ?self.meta.last_log_id.map(|l| l.index), bytes = info.file_len, "snapshot written");
        Ok(Snapshot {
            meta: self.meta.clone(),
            snapshot: Box::new(SnapshotData { path: info.path }),
        })
    }
}

fn snapshot_error(e: impl std::fmt::Display) -> StorageError {
    StorageError::from_io_error(
        ErrorSubject::Snapshot(None),
        ErrorVerb::Write,
        std::io::Error::other(e.to_string()),
    )
}
