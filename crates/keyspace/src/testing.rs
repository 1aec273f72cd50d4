//! Test support: run commands against a keyspace ([`Harness`]), and
//! compare keel with a real `redis-server` ([`Diff`], the one
//! differential-test driver every command family uses; the comparison
//! rules themselves are `testkit::compare`'s).

mod diff;
mod meta;
mod random;

use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use resp::{Frame, Reply};
pub(crate) use testkit::{sorted, RedisServer};

pub(crate) use diff::{assert_same_replies, assert_same_replies_resp2_and_3, Diff};
pub(crate) use meta::{check_command_info, run_watched};
pub(crate) use random::{random_sequences, Protocols, Step};

use crate::table::{self, Handler};
use crate::{BlockRequest, Ctx, Keyspace, Op};

/// Executes commands the way the server will: writes through
/// [`Keyspace::apply`], reads through [`Keyspace::read`].
pub(crate) struct Harness {
    pub ks: Keyspace,
    pub db: usize,
    /// Fixed clock; `None` uses the wall clock (to compare TTLs with Redis).
    pub clock: Option<u64>,
    /// What the last command asked to wait for, if it blocked (its reply
    /// was then `+BLOCKED`).
    pub blocked: Option<BlockRequest>,
    seed: u64,
}

impl Harness {
    pub fn new() -> Harness {
        Harness {
            ks: Keyspace::new(16),
            db: 0,
            clock: None,
            blocked: None,
            seed: 0,
        }
    }

    /// A harness whose clock stands still at `now_ms` until changed.
    pub fn at(now_ms: u64) -> Harness {
        Harness {
            clock: Some(now_ms),
            ..Harness::new()
        }
    }

    pub fn now_ms(&self) -> u64 {
        self.clock.unwrap_or_else(wall_ms)
    }

    /// Runs a command with RESP2 replies.
    pub fn run(&mut self, args: &[&str]) -> Frame {
        self.run_bytes(&to_bytes(args), false)
    }

    /// Runs a command with RESP3 replies.
    pub fn run3(&mut self, args: &[&str]) -> Frame {
        self.run_bytes(&to_bytes(args), true)
    }

    pub fn run_bytes(&mut self, args: &[Bytes], resp3: bool) -> Frame {
        let mut out = Reply::new(resp3);
        self.seed += 1;
        let now = self.now_ms();
        self.blocked = None;
        match table::resolve(args) {
            Err(e) => out.error(&e.to_string()),
            Ok(spec) => match spec.handler {
                Handler::Write(_) => {
                    let op = Op::Command {
                        db: self.db,
                        resp3,
                        args: args.to_vec(),
                    };
                    let outcome = self.ks.apply(&op, now, self.seed, &mut out);
                    if outcome.blocked.is_some() {
                        self.blocked = outcome.blocked;
                        return Frame::Simple("BLOCKED".into());
                    }
                }
                Handler::Read(_) => {
                    let mut ctx = Ctx::new(self.db, self.ks.read_clock(now), self.seed);
                    self.ks.read(spec, &mut ctx, args, &mut out);
                }
                Handler::Server if spec.name == "select" => {
                    match resp::parse_int(&args[1]).map(|i| self.ks.check_db(i)) {
                        Some(Ok(db)) => {
                            self.db = db;
                            out.ok();
                        }
                        _ => out.error("ERR DB index is out of range"),
                    }
                }
                _ => panic!("{} is executed by the server", spec.name),
            },
        }
        decode_one(out.as_bytes())
    }
}

pub(crate) fn to_bytes<A: AsRef<[u8]>>(args: &[A]) -> Vec<Bytes> {
    args.iter()
        .map(|a| Bytes::copy_from_slice(a.as_ref()))
        .collect()
}

pub(crate) fn decode_one(bytes: &[u8]) -> Frame {
    let (frame, used) = resp::decode(bytes)
        .expect("valid reply")
        .expect("complete reply");
    assert_eq!(used, bytes.len(), "exactly one reply expected");
    frame
}

/// The real clock, for differential tests that compare with a live Redis
/// (test code only: the state machine never reads it).
#[allow(clippy::disallowed_methods)]
pub(crate) fn wall_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn harness_and_oracle_agree_on_basic_errors() {
        assert_same_replies(&[
            &["ECHO", "hello"],
            &["echo"],
            &["nosuchcommand", "a", "b"],
            &["client", "nosuchsub"],
        ]);
    }

    #[test]
    fn mismatches_are_reported() {
        let result = std::panic::catch_unwind(|| {
            let mut d = Diff::new();
            // A key only keel has.
            d.keel.ks.db_mut(0).insert(b"k", crate::Value::Int(1));
            d.check(&["EXISTS", "k"]);
        });
        assert!(result.is_err(), "a differing reply must fail the check");
    }

    #[test]
    fn empty_collections_are_reported() {
        let result = std::panic::catch_unwind(|| {
            let mut d = Diff::new();
            d.keel.ks.db_mut(3).insert(
                b"l",
                crate::Value::List(Box::new(crate::types::List::new())),
            );
            d.check(&["PING"]);
        });
        assert!(result.is_err(), "keel must never keep an empty collection");
    }

    #[test]
    fn fixed_clock_harness() {
        let mut h = Harness::at(1000);
        assert_eq!(h.now_ms(), 1000);
        assert_eq!(h.run3(&["ECHO", "x"]), Frame::Bulk("x".into()));
        assert_eq!(
            sorted(Frame::Array(vec![Frame::Integer(2), Frame::Integer(1)])),
            Frame::Array(vec![Frame::Integer(1), Frame::Integer(2)])
        );
    }
}
