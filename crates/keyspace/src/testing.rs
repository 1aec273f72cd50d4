//! Test support: run commands against a keyspace, and against a real
//! `redis-server` to compare replies.

use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use resp::{Frame, Reply};
pub(crate) use testkit::{sorted, RedisServer};

use crate::table::{self, Handler};
use crate::{Ctx, Keyspace, Op};

/// Executes commands the way the server will: writes through
/// [`Keyspace::apply`], reads through [`Keyspace::read`].
pub(crate) struct Harness {
    pub ks: Keyspace,
    pub db: usize,
    /// Fixed clock; `None` uses the wall clock (to compare TTLs with Redis).
    pub clock: Option<u64>,
    seed: u64,
}

impl Harness {
    pub fn new() -> Harness {
        Harness {
            ks: Keyspace::new(16),
            db: 0,
            clock: None,
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

fn to_bytes(args: &[&str]) -> Vec<Bytes> {
    args.iter()
        .map(|a| Bytes::copy_from_slice(a.as_bytes()))
        .collect()
}

fn decode_one(bytes: &[u8]) -> Frame {
    let (frame, used) = resp::decode(bytes)
        .expect("valid reply")
        .expect("complete reply");
    assert_eq!(used, bytes.len(), "exactly one reply expected");
    frame
}

pub(crate) fn wall_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Runs every command in both keel and Redis (RESP2) and asserts identical
/// replies. Commands whose reply order is undefined are compared sorted
/// when `unordered` says so.
pub(crate) fn assert_same_replies(cmds: &[&[&str]], unordered: impl Fn(&[&str]) -> bool) {
    let mut keel = Harness::new();
    let server = RedisServer::start();
    let mut redis = server.connect();
    for cmd in cmds {
        let (mut ours, mut theirs) = (keel.run(cmd), redis.run(cmd));
        if unordered(cmd) {
            ours = sorted(ours);
            theirs = sorted(theirs);
        }
        assert_eq!(
            ours, theirs,
            "reply to {cmd:?} differs (left: keel, right: redis)"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn harness_and_oracle_agree_on_basic_errors() {
        assert_same_replies(
            &[
                &["ECHO", "hello"],
                &["echo"],
                &["nosuchcommand", "a", "b"],
                &["client", "nosuchsub"],
            ],
            |_| false,
        );
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
