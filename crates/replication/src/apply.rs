//! Applying a request to the keyspace: the one function every write path
//! uses, whether it came through the Raft log or not.

use std::sync::Arc;

use bytes::Bytes;
use keyspace::{Blob, Keyspace};
use resp::Reply;

use crate::types::{Request, Response};

/// Told about every applied request while the keyspace is still locked, so
/// it can act before the next request is applied (e.g. park a client whose
/// command blocked, wake clients waiting for keys that became ready).
pub trait ApplyObserver: Send + Sync + 'static {
    /// `ready` lists the keys that received elements while applying.
    fn applied(&self, request: &Request, response: &Response, ready: Vec<(usize, Blob)>);
}

/// An observer that ignores everything (tests, tools).
#[derive(Debug, Default)]
pub struct NoObserver;

impl ApplyObserver for NoObserver {
    fn applied(&self, _: &Request, _: &Response, _: Vec<(usize, Blob)>) {}
}

/// Shared handle to an observer.
pub type Observer = Arc<dyn ApplyObserver>;

/// Applies every op of `request` in order with the request's clock and
/// seed, then tells `observer`. Deterministic: the same keyspace and
/// request give the same state and response on every replica.
pub fn apply_request(
    ks: &mut Keyspace,
    request: &Request,
    observer: &dyn ApplyObserver,
) -> Response {
    ks.set_ready_tracking(true);
    let mut reply = Reply::new(request.resp3);
    let mut ends = Vec::with_capacity(request.ops.len());
    let mut outcomes = Vec::with_capacity(request.ops.len());
    for (i, op) in request.ops.iter().enumerate() {
        outcomes.push(ks.apply(
            op,
            request.now_ms,
            request.seed.wrapping_add(i as u64),
            &mut reply,
        ));
        ends.push(reply.len());
    }
    let response = Response {
        reply: Bytes::from(reply.take()),
        ends,
        outcomes,
    };
    observer.applied(request, &response, ks.take_ready());
    response
}
