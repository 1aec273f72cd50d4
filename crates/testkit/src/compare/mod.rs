//! The comparison rules of differential tests: how a reply from keel is
//! judged against the reply of a real Redis to the same command.
//!
//! Most replies must be identical (compared as encoded RESP, so `-0` and
//! `0` differ even as RESP3 doubles). Where Redis leaves something
//! undefined or time-dependent, the rule depends on the command name and
//! arguments ([`rule`]):
//!
//! | commands | rule |
//! |---|---|
//! | KEYS, SINTER, SUNION, SDIFF, PUBSUB CHANNELS/SHARDCHANNELS | same elements in any order ([`Rule::Unordered`]) |
//! | SMEMBERS | exact for an `intset` (ordered), else any order |
//! | HKEYS, HVALS | exact for a `listpack` hash (insertion order), else any order |
//! | HGETALL | exact for a `listpack` hash, else the same field/value pairs in any order |
//! | CONFIG GET | the same pairs in any order |
//! | SCAN, SSCAN, HSCAN, ZSCAN | see [`scan`]: one finished page is compared like the collection's members; otherwise whole iterations from cursor 0 must return the same elements; `SCAN ... TYPE none` lists no existing key |
//! | RANDOMKEY | both nil, or each side's key exists on the other side |
//! | DBSIZE | equal, or at least the number of live keys (a whole SCAN), which must be equal: both servers count expired keys until they reclaim them |
//! | SRANDMEMBER, HRANDFIELD, ZRANDMEMBER | see [`random`]: count, distinctness and membership (with the right values) checked on both replies against the collection in Redis |
//! | SPOP | see [`random::spop`]: both pop, both pops are checked, then Redis is brought to keel's state |
//! | DUMP | both nil or both a payload (formats differ) |
//! | TTL, EXPIRETIME | within 1 second |
//! | PTTL, PEXPIRETIME | within 2000 ms |
//! | OBJECT IDLETIME | within 2 seconds |
//! | TIME, LASTSAVE | same shape |
//! | OBJECT ENCODING | exact, but keel's `embstr` may stand for Redis's `raw` (a known difference: keel does not track strings modified in place) |
//!
//! Both servers delete expired keys lazily or in the background, so until
//! they do, DBSIZE and `INFO keyspace` still count them (and Redis's
//! `SCAN ... TYPE none` lists them), while every other command treats them
//! as gone. The rules above and [`keys_per_db`] count live keys with a
//! whole SCAN instead.
//!
//! Negative TTL-like replies (`-1`, `-2`) and every error are compared
//! exactly, and an error on one side only is always a mismatch.
//!
//! An argument `$DUMP:<key>` is replaced, on each side separately, by that
//! side's own `DUMP <key>` payload (empty if the key is missing), so
//! RESTORE can be tested although payload formats differ.
//!
//! The rules run over two [`Side`]s, so the same code compares keel in
//! process (the `keyspace` crate's test harness) and keel over TCP (the
//! server's end-to-end test) with Redis.

mod random;
mod rules;
mod scan;
mod state;

use bytes::Bytes;
use resp::Frame;

use crate::Conn;

pub use random::check_random_reply;
pub use rules::{rule, Rule};
pub use state::{check_databases, keys_per_db};

/// One side of a differential test: something that executes commands.
pub trait Side {
    /// Runs one command and returns its reply.
    fn call(&mut self, cmd: &[Bytes]) -> Frame;
}

impl Side for Conn {
    fn call(&mut self, cmd: &[Bytes]) -> Frame {
        self.run(cmd)
    }
}

/// Runs `cmd` on keel and on Redis and judges the replies by the rules of
/// this module. Returns keel's reply, or a description of the mismatch.
/// `resp3` says which protocol both sides speak.
///
/// Some rules send more commands: to read the collection a random pick
/// came from, to iterate a SCAN to the end, to learn an encoding, or to
/// bring Redis to keel's state after SPOP (which is not deterministic).
pub fn check(
    cmd: &[Bytes],
    keel: &mut dyn Side,
    redis: &mut dyn Side,
    resp3: bool,
) -> Result<Frame, String> {
    let args = substitute(cmd, keel);
    let ours = keel.call(&args);
    let args = substitute(cmd, redis);
    let theirs = redis.call(&args);
    judge(cmd, &ours, &theirs, keel, redis, resp3).map_err(|why| {
        format!(
            "{why}\n  keel:  {}\n  redis: {}",
            show(&ours),
            show(&theirs)
        )
    })?;
    Ok(ours)
}

/// Judges the replies `ours` (keel) and `theirs` (Redis) to `cmd`, both
/// already executed.
fn judge(
    cmd: &[Bytes],
    ours: &Frame,
    theirs: &Frame,
    keel: &mut dyn Side,
    redis: &mut dyn Side,
    resp3: bool,
) -> Result<(), String> {
    if ours.as_error().is_some() || theirs.as_error().is_some() {
        return exact(ours, theirs);
    }
    match rule(cmd) {
        Rule::Exact => exact(ours, theirs),
        Rule::Unordered => rules::unordered(ours, theirs),
        Rule::UnorderedPairs => rules::unordered_pairs(ours, theirs),
        Rule::OrderedIfEncoded { encoding, pairs } => {
            if exact(ours, theirs).is_ok() {
                return Ok(());
            }
            if encoding_of(redis, &cmd[1]).as_deref() == Some(encoding) {
                return Err(format!(
                    "differs (the key is {encoding}-encoded: order matters)"
                ));
            }
            if pairs {
                rules::unordered_pairs(ours, theirs)
            } else {
                rules::unordered(ours, theirs)
            }
        }
        Rule::Scan { cursor_at, pairs } => {
            scan::check(cmd, cursor_at, pairs, ours, theirs, keel, redis)
        }
        Rule::Within(tolerance) => rules::within(ours, theirs, tolerance),
        Rule::NilOrBulk => match (ours, theirs) {
            (Frame::Null, Frame::Null) | (Frame::Bulk(_), Frame::Bulk(_)) => Ok(()),
            _ => Err("differ (both must be nil or both a bulk string)".into()),
        },
        Rule::Shape => rules::same_shape(ours, theirs),
        Rule::Encoding => match (ours, theirs) {
            (Frame::Bulk(a), Frame::Bulk(b)) if &a[..] == b"embstr" && &b[..] == b"raw" => Ok(()),
            _ => exact(ours, theirs),
        },
        Rule::RandomKey => random::random_key(ours, theirs, keel, redis),
        Rule::RandomPick(kind) => random::pick(kind, cmd, ours, theirs, redis, resp3),
        Rule::Pop => random::spop(cmd, ours, theirs, redis),
        Rule::DbSize => {
            if exact(ours, theirs).is_ok() {
                return Ok(());
            }
            // Both may still count keys that expired: compare live keys.
            let (Frame::Integer(a), Frame::Integer(b)) = (ours, theirs) else {
                return exact(ours, theirs);
            };
            let live_ours = state::live_keys(keel)?;
            let live_theirs = state::live_keys(redis)?;
            if live_ours != live_theirs {
                Err(format!(
                    "differ, and so do the live keys ({live_ours} vs {live_theirs})"
                ))
            } else if (*a as usize) < live_ours || (*b as usize) < live_theirs {
                Err("count fewer keys than a SCAN finds".into())
            } else {
                Ok(())
            }
        }
    }
}

/// Byte-for-byte equality of the encoded replies.
pub fn exact(ours: &Frame, theirs: &Frame) -> Result<(), String> {
    if encoded(ours) == encoded(theirs) {
        Ok(())
    } else {
        Err("differ".into())
    }
}

/// The RESP encoding of a frame (RESP3 where the type exists only there).
pub fn encoded(frame: &Frame) -> Vec<u8> {
    let mut out = Vec::new();
    frame.encode(&mut out);
    out
}

/// A reply as readable text, for messages.
pub fn show(frame: &Frame) -> String {
    const MAX: usize = 2000;
    let text = String::from_utf8_lossy(&encoded(frame)).replace("\r\n", " ");
    if text.len() > MAX {
        let cut = (0..=MAX)
            .rev()
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(0);
        format!("{}... ({} bytes)", &text[..cut], text.len())
    } else {
        text
    }
}

/// A command as readable text, for messages.
pub fn show_command<A: AsRef<[u8]>>(cmd: &[A]) -> String {
    let parts: Vec<String> = cmd
        .iter()
        .take(16)
        .map(|a| {
            let a = a.as_ref();
            let text = String::from_utf8_lossy(&a[..a.len().min(80)]).into_owned();
            if a.len() > 80 {
                format!("{text}...")
            } else {
                text
            }
        })
        .collect();
    let more = if cmd.len() > 16 {
        format!(" ... ({} arguments)", cmd.len())
    } else {
        String::new()
    };
    format!("{parts:?}{more}")
}

/// Sorts the elements of an array or set reply, for commands whose reply
/// order Redis leaves undefined.
pub fn sorted(frame: Frame) -> Frame {
    match frame {
        Frame::Array(mut items) => {
            items.sort_by_key(encoded);
            Frame::Array(items)
        }
        Frame::Set(mut items) => {
            items.sort_by_key(encoded);
            Frame::Set(items)
        }
        other => other,
    }
}

/// Replaces every `$DUMP:<key>` argument by `side`'s `DUMP <key>` payload
/// (empty if the key is missing).
pub fn substitute(cmd: &[Bytes], side: &mut dyn Side) -> Vec<Bytes> {
    cmd.iter()
        .map(|arg| match arg.strip_prefix(b"$DUMP:") {
            None => arg.clone(),
            Some(key) => {
                let dump = [Bytes::from_static(b"DUMP"), Bytes::copy_from_slice(key)];
                match side.call(&dump) {
                    Frame::Bulk(payload) => payload,
                    _ => Bytes::new(),
                }
            }
        })
        .collect()
}

/// The encoding `OBJECT ENCODING` reports for `key` on `side`.
fn encoding_of(side: &mut dyn Side, key: &[u8]) -> Option<String> {
    let cmd = args(&[b"OBJECT", b"ENCODING", key]);
    match side.call(&cmd) {
        Frame::Bulk(b) => Some(String::from_utf8_lossy(&b).into_owned()),
        _ => None,
    }
}

/// Command arguments from byte strings.
pub(crate) fn args(parts: &[&[u8]]) -> Vec<Bytes> {
    parts.iter().map(|p| Bytes::copy_from_slice(p)).collect()
}

/// Lower-case text of an argument.
pub(crate) fn lower(arg: &[u8]) -> String {
    String::from_utf8_lossy(arg).to_ascii_lowercase()
}

#[cfg(test)]
mod tests;
