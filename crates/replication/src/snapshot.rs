//! Snapshots of the state machine, as files of the `storage` crate.
//!
//! Building one never stops writes: the keyspace marks the point in time
//! when openraft asks for a builder (between two applies), then the builder
//! pulls chunks one at a time, taking the keyspace's write lock only for
//! each chunk, and streams them into a snapshot file (checksummed chunks,
//! written to a temporary file, fsynced, renamed, directory fsynced). Older
//! snapshots are removed once the new one is durable; openraft then purges
//! the log up to it.
//!
//! # A failed snapshot is not fatal
//!
//! openraft 0.9 stops the Raft core for good when
//! `RaftSnapshotBuilder::build_snapshot` returns an error, and every write
//! after that fails. Writing a snapshot file can fail for reasons that say
//! nothing about the log (a full disk, an I/O error on the snapshot file),
//! and the log alone keeps every acknowledged write. So the builder never
//! returns an error: on failure it abandons the snapshot, records the
//! failure ([`SnapshotStatus`], shown by INFO persistence, and a warning
//! in the log) and returns the current snapshot's metadata, which openraft
//! takes as "no newer snapshot" (it then neither purges the log nor
//! records anything). Automatic attempts are held back with an exponential
//! backoff after each failure ([`RETRY_MIN`] doubling up to [`RETRY_MAX`]);
//! SAVE and BGSAVE try again at once.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use keyspace::Keyspace;
use openraft::storage::{RaftSnapshotBuilder, Snapshot};
use parking_lot::{Mutex, RwLock};
use storage::{SnapshotError, SnapshotInfo, SnapshotReader, SnapshotStore, Vfs};
use tokio::sync::watch;

use crate::codec;
use crate::error::ReplicationError;
use crate::types::{
    LogId, Raft, SnapshotData, SnapshotMeta, StorageError, StoredMembership, TypeConfig,
};

/// Bytes of keyspace data per snapshot chunk (and per write-lock hold).
/// A value larger than this is split into parts by the keyspace, so chunks
/// stay about this size whatever the values.
const CHUNK_BYTES: usize = 1024 * 1024;

/// Backoff after the first failed snapshot; it doubles with each further
/// failure.
pub const RETRY_MIN: Duration = Duration::from_secs(1);
/// Longest backoff between automatic attempts after failures.
pub const RETRY_MAX: Duration = Duration::from_secs(64);

/// What became of the snapshots taken since startup (INFO persistence).
#[derive(Debug, Clone, Default)]
pub struct SnapshotStatus {
    /// When the snapshot being written started, if one is.
    pub running_since: Option<Instant>,
    /// Builds finished: written, failed, or skipped during a backoff.
    pub finished: u64,
    /// Builds finished that were attempted (written or failed).
    pub attempts: u64,
    /// Failed builds since startup.
    pub failures: u64,
    /// Failures since the last snapshot written; drives the backoff.
    pub consecutive_failures: u32,
    /// Why the last attempt failed; `None` once one succeeds.
    pub last_error: Option<String>,
    /// How long the last attempt (written or failed) took.
    pub last_duration: Option<Duration>,
    /// Automatic attempts wait until then (after failures).
    pub retry_at: Option<Instant>,
}

impl SnapshotStatus {
    /// Whether the last attempt failed.
    pub fn failed(&self) -> bool {
        self.last_error.is_some()
    }

    fn backoff(&self) -> Duration {
        let doublings = self.consecutive_failures.saturating_sub(1).min(16);
        (RETRY_MIN * 2u32.pow(doublings)).min(RETRY_MAX)
    }
}

/// The snapshot files of this node.
pub struct Snapshots {
    store: SnapshotStore,
    vfs: Arc<dyn Vfs>,
    /// The newest complete snapshot and its metadata.
    current: Mutex<Option<(SnapshotInfo, SnapshotMeta)>>,
    incoming: AtomicU64,
    status: watch::Sender<SnapshotStatus>,
    /// The next build ignores the backoff (SAVE, BGSAVE).
    force: AtomicBool,
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
            status: watch::Sender::new(SnapshotStatus::default()),
            force: AtomicBool::new(false),
        })
    }

    /// What became of the snapshots since startup.
    pub fn status(&self) -> SnapshotStatus {
        self.status.borrow().clone()
    }

    /// Whether an automatic retry after a failure is due: the backoff has
    /// passed and nothing is being written.
    pub fn retry_due(&self) -> bool {
        let status = self.status.borrow();
        status.running_since.is_none() && status.retry_at.is_some_and(|at| at <= Instant::now())
    }

    /// Decides, when openraft asks for a builder, whether to write a
    /// snapshot now (`true`, and it counts as running from now) or to
    /// skip this one because failures are being backed off from.
    fn begin_build(&self) -> bool {
        let forced = self.force.swap(false, Ordering::Relaxed);
        let mut build = false;
        self.status.send_modify(|status| {
            build = forced || status.retry_at.is_none_or(|at| at <= Instant::now());
            if build {
                status.running_since = Some(Instant::now());
            }
        });
        build
    }

    /// Records the outcome of a build begun by `begin_build` (`None` for a
    /// skipped one).
    fn end_build(&self, outcome: Option<Result<(), String>>) {
        self.status.send_modify(|status| {
            status.finished += 1;
            let Some(outcome) = outcome else { return };
            status.attempts += 1;
            let started = status.running_since.take();
            status.last_duration = started.map(|t| t.elapsed());
            match outcome {
                Ok(()) => {
                    status.consecutive_failures = 0;
                    status.last_error = None;
                    status.retry_at = None;
                }
                Err(error) => {
                    status.failures += 1;
                    status.consecutive_failures = status.consecutive_failures.saturating_add(1);
                    let backoff = status.backoff();
                    tracing::warn!(%error, retry_in = ?backoff, "snapshot failed; the log keeps every write and is compacted once a snapshot succeeds");
                    status.last_error = Some(error);
                    status.retry_at = Some(Instant::now() + backoff);
                }
            }
        });
    }

    /// A snapshot openraft takes as "nothing newer": the current one (or
    /// none), for a build that failed or was skipped.
    fn unchanged(&self) -> Snapshot<TypeConfig> {
        let current = self.current.lock();
        let (meta, path) = match current.as_ref() {
            Some((info, meta)) => (meta.clone(), info.path.clone()),
            None => (SnapshotMeta::default(), PathBuf::new()),
        };
        Snapshot {
            meta,
            snapshot: Box::new(SnapshotData { path }),
        }
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
        *self.current.lock() = Some((info.clone(), meta));
        // The new snapshot is durable and current; an older file left
        // behind only costs space (the newest valid one is used).
        if let Err(error) = self.store.remove_older_than(id) {
            tracing::warn!(%error, "could not remove older snapshots");
        }
        Ok(info)
    }
}

/// SAVE: writes a snapshot holding everything applied so far and waits
/// for it, even if the backoff after a failure is running. Refused while
/// another snapshot is being written (like Redis while a BGSAVE runs).
pub(crate) async fn save(raft: &Raft, snapshots: &Snapshots) -> Result<(), ReplicationError> {
    if snapshots.status().running_since.is_some() {
        return Err(ReplicationError::SnapshotInProgress);
    }
    let applied = raft.metrics().borrow().last_applied.map(|l| l.index);
    let mut status = snapshots.status.subscribe();
    loop {
        let (finished, attempts) = {
            let s = status.borrow_and_update();
            (s.finished, s.attempts)
        };
        snapshots.force.store(true, Ordering::Relaxed);
        raft.trigger()
            .snapshot()
            .await
            .map_err(|e| ReplicationError::Raft(e.to_string()))?;
        let (attempted, outcome) = {
            let s = status
                .wait_for(|s| s.finished > finished)
                .await
                .map_err(|e| ReplicationError::Raft(e.to_string()))?;
            (s.attempts > attempts, s.last_error.clone())
        };
        // A build skipped during a backoff (begun before SAVE asked) says
        // nothing: take another.
        if !attempted {
            continue;
        }
        if let Some(error) = outcome {
            return Err(ReplicationError::SnapshotFailed(error));
        }
        let index = snapshots
            .current_meta()
            .and_then(|m| m.last_log_id.map(|l| l.index));
        // A build already under way when SAVE came may end before
        // `applied`: then take another.
        if index >= applied {
            // Return once openraft knows it too (INFO, log purging).
            raft.wait(None)
                .metrics(
                    |m| m.snapshot.map(|s| s.index) >= index,
                    "snapshot recorded",
                )
                .await
                .map_err(|e| ReplicationError::Raft(e.to_string()))?;
            return Ok(());
        }
    }
}

/// BGSAVE: starts a snapshot now (even during the backoff after a
/// failure). Refused while one is being written.
pub(crate) async fn save_in_background(
    raft: &Raft,
    snapshots: &Snapshots,
) -> Result<(), ReplicationError> {
    if snapshots.status().running_since.is_some() {
        return Err(ReplicationError::SnapshotInProgress);
    }
    snapshots.force.store(true, Ordering::Relaxed);
    raft.trigger()
        .snapshot()
        .await
        .map_err(|e| ReplicationError::Raft(e.to_string()))
}

/// Builds one snapshot; created by the state machine at the point in time
/// the snapshot represents.
pub struct SnapshotBuilder {
    keyspace: Arc<RwLock<Keyspace>>,
    snapshots: Arc<Snapshots>,
    meta: SnapshotMeta,
    /// False when this build is skipped (backoff after failures).
    build: bool,
}

impl SnapshotBuilder {
    /// To ensure the snapshot is point in time, call this between two
    /// applies: it marks the keyspace's snapshot point (unless the build is
    /// skipped during a backoff).
    pub(crate) fn begin(
        keyspace: Arc<RwLock<Keyspace>>,
        snapshots: Arc<Snapshots>,
        last_applied: Option<LogId>,
        membership: StoredMembership,
    ) -> SnapshotBuilder {
        let build = snapshots.begin_build();
        if build {
            // A snapshot left unfinished by a failed builder is abandoned
            // for the new one.
            let mut ks = keyspace.write();
            ks.abort_snapshot();
            let _ = ks.begin_snapshot();
        }
        let snapshot_id = last_applied.map_or_else(|| "0".to_string(), |l| l.index.to_string());
        SnapshotBuilder {
            keyspace,
            snapshots,
            meta: SnapshotMeta {
                last_log_id: last_applied,
                last_membership: membership,
                snapshot_id,
            },
            build,
        }
    }
}

impl RaftSnapshotBuilder<TypeConfig> for SnapshotBuilder {
    /// Never fails (see the module documentation): a snapshot that could
    /// not be written is reported and the current one returned.
    async fn build_snapshot(&mut self) -> Result<Snapshot<TypeConfig>, StorageError> {
        if !self.build {
            self.snapshots.end_build(None);
            return Ok(self.snapshots.unchanged());
        }
        let (keyspace, snapshots, meta) = (
            self.keyspace.clone(),
            self.snapshots.clone(),
            self.meta.clone(),
        );
        let written = tokio::task::spawn_blocking(move || snapshots.write(&keyspace, meta))
            .await
            .map_err(|e| format!("the snapshot task failed: {e}"))
            .and_then(|result| result.map_err(|e| e.to_string()));
        match written {
            Ok(info) => {
                self.snapshots.end_build(Some(Ok(())));
                tracing::info!(index = ?self.meta.last_log_id.map(|l| l.index), bytes = info.file_len, "snapshot written");
                Ok(Snapshot {
                    meta: self.meta.clone(),
                    snapshot: Box::new(SnapshotData { path: info.path }),
                })
            }
            Err(error) => {
                self.keyspace.write().abort_snapshot();
                self.snapshots.end_build(Some(Err(error)));
                Ok(self.snapshots.unchanged())
            }
        }
    }
}
