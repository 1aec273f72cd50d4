//! The whole state machine: numbered databases plus replicated bookkeeping.

use bytes::Bytes;
use resp::Reply;

use crate::script::Scripts;
use crate::snapshot::SnapshotRun;
use crate::table::{self, Handler};
use crate::watch::Watches;
use crate::{Blob, BlockRequest, CmdError, Ctx, Db, Op};

/// What applying one [`Op`] produced besides its reply.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApplyOutcome {
    /// A blocking command found nothing: the client waits (no reply was
    /// written).
    pub blocked: Option<BlockRequest>,
    /// For a transaction: the end offset in the reply buffer of each
    /// command's reply, or `None` if WATCH aborted it (nothing written).
    pub transaction: Option<Vec<usize>>,
    /// Messages published by scripts, `(channel, message)`, to deliver to
    /// subscribers now that the op is applied.
    pub published: Vec<(Bytes, Bytes)>,
}

/// The databases and everything else that must be identical on every replica.
///
/// `==` compares the state exactly, including the storage order of keys; a
/// running snapshot's progress is not state and is ignored. See
/// [`Keyspace::logically_equal`] for the comparison that ignores key order.
#[derive(Debug, Clone)]
pub struct Keyspace {
    pub(crate) dbs: Vec<Db>,
    /// Highest clock of any applied entry: reads never run "before" it.
    pub(crate) clock_ms: u64,
    /// Number of operations applied; orders modifications for WATCH.
    pub(crate) seq: u64,
    pub(crate) watches: Watches,
    /// Collect keys that blocked clients may wait for (set by the server;
    /// affects only what is reported, never the state).
    track_ready: bool,
    ready: Vec<(usize, Blob)>,
    /// The running point-in-time snapshot, if any ([`crate::snapshot`]);
    /// each database keeps its own progress.
    pub(crate) snapshot: Option<Box<SnapshotRun>>,
    /// The script cache and the function libraries.
    pub(crate) scripts: Scripts,
}

impl PartialEq for Keyspace {
    fn eq(&self, other: &Keyspace) -> bool {
        self.dbs == other.dbs
            && self.clock_ms == other.clock_ms
            && self.seq == other.seq
            && self.watches == other.watches
            && self.track_ready == other.track_ready
            && self.ready == other.ready
            && self.scripts == other.scripts
    }
}

impl Keyspace {
    /// An empty keyspace with `databases` numbered databases.
    pub fn new(databases: usize) -> Keyspace {
        Keyspace {
            dbs: (0..databases.max(1)).map(|_| Db::new()).collect(),
            clock_ms: 0,
            seq: 0,
            watches: Watches::default(),
            track_ready: false,
            ready: Vec::new(),
            snapshot: None,
            scripts: Scripts::default(),
        }
    }

    /// Number of databases.
    pub fn databases(&self) -> usize {
        self.dbs.len()
    }

    /// Database `index` (callers validate the index; SELECT does).
    pub fn db(&self, index: usize) -> &Db {
        &self.dbs[index.min(self.dbs.len() - 1)]
    }

    /// Database `index`, mutably.
    pub fn db_mut(&mut self, index: usize) -> &mut Db {
        let last = self.dbs.len() - 1;
        &mut self.dbs[index.min(last)]
    }

    /// Checks a client-supplied database index.
    pub fn check_db(&self, index: i64) -> Result<usize, CmdError> {
        usize::try_from(index)
            .ok()
            .filter(|i| *i < self.dbs.len())
            .ok_or(CmdError::DbIndexOutOfRange)
    }

    /// The clock reads should use: the wall clock, but never earlier than
    /// the last applied entry (so a key expired by a write stays expired for
    /// reads even if the wall clock steps back).
    pub fn read_clock(&self, wall_ms: u64) -> u64 {
        wall_ms.max(self.clock_ms)
    }

    /// The clock of the last applied entry.
    pub fn clock_ms(&self) -> u64 {
        self.clock_ms
    }

    /// The script cache and function libraries.
    pub fn scripts(&self) -> &Scripts {
        &self.scripts
    }

    /// Number of WATCH sessions with watched keys.
    pub fn watch_sessions(&self) -> usize {
        self.watches.sessions()
    }

    /// The incarnations of `node` that have WATCH sessions (see
    /// [`crate::SessionId`]).
    pub fn session_incarnations(&self, node: u16) -> Vec<u16> {
        self.watches.incarnations_of(node)
    }

    /// Enables or disables reporting of keys that became ready for blocked
    /// clients ([`Keyspace::take_ready`]).
    pub fn set_ready_tracking(&mut self, on: bool) {
        self.track_ready = on;
        if !on {
            self.ready.clear();
        }
    }

    /// True while keys that became ready are reported (so commands can
    /// skip searching for them otherwise).
    pub fn ready_tracking(&self) -> bool {
        self.track_ready
    }

    /// Keys that received elements since the last call, in order.
    pub fn take_ready(&mut self) -> Vec<(usize, Blob)> {
        std::mem::take(&mut self.ready)
    }

    /// Applies one logged operation with the entry's clock and seed, writing
    /// its reply (if any) to `out`.
    pub fn apply(&mut self, op: &Op, now_ms: u64, seed: u64, out: &mut Reply) -> ApplyOutcome {
        self.seq += 1;
        self.clock_ms = self.clock_ms.max(now_ms);
        let now_ms = self.clock_ms;
        match op {
            Op::Command { db, args, .. } => {
                let mut ctx = self.context(*db, now_ms, seed);
                self.run_command(&mut ctx, args, out);
                ApplyOutcome {
                    blocked: ctx.take_block(),
                    transaction: None,
                    published: ctx.take_published(),
                }
            }
            Op::Transaction {
                session, commands, ..
            } => {
                let mut published = Vec::new();
                let transaction =
                    self.run_transaction(*session, commands, now_ms, seed, out, &mut published);
                ApplyOutcome {
                    blocked: None,
                    transaction,
                    published,
                }
            }
            Op::Watch { session, keys } => {
                for (db, key) in keys {
                    let expire_at = self.db(*db).entry(key, now_ms).and_then(|e| e.expire_at());
                    self.watches
                        .watch(*session, *db, Blob::from_slice(key), self.seq, expire_at);
                }
                ApplyOutcome::default()
            }
            Op::Unwatch { session } => {
                self.watches.unwatch(*session);
                ApplyOutcome::default()
            }
            Op::PurgeSessions {
                node,
                keep_incarnation,
            } => {
                self.watches.purge_node(*node, *keep_incarnation);
                ApplyOutcome::default()
            }
            Op::Expire { db, keys } => {
                let mut ctx = self.context(*db, now_ms, seed);
                for key in keys {
                    if self.db_mut(*db).reclaim_if_expired(key, now_ms) {
                        ctx.modified(*db, key);
                    }
                }
                self.absorb(&mut ctx);
                ApplyOutcome::default()
            }
        }
    }

    /// Runs a read command (resolved by the caller) against this keyspace.
    pub fn read(&self, spec: &table::CommandSpec, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) {
        table::run_read(spec, self, ctx, args, out);
    }

    /// Keys whose expiry is at or before `now_ms`, for active expiry: per
    /// database that has any, up to `limit` keys, earliest expiry first.
    ///
    /// This only reads. The leader proposes each batch as an
    /// [`Op::Expire`]; applying it deletes those keys that are still
    /// expired at the entry's clock (a key whose expiry was changed in the
    /// meantime is left alone), so every replica deletes the same keys.
    pub fn active_expire_candidates(&self, now_ms: u64, limit: usize) -> Vec<(usize, Vec<Bytes>)> {
        self.dbs
            .iter()
            .enumerate()
            .filter_map(|(index, db)| {
                let keys = db.expired_keys(now_ms, limit);
                (!keys.is_empty()).then(|| {
                    let keys = keys.iter().map(|k| Bytes::copy_from_slice(k)).collect();
                    (index, keys)
                })
            })
            .collect()
    }

    /// Empties database `db`, invalidating watches on keys it held.
    ///
    /// A running snapshot keeps its point-in-time view: [`Db::clear`] hands
    /// it the entries it has not serialised yet.
    pub fn flush_db(&mut self, db: usize, ctx: &mut Ctx) {
        self.touch_watched_existing(db, db, ctx);
        self.db_mut(db).clear();
    }

    /// Swaps two databases, invalidating watches on keys either held.
    ///
    /// A running snapshot keeps its point-in-time view: each database
    /// carries its own snapshot progress, including the index it had when
    /// the snapshot began, so the progress moves with the data.
    pub fn swap_db(&mut self, a: usize, b: usize, ctx: &mut Ctx) {
        self.touch_watched_existing(a, b, ctx);
        self.touch_watched_existing(b, a, ctx);
        self.dbs.swap(a, b);
    }

    /// Touches the watched keys of `db` that exist in `db` or in `other`.
    fn touch_watched_existing(&self, db: usize, other: usize, ctx: &mut Ctx) {
        for key in self.watches.keys_in_db(db) {
            if self.db(db).contains(&key, ctx.now_ms) || self.db(other).contains(&key, ctx.now_ms) {
                ctx.modified(db, &key);
            }
        }
    }

    fn context(&self, db: usize, now_ms: u64, seed: u64) -> Ctx {
        let mut ctx = Ctx::new(db, now_ms, seed);
        ctx.track(self.watches.is_active(), self.track_ready);
        ctx
    }

    fn run_command(&mut self, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) {
        match table::resolve(args) {
            Ok(spec) if matches!(spec.handler, Handler::Read(_) | Handler::Write(_)) => {
                table::run(spec, self, ctx, args, out);
            }
            Ok(_) => out.error(&CmdError::err("command not allowed in the log").to_string()),
            Err(e) => out.error(&e.to_string()),
        }
        self.absorb(ctx);
    }

    fn run_transaction(
        &mut self,
        session: u64,
        commands: &[(usize, Vec<Bytes>)],
        now_ms: u64,
        seed: u64,
        out: &mut Reply,
        published: &mut Vec<(Bytes, Bytes)>,
    ) -> Option<Vec<usize>> {
        let clean = self.watches.clean(session, now_ms);
        self.watches.unwatch(session);
        if !clean {
            return None;
        }
        let mut ctx = self.context(0, now_ms, seed);
        ctx.no_block = true;
        let mut ends = Vec::with_capacity(commands.len());
        for (db, args) in commands {
            ctx.db = *db;
            self.run_command(&mut ctx, args, out);
            ends.push(out.len());
        }
        published.extend(ctx.take_published());
        Some(ends)
    }

    /// Feeds what a command reported into the replicated bookkeeping.
    fn absorb(&mut self, ctx: &mut Ctx) {
        for (db, key) in ctx.take_modified() {
            self.watches.touch(db, &key, self.seq);
        }
        if self.track_ready {
            self.ready.extend(ctx.take_ready());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Value;

    #[test]
    fn active_expiry_lists_expired_keys_per_db_and_deletes_them_via_the_log() {
        let mut ks = Keyspace::new(4);
        ks.db_mut(0)
            .insert_with_expiry(b"a", Value::Int(1), Some(100));
        ks.db_mut(0)
            .insert_with_expiry(b"b", Value::Int(1), Some(50));
        ks.db_mut(0)
            .insert_with_expiry(b"later", Value::Int(1), Some(1000));
        ks.db_mut(0).insert(b"forever", Value::Int(1));
        ks.db_mut(2)
            .insert_with_expiry(b"c", Value::Int(1), Some(100));
        assert!(ks.active_expire_candidates(49, 10).is_empty());
        let found = ks.active_expire_candidates(100, 10);
        assert_eq!(
            found,
            vec![
                (0, vec![Bytes::from("b"), Bytes::from("a")]),
                (2, vec![Bytes::from("c")]),
            ]
        );
        assert_eq!(
            ks.active_expire_candidates(100, 1),
            vec![(0, vec![Bytes::from("b")]), (2, vec![Bytes::from("c")])]
        );
        // A key whose expiry was pushed back (by a write applied before it
        // expired) before the entry is applied survives it.
        ks.db_mut(0).set_expiry(b"a", Some(5000), 99);
        let mut out = Reply::new(false);
        for (db, keys) in found {
            let outcome = ks.apply(&Op::Expire { db, keys }, 100, 1, &mut out);
            assert_eq!(outcome, ApplyOutcome::default());
        }
        assert!(out.is_empty(), "active expiry has no reply");
        assert_eq!(ks.db(0).len(), 3);
        assert!(ks.db(0).contains(b"a", 100));
        assert!(!ks.db(0).contains(b"b", 0));
        assert_eq!(ks.db(2).len(), 0);
        assert!(ks.active_expire_candidates(100, 10).is_empty());
    }
}
