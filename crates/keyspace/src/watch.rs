//! WATCH bookkeeping, part of the replicated state.
//!
//! WATCH, UNWATCH and EXEC are logged operations, so every replica registers
//! watches and checks transactions at the same log positions and reaches the
//! same verdict. Only watched keys are tracked, so the cost is zero when
//! nobody watches.

use std::collections::HashMap;

use crate::Blob;

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Watches {
    /// Per watched key: the sequence number of its last modification and how
    /// many sessions watch it.
    keys: HashMap<(usize, Blob), WatchedKey>,
    sessions: HashMap<u64, Vec<SessionWatch>>,
}

#[derive(Debug, Clone, PartialEq)]
struct WatchedKey {
    last_modified: u64,
    watchers: usize,
}

#[derive(Debug, Clone, PartialEq)]
struct SessionWatch {
    db: usize,
    key: Blob,
    /// Sequence number of the WATCH operation.
    since: u64,
    /// Expiry time of the key when it was watched, if it was live and had
    /// one: the key expiring before EXEC aborts the transaction.
    expire_at: Option<u64>,
}

impl Watches {
    /// True when some key is watched.
    pub fn is_active(&self) -> bool {
        !self.keys.is_empty()
    }

    /// Registers `key` for `session` at sequence `seq`.
    pub fn watch(&mut self, session: u64, db: usize, key: Blob, seq: u64, expire_at: Option<u64>) {
        let watched = self.keys.entry((db, key.clone())).or_insert(WatchedKey {
            last_modified: 0,
            watchers: 0,
        });
        watched.watchers += 1;
        self.sessions
            .entry(session)
            .or_default()
            .push(SessionWatch {
                db,
                key,
                since: seq,
                expire_at,
            });
    }

    /// Notes that `key` changed at sequence `seq`.
    pub fn touch(&mut self, db: usize, key: &[u8], seq: u64) {
        if let Some(w) = self.keys.get_mut(&(db, Blob::from_slice(key))) {
            w.last_modified = seq;
        }
    }

    /// Watched keys of database `db`, for flush and swap.
    pub fn keys_in_db(&self, db: usize) -> Vec<Blob> {
        self.keys
            .keys()
            .filter(|(d, _)| *d == db)
            .map(|(_, k)| k.clone())
            .collect()
    }

    /// True if the session's transaction may run: no watched key changed
    /// since it was watched, and none that was live then expired by `now_ms`.
    pub fn clean(&self, session: u64, now_ms: u64) -> bool {
        let Some(watches) = self.sessions.get(&session) else {
            return true;
        };
        watches.iter().all(|w| {
            let changed = self
                .keys
                .get(&(w.db, w.key.clone()))
                .is_some_and(|k| k.last_modified > w.since);
            let expired = w.expire_at.is_some_and(|at| at <= now_ms);
            !changed && !expired
        })
    }

    /// Drops every watch of `session`.
    pub fn unwatch(&mut self, session: u64) {
        for w in self.sessions.remove(&session).unwrap_or_default() {
            let id = (w.db, w.key);
            if let Some(k) = self.keys.get_mut(&id) {
                k.watchers -= 1;
                if k.watchers == 0 {
                    self.keys.remove(&id);
                }
            }
        }
    }
}
