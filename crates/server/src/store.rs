//! The keyspace and its write path.
//!
//! Reads run on a shared reference under a read lock. Writes are batches of
//! [`Op`]s: each batch is one log entry, stamped with the leader's clock and
//! a seed, applied in order. To ensure blocked clients are never forgotten,
//! a batch whose last command blocks registers its waiter *while the
//! keyspace is still locked*, and keys made ready by a batch wake waiters
//! before the next batch is applied: wake-ups come from applied writes, not
//! from the connection that wrote.

use std::sync::Arc;

use keyspace::{ApplyOutcome, Keyspace, Op};
use parking_lot::RwLock;
use resp::Reply;

use crate::blocking::{Blocking, Waiter};
use crate::clock;

/// A batch of operations from one connection (one log entry).
#[derive(Debug)]
pub struct Batch {
    pub ops: Vec<Op>,
    /// Protocol of the client the replies are for.
    pub resp3: bool,
    /// Registered if the last op blocks.
    pub waiter: Option<Waiter>,
}

/// The replies of an applied batch, concatenated, and what each op produced.
#[derive(Debug)]
pub struct Applied {
    pub reply: Reply,
    /// End offset in `reply` of each op's reply.
    pub ends: Vec<usize>,
    pub outcomes: Vec<ApplyOutcome>,
}

/// The state machine and its write path.
pub struct Store {
    keyspace: RwLock<Keyspace>,
    blocking: Arc<Blocking>,
}

impl Store {
    /// An empty store with `databases` databases.
    pub fn new(databases: usize, blocking: Arc<Blocking>) -> Store {
        Store {
            keyspace: RwLock::new(Keyspace::new(databases)),
            blocking,
        }
    }

    /// Runs `f` on the keyspace with the clock reads must use.
    pub fn read<R>(&self, f: impl FnOnce(&Keyspace, u64) -> R) -> R {
        let ks = self.keyspace.read();
        let now = ks.read_clock(clock::now_ms());
        f(&ks, now)
    }

    /// Applies a batch as one entry and returns its replies.
    pub async fn write(&self, batch: Batch) -> Applied {
        self.apply(batch)
    }

    fn apply(&self, batch: Batch) -> Applied {
        let seed = rand::random::<u64>();
        let mut reply = Reply::new(batch.resp3);
        let mut ks = self.keyspace.write();
        ks.set_ready_tracking(true);
        let now = clock::now_ms();
        let mut ends = Vec::with_capacity(batch.ops.len());
        let mut outcomes = Vec::with_capacity(batch.ops.len());
        for (i, op) in batch.ops.iter().enumerate() {
            outcomes.push(ks.apply(op, now, seed.wrapping_add(i as u64), &mut reply));
            ends.push(reply.len());
        }
        match (
            batch.waiter,
            outcomes.last().and_then(|o| o.blocked.as_ref()),
        ) {
            (Some(waiter), Some(block)) => self.blocking.register(waiter, &block.keys),
            (Some(waiter), None) => self.blocking.served(waiter.ticket),
            (None, _) => {}
        }
        let ready = ks.take_ready();
        if !ready.is_empty() {
            self.blocking.signal(&ready);
        }
        Applied {
            reply,
            ends,
            outcomes,
        }
    }
}
