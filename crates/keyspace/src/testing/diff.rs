//! The differential-test driver: keel in process (a [`Harness`]) side by
//! side with a private `redis-server`, both speaking RESP2 or both RESP3.
//! Every command runs on both sides and the replies are judged by
//! `testkit::compare` (identical where Redis defines them; sorted, by
//! their properties or within a tolerance where it does not). After every
//! command keel's state is checked too: no empty collection may be left.

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use resp::{Frame, Reply};
use testkit::compare::{self, show, show_command, Side};
use testkit::{Conn, RedisServer};

use super::{decode_one, to_bytes, Harness};
use crate::Op;

/// keel and Redis side by side. Mismatches panic with the [`Diff::label`]
/// (e.g. family and seed), the step number and the protocol.
pub(crate) struct Diff {
    pub keel: Harness,
    pub redis: Conn,
    /// Printed with every mismatch (e.g. the random seed).
    pub label: String,
    /// Number of commands checked so far.
    pub step: usize,
    resp3: bool,
    _server: RedisServer,
}

/// keel's side: the harness, with blocking commands answered the way the
/// server answers them once their (finite) timeout passes.
struct Keel<'a> {
    harness: &'a mut Harness,
    resp3: bool,
}

impl Side for Keel<'_> {
    fn call(&mut self, cmd: &[Bytes]) -> Frame {
        let reply = self.harness.run_bytes(cmd, self.resp3);
        let Some(block) = self.harness.blocked.take() else {
            return reply;
        };
        assert!(
            block.timeout_ms > 0,
            "keel blocks forever on {} (so would redis)",
            show_command(cmd)
        );
        let mut out = Reply::new(self.resp3);
        block.timeout_reply.write(&mut out);
        decode_one(out.as_bytes())
    }
}

impl Diff {
    /// A fresh keel and a fresh Redis, speaking RESP2.
    pub fn new() -> Diff {
        let server = RedisServer::start();
        Diff {
            keel: Harness::new(),
            redis: server.connect(),
            label: String::new(),
            step: 0,
            resp3: false,
            _server: server,
        }
    }

    /// Like [`Diff::new`], speaking RESP3.
    pub fn new_resp3() -> Diff {
        let mut d = Diff::new();
        d.set_resp3(true);
        d
    }

    /// Like [`Diff::new`], with a label for messages.
    pub fn labelled(label: &str) -> Diff {
        let mut d = Diff::new();
        d.label = label.to_string();
        d
    }

    /// Switches both sides to RESP3 (`true`) or RESP2.
    pub fn set_resp3(&mut self, resp3: bool) {
        if resp3 != self.resp3 {
            let hello = self.redis.run(&["HELLO", if resp3 { "3" } else { "2" }]);
            assert!(
                matches!(hello, Frame::Map(_) | Frame::Array(_)),
                "HELLO failed: {hello:?}"
            );
            self.resp3 = resp3;
        }
    }

    /// Empties both sides (all databases, database 0 selected), keeping the
    /// protocol.
    pub fn reset(&mut self) {
        self.keel = Harness::new();
        assert_eq!(self.redis.run(&["FLUSHALL"]), Frame::Simple("OK".into()));
        assert_eq!(self.redis.run(&["SELECT", "0"]), Frame::Simple("OK".into()));
    }

    /// Runs a command on both sides, asserts the replies agree and returns
    /// keel's.
    pub fn check<A: AsRef<[u8]>>(&mut self, cmd: &[A]) -> Frame {
        let cmd = to_bytes(cmd);
        self.step += 1;
        let mut keel = Keel {
            harness: &mut self.keel,
            resp3: self.resp3,
        };
        match compare::check(&cmd, &mut keel, &mut self.redis, self.resp3) {
            Ok(reply) => {
                self.check_invariants(&cmd);
                reply
            }
            Err(why) => panic!(
                "{}step {} (resp3: {}): reply to {} {why}",
                self.context(),
                self.step,
                self.resp3,
                show_command(&cmd)
            ),
        }
    }

    /// Runs one command in RESP3, then returns to the current protocol.
    pub fn check3<A: AsRef<[u8]>>(&mut self, cmd: &[A]) -> Frame {
        let was = self.resp3;
        self.set_resp3(true);
        let reply = self.check(cmd);
        self.set_resp3(was);
        reply
    }

    /// Runs several commands, checking each. Two pseudo-commands help
    /// hand-written sequences: `["@enc", key]` compares the key's encoding
    /// (`OBJECT ENCODING`), and `["@any", cmd...]` runs `cmd` on both sides
    /// without comparing (to reach the same state through a random
    /// command).
    pub fn check_all(&mut self, cmds: &[&[&str]]) {
        for cmd in cmds {
            match cmd.first() {
                Some(&"@enc") => self.check_encoding(cmd[1]),
                Some(&"@any") => {
                    self.both(&cmd[1..]);
                }
                _ => {
                    self.check(cmd);
                }
            }
        }
    }

    /// [`Diff::check_all`] in RESP3, then back to the current protocol.
    pub fn check_all3(&mut self, cmds: &[&[&str]]) {
        let was = self.resp3;
        self.set_resp3(true);
        self.check_all(cmds);
        self.set_resp3(was);
    }

    /// Runs a command on both sides without comparing; returns (keel,
    /// redis) replies. `$DUMP:` arguments are substituted.
    pub fn both<A: AsRef<[u8]>>(&mut self, cmd: &[A]) -> (Frame, Frame) {
        let cmd = to_bytes(cmd);
        self.step += 1;
        let mut keel = Keel {
            harness: &mut self.keel,
            resp3: self.resp3,
        };
        let args = compare::substitute(&cmd, &mut keel);
        let ours = keel.call(&args);
        let args = compare::substitute(&cmd, &mut self.redis);
        let theirs = self.redis.call(&args);
        (ours, theirs)
    }

    /// The key's encoding (or absence) is the same on both sides.
    pub fn check_encoding(&mut self, key: &str) {
        self.check(&["OBJECT", "ENCODING", key]);
    }

    /// Every database holds the same keys, each with the same type,
    /// encoding, expiry and content. Database 0 is selected afterwards.
    pub fn check_state(&mut self) {
        let now = self.keel.now_ms();
        let mut ours = BTreeMap::new();
        for db in 0..self.keel.ks.databases() {
            let db_ = self.keel.ks.db(db);
            let n = db_.iter().filter(|(k, _)| db_.contains(k, now)).count();
            if n > 0 {
                ours.insert(db, n);
            }
        }
        let theirs = compare::keys_per_db(&mut self.redis).expect("INFO keyspace");
        let dbs: BTreeSet<usize> = ours.keys().chain(theirs.keys()).copied().collect();
        let mut keel = Keel {
            harness: &mut self.keel,
            resp3: self.resp3,
        };
        if let Err(why) = compare::check_databases(dbs, &mut keel, &mut self.redis, self.resp3) {
            panic!(
                "{}final state (resp3: {}): {why}",
                self.context(),
                self.resp3
            );
        }
        assert_eq!(
            ours,
            theirs,
            "{}live keys per database (left: keel)",
            self.context()
        );
    }

    /// Runs `cmds` inside MULTI/EXEC on both sides (keel applies them as
    /// one transaction) and asserts identical replies.
    pub fn check_transaction(&mut self, cmds: &[&[&str]]) {
        assert_eq!(self.redis.run(&["MULTI"]), Frame::Simple("OK".into()));
        for cmd in cmds {
            let queued = self.redis.run(cmd);
            assert_eq!(queued, Frame::Simple("QUEUED".into()), "{cmd:?}");
        }
        let theirs = self.redis.run(&["EXEC"]);
        let op = Op::Transaction {
            session: 1,
            resp3: self.resp3,
            commands: cmds.iter().map(|c| (self.keel.db, to_bytes(c))).collect(),
        };
        let mut out = Reply::new(self.resp3);
        let now = self.keel.now_ms();
        let outcome = self.keel.ks.apply(&op, now, 1, &mut out);
        assert_eq!(outcome.blocked, None);
        let ends = outcome.transaction.expect("not aborted");
        let mut ours = Vec::new();
        let mut start = 0;
        for end in ends {
            ours.push(decode_one(&out.as_bytes()[start..end]));
            start = end;
        }
        let ours = Frame::Array(ours);
        assert!(
            compare::exact(&ours, &theirs).is_ok(),
            "{}EXEC of {cmds:?} differs (resp3: {})\n  keel:  {}\n  redis: {}",
            self.context(),
            self.resp3,
            show(&ours),
            show(&theirs)
        );
        self.check_invariants(&[]);
    }

    fn context(&self) -> String {
        if self.label.is_empty() {
            String::new()
        } else {
            format!("[{}] ", self.label)
        }
    }

    /// keel never keeps an empty collection.
    fn check_invariants(&self, cmd: &[Bytes]) {
        for db in 0..self.keel.ks.databases() {
            for (key, entry) in self.keel.ks.db(db).iter() {
                assert!(
                    !entry.value().is_empty_collection(),
                    "{}step {}: after {} keel keeps the empty collection {:?} in db {db}",
                    self.context(),
                    self.step,
                    show_command(cmd),
                    String::from_utf8_lossy(key)
                );
            }
        }
    }
}

/// Runs every command in a fresh keel and a fresh Redis (RESP2) and asserts
/// the replies agree.
pub(crate) fn assert_same_replies(cmds: &[&[&str]]) {
    Diff::new().check_all(cmds);
}

/// [`assert_same_replies`] in RESP2, then again from scratch in RESP3.
pub(crate) fn assert_same_replies_resp2_and_3(cmds: &[&[&str]]) {
    Diff::new().check_all(cmds);
    Diff::new_resp3().check_all(cmds);
}
