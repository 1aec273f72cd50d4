//! openraft's own storage conformance suite, run against keel's log store
//! (the WAL on real files) and state machine (the keyspace), one case at a
//! time so a failure names its case.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use keyspace::Keyspace;
use openraft::testing::{StoreBuilder, Suite};
use parking_lot::RwLock;
use replication::snapshot::Snapshots;
use replication::{LogStore, NoObserver, StateMachine, TypeConfig};
use storage::{Durability, GroupCommit, StdVfs, Wal, WalOptions};

type StorageError = openraft::StorageError<u64>;
type S = Suite<TypeConfig, LogStore, StateMachine, Builder, tempfile::TempDir>;
type Case =
    Box<dyn Fn(LogStore, StateMachine) -> Pin<Box<dyn Future<Output = Result<(), StorageError>>>>>;

struct Builder;

impl StoreBuilder<TypeConfig, LogStore, StateMachine, tempfile::TempDir> for Builder {
    async fn build(&self) -> Result<(tempfile::TempDir, LogStore, StateMachine), StorageError> {
        let dir = tempfile::tempdir().expect("temp dir");
        let vfs = StdVfs::shared();
        let (wal, _) =
            Wal::open(vfs.clone(), dir.path().join("wal"), WalOptions::default()).expect("wal");
        let wal = Arc::new(GroupCommit::start(wal, Durability::Fsync).expect("group commit"));
        let snapshots =
            Arc::new(Snapshots::open(vfs, &dir.path().join("snapshots")).expect("snapshots"));
        let keyspace = Arc::new(RwLock::new(Keyspace::new(16)));
        let sm = StateMachine::new(
            keyspace,
            None,
            Default::default(),
            Arc::new(NoObserver),
            snapshots,
        );
        Ok((dir, LogStore::new(wal), sm))
    }
}

#[test]
fn openraft_storage_suite() {
    let cases: Vec<(&str, Case)> = vec![
        (
            "last_membership_in_log_initial",
            Box::new(|ls, sm| Box::pin(S::last_membership_in_log_initial(ls, sm))),
        ),
        (
            "last_membership_in_log",
            Box::new(|ls, sm| Box::pin(S::last_membership_in_log(ls, sm))),
        ),
        (
            "last_membership_in_log_multi_step",
            Box::new(|ls, sm| Box::pin(S::last_membership_in_log_multi_step(ls, sm))),
        ),
        (
            "get_membership_initial",
            Box::new(|ls, sm| Box::pin(S::get_membership_initial(ls, sm))),
        ),
        (
            "get_membership_from_log_and_empty_sm",
            Box::new(|ls, sm| Box::pin(S::get_membership_from_log_and_empty_sm(ls, sm))),
        ),
        (
            "get_membership_from_empty_log_and_sm",
            Box::new(|ls, sm| Box::pin(S::get_membership_from_empty_log_and_sm(ls, sm))),
        ),
        (
            "get_membership_from_log_le_sm_last_applied",
            Box::new(|ls, sm| Box::pin(S::get_membership_from_log_le_sm_last_applied(ls, sm))),
        ),
        (
            "get_membership_from_log_gt_sm_last_applied_1",
            Box::new(|ls, sm| Box::pin(S::get_membership_from_log_gt_sm_last_applied_1(ls, sm))),
        ),
        (
            "get_membership_from_log_gt_sm_last_applied_2",
            Box::new(|ls, sm| Box::pin(S::get_membership_from_log_gt_sm_last_applied_2(ls, sm))),
        ),
        (
            "get_initial_state_without_init",
            Box::new(|ls, sm| Box::pin(S::get_initial_state_without_init(ls, sm))),
        ),
        (
            "get_initial_state_membership_from_log_and_sm",
            Box::new(|ls, sm| Box::pin(S::get_initial_state_membership_from_log_and_sm(ls, sm))),
        ),
        (
            "get_initial_state_with_state",
            Box::new(|ls, sm| Box::pin(S::get_initial_state_with_state(ls, sm))),
        ),
        (
            "get_initial_state_last_log_gt_sm",
            Box::new(|ls, sm| Box::pin(S::get_initial_state_last_log_gt_sm(ls, sm))),
        ),
        (
            "get_initial_state_last_log_lt_sm",
            Box::new(|ls, sm| Box::pin(S::get_initial_state_last_log_lt_sm(ls, sm))),
        ),
        (
            "get_initial_state_log_ids",
            Box::new(|ls, sm| Box::pin(S::get_initial_state_log_ids(ls, sm))),
        ),
        (
            "get_initial_state_re_apply_committed",
            Box::new(|ls, sm| Box::pin(S::get_initial_state_re_apply_committed(ls, sm))),
        ),
        (
            "save_vote",
            Box::new(|ls, sm| Box::pin(S::save_vote(ls, sm))),
        ),
        (
            "get_log_entries",
            Box::new(|ls, sm| Box::pin(S::get_log_entries(ls, sm))),
        ),
        (
            "limited_get_log_entries",
            Box::new(|ls, sm| Box::pin(S::limited_get_log_entries(ls, sm))),
        ),
        (
            "try_get_log_entry",
            Box::new(|ls, sm| Box::pin(S::try_get_log_entry(ls, sm))),
        ),
        (
            "initial_logs",
            Box::new(|ls, sm| Box::pin(S::initial_logs(ls, sm))),
        ),
        (
            "get_log_state",
            Box::new(|ls, sm| Box::pin(S::get_log_state(ls, sm))),
        ),
        (
            "get_log_id",
            Box::new(|ls, sm| Box::pin(S::get_log_id(ls, sm))),
        ),
        (
            "last_id_in_log",
            Box::new(|ls, sm| Box::pin(S::last_id_in_log(ls, sm))),
        ),
        (
            "last_applied_state",
            Box::new(|ls, sm| Box::pin(S::last_applied_state(ls, sm))),
        ),
        (
            "purge_logs_upto_0",
            Box::new(|ls, sm| Box::pin(S::purge_logs_upto_0(ls, sm))),
        ),
        (
            "purge_logs_upto_5",
            Box::new(|ls, sm| Box::pin(S::purge_logs_upto_5(ls, sm))),
        ),
        (
            "purge_logs_upto_20",
            Box::new(|ls, sm| Box::pin(S::purge_logs_upto_20(ls, sm))),
        ),
        (
            "delete_logs_since_11",
            Box::new(|ls, sm| Box::pin(S::delete_logs_since_11(ls, sm))),
        ),
        (
            "delete_logs_since_0",
            Box::new(|ls, sm| Box::pin(S::delete_logs_since_0(ls, sm))),
        ),
        (
            "append_to_log",
            Box::new(|ls, sm| Box::pin(S::append_to_log(ls, sm))),
        ),
        (
            "snapshot_meta",
            Box::new(|ls, sm| Box::pin(S::snapshot_meta(ls, sm))),
        ),
        (
            "apply_single",
            Box::new(|ls, sm| Box::pin(S::apply_single(ls, sm))),
        ),
        (
            "apply_multiple",
            Box::new(|ls, sm| Box::pin(S::apply_multiple(ls, sm))),
        ),
    ];
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut failed = Vec::new();
    for (name, case) in cases {
        let result = rt.block_on(async {
            let (_dir, ls, sm) = Builder.build().await?;
            case(ls, sm).await
        });
        if let Err(e) = result {
            failed.push(format!("{name}: {e}"));
        }
    }
    rt.block_on(S::transfer_snapshot(&Builder))
        .expect("transfer_snapshot");
    assert!(
        failed.is_empty(),
        "suite cases failed:\n{}",
        failed.join("\n")
    );
}
