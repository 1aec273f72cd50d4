//! A running Raft group on this node: recovery, writes, snapshots.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use keyspace::Keyspace;
use openraft::{ServerState, SnapshotPolicy};
use parking_lot::RwLock;
use storage::{Durability, GroupCommit, LogStats, Vfs, Wal, WalOptions, SNAPSHOT_DIR, WAL_DIR};
use tokio::sync::{oneshot, watch};

use crate::apply::Observer;
use crate::engine::{
    wall_ms, BoxFuture, Consistency, Engine, LeaderClock, ReadGate, WriteHandle, MEMORY_IS_FIXED,
};
use crate::error::{EngineError, ReplicationError};
use crate::log_store::LogStore;
use crate::network::NoPeers;
use crate::proposer::{answer_all, Pending, Proposer};
use crate::snapshot::{SnapshotStatus, Snapshots};
use crate::state_machine::StateMachine;
use crate::types::{ClientBatch, Node, NodeId, Raft, StoredMembership};

/// The id of the only node of a single-node group.
const SINGLE_NODE: NodeId = 1;

/// How to open a group.
#[derive(Debug, Clone)]
pub struct GroupConfig {
    /// Data directory (`wal/` and `snapshots/` inside).
    pub dir: PathBuf,
    /// The file system: real files, or memory (`durability = memory`,
    /// tests).
    pub vfs: Arc<dyn Vfs>,
    /// What an acknowledged write survives.
    pub durability: Durability,
    /// Size of each log segment file.
    pub segment_size: u64,
    /// Databases of a new keyspace.
    pub databases: usize,
    /// Take a snapshot once this many entries were logged since the last.
    pub snapshot_entries: u64,
    /// ... or once the log grew by this many bytes.
    pub snapshot_bytes: u64,
}

/// Figures for INFO persistence.
#[derive(Debug, Clone, Default)]
pub struct GroupStats {
    pub log: LogStats,
    pub last_applied: Option<u64>,
    pub snapshot_index: Option<u64>,
    pub snapshot_bytes: Option<u64>,
    /// Unix seconds of the last successful snapshot (or of startup).
    pub last_snapshot_unix: u64,
    pub entries_since_snapshot: u64,
    /// Snapshot in progress, failures.
    pub snapshot_status: SnapshotStatus,
}

/// A Raft group this node is a member of (today: a group of one).
pub struct Group {
    raft: Raft,
    proposals: crossbeam_channel::Sender<Pending>,
    keyspace: Arc<RwLock<Keyspace>>,
    clock: Arc<LeaderClock>,
    snapshots: Arc<Snapshots>,
    wal: Arc<GroupCommit>,
    last_snapshot_unix: Arc<AtomicU64>,
    /// The cause, once the group failed fatally.
    failure: watch::Sender<Option<Arc<str>>>,
    /// Raised by [`Engine::shutdown`]: the core stopping is then no failure.
    stopping: Arc<AtomicBool>,
    tasks: Vec<tokio::task::AbortHandle>,
}

impl Group {
    /// Opens the data directory, recovers the keyspace (newest valid
    /// snapshot, then the log after it) and starts the group. On first
    /// start in an empty directory it initialises a group of one.
    ///
    /// To ensure no acknowledged write is lost, any damage other than a
    /// torn tail of the last log segment is an error: the node does not
    /// start.
    pub async fn open(config: GroupConfig, observer: Observer) -> Result<Group, ReplicationError> {
        let vfs = config.vfs.clone();
        let snapshots = Arc::new(Snapshots::open(
            vfs.clone(),
            &config.dir.join(SNAPSHOT_DIR),
        )?);
        let options = WalOptions {
            segment_size: config.segment_size,
            ..WalOptions::default()
        };
        let (wal, recovery) = Wal::open(vfs, config.dir.join(WAL_DIR), options)?;
        if let Some(torn) = &recovery.torn_tail {
            tracing::warn!(file = %torn.file.display(), offset = torn.offset, "cut a torn write at the end of the log");
        }
        let snapshot_meta = snapshots.current_meta();
        let snapshot_index = snapshot_meta
            .as_ref()
            .and_then(|m| m.last_log_id)
            .map(|l| l.index);
        if let Some(purged) = recovery.purged {
            if snapshot_index.is_none_or(|s| s < purged) {
                return Err(ReplicationError::MissingEntries {
                    purged,
                    snapshot: snapshot_index,
                });
            }
        }
        let wal = Arc::new(GroupCommit::start(wal, config.durability)?);
        let keyspace = snapshots
            .load_current()?
            .unwrap_or_else(|| Keyspace::new(config.databases));
        if keyspace.databases() != config.databases {
            return Err(ReplicationError::Databases {
                snapshot: keyspace.databases(),
                configured: config.databases,
            });
        }
        let keyspace = Arc::new(RwLock::new(keyspace));
        let (last_applied, membership) = match snapshot_meta {
            Some(meta) => (meta.last_log_id, meta.last_membership),
            None => (None, StoredMembership::default()),
        };
        tracing::info!(snapshot = ?snapshot_index, log_entries = recovery.entries, last_index = ?recovery.last_index, "recovered");
        let state_machine = StateMachine::new(
            keyspace.clone(),
            last_applied,
            membership,
            observer,
            snapshots.clone(),
        );
        let raft = start_raft(&config, LogStore::new(wal.clone()), state_machine).await?;
        let last_snapshot_unix = Arc::new(AtomicU64::new(unix_secs()));
        let (failure, failure_seen) = watch::channel(None);
        let stopping = Arc::new(AtomicBool::new(false));
        let tasks = vec![
            tokio::spawn(snapshot_by_size(
                raft.clone(),
                wal.clone(),
                snapshots.clone(),
                last_snapshot_unix.clone(),
                config.snapshot_bytes,
            ))
            .abort_handle(),
            tokio::spawn(watch_health(
                raft.metrics(),
                failure.clone(),
                stopping.clone(),
            ))
            .abort_handle(),
        ];
        let clock = Arc::new(LeaderClock::new());
        let proposals = Proposer {
            raft: raft.clone(),
            wal: wal.clone(),
            clock: clock.clone(),
            failure: failure_seen,
            runtime: tokio::runtime::Handle::current(),
        }
        .spawn()
        .map_err(|e| ReplicationError::Raft(format!("cannot start the proposer: {e}")))?;
        Ok(Group {
            raft,
            proposals,
            keyspace,
            clock,
            snapshots,
            wal,
            last_snapshot_unix,
            failure,
            stopping,
            tasks,
        })
    }

    /// The cause of the group's fatal failure, if it failed.
    fn failure(&self) -> Option<Arc<str>> {
        self.failure.borrow().clone()
    }

    /// Takes a snapshot now and waits until it is written (SAVE).
    async fn snapshot_now(&self) -> Result<(), ReplicationError> {
        crate::snapshot::save(&self.raft, &self.snapshots).await?;
        self.last_snapshot_unix
            .store(unix_secs(), Ordering::Relaxed);
        Ok(())
    }

    async fn stop(&self) -> Result<(), ReplicationError> {
        self.stopping.store(true, Ordering::Relaxed);
        for task in &self.tasks {
            task.abort();
        }
        self.raft
            .shutdown()
            .await
            .map_err(|e| ReplicationError::Raft(e.to_string()))?;
        self.wal.sync()?;
        Ok(())
    }
}

impl Engine for Group {
    fn keyspace(&self) -> &Arc<RwLock<Keyspace>> {
        &self.keyspace
    }

    fn clock(&self) -> &LeaderClock {
        &self.clock
    }

    /// Batches are gathered while the previous log entry is being made
    /// durable and proposed together as the next entry, so concurrent
    /// clients share one append and one fsync (see [`crate::proposer`]).
    fn write(&self, batch: ClientBatch) -> WriteHandle {
        if let Some(cause) = self.failure() {
            return WriteHandle::ready(Err(EngineError::Stopped(cause)));
        }
        if self.stopping.load(Ordering::Relaxed) {
            return WriteHandle::ready(Err(EngineError::Stopped("shutting down".into())));
        }
        let (reply, response) = oneshot::channel();
        if let Err(unsent) = self.proposals.send(Pending { batch, reply }) {
            answer_all(
                vec![unsent.into_inner().reply],
                EngineError::Stopped("the proposer stopped".into()),
            );
        }
        WriteHandle::proposed(response)
    }

    /// A group of one leads for as long as it runs: every acknowledged
    /// write is applied locally, so reads need no round trip.
    fn read_gate(&self, _: Consistency) -> ReadGate<'_> {
        match self.failure() {
            Some(cause) => ReadGate::Closed(EngineError::Stopped(cause)),
            None => ReadGate::Open,
        }
    }

    fn is_leader(&self) -> bool {
        self.failure().is_none() && self.raft.metrics().borrow().state == ServerState::Leader
    }

    fn durability(&self) -> Durability {
        self.wal.durability()
    }

    fn set_durability(&self, durability: Durability) -> Result<(), EngineError> {
        if durability == Durability::Memory || self.durability() == Durability::Memory {
            return Err(EngineError::Unsupported(MEMORY_IS_FIXED.into()));
        }
        self.wal
            .set_durability(durability)
            .map_err(|e| EngineError::Unsupported(e.to_string().into()))
    }

    fn snapshot(&self) -> BoxFuture<'_, Result<(), EngineError>> {
        Box::pin(async move { self.snapshot_now().await.map_err(snapshot_error) })
    }

    fn snapshot_in_background(&self) -> BoxFuture<'_, Result<(), EngineError>> {
        Box::pin(async move {
            crate::snapshot::save_in_background(&self.raft, &self.snapshots)
                .await
                .map_err(snapshot_error)
        })
    }

    fn log_stats(&self) -> Option<GroupStats> {
        let metrics = self.raft.metrics().borrow().clone();
        let last_applied = metrics.last_applied.map(|l| l.index);
        let snapshot_index = metrics.snapshot.map(|l| l.index);
        Some(GroupStats {
            log: self.wal.stats(),
            last_applied,
            snapshot_index,
            snapshot_bytes: self.snapshots.current_bytes(),
            last_snapshot_unix: self.last_snapshot_unix.load(Ordering::Relaxed),
            entries_since_snapshot: last_applied
                .unwrap_or(0)
                .saturating_sub(snapshot_index.unwrap_or(0)),
            snapshot_status: self.snapshots.status(),
        })
    }

    fn last_save_unix(&self) -> u64 {
        self.last_snapshot_unix.load(Ordering::Relaxed)
    }

    fn failed(&self) -> BoxFuture<'static, Arc<str>> {
        let mut failure = self.failure.subscribe();
        Box::pin(async move {
            let cause = match failure.wait_for(Option::is_some).await {
                Ok(cause) => cause.clone(),
                // The group was dropped: it never failed.
                Err(_) => None,
            };
            match cause {
                Some(cause) => cause,
                None => std::future::pending().await,
            }
        })
    }

    fn shutdown(&self) -> BoxFuture<'_, Result<(), ReplicationError>> {
        Box::pin(self.stop())
    }
}

/// Watches the Raft core: once it stops without being asked to (a storage
/// failure, a panic), records the cause so the node fails-stop.
async fn watch_health(
    mut metrics: watch::Receiver<openraft::RaftMetrics<NodeId, Node>>,
    failure: watch::Sender<Option<Arc<str>>>,
    stopping: Arc<AtomicBool>,
) {
    let cause = loop {
        if let Err(fatal) = &metrics.borrow_and_update().running_state {
            break fatal.to_string();
        }
        if metrics.changed().await.is_err() {
            break "the Raft core exited".to_string();
        }
    };
    if !stopping.load(Ordering::Relaxed) {
        tracing::error!(cause = %cause, "the Raft group failed");
        failure.send_replace(Some(cause.into()));
    }
}

async fn start_raft(
    config: &GroupConfig,
    log: LogStore,
    state_machine: StateMachine,
) -> Result<Raft, ReplicationError> {
    let raft_config = openraft::Config {
        cluster_name: "keel".into(),
        heartbeat_interval: 100,
        election_timeout_min: 300,
        election_timeout_max: 600,
        snapshot_policy: SnapshotPolicy::LogsSinceLast(config.snapshot_entries.max(1)),
        max_in_snapshot_log_to_keep: 0,
        ..openraft::Config::default()
    }
    .validate()
    .map_err(|e| ReplicationError::Raft(e.to_string()))?;
    let raft = Raft::new(
        SINGLE_NODE,
        Arc::new(raft_config),
        NoPeers,
        log,
        state_machine,
    )
    .await
    .map_err(|e| ReplicationError::Raft(e.to_string()))?;
    let initialized = raft
        .is_initialized()
        .await
        .map_err(|e| ReplicationError::Raft(e.to_string()))?;
    if !initialized {
        let members = BTreeMap::from([(SINGLE_NODE, Node::default())]);
        raft.initialize(members)
            .await
            .map_err(|e| ReplicationError::Raft(e.to_string()))?;
    } else {
        raft.trigger()
            .elect()
            .await
            .map_err(|e| ReplicationError::Raft(e.to_string()))?;
    }
    let metrics = raft
        .wait(Some(Duration::from_secs(30)))
        .state(
            ServerState::Leader,
            "become leader of the single-node group",
        )
        .await
        .map_err(|e| ReplicationError::Raft(e.to_string()))?;
    // Serve only once every entry of the log is applied (the replay).
    raft.wait(Some(Duration::from_secs(3600)))
        .applied_index_at_least(metrics.last_log_index, "replay the log")
        .await
        .map_err(|e| ReplicationError::Raft(e.to_string()))?;
    Ok(raft)
}

/// A failed SAVE or BGSAVE, typed for the server (in progress vs failed).
fn snapshot_error(e: ReplicationError) -> EngineError {
    match e {
        ReplicationError::SnapshotInProgress => EngineError::SnapshotInProgress,
        e => EngineError::Snapshot(e.to_string().into()),
    }
}

/// Triggers a snapshot whenever the log grew by `limit` bytes since the
/// last one (openraft's own policy counts entries), and retries a failed
/// one once its backoff has passed.
async fn snapshot_by_size(
    raft: Raft,
    wal: Arc<GroupCommit>,
    snapshots: Arc<Snapshots>,
    last_unix: Arc<AtomicU64>,
    limit: u64,
) {
    let mut metrics = raft.metrics();
    let mut snapshot = metrics.borrow().snapshot;
    let mut bytes_at_snapshot = wal.stats().bytes;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            changed = metrics.changed() => if changed.is_err() { return },
        }
        let current = metrics.borrow().snapshot;
        if current != snapshot {
            snapshot = current;
            bytes_at_snapshot = wal.stats().bytes;
            last_unix.store(unix_secs(), Ordering::Relaxed);
        } else if limit > 0 && wal.stats().bytes.saturating_sub(bytes_at_snapshot) >= limit {
            bytes_at_snapshot = wal.stats().bytes;
            let _ = raft.trigger().snapshot().await;
        } else if snapshots.retry_due() {
            let _ = raft.trigger().snapshot().await;
        }
    }
}

fn unix_secs() -> u64 {
    wall_ms() / 1000
}
