//! keel's network server.
//!
//! [`start`] binds the configured addresses and serves Redis clients: one
//! tokio task per connection, pipelined commands executed as a batch with
//! one flush, consecutive writes sent to the log as one entry, reads served
//! from the keyspace under a shared lock. The server also runs pub/sub,
//! blocked clients, MULTI/EXEC with WATCH, and the administration commands
//! (CLIENT, CONFIG, INFO, COMMAND, SLOWLOG, SHUTDOWN).

mod blocking;
mod client;
mod clock;
mod cmd_admin;
mod cmd_client;
mod cmd_command;
mod cmd_config;
mod cmd_conn;
mod cmd_info;
mod cmd_pubsub;
mod cmd_tx;
pub mod config;
mod connection;
mod dispatch;
mod expire;
#[cfg(feature = "fault-injection")]
mod fault;
mod listener;
mod params;
mod pubsub;
mod registry;
mod rewrite;
mod shared;
mod slowlog;
mod stats;
mod store;

use std::net::SocketAddr;
use std::sync::Arc;

pub use config::{keyspace_events, Config, ConfigError, Durability, MaxmemoryPolicy};
pub use listener::ServerError;
pub use replication::{Engine, EngineError};
pub use storage::{StdVfs, Vfs};

use shared::Shared;

/// Why a server stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// SHUTDOWN, a signal, or [`ServerHandle::trigger_shutdown`].
    Requested,
    /// Fail-stop after a fatal storage or consensus failure (invariant 6):
    /// the cause. Nothing more was written; the data directory is
    /// consistent for a restart.
    Failed(String),
}

/// A running server.
pub struct ServerHandle {
    shared: Arc<Shared>,
    addrs: Vec<SocketAddr>,
    tasks: tokio::task::JoinSet<()>,
}

impl ServerHandle {
    /// The first address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addrs[0]
    }

    /// Every address the server listens on.
    pub fn addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// Stops accepting, disconnects clients, waits for every task and
    /// closes the log (everything acknowledged is durable).
    pub async fn shutdown(mut self) {
        self.shared.begin_shutdown();
        while self.tasks.join_next().await.is_some() {}
        self.shared.store.shutdown().await;
    }

    /// Resolves once the server must stop: shutdown was requested
    /// (SHUTDOWN from a client, or [`ServerHandle::trigger_shutdown`]), or
    /// the engine failed fatally ([`Stop::Failed`]: the process should exit
    /// with an error). Then call [`ServerHandle::shutdown`] to wait for the
    /// tasks.
    pub async fn stopped(&self) -> Stop {
        let mut signal = self.shared.shutdown_signal();
        while !*signal.borrow_and_update() {
            if signal.changed().await.is_err() {
                break;
            }
        }
        match self.shared.failure() {
            Some(cause) => Stop::Failed(cause),
            None => Stop::Requested,
        }
    }

    /// Asks the server to stop without waiting.
    pub fn trigger_shutdown(&self) {
        self.shared.begin_shutdown();
    }
}

/// Starts a server for `config` and returns once it is listening.
pub async fn start(config: Config) -> Result<ServerHandle, ServerError> {
    start_on(config, storage::StdVfs::shared()).await
}

/// Starts a server whose data directory lives on `vfs` (tests inject
/// failures and crashes through it).
pub async fn start_on(config: Config, vfs: Arc<dyn Vfs>) -> Result<ServerHandle, ServerError> {
    config.validate()?;
    let blocking = Arc::new(blocking::Blocking::default());
    let store = store::Store::open(&config, vfs, blocking.clone()).await?;
    let shared = Shared::new(config.clone(), store, blocking);
    shared.store.deliver_publishes_to(&shared);
    let (listeners, addrs) = listener::bind(&config).await?;
    // With port 0 the configuration reports the port actually bound.
    shared.config.write().port = addrs[0].port();
    let mut tasks = tokio::task::JoinSet::new();
    for l in listeners {
        tasks.spawn(listener::accept_loop(shared.clone(), l));
    }
    tasks.spawn(expire::active_expiry(shared.clone()));
    tasks.spawn(fail_stop(shared.clone()));
    for addr in &addrs {
        tracing::info!(%addr, "keel is ready to accept connections");
    }
    Ok(ServerHandle {
        shared,
        addrs,
        tasks,
    })
}

/// Fail-stop: once the engine fails fatally, the node stops serving
/// (reads included, so a supervisor notices) and reports the cause.
async fn fail_stop(shared: Arc<Shared>) {
    let failed = shared.store.engine().failed();
    tokio::select! {
        cause = failed => {
            tracing::error!(cause = %cause, "fatal failure: stopping");
            shared.fail(cause.to_string());
        }
        _ = shared.shutting_down() => {}
    }
}
