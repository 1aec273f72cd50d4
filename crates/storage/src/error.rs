//! Error types, one per family of files.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// An error of the write-ahead log or of its metadata file.
///
/// Errors are `Clone` so that one failed fsync can be reported to every
/// caller waiting on the batch it carried.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WalError {
    /// An I/O operation failed. If it was a write or a sync, the log is now
    /// failed: every later write returns [`WalError::Failed`].
    #[error("{op} {}: {source}", path.display())]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: Arc<io::Error>,
    },
    /// Durable data does not match its checksum or its format. Never
    /// repaired automatically; `keel check` explains it.
    #[error("corrupted {} at offset {offset}: {reason}", file.display())]
    Corrupted {
        file: PathBuf,
        offset: u64,
        reason: String,
    },
    /// The log refuses writes because an earlier write or sync failed
    /// (fail-stop); reopening it (restarting the process) recovers.
    #[error("the log refuses writes after an earlier I/O error ({cause}); restart to recover")]
    Failed { cause: Arc<str> },
    /// An append did not continue the log.
    #[error("append of index {got} does not continue the log: expected index {expected}")]
    OutOfOrder { expected: u64, got: u64 },
    /// An argument is outside what the operation accepts.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// An entry is larger than a record can hold.
    #[error("entry of {len} bytes exceeds the maximum of {max} bytes")]
    TooLarge { len: usize, max: usize },
    /// The group commit thread has stopped.
    #[error("the log writer has stopped")]
    Closed,
}

impl WalError {
    /// Whether this error means the durable data is damaged.
    pub fn is_corruption(&self) -> bool {
        matches!(self, WalError::Corrupted { .. })
    }

    pub(crate) fn corrupted(file: &Path, offset: u64, reason: impl Into<String>) -> WalError {
        WalError::Corrupted {
            file: file.to_path_buf(),
            offset,
            reason: reason.into(),
        }
    }
}

/// An error of snapshot files.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SnapshotError {
    /// An I/O operation failed.
    #[error("{op} {}: {source}", path.display())]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: Arc<io::Error>,
    },
    /// A snapshot file does not match its checksums or its format.
    #[error("corrupted {} at offset {offset}: {reason}", file.display())]
    Corrupted {
        file: PathBuf,
        offset: u64,
        reason: String,
    },
    /// No snapshot with this id exists.
    #[error("no snapshot with id {id}")]
    NotFound { id: u64 },
    /// A chunk or the metadata is larger than the format can hold.
    #[error("{what} of {len} bytes exceeds the maximum of {max} bytes")]
    TooLarge {
        what: &'static str,
        len: usize,
        max: usize,
    },
}

impl SnapshotError {
    /// Whether this error means the snapshot file is damaged.
    pub fn is_corruption(&self) -> bool {
        matches!(self, SnapshotError::Corrupted { .. })
    }

    pub(crate) fn corrupted(file: &Path, offset: u64, reason: impl Into<String>) -> SnapshotError {
        SnapshotError::Corrupted {
            file: file.to_path_buf(),
            offset,
            reason: reason.into(),
        }
    }
}

/// Maps an `io::Error` of operation `op` on `path` to a [`WalError`].
pub(crate) fn wal_io(op: &'static str, path: &Path) -> impl FnOnce(io::Error) -> WalError {
    let path = path.to_path_buf();
    move |source| WalError::Io {
        op,
        path,
        source: Arc::new(source),
    }
}

/// Maps an `io::Error` of operation `op` on `path` to a [`SnapshotError`].
pub(crate) fn snap_io(op: &'static str, path: &Path) -> impl FnOnce(io::Error) -> SnapshotError {
    let path = path.to_path_buf();
    move |source| SnapshotError::Io {
        op,
        path,
        source: Arc::new(source),
    }
}
