//! Real files that only receive what was synced: a power loss on demand.
//!
//! A process killed with `kill -9` loses nothing it wrote, because the
//! page cache belongs to the kernel. A test that kills a server therefore
//! cannot tell whether the server synced before acknowledging. With
//! [`PowerLossVfs`] the server's unsynced writes live in *its own* memory,
//! and only a sync copies them to the real files:
//!
//! * file contents reach the disk file when [`VfsFile::sync_data`] is
//!   called on that file;
//! * creations, renames and removals reach the disk when
//!   [`Vfs::sync_dir`] is called on their directory, in the order they
//!   were made;
//! * a file whose name is not durable yet keeps its synced contents in
//!   memory, and they are written out with the name.
//!
//! So killing the process leaves on disk exactly what a power loss would
//! leave under the [`super`] contract (`CrashMode::LoseUnsynced` of
//! [`super::CrashVfs`]). The files use the normal layout: a later process
//! can open them with [`super::StdVfs`] or with a new `PowerLossVfs`.
//!
//! Nothing here calls `fsync`: the disk only has to survive the death of
//! the process, which the page cache does. The whole tree is held in
//! memory (twice: current and durable contents), so this is for tests with
//! small data directories (`keel --test-lose-unsynced`).

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::Mutex;

use super::mem::{MemFile, Opened};
use super::{parent_dir, MemVfs, OpenMode, StdVfs, Vfs, VfsFile};

/// The name a file is written under before being renamed into place, so
/// that a process killed while applying a sync never leaves a half-written
/// file under a durable name. Removed when the tree is loaded.
const STAGING: &str = ".keel-power-loss.tmp";

/// A directory tree on disk whose files only change on sync (see the
/// module documentation). Clones share the same state.
#[derive(Debug, Clone)]
pub struct PowerLossVfs {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    /// The files as the process sees them.
    current: MemVfs,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Per inode, the contents the last sync made durable.
    durable: HashMap<u64, Vec<u8>>,
    /// Per inode, what changed since its last sync.
    dirty: HashMap<u64, Dirty>,
    /// The names on disk and their inodes.
    on_disk: BTreeMap<PathBuf, u64>,
    /// Directory operations not synced yet, in order.
    pending: Vec<DirOp>,
}

/// Changes to a file since its last sync.
#[derive(Debug, Clone, Copy)]
struct Dirty {
    /// The smallest size the file had (bytes past it are no longer valid).
    min_len: u64,
    /// The range written, `lo >= hi` when nothing was.
    lo: u64,
    hi: u64,
}

impl Dirty {
    fn new(len: u64) -> Dirty {
        Dirty {
            min_len: len,
            lo: u64::MAX,
            hi: 0,
        }
    }
}

#[derive(Debug)]
enum DirOp {
    Create(PathBuf, u64),
    Rename(PathBuf, PathBuf),
    Remove(PathBuf),
}

impl DirOp {
    fn dir(&self) -> &Path {
        match self {
            DirOp::Create(path, _) | DirOp::Remove(path) => parent_dir(path),
            DirOp::Rename(_, to) => parent_dir(to),
        }
    }
}

impl PowerLossVfs {
    /// Loads the tree under `root` (created if missing); paths under
    /// `root` are then used exactly as given to the other methods.
    pub fn load(root: &Path) -> io::Result<PowerLossVfs> {
        fs::create_dir_all(root)?;
        let current = MemVfs::new();
        let mut state = State::default();
        load_dir(root, &current, &mut state)?;
        Ok(PowerLossVfs {
            shared: Arc::new(Shared {
                current,
                state: Mutex::new(state),
            }),
        })
    }

    /// This file system as an `Arc<dyn Vfs>`.
    pub fn shared(&self) -> Arc<dyn Vfs> {
        Arc::new(self.clone())
    }
}

/// Reads `dir` recursively into `current`, as durable.
fn load_dir(dir: &Path, current: &MemVfs, state: &mut State) -> io::Result<()> {
    current.create_dir_all(dir)?;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = dir.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            load_dir(&path, current, state)?;
        } else if entry.file_name() == STAGING {
            fs::remove_file(&path)?;
        } else {
            let data = fs::read(&path)?;
            current.put_file(&path, data.clone());
            let (inode, _) = current.open_inode(&path, OpenMode::Read)?;
            state.durable.insert(inode.id, data);
            state.on_disk.insert(path, inode.id);
        }
    }
    Ok(())
}

impl State {
    fn dirty(&mut self, ino: u64, len: u64) -> &mut Dirty {
        self.dirty.entry(ino).or_insert_with(|| Dirty::new(len))
    }

    /// Makes `data` (the current contents of `ino`) durable: in memory, and
    /// on disk if the file has a durable name.
    fn sync_file(&mut self, ino: u64, data: &[u8]) -> io::Result<()> {
        let Some(dirty) = self.dirty.remove(&ino) else {
            return Ok(());
        };
        let len = data.len();
        let durable = self.durable.entry(ino).or_default();
        durable.truncate(dirty.min_len as usize);
        durable.resize(len, 0);
        let (lo, hi) = (dirty.lo as usize, (dirty.hi as usize).min(len));
        if lo < hi {
            durable[lo..hi].copy_from_slice(&data[lo..hi]);
        }
        let Some(path) = self.name_on_disk(ino) else {
            return Ok(());
        };
        let file = StdVfs.open(&path, OpenMode::ReadWrite)?;
        file.set_len(dirty.min_len.min(len as u64))?;
        file.set_len(len as u64)?;
        if lo < hi {
            file.write_all_at(&data[lo..hi], lo as u64)?;
        }
        Ok(())
    }

    fn name_on_disk(&self, ino: u64) -> Option<PathBuf> {
        self.on_disk
            .iter()
            .find(|(_, i)| **i == ino)
            .map(|(p, _)| p.clone())
    }

    /// Applies the pending operations of `dir` to the disk, in order.
    fn sync_dir(&mut self, dir: &Path) -> io::Result<()> {
        let (ops, rest) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|op| op.dir() == dir);
        self.pending = rest;
        let ops: Vec<DirOp> = ops;
        for op in ops {
            match op {
                DirOp::Create(path, ino) => {
                    let staging = parent_dir(&path).join(STAGING);
                    let data = self.durable.get(&ino).map_or(&[][..], Vec::as_slice);
                    fs::write(&staging, data)?;
                    fs::rename(&staging, &path)?;
                    self.on_disk.insert(path, ino);
                }
                DirOp::Rename(from, to) => {
                    if let Some(ino) = self.on_disk.remove(&from) {
                        fs::rename(&from, &to)?;
                        self.on_disk.insert(to, ino);
                    }
                }
                DirOp::Remove(path) => {
                    if self.on_disk.remove(&path).is_some() {
                        fs::remove_file(&path)?;
                    }
                }
            }
        }
        Ok(())
    }
}

impl Vfs for PowerLossVfs {
    fn open(&self, path: &Path, mode: OpenMode) -> io::Result<Arc<dyn VfsFile>> {
        let mut state = self.shared.state.lock();
        let (inode, opened) = self.shared.current.open_inode(path, mode)?;
        match opened {
            Opened::Existing => {}
            Opened::Created => {
                state.durable.insert(inode.id, Vec::new());
                state
                    .pending
                    .push(DirOp::Create(path.to_path_buf(), inode.id));
            }
            Opened::Truncated => state.dirty(inode.id, 0).min_len = 0,
        }
        Ok(Arc::new(PowerLossFile {
            vfs: self.clone(),
            file: MemFile {
                inode,
                writable: mode != OpenMode::Read,
            },
        }))
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        let mut state = self.shared.state.lock();
        self.shared.current.rename(from, to)?;
        state
            .pending
            .push(DirOp::Rename(from.to_path_buf(), to.to_path_buf()));
        Ok(())
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        let mut state = self.shared.state.lock();
        self.shared.current.remove_file(path)?;
        state.pending.push(DirOp::Remove(path.to_path_buf()));
        Ok(())
    }

    fn list_dir(&self, dir: &Path) -> io::Result<Vec<String>> {
        self.shared.current.list_dir(dir)
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        if !self.shared.current.dir_exists(dir)? {
            return Err(io::Error::new(io::ErrorKind::NotFound, "no such directory"));
        }
        self.shared.state.lock().sync_dir(dir)
    }

    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        fs::create_dir_all(dir)?;
        self.shared.current.create_dir_all(dir)
    }

    fn dir_exists(&self, dir: &Path) -> io::Result<bool> {
        self.shared.current.dir_exists(dir)
    }
}

/// An open file of a [`PowerLossVfs`].
#[derive(Debug)]
struct PowerLossFile {
    vfs: PowerLossVfs,
    file: MemFile,
}

impl PowerLossFile {
    /// Runs a change under the state lock and records what it touched.
    fn change(
        &self,
        op: impl FnOnce(&MemFile) -> io::Result<()>,
        record: impl FnOnce(&mut Dirty),
    ) -> io::Result<()> {
        let mut state = self.vfs.shared.state.lock();
        let len = self.file.size()?;
        op(&self.file)?;
        record(state.dirty(self.file.inode.id, len));
        Ok(())
    }
}

impl VfsFile for PowerLossFile {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        self.file.read_at(buf, offset)
    }

    fn write_all_at(&self, buf: &[u8], offset: u64) -> io::Result<()> {
        let end = offset.saturating_add(buf.len() as u64);
        self.change(
            |f| f.write_all_at(buf, offset),
            |d| {
                d.lo = d.lo.min(offset);
                d.hi = d.hi.max(end);
            },
        )
    }

    fn size(&self) -> io::Result<u64> {
        self.file.size()
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        self.change(|f| f.set_len(len), |d| d.min_len = d.min_len.min(len))
    }

    fn preallocate(&self, len: u64) -> io::Result<()> {
        self.change(|f| f.preallocate(len), |_| {})
    }

    fn sync_data(&self) -> io::Result<()> {
        if !self.file.writable {
            return Ok(());
        }
        let mut state = self.vfs.shared.state.lock();
        let data = self.file.inode.data.read();
        state.sync_file(self.file.inode.id, &data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &Path) -> Option<Vec<u8>> {
        fs::read(path).ok()
    }

    #[test]
    fn only_synced_data_and_names_reach_the_disk() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("data");
        let vfs = PowerLossVfs::load(&root).unwrap();
        let a = root.join("a");
        let file = vfs
            .open(&root.join("a.tmp"), OpenMode::CreateTruncate)
            .unwrap();
        file.write_all_at(b"hello", 0).unwrap();
        file.sync_data().unwrap();
        vfs.rename(&root.join("a.tmp"), &a).unwrap();
        // Synced data, but the name is not durable yet.
        assert_eq!(fs::read_dir(&root).unwrap().count(), 0);
        vfs.sync_dir(&root).unwrap();
        assert_eq!(read(&a).as_deref(), Some(&b"hello"[..]));
        // Unsynced writes and size changes stay in memory.
        file.write_all_at(b" world", 5).unwrap();
        file.preallocate(64).unwrap();
        assert_eq!(read(&a).as_deref(), Some(&b"hello"[..]));
        let mut buf = [0u8; 11];
        file.read_exact_at(&mut buf, 0).unwrap();
        assert_eq!(&buf, b"hello world");
        file.sync_data().unwrap();
        let mut want = b"hello world".to_vec();
        want.resize(64, 0);
        assert_eq!(read(&a), Some(want));
        // A cut then a re-extension reads as zeros past the cut.
        file.set_len(2).unwrap();
        file.preallocate(8).unwrap();
        file.sync_data().unwrap();
        assert_eq!(read(&a).as_deref(), Some(&b"he\0\0\0\0\0\0"[..]));
        // Removal reaches the disk with the directory sync.
        vfs.remove_file(&a).unwrap();
        assert!(read(&a).is_some());
        vfs.sync_dir(&root).unwrap();
        assert!(read(&a).is_none());
    }

    #[test]
    fn a_new_instance_sees_what_was_synced() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("data");
        let vfs = PowerLossVfs::load(&root).unwrap();
        let sub = root.join("wal");
        vfs.create_dir_all(&sub).unwrap();
        let kept = vfs
            .open(&sub.join("kept"), OpenMode::CreateTruncate)
            .unwrap();
        kept.write_all_at(b"durable", 0).unwrap();
        kept.sync_data().unwrap();
        vfs.sync_dir(&sub).unwrap();
        kept.write_all_at(b"DURABLE-but-lost", 0).unwrap();
        let lost = vfs
            .open(&sub.join("lost"), OpenMode::CreateTruncate)
            .unwrap();
        lost.write_all_at(b"x", 0).unwrap();
        lost.sync_data().unwrap();
        drop(vfs);
        let again = PowerLossVfs::load(&root).unwrap();
        assert_eq!(again.list_dir(&sub).unwrap(), vec!["kept".to_string()]);
        let file = again.open(&sub.join("kept"), OpenMode::Read).unwrap();
        let mut buf = vec![0u8; file.size().unwrap() as usize];
        file.read_exact_at(&mut buf, 0).unwrap();
        assert_eq!(buf, b"durable");
    }
}
