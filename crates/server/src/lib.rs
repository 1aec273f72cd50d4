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
mod listener;
mod pubsub;
mod shared;
mod slowlog;
mod stats;
mod store;

use std::net::SocketAddr;
use std::sync::Arc;

pub use config::{Config, ConfigError, Durability};
pub use listener::ServerError;

use shared::Shared;

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

    /// Resolves once shutdown was requested (SHUTDOWN from a client, or
    /// [`ServerHandle::trigger_shutdown`]); then call
    /// [`ServerHandle::shutdown`] to wait for the tasks.
    pub async fn stopped(&self) {
        let mut signal = self.shared.shutdown_signal();
        while !*signal.borrow_and_update() {
            if signal.changed().await.is_err() {
                return;
            }
        }
    }

    /// Asks the server to stop without waiting.
    pub fn trigger_shutdown(&self) {
        self.shared.begin_shutdown();
    }
}

/// Starts a server for `config` and returns once it is listening.
pub async fn start(config: Config) -> Result<ServerHandle, ServerError> {
    config.validate()?;
    let blocking = Arc::new(blocking::Blocking::default());
    let store = store::Store::open(&config, blocking.clone()).await?;
    let shared = Shared::new(config.clone(), store, blocking);
    let (listeners, addrs) = listener::bind(&config).await?;
    // With port 0 the configuration reports the port actually bound.
    shared.config.write().port = addrs[0].port();
    let mut tasks = tokio::task::JoinSet::new();
    for l in listeners {
        tasks.spawn(listener::accept_loop(shared.clone(), l));
    }
    tasks.spawn(expire::active_expiry(shared.clone()));
    for addr in &addrs {
        tracing::info!(%addr, "keel is ready to accept connections");
    }
    Ok(ServerHandle {
        shared,
        addrs,
        tasks,
    })
}
