//! Operations that change the keyspace, as they are written to the log.

use bytes::{Buf, BufMut, Bytes};

/// One logged operation. A log entry carries a batch of them together with
/// the leader's clock and a seed; applying the same ops with the same clock
/// and seed always gives the same state and replies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// A single client command (write commands, and blocking commands being
    /// retried).
    Command {
        db: usize,
        resp3: bool,
        args: Vec<Bytes>,
    },
    /// The keyspace part of MULTI/EXEC, applied atomically after checking the
    /// session's WATCHed keys. Each command carries the database it runs in
    /// (SELECT inside MULTI changes it for the following commands).
    Transaction {
        session: u64,
        resp3: bool,
        commands: Vec<(usize, Vec<Bytes>)>,
    },
    /// WATCH: from this point, a change to any of the keys aborts the
    /// session's next transaction.
    Watch {
        session: u64,
        keys: Vec<(usize, Bytes)>,
    },
    /// UNWATCH (also DISCARD, RESET, disconnect).
    Unwatch { session: u64 },
    /// Active expiry: deletes those of `keys` that are expired at the entry's
    /// clock.
    Expire { db: usize, keys: Vec<Bytes> },
    /// A node started: drops the WATCH sessions of its earlier incarnations
    /// (see `SessionId`), whose connections are gone.
    PurgeSessions { node: u16, keep_incarnation: u16 },
}

/// Why bytes could not be decoded into an [`Op`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed logged operation: {0}")]
pub struct OpDecodeError(&'static str);

const TAG_COMMAND: u8 = 1;
const TAG_TRANSACTION: u8 = 2;
const TAG_WATCH: u8 = 3;
const TAG_UNWATCH: u8 = 4;
const TAG_EXPIRE: u8 = 5;
const TAG_PURGE_SESSIONS: u8 = 6;

impl Op {
    /// True for operations that only exist to be logged (no client reply).
    pub fn is_internal(&self) -> bool {
        matches!(self, Op::Expire { .. } | Op::PurgeSessions { .. })
    }

    /// Appends the binary form of the operation to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Op::Command { db, resp3, args } => {
                out.put_u8(TAG_COMMAND);
                put_varint(out, *db as u64);
                out.put_u8(u8::from(*resp3));
                put_list(out, args);
            }
            Op::Transaction {
                session,
                resp3,
                commands,
            } => {
                out.put_u8(TAG_TRANSACTION);
                put_varint(out, *session);
                out.put_u8(u8::from(*resp3));
                put_varint(out, commands.len() as u64);
                for (db, args) in commands {
                    put_varint(out, *db as u64);
                    put_list(out, args);
                }
            }
            Op::Watch { session, keys } => {
                out.put_u8(TAG_WATCH);
                put_varint(out, *session);
                put_varint(out, keys.len() as u64);
                for (db, key) in keys {
                    put_varint(out, *db as u64);
                    put_bytes(out, key);
                }
            }
            Op::Unwatch { session } => {
                out.put_u8(TAG_UNWATCH);
                put_varint(out, *session);
            }
            Op::Expire { db, keys } => {
                out.put_u8(TAG_EXPIRE);
                put_varint(out, *db as u64);
                put_list(out, keys);
            }
            Op::PurgeSessions {
                node,
                keep_incarnation,
            } => {
                out.put_u8(TAG_PURGE_SESSIONS);
                out.put_u16_le(*node);
                out.put_u16_le(*keep_incarnation);
            }
        }
    }

    /// Decodes one operation from the front of `buf`, advancing it. Byte
    /// strings are slices of `buf` (no copy).
    pub fn decode(buf: &mut Bytes) -> Result<Op, OpDecodeError> {
        let tag = get_u8(buf)?;
        Ok(match tag {
            TAG_COMMAND => Op::Command {
                db: get_usize(buf)?,
                resp3: get_u8(buf)? != 0,
                args: get_list(buf)?,
            },
            TAG_TRANSACTION => {
                let session = get_varint(buf)?;
                let resp3 = get_u8(buf)? != 0;
                let n = get_len(buf)?;
                let mut commands = Vec::with_capacity(n.min(1024));
                for _ in 0..n {
                    commands.push((get_usize(buf)?, get_list(buf)?));
                }
                Op::Transaction {
                    session,
                    resp3,
                    commands,
                }
            }
            TAG_WATCH => {
                let session = get_varint(buf)?;
                let n = get_len(buf)?;
                let mut keys = Vec::with_capacity(n.min(1024));
                for _ in 0..n {
                    keys.push((get_usize(buf)?, get_bytes(buf)?));
                }
                Op::Watch { session, keys }
            }
            TAG_UNWATCH => Op::Unwatch {
                session: get_varint(buf)?,
            },
            TAG_EXPIRE => Op::Expire {
                db: get_usize(buf)?,
                keys: get_list(buf)?,
            },
            TAG_PURGE_SESSIONS => Op::PurgeSessions {
                node: get_u16(buf)?,
                keep_incarnation: get_u16(buf)?,
            },
            _ => return Err(OpDecodeError("unknown operation tag")),
        })
    }
}

fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.put_u8((n as u8) | 0x80);
        n >>= 7;
    }
    out.put_u8(n as u8);
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_varint(out, bytes.len() as u64);
    out.put_slice(bytes);
}

fn put_list(out: &mut Vec<u8>, items: &[Bytes]) {
    put_varint(out, items.len() as u64);
    for item in items {
        put_bytes(out, item);
    }
}

fn get_u8(buf: &mut Bytes) -> Result<u8, OpDecodeError> {
    if buf.has_remaining() {
        Ok(buf.get_u8())
    } else {
        Err(OpDecodeError("truncated"))
    }
}

fn get_u16(buf: &mut Bytes) -> Result<u16, OpDecodeError> {
    if buf.remaining() >= 2 {
        Ok(buf.get_u16_le())
    } else {
        Err(OpDecodeError("truncated"))
    }
}

fn get_varint(buf: &mut Bytes) -> Result<u64, OpDecodeError> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = get_u8(buf)?;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(OpDecodeError("varint too long"))
}

fn get_usize(buf: &mut Bytes) -> Result<usize, OpDecodeError> {
    usize::try_from(get_varint(buf)?).map_err(|_| OpDecodeError("number out of range"))
}

/// A length that cannot exceed the bytes left (each item takes at least one).
fn get_len(buf: &mut Bytes) -> Result<usize, OpDecodeError> {
    let n = get_usize(buf)?;
    if n > buf.remaining() {
        return Err(OpDecodeError("length exceeds data"));
    }
    Ok(n)
}

fn get_bytes(buf: &mut Bytes) -> Result<Bytes, OpDecodeError> {
    let n = get_len(buf)?;
    Ok(buf.split_to(n))
}

fn get_list(buf: &mut Bytes) -> Result<Vec<Bytes>, OpDecodeError> {
    let n = get_len(buf)?;
    let mut items = Vec::with_capacity(n);
    for _ in 0..n {
        items.push(get_bytes(buf)?);
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn arb_bytes() -> impl Strategy<Value = Bytes> {
        proptest::collection::vec(any::<u8>(), 0..20).prop_map(Bytes::from)
    }

    fn arb_op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (
                0usize..16,
                any::<bool>(),
                proptest::collection::vec(arb_bytes(), 1..5)
            )
                .prop_map(|(db, resp3, args)| Op::Command { db, resp3, args }),
            (
                any::<u64>(),
                any::<bool>(),
                proptest::collection::vec(
                    (0usize..16, proptest::collection::vec(arb_bytes(), 1..4)),
                    0..4
                )
            )
                .prop_map(|(session, resp3, commands)| Op::Transaction {
                    session,
                    resp3,
                    commands
                }),
            (
                any::<u64>(),
                proptest::collection::vec((0usize..16, arb_bytes()), 0..4)
            )
                .prop_map(|(session, keys)| Op::Watch { session, keys }),
            any::<u64>().prop_map(|session| Op::Unwatch { session }),
            (0usize..16, proptest::collection::vec(arb_bytes(), 0..4))
                .prop_map(|(db, keys)| Op::Expire { db, keys }),
            (any::<u16>(), any::<u16>()).prop_map(|(node, keep_incarnation)| {
                Op::PurgeSessions {
                    node,
                    keep_incarnation,
                }
            }),
        ]
    }

    proptest! {
        #[test]
        fn ops_round_trip(ops in proptest::collection::vec(arb_op(), 0..8)) {
            let mut out = Vec::new();
            for op in &ops {
                op.encode(&mut out);
            }
            let mut buf = Bytes::from(out);
            for op in &ops {
                prop_assert_eq!(&Op::decode(&mut buf).unwrap(), op);
            }
            prop_assert!(buf.is_empty());
        }

        #[test]
        fn garbage_is_an_error_not_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut buf = Bytes::from(bytes);
            let _ = Op::decode(&mut buf);
        }
    }
}
