//! Which rule applies to a command, and the rules that need nothing but
//! the two replies.

use bytes::Bytes;
use resp::Frame;

use super::{encoded, exact, lower};

/// How the replies to one command are compared (see the module
/// documentation of [`crate::compare`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Identical encoded replies.
    Exact,
    /// The same elements (an array or a set) in any order.
    Unordered,
    /// The same field/value pairs (a flat array or a map) in any order.
    UnorderedPairs,
    /// Exact if Redis reports `encoding` for the key (`cmd[1]`), whose
    /// order is then defined; otherwise in any order (as pairs if `pairs`).
    OrderedIfEncoded { encoding: &'static str, pairs: bool },
    /// A SCAN-family reply with its cursor argument at `cursor_at`;
    /// elements come in (member, value) pairs if `pairs`.
    Scan { cursor_at: usize, pairs: bool },
    /// Integers equal within the tolerance (negative markers exactly).
    Within(u64),
    /// Both nil or both a bulk string.
    NilOrBulk,
    /// `OBJECT ENCODING`: exact, except for a known difference: keel says
    /// `embstr` for every string of at most 44 bytes, where Redis says
    /// `raw` once the string was modified in place (APPEND, SETRANGE,
    /// SETBIT, BITFIELD, BITOP, HyperLogLogs).
    Encoding,
    /// The same type and, for aggregates, the same length.
    Shape,
    /// RANDOMKEY.
    RandomKey,
    /// SRANDMEMBER, HRANDFIELD, ZRANDMEMBER.
    RandomPick(Collection),
    /// SPOP.
    Pop,
    /// DBSIZE: equal, or each at least the number of live keys, which must
    /// be equal (both servers count expired keys until they reclaim them).
    DbSize,
}

/// The collection a random pick comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collection {
    Set,
    Hash,
    Zset,
}

/// The rule for `cmd`.
pub fn rule(cmd: &[Bytes]) -> Rule {
    let name = lower(&cmd[0]);
    let sub = cmd.get(1).map(|s| lower(s)).unwrap_or_default();
    match name.as_str() {
        "keys" | "sinter" | "sunion" | "sdiff" => Rule::Unordered,
        "pubsub" if matches!(sub.as_str(), "channels" | "shardchannels") => Rule::Unordered,
        "config" if sub == "get" => Rule::UnorderedPairs,
        "smembers" => Rule::OrderedIfEncoded {
            encoding: "intset",
            pairs: false,
        },
        "hkeys" | "hvals" => Rule::OrderedIfEncoded {
            encoding: "listpack",
            pairs: false,
        },
        "hgetall" => Rule::OrderedIfEncoded {
            encoding: "listpack",
            pairs: true,
        },
        "scan" => Rule::Scan {
            cursor_at: 1,
            pairs: false,
        },
        "sscan" => Rule::Scan {
            cursor_at: 2,
            pairs: false,
        },
        "hscan" | "zscan" => Rule::Scan {
            cursor_at: 2,
            pairs: true,
        },
        "randomkey" => Rule::RandomKey,
        "dbsize" => Rule::DbSize,
        "srandmember" => Rule::RandomPick(Collection::Set),
        "hrandfield" => Rule::RandomPick(Collection::Hash),
        "zrandmember" => Rule::RandomPick(Collection::Zset),
        "spop" => Rule::Pop,
        "dump" => Rule::NilOrBulk,
        "ttl" | "expiretime" => Rule::Within(1),
        "pttl" | "pexpiretime" => Rule::Within(2000),
        "object" if sub == "idletime" => Rule::Within(2),
        "object" if sub == "encoding" => Rule::Encoding,
        "time" | "lastsave" => Rule::Shape,
        _ => Rule::Exact,
    }
}

/// The elements of an array or set, and the aggregate's type.
fn elements(frame: &Frame) -> Option<(&'static str, &[Frame])> {
    match frame {
        Frame::Array(items) => Some(("array", items)),
        Frame::Set(items) => Some(("set", items)),
        _ => None,
    }
}

/// The same elements (with repetitions) in any order, in the same type of
/// aggregate.
pub fn unordered(ours: &Frame, theirs: &Frame) -> Result<(), String> {
    match (elements(ours), elements(theirs)) {
        (Some((a, x)), Some((b, y))) => {
            if a != b {
                return Err(format!("differ in type ({a} vs {b})"));
            }
            let sort = |items: &[Frame]| {
                let mut v: Vec<Vec<u8>> = items.iter().map(encoded).collect();
                v.sort();
                v
            };
            if sort(x) == sort(y) {
                Ok(())
            } else {
                Err("differ (compared in any order)".into())
            }
        }
        _ => exact(ours, theirs),
    }
}

/// Encoded (field, value) pairs.
type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

/// Field/value pairs of a map or flat array, sorted, with the type.
fn pairs(frame: &Frame) -> Option<(&'static str, Pairs)> {
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = match frame {
        Frame::Map(pairs) => pairs
            .iter()
            .map(|(k, v)| (encoded(k), encoded(v)))
            .collect(),
        Frame::Array(items) if items.len().is_multiple_of(2) => items
            .chunks_exact(2)
            .map(|p| (encoded(&p[0]), encoded(&p[1])))
            .collect(),
        _ => return None,
    };
    pairs.sort();
    let kind = if matches!(frame, Frame::Map(_)) {
        "map"
    } else {
        "array"
    };
    Some((kind, pairs))
}

/// The same field/value pairs in any order, in the same type of reply.
pub fn unordered_pairs(ours: &Frame, theirs: &Frame) -> Result<(), String> {
    match (pairs(ours), pairs(theirs)) {
        (Some((a, x)), Some((b, y))) => {
            if a != b {
                Err(format!("differ in type ({a} vs {b})"))
            } else if x != y {
                Err("differ (pairs compared in any order)".into())
            } else {
                Ok(())
            }
        }
        _ => exact(ours, theirs),
    }
}

/// Integers within `tolerance` of each other; negative values (the `-1` /
/// `-2` markers) and anything else must be equal.
pub fn within(ours: &Frame, theirs: &Frame, tolerance: u64) -> Result<(), String> {
    match (ours, theirs) {
        (Frame::Integer(a), Frame::Integer(b)) if *a >= 0 && *b >= 0 => {
            if a.abs_diff(*b) <= tolerance {
                Ok(())
            } else {
                Err(format!("differ by more than {tolerance}"))
            }
        }
        _ => exact(ours, theirs),
    }
}

/// Type (and length, for aggregates) of a reply.
pub fn shape(frame: &Frame) -> String {
    match frame {
        Frame::Array(items) => format!("array of {}", items.len()),
        Frame::Set(items) => format!("set of {}", items.len()),
        Frame::Push(items) => format!("push of {}", items.len()),
        Frame::Map(pairs) => format!("map of {}", pairs.len()),
        Frame::Simple(_) => "simple string".into(),
        Frame::Error(_) => "error".into(),
        Frame::Integer(_) => "integer".into(),
        Frame::Bulk(_) => "bulk string".into(),
        Frame::Null => "null".into(),
        Frame::NullArray => "null array".into(),
        Frame::Double(_) => "double".into(),
        Frame::Boolean(_) => "boolean".into(),
        Frame::BigNumber(_) => "big number".into(),
        Frame::Verbatim { .. } => "verbatim string".into(),
    }
}

/// The same type and length.
pub fn same_shape(ours: &Frame, theirs: &Frame) -> Result<(), String> {
    let (a, b) = (shape(ours), shape(theirs));
    if a == b {
        Ok(())
    } else {
        Err(format!("differ in shape ({a} vs {b})"))
    }
}
