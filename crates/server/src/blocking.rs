//! Clients blocked by BLPOP, BZPOPMIN and friends.
//!
//! Waiters queue per key in the order they first blocked (their ticket).
//! When an applied write makes a key ready, only the first waiter of that
//! key is woken; it runs its command again (as a new write). If it is
//! served, the next waiter of its keys is woken in turn, so elements are
//! handed out strictly first-come first-served and nobody is left asleep
//! while elements remain. A waiter that is woken but leaves (timeout,
//! disconnect) passes its wake-up on.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use keyspace::Blob;
use parking_lot::Mutex;
use tokio::sync::Notify;

/// A client waiting for keys. Cheap to clone; the ticket identifies it.
#[derive(Debug, Clone)]
pub struct Waiter {
    /// Position in the queues: smaller tickets are served first.
    pub ticket: u64,
    pub client_id: u64,
    pub notify: Arc<Notify>,
}

#[derive(Debug, Default)]
struct Inner {
    queues: HashMap<(usize, Blob), BTreeSet<u64>>,
    waiters: HashMap<u64, Registered>,
}

#[derive(Debug)]
struct Registered {
    waiter: Waiter,
    keys: Vec<(usize, Blob)>,
    /// Woken and not yet back: must pass the wake-up on if it leaves.
    woken: bool,
}

/// The registry of blocked clients.
#[derive(Debug, Default)]
pub struct Blocking {
    inner: Mutex<Inner>,
    next_ticket: AtomicU64,
}

impl Blocking {
    /// A new ticket: a client takes one when it first blocks and keeps it
    /// until served, so retries keep its place in line.
    pub fn ticket(&self) -> u64 {
        self.next_ticket.fetch_add(1, Ordering::Relaxed)
    }

    /// Number of blocked clients.
    pub fn len(&self) -> usize {
        self.inner.lock().waiters.len()
    }

    /// Registers (or re-registers, keeping its place) a waiter on `keys`.
    pub fn register(&self, waiter: Waiter, keys: &[(usize, Blob)]) {
        let mut inner = self.inner.lock();
        inner.remove(waiter.ticket);
        for key in keys {
            inner
                .queues
                .entry(key.clone())
                .or_default()
                .insert(waiter.ticket);
        }
        inner.waiters.insert(
            waiter.ticket,
            Registered {
                waiter,
                keys: keys.to_vec(),
                woken: false,
            },
        );
    }

    /// The waiter's command succeeded: it leaves, and the next waiter of
    /// each of its keys gets a chance at what may remain.
    pub fn served(&self, ticket: u64) {
        let mut inner = self.inner.lock();
        if let Some(gone) = inner.remove(ticket) {
            inner.wake_heads(&gone.keys);
        }
    }

    /// The waiter gives up (timeout, disconnect, CLIENT UNBLOCK). A wake-up
    /// it received but did not use goes to the next waiter.
    pub fn unregister(&self, ticket: u64) {
        let mut inner = self.inner.lock();
        if let Some(gone) = inner.remove(ticket) {
            if gone.woken {
                inner.wake_heads(&gone.keys);
            }
        }
    }

    /// Keys that received elements: wake the first waiter of each.
    pub fn signal(&self, keys: &[(usize, Blob)]) {
        let mut inner = self.inner.lock();
        if !inner.waiters.is_empty() {
            inner.wake_heads(keys);
        }
    }

    /// Client id of a blocked ticket holder, for CLIENT UNBLOCK lookups.
    pub fn is_blocked(&self, client_id: u64) -> bool {
        self.inner
            .lock()
            .waiters
            .values()
            .any(|r| r.waiter.client_id == client_id)
    }
}

impl Inner {
    fn remove(&mut self, ticket: u64) -> Option<Registered> {
        let gone = self.waiters.remove(&ticket)?;
        for key in &gone.keys {
            if let Some(queue) = self.queues.get_mut(key) {
                queue.remove(&ticket);
                if queue.is_empty() {
                    self.queues.remove(key);
                }
            }
        }
        Some(gone)
    }

    fn wake_heads(&mut self, keys: &[(usize, Blob)]) {
        for key in keys {
            let Some(&head) = self.queues.get(key).and_then(|q| q.first()) else {
                continue;
            };
            if let Some(reg) = self.waiters.get_mut(&head) {
                reg.woken = true;
                reg.waiter.notify.notify_one();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waiter(b: &Blocking, client_id: u64) -> Waiter {
        Waiter {
            ticket: b.ticket(),
            client_id,
            notify: Arc::new(Notify::new()),
        }
    }

    fn key(k: &str) -> (usize, Blob) {
        (0, Blob::from_slice(k.as_bytes()))
    }

    fn woken(w: &Waiter) -> bool {
        futures_now(w.notify.notified())
    }

    /// Polls a `Notified` once: true if a permit was stored.
    fn futures_now(fut: tokio::sync::futures::Notified<'_>) -> bool {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        rt.block_on(async {
            tokio::time::timeout(std::time::Duration::ZERO, fut)
                .await
                .is_ok()
        })
    }

    #[test]
    fn first_come_first_served_chain() {
        let b = Blocking::default();
        let (a, c) = (waiter(&b, 1), waiter(&b, 2));
        b.register(a.clone(), &[key("k")]);
        b.register(c.clone(), &[key("k")]);
        b.signal(&[key("k")]);
        assert!(woken(&a));
        assert!(!woken(&c), "only the head is woken");
        b.served(a.ticket);
        assert!(woken(&c), "serving the head wakes the next");
        assert_eq!(b.len(), 1);
    }

    #[test]
    fn leaving_after_a_wake_up_passes_it_on() {
        let b = Blocking::default();
        let (a, c) = (waiter(&b, 1), waiter(&b, 2));
        b.register(a.clone(), &[key("k")]);
        b.register(c.clone(), &[key("k")]);
        b.signal(&[key("k")]);
        b.unregister(a.ticket);
        assert!(woken(&c));
    }

    #[test]
    fn reregistering_keeps_the_place_in_line() {
        let b = Blocking::default();
        let (a, c) = (waiter(&b, 1), waiter(&b, 2));
        b.register(a.clone(), &[key("k")]);
        b.register(c.clone(), &[key("k")]);
        b.register(a.clone(), &[key("k")]);
        b.signal(&[key("k")]);
        assert!(woken(&a));
        assert!(!woken(&c));
    }
}
