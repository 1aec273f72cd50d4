//! Proposal batching: the client batches of many connections become one
//! log entry, one append and one fsync.
//!
//! One entry is in flight at a time: every batch that arrives while an
//! entry is being made durable and applied goes into the next one.
//! (openraft 0.9 appends one entry at a time anyway; measured, fewer and
//! larger entries beat overlapping a second, smaller one.) With durability
//! `fsync` the next entry also waits up to [`GATHER_WAIT`] for as many
//! batches as there were writers around the last one.
//!
//! The proposer is a thread of its own rather than a task: it parks on
//! its queue with a microsecond deadline (tokio's timers tick in
//! milliseconds) and costs nothing while it waits.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use openraft::error::{ClientWriteError, RaftError};
use openraft::raft::ClientWriteResponse;
use storage::{Durability, GroupCommit};
use tokio::sync::{oneshot, watch};

use crate::engine::LeaderClock;
use crate::error::{EngineError, Leader};
use crate::types::{BatchResponse, ClientBatch, Node, NodeId, Raft, Request, TypeConfig};

/// Most ops gathered into one log entry.
const MAX_OPS_PER_ENTRY: usize = 8192;

/// With durability `fsync`, how long the proposer waits for the clients it
/// just answered to send their next writes, so they share the next fsync
/// (a commit delay, like PostgreSQL's `commit_delay`). Measured with 50
/// clients at pipeline 1: entries of ~50 writes instead of ~20, 10-20 %
/// more writes per second and less CPU per write; a lone client never
/// waits.
const GATHER_WAIT: Duration = Duration::from_micros(500);

/// Where the response of a client batch goes.
pub(crate) type Reply = oneshot::Sender<Result<BatchResponse, EngineError>>;

/// A client batch waiting to be proposed, and where its response goes.
pub(crate) struct Pending {
    pub batch: ClientBatch,
    pub reply: Reply,
}

/// What the proposer needs from its group.
pub(crate) struct Proposer {
    pub raft: Raft,
    pub wal: Arc<GroupCommit>,
    pub clock: Arc<LeaderClock>,
    /// Set once the group failed fatally.
    pub failure: watch::Receiver<Option<Arc<str>>>,
    pub runtime: tokio::runtime::Handle,
}

impl Proposer {
    /// Starts the proposer thread; it stops when every sender is dropped.
    pub fn spawn(self) -> std::io::Result<Sender<Pending>> {
        let (sender, queue) = crossbeam_channel::unbounded();
        std::thread::Builder::new()
            .name("keel-proposer".into())
            .spawn(move || self.run(queue))?;
        Ok(sender)
    }

    fn run(self, queue: Receiver<Pending>) {
        // Batches answered with the last entry plus those queued meanwhile:
        // the clients expected to write again soon.
        let mut writers = 1;
        while let Ok(first) = queue.recv() {
            let mut entry = Gathered::new(first);
            entry.take_queued(&queue);
            if self.wal.durability() == Durability::Fsync {
                entry.wait_for(writers, &queue);
            }
            let answered = entry.pending.len();
            self.propose(entry.pending);
            writers = answered + queue.len();
        }
    }

    /// Proposes one entry and answers its batches.
    fn propose(&self, pending: Vec<Pending>) {
        let (batches, replies): (Vec<_>, Vec<_>) =
            pending.into_iter().map(|p| (p.batch, p.reply)).unzip();
        // A group that already failed never sees the entry: a definite
        // error. One that fails while the entry is in flight leaves its
        // outcome unknown.
        if let Some(cause) = self.failure.borrow().clone() {
            return answer_all(replies, EngineError::Stopped(cause));
        }
        let request = Request::stamped(&self.clock, batches);
        match self.runtime.block_on(self.raft.client_write(request)) {
            Ok(response) => answer(response, replies),
            Err(e) => answer_all(replies, write_error(e)),
        }
    }
}

/// Client batches gathered for the next log entry.
struct Gathered {
    pending: Vec<Pending>,
    ops: usize,
}

impl Gathered {
    fn new(first: Pending) -> Gathered {
        Gathered {
            ops: first.batch.ops.len(),
            pending: vec![first],
        }
    }

    fn is_full(&self) -> bool {
        self.ops >= MAX_OPS_PER_ENTRY
    }

    fn push(&mut self, next: Pending) {
        self.ops += next.batch.ops.len();
        self.pending.push(next);
    }

    /// Takes the batches already queued, up to [`MAX_OPS_PER_ENTRY`] ops.
    fn take_queued(&mut self, queue: &Receiver<Pending>) {
        while !self.is_full() {
            let Ok(next) = queue.try_recv() else { break };
            self.push(next);
        }
    }

    /// Waits up to [`GATHER_WAIT`] until `batches` batches are gathered,
    /// parked on the queue (no spinning).
    fn wait_for(&mut self, batches: usize, queue: &Receiver<Pending>) {
        let deadline = Instant::now() + GATHER_WAIT;
        while self.pending.len() < batches && !self.is_full() {
            match queue.recv_deadline(deadline) {
                Ok(next) => {
                    self.push(next);
                    self.take_queued(queue);
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return,
            }
        }
    }
}

/// Hands each client batch its own response.
fn answer(response: ClientWriteResponse<TypeConfig>, replies: Vec<Reply>) {
    for (reply, batch) in replies.into_iter().zip(response.data.batches) {
        let _ = reply.send(Ok(batch));
    }
}

/// Hands every client batch the entry's error.
pub(crate) fn answer_all(replies: Vec<Reply>, error: EngineError) {
    for reply in replies {
        let _ = reply.send(Err(error.clone()));
    }
}

/// openraft's error for a proposed entry, typed for the server.
fn write_error(e: RaftError<NodeId, ClientWriteError<NodeId, Node>>) -> EngineError {
    match e {
        RaftError::APIError(ClientWriteError::ForwardToLeader(f)) => EngineError::NotLeader {
            leader: f.leader_id.map(|id| Leader {
                id,
                addr: f.leader_node.map(|n| n.addr).filter(|a| !a.is_empty()),
            }),
        },
        // Membership changes are not client writes: not proposed.
        RaftError::APIError(e @ ClientWriteError::ChangeMembershipError(_)) => {
            EngineError::Stopped(e.to_string().into())
        }
        // The core stopped while the entry was in flight.
        RaftError::Fatal(e) => EngineError::Unknown(e.to_string().into()),
    }
}
