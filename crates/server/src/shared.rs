//! State shared by every connection.

use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Mutex, RwLock};
use tokio::sync::{watch, Notify};

use crate::blocking::Blocking;
use crate::client::Clients;
use crate::config::Config;
use crate::pubsub::Hub;
use crate::slowlog::Slowlog;
use crate::stats::Stats;
use crate::store::Store;

/// Everything connections share.
pub struct Shared {
    pub config: RwLock<Config>,
    pub store: Store,
    pub blocking: Arc<Blocking>,
    pub clients: Clients,
    pub hub: Hub,
    pub stats: Stats,
    pub slowlog: Slowlog,
    pub pause: Pause,
    /// Random 40-hex-digit id of this server run (INFO run_id).
    pub run_id: String,
    shutdown: watch::Sender<bool>,
    /// The cause of a fail-stop, if the engine failed.
    failure: Mutex<Option<String>>,
}

impl Shared {
    /// Builds the shared state for `config` around an opened `store`.
    pub fn new(config: Config, store: Store, blocking: Arc<Blocking>) -> Arc<Shared> {
        let (shutdown, _) = watch::channel(false);
        Arc::new(Shared {
            config: RwLock::new(config),
            store,
            blocking,
            clients: Clients::default(),
            hub: Hub::default(),
            stats: Stats::default(),
            slowlog: Slowlog::default(),
            pause: Pause::default(),
            run_id: (0..40)
                .map(|_| char::from(b"0123456789abcdef"[rand::random_range(0..16)]))
                .collect(),
            shutdown,
            failure: Mutex::new(None),
        })
    }

    /// Delivers a message to this node's subscribers (PUBLISH, and
    /// PUBLISH from scripts once their entry is applied); returns the
    /// number of receivers.
    pub fn publish(&self, channel: &[u8], message: &[u8]) -> usize {
        let receivers = self.hub.publish(
            channel,
            message,
            &self.config.read().client_output_buffer_limit.pubsub,
        );
        self.stats
            .pubsub_messages
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        receivers
    }

    /// Asks the server to stop: listeners close, clients are disconnected.
    ///
    /// To ensure no client is missed, the flag is raised before the sweep
    /// and a connection registered after the sweep checks it
    /// ([`Shared::is_shutting_down`]). Clients are told through their
    /// control queue ([`ClientInfo::kill`](crate::client::ClientInfo::kill)),
    /// so an idle connection waits on that queue alone.
    pub fn begin_shutdown(&self) {
        self.shutdown.send_replace(true);
        for client in self.clients.all() {
            client.kill();
        }
    }

    /// Fail-stop: records the cause and begins shutdown.
    pub fn fail(&self, cause: String) {
        self.failure.lock().get_or_insert(cause);
        self.begin_shutdown();
    }

    /// The cause of a fail-stop, if the server failed.
    pub fn failure(&self) -> Option<String> {
        self.failure.lock().clone()
    }

    /// True once shutdown began.
    pub fn is_shutting_down(&self) -> bool {
        *self.shutdown.borrow()
    }

    /// Resolves once shutdown begins.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// Resolves once shutdown began, including when it began before the
    /// call. (A receiver subscribed after the flag was raised sees it as
    /// already seen: waiting for a *change* would wait forever.)
    pub async fn shutting_down(&self) {
        let mut signal = self.shutdown.subscribe();
        let _ = signal.wait_for(|stopping| *stopping).await;
    }
}

/// CLIENT PAUSE state.
#[derive(Debug, Default)]
pub struct Pause {
    state: Mutex<Option<(Instant, bool)>>,
    resumed: Notify,
}

impl Pause {
    /// Pauses clients until `until`; `all` pauses every command, otherwise
    /// only writes.
    pub fn pause(&self, until: Instant, all: bool) {
        let mut state = self.state.lock();
        // Redis keeps the longer pause and the stricter mode.
        let (until, all) = match *state {
            Some((u, a)) if u > Instant::now() => (u.max(until), a || all),
            _ => (until, all),
        };
        *state = Some((until, all));
    }

    /// Ends the pause.
    pub fn unpause(&self) {
        *self.state.lock() = None;
        self.resumed.notify_waiters();
    }

    /// True if a command (`write` says whether it writes) must wait now.
    pub fn is_paused(&self, write: bool) -> bool {
        matches!(*self.state.lock(), Some((until, all)) if (all || write) && until > Instant::now())
    }

    /// Waits while a pause applies to a command (`write` says whether it
    /// writes).
    pub async fn wait(&self, write: bool) {
        loop {
            let until = match *self.state.lock() {
                Some((until, all)) if (all || write) && until > Instant::now() => until,
                _ => return,
            };
            let resumed = self.resumed.notified();
            let _ = tokio::time::timeout(
                until.saturating_duration_since(Instant::now()) + Duration::from_millis(1),
                resumed,
            )
            .await;
        }
    }
}
