//! The execution context of one command.

use bytes::Bytes;
use rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use resp::Reply;

use crate::Blob;

/// A blocking command that found nothing to pop asks to wait on these keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockRequest {
    /// `(db, key)` pairs whose readiness should retry the command.
    pub keys: Vec<(usize, Blob)>,
    /// How long to wait in milliseconds; 0 waits forever.
    pub timeout_ms: u64,
    /// What the server sends if the timeout passes first.
    pub timeout_reply: TimeoutReply,
}

/// The reply the server sends to a blocked client whose timeout passed.
///
/// Redis 7.0 answers every blocking keyspace command that times out (BLPOP,
/// BRPOP, BLMPOP, BLMOVE, BRPOPLPUSH, BZPOPMIN, BZPOPMAX, BZMPOP, XREAD,
/// XREADGROUP) with the null array, so [`Ctx::block`] uses
/// [`TimeoutReply::NullArray`]; a command that needs another reply calls
/// [`Ctx::block_with`]. (What a blocking command replies inside MULTI,
/// where it cannot block, is the command's own business: it writes that
/// reply itself.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutReply {
    /// `*-1` in RESP2, `_` in RESP3.
    NullArray,
    /// `$-1` in RESP2, `_` in RESP3.
    NullBulk,
}

impl TimeoutReply {
    /// Writes the reply for the client's protocol.
    pub fn write(self, out: &mut Reply) {
        match self {
            TimeoutReply::NullArray => out.null_array(),
            TimeoutReply::NullBulk => out.null(),
        }
    }
}

/// Everything a command may depend on besides the keyspace and its
/// arguments. To ensure deterministic apply, this is the only source of time
/// and randomness: `now_ms` and the seed come from the log entry.
#[derive(Debug)]
pub struct Ctx {
    /// The selected database.
    pub db: usize,
    /// The entry's clock, Unix milliseconds.
    pub now_ms: u64,
    /// Inside MULTI/EXEC or a script: blocking commands must not block.
    pub no_block: bool,
    /// Inside a script: commands whose reply would depend on hash order
    /// (`SORT ... BY nosort` on a set) order it, as Redis does for scripts.
    pub in_script: bool,
    rng: Xoshiro256PlusPlus,
    blocked: Option<BlockRequest>,
    /// Keys changed by the command (only collected while someone watches or
    /// tracks keys).
    modified: Option<Vec<(usize, Blob)>>,
    /// Keys that received elements blocked clients may be waiting for.
    ready: Option<Vec<(usize, Blob)>>,
    /// Messages scripts published, `(channel, message)`, for the server to
    /// deliver once the command is applied.
    published: Vec<(Bytes, Bytes)>,
}

impl Ctx {
    /// A context for database `db` at `now_ms`, with randomness seeded by
    /// `seed`.
    pub fn new(db: usize, now_ms: u64, seed: u64) -> Ctx {
        Ctx {
            db,
            now_ms,
            no_block: false,
            in_script: false,
            rng: Xoshiro256PlusPlus::seed_from_u64(seed),
            blocked: None,
            modified: None,
            ready: None,
            published: Vec::new(),
        }
    }

    /// The deterministic random generator.
    pub fn rng(&mut self) -> &mut impl RngCore {
        &mut self.rng
    }

    /// A seed drawn from the deterministic generator (for a script's
    /// `math.random`).
    pub fn rng_seed(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// A random integer in `0..n` (`n > 0`).
    pub fn random_below(&mut self, n: usize) -> usize {
        (self.rng.next_u64() % n.max(1) as u64) as usize
    }

    /// Called by a blocking command that found nothing: the server parks the
    /// client until one of `keys` is signalled ready or the timeout passes,
    /// then runs the command again. The command must not write a reply.
    /// On timeout the server replies with the null array
    /// ([`TimeoutReply::NullArray`]).
    pub fn block(&mut self, keys: Vec<(usize, Blob)>, timeout_ms: u64) {
        self.block_with(keys, timeout_ms, TimeoutReply::NullArray);
    }

    /// Like [`Ctx::block`], with the reply to send on timeout.
    pub fn block_with(
        &mut self,
        keys: Vec<(usize, Blob)>,
        timeout_ms: u64,
        timeout_reply: TimeoutReply,
    ) {
        self.blocked = Some(BlockRequest {
            keys,
            timeout_ms,
            timeout_reply,
        });
    }

    /// The block request of the last command, if it asked to block.
    pub fn take_block(&mut self) -> Option<BlockRequest> {
        self.blocked.take()
    }

    /// Records that `key` in `db` was modified (Redis's
    /// `signalModifiedKey`): invalidates WATCH and client-side caches.
    /// To ensure WATCH stays correct, every command that changes a key calls
    /// this — and only when it really changed something.
    pub fn modified(&mut self, db: usize, key: &[u8]) {
        if let Some(list) = self.modified.as_mut() {
            list.push((db, Blob::from_slice(key)));
        }
    }

    /// Records that `key` in `db` received elements (list push, zset add):
    /// clients blocked on it get a chance to retry.
    pub fn ready(&mut self, db: usize, key: &[u8]) {
        if let Some(list) = self.ready.as_mut() {
            list.push((db, Blob::from_slice(key)));
        }
    }

    /// Records a message a script published (PUBLISH from a script): the
    /// server delivers it after the apply, so apply stays free of I/O.
    pub fn publish(&mut self, channel: Bytes, message: Bytes) {
        self.published.push((channel, message));
    }

    /// The messages published by the command, in order.
    pub fn take_published(&mut self) -> Vec<(Bytes, Bytes)> {
        std::mem::take(&mut self.published)
    }

    pub(crate) fn track(&mut self, modified: bool, ready: bool) {
        self.modified = modified.then(Vec::new);
        self.ready = ready.then(Vec::new);
    }

    pub(crate) fn take_modified(&mut self) -> Vec<(usize, Blob)> {
        self.modified
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    pub(crate) fn take_ready(&mut self) -> Vec<(usize, Blob)> {
        self.ready.as_mut().map(std::mem::take).unwrap_or_default()
    }
}
