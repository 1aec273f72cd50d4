//! Real files through `std::fs`.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;

use super::{OpenMode, Vfs, VfsFile};

/// Real files. `sync_data` is `fdatasync(2)`, `sync_dir` is `fsync(2)` on
/// the directory, `preallocate` is `fallocate(2)` on Linux (falling back to
/// extending the file, sparse, where the file system does not support it).
#[derive(Debug, Clone, Copy, Default)]
pub struct StdVfs;

impl StdVfs {
    /// The real file system, shared.
    pub fn shared() -> Arc<dyn Vfs> {
        Arc::new(StdVfs)
    }
}

impl Vfs for StdVfs {
    fn open(&self, path: &Path, mode: OpenMode) -> io::Result<Arc<dyn VfsFile>> {
        let mut options = OpenOptions::new();
        match mode {
            OpenMode::Read => options.read(true),
            OpenMode::ReadWrite => options.read(true).write(true),
            OpenMode::CreateTruncate => options.read(true).write(true).create(true).truncate(true),
        };
        Ok(Arc::new(StdFile {
            file: options.open(path)?,
        }))
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        fs::rename(from, to)
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        fs::remove_file(path)
    }

    fn list_dir(&self, dir: &Path) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                continue;
            }
            if let Ok(name) = entry.file_name().into_string() {
                names.push(name);
            }
        }
        Ok(names)
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        File::open(dir)?.sync_all()
    }

    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        fs::create_dir_all(dir)
    }

    fn dir_exists(&self, dir: &Path) -> io::Result<bool> {
        match fs::metadata(dir) {
            Ok(m) => Ok(m.is_dir()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// An open real file.
#[derive(Debug)]
struct StdFile {
    file: File,
}

impl VfsFile for StdFile {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        self.file.read_at(buf, offset)
    }

    fn write_all_at(&self, buf: &[u8], offset: u64) -> io::Result<()> {
        self.file.write_all_at(buf, offset)
    }

    fn size(&self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        self.file.set_len(len)
    }

    fn preallocate(&self, len: u64) -> io::Result<()> {
        if self.size()? >= len {
            return Ok(());
        }
        fallocate(&self.file, len)
    }

    fn sync_data(&self) -> io::Result<()> {
        self.file.sync_data()
    }
}

/// Reserves blocks for `[0, len)` and extends the file to `len`.
#[cfg(target_os = "linux")]
fn fallocate(file: &File, len: u64) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let Ok(off_len) = libc::off_t::try_from(len) else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "preallocation length too large",
        ));
    };
    loop {
        // SAFETY: fallocate only reads its integer arguments; the descriptor
        // is owned by `file`, which outlives the call.
        let rc = unsafe { libc::fallocate(file.as_raw_fd(), 0, 0, off_len) };
        if rc == 0 {
            return Ok(());
        }
        let err = io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EOPNOTSUPP) | Some(libc::ENOSYS) => return file.set_len(len),
            _ => return Err(err),
        }
    }
}

/// Extends the file to `len` (sparse) where `fallocate` does not exist.
#[cfg(not(target_os = "linux"))]
fn fallocate(file: &File, len: u64) -> io::Result<()> {
    file.set_len(len)
}
