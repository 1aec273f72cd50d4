//! One numbered database.

use std::collections::BTreeSet;

use rand_core::RngCore;

use crate::snapshot::DbSnapshot;
use crate::types::OrderedMap;
use crate::value::{blob, Typed};
use crate::{Blob, CmdError, Entry, Value};

/// What `TTL`-like commands see of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyTtl {
    /// No such key (or it is logically expired).
    Missing,
    /// The key exists and never expires.
    Persistent,
    /// The key expires at this Unix time in milliseconds.
    ExpiresAt(u64),
}

/// A database: keys in insertion order (with swap-removal) plus an index of
/// keys with an expiry, ordered by expiry time.
///
/// Every read method takes `now_ms` and treats keys that are logically
/// expired at that time as absent. Write methods (`&mut self`) may remove
/// such keys on the way, which is deterministic because `now_ms` comes from
/// the log entry being applied.
///
/// To ensure snapshots and replication see every change, all mutation goes
/// through this type's methods (`get_mut`, `write`, `insert`, `remove`, ...):
/// command code never reaches into the map directly.
///
/// # Snapshot gates
///
/// While a point-in-time snapshot runs ([`crate::snapshot`]), `snap` holds
/// this database's progress. To ensure the snapshot stays point-in-time,
/// every mutation of the map must go through one of three gates, and
/// nothing else may change, move or drop an entry:
///
/// * `Db::entry_mut` — the only way to get `&mut Entry`: it lets the
///   snapshot save the entry's pre-image before it changes;
/// * `Db::remove_entry` — the only way to remove an entry (by
///   `swap_remove`): it saves the removed entry if the snapshot has not
///   reached it yet and notes the entry that `swap_remove` moved;
/// * [`Db::clear`] — hands the entries the snapshot still needs over to it
///   instead of dropping them.
///
/// Inserting a new key needs no gate: it is appended at the end, where the
/// snapshot never looks. With no snapshot running each gate costs one
/// well-predicted branch on `snap`.
#[derive(Debug, Clone, Default)]
pub struct Db {
    keys: OrderedMap<Blob, Entry>,
    expires: BTreeSet<(u64, Blob)>,
    /// Progress of the running snapshot in this database, `None` when no
    /// snapshot runs or this database has nothing left to give it. Moves
    /// with the database on SWAPDB. Not part of the state (ignored by `==`).
    snap: Option<Box<DbSnapshot>>,
}

impl PartialEq for Db {
    fn eq(&self, other: &Db) -> bool {
        // Order matters: it decides SCAN, RANDOMKEY and SPOP.
        self.keys.len() == other.keys.len()
            && self.keys.iter().zip(other.keys.iter()).all(|(a, b)| a == b)
    }
}

impl Db {
    /// An empty database.
    pub fn new() -> Db {
        Db::default()
    }

    /// Number of keys, counting expired keys not reclaimed yet (like Redis's
    /// DBSIZE).
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when the database holds no keys at all.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Number of keys with an expiry.
    pub fn expires_len(&self) -> usize {
        self.expires.len()
    }

    /// The live entry under `key`.
    pub fn entry(&self, key: &[u8], now_ms: u64) -> Option<&Entry> {
        self.keys.get(key).filter(|e| !e.is_expired(now_ms))
    }

    /// The live value under `key`.
    pub fn get(&self, key: &[u8], now_ms: u64) -> Option<&Value> {
        self.entry(key, now_ms).map(Entry::value)
    }

    /// True if `key` exists and is not expired.
    pub fn contains(&self, key: &[u8], now_ms: u64) -> bool {
        self.entry(key, now_ms).is_some()
    }

    /// The live value under `key`, mutably; an expired key is removed first.
    pub fn get_mut(&mut self, key: &[u8], now_ms: u64) -> Option<&mut Value> {
        self.reclaim_if_expired(key, now_ms);
        self.entry_mut(key).map(|e| &mut e.value)
    }

    /// Typed read: `Ok(None)` if absent, `WRONGTYPE` if another type.
    pub fn read<T: Typed>(&self, key: &[u8], now_ms: u64) -> Result<Option<&T>, CmdError> {
        match self.get(key, now_ms) {
            None => Ok(None),
            Some(v) => T::get(v).map(Some).ok_or(CmdError::WrongType),
        }
    }

    /// Typed write access to an existing key.
    pub fn write<T: Typed>(&mut self, key: &[u8], now_ms: u64) -> Result<Option<&mut T>, CmdError> {
        match self.get_mut(key, now_ms) {
            None => Ok(None),
            Some(v) => T::get_mut(v).map(Some).ok_or(CmdError::WrongType),
        }
    }

    /// Typed write access, creating an empty collection if the key is absent.
    /// Callers that may leave it empty must call [`Db::remove_if_empty`].
    pub fn write_or_create<T: Typed + Default>(
        &mut self,
        key: &[u8],
        now_ms: u64,
    ) -> Result<&mut T, CmdError> {
        self.reclaim_if_expired(key, now_ms);
        if !self.keys.contains_key(key) {
            self.insert(key, T::default().wrap());
        }
        let entry = self.entry_mut(key).ok_or(CmdError::NoSuchKey)?;
        T::get_mut(&mut entry.value).ok_or(CmdError::WrongType)
    }

    /// Removes `key` if it holds an empty collection (Redis never keeps
    /// empty collections). Returns true if it was removed.
    pub fn remove_if_empty(&mut self, key: &[u8]) -> bool {
        let empty = self
            .keys
            .get(key)
            .is_some_and(|e| e.value.is_empty_collection());
        if empty {
            self.remove_entry(key);
        }
        empty
    }

    /// Stores `value` under `key`, replacing any previous value and expiry.
    pub fn insert(&mut self, key: &[u8], value: Value) {
        self.insert_entry(
            key,
            Entry {
                value,
                expire_at: 0,
            },
        );
    }

    /// Stores `value` under `key` with an absolute expiry (or none).
    pub fn insert_with_expiry(&mut self, key: &[u8], value: Value, expire_at: Option<u64>) {
        let expire_at = expire_at.unwrap_or(0);
        self.insert_entry(key, Entry { value, expire_at });
    }

    /// Replaces the value of a live key keeping its expiry, or inserts it
    /// without expiry if absent.
    pub fn set_keep_ttl(&mut self, key: &[u8], value: Value, now_ms: u64) {
        self.reclaim_if_expired(key, now_ms);
        match self.entry_mut(key) {
            Some(entry) => entry.value = value,
            None => self.insert(key, value),
        }
    }

    /// Removes a live key and returns its value; `None` if it was absent or
    /// logically expired (an expired key is reclaimed too).
    pub fn remove(&mut self, key: &[u8], now_ms: u64) -> Option<Value> {
        self.reclaim_if_expired(key, now_ms);
        self.remove_entry(key).map(|e| e.value)
    }

    /// Removes a live key and returns its whole entry (value and expiry).
    pub fn take(&mut self, key: &[u8], now_ms: u64) -> Option<Entry> {
        self.reclaim_if_expired(key, now_ms);
        self.remove_entry(key)
    }

    /// Stores a whole entry (value and expiry) under `key`.
    pub fn put(&mut self, key: &[u8], entry: Entry) {
        self.insert_entry(key, entry);
    }

    /// The expiry state of `key`.
    pub fn ttl(&self, key: &[u8], now_ms: u64) -> KeyTtl {
        match self.entry(key, now_ms) {
            None => KeyTtl::Missing,
            Some(e) => e.expire_at().map_or(KeyTtl::Persistent, KeyTtl::ExpiresAt),
        }
    }

    /// Sets or clears the expiry of a live key. Returns false if the key does
    /// not exist. An expiry in the past is stored as is: the key becomes
    /// invisible at once and is reclaimed by the next write or active expiry
    /// (callers that want Redis's immediate deletion remove it themselves).
    pub fn set_expiry(&mut self, key: &[u8], expire_at: Option<u64>, now_ms: u64) -> bool {
        self.reclaim_if_expired(key, now_ms);
        let Some(entry) = self.entry_mut(key) else {
            return false;
        };
        let old = std::mem::replace(&mut entry.expire_at, expire_at.unwrap_or(0));
        if old != 0 {
            self.expires.remove(&(old, blob(key)));
        }
        if let Some(at) = expire_at {
            self.expires.insert((at, blob(key)));
        }
        true
    }

    /// Removes every key.
    ///
    /// Snapshot gate: while a snapshot runs, the entries it has not reached
    /// yet are handed over to it (moved, not copied) and dropped as it
    /// serialises them.
    pub fn clear(&mut self) {
        match self.snap.as_deref_mut() {
            None => self.keys.clear(),
            Some(snap) => snap.detach(std::mem::take(&mut self.keys)),
        }
        self.expires.clear();
    }

    /// All entries, including logically expired ones, in storage order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &Entry)> {
        self.keys.iter().map(|(k, e)| (k.as_slice(), e))
    }

    /// A random live key, chosen with `rng`.
    pub fn random_key(&self, rng: &mut impl RngCore, now_ms: u64) -> Option<&[u8]> {
        if self.keys.is_empty() {
            return None;
        }
        let len = self.keys.len() as u64;
        for _ in 0..100 {
            let (key, entry) = self.keys.get_index((rng.next_u64() % len) as usize)?;
            if !entry.is_expired(now_ms) {
                return Some(key);
            }
        }
        // Mostly expired keys: fall back to a walk from a random start.
        let start = (rng.next_u64() % len) as usize;
        (0..self.keys.len())
            .map(|i| (start + i) % self.keys.len())
            .filter_map(|i| self.keys.get_index(i))
            .find(|(_, e)| !e.is_expired(now_ms))
            .map(|(k, _)| k.as_slice())
    }

    /// One SCAN step: visits about `count` storage positions starting at
    /// `cursor` and calls `visit` for each live key. Returns the next cursor
    /// (0 when done).
    ///
    /// Positions are walked from the end towards the start, and removal
    /// moves only the last entry: so every key present for the whole scan is
    /// returned at least once, whatever is inserted or removed meanwhile.
    pub fn scan(
        &self,
        cursor: u64,
        count: usize,
        now_ms: u64,
        mut visit: impl FnMut(&[u8], &Entry),
    ) -> u64 {
        let remaining = scan_start(cursor, self.keys.len());
        let stop = remaining.saturating_sub(count.max(1));
        for index in (stop..remaining).rev() {
            if let Some((key, entry)) = self.keys.get_index(index) {
                if !entry.is_expired(now_ms) {
                    visit(key, entry);
                }
            }
        }
        stop as u64
    }

    /// Up to `limit` keys whose expiry is at or before `now_ms`, earliest
    /// first (for active expiry).
    pub fn expired_keys(&self, now_ms: u64, limit: usize) -> Vec<Blob> {
        self.expires
            .iter()
            .take_while(|(at, _)| *at <= now_ms)
            .take(limit)
            .map(|(_, key)| key.clone())
            .collect()
    }

    /// Removes `key` if it is logically expired at `now_ms`; true if it did.
    pub fn reclaim_if_expired(&mut self, key: &[u8], now_ms: u64) -> bool {
        let expired = self.keys.get(key).is_some_and(|e| e.is_expired(now_ms));
        if expired {
            self.remove_entry(key);
        }
        expired
    }

    fn insert_entry(&mut self, key: &[u8], entry: Entry) {
        let expire_at = entry.expire_at;
        if let Some(slot) = self.entry_mut(key) {
            let old = std::mem::replace(slot, entry);
            if old.expire_at != 0 {
                self.expires.remove(&(old.expire_at, blob(key)));
            }
        } else {
            // A new key is appended at the end, where a running snapshot
            // never looks: no gate needed.
            self.keys.insert(blob(key), entry);
        }
        if expire_at != 0 {
            self.expires.insert((expire_at, blob(key)));
        }
    }

    /// Snapshot gate for in-place changes: the entry under `key`, mutably.
    /// Every `&mut Entry` (or `&mut Value`) handed out by this type comes
    /// from here, so a running snapshot can save the entry's pre-image
    /// before the caller changes it.
    #[inline]
    fn entry_mut(&mut self, key: &[u8]) -> Option<&mut Entry> {
        let (index, _, entry) = self.keys.get_full_mut(key)?;
        if let Some(snap) = self.snap.as_deref_mut() {
            snap.before_change(index, key, entry);
        }
        Some(entry)
    }

    /// Snapshot gate for removal: the only place entries leave the map
    /// (`swap_remove`, which moves the last entry into the hole).
    #[inline]
    fn remove_entry(&mut self, key: &[u8]) -> Option<Entry> {
        let (index, key, entry) = self.keys.swap_remove_full(key)?;
        if let Some(snap) = self.snap.as_deref_mut() {
            snap.after_remove(index, &key, &entry, &self.keys);
        }
        if entry.expire_at != 0 {
            self.expires.remove(&(entry.expire_at, key));
        }
        Some(entry)
    }

    /// Same keys with the same values and expiries, whatever their storage
    /// order (which only decides SCAN and RANDOMKEY order). Values compare
    /// collection-internal order too.
    pub fn same_entries(&self, other: &Db) -> bool {
        self.keys.len() == other.keys.len()
            && self
                .keys
                .iter()
                .all(|(key, entry)| other.keys.get(key) == Some(entry))
    }

    /// This database's snapshot progress, for [`crate::snapshot`].
    pub(crate) fn snapshot(&self) -> Option<&DbSnapshot> {
        self.snap.as_deref()
    }

    /// The map and the snapshot progress, for [`crate::snapshot`].
    pub(crate) fn snapshot_parts(
        &mut self,
    ) -> (&OrderedMap<Blob, Entry>, &mut Option<Box<DbSnapshot>>) {
        (&self.keys, &mut self.snap)
    }
}

/// Converts a client cursor into "positions `[0, n)` remain to visit":
/// cursor 0 starts a new scan.
pub(crate) fn scan_start(cursor: u64, len: usize) -> usize {
    if cursor == 0 {
        len
    } else {
        usize::try_from(cursor).map_or(len, |c| c.min(len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    fn key(i: u32) -> Vec<u8> {
        format!("key:{i}").into_bytes()
    }

    #[test]
    fn expired_keys_are_invisible_and_reclaimed_on_write() {
        let mut db = Db::new();
        db.insert_with_expiry(b"k", Value::Int(1), Some(100));
        assert!(db.contains(b"k", 99));
        assert!(!db.contains(b"k", 100));
        assert_eq!(db.len(), 1);
        assert_eq!(db.expired_keys(100, 10), vec![blob(b"k")]);
        assert!(db.get_mut(b"k", 100).is_none());
        assert_eq!(db.len(), 0);
        assert_eq!(db.expires_len(), 0);
    }

    #[test]
    fn insert_clears_expiry_and_index() {
        let mut db = Db::new();
        db.insert_with_expiry(b"k", Value::Int(1), Some(100));
        db.insert(b"k", Value::Int(2));
        assert_eq!(db.ttl(b"k", 0), KeyTtl::Persistent);
        assert_eq!(db.expires_len(), 0);
    }

    proptest! {
        /// Every key present for the whole scan is returned, whatever
        /// happens between steps.
        #[test]
        fn scan_returns_every_stable_key(
            initial in 1u32..200,
            steps in proptest::collection::vec((0u8..3, 0u32..400, 1usize..20), 1..60),
        ) {
            let mut db = Db::new();
            for i in 0..initial {
                db.insert(&key(i), Value::Int(i.into()));
            }
            let mut touched = HashSet::new();
            let mut seen = HashSet::new();
            let mut cursor = 0;
            for (kind, k, count) in steps {
                cursor = db.scan(cursor, count, 0, |key, _| { seen.insert(key.to_vec()); });
                match kind {
                    0 => { db.insert(&key(k), Value::Int(0)); touched.insert(key(k)); }
                    1 => { db.remove(&key(k), 0); touched.insert(key(k)); }
                    _ => {}
                }
                if cursor == 0 { break; }
            }
            while cursor != 0 {
                cursor = db.scan(cursor, 10, 0, |key, _| { seen.insert(key.to_vec()); });
            }
            for i in 0..initial {
                if !touched.contains(&key(i)) {
                    prop_assert!(seen.contains(&key(i)), "key {} missed", i);
                }
            }
        }
    }
}
