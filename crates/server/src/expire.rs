//! Active expiry: reclaims keys whose TTL passed even if nobody reads them.
//!
//! The task finds expired keys under a read lock and proposes their
//! deletion as logged [`Op::Expire`] entries (invariant 3: expiry is
//! replicated). Applying the op deletes only keys still expired at the
//! entry's clock, so a key renewed in between survives.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use keyspace::Op;

use crate::shared::Shared;
use crate::store::Batch;

/// Most keys reclaimed per database per tick, so a mass expiry never stalls
/// other writes for long.
const KEYS_PER_TICK: usize = 1000;

/// Runs until shutdown.
pub async fn active_expiry(shared: Arc<Shared>) {
    loop {
        let hz = shared.config.read().hz.max(1);
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(1000 / u64::from(hz))) => {}
            _ = shared.shutting_down() => return,
        }
        // Only the leader proposes deletions (invariant 3).
        if !shared.store.engine().is_leader() {
            continue;
        }
        let ops = candidates(&shared);
        if ops.is_empty() {
            continue;
        }
        let count: usize = ops
            .iter()
            .map(|op| match op {
                Op::Expire { keys, .. } => keys.len(),
                _ => 0,
            })
            .sum();
        let batch = Batch {
            ops,
            resp3: false,
            waiter: None,
        };
        match shared.store.write(batch).await {
            Ok(_) => {
                let expired = &shared.stats.expired_keys;
                expired.fetch_add(count as u64, Ordering::Relaxed);
            }
            Err(e) => tracing::debug!(error = %e, "active expiry deferred"),
        }
    }
}

fn candidates(shared: &Shared) -> Vec<Op> {
    shared.store.read_local(|ks, now| {
        ks.active_expire_candidates(now, KEYS_PER_TICK)
            .into_iter()
            .map(|(db, keys)| Op::Expire { db, keys })
            .collect()
    })
}
