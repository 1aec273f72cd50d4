//! The file operations the log needs, behind a small trait.
//!
//! Everything in this crate reaches the disk through [`Vfs`] and
//! [`VfsFile`], so the same code runs on:
//!
//! * [`StdVfs`]: real files (`std::fs`, `pwrite`/`pread`, `fdatasync`,
//!   `fallocate` on Linux);
//! * [`MemVfs`]: an in-memory file system (durability mode `memory`, and
//!   tests);
//! * [`CrashVfs`]: an in-memory file system that records every mutation and
//!   every sync, can inject I/O errors and pause syncs, and produces "the
//!   disk after a crash at sync point N" as a [`MemVfs`];
//! * [`PowerLossVfs`]: real files that only receive synced data, so that
//!   killing the process loses what a power loss would (process-level
//!   crash tests, `keel --test-lose-unsynced`).
//!
//! # Contract an implementation must keep
//!
//! * Data written with [`VfsFile::write_all_at`] and size changes
//!   ([`VfsFile::set_len`], [`VfsFile::preallocate`]) are durable once
//!   [`VfsFile::sync_data`] has returned `Ok` on that file (what Linux's
//!   `fdatasync` guarantees: data plus the metadata needed to read it back,
//!   including the file size).
//! * Directory entries (create, [`Vfs::rename`], [`Vfs::remove_file`]) are
//!   durable once [`Vfs::sync_dir`] has returned `Ok` on their directory.
//! * [`Vfs::rename`] is atomic: after a crash the destination name refers to
//!   either the old or the new file, never to a mix.
//! * A failed sync makes no promise at all about what reached the disk; the
//!   callers never retry it (fail-stop).

mod crash;
mod mem;
mod power_loss;
mod std_fs;

use std::fmt;
use std::io;
use std::path::Path;
use std::sync::Arc;

pub use crash::{CrashMode, CrashVfs, SyncGate};
pub use mem::MemVfs;
pub use power_loss::PowerLossVfs;
pub use std_fs::StdVfs;

/// How a file is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// An existing file, read only.
    Read,
    /// An existing file, read and write.
    ReadWrite,
    /// Read and write; the file is created if missing and truncated to zero
    /// length if present.
    CreateTruncate,
}

/// A directory tree of files. Paths are used as given (no normalisation).
pub trait Vfs: Send + Sync + fmt::Debug {
    /// Opens (or creates, see [`OpenMode`]) the file at `path`.
    fn open(&self, path: &Path, mode: OpenMode) -> io::Result<Arc<dyn VfsFile>>;

    /// Atomically renames `from` to `to`, replacing `to` if it exists. Both
    /// are in the same directory. Durable after [`Vfs::sync_dir`].
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;

    /// Removes a file name. Open handles stay usable. Durable after
    /// [`Vfs::sync_dir`].
    fn remove_file(&self, path: &Path) -> io::Result<()>;

    /// The names (not paths) of the files in `dir`, in no particular order.
    /// Names that are not valid UTF-8 and subdirectories are left out.
    fn list_dir(&self, dir: &Path) -> io::Result<Vec<String>>;

    /// Makes the entries of `dir` (creations, renames, removals) durable.
    fn sync_dir(&self, dir: &Path) -> io::Result<()>;

    /// Creates `dir` and its missing parents.
    fn create_dir_all(&self, dir: &Path) -> io::Result<()>;

    /// Whether `dir` exists and is a directory.
    fn dir_exists(&self, dir: &Path) -> io::Result<bool>;
}

/// An open file. All operations are positional, so one handle can be
/// shared (`Arc`) between a writer and concurrent readers.
pub trait VfsFile: Send + Sync + fmt::Debug {
    /// Reads up to `buf.len()` bytes at `offset`; returns how many were read
    /// (0 at or past the end of the file).
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;

    /// Writes all of `buf` at `offset`, extending the file if needed.
    fn write_all_at(&self, buf: &[u8], offset: u64) -> io::Result<()>;

    /// The current file size in bytes.
    fn size(&self) -> io::Result<u64>;

    /// Sets the file size: truncates, or extends with zeros.
    fn set_len(&self, len: u64) -> io::Result<()>;

    /// Makes the file at least `len` bytes long (never shrinks it); bytes
    /// past the old end read as zero. Where the platform supports it, disk
    /// blocks are reserved so later writes inside the range need no
    /// allocation.
    fn preallocate(&self, len: u64) -> io::Result<()>;

    /// Makes the data written so far and the file size durable
    /// (`fdatasync`).
    fn sync_data(&self) -> io::Result<()>;

    /// Fills `buf` from `offset`; an `UnexpectedEof` error if the file ends
    /// first.
    fn read_exact_at(&self, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
        while !buf.is_empty() {
            match self.read_at(buf, offset) {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "file ended before the requested range",
                    ))
                }
                Ok(n) => {
                    buf = &mut buf[n..];
                    offset += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// The parent directory of `path` (`.` for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}
