//! keel's Raft layer (openraft 0.9).
//!
//! * [`LogStore`]: openraft's log storage over the `storage` crate's
//!   segmented, checksummed, group-committed write-ahead log.
//! * [`StateMachine`]: the `keyspace` as openraft's state machine; entries
//!   carry [`Request`]s (the [`ClientBatch`]es of many connections, stamped
//!   with the leader's clock and a seed) and [`apply_request`] applies them
//!   deterministically.
//! * [`snapshot`]: point-in-time snapshots taken while writes continue,
//!   written as checksummed snapshot files; the log is purged up to them.
//! * [`Group`]: opens the data directory, recovers (newest snapshot plus
//!   log replay) and runs a Raft group — a single node is a group of one,
//!   initialised on first start.

// openraft's `StorageError` is large and fixed by its traits; our helpers
// return it as the trait methods do.
#![allow(clippy::result_large_err)]

mod apply;
pub mod codec;
mod engine;
mod error;
mod group;
mod local;
mod log_store;
mod network;
mod proposer;
pub mod snapshot;
mod state_machine;
mod types;
mod verify;

pub use apply::{apply_request, ApplyObserver, NoObserver, Observer};
pub use engine::{BoxFuture, Consistency, Engine, LeaderClock, ReadGate, WriteHandle};
pub use error::{EngineError, Leader, ReplicationError};
pub use group::{Group, GroupConfig, GroupStats};
pub use local::LocalEngine;
pub use log_store::{LogReader, LogStore};
pub use network::NoPeers;
pub use snapshot::SnapshotStatus;
pub use state_machine::StateMachine;
pub use types::{
    BatchResponse, ClientBatch, Entry, LogId, NodeId, Raft, Request, Response, SnapshotData,
    TypeConfig,
};
pub use verify::{verify_contents, ContentsReport};
