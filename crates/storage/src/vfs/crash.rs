//! A crash-injecting in-memory file system.
//!
//! [`CrashVfs`] behaves like [`MemVfs`] for the code under test, and on the
//! side records every mutation and every sync. Each successful
//! [`VfsFile::sync_data`] or [`Vfs::sync_dir`] is a *sync point*; sync
//! points are numbered from 1 in the order they complete.
//! [`CrashVfs::crash_image`] replays the record and returns the disk as it
//! would be after a power loss right after sync point `N` (`N = 0`: before
//! the first sync) and before sync point `N + 1`:
//!
//! * file contents are what the last `sync_data` of each file made durable;
//! * directory entries are what the last `sync_dir` of their directory made
//!   durable (directories themselves are durable when created);
//! * with [`CrashMode::Torn`], part of the unsynced work survives too: for
//!   every file, a prefix of its unsynced writes in order, the last one
//!   possibly cut short and followed by a few garbage bytes; and a prefix of
//!   the unsynced directory operations, in order.
//!
//! It can also inject failures (every sync or write after the next `n`
//! fails with `EIO`) and pause syncs ([`SyncGate`]) so tests can make
//! appends pile up behind an fsync in flight, without sleeping.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::{Condvar, Mutex};

use super::mem::{MemFile, Opened};
use super::{parent_dir, MemVfs, OpenMode, Vfs, VfsFile};

/// What survives of unsynced work in a crash image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashMode {
    /// Everything not made durable by a sync is lost.
    LoseUnsynced,
    /// Some unsynced work survives, chosen pseudo-randomly from `seed` (see
    /// the module documentation).
    Torn { seed: u64 },
}

/// A crash-injecting file system; clones share the same files and record.
#[derive(Debug, Clone)]
pub struct CrashVfs {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    current: MemVfs,
    log: Mutex<Log>,
    gate: Mutex<Option<SyncGate>>,
}

#[derive(Debug, Default)]
struct Log {
    base_dirs: Vec<PathBuf>,
    base_files: Vec<(PathBuf, u64, Vec<u8>)>,
    events: Vec<Event>,
    sync_points: u64,
    syncs_left: Option<u64>,
    writes_left: Option<u64>,
}

#[derive(Debug)]
enum Event {
    MkDir(PathBuf),
    Link(PathBuf, u64),
    Rename(PathBuf, PathBuf),
    Remove(PathBuf),
    Write(u64, u64, Vec<u8>),
    SetLen(u64, u64),
    SyncData(u64),
    SyncDir(PathBuf),
}

impl Default for CrashVfs {
    fn default() -> Self {
        CrashVfs::new()
    }
}

impl CrashVfs {
    /// An empty file system.
    pub fn new() -> CrashVfs {
        CrashVfs::from_image(&MemVfs::new())
    }

    /// A file system whose initial, fully durable contents are a copy of
    /// `image` (for example a previous crash image).
    pub fn from_image(image: &MemVfs) -> CrashVfs {
        let current = image.deep_clone();
        let mut log = Log {
            base_dirs: current.dirs(),
            ..Log::default()
        };
        for path in current.paths() {
            if let Ok((inode, _)) = current.open_inode(&path, OpenMode::Read) {
                let data = inode.data.read().clone();
                log.base_files.push((path, inode.id, data));
            }
        }
        CrashVfs {
            shared: Arc::new(Shared {
                current,
                log: Mutex::new(log),
                gate: Mutex::new(None),
            }),
        }
    }

    /// This file system as an `Arc<dyn Vfs>`.
    pub fn shared(&self) -> Arc<dyn Vfs> {
        Arc::new(self.clone())
    }

    /// How many sync points have completed.
    pub fn sync_points(&self) -> u64 {
        self.shared.log.lock().sync_points
    }

    /// A copy of the files as they are now (no crash).
    pub fn current(&self) -> MemVfs {
        self.shared.current.deep_clone()
    }

    /// From now on, the next `n` syncs succeed and every later one fails
    /// with `EIO` (making nothing durable).
    pub fn fail_syncs_after(&self, n: u64) {
        self.shared.log.lock().syncs_left = Some(n);
    }

    /// From now on, the next `n` writes (`write_all_at`, `set_len`,
    /// `preallocate`) succeed and every later one fails with `EIO`.
    pub fn fail_writes_after(&self, n: u64) {
        self.shared.log.lock().writes_left = Some(n);
    }

    /// Makes every sync block at a closed gate until [`SyncGate::open`].
    pub fn pause_syncs(&self) -> SyncGate {
        let gate = SyncGate::closed();
        *self.shared.gate.lock() = Some(gate.clone());
        gate
    }

    /// The disk after a crash right after sync point `sync_point`
    /// (clamped to the number of sync points so far).
    pub fn crash_image(&self, sync_point: u64, mode: CrashMode) -> MemVfs {
        let log = self.shared.log.lock();
        let mut replay = Replay::new(&log);
        let mut done = 0;
        for (i, event) in log.events.iter().enumerate() {
            if matches!(event, Event::SyncData(_) | Event::SyncDir(_)) {
                if done == sync_point {
                    break;
                }
                done += 1;
            }
            replay.apply(i, event);
        }
        replay.image(&log.events, mode)
    }

    fn sync_point(&self, event: Event) -> io::Result<()> {
        let gate = self.shared.gate.lock().clone();
        if let Some(gate) = gate {
            gate.pass();
        }
        let mut log = self.shared.log.lock();
        if let Some(left) = log.syncs_left.as_mut() {
            if *left == 0 {
                return Err(injected("sync"));
            }
            *left -= 1;
        }
        log.events.push(event);
        log.sync_points += 1;
        Ok(())
    }

    /// Runs a file mutation under the log lock and records it.
    fn mutate(&self, op: impl FnOnce() -> io::Result<Option<Event>>) -> io::Result<()> {
        let mut log = self.shared.log.lock();
        if let Some(left) = log.writes_left.as_mut() {
            if *left == 0 {
                return Err(injected("write"));
            }
            *left -= 1;
        }
        if let Some(event) = op()? {
            log.events.push(event);
        }
        Ok(())
    }
}

fn injected(what: &str) -> io::Error {
    io::Error::other(format!("injected {what} failure (EIO)"))
}

impl Vfs for CrashVfs {
    fn open(&self, path: &Path, mode: OpenMode) -> io::Result<Arc<dyn VfsFile>> {
        let mut log = self.shared.log.lock();
        let (inode, opened) = self.shared.current.open_inode(path, mode)?;
        match opened {
            Opened::Existing => {}
            Opened::Created => log.events.push(Event::Link(path.to_path_buf(), inode.id)),
            Opened::Truncated => log.events.push(Event::SetLen(inode.id, 0)),
        }
        Ok(Arc::new(CrashFile {
            vfs: self.clone(),
            file: MemFile {
                inode,
                writable: mode != OpenMode::Read,
            },
        }))
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        let mut log = self.shared.log.lock();
        self.shared.current.rename(from, to)?;
        log.events
            .push(Event::Rename(from.to_path_buf(), to.to_path_buf()));
        Ok(())
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        let mut log = self.shared.log.lock();
        self.shared.current.remove_file(path)?;
        log.events.push(Event::Remove(path.to_path_buf()));
        Ok(())
    }

    fn list_dir(&self, dir: &Path) -> io::Result<Vec<String>> {
        self.shared.current.list_dir(dir)
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        if !self.shared.current.dir_exists(dir)? {
            return Err(io::Error::new(io::ErrorKind::NotFound, "no such directory"));
        }
        self.sync_point(Event::SyncDir(dir.to_path_buf()))
    }

    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        let mut log = self.shared.log.lock();
        self.shared.current.create_dir_all(dir)?;
        log.events.push(Event::MkDir(dir.to_path_buf()));
        Ok(())
    }

    fn dir_exists(&self, dir: &Path) -> io::Result<bool> {
        self.shared.current.dir_exists(dir)
    }
}

/// An open file of a [`CrashVfs`].
#[derive(Debug)]
struct CrashFile {
    vfs: CrashVfs,
    file: MemFile,
}

impl CrashFile {
    fn ino(&self) -> u64 {
        self.file.inode.id
    }
}

impl VfsFile for CrashFile {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        self.file.read_at(buf, offset)
    }

    fn write_all_at(&self, buf: &[u8], offset: u64) -> io::Result<()> {
        self.vfs.mutate(|| {
            self.file.write_all_at(buf, offset)?;
            Ok(Some(Event::Write(self.ino(), offset, buf.to_vec())))
        })
    }

    fn size(&self) -> io::Result<u64> {
        self.file.size()
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        self.vfs.mutate(|| {
            self.file.set_len(len)?;
            Ok(Some(Event::SetLen(self.ino(), len)))
        })
    }

    fn preallocate(&self, len: u64) -> io::Result<()> {
        self.vfs.mutate(|| {
            let before = self.file.size()?;
            self.file.preallocate(len)?;
            Ok((len > before).then(|| Event::SetLen(self.ino(), len)))
        })
    }

    fn sync_data(&self) -> io::Result<()> {
        if !self.file.writable {
            return Ok(());
        }
        self.vfs.sync_point(Event::SyncData(self.ino()))
    }
}

/// A gate that holds every sync until opened (see
/// [`CrashVfs::pause_syncs`]).
#[derive(Debug, Clone)]
pub struct SyncGate {
    inner: Arc<GateInner>,
}

#[derive(Debug)]
struct GateInner {
    state: Mutex<GateState>,
    changed: Condvar,
}

#[derive(Debug)]
struct GateState {
    closed: bool,
    waiting: usize,
}

impl SyncGate {
    fn closed() -> SyncGate {
        SyncGate {
            inner: Arc::new(GateInner {
                state: Mutex::new(GateState {
                    closed: true,
                    waiting: 0,
                }),
                changed: Condvar::new(),
            }),
        }
    }

    /// Blocks until at least `n` syncs are waiting at the gate.
    pub fn wait_for_waiters(&self, n: usize) {
        let mut state = self.inner.state.lock();
        while state.waiting < n {
            self.inner.changed.wait(&mut state);
        }
    }

    /// Lets every waiting and future sync through.
    pub fn open(&self) {
        self.inner.state.lock().closed = false;
        self.inner.changed.notify_all();
    }

    fn pass(&self) {
        let mut state = self.inner.state.lock();
        if !state.closed {
            return;
        }
        state.waiting += 1;
        self.inner.changed.notify_all();
        while state.closed {
            self.inner.changed.wait(&mut state);
        }
        state.waiting -= 1;
    }
}

/// Replays recorded events, tracking the current and the durable state.
struct Replay {
    dirs: BTreeSet<PathBuf>,
    cur_names: BTreeMap<PathBuf, u64>,
    durable_names: BTreeMap<PathBuf, u64>,
    /// Directory operations not yet made durable: (event, directory).
    pending_names: Vec<(usize, PathBuf)>,
    cur: HashMap<u64, Vec<u8>>,
    durable: HashMap<u64, Vec<u8>>,
    /// Per file, the mutations since its last `sync_data`.
    pending: HashMap<u64, Vec<usize>>,
}

impl Replay {
    fn new(log: &Log) -> Replay {
        let mut replay = Replay {
            dirs: log.base_dirs.iter().cloned().collect(),
            cur_names: BTreeMap::new(),
            durable_names: BTreeMap::new(),
            pending_names: Vec::new(),
            cur: HashMap::new(),
            durable: HashMap::new(),
            pending: HashMap::new(),
        };
        for (path, ino, data) in &log.base_files {
            replay.cur_names.insert(path.clone(), *ino);
            replay.durable_names.insert(path.clone(), *ino);
            replay.cur.insert(*ino, data.clone());
            replay.durable.insert(*ino, data.clone());
        }
        replay
    }

    fn apply(&mut self, i: usize, event: &Event) {
        match event {
            Event::MkDir(dir) => {
                for ancestor in dir.ancestors() {
                    if !ancestor.as_os_str().is_empty() {
                        self.dirs.insert(ancestor.to_path_buf());
                    }
                }
            }
            Event::Link(path, ino) => {
                self.cur_names.insert(path.clone(), *ino);
                self.cur.insert(*ino, Vec::new());
                self.durable.insert(*ino, Vec::new());
                self.pending_names.push((i, parent_dir(path).to_path_buf()));
            }
            Event::Rename(from, to) => {
                if let Some(ino) = self.cur_names.remove(from) {
                    self.cur_names.insert(to.clone(), ino);
                }
                self.pending_names.push((i, parent_dir(to).to_path_buf()));
            }
            Event::Remove(path) => {
                self.cur_names.remove(path);
                self.pending_names.push((i, parent_dir(path).to_path_buf()));
            }
            Event::Write(ino, offset, data) => {
                write_at(self.cur.entry(*ino).or_default(), *offset, data);
                self.pending.entry(*ino).or_default().push(i);
            }
            Event::SetLen(ino, len) => {
                resize(self.cur.entry(*ino).or_default(), *len);
                self.pending.entry(*ino).or_default().push(i);
            }
            Event::SyncData(ino) => {
                let data = self.cur.get(ino).cloned().unwrap_or_default();
                self.durable.insert(*ino, data);
                self.pending.remove(ino);
            }
            Event::SyncDir(dir) => self.sync_dir(dir),
        }
    }

    fn sync_dir(&mut self, dir: &Path) {
        self.durable_names.retain(|p, _| parent_dir(p) != dir);
        for (path, ino) in &self.cur_names {
            if parent_dir(path) == dir {
                self.durable_names.insert(path.clone(), *ino);
            }
        }
        self.pending_names.retain(|(_, d)| d != dir);
    }

    fn image(&self, events: &[Event], mode: CrashMode) -> MemVfs {
        let mut rng = match mode {
            CrashMode::LoseUnsynced => None,
            CrashMode::Torn { seed } => Some(SplitMix(seed)),
        };
        let mut names = self.durable_names.clone();
        if let Some(rng) = rng.as_mut() {
            let keep = rng.below(self.pending_names.len() as u64 + 1) as usize;
            for (i, _) in &self.pending_names[..keep] {
                apply_name_op(&mut names, &events[*i]);
            }
        }
        let image = MemVfs::new();
        for dir in &self.dirs {
            let _ = image.create_dir_all(dir);
        }
        for (path, ino) in &names {
            let mut data = self.durable.get(ino).cloned().unwrap_or_default();
            if let (Some(rng), Some(ops)) = (rng.as_mut(), self.pending.get(ino)) {
                tear(&mut data, ops, events, rng);
            }
            image.put_file(path, data);
        }
        image
    }
}

/// Applies one directory operation to a name table.
fn apply_name_op(names: &mut BTreeMap<PathBuf, u64>, event: &Event) {
    match event {
        Event::Link(path, ino) => {
            names.insert(path.clone(), *ino);
        }
        Event::Rename(from, to) => {
            if let Some(ino) = names.remove(from) {
                names.insert(to.clone(), ino);
            }
        }
        Event::Remove(path) => {
            names.remove(path);
        }
        _ => {}
    }
}

/// Applies a random prefix of a file's unsynced mutations; the first one
/// left out, if a write, may land partially, followed by garbage.
fn tear(data: &mut Vec<u8>, ops: &[usize], events: &[Event], rng: &mut SplitMix) {
    let keep = rng.below(ops.len() as u64 + 1) as usize;
    for &i in &ops[..keep] {
        match &events[i] {
            Event::Write(_, offset, bytes) => write_at(data, *offset, bytes),
            Event::SetLen(_, len) => resize(data, *len),
            _ => {}
        }
    }
    let Some(&next) = ops.get(keep) else { return };
    let Event::Write(_, offset, bytes) = &events[next] else {
        return;
    };
    let cut = rng.below(bytes.len() as u64) as usize;
    write_at(data, *offset, &bytes[..cut]);
    let room = (bytes.len() - cut).min(32) as u64;
    if room > 0 && rng.below(2) == 1 {
        let garbage: Vec<u8> = (0..=rng.below(room)).map(|_| rng.next() as u8).collect();
        write_at(data, *offset + cut as u64, &garbage);
    }
}

fn write_at(data: &mut Vec<u8>, offset: u64, bytes: &[u8]) {
    let start = offset as usize;
    let end = start + bytes.len();
    if end > data.len() {
        data.resize(end, 0);
    }
    data[start..end].copy_from_slice(bytes);
}

fn resize(data: &mut Vec<u8>, len: u64) {
    data.resize(len as usize, 0);
}

/// A small deterministic generator (SplitMix64).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}
