//! Errors of the replication layer.

use std::path::PathBuf;

use keyspace::codec::CodecError;
use storage::{SnapshotError, WalError};

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
}

/// Why a write was not applied (or its outcome is unknown).
#[derive(Debug, Clone, thiserror::Error)]
pub enum WriteError {
    /// This node cannot accept writes (not the leader, or shutting down);
    /// nothing was applied.
    #[error("TRYAGAIN this node is not accepting writes right now ({0})")]
    Unavailable(String),
    /// The node stopped (fail-stop after an I/O error) while the write was
    /// in flight: it may or may not have been applied.
    #[error("UNKNOWN the outcome of the write is unknown: {0}")]
    Unknown(String),
}
