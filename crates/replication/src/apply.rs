//! Applying a request to the keyspace: the one function every write path
//! uses, whether it came through the Raft log or not.

use std::sync::Arc;

use bytes::Bytes;
use keyspace::{Blob, Keyspace};
use resp::Reply;

use crate::types::{BatchResponse, ClientBatch, Request, Response};

/// Told about every applied client batch while the keyspace is still
/// locked, so it can act before anything else is applied (e.g. park a client
/// whose command blocked, wake clients waiting for keys that became ready).
pub trait ApplyObserver: Send + Sync + 'static {
    /// `ready` lists the keys that received elements while applying.
    fn applied(&self, batch: &ClientBatch, response: &BatchResponse, ready: Vec<(usize, Blob)>);
}

/// An observer that ignores everything (tests, tools).
#[derive(Debug, Default)]
pub struct NoObserver;

impl ApplyObserver for NoObserver {
    fn applied(&self, _: &ClientBatch, _: &BatchResponse, _: Vec<(usize, Blob)>) {}
}

/// Shared handle to an observer.
pub type Observer = Arc<dyn ApplyObserver>;

/// Applies every batch of `request` in order, every op with the request's
/// clock and a seed derived from the request's seed and the op's position,
/// telling `observer` after each batch. Deterministic: the same keyspace
/// and request give the same state and response on every replica.
pub fn apply_request(
    ks: &mut Keyspace,
    request: &Request,
    observer: &dyn ApplyObserver,
) -> Response {
    ks.set_ready_tracking(true);
    let mut seed = request.seed;
    let batches = request
        .batches
        .iter()
        .map(|batch| {
            let mut reply = Reply::new(batch.resp3);
            let mut ends = Vec::with_capacity(batch.ops.len());
            let mut outcomes = Vec::with_capacity(batch.ops.len());
            for op in &batch.ops {
                outcomes.push(ks.apply(op, request.now_ms, seed, &mut reply));
                seed = seed.wrapping_add(1);
                ends.push(reply.len());
            }
            let response = BatchResponse {
                reply: Bytes::from(reply.take()),
                ends,
                outcomes,
            };
            observer.applied(batch, &response, ks.take_ready());
            response
        })
        .collect();
    Response { batches }
}
