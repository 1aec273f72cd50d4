//! Offline verification of what a data directory's files contain (the
//! second half of `keel check`, after the storage layer verified the
//! checksums).

use std::fmt;
use std::path::Path;

use keyspace::Keyspace;
use openraft::EntryPayload;
use storage::{SnapshotReader, Vfs, WAL_DIR};

use crate::codec;
use crate::error::ReplicationError;

/// What the log entries and the newest snapshot decode to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContentsReport {
    /// Log entries decoded.
    pub entries: u64,
    /// Operations in those entries.
    pub ops: u64,
    /// The newest snapshot: last included index and number of keys.
    pub snapshot: Option<(u64, u64)>,
}

impl fmt::Display for ContentsReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "contents: {} log entries decoded ({} operations)",
            self.entries, self.ops
        )?;
        match self.snapshot {
            Some((index, keys)) => write!(
                f,
                "contents: newest snapshot decoded: index {index}, {keys} keys"
            ),
            None => write!(f, "contents: no snapshot"),
        }
    }
}

/// Decodes every log entry of `dir` and the snapshot at `snapshot` (the
/// newest valid one), reading only.
pub fn verify_contents(
    vfs: &dyn Vfs,
    dir: &Path,
    snapshot: Option<&Path>,
) -> Result<ContentsReport, ReplicationError> {
    let mut report = ContentsReport::default();
    storage::scan_entries(vfs, &dir.join(WAL_DIR), |index, bytes| {
        let entry = codec::decode_entry(&bytes).map_err(|e| e.to_string())?;
        if entry.log_id.index != index {
            return Err(format!("holds index {}", entry.log_id.index));
        }
        report.entries += 1;
        if let EntryPayload::Normal(request) = entry.payload {
            report.ops += request
                .batches
                .iter()
                .map(|b| b.ops.len() as u64)
                .sum::<u64>();
        }
        Ok(())
    })?;
    if let Some(path) = snapshot {
        let mut reader = SnapshotReader::open(vfs, path)?;
        let meta = codec::decode_snapshot_meta(reader.meta())?;
        let keyspace = load(&mut reader)?;
        let keys = (0..keyspace.databases())
            .map(|db| keyspace.db(db).len() as u64)
            .sum();
        report.snapshot = Some((meta.last_log_id.map_or(0, |l| l.index), keys));
    }
    Ok(report)
}

/// Rebuilds a keyspace from a snapshot file's chunks.
pub(crate) fn load(reader: &mut SnapshotReader) -> Result<Keyspace, ReplicationError> {
    let mut failure = None;
    let chunks = std::iter::from_fn(|| match reader.next_chunk() {
        Ok(chunk) => chunk,
        Err(e) => {
            failure = Some(e);
            None
        }
    });
    let keyspace = Keyspace::restore(chunks);
    if let Some(e) = failure {
        return Err(e.into());
    }
    Ok(keyspace?)
}
