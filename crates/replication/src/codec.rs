//! Binary encoding of log entries, votes, log ids and snapshot metadata.
//!
//! These bytes are what the WAL stores (its records add length and CRC32C).
//! Every item starts with a format version byte so later changes can be
//! read side by side with old data. Layout (varint = unsigned LEB128):
//!
//! | item        | bytes                                                                 |
//! |-------------|-----------------------------------------------------------------------|
//! | log id      | term varint, leader node varint, index varint                         |
//! | entry       | version (1), log id, payload tag (0 blank, 1 normal, 2 membership), payload |
//! | normal      | now_ms varint, seed u64 LE, batch count varint, batches |
//! | batch       | resp3 u8, origin (0, or 1 + node varint + ticket varint), op count varint, ops ([`keyspace::Op::encode`]) |
//! | membership  | config count varint, per config: id count varint + ids; node count varint, per node: id varint + address bytes |
//! | vote        | version (1), term varint, node varint, committed u8                   |
//! | snapshot meta | version (1), has last log id u8 (+ log id), has membership log id u8 (+ log id), membership, snapshot id bytes |

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use keyspace::codec::{CodecError, Reader, Writer};
use keyspace::Op;
use openraft::{CommittedLeaderId, EntryPayload, Membership};

use crate::types::{
    ClientBatch, Entry, LogId, Node, NodeId, Request, SnapshotMeta, StoredMembership, Vote,
};

const VERSION: u8 = 1;
const BLANK: u8 = 0;
const NORMAL: u8 = 1;
const MEMBERSHIP: u8 = 2;

/// Encodes a log entry for the WAL.
pub fn encode_entry(entry: &Entry) -> Bytes {
    let mut w = Writer::new();
    w.u8(VERSION);
    put_log_id(&mut w, &entry.log_id);
    match &entry.payload {
        EntryPayload::Blank => w.u8(BLANK),
        EntryPayload::Normal(request) => {
            w.u8(NORMAL);
            put_request(&mut w, request);
        }
        EntryPayload::Membership(m) => {
            w.u8(MEMBERSHIP);
            put_membership(&mut w, m);
        }
    }
    Bytes::from(w.buf)
}

/// Decodes a log entry written by [`encode_entry`].
pub fn decode_entry(bytes: &Bytes) -> Result<Entry, CodecError> {
    let mut r = Reader::new(bytes);
    check_version(&mut r)?;
    let log_id = get_log_id(&mut r)?;
    let payload = match r.u8()? {
        BLANK => EntryPayload::Blank,
        NORMAL => EntryPayload::Normal(get_request(&mut r, bytes)?),
        MEMBERSHIP => EntryPayload::Membership(get_membership(&mut r)?),
        _ => return Err(CodecError("unknown entry payload")),
    };
    finish(&r)?;
    Ok(Entry { log_id, payload })
}

fn put_request(w: &mut Writer, request: &Request) {
    w.varint(request.now_ms);
    w.buf.extend_from_slice(&request.seed.to_le_bytes());
    w.varint(request.batches.len() as u64);
    for batch in &request.batches {
        w.u8(u8::from(batch.resp3));
        match batch.origin {
            None => w.u8(0),
            Some((node, ticket)) => {
                w.u8(1);
                w.varint(node);
                w.varint(ticket);
            }
        }
        w.varint(batch.ops.len() as u64);
        for op in &batch.ops {
            op.encode(&mut w.buf);
        }
    }
}

/// Decodes a request; op arguments are slices of `whole` (no copy).
fn get_request(r: &mut Reader<'_>, whole: &Bytes) -> Result<Request, CodecError> {
    let now_ms = r.varint()?;
    let mut seed = [0u8; 8];
    for byte in &mut seed {
        *byte = r.u8()?;
    }
    let count = r.count()?;
    let mut batches = Vec::with_capacity(count);
    for _ in 0..count {
        batches.push(get_batch(r, whole)?);
    }
    Ok(Request {
        now_ms,
        seed: u64::from_le_bytes(seed),
        batches,
    })
}

fn get_batch(r: &mut Reader<'_>, whole: &Bytes) -> Result<ClientBatch, CodecError> {
    let resp3 = r.u8()? != 0;
    let origin = match r.u8()? {
        0 => None,
        1 => Some((r.varint()?, r.varint()?)),
        _ => return Err(CodecError("bad batch origin")),
    };
    let count = r.count()?;
    let mut rest = whole.slice(whole.len() - r.remaining()..);
    let mut ops = Vec::with_capacity(count);
    for _ in 0..count {
        ops.push(Op::decode(&mut rest).map_err(|_| CodecError("malformed op"))?);
    }
    r.skip(r.remaining() - rest.len())?;
    Ok(ClientBatch { resp3, ops, origin })
}

/// Encodes a log id (also used as the WAL's purge-point data).
pub fn encode_log_id(log_id: &LogId) -> Bytes {
    let mut w = Writer::new();
    put_log_id(&mut w, log_id);
    Bytes::from(w.buf)
}

/// Decodes a log id written by [`encode_log_id`].
pub fn decode_log_id(bytes: &[u8]) -> Result<LogId, CodecError> {
    let mut r = Reader::new(bytes);
    let id = get_log_id(&mut r)?;
    finish(&r)?;
    Ok(id)
}

fn put_log_id(w: &mut Writer, log_id: &LogId) {
    w.varint(log_id.leader_id.term);
    w.varint(log_id.leader_id.node_id);
    w.varint(log_id.index);
}

fn get_log_id(r: &mut Reader<'_>) -> Result<LogId, CodecError> {
    let term = r.varint()?;
    let node = r.varint()?;
    let index = r.varint()?;
    Ok(LogId::new(CommittedLeaderId::new(term, node), index))
}

/// Encodes a vote.
pub fn encode_vote(vote: &Vote) -> Bytes {
    let mut w = Writer::new();
    w.u8(VERSION);
    w.varint(vote.leader_id.term);
    w.varint(vote.leader_id.node_id);
    w.u8(u8::from(vote.committed));
    Bytes::from(w.buf)
}

/// Decodes a vote written by [`encode_vote`].
pub fn decode_vote(bytes: &[u8]) -> Result<Vote, CodecError> {
    let mut r = Reader::new(bytes);
    check_version(&mut r)?;
    let term = r.varint()?;
    let node = r.varint()?;
    let mut vote = Vote::new(term, node);
    if r.u8()? != 0 {
        vote.commit();
    }
    finish(&r)?;
    Ok(vote)
}

fn put_membership(w: &mut Writer, m: &Membership<NodeId, Node>) {
    let configs = m.get_joint_config();
    w.varint(configs.len() as u64);
    for config in configs {
        w.varint(config.len() as u64);
        for id in config {
            w.varint(*id);
        }
    }
    let nodes: Vec<(&NodeId, &Node)> = m.nodes().collect();
    w.varint(nodes.len() as u64);
    for (id, node) in nodes {
        w.varint(*id);
        w.bytes(node.addr.as_bytes());
    }
}

fn get_membership(r: &mut Reader<'_>) -> Result<Membership<NodeId, Node>, CodecError> {
    let n = r.count()?;
    let mut configs = Vec::with_capacity(n);
    for _ in 0..n {
        let ids = r.count()?;
        let mut config = BTreeSet::new();
        for _ in 0..ids {
            config.insert(r.varint()?);
        }
        configs.push(config);
    }
    let n = r.count()?;
    let mut nodes = BTreeMap::new();
    for _ in 0..n {
        let id = r.varint()?;
        let addr = String::from_utf8(r.bytes()?.to_vec())
            .map_err(|_| CodecError("node address is not UTF-8"))?;
        nodes.insert(id, Node { addr });
    }
    Ok(Membership::new(configs, nodes))
}

/// Encodes snapshot metadata (stored in the snapshot file's header).
pub fn encode_snapshot_meta(meta: &SnapshotMeta) -> Bytes {
    let mut w = Writer::new();
    w.u8(VERSION);
    put_optional_log_id(&mut w, meta.last_log_id.as_ref());
    put_optional_log_id(&mut w, meta.last_membership.log_id().as_ref());
    put_membership(&mut w, meta.last_membership.membership());
    w.bytes(meta.snapshot_id.as_bytes());
    Bytes::from(w.buf)
}

/// Decodes snapshot metadata written by [`encode_snapshot_meta`].
pub fn decode_snapshot_meta(bytes: &[u8]) -> Result<SnapshotMeta, CodecError> {
    let mut r = Reader::new(bytes);
    check_version(&mut r)?;
    let last_log_id = get_optional_log_id(&mut r)?;
    let membership_log_id = get_optional_log_id(&mut r)?;
    let membership = get_membership(&mut r)?;
    let snapshot_id = String::from_utf8(r.bytes()?.to_vec())
        .map_err(|_| CodecError("snapshot id is not UTF-8"))?;
    finish(&r)?;
    Ok(SnapshotMeta {
        last_log_id,
        last_membership: StoredMembership::new(membership_log_id, membership),
        snapshot_id,
    })
}

fn put_optional_log_id(w: &mut Writer, log_id: Option<&LogId>) {
    match log_id {
        None => w.u8(0),
        Some(id) => {
            w.u8(1);
            put_log_id(w, id);
        }
    }
}

fn get_optional_log_id(r: &mut Reader<'_>) -> Result<Option<LogId>, CodecError> {
    match r.u8()? {
        0 => Ok(None),
        1 => get_log_id(r).map(Some),
        _ => Err(CodecError("bad optional log id")),
    }
}

fn check_version(r: &mut Reader<'_>) -> Result<(), CodecError> {
    if r.u8()? != VERSION {
        return Err(CodecError("unsupported format version"));
    }
    Ok(())
}

fn finish(r: &Reader<'_>) -> Result<(), CodecError> {
    if r.remaining() != 0 {
        return Err(CodecError("trailing bytes"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn arb_request() -> impl Strategy<Value = Request> {
        (
            any::<u64>(),
            any::<u64>(),
            any::<bool>(),
            proptest::option::of((any::<u64>(), any::<u64>())),
            proptest::collection::vec(
                proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..12), 1..4),
                0..4,
            ),
        )
            .prop_map(|(now_ms, seed, resp3, origin, commands)| Request {
                now_ms,
                seed,
                batches: vec![
                    ClientBatch {
                        resp3,
                        origin,
                        ops: commands
                            .into_iter()
                            .map(|args| Op::Command {
                                db: 3,
                                resp3,
                                args: args.into_iter().map(Bytes::from).collect(),
                            })
                            .collect(),
                    },
                    ClientBatch {
                        resp3: !resp3,
                        origin: None,
                        ops: Vec::new(),
                    },
                ],
            })
    }

    proptest! {
        #[test]
        fn entries_round_trip(request in arb_request(), term in any::<u64>(), node in any::<u64>(), index in any::<u64>()) {
            let log_id = LogId::new(CommittedLeaderId::new(term, node), index);
            for payload in [
                EntryPayload::Blank,
                EntryPayload::Normal(request.clone()),
                EntryPayload::Membership(Membership::new(vec![BTreeSet::from([1, node])], ())),
            ] {
                let entry = Entry { log_id, payload };
                let decoded = decode_entry(&encode_entry(&entry)).unwrap();
                prop_assert_eq!(decoded.log_id, entry.log_id);
                prop_assert_eq!(format!("{:?}", decoded.payload), format!("{:?}", entry.payload));
            }
        }

        #[test]
        fn garbage_is_rejected_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode_entry(&Bytes::from(bytes.clone()));
            let _ = decode_vote(&bytes);
            let _ = decode_snapshot_meta(&bytes);
        }
    }

    #[test]
    fn votes_and_meta_round_trip() {
        let mut vote = Vote::new(7, 3);
        assert_eq!(decode_vote(&encode_vote(&vote)).unwrap(), vote);
        vote.commit();
        assert_eq!(decode_vote(&encode_vote(&vote)).unwrap(), vote);
        let meta = SnapshotMeta {
            last_log_id: Some(LogId::new(CommittedLeaderId::new(2, 1), 40)),
            last_membership: StoredMembership::new(
                Some(LogId::new(CommittedLeaderId::new(1, 1), 1)),
                Membership::new(vec![BTreeSet::from([1])], ()),
            ),
            snapshot_id: "2-1-40-17".into(),
        };
        assert_eq!(
            decode_snapshot_meta(&encode_snapshot_meta(&meta)).unwrap(),
            meta
        );
    }
}
