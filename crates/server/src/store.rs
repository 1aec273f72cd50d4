//! The keyspace and its write path.
//!
//! Reads run on a shared reference under the keyspace's read lock. Writes
//! are batches of [`Op`]s, one per run of consecutive write commands of a
//! connection, then:
//!
//! * with `durability = fsync` or `os`, proposed to the Raft group, which
//!   gathers the batches of many connections into one log entry: the reply
//!   is sent only once the entry is durable per the mode and applied
//!   (invariant 2);
//! * with `durability = memory`, applied directly: a single node in cache
//!   mode has nothing to replicate or persist, so no log is kept.
//!
//! Both paths apply with [`replication::apply_request`], and both tell the
//! [`Hooks`] observer about every applied request while the keyspace is
//! still locked: a batch whose last command blocks registers its client
//! before the next batch is applied, and keys made ready wake waiters —
//! wake-ups come from applied writes, not from the connection that wrote.

use std::collections::HashMap;
use std::sync::Arc;

use keyspace::{Blob, Keyspace, Op};
use parking_lot::{Mutex, RwLock};
use replication::{
    apply_request, ApplyObserver, BatchResponse, ClientBatch, Group, GroupConfig, GroupStats,
    ReplicationError, Request, WriteError,
};

use crate::blocking::{Blocking, Waiter};
use crate::clock;
use crate::config::{Config, Durability};

/// This node's id in its group (a group of one).
const NODE_ID: u64 = 1;

/// A batch of operations from one connection (one log entry).
#[derive(Debug)]
pub struct Batch {
    pub ops: Vec<Op>,
    /// Protocol of the client the replies are for.
    pub resp3: bool,
    /// Registered if the last op blocks.
    pub waiter: Option<Waiter>,
}

/// The state machine and its write path.
pub struct Store {
    keyspace: Arc<RwLock<Keyspace>>,
    hooks: Arc<Hooks>,
    group: Option<Group>,
    /// Unix seconds the store opened (LASTSAVE in memory mode).
    opened_unix: u64,
}

impl Store {
    /// Opens the store: recovers from the data directory and starts the
    /// Raft group, unless durability is `memory`.
    pub async fn open(config: &Config, blocking: Arc<Blocking>) -> Result<Store, ReplicationError> {
        let hooks = Arc::new(Hooks {
            blocking,
            waiters: Mutex::new(HashMap::new()),
        });
        let (keyspace, group) = match config.durability {
            Durability::Memory => (Arc::new(RwLock::new(Keyspace::new(config.databases))), None),
            Durability::Fsync | Durability::Os => {
                let group = Group::open(group_config(config), hooks.clone()).await?;
                (group.keyspace().clone(), Some(group))
            }
        };
        Ok(Store {
            keyspace,
            hooks,
            group,
            opened_unix: clock::now_ms() / 1000,
        })
    }

    /// Runs `f` on the keyspace with the clock reads must use.
    pub fn read<R>(&self, f: impl FnOnce(&Keyspace, u64) -> R) -> R {
        let ks = self.keyspace.read();
        let now = ks.read_clock(clock::now_ms());
        f(&ks, now)
    }

    /// Applies a batch as one entry and returns its replies.
    pub async fn write(&self, batch: Batch) -> Result<BatchResponse, WriteError> {
        let origin = batch.waiter.as_ref().map(|w| (NODE_ID, w.ticket));
        let client_batch = ClientBatch {
            resp3: batch.resp3,
            ops: batch.ops,
            origin,
        };
        if let Some(waiter) = batch.waiter {
            self.hooks.waiters.lock().insert(waiter.ticket, waiter);
        }
        let response = match &self.group {
            Some(group) => group.write(client_batch).await,
            None => Ok(self.apply_directly(client_batch)),
        };
        if let Some((_, ticket)) = origin {
            self.hooks.waiters.lock().remove(&ticket);
        }
        response
    }

    /// Memory mode: applies one batch as its own request, stamped like the
    /// leader stamps log entries.
    fn apply_directly(&self, batch: ClientBatch) -> BatchResponse {
        let request = Request {
            now_ms: clock::now_ms(),
            seed: rand::random(),
            batches: vec![batch],
        };
        let mut ks = self.keyspace.write();
        let response = apply_request(&mut ks, &request, self.hooks.as_ref());
        response.batches.into_iter().next().unwrap_or_default()
    }

    /// SAVE: a snapshot now (nothing to do in memory mode).
    pub async fn save(&self) -> Result<(), ReplicationError> {
        match &self.group {
            Some(group) => group.snapshot().await,
            None => Ok(()),
        }
    }

    /// BGSAVE: a snapshot in the background.
    pub async fn background_save(&self) -> Result<(), ReplicationError> {
        match &self.group {
            Some(group) => group.snapshot_in_background().await,
            None => Ok(()),
        }
    }

    /// Log and snapshot figures (None in memory mode).
    pub fn stats(&self) -> Option<GroupStats> {
        self.group.as_ref().map(Group::stats)
    }

    /// Unix seconds of the last snapshot (LASTSAVE).
    pub fn last_save(&self) -> u64 {
        match &self.group {
            Some(group) => group.stats().last_snapshot_unix,
            None => self.opened_unix,
        }
    }

    /// Stops the write path; acknowledged writes are durable.
    pub async fn shutdown(&self) {
        if let Some(group) = &self.group {
            if let Err(e) = group.shutdown().await {
                tracing::error!(error = %e, "error while stopping the log");
            }
        }
    }
}

fn group_config(config: &Config) -> GroupConfig {
    GroupConfig {
        dir: config.dir.clone(),
        vfs: storage::StdVfs::shared(),
        durability: match config.durability {
            Durability::Fsync => storage::Durability::Fsync,
            Durability::Os => storage::Durability::Os,
            Durability::Memory => storage::Durability::Memory,
        },
        segment_size: storage::WalOptions::default().segment_size,
        databases: config.databases,
        snapshot_entries: config.snapshot_entries,
        snapshot_bytes: config.snapshot_bytes,
    }
}

/// Reacts to applied requests for the clients of this node.
struct Hooks {
    blocking: Arc<Blocking>,
    /// Waiters of in-flight batches proposed by this node, by ticket.
    waiters: Mutex<HashMap<u64, Waiter>>,
}

impl ApplyObserver for Hooks {
    fn applied(&self, batch: &ClientBatch, response: &BatchResponse, ready: Vec<(usize, Blob)>) {
        if let Some((NODE_ID, ticket)) = batch.origin {
            let waiter = self.waiters.lock().get(&ticket).cloned();
            if let Some(waiter) = waiter {
                match response.outcomes.last().and_then(|o| o.blocked.as_ref()) {
                    Some(block) => self.blocking.register(waiter, &block.keys),
                    None => self.blocking.served(ticket),
                }
            }
        }
        if !ready.is_empty() {
            self.blocking.signal(&ready);
        }
    }
}
