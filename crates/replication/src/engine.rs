//! The interface between the server and a node's state machine.
//!
//! The server never talks to Raft directly: it writes client batches and
//! gates reads through an [`Engine`]. Two implementations exist:
//!
//! * [`Group`](crate::Group): a Raft group (today a group of one, with a
//!   write-ahead log); writes are acknowledged once committed and applied;
//! * [`LocalEngine`](crate::LocalEngine): `durability = memory` on a single
//!   node, where there is nothing to replicate or persist, so batches are
//!   applied directly.
//!
//! Both stamp entries the same way ([`Request::stamped`]) and apply them
//! with the same [`apply_request`](crate::apply_request), so the server's
//! behaviour does not depend on the engine beyond durability. The sharding
//! work will give a process many engines (one per shard group); nothing
//! here assumes there is only one.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

use keyspace::Keyspace;
use parking_lot::RwLock;
use storage::Durability;
use tokio::sync::oneshot;

use crate::error::{EngineError, ReplicationError};
use crate::group::GroupStats;
use crate::types::{BatchResponse, ClientBatch, Request};

/// Why `durability = memory` cannot be switched on or off while running:
/// a node either keeps a log or it does not.
pub(crate) const MEMORY_IS_FIXED: &str =
    "durability memory cannot be switched on or off while running; restart with the new setting";

/// A boxed future, for the rare engine operations that wait.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How fresh a read must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consistency {
    /// Sees every write acknowledged before the read began (the default,
    /// invariant 4).
    Linearizable,
    /// Served from this node's applied state, which may lag the leader
    /// (a connection that sent `READONLY`).
    Stale,
}

/// Whether a read may run on the local keyspace now.
pub enum ReadGate<'a> {
    /// Yes: read now.
    Open,
    /// Once this resolves successfully (e.g. a read-index round).
    Wait(BoxFuture<'a, Result<(), EngineError>>),
    /// No: answer the client with this error.
    Closed(EngineError),
}

/// A node's state machine as the server uses it.
///
/// To ensure correctness an implementation must:
/// * acknowledge a write (resolve [`Engine::write`] with `Ok`) only once its
///   entry is durable per the durability mode and applied (invariant 2);
/// * resolve it with [`EngineError::Unknown`] when the write may or may
///   not have been applied, and with another error only when it certainly
///   was not;
/// * stamp every entry with [`Request::stamped`] using [`Engine::clock`],
///   the clock reads are judged with, so time never runs backwards between
///   a read and a later write;
/// * apply entries with [`crate::apply_request`], telling its observer
///   while the keyspace is still locked;
/// * open the [`ReadGate`] for a linearizable read only when the local
///   keyspace reflects every write acknowledged before the call.
pub trait Engine: Send + Sync {
    /// The keyspace entries are applied to; reads take its read lock.
    fn keyspace(&self) -> &Arc<RwLock<Keyspace>>;

    /// The leader's clock (reads and entry stamps).
    fn clock(&self) -> &LeaderClock;

    /// Proposes a client batch; resolves with its replies once committed
    /// and applied.
    fn write(&self, batch: ClientBatch) -> WriteHandle;

    /// Whether a read with `consistency` may run now.
    fn read_gate(&self, consistency: Consistency) -> ReadGate<'_>;

    /// True if this node proposes the writes of its own background tasks
    /// (active expiry, eviction): only the leader does (invariant 3).
    fn is_leader(&self) -> bool;

    /// The durability acknowledged writes get, as the log applies it now.
    fn durability(&self) -> Durability;

    /// Switches durability while running, where the engine allows it.
    fn set_durability(&self, durability: Durability) -> Result<(), EngineError>;

    /// Takes a snapshot now and waits until it is written (SAVE).
    fn snapshot(&self) -> BoxFuture<'_, Result<(), EngineError>>;

    /// Starts a snapshot in the background (BGSAVE).
    fn snapshot_in_background(&self) -> BoxFuture<'_, Result<(), EngineError>>;

    /// Log and snapshot figures (None without a log).
    fn log_stats(&self) -> Option<GroupStats>;

    /// Unix seconds of the last completed snapshot, or of start-up
    /// (LASTSAVE).
    fn last_save_unix(&self) -> u64;

    /// Resolves with the cause if the engine fails fatally (a storage or
    /// consensus failure); never resolves otherwise. The node must then
    /// fail-stop.
    fn failed(&self) -> BoxFuture<'static, Arc<str>>;

    /// Stops accepting writes; everything acknowledged is durable.
    fn shutdown(&self) -> BoxFuture<'_, Result<(), ReplicationError>>;
}

/// The response of a write: ready at once (applied directly) or after the
/// entry commits.
pub struct WriteHandle(WriteState);

enum WriteState {
    Ready(Option<Result<BatchResponse, EngineError>>),
    Proposed(oneshot::Receiver<Result<BatchResponse, EngineError>>),
}

impl WriteHandle {
    /// A response that is already known.
    pub fn ready(result: Result<BatchResponse, EngineError>) -> WriteHandle {
        WriteHandle(WriteState::Ready(Some(result)))
    }

    /// A response that arrives on `receiver`; if its sender is dropped
    /// unanswered the outcome is unknown.
    pub fn proposed(
        receiver: oneshot::Receiver<Result<BatchResponse, EngineError>>,
    ) -> WriteHandle {
        WriteHandle(WriteState::Proposed(receiver))
    }
}

impl Future for WriteHandle {
    type Output = Result<BatchResponse, EngineError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.0 {
            WriteState::Ready(result) => Poll::Ready(result.take().unwrap_or_else(|| {
                Err(EngineError::Unknown(
                    "the response was already taken".into(),
                ))
            })),
            WriteState::Proposed(receiver) => Pin::new(receiver).poll(cx).map(|r| {
                r.unwrap_or_else(|_| Err(EngineError::Unknown("the proposer stopped".into())))
            }),
        }
    }
}

/// The clock the leader stamps entries and judges reads with.
///
/// To ensure a key a client saw expired stays expired (invariant 3), the
/// clock never goes backwards, even when the wall clock steps back: every
/// reading is at least every earlier reading, whether a read or an entry
/// stamp took it. (The keyspace also never applies an entry "before" the
/// last applied one, see [`Keyspace::read_clock`].)
#[derive(Debug, Default)]
pub struct LeaderClock {
    highest: AtomicU64,
}

impl LeaderClock {
    /// A clock that starts at the wall clock.
    pub fn new() -> LeaderClock {
        LeaderClock::default()
    }

    /// Unix milliseconds: the wall clock, or the highest earlier reading
    /// if the wall clock is behind it.
    pub fn now_ms(&self) -> u64 {
        self.at(wall_ms())
    }

    /// The reading for wall-clock time `wall` (separate for tests).
    pub fn at(&self, wall: u64) -> u64 {
        // Most readings fall in a millisecond already recorded: a load
        // suffices, and the shared cache line is not written.
        let seen = self.highest.load(Ordering::Acquire);
        if wall <= seen {
            return seen;
        }
        self.highest.fetch_max(wall, Ordering::AcqRel).max(wall)
    }
}

impl Request {
    /// The log entry for `batches`, stamped with the leader's clock and a
    /// fresh seed.
    ///
    /// To ensure deterministic apply (invariant 1) this is the only place
    /// entries get their time and randomness: every replica applies with
    /// these values.
    pub fn stamped(clock: &LeaderClock, batches: Vec<ClientBatch>) -> Request {
        Request {
            now_ms: clock.now_ms(),
            seed: rand::random(),
            batches,
        }
    }
}

/// The system clock in Unix milliseconds.
pub(crate) fn wall_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_never_goes_back() {
        let clock = LeaderClock::new();
        assert_eq!(clock.at(1_000), 1_000);
        assert_eq!(clock.at(2_000), 2_000);
        // The wall clock stepped back: readings stay at the highest.
        assert_eq!(clock.at(1_500), 2_000);
        assert_eq!(clock.at(2_001), 2_001);
    }

    #[test]
    fn stamps_follow_the_clock_of_reads() {
        let clock = LeaderClock::new();
        let read = clock.at(wall_ms() + 60_000);
        let entry = Request::stamped(&clock, Vec::new());
        assert!(entry.now_ms >= read);
    }
}
