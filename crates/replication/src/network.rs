//! The network of a group of one: there is nobody to talk to.
//!
//! A single node is a Raft group whose only member is itself, so openraft
//! never needs a peer. Multi-node groups replace this with a TCP transport.

use std::future::Future;

use openraft::error::{Fatal, RPCError, RaftError, ReplicationClosed, StreamingError, Unreachable};
use openraft::network::{RPCOption, RaftNetwork, RaftNetworkFactory};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, SnapshotResponse, VoteRequest, VoteResponse,
};
use openraft::Snapshot;

use crate::types::{Node, NodeId, TypeConfig, Vote};

/// Hands out connections that fail: a group of one has no peers.
#[derive(Debug, Clone, Default)]
pub struct NoPeers;

/// A connection to a peer that does not exist.
#[derive(Debug, Clone, Default)]
pub struct NoConnection;

fn unreachable() -> Unreachable {
    Unreachable::new(&std::io::Error::other("single-node group: no peers"))
}

impl RaftNetworkFactory<TypeConfig> for NoPeers {
    type Network = NoConnection;

    async fn new_client(&mut self, _target: NodeId, _node: &Node) -> NoConnection {
        NoConnection
    }
}

impl RaftNetwork<TypeConfig> for NoConnection {
    async fn append_entries(
        &mut self,
        _rpc: AppendEntriesRequest<TypeConfig>,
        _option: RPCOption,
    ) -> Result<AppendEntriesResponse<NodeId>, RPCError<NodeId, Node, RaftError<NodeId>>> {
        Err(RPCError::Unreachable(unreachable()))
    }

    async fn vote(
        &mut self,
        _rpc: VoteRequest<NodeId>,
        _option: RPCOption,
    ) -> Result<VoteResponse<NodeId>, RPCError<NodeId, Node, RaftError<NodeId>>> {
        Err(RPCError::Unreachable(unreachable()))
    }

    async fn full_snapshot(
        &mut self,
        _vote: Vote,
        _snapshot: Snapshot<TypeConfig>,
        _cancel: impl Future<Output = ReplicationClosed> + Send + 'static,
        _option: RPCOption,
    ) -> Result<SnapshotResponse<NodeId>, StreamingError<TypeConfig, Fatal<NodeId>>> {
        Err(StreamingError::Unreachable(unreachable()))
    }
}
