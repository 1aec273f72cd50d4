//! The keyspace and its write path, as the server's connections use them.
//!
//! The store owns this node's [`Engine`]: a Raft group with a write-ahead
//! log (`durability = fsync` or `os`), or a [`LocalEngine`] applying
//! batches directly (`durability = memory` on a single node). Writes are
//! batches of [`Op`]s, one per run of consecutive write commands of a
//! connection; reads run on the engine's keyspace under its read lock once
//! the engine's read gate is open.
//!
//! Both engines tell the [`Hooks`] observer about every applied request
//! while the keyspace is still locked: a batch whose last command blocks
//! registers its client before the next batch is applied, and keys made
//! ready wake waiters — wake-ups come from applied writes, not from the
//! connection that wrote.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, Weak};

use keyspace::{Blob, Keyspace, Op, SessionId};
use parking_lot::Mutex;
use replication::{
    ApplyObserver, BatchResponse, ClientBatch, Consistency, Engine, EngineError, Group,
    GroupConfig, LocalEngine, ReadGate, ReplicationError,
};
use storage::Vfs;

use crate::blocking::{Blocking, Waiter};
use crate::config::{Config, Durability};
use crate::shared::Shared;

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
    engine: Box<dyn Engine>,
    hooks: Arc<Hooks>,
    /// This process's incarnation: WATCH sessions of earlier ones are
    /// purged at start-up.
    incarnation: u16,
}

impl Store {
    /// Delivers the messages scripts publish to the subscribers of
    /// `shared` (set once, when the server state exists).
    pub fn deliver_publishes_to(&self, shared: &Arc<Shared>) {
        let _ = self.hooks.subscribers.set(Arc::downgrade(shared));
    }

    /// Opens the store: recovers from the data directory and starts the
    /// Raft group, unless durability is `memory`; then drops the WATCH
    /// sessions an earlier run of this node left in the replicated state.
    pub async fn open(
        config: &Config,
        vfs: Arc<dyn Vfs>,
        blocking: Arc<Blocking>,
    ) -> Result<Store, ReplicationError> {
        let hooks = Arc::new(Hooks {
            blocking,
            waiters: Mutex::new(HashMap::new()),
            subscribers: OnceLock::new(),
        });
        let engine: Box<dyn Engine> = match config.durability {
            Durability::Memory => Box::new(LocalEngine::new(config.databases, hooks.clone())),
            Durability::Fsync | Durability::Os => {
                Box::new(Group::open(group_config(config, vfs), hooks.clone()).await?)
            }
        };
        let incarnation = new_incarnation(engine.as_ref());
        let store = Store {
            engine,
            hooks,
            incarnation,
        };
        store.purge_earlier_sessions().await?;
        Ok(store)
    }

    /// The engine, for administration (persistence, statistics).
    pub fn engine(&self) -> &dyn Engine {
        self.engine.as_ref()
    }

    /// The durability acknowledged writes get, as the log applies it now
    /// (what CONFIG GET and INFO report).
    pub fn durability(&self) -> Durability {
        match self.engine.durability() {
            storage::Durability::Fsync => Durability::Fsync,
            storage::Durability::Os => Durability::Os,
            storage::Durability::Memory => Durability::Memory,
        }
    }

    /// The WATCH session id of client `client` of this process.
    pub fn session_id(&self, client: u64) -> u64 {
        SessionId {
            node: NODE_ID as u16,
            incarnation: self.incarnation,
            client: client as u32,
        }
        .to_u64()
    }

    /// Runs a client's read `f` on the keyspace, with the clock reads must
    /// use, once the engine allows a read with `consistency`.
    pub async fn read<R>(
        &self,
        consistency: Consistency,
        f: impl FnOnce(&Keyspace, u64) -> R,
    ) -> Result<R, EngineError> {
        match self.engine.read_gate(consistency) {
            ReadGate::Open => {}
            ReadGate::Wait(ready) => ready.await?,
            ReadGate::Closed(error) => return Err(error),
        }
        Ok(self.read_local(f))
    }

    /// Runs `f` on this node's keyspace as it is, without the read gate:
    /// for introspection (INFO) and the leader's own background tasks.
    pub fn read_local<R>(&self, f: impl FnOnce(&Keyspace, u64) -> R) -> R {
        let ks = self.engine.keyspace().read();
        let now = ks.read_clock(self.engine.clock().now_ms());
        f(&ks, now)
    }

    /// Applies a batch as one entry and returns its replies.
    pub async fn write(&self, batch: Batch) -> Result<BatchResponse, EngineError> {
        let origin = batch.waiter.as_ref().map(|w| (NODE_ID, w.ticket));
        let client_batch = ClientBatch {
            resp3: batch.resp3,
            ops: batch.ops,
            origin,
        };
        if let Some(waiter) = batch.waiter {
            self.hooks.waiters.lock().insert(waiter.ticket, waiter);
        }
        let response = self.engine.write(client_batch).await;
        if let Some((_, ticket)) = origin {
            self.hooks.waiters.lock().remove(&ticket);
        }
        response
    }

    /// Logs the purge of this node's earlier WATCH sessions: their
    /// connections died with the process that held them.
    async fn purge_earlier_sessions(&self) -> Result<(), ReplicationError> {
        let batch = Batch {
            ops: vec![Op::PurgeSessions {
                node: NODE_ID as u16,
                keep_incarnation: self.incarnation,
            }],
            resp3: false,
            waiter: None,
        };
        self.write(batch)
            .await
            .map(drop)
            .map_err(|e| ReplicationError::Raft(format!("cannot purge old WATCH sessions: {e}")))
    }

    /// Stops the write path; acknowledged writes are durable.
    pub async fn shutdown(&self) {
        if let Err(e) = self.engine.shutdown().await {
            tracing::error!(error = %e, "error while stopping the log");
        }
    }
}

/// A random incarnation that none of this node's recovered WATCH sessions
/// has, so the purge at start-up drops all of them.
fn new_incarnation(engine: &dyn Engine) -> u16 {
    let taken = engine
        .keyspace()
        .read()
        .session_incarnations(NODE_ID as u16);
    loop {
        let candidate = rand::random();
        if taken.binary_search(&candidate).is_err() {
            return candidate;
        }
    }
}

fn group_config(config: &Config, vfs: Arc<dyn Vfs>) -> GroupConfig {
    GroupConfig {
        dir: config.dir.clone(),
        vfs,
        durability: storage_durability(config.durability),
        segment_size: config.log_segment_bytes,
        databases: config.databases,
        snapshot_entries: config.snapshot_entries,
        snapshot_bytes: config.snapshot_bytes,
    }
}

/// The log's durability for a configured one.
pub fn storage_durability(durability: Durability) -> storage::Durability {
    match durability {
        Durability::Fsync => storage::Durability::Fsync,
        Durability::Os => storage::Durability::Os,
        Durability::Memory => storage::Durability::Memory,
    }
}

/// Reacts to applied requests for the clients of this node.
struct Hooks {
    blocking: Arc<Blocking>,
    /// Waiters of in-flight batches proposed by this node, by ticket.
    waiters: Mutex<HashMap<u64, Waiter>>,
    /// Where messages published by scripts go: this node's subscribers
    /// (every node delivers the messages of every applied entry, as Redis
    /// replicas deliver a replicated PUBLISH).
    subscribers: OnceLock<Weak<Shared>>,
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
        let shared = self.subscribers.get().and_then(Weak::upgrade);
        for (channel, message) in response.outcomes.iter().flat_map(|o| &o.published) {
            if let Some(shared) = &shared {
                shared.publish(channel, message);
            }
        }
    }
}

/// The RESP error for an engine error: the one place engine errors become
/// replies.
///
/// `TRYAGAIN` says the request certainly did not run (retry, here or on
/// the leader); `UNKNOWN` that a write may or may not have been applied
/// (invariant 2: never a false "not done").
///
/// SAVE and BGSAVE answer with Redis's texts: a save while one runs is
/// refused with "Background save already in progress", and a failed SAVE
/// answers a bare `-ERR` (the reason is in the log and in INFO
/// persistence's `snapshot_last_error`).
pub fn engine_error(error: &EngineError) -> keyspace::CmdError {
    let code = match error {
        EngineError::NotLeader { .. } | EngineError::Stopped(_) => "TRYAGAIN",
        EngineError::Unknown(_) => "UNKNOWN",
        EngineError::Unsupported(_) => "ERR",
        EngineError::SnapshotInProgress => {
            return keyspace::CmdError::err("Background save already in progress")
        }
        EngineError::Snapshot(_) => return keyspace::CmdError::Other("ERR".into()),
    };
    keyspace::CmdError::Other(format!("{code} {error}"))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use storage::{CrashMode, CrashVfs};

    use super::*;

    fn durable_config() -> Config {
        Config {
            dir: Path::new("/data").to_path_buf(),
            durability: Durability::Fsync,
            ..Config::default()
        }
    }

    async fn open(vfs: Arc<dyn Vfs>) -> Store {
        Store::open(&durable_config(), vfs, Arc::new(Blocking::default()))
            .await
            .expect("store opens")
    }

    /// A node that crashed with clients watching keys starts without their
    /// sessions: the restarted store logs their purge.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sessions_of_a_crashed_run_are_purged_at_start() {
        let crash = CrashVfs::new();
        let first = open(crash.shared()).await;
        let watch = Batch {
            ops: vec![Op::Watch {
                session: first.session_id(7),
                keys: vec![(0, "k".into())],
            }],
            resp3: false,
            waiter: None,
        };
        first.write(watch).await.expect("WATCH is logged");
        assert_eq!(first.read_local(|ks, _| ks.watch_sessions()), 1);
        // Power loss now: the WATCH is durable, its connection is gone.
        let image = crash.crash_image(crash.sync_points(), CrashMode::LoseUnsynced);
        let second = open(Arc::new(image)).await;
        assert_eq!(second.read_local(|ks, _| ks.watch_sessions()), 0);
        second.shutdown().await;
        first.shutdown().await;
    }

    /// SAVE and BGSAVE failures answer with Redis's texts.
    #[test]
    fn snapshot_errors_have_redis_texts() {
        assert_eq!(
            engine_error(&EngineError::SnapshotInProgress).to_string(),
            "ERR Background save already in progress"
        );
        assert_eq!(
            engine_error(&EngineError::Snapshot(Arc::from("disk full"))).to_string(),
            "ERR"
        );
    }
}
