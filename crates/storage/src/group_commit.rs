//! Group commit: one thread owns the WAL's write side and turns concurrent
//! appends into few writes and fsyncs.
//!
//! [`GroupCommit::append`] validates and queues entries (readable at once
//! through [`GroupCommit::reader`]) and returns. The commit thread loops:
//! take every append queued so far, write them with one `pwrite` (per
//! MiB), `fdatasync` once, call their callbacks in order. Appends that
//! arrive while an fsync is in flight wait for the next round, so the
//! number of fsyncs grows with time, not with the number of appends.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use parking_lot::{Condvar, Mutex, RwLock};

use crate::error::WalError;
use crate::meta::Meta;
use crate::reader::{LogState, WalReader};
use crate::wal::{Counters, LogStats, Wal};

/// In mode [`Durability::Os`], the longest time written entries stay
/// without `fdatasync`.
pub const OS_SYNC_INTERVAL: Duration = Duration::from_secs(1);

/// How long the commit thread waits, idle, before recording the durable end
/// in the metadata file ([`Wal::record_durable_end`]). Long enough that a
/// client writing back to back never waits behind that write, short enough
/// that an idle node soon protects its last acknowledged entries.
pub const DURABLE_END_IDLE: Duration = Duration::from_millis(10);

/// Under continuous load, the longest time between two recordings of the
/// durable end (each costs two `fdatasync`s of the small metadata file).
pub const DURABLE_END_INTERVAL: Duration = Duration::from_secs(1);

/// When an append is acknowledged (its callback called with `Ok`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// After the batch is written and `fdatasync`ed: survives power loss.
    #[default]
    Fsync,
    /// After the batch is written to the OS (`pwrite`): survives a process
    /// crash. The commit thread `fdatasync`s at most every
    /// [`OS_SYNC_INTERVAL`] while there is unsynced data, and on shutdown.
    Os,
    /// At once, when queued (use with a [`crate::MemVfs`]): the log lives
    /// in memory and survives nothing.
    Memory,
}

/// Called once with the outcome of an append.
pub type Callback = Box<dyn FnOnce(Result<(), WalError>) + Send>;

/// A WAL driven by a commit thread. Share it by reference or `Arc`; every
/// method takes `&self`.
///
/// To ensure correctness:
///
/// * if [`GroupCommit::append`] returns `Ok`, its callback is called
///   exactly once, on the commit thread, after the callbacks of every
///   earlier append; with `Ok` only once the entries are durable per the
///   [`Durability`];
/// * callbacks must be quick and must not call back into this
///   `GroupCommit` (they run on the commit thread);
/// * control operations ([`GroupCommit::truncate_from`],
///   [`GroupCommit::purge_to`], [`GroupCommit::save_vote`], …) block until
///   done and run after every append queued before them has been made
///   durable, so write I/O is serialised as openraft requires; appends
///   issued by other threads *while* a truncation runs may be truncated
///   too (openraft never does this: it issues log I/O from one task);
/// * after a write or sync error every pending and later append fails
///   (fail-stop); reopen the WAL to recover.
#[derive(Debug)]
pub struct GroupCommit {
    shared: Arc<Shared>,
    reader: WalReader,
    counters: Arc<Counters>,
    thread: Option<JoinHandle<Wal>>,
}

#[derive(Debug)]
struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
    state: Arc<RwLock<LogState>>,
    durability: AtomicU8,
}

impl Shared {
    fn durability(&self) -> Durability {
        match self.durability.load(Ordering::Relaxed) {
            0 => Durability::Fsync,
            1 => Durability::Os,
            _ => Durability::Memory,
        }
    }
}

fn durability_code(d: Durability) -> u8 {
    match d {
        Durability::Fsync => 0,
        Durability::Os => 1,
        Durability::Memory => 2,
    }
}

#[derive(Default)]
struct Queue {
    waiters: Vec<Callback>,
    requests: Vec<Request>,
    /// Entries were accepted since the commit thread last looked.
    pending: bool,
    shutdown: bool,
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue")
            .field("waiters", &self.waiters.len())
            .field("requests", &self.requests.len())
            .field("pending", &self.pending)
            .field("shutdown", &self.shutdown)
            .finish()
    }
}

/// A blocking operation run on the commit thread.
enum Control {
    Truncate(u64),
    Purge(u64, Bytes),
    RestartAt(u64),
    SaveVote(Bytes),
    SaveCommitted(Option<Bytes>),
    Sync,
}

struct Request {
    control: Control,
    reply: mpsc::SyncSender<Result<(), WalError>>,
}

impl GroupCommit {
    /// Starts the commit thread, which takes ownership of `wal`.
    pub fn start(wal: Wal, durability: Durability) -> Result<GroupCommit, WalError> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            wake: Condvar::new(),
            state: wal.state(),
            durability: AtomicU8::new(durability_code(durability)),
        });
        let reader = wal.reader();
        let counters = wal.counters();
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("keel-wal-commit".into())
            .spawn(move || run(wal, &thread_shared))
            .map_err(|e| WalError::Io {
                op: "spawn commit thread",
                path: Default::default(),
                source: Arc::new(e),
            })?;
        Ok(GroupCommit {
            shared,
            reader,
            counters,
            thread: Some(thread),
        })
    }

    /// The durability mode.
    pub fn durability(&self) -> Durability {
        self.shared.durability()
    }

    /// Switches between `Fsync` and `Os` while running (`CONFIG SET
    /// appendfsync`); from the next batch on, callbacks follow the new mode.
    /// `Memory` is a property of the file system and cannot be switched to
    /// or from.
    pub fn set_durability(&self, durability: Durability) -> Result<(), WalError> {
        if durability == Durability::Memory || self.durability() == Durability::Memory {
            return Err(WalError::InvalidArgument(
                "memory durability cannot be switched on or off while running".into(),
            ));
        }
        self.shared
            .durability
            .store(durability_code(durability), Ordering::Relaxed);
        self.shared.wake.notify_all();
        Ok(())
    }

    /// Queues consecutive entries (see [`Wal::append`] for the index rule)
    /// and returns at once; the entries are readable when it returns.
    /// `done` is called later on the commit thread, unless this returns an
    /// error (out of order, too large, log failed or stopped), in which
    /// case it is dropped without being called.
    pub fn append(
        &self,
        records: Vec<(u64, Bytes)>,
        done: impl FnOnce(Result<(), WalError>) + Send + 'static,
    ) -> Result<(), WalError> {
        let mut queue = self.shared.queue.lock();
        if queue.shutdown {
            return Err(WalError::Closed);
        }
        self.shared.state.write().accept(&records)?;
        queue.pending = true;
        if self.shared.durability() == Durability::Memory {
            drop(queue);
            self.shared.wake.notify_one();
            call(Box::new(done), Ok(()));
            return Ok(());
        }
        queue.waiters.push(Box::new(done));
        drop(queue);
        self.shared.wake.notify_one();
        Ok(())
    }

    /// Appends and waits for the acknowledgement.
    pub fn append_blocking(&self, records: Vec<(u64, Bytes)>) -> Result<(), WalError> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.append(records, move |r| {
            let _ = tx.send(r);
        })?;
        rx.recv().map_err(|_| WalError::Closed)?
    }

    /// Removes the entries from `index` on, durably (see
    /// [`Wal::truncate_from`]).
    pub fn truncate_from(&self, index: u64) -> Result<(), WalError> {
        self.request(Control::Truncate(index))
    }

    /// Purges the entries up to `index`, durably (see [`Wal::purge_to`]).
    pub fn purge_to(&self, index: u64, data: Bytes) -> Result<(), WalError> {
        self.request(Control::Purge(index, data))
    }

    /// Makes an empty log start again at `index` (see [`Wal::restart_at`]).
    pub fn restart_at(&self, index: u64) -> Result<(), WalError> {
        self.request(Control::RestartAt(index))
    }

    /// Saves the vote durably.
    pub fn save_vote(&self, vote: Bytes) -> Result<(), WalError> {
        self.request(Control::SaveVote(vote))
    }

    /// Saves (or clears) the committed log id durably.
    pub fn save_committed(&self, committed: Option<Bytes>) -> Result<(), WalError> {
        self.request(Control::SaveCommitted(committed))
    }

    /// Makes every entry appended so far durable, whatever the mode, and
    /// records the durable end ([`Wal::record_durable_end`]); a server
    /// calls it when it stops.
    pub fn sync(&self) -> Result<(), WalError> {
        self.request(Control::Sync)
    }

    /// A read handle (see [`WalReader`]).
    pub fn reader(&self) -> WalReader {
        self.reader.clone()
    }

    /// First readable index; `None` if empty.
    pub fn first_index(&self) -> Option<u64> {
        self.reader.first_index()
    }

    /// Last accepted index; `None` if empty.
    pub fn last_index(&self) -> Option<u64> {
        self.reader.last_index()
    }

    /// The purge point.
    pub fn purged(&self) -> Option<u64> {
        self.reader.purged()
    }

    /// The metadata as last saved.
    pub fn meta(&self) -> Meta {
        self.reader.meta()
    }

    /// Write-side counters: `batches` counts commit rounds that wrote
    /// something, `fsyncs` the `fdatasync` calls; `records / fsyncs` is the
    /// group commit factor.
    pub fn stats(&self) -> LogStats {
        self.counters.snapshot()
    }

    /// Whether the log refuses writes after an I/O error.
    pub fn is_failed(&self) -> bool {
        self.reader.is_failed()
    }

    /// Stops the commit thread after it has handled everything queued
    /// (and, in mode `Os`, synced), and returns the WAL.
    pub fn shutdown(mut self) -> Result<Wal, WalError> {
        self.stop().ok_or(WalError::Closed)
    }

    fn stop(&mut self) -> Option<Wal> {
        let thread = self.thread.take()?;
        self.shared.queue.lock().shutdown = true;
        self.shared.wake.notify_one();
        thread.join().ok()
    }

    fn request(&self, control: Control) -> Result<(), WalError> {
        let (reply, rx) = mpsc::sync_channel(1);
        {
            let mut queue = self.shared.queue.lock();
            if queue.shutdown {
                return Err(WalError::Closed);
            }
            queue.requests.push(Request { control, reply });
        }
        self.shared.wake.notify_one();
        rx.recv().map_err(|_| WalError::Closed)?
    }
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The work of one round of the commit thread.
struct Round {
    waiters: Vec<Callback>,
    requests: Vec<Request>,
    shutdown: bool,
    /// The thread woke up because it had been idle until a deadline.
    idle: bool,
}

/// The commit thread.
fn run(mut wal: Wal, shared: &Shared) -> Wal {
    let mut last_sync = Instant::now();
    let mut last_end = Instant::now();
    loop {
        let Round {
            waiters,
            requests,
            shutdown,
            idle,
        } = next_round(&wal, shared, last_sync);
        let result = match shared.durability() {
            Durability::Fsync => wal.sync(),
            Durability::Os | Durability::Memory => wal.write(),
        };
        for done in waiters {
            call(done, result.clone());
        }
        if shared.durability() == Durability::Os
            && wal.has_unsynced()
            && (shutdown || last_sync.elapsed() >= OS_SYNC_INTERVAL)
        {
            let _ = wal.sync();
            last_sync = Instant::now();
        }
        if wal.durable_end_stale()
            && (idle || shutdown || last_end.elapsed() >= DURABLE_END_INTERVAL)
        {
            // An error fails the log: later appends are refused.
            let _ = wal.record_durable_end();
            last_end = Instant::now();
        }
        for request in requests {
            let _ = request.reply.send(execute(&mut wal, request.control));
        }
        if shutdown {
            let queue = shared.queue.lock();
            if queue.waiters.is_empty() && queue.requests.is_empty() && !queue.pending {
                return wal;
            }
        }
    }
}

/// Waits for work and takes it: the callbacks of every append queued so
/// far, the control requests, and whether to stop. Without work, wakes up
/// at the deadline of the periodic sync (mode `Os`) or of recording the
/// durable end, whichever comes first.
fn next_round(wal: &Wal, shared: &Shared, last_sync: Instant) -> Round {
    let idle_since = Instant::now();
    let mut queue = shared.queue.lock();
    let mut idle = false;
    loop {
        if queue.pending || !queue.requests.is_empty() || queue.shutdown {
            break;
        }
        match deadline(wal, shared, last_sync, idle_since) {
            Some(deadline) => {
                if Instant::now() >= deadline
                    || shared.wake.wait_until(&mut queue, deadline).timed_out()
                {
                    idle = true;
                    break;
                }
            }
            None => shared.wake.wait(&mut queue),
        }
    }
    queue.pending = false;
    Round {
        waiters: std::mem::take(&mut queue.waiters),
        requests: std::mem::take(&mut queue.requests),
        shutdown: queue.shutdown,
        idle,
    }
}

/// When the idle commit thread has something to do by itself.
fn deadline(
    wal: &Wal,
    shared: &Shared,
    last_sync: Instant,
    idle_since: Instant,
) -> Option<Instant> {
    if wal.is_failed() {
        return None;
    }
    let os_sync = (shared.durability() == Durability::Os && wal.has_unsynced())
        .then(|| last_sync + OS_SYNC_INTERVAL);
    let record_end = wal
        .durable_end_stale()
        .then(|| idle_since + DURABLE_END_IDLE);
    os_sync.into_iter().chain(record_end).min()
}

fn execute(wal: &mut Wal, control: Control) -> Result<(), WalError> {
    match control {
        Control::Truncate(index) => wal.truncate_from(index),
        Control::Purge(index, data) => wal.purge_to(index, data),
        Control::RestartAt(index) => wal.restart_at(index),
        Control::SaveVote(vote) => wal.save_vote(vote),
        Control::SaveCommitted(committed) => wal.save_committed(committed),
        Control::Sync => wal.sync().and_then(|()| wal.record_durable_end()),
    }
}

/// Calls a callback; a panicking callback is logged, not propagated, so
/// the commit thread keeps serving the others.
fn call(done: Callback, result: Result<(), WalError>) {
    if catch_unwind(AssertUnwindSafe(|| done(result))).is_err() {
        tracing::error!("a WAL append callback panicked");
    }
}
