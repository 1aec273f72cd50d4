//! A running Raft group on this node: recovery, writes, snapshots.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use keyspace::Keyspace;
use openraft::error::{ClientWriteError, RaftError};
use openraft::raft::ClientWriteResponse;
use openraft::{ServerState, SnapshotPolicy};
use parking_lot::RwLock;
use storage::{Durability, GroupCommit, LogStats, Vfs, Wal, WalOptions, SNAPSHOT_DIR, WAL_DIR};
use tokio::sync::{mpsc, oneshot};

use crate::apply::Observer;
use crate::error::{ReplicationError, WriteError};
use crate::log_store::LogStore;
use crate::network::NoPeers;
use crate::snapshot::Snapshots;
use crate::state_machine::StateMachine;
use crate::types::{
    BatchResponse, ClientBatch, Node, NodeId, Raft, Request, StoredMembership, TypeConfig,
};

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
}

/// Most ops gathered into one log entry.
const MAX_OPS_PER_ENTRY: usize = 8192;

/// With durability `fsync`, how long the proposer waits for the clients it
/// just answered to send their next writes, so they share the next fsync
/// (a commit delay, like PostgreSQL's `commit_delay`). Measured with 50
/// clients at pipeline 1: entries of ~50 writes instead of ~20, 10-20 %
/// more writes per second and less CPU per write; a lone client never
/// waits.
const GATHER_WAIT: Duration = Duration::from_micros(500);

/// Where the response of a client batch goes.
type Reply = oneshot::Sender<Result<BatchResponse, WriteError>>;

/// A client batch waiting to be proposed, and where its response goes.
struct Pending {
    batch: ClientBatch,
    reply: Reply,
}

/// A Raft group this node is a member of (today: a group of one).
pub struct Group {
    raft: Raft,
    proposals: mpsc::UnboundedSender<Pending>,
    keyspace: Arc<RwLock<Keyspace>>,
    snapshots: Arc<Snapshots>,
    wal: Arc<GroupCommit>,
    last_snapshot_unix: Arc<AtomicU64>,
    monitor: tokio::task::AbortHandle,
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
        let monitor = tokio::spawn(snapshot_by_size(
            raft.clone(),
            wal.clone(),
            last_snapshot_unix.clone(),
            config.snapshot_bytes,
        ))
        .abort_handle();
        let (proposals, queue) = mpsc::unbounded_channel();
        tokio::spawn(propose(raft.clone(), wal.clone(), queue));
        Ok(Group {
            raft,
            proposals,
            keyspace,
            snapshots,
            wal,
            last_snapshot_unix,
            monitor,
        })
    }

    /// The keyspace (reads take its read lock).
    pub fn keyspace(&self) -> &Arc<RwLock<Keyspace>> {
        &self.keyspace
    }

    /// Proposes a client batch and returns its response once it is
    /// committed (durable per the durability mode) and applied.
    ///
    /// Batches are gathered while the previous log entry is being made
    /// durable and proposed together as the next entry, so concurrent
    /// clients share one append and one fsync.
    pub async fn write(&self, batch: ClientBatch) -> Result<BatchResponse, WriteError> {
        let (reply, response) = oneshot::channel();
        self.proposals
            .send(Pending { batch, reply })
            .map_err(|_| WriteError::Unavailable("the group is shutting down".into()))?;
        response
            .await
            .unwrap_or_else(|_| Err(WriteError::Unknown("the group stopped".into())))
    }

    /// Switches between `Fsync` and `Os` durability while running.
    pub fn set_durability(&self, durability: Durability) -> Result<(), ReplicationError> {
        Ok(self.wal.set_durability(durability)?)
    }

    /// Takes a snapshot now and waits until it is written.
    pub async fn snapshot(&self) -> Result<(), ReplicationError> {
        let applied = self.raft.metrics().borrow().last_applied;
        self.raft
            .trigger()
            .snapshot()
            .await
            .map_err(|e| ReplicationError::Raft(e.to_string()))?;
        self.raft
            .wait(Some(Duration::from_secs(3600)))
            .metrics(
                |m| m.snapshot.map(|s| s.index) >= applied.map(|a| a.index),
                "snapshot written",
            )
            .await
            .map_err(|e| ReplicationError::Raft(e.to_string()))?;
        self.last_snapshot_unix
            .store(unix_secs(), Ordering::Relaxed);
        Ok(())
    }

    /// Starts a snapshot in the background.
    pub async fn snapshot_in_background(&self) -> Result<(), ReplicationError> {
        self.raft
            .trigger()
            .snapshot()
            .await
            .map_err(|e| ReplicationError::Raft(e.to_string()))
    }

    /// Figures for INFO persistence.
    pub fn stats(&self) -> GroupStats {
        let metrics = self.raft.metrics().borrow().clone();
        let last_applied = metrics.last_applied.map(|l| l.index);
        let snapshot_index = metrics.snapshot.map(|l| l.index);
        GroupStats {
            log: self.wal.stats(),
            last_applied,
            snapshot_index,
            snapshot_bytes: self.snapshots.current_bytes(),
            last_snapshot_unix: self.last_snapshot_unix.load(Ordering::Relaxed),
            entries_since_snapshot: last_applied
                .unwrap_or(0)
                .saturating_sub(snapshot_index.unwrap_or(0)),
        }
    }

    /// Stops the group: no more writes; everything acknowledged is durable.
    pub async fn shutdown(&self) -> Result<(), ReplicationError> {
        self.monitor.abort();
        self.raft
            .shutdown()
            .await
            .map_err(|e| ReplicationError::Raft(e.to_string()))?;
        self.wal.sync()?;
        Ok(())
    }
}

/// Proposes gathered client batches as log entries, stamped by the leader
/// with its clock and a seed.
///
/// To ensure concurrent clients share one append and one fsync, one entry
/// is in flight at a time: every batch that arrives meanwhile goes into the
/// next one. (openraft 0.9 appends one entry at a time anyway; measured,
/// fewer and larger entries beat overlapping a second, smaller one.) With
/// durability `fsync` the next entry also waits up to [`GATHER_WAIT`] for
/// as many batches as there were writers around the last one.
async fn propose(raft: Raft, wal: Arc<GroupCommit>, mut queue: mpsc::UnboundedReceiver<Pending>) {
    // Batches answered with the last entry plus those queued meanwhile: the
    // clients expected to write again soon.
    let mut writers = 1;
    while let Some(first) = queue.recv().await {
        let mut entry = Gathered::new(first);
        entry.take_queued(&mut queue);
        if wal.durability() == Durability::Fsync {
            entry.wait_for(writers, &mut queue).await;
        }
        let (batches, replies): (Vec<_>, Vec<_>) = entry
            .pending
            .into_iter()
            .map(|p| (p.batch, p.reply))
            .unzip();
        let request = Request {
            now_ms: unix_millis(),
            seed: rand::random(),
            batches,
        };
        let answered = replies.len();
        answer(raft.client_write(request).await, replies);
        writers = answered + queue.len();
    }
}

/// Client batches gathered for the next log entry.
struct Gathered {
    pending: Vec<Pending>,
    ops: usize,
}

impl Gathered {
    fn new(first: Pending) -> Gathered {
        Gathered {
            ops: first.batch.ops.len(),
            pending: vec![first],
        }
    }

    fn is_full(&self) -> bool {
        self.ops >= MAX_OPS_PER_ENTRY
    }

    /// Takes the batches already queued, up to [`MAX_OPS_PER_ENTRY`] ops.
    fn take_queued(&mut self, queue: &mut mpsc::UnboundedReceiver<Pending>) {
        while !self.is_full() {
            let Ok(next) = queue.try_recv() else { break };
            self.ops += next.batch.ops.len();
            self.pending.push(next);
        }
    }

    /// Waits up to [`GATHER_WAIT`] until `batches` batches are gathered.
    /// It yields to the runtime rather than arm a timer (tokio's timers
    /// tick in milliseconds): the connection tasks that deliver the
    /// batches run in between.
    async fn wait_for(&mut self, batches: usize, queue: &mut mpsc::UnboundedReceiver<Pending>) {
        let deadline = Instant::now() + GATHER_WAIT;
        while self.pending.len() < batches && !self.is_full() && Instant::now() < deadline {
            tokio::task::yield_now().await;
            self.take_queued(queue);
        }
    }
}

/// Hands each client batch its own response (or the entry's error).
fn answer(
    outcome: Result<
        ClientWriteResponse<TypeConfig>,
        RaftError<NodeId, ClientWriteError<NodeId, Node>>,
    >,
    replies: Vec<Reply>,
) {
    match outcome {
        Ok(response) => {
            for (reply, batch) in replies.into_iter().zip(response.data.batches) {
                let _ = reply.send(Ok(batch));
            }
        }
        Err(e) => {
            let error = write_error(e);
            for reply in replies {
                let _ = reply.send(Err(error.clone()));
            }
        }
    }
}

fn write_error(e: RaftError<NodeId, ClientWriteError<NodeId, Node>>) -> WriteError {
    match e {
        RaftError::APIError(ClientWriteError::ForwardToLeader(f)) => {
            WriteError::Unavailable(format!("not the leader (leader: {:?})", f.leader_id))
        }
        RaftError::APIError(e) => WriteError::Unavailable(e.to_string()),
        RaftError::Fatal(e) => WriteError::Unknown(e.to_string()),
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

/// Triggers a snapshot whenever the log grew by `limit` bytes since the
/// last one (openraft's own policy counts entries).
async fn snapshot_by_size(
    raft: Raft,
    wal: Arc<GroupCommit>,
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
        }
    }
}

fn unix_secs() -> u64 {
    unix_millis() / 1000
}

fn unix_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
