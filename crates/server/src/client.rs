//! What the server knows about each connected client, shared between the
//! client's own task and everything that inspects or signals it (CLIENT
//! LIST/KILL, PUBLISH, INFO).

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use parking_lot::Mutex;
use tokio::sync::Notify;

use crate::clock;
use crate::config::BufferLimit;

/// A signal for a client's task.
#[derive(Debug)]
pub enum Control {
    /// Out-of-band data to write (pub/sub messages).
    Push(Bytes),
    /// Close the connection (CLIENT KILL, output limit, shutdown).
    Kill,
    /// CLIENT UNBLOCK: stop waiting; with `error`, reply -UNBLOCKED.
    Unblock { error: bool },
}

/// Connection details that change as the client works.
#[derive(Debug, Clone, Default)]
pub struct ClientState {
    pub name: Option<Bytes>,
    pub db: usize,
    pub subscriptions: usize,
    pub patterns: usize,
    /// Commands queued in MULTI, or `None` outside MULTI.
    pub multi: Option<usize>,
    /// Memory of the commands queued in MULTI.
    pub multi_mem: usize,
    pub blocked: bool,
    pub last_command: &'static str,
    pub last_interaction_ms: u64,
    pub query_buffer: usize,
    pub no_evict: bool,
}

/// One connected client.
#[derive(Debug)]
pub struct ClientInfo {
    pub id: u64,
    pub addr: String,
    pub laddr: String,
    pub created: Instant,
    /// Signals for the client's task (a queue without preallocated
    /// capacity: idle connections cost little).
    outbox: Mutex<VecDeque<Control>>,
    wake: Notify,
    resp3: AtomicBool,
    /// Bytes handed to the client's task and not yet written to its socket.
    pending: AtomicU64,
    /// When pending output went over the soft limit (ms), 0 if it is not.
    over_soft_since: AtomicU64,
    killed: AtomicBool,
    pub state: Mutex<ClientState>,
}

impl ClientInfo {
    /// Whether the client speaks RESP3.
    pub fn resp3(&self) -> bool {
        self.resp3.load(Ordering::Relaxed)
    }

    /// Records the protocol the client negotiated.
    pub fn set_resp3(&self, resp3: bool) {
        self.resp3.store(resp3, Ordering::Relaxed);
    }

    /// Queues out-of-band bytes for the client, enforcing its pub/sub
    /// output limit: a client over the hard limit, or over the soft limit
    /// for too long, is disconnected instead.
    pub fn deliver(&self, bytes: Bytes, limit: &BufferLimit) {
        if self.killed.load(Ordering::Relaxed) {
            return;
        }
        let pending = self
            .pending
            .fetch_add(bytes.len() as u64, Ordering::Relaxed)
            + bytes.len() as u64;
        if self.over_limit(pending, limit) {
            self.kill();
            return;
        }
        self.signal(Control::Push(bytes));
    }

    fn over_limit(&self, pending: u64, limit: &BufferLimit) -> bool {
        if limit.hard > 0 && pending > limit.hard {
            return true;
        }
        if limit.soft == 0 || pending <= limit.soft {
            self.over_soft_since.store(0, Ordering::Relaxed);
            return false;
        }
        let now = clock::now_ms();
        let since = match self.over_soft_since.compare_exchange(
            0,
            now,
            Ordering::Relaxed,
            Ordering::Relaxed,
        ) {
            Ok(_) => now,
            Err(since) => since,
        };
        now.saturating_sub(since) >= limit.soft_seconds.saturating_mul(1000)
    }

    /// Bytes of out-of-band output the client has not received yet.
    pub fn pending_output(&self) -> u64 {
        self.pending.load(Ordering::Relaxed)
    }

    /// Called by the client's task once pushed bytes are taken for writing.
    pub fn written(&self, n: usize) {
        self.pending.fetch_sub(n as u64, Ordering::Relaxed);
    }

    /// Asks the client's task to close the connection.
    pub fn kill(&self) {
        if !self.killed.swap(true, Ordering::Relaxed) {
            self.signal(Control::Kill);
        }
    }

    /// True once the client was told to close.
    pub fn is_killed(&self) -> bool {
        self.killed.load(Ordering::Relaxed)
    }

    /// Sends a control signal to the client's task.
    pub fn signal(&self, control: Control) {
        self.outbox.lock().push_back(control);
        self.wake.notify_one();
    }

    /// The next signal, waiting for one. Cancel-safe: a signal is only
    /// taken when the future completes.
    pub async fn next_signal(&self) -> Control {
        loop {
            if let Some(control) = self.try_signal() {
                return control;
            }
            self.wake.notified().await;
        }
    }

    /// The next signal if one is queued.
    pub fn try_signal(&self) -> Option<Control> {
        self.outbox.lock().pop_front()
    }

    /// Seconds since the client connected.
    pub fn age_secs(&self) -> u64 {
        self.created.elapsed().as_secs()
    }
}

/// All connected clients.
#[derive(Debug, Default)]
pub struct Clients {
    map: Mutex<BTreeMap<u64, Arc<ClientInfo>>>,
    next_id: AtomicU64,
}

impl Clients {
    /// Registers a new connection.
    pub fn register(&self, addr: String, laddr: String) -> Arc<ClientInfo> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let info = Arc::new(ClientInfo {
            id,
            addr,
            laddr,
            created: Instant::now(),
            outbox: Mutex::new(VecDeque::new()),
            wake: Notify::new(),
            resp3: AtomicBool::new(false),
            pending: AtomicU64::new(0),
            over_soft_since: AtomicU64::new(0),
            killed: AtomicBool::new(false),
            state: Mutex::new(ClientState {
                last_interaction_ms: clock::now_ms(),
                last_command: "NULL",
                ..ClientState::default()
            }),
        });
        self.map.lock().insert(id, info.clone());
        info
    }

    /// Forgets a disconnected client.
    pub fn unregister(&self, id: u64) {
        self.map.lock().remove(&id);
    }

    /// Number of connected clients.
    pub fn len(&self) -> usize {
        self.map.lock().len()
    }

    /// A snapshot of all clients, by id.
    pub fn all(&self) -> Vec<Arc<ClientInfo>> {
        self.map.lock().values().cloned().collect()
    }

    /// The client with this id.
    pub fn get(&self, id: u64) -> Option<Arc<ClientInfo>> {
        self.map.lock().get(&id).cloned()
    }
}
