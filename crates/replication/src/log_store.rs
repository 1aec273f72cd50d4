//! openraft's log storage over the `storage` crate's write-ahead log.
//!
//! Appends go to the group-commit thread and return at once; openraft is
//! told the entries are durable from the commit thread's callback, after the
//! batch's fdatasync (per the durability mode). Votes, truncation and
//! purging are rare and wait for the commit thread (off the async
//! executor).

use std::fmt::Debug;
use std::io;
use std::ops::RangeBounds;
use std::sync::Arc;

use openraft::storage::{LogFlushed, LogState, RaftLogReader, RaftLogStorage};
use openraft::{ErrorSubject, ErrorVerb};
use storage::{GroupCommit, WalError, WalReader};

use crate::codec;
use crate::types::{Entry, LogId, StorageError, TypeConfig, Vote};

/// The Raft log of this node.
#[derive(Clone)]
pub struct LogStore {
    wal: Arc<GroupCommit>,
}

impl LogStore {
    /// A log store over a running group commit.
    pub fn new(wal: Arc<GroupCommit>) -> LogStore {
        LogStore { wal }
    }

    /// Runs a blocking control operation of the commit thread off the async
    /// executor.
    async fn control<T: Send + 'static>(
        &self,
        subject: ErrorSubject<u64>,
        verb: ErrorVerb,
        op: impl FnOnce(&GroupCommit) -> Result<T, WalError> + Send + 'static,
    ) -> Result<T, StorageError> {
        let wal = self.wal.clone();
        tokio::task::spawn_blocking(move || op(&wal))
            .await
            .map_err(|e| StorageError::from_io_error(subject.clone(), verb, io::Error::other(e)))?
            .map_err(|e| StorageError::from_io_error(subject, verb, io::Error::other(e)))
    }
}

/// Reads entries concurrently with appends (openraft's `LogReader`).
#[derive(Clone)]
pub struct LogReader {
    reader: WalReader,
}

impl LogReader {
    fn read<RB: RangeBounds<u64>>(&self, range: RB) -> Result<Vec<Entry>, StorageError> {
        let records = self.reader.read_range(range).map_err(read_error)?;
        records
            .iter()
            .map(|(_, bytes)| codec::decode_entry(bytes).map_err(read_error))
            .collect()
    }

    /// The id of the last entry in the log, if any.
    fn last_log_id(&self) -> Result<Option<LogId>, StorageError> {
        let Some(last) = self.reader.last_index() else {
            return Ok(None);
        };
        Ok(self.read(last..=last)?.pop().map(|e| e.log_id))
    }
}

fn read_error(e: impl std::error::Error + Send + Sync + 'static) -> StorageError {
    StorageError::from_io_error(ErrorSubject::Logs, ErrorVerb::Read, io::Error::other(e))
}

impl RaftLogReader<TypeConfig> for LogReader {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + Send>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry>, StorageError> {
        self.read(range)
    }
}

impl RaftLogReader<TypeConfig> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + Send>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry>, StorageError> {
        self.get_log_reader().await.read(range)
    }
}

impl RaftLogStorage<TypeConfig> for LogStore {
    type LogReader = LogReader;

    async fn get_log_state(&mut self) -> Result<LogState<TypeConfig>, StorageError> {
        let last_purged_log_id = match self.wal.meta().purged {
            Some(point) if !point.data.is_empty() => {
                Some(codec::decode_log_id(&point.data).map_err(read_error)?)
            }
            _ => None,
        };
        let last_log_id = self
            .get_log_reader()
            .await
            .last_log_id()?
            .or(last_purged_log_id);
        Ok(LogState {
            last_purged_log_id,
            last_log_id,
        })
    }

    async fn get_log_reader(&mut self) -> LogReader {
        LogReader {
            reader: self.wal.reader(),
        }
    }

    async fn save_vote(&mut self, vote: &Vote) -> Result<(), StorageError> {
        let bytes = codec::encode_vote(vote);
        self.control(ErrorSubject::Vote, ErrorVerb::Write, move |wal| {
            wal.save_vote(bytes)
        })
        .await
    }

    async fn read_vote(&mut self) -> Result<Option<Vote>, StorageError> {
        self.wal
            .meta()
            .vote
            .map(|bytes| codec::decode_vote(&bytes))
            .transpose()
            .map_err(|e| {
                StorageError::from_io_error(
                    ErrorSubject::Vote,
                    ErrorVerb::Read,
                    io::Error::other(e),
                )
            })
    }

    async fn append<I>(
        &mut self,
        entries: I,
        callback: LogFlushed<TypeConfig>,
    ) -> Result<(), StorageError>
    where
        I: IntoIterator<Item = Entry> + Send,
        I::IntoIter: Send,
    {
        let records: Vec<_> = entries
            .into_iter()
            .map(|e| (e.log_id.index, codec::encode_entry(&e)))
            .collect();
        let empty = self
            .wal
            .last_index()
            .is_none_or(|last| self.wal.purged() == Some(last));
        if let Some(&(first, _)) = records.first().filter(|_| empty) {
            if self.wal.purged().is_some_and(|p| first <= p) {
                // An emptied log takes entries below its purge point only
                // when the state machine is ahead of it (openraft's suite
                // exercises this); restart the log there.
                self.control(ErrorSubject::Logs, ErrorVerb::Write, move |wal| {
                    wal.restart_at(first)
                })
                .await?;
            }
        }
        self.wal
            .append(records, move |result| {
                callback.log_io_completed(result.map_err(io::Error::other));
            })
            .map_err(|e| {
                StorageError::from_io_error(
                    ErrorSubject::Logs,
                    ErrorVerb::Write,
                    io::Error::other(e),
                )
            })
    }

    async fn truncate(&mut self, log_id: LogId) -> Result<(), StorageError> {
        self.control(ErrorSubject::Logs, ErrorVerb::Delete, move |wal| {
            wal.truncate_from(log_id.index)
        })
        .await
    }

    async fn purge(&mut self, log_id: LogId) -> Result<(), StorageError> {
        let data = codec::encode_log_id(&log_id);
        self.control(ErrorSubject::Logs, ErrorVerb::Delete, move |wal| {
            wal.purge_to(log_id.index, data)
        })
        .await
    }
}
