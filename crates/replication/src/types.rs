//! The openraft type configuration and the log's application payload.

use std::path::PathBuf;

use bytes::Bytes;
use keyspace::{ApplyOutcome, Op};

/// A node's id in the Raft group.
pub type NodeId = u64;
/// A node's address information.
pub type Node = openraft::BasicNode;

openraft::declare_raft_types!(
    /// keel's Raft types: log entries carry [`Request`]s, applying them gives
    /// [`Response`]s, snapshots are files named by [`SnapshotData`].
    pub TypeConfig:
        D = Request,
        R = Response,
        NodeId = NodeId,
        Node = Node,
        Entry = openraft::Entry<TypeConfig>,
        SnapshotData = SnapshotData,
        AsyncRuntime = openraft::TokioRuntime,
);

/// A log entry as openraft sees it.
pub type Entry = openraft::Entry<TypeConfig>;
/// A log position (term, leader, index).
pub type LogId = openraft::LogId<NodeId>;
/// A vote.
pub type Vote = openraft::Vote<NodeId>;
/// The Raft handle.
pub type Raft = openraft::Raft<TypeConfig>;
/// Snapshot metadata.
pub type SnapshotMeta = openraft::SnapshotMeta<NodeId, Node>;
/// Membership recorded with the state machine.
pub type StoredMembership = openraft::StoredMembership<NodeId, Node>;
/// openraft's storage error.
pub type StorageError = openraft::StorageError<NodeId>;

/// One log entry's payload: the client batches the leader gathered while
/// the previous entry was being made durable (proposal batching: one
/// entry, one fsync, many clients).
///
/// To ensure deterministic apply, the leader stamps the clock and the seed
/// when it proposes: every replica applies with the same values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Leader's wall clock when proposed, Unix milliseconds.
    pub now_ms: u64,
    /// Seed of the deterministic random generator for this entry.
    pub seed: u64,
    pub batches: Vec<ClientBatch>,
}

/// The consecutive write commands of one connection's pipeline (or one
/// operation of the server's own tasks), applied atomically in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientBatch {
    /// Protocol of the client the replies are for.
    pub resp3: bool,
    pub ops: Vec<Op>,
    /// The proposing node and a ticket local to it: lets the proposer's
    /// state machine find the blocked client waiting on this batch (other
    /// replicas ignore it).
    pub origin: Option<(NodeId, u64)>,
}

/// What applying a [`Request`] produced, one response per client batch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Response {
    pub batches: Vec<BatchResponse>,
}

/// The replies of a client batch's ops, concatenated, with each op's end
/// offset and outcome.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchResponse {
    pub reply: Bytes,
    pub ends: Vec<usize>,
    pub outcomes: Vec<ApplyOutcome>,
}

/// A snapshot as openraft hands it around: the path of a complete,
/// verified snapshot file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotData {
    pub path: PathBuf,
}
