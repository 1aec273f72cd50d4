//! An in-memory file system.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

use super::{parent_dir, OpenMode, Vfs, VfsFile};

/// Files in memory. Cloning gives another handle to the same files (use
/// [`MemVfs::deep_clone`] for an independent copy). Syncs are no-ops:
/// everything written is kept until the `MemVfs` is dropped, and nothing
/// survives the process.
#[derive(Debug, Clone, Default)]
pub struct MemVfs {
    state: Arc<Mutex<MemState>>,
}

#[derive(Debug, Default)]
struct MemState {
    dirs: BTreeSet<PathBuf>,
    files: BTreeMap<PathBuf, Arc<Inode>>,
    next_ino: u64,
}

/// A file's contents, shared by its directory entry and its open handles
/// (like an inode: a removed file stays readable through open handles).
#[derive(Debug)]
pub(crate) struct Inode {
    pub(crate) id: u64,
    pub(crate) data: RwLock<Vec<u8>>,
}

/// What [`MemVfs::open_inode`] did to the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Opened {
    Existing,
    Created,
    Truncated,
}

impl MemVfs {
    /// An empty file system.
    pub fn new() -> MemVfs {
        MemVfs::default()
    }

    /// An independent copy of every directory and file.
    pub fn deep_clone(&self) -> MemVfs {
        let copy = MemVfs::new();
        let state = self.state.lock();
        for dir in &state.dirs {
            copy.add_dir(dir);
        }
        for (path, inode) in &state.files {
            copy.put_file(path, inode.data.read().clone());
        }
        copy
    }

    /// The contents of the file at `path`.
    pub fn read_file(&self, path: &Path) -> io::Result<Vec<u8>> {
        let state = self.state.lock();
        let inode = state.files.get(path).ok_or_else(not_found)?;
        let data = inode.data.read().clone();
        Ok(data)
    }

    /// Changes the contents of the file at `path` in place (tests use it to
    /// flip bits or cut files).
    pub fn modify_file(&self, path: &Path, f: impl FnOnce(&mut Vec<u8>)) -> io::Result<()> {
        let state = self.state.lock();
        let inode = state.files.get(path).ok_or_else(not_found)?;
        f(&mut inode.data.write());
        Ok(())
    }

    /// Every file path, sorted.
    pub fn paths(&self) -> Vec<PathBuf> {
        self.state.lock().files.keys().cloned().collect()
    }

    /// Every directory, sorted.
    pub(crate) fn dirs(&self) -> Vec<PathBuf> {
        self.state.lock().dirs.iter().cloned().collect()
    }

    /// Total bytes held by files that still have a name.
    pub fn total_bytes(&self) -> u64 {
        let state = self.state.lock();
        state
            .files
            .values()
            .map(|i| i.data.read().len() as u64)
            .sum()
    }

    /// Creates (or replaces) a file with the given contents; its directory
    /// is created too.
    pub(crate) fn put_file(&self, path: &Path, data: Vec<u8>) {
        self.add_dir(parent_dir(path));
        let mut state = self.state.lock();
        let id = state.next_ino;
        state.next_ino += 1;
        let inode = Arc::new(Inode {
            id,
            data: RwLock::new(data),
        });
        state.files.insert(path.to_path_buf(), inode);
    }

    fn add_dir(&self, dir: &Path) {
        let mut state = self.state.lock();
        for ancestor in dir.ancestors() {
            if !ancestor.as_os_str().is_empty() {
                state.dirs.insert(ancestor.to_path_buf());
            }
        }
    }

    /// Opens a file and tells what happened to the directory, for
    /// [`super::CrashVfs`], which records it.
    pub(crate) fn open_inode(
        &self,
        path: &Path,
        mode: OpenMode,
    ) -> io::Result<(Arc<Inode>, Opened)> {
        let mut state = self.state.lock();
        if let Some(inode) = state.files.get(path) {
            let inode = Arc::clone(inode);
            if mode == OpenMode::CreateTruncate {
                inode.data.write().clear();
                return Ok((inode, Opened::Truncated));
            }
            return Ok((inode, Opened::Existing));
        }
        if mode != OpenMode::CreateTruncate {
            return Err(not_found());
        }
        if !state.has_dir(parent_dir(path)) {
            return Err(not_found());
        }
        let id = state.next_ino;
        state.next_ino += 1;
        let inode = Arc::new(Inode {
            id,
            data: RwLock::new(Vec::new()),
        });
        state.files.insert(path.to_path_buf(), Arc::clone(&inode));
        Ok((inode, Opened::Created))
    }
}

impl MemState {
    fn has_dir(&self, dir: &Path) -> bool {
        dir == Path::new(".") || dir == Path::new("/") || self.dirs.contains(dir)
    }
}

impl Vfs for MemVfs {
    fn open(&self, path: &Path, mode: OpenMode) -> io::Result<Arc<dyn VfsFile>> {
        let (inode, _) = self.open_inode(path, mode)?;
        Ok(Arc::new(MemFile {
            inode,
            writable: mode != OpenMode::Read,
        }))
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        let mut state = self.state.lock();
        let inode = state.files.remove(from).ok_or_else(not_found)?;
        state.files.insert(to.to_path_buf(), inode);
        Ok(())
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        let mut state = self.state.lock();
        state.files.remove(path).map(|_| ()).ok_or_else(not_found)
    }

    fn list_dir(&self, dir: &Path) -> io::Result<Vec<String>> {
        let state = self.state.lock();
        if !state.has_dir(dir) {
            return Err(not_found());
        }
        let names = state
            .files
            .keys()
            .filter(|p| parent_dir(p) == dir)
            .filter_map(|p| p.file_name()?.to_str().map(str::to_owned))
            .collect();
        Ok(names)
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        if self.state.lock().has_dir(dir) {
            Ok(())
        } else {
            Err(not_found())
        }
    }

    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        self.add_dir(dir);
        Ok(())
    }

    fn dir_exists(&self, dir: &Path) -> io::Result<bool> {
        Ok(self.state.lock().has_dir(dir))
    }
}

/// An open in-memory file.
#[derive(Debug)]
pub(crate) struct MemFile {
    pub(crate) inode: Arc<Inode>,
    pub(crate) writable: bool,
}

impl MemFile {
    fn check_writable(&self) -> io::Result<()> {
        if self.writable {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "file opened read-only",
            ))
        }
    }
}

impl VfsFile for MemFile {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let data = self.inode.data.read();
        let Ok(start) = usize::try_from(offset) else {
            return Ok(0);
        };
        if start >= data.len() {
            return Ok(0);
        }
        let n = buf.len().min(data.len() - start);
        buf[..n].copy_from_slice(&data[start..start + n]);
        Ok(n)
    }

    fn write_all_at(&self, buf: &[u8], offset: u64) -> io::Result<()> {
        self.check_writable()?;
        let start = to_usize(offset)?;
        let end = start.checked_add(buf.len()).ok_or_else(too_large)?;
        let mut data = self.inode.data.write();
        if end > data.len() {
            data.resize(end, 0);
        }
        data[start..end].copy_from_slice(buf);
        Ok(())
    }

    fn size(&self) -> io::Result<u64> {
        Ok(self.inode.data.read().len() as u64)
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        self.check_writable()?;
        let len = to_usize(len)?;
        self.inode.data.write().resize(len, 0);
        Ok(())
    }

    fn preallocate(&self, len: u64) -> io::Result<()> {
        self.check_writable()?;
        let len = to_usize(len)?;
        let mut data = self.inode.data.write();
        if len > data.len() {
            data.resize(len, 0);
        }
        Ok(())
    }

    fn sync_data(&self) -> io::Result<()> {
        Ok(())
    }
}

/// Files in memory are limited to what an allocation can hold.
fn to_usize(v: u64) -> io::Result<usize> {
    const LIMIT: u64 = 1 << 40;
    if v > LIMIT {
        return Err(too_large());
    }
    usize::try_from(v).map_err(|_| too_large())
}

fn too_large() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "in-memory file offset too large",
    )
}

fn not_found() -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, "no such file or directory")
}
