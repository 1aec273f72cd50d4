//! keel's durable storage: the write-ahead log, group commit, snapshot
//! files and offline verification.
//!
//! * [`Wal`] is a segmented log of opaque entries indexed by `u64`, with
//!   checksummed records, crash recovery ([`Recovery`]), truncation (Raft
//!   conflicts) and purging (compaction). [`WalReader`] is a cheap,
//!   cloneable read handle usable from any thread.
//! * [`GroupCommit`] owns a `Wal` on a dedicated thread and acknowledges
//!   appends through callbacks once they are durable per the
//!   [`Durability`] mode, batching concurrent appends into one write and
//!   one `fdatasync`.
//! * [`Meta`] (vote, committed, purge point) lives in a small file replaced
//!   atomically ([`MetaStore`]).
//! * [`SnapshotStore`] writes snapshots chunk by chunk and reads them back,
//!   checking every chunk.
//! * [`check`] walks a data directory without changing it and explains any
//!   damage (`keel check`).
//!
//! All file access goes through [`vfs::Vfs`]: real files, memory, the
//! crash-injecting [`vfs::CrashVfs`] the tests use, or [`vfs::PowerLossVfs`]
//! (real files that only receive synced data, for process-level power-loss
//! tests).
//!
//! Durable data is checksummed and versioned; a torn write at the end of
//! the last segment is cut on recovery and any other damage is
//! [`WalError::Corrupted`], never skipped. The metadata's [`LogEnd`] (the
//! durable end, recorded lazily by group commit) lets recovery tell a torn,
//! never acknowledged tail from a lost acknowledged entry or a missing
//! newest segment. After a failed write or sync the
//! log refuses further writes until reopened (fail-stop).
//!
//! Formats and the crash-safety argument: `docs/design/wal.md` and
//! `docs/design/snapshot.md`.

mod check;
mod error;
mod group_commit;
mod meta;
mod reader;
mod record;
mod recovery;
mod segment;
mod snapshot;
pub mod vfs;
mod wal;

pub use bytes::Bytes;
pub use check::{check, check_dirs, CheckReport, Damage, SnapshotSummary, WalSummary};
pub use error::{SnapshotError, WalError};
pub use group_commit::{
    Callback, Durability, GroupCommit, DURABLE_END_IDLE, DURABLE_END_INTERVAL, OS_SYNC_INTERVAL,
};
pub use meta::{LogEnd, Meta, MetaStore, PurgePoint, MAX_META_LEN};
pub use reader::{scan_entries, WalReader};
pub use record::MAX_ENTRY_LEN;
pub use recovery::{Recovery, TornTail, META_FILE};
pub use segment::Preallocate;
pub use snapshot::{
    LatestSnapshot, RawSnapshot, SnapshotFile, SnapshotImport, SnapshotInfo, SnapshotReader,
    SnapshotStore, SnapshotWriter, MAX_CHUNK_LEN, MAX_SNAPSHOT_META_LEN,
};
pub use vfs::{CrashMode, CrashVfs, MemVfs, PowerLossVfs, StdVfs, Vfs};
pub use wal::{LogStats, Wal, WalOptions, MIN_SEGMENT_SIZE};

/// The WAL's subdirectory of a data directory.
pub const WAL_DIR: &str = "wal";
/// The snapshots' subdirectory of a data directory.
pub const SNAPSHOT_DIR: &str = "snapshots";
