//! The keyspace as openraft's state machine.
//!
//! Entries are applied in log order under the keyspace's write lock, one
//! batch of entries per lock hold; reads elsewhere take the read lock.
//! Snapshots are point-in-time views produced by the keyspace while writes
//! continue (see [`crate::snapshot`]).

use std::io;
use std::sync::Arc;

use keyspace::Keyspace;
use openraft::storage::{RaftStateMachine, Snapshot};
use openraft::{EntryPayload, ErrorSubject, ErrorVerb};
use parking_lot::RwLock;

use crate::apply::{apply_request, Observer};
use crate::snapshot::{SnapshotBuilder, Snapshots};
use crate::types::{
    Entry, LogId, Response, SnapshotData, SnapshotMeta, StorageError, StoredMembership, TypeConfig,
};

/// The state machine of this node.
pub struct StateMachine {
    keyspace: Arc<RwLock<Keyspace>>,
    last_applied: Option<LogId>,
    membership: StoredMembership,
    observer: Observer,
    snapshots: Arc<Snapshots>,
}

impl StateMachine {
    /// A state machine over `keyspace`, whose content reflects the log up to
    /// `last_applied` (from a snapshot, or nothing).
    pub fn new(
        keyspace: Arc<RwLock<Keyspace>>,
        last_applied: Option<LogId>,
        membership: StoredMembership,
        observer: Observer,
        snapshots: Arc<Snapshots>,
    ) -> StateMachine {
        StateMachine {
            keyspace,
            last_applied,
            membership,
            observer,
            snapshots,
        }
    }
}

fn sm_error(verb: ErrorVerb, e: impl std::fmt::Display) -> StorageError {
    StorageError::from_io_error(
        ErrorSubject::StateMachine,
        verb,
        io::Error::other(e.to_string()),
    )
}

impl RaftStateMachine<TypeConfig> for StateMachine {
    type SnapshotBuilder = SnapshotBuilder;

    async fn applied_state(&mut self) -> Result<(Option<LogId>, StoredMembership), StorageError> {
        Ok((self.last_applied, self.membership.clone()))
    }

    async fn apply<I>(&mut self, entries: I) -> Result<Vec<Response>, StorageError>
    where
        I: IntoIterator<Item = Entry> + Send,
        I::IntoIter: Send,
    {
        let mut ks = self.keyspace.write();
        let mut responses = Vec::new();
        for entry in entries {
            self.last_applied = Some(entry.log_id);
            let response = match entry.payload {
                EntryPayload::Blank => Response::default(),
                EntryPayload::Normal(request) => {
                    apply_request(&mut ks, &request, self.observer.as_ref())
                }
                EntryPayload::Membership(membership) => {
                    self.membership = StoredMembership::new(Some(entry.log_id), membership);
                    Response::default()
                }
            };
            responses.push(response);
        }
        Ok(responses)
    }

    async fn get_snapshot_builder(&mut self) -> SnapshotBuilder {
        // The point in time is now: between two applies.
        SnapshotBuilder::begin(
            self.keyspace.clone(),
            self.snapshots.clone(),
            self.last_applied,
            self.membership.clone(),
        )
    }

    async fn begin_receiving_snapshot(&mut self) -> Result<Box<SnapshotData>, StorageError> {
        Ok(Box::new(SnapshotData {
            path: self.snapshots.incoming_path(),
        }))
    }

    async fn install_snapshot(
        &mut self,
        meta: &SnapshotMeta,
        snapshot: Box<SnapshotData>,
    ) -> Result<(), StorageError> {
        let snapshots = self.snapshots.clone();
        let path = snapshot.path.clone();
        let restored = tokio::task::spawn_blocking(move || snapshots.install(&path))
            .await
            .map_err(|e| sm_error(ErrorVerb::Write, e))?
            .map_err(|e| sm_error(ErrorVerb::Write, e))?;
        *self.keyspace.write() = restored;
        self.last_applied = meta.last_log_id;
        self.membership = meta.last_membership.clone();
        Ok(())
    }

    async fn get_current_snapshot(&mut self) -> Result<Option<Snapshot<TypeConfig>>, StorageError> {
        let snapshots = self.snapshots.clone();
        tokio::task::spawn_blocking(move || snapshots.current())
            .await
            .map_err(|e| sm_error(ErrorVerb::Read, e))?
            .map_err(|e| sm_error(ErrorVerb::Read, e))
    }
}
