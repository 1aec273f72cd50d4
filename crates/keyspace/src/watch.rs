//! WATCH bookkeeping, part of the replicated state.
//!
//! WATCH, UNWATCH and EXEC are logged operations, so every replica registers
//! watches and checks transactions at the same log positions and reaches the
//! same verdict. Only watched keys are tracked, so the cost is zero when
//! nobody watches.
//!
//! A session belongs to one connection of one node: its id is
//! [`SessionId`]'s layout, so that a node restarting can drop, through the
//! log, every session its previous incarnations left behind
//! ([`Watches::purge_node`]): their connections are gone.

use std::collections::HashMap;

use crate::codec::{CodecError, Encode, Reader, Writer};
use crate::Blob;

/// The layout of a WATCH session id (a `u64` in the log): the node that
/// owns the connection (high 16 bits), that node's incarnation (the next
/// 16 bits, random per process start), the connection's id (low 32 bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionId {
    pub node: u16,
    pub incarnation: u16,
    pub client: u32,
}

impl SessionId {
    /// The id as logged.
    pub fn to_u64(self) -> u64 {
        (u64::from(self.node) << 48) | (u64::from(self.incarnation) << 32) | u64::from(self.client)
    }

    /// The parts of a logged id.
    pub fn from_u64(id: u64) -> SessionId {
        SessionId {
            node: (id >> 48) as u16,
            incarnation: (id >> 32) as u16,
            client: id as u32,
        }
    }
}

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

    /// Registers `key` for `session` at sequence `seq`. Watching a key the
    /// session already watches changes nothing (as in Redis: the first
    /// WATCH counts).
    pub fn watch(&mut self, session: u64, db: usize, key: Blob, seq: u64, expire_at: Option<u64>) {
        let already = self
            .sessions
            .get(&session)
            .is_some_and(|list| list.iter().any(|w| w.db == db && w.key == key));
        if already {
            return;
        }
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

    /// Drops every session of `node` except those of incarnation `keep`:
    /// the connections of earlier incarnations are gone. Returns how many
    /// sessions were dropped.
    pub fn purge_node(&mut self, node: u16, keep: u16) -> usize {
        let mut dead: Vec<u64> = self
            .sessions
            .keys()
            .copied()
            .filter(|id| {
                let id = SessionId::from_u64(*id);
                id.node == node && id.incarnation != keep
            })
            .collect();
        // Sorted: the order of removal must not depend on hash seeds.
        dead.sort_unstable();
        for session in &dead {
            self.unwatch(*session);
        }
        dead.len()
    }

    /// The incarnations of `node` that have sessions.
    pub fn incarnations_of(&self, node: u16) -> Vec<u16> {
        let mut found: Vec<u16> = self
            .sessions
            .keys()
            .map(|id| SessionId::from_u64(*id))
            .filter(|id| id.node == node)
            .map(|id| id.incarnation)
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    /// Number of sessions with watches.
    pub fn sessions(&self) -> usize {
        self.sessions.len()
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

/// Snapshot encoding (see `docs/design/snapshot.md`): watched keys sorted by
/// (database, key), then sessions sorted by id, each with its watches in
/// order. Watcher counts are not stored: they are recounted from the
/// sessions on decode, so a corrupt snapshot cannot make them disagree.
impl Encode for Watches {
    fn encode(&self, w: &mut Writer) {
        let mut keys: Vec<_> = self.keys.iter().collect();
        keys.sort_unstable_by(|a, b| a.0.cmp(b.0));
        w.varint(keys.len() as u64);
        for ((db, key), watched) in keys {
            w.varint(*db as u64);
            w.bytes(key);
            w.varint(watched.last_modified);
        }
        let mut sessions: Vec<_> = self.sessions.iter().collect();
        sessions.sort_unstable_by_key(|(id, _)| **id);
        w.varint(sessions.len() as u64);
        for (id, watches) in sessions {
            w.varint(*id);
            w.varint(watches.len() as u64);
            for watch in watches {
                w.varint(watch.db as u64);
                w.bytes(&watch.key);
                w.varint(watch.since);
                match watch.expire_at {
                    None => w.u8(0),
                    Some(at) => {
                        w.u8(1);
                        w.varint(at);
                    }
                }
            }
        }
    }

    fn decode(r: &mut Reader<'_>) -> Result<Watches, CodecError> {
        let mut watches = Watches::default();
        // No reservation from declared counts: memory grows with what is
        // actually decoded.
        for _ in 0..r.count()? {
            let db = db_index(r)?;
            let key = Blob::from_slice(r.bytes()?);
            let watched = WatchedKey {
                last_modified: r.varint()?,
                watchers: 0,
            };
            if watches.keys.insert((db, key), watched).is_some() {
                return Err(CodecError("duplicate watched key"));
            }
        }
        for _ in 0..r.count()? {
            let id = r.varint()?;
            let mut list = Vec::new();
            for _ in 0..r.count()? {
                let db = db_index(r)?;
                let key = Blob::from_slice(r.bytes()?);
                let since = r.varint()?;
                let expire_at = match r.u8()? {
                    0 => None,
                    1 => Some(r.varint()?),
                    _ => return Err(CodecError("invalid watch expiry flag")),
                };
                let watched = watches
                    .keys
                    .get_mut(&(db, key.clone()))
                    .ok_or(CodecError("watch of an unknown key"))?;
                watched.watchers += 1;
                list.push(SessionWatch {
                    db,
                    key,
                    since,
                    expire_at,
                });
            }
            if list.is_empty() {
                return Err(CodecError("session without watches"));
            }
            if watches.sessions.insert(id, list).is_some() {
                return Err(CodecError("duplicate watch session"));
            }
        }
        if watches.keys.values().any(|k| k.watchers == 0) {
            return Err(CodecError("watched key without watchers"));
        }
        Ok(watches)
    }
}

fn db_index(r: &mut Reader<'_>) -> Result<usize, CodecError> {
    usize::try_from(r.varint()?).map_err(|_| CodecError("database index out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(node: u16, incarnation: u16, client: u32) -> u64 {
        SessionId {
            node,
            incarnation,
            client,
        }
        .to_u64()
    }

    #[test]
    fn session_ids_round_trip() {
        let id = SessionId {
            node: 7,
            incarnation: 0xBEEF,
            client: 123_456,
        };
        assert_eq!(SessionId::from_u64(id.to_u64()), id);
    }

    #[test]
    fn watching_a_key_twice_registers_it_once() {
        let mut w = Watches::default();
        let s = session(1, 1, 1);
        for seq in 1..=3 {
            w.watch(s, 0, Blob::from_slice(b"k"), seq, None);
        }
        assert_eq!(w.sessions[&s].len(), 1);
        assert_eq!(w.keys[&(0, Blob::from_slice(b"k"))].watchers, 1);
        // The first WATCH counts: a change after it dirties the session.
        w.touch(0, b"k", 2);
        assert!(!w.clean(s, 0));
        w.unwatch(s);
        assert!(!w.is_active());
    }

    #[test]
    fn purge_drops_only_earlier_incarnations_of_the_node() {
        let mut w = Watches::default();
        let old = session(1, 10, 5);
        let current = session(1, 11, 5);
        let other_node = session(2, 10, 5);
        for s in [old, current, other_node] {
            w.watch(s, 0, Blob::from_slice(b"k"), 1, None);
        }
        assert_eq!(w.purge_node(1, 11), 1);
        assert!(!w.sessions.contains_key(&old));
        assert!(w.sessions.contains_key(&current));
        assert!(w.sessions.contains_key(&other_node));
        assert_eq!(w.keys[&(0, Blob::from_slice(b"k"))].watchers, 2);
    }
}
