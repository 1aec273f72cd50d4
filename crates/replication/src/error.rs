//! Errors of the replication layer.

use std::path::PathBuf;
use std::sync::Arc;

use keyspace::codec::CodecError;
use storage::{SnapshotError, WalError};

use crate::types::NodeId;

/// Why the node could not start or keep going.
#[derive(Debug, thiserror::Error)]
pub enum ReplicationError {
    #[error(transparent)]
    Wal(#[from] WalError),
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    #[error("invalid stored data: {0}")]
    Codec(#[from] CodecError),
    #[error("{op} {}: {source}", path.display())]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the log was purged up to index {purged} but the newest valid snapshot ends at {snapshot:?}: entries in between are missing")]
    MissingEntries { purged: u64, snapshot: Option<u64> },
    #[error("the snapshot holds {snapshot} databases but `databases` is {configured}")]
    Databases { snapshot: usize, configured: usize },
    #[error("raft: {0}")]
    Raft(String),
    /// SAVE or BGSAVE while a snapshot is being written.
    #[error("a snapshot is already being written")]
    SnapshotInProgress,
    /// SAVE could not write its snapshot (the log still holds every
    /// write; the reason is also in INFO persistence and the log).
    #[error("the snapshot could not be written: {0}")]
    SnapshotFailed(String),
}

/// Why an engine did not do what was asked, typed so the server can act
/// on it (forward to the leader, retry, report); the server maps it to a
/// RESP error in one place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// This node cannot accept writes or serve linearizable reads because
    /// another node leads (or none is known yet); nothing was applied.
    #[error("this node is not the leader{}", leader_hint(.leader))]
    NotLeader { leader: Option<Leader> },
    /// The node is stopping, or stopped after a fatal failure, and did not
    /// accept the request: it certainly was not applied.
    #[error("the node is not accepting writes: {0}")]
    Stopped(Arc<str>),
    /// The node failed while the write was in flight: it may or may not
    /// have been applied (invariant 2: never a false "not done").
    #[error("the outcome of the write is unknown: {0}")]
    Unknown(Arc<str>),
    /// The engine cannot do this (e.g. switch a memory-only node to a log).
    #[error("{0}")]
    Unsupported(Arc<str>),
    /// SAVE or BGSAVE while a snapshot is being written.
    #[error("a snapshot is already being written")]
    SnapshotInProgress,
    /// A snapshot could not be written; writes go on (the reason is also
    /// in INFO persistence and the log).
    #[error("snapshot failed: {0}")]
    Snapshot(Arc<str>),
}

/// Where the leader is, for forwarding and redirects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leader {
    pub id: NodeId,
    /// Its client address (`host:port`), if known.
    pub addr: Option<String>,
}

fn leader_hint(leader: &Option<Leader>) -> String {
    match leader {
        Some(Leader {
            id,
            addr: Some(addr),
        }) => format!(" (the leader is node {id} at {addr})"),
        Some(Leader { id, addr: None }) => format!(" (the leader is node {id})"),
        None => " (no leader is known yet)".to_string(),
    }
}
