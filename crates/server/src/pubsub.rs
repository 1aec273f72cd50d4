//! Pub/sub: channels and patterns to subscribed clients.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use bytes::Bytes;
use keyspace::glob;
use parking_lot::Mutex;
use resp::Reply;

use crate::client::ClientInfo;
use crate::config::BufferLimit;

/// Subscriptions of all clients. Publishing encodes the message once per
/// protocol version and hands it to each subscriber's outbox; a subscriber
/// whose pending output passes its limit is disconnected (slow readers never
/// make the server buffer without bound).
#[derive(Default)]
pub struct Hub {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Channel → subscribers by client id (ordered for stable delivery).
    channels: HashMap<Bytes, BTreeMap<u64, Arc<ClientInfo>>>,
    patterns: HashMap<Bytes, BTreeMap<u64, Arc<ClientInfo>>>,
}

impl Hub {
    /// Subscribes `client` to `channel`; false if it already was.
    pub fn subscribe(&self, client: &Arc<ClientInfo>, channel: &Bytes) -> bool {
        let mut inner = self.inner.lock();
        let subs = inner.channels.entry(channel.clone()).or_default();
        subs.insert(client.id, client.clone()).is_none()
    }

    /// Unsubscribes; false if it was not subscribed.
    pub fn unsubscribe(&self, client_id: u64, channel: &[u8]) -> bool {
        remove(&mut self.inner.lock().channels, client_id, channel)
    }

    /// Subscribes `client` to `pattern`; false if it already was.
    pub fn psubscribe(&self, client: &Arc<ClientInfo>, pattern: &Bytes) -> bool {
        let mut inner = self.inner.lock();
        let subs = inner.patterns.entry(pattern.clone()).or_default();
        subs.insert(client.id, client.clone()).is_none()
    }

    /// Unsubscribes from a pattern; false if it was not subscribed.
    pub fn punsubscribe(&self, client_id: u64, pattern: &[u8]) -> bool {
        remove(&mut self.inner.lock().patterns, client_id, pattern)
    }

    /// Delivers a message (subject to each subscriber's output `limit`);
    /// returns the number of clients that received it
    /// (a client matching several patterns counts once per pattern, like
    /// Redis).
    pub fn publish(&self, channel: &[u8], message: &[u8], limit: &BufferLimit) -> usize {
        let inner = self.inner.lock();
        let mut encoded = Encoded::default();
        let mut receivers = 0;
        if let Some(subs) = inner.channels.get(channel) {
            for client in subs.values() {
                let bytes = encoded.get(client.resp3(), |r| {
                    r.push(3);
                    r.bulk(b"message");
                    r.bulk(channel);
                    r.bulk(message);
                });
                client.deliver(bytes, limit);
                receivers += 1;
            }
        }
        for (pattern, subs) in &inner.patterns {
            if !glob::matches(pattern, channel, false) {
                continue;
            }
            let mut per_pattern = Encoded::default();
            for client in subs.values() {
                let bytes = per_pattern.get(client.resp3(), |r| {
                    r.push(4);
                    r.bulk(b"pmessage");
                    r.bulk(pattern);
                    r.bulk(channel);
                    r.bulk(message);
                });
                client.deliver(bytes, limit);
                receivers += 1;
            }
        }
        receivers
    }

    /// Active channels, optionally matching a pattern.
    pub fn channels(&self, pattern: Option<&[u8]>) -> Vec<Bytes> {
        let inner = self.inner.lock();
        let mut names: Vec<Bytes> = inner
            .channels
            .keys()
            .filter(|c| pattern.is_none_or(|p| glob::matches(p, c, false)))
            .cloned()
            .collect();
        names.sort();
        names
    }

    /// Subscriber count of a channel.
    pub fn numsub(&self, channel: &[u8]) -> usize {
        self.inner
            .lock()
            .channels
            .get(channel)
            .map_or(0, BTreeMap::len)
    }

    /// Number of distinct patterns with subscribers.
    pub fn numpat(&self) -> usize {
        self.inner.lock().patterns.len()
    }
}

fn remove(
    map: &mut HashMap<Bytes, BTreeMap<u64, Arc<ClientInfo>>>,
    client_id: u64,
    name: &[u8],
) -> bool {
    let Some(subs) = map.get_mut(name) else {
        return false;
    };
    let removed = subs.remove(&client_id).is_some();
    if subs.is_empty() {
        map.remove(name);
    }
    removed
}

/// A message encoded at most once per protocol version.
#[derive(Default)]
struct Encoded {
    resp2: Option<Bytes>,
    resp3: Option<Bytes>,
}

impl Encoded {
    fn get(&mut self, resp3: bool, encode: impl FnOnce(&mut Reply)) -> Bytes {
        let slot = if resp3 {
            &mut self.resp3
        } else {
            &mut self.resp2
        };
        slot.get_or_insert_with(|| {
            let mut r = Reply::new(resp3);
            encode(&mut r);
            Bytes::from(r.take())
        })
        .clone()
    }
}
