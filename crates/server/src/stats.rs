//! Counters reported by INFO (stats, commandstats, errorstats).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use keyspace::table;
use parking_lot::Mutex;

/// Calls and time of one command (`INFO commandstats`).
#[derive(Debug, Default)]
pub struct CommandStat {
    pub calls: AtomicU64,
    pub usec: AtomicU64,
    /// Refused before running (arity, unknown subcommand, NOAUTH, ...).
    pub rejected: AtomicU64,
    /// Ran and replied with an error.
    pub failed: AtomicU64,
}

/// Server-wide counters.
#[derive(Debug)]
pub struct Stats {
    pub started: Instant,
    pub connections_received: AtomicU64,
    pub rejected_connections: AtomicU64,
    pub commands_processed: AtomicU64,
    pub net_input_bytes: AtomicU64,
    pub net_output_bytes: AtomicU64,
    pub expired_keys: AtomicU64,
    pub pubsub_messages: AtomicU64,
    commands: HashMap<&'static str, CommandStat>,
    errors: Mutex<BTreeMap<String, u64>>,
    ops_samples: Mutex<OpsSamples>,
}

#[derive(Debug)]
struct OpsSamples {
    last: (Instant, u64),
    per_sec: u64,
}

impl Default for Stats {
    fn default() -> Stats {
        let commands = table::all()
            .iter()
            .flat_map(|c| std::iter::once(*c).chain(c.subcommands.iter()))
            .map(|c| (c.name, CommandStat::default()))
            .collect();
        Stats {
            started: Instant::now(),
            connections_received: AtomicU64::new(0),
            rejected_connections: AtomicU64::new(0),
            commands_processed: AtomicU64::new(0),
            net_input_bytes: AtomicU64::new(0),
            net_output_bytes: AtomicU64::new(0),
            expired_keys: AtomicU64::new(0),
            pubsub_messages: AtomicU64::new(0),
            commands,
            errors: Mutex::new(BTreeMap::new()),
            ops_samples: Mutex::new(OpsSamples {
                last: (Instant::now(), 0),
                per_sec: 0,
            }),
        }
    }
}

impl Stats {
    /// Records a command that ran; `error` is the error reply's text if it
    /// failed.
    pub fn record(&self, name: &'static str, usec: u64, error: Option<&[u8]>) {
        self.commands_processed.fetch_add(1, Ordering::Relaxed);
        if let Some(stat) = self.commands.get(name) {
            stat.calls.fetch_add(1, Ordering::Relaxed);
            stat.usec.fetch_add(usec, Ordering::Relaxed);
            if error.is_some() {
                stat.failed.fetch_add(1, Ordering::Relaxed);
            }
        }
        if let Some(text) = error {
            self.record_error(text);
        }
    }

    /// Records a command refused before it ran.
    pub fn reject(&self, name: Option<&'static str>, error: &str) {
        if let Some(stat) = name.and_then(|n| self.commands.get(n)) {
            stat.rejected.fetch_add(1, Ordering::Relaxed);
        }
        self.record_error(error.as_bytes());
    }

    fn record_error(&self, text: &[u8]) {
        let code = text.split(|b| *b == b' ').next().unwrap_or(b"ERR");
        let code = String::from_utf8_lossy(code).into_owned();
        *self.errors.lock().entry(code).or_insert(0) += 1;
    }

    /// Per-command statistics with at least one call or rejection, by name.
    pub fn commands(&self) -> Vec<(&'static str, u64, u64, u64, u64)> {
        let mut rows: Vec<_> = self
            .commands
            .iter()
            .map(|(name, s)| {
                (
                    *name,
                    s.calls.load(Ordering::Relaxed),
                    s.usec.load(Ordering::Relaxed),
                    s.rejected.load(Ordering::Relaxed),
                    s.failed.load(Ordering::Relaxed),
                )
            })
            .filter(|r| r.1 + r.3 > 0)
            .collect();
        rows.sort_by_key(|r| r.0);
        rows
    }

    /// Error counts by error code.
    pub fn errors(&self) -> Vec<(String, u64)> {
        self.errors
            .lock()
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    }

    /// Total error replies.
    pub fn total_errors(&self) -> u64 {
        self.errors.lock().values().sum()
    }

    /// Commands per second, sampled at most once a second.
    pub fn ops_per_sec(&self) -> u64 {
        let mut s = self.ops_samples.lock();
        let elapsed = s.last.0.elapsed();
        if elapsed.as_millis() >= 1000 {
            let total = self.commands_processed.load(Ordering::Relaxed);
            s.per_sec = ((total - s.last.1) as f64 / elapsed.as_secs_f64()) as u64;
            s.last = (Instant::now(), total);
        }
        s.per_sec
    }

    /// CONFIG RESETSTAT.
    pub fn reset(&self) {
        for counter in [
            &self.connections_received,
            &self.rejected_connections,
            &self.commands_processed,
            &self.net_input_bytes,
            &self.net_output_bytes,
            &self.expired_keys,
            &self.pubsub_messages,
        ] {
            counter.store(0, Ordering::Relaxed);
        }
        for stat in self.commands.values() {
            for counter in [&stat.calls, &stat.usec, &stat.rejected, &stat.failed] {
                counter.store(0, Ordering::Relaxed);
            }
        }
        self.errors.lock().clear();
    }
}
