//! The slow log (SLOWLOG GET/LEN/RESET).

use std::collections::VecDeque;

use bytes::Bytes;
use parking_lot::Mutex;
use resp::Reply;

/// Arguments kept per entry (the last slot says how many were dropped).
const MAX_ARGS: usize = 32;
/// Bytes kept per argument.
const MAX_ARG_LEN: usize = 128;

/// One slow command.
#[derive(Debug, Clone)]
struct Entry {
    id: u64,
    unix_secs: u64,
    micros: u64,
    args: Vec<Bytes>,
    addr: String,
    name: Bytes,
}

/// The most recent commands that ran longer than the threshold.
#[derive(Debug, Default)]
pub struct Slowlog {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    entries: VecDeque<Entry>,
    next_id: u64,
}

impl Slowlog {
    /// Records a command that took `micros`, keeping at most `max_len`
    /// entries.
    pub fn record(
        &self,
        args: &[Bytes],
        micros: u64,
        addr: &str,
        name: Option<&Bytes>,
        max_len: usize,
    ) {
        let mut kept: Vec<Bytes> = args.iter().take(MAX_ARGS).map(shorten).collect();
        if args.len() > MAX_ARGS {
            kept[MAX_ARGS - 1] = Bytes::from(format!(
                "... ({} more arguments)",
                args.len() - MAX_ARGS + 1
            ));
        }
        let mut inner = self.inner.lock();
        let id = inner.next_id;
        inner.next_id += 1;
        inner.entries.push_front(Entry {
            id,
            unix_secs: crate::clock::now_ms() / 1000,
            micros,
            args: kept,
            addr: addr.to_string(),
            name: name.cloned().unwrap_or_default(),
        });
        inner.entries.truncate(max_len);
    }

    /// SLOWLOG GET: the newest `count` entries (all if `None`).
    pub fn write(&self, count: Option<usize>, out: &mut Reply) {
        let inner = self.inner.lock();
        let n = count
            .unwrap_or(inner.entries.len())
            .min(inner.entries.len());
        out.array(n);
        for e in inner.entries.iter().take(n) {
            out.array(6);
            out.int(e.id as i64);
            out.int(e.unix_secs as i64);
            out.int(e.micros as i64);
            out.bulk_array(e.args.iter());
            out.bulk(e.addr.as_bytes());
            out.bulk(&e.name);
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.inner.lock().entries.len()
    }

    /// Removes every entry.
    pub fn reset(&self) {
        self.inner.lock().entries.clear();
    }
}

fn shorten(arg: &Bytes) -> Bytes {
    if arg.len() <= MAX_ARG_LEN {
        return arg.clone();
    }
    let mut s = arg[..MAX_ARG_LEN].to_vec();
    s.extend_from_slice(format!("... ({} more bytes)", arg.len() - MAX_ARG_LEN).as_bytes());
    Bytes::from(s)
}
