//! The engine of a single node with `durability = memory`: nothing to
//! replicate or persist, so batches are applied directly.

use std::sync::Arc;

use keyspace::Keyspace;
use parking_lot::RwLock;
use storage::Durability;

use crate::apply::{apply_request, Observer};
use crate::engine::{
    wall_ms, BoxFuture, Consistency, Engine, LeaderClock, ReadGate, WriteHandle, MEMORY_IS_FIXED,
};
use crate::error::{EngineError, ReplicationError};
use crate::group::GroupStats;
use crate::types::{ClientBatch, Request};

/// A keyspace in memory, written directly.
///
/// To ensure it behaves like a group of one apart from durability, each
/// batch is stamped like a log entry ([`Request::stamped`]) and applied
/// with [`apply_request`] under the keyspace's write lock, telling the
/// observer before the lock is released.
pub struct LocalEngine {
    keyspace: Arc<RwLock<Keyspace>>,
    observer: Observer,
    clock: LeaderClock,
    started_unix: u64,
}

impl LocalEngine {
    /// An empty keyspace of `databases` databases.
    pub fn new(databases: usize, observer: Observer) -> LocalEngine {
        LocalEngine {
            keyspace: Arc::new(RwLock::new(Keyspace::new(databases))),
            observer,
            clock: LeaderClock::new(),
            started_unix: wall_ms() / 1000,
        }
    }
}

impl Engine for LocalEngine {
    fn keyspace(&self) -> &Arc<RwLock<Keyspace>> {
        &self.keyspace
    }

    fn clock(&self) -> &LeaderClock {
        &self.clock
    }

    fn write(&self, batch: ClientBatch) -> WriteHandle {
        let request = Request::stamped(&self.clock, vec![batch]);
        let mut ks = self.keyspace.write();
        let response = apply_request(&mut ks, &request, self.observer.as_ref());
        drop(ks);
        WriteHandle::ready(Ok(response.batches.into_iter().next().unwrap_or_default()))
    }

    fn read_gate(&self, _: Consistency) -> ReadGate<'_> {
        ReadGate::Open
    }

    fn is_leader(&self) -> bool {
        true
    }

    fn durability(&self) -> Durability {
        Durability::Memory
    }

    fn set_durability(&self, durability: Durability) -> Result<(), EngineError> {
        match durability {
            Durability::Memory => Ok(()),
            _ => Err(EngineError::Unsupported(MEMORY_IS_FIXED.into())),
        }
    }

    fn snapshot(&self) -> BoxFuture<'_, Result<(), EngineError>> {
        Box::pin(std::future::ready(Ok(())))
    }

    fn snapshot_in_background(&self) -> BoxFuture<'_, Result<(), EngineError>> {
        Box::pin(std::future::ready(Ok(())))
    }

    fn log_stats(&self) -> Option<GroupStats> {
        None
    }

    fn last_save_unix(&self) -> u64 {
        self.started_unix
    }

    fn failed(&self) -> BoxFuture<'static, Arc<str>> {
        Box::pin(std::future::pending())
    }

    fn shutdown(&self) -> BoxFuture<'_, Result<(), ReplicationError>> {
        Box::pin(std::future::ready(Ok(())))
    }
}
