//! Routing a connection's commands: checks, MULTI queueing, and execution
//! as reads, logged write batches or server commands.

use std::time::Instant;

use bytes::Bytes;
use keyspace::{table, CmdError, CommandSpec, Ctx, Flags, Handler, Op};
use replication::Consistency;

use crate::connection::{Connection, Queued, ReplyMode};
use crate::store::{engine_error, Batch};

/// Commands that run immediately even inside MULTI.
const NOT_QUEUED: &[&str] = &["exec", "discard", "multi", "watch", "quit", "reset"];
/// Commands a RESP2 client may send while subscribed.
const ALLOWED_SUBSCRIBED: &[&str] = &[
    "subscribe",
    "psubscribe",
    "unsubscribe",
    "punsubscribe",
    "ping",
    "quit",
    "reset",
];

/// Consecutive write commands waiting to go to the log as one batch.
#[derive(Default)]
pub struct PendingWrites {
    ops: Vec<Op>,
    specs: Vec<&'static CommandSpec>,
}

impl Connection {
    /// Executes the commands of one read, in order, batching consecutive
    /// writes into one log entry.
    pub async fn execute(&mut self, commands: Vec<Vec<Bytes>>) {
        let mut pending = PendingWrites::default();
        for args in commands {
            if self.closing || self.info.is_killed() {
                break;
            }
            self.run_one(args, &mut pending).await;
        }
        self.flush_writes(&mut pending).await;
    }

    async fn run_one(&mut self, args: Vec<Bytes>, pending: &mut PendingWrites) {
        #[cfg(feature = "fault-injection")]
        crate::fault::inject(&args);
        let spec = match table::resolve(&args) {
            Ok(spec) => spec,
            Err(e) => {
                self.flush_writes(pending).await;
                let name = table::lookup(&args[0]).map(|s| s.name);
                return self.refuse(name, &e.to_string());
            }
        };
        self.note_command(spec);
        if let Err(e) = self.check_allowed(spec) {
            self.flush_writes(pending).await;
            return self.refuse(Some(spec.name), &e.to_string());
        }
        if self.session.multi.is_some() && !NOT_QUEUED.contains(&spec.name) {
            return self.queue(spec, args);
        }
        if self.shared.pause.is_paused(spec.is_write()) {
            self.flush_writes(pending).await;
            self.shared.pause.wait(spec.is_write()).await;
        }
        let mark = self.out.mark();
        match spec.handler {
            Handler::Write(_) => {
                let blocking = spec.flags.contains(Flags::BLOCKING);
                pending.ops.push(Op::Command {
                    db: self.session.db,
                    resp3: self.out.is_resp3(),
                    args,
                });
                pending.specs.push(spec);
                if blocking || self.session.reply_mode != ReplyMode::On {
                    self.flush_writes(pending).await;
                }
            }
            Handler::Read(_) => {
                self.flush_writes(pending).await;
                self.run_read(spec, &args).await;
            }
            Handler::Server | Handler::Container => {
                self.flush_writes(pending).await;
                let start = Instant::now();
                let result = self.run_server_command(spec, &args).await;
                if let Err(e) = &result {
                    self.out.truncate(mark);
                    self.out.error(&e.to_string());
                }
                self.record(spec, &args, start, mark);
            }
        }
        self.apply_reply_mode(spec, mark);
    }

    /// Checks authentication, subscribed-mode restrictions and the
    /// transaction rules before a command runs or is queued.
    fn check_allowed(&mut self, spec: &'static CommandSpec) -> Result<(), CmdError> {
        if !self.session.authenticated && !spec.flags.contains(Flags::NO_AUTH) {
            return Err(CmdError::Other("NOAUTH Authentication required.".into()));
        }
        let top = spec.name.split('|').next().unwrap_or(spec.name);
        if self.session.subscribed() && !self.out.is_resp3() && !ALLOWED_SUBSCRIBED.contains(&top) {
            return Err(CmdError::err(format!(
                "Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
                spec.name
            )));
        }
        if self.session.multi.is_some() && spec.flags.contains(Flags::NO_MULTI) {
            return Err(CmdError::err("Command not allowed inside a transaction"));
        }
        Ok(())
    }

    /// Replies with an error for a command that did not run; inside MULTI
    /// it also dooms the transaction (EXECABORT).
    fn refuse(&mut self, name: Option<&'static str>, error: &str) {
        self.shared.stats.reject(name, error);
        if let Some(multi) = self.session.multi.as_mut() {
            multi.failed = true;
        }
        let mark = self.out.mark();
        self.out.error(error);
        if let Some(spec) = name.and_then(|n| table::lookup(n.as_bytes())) {
            self.apply_reply_mode(spec, mark);
        }
    }

    fn queue(&mut self, spec: &'static CommandSpec, args: Vec<Bytes>) {
        let databases = self.shared.config.read().databases;
        let Some(multi) = self.session.multi.as_mut() else {
            return;
        };
        let db = multi.db;
        if spec.name == "select" {
            if let Some(index) = resp::parse_int(&args[1]).and_then(|i| usize::try_from(i).ok()) {
                if index < databases {
                    multi.db = index;
                }
            }
        }
        let queued = Queued::new(spec, args, db);
        multi.bytes += queued.size();
        multi.queued.push(queued);
        let (count, bytes) = (multi.queued.len(), multi.bytes);
        if self.over_query_buffer_limit() {
            // Redis closes the connection; the queue goes now.
            self.end_multi();
            self.closing = true;
            return;
        }
        let mut state = self.info.state.lock();
        state.multi = Some(count);
        state.multi_mem = bytes;
        drop(state);
        self.out.simple("QUEUED");
    }

    /// Sends the pending writes to the log as one batch and appends their
    /// replies; a final blocking command that found nothing parks the
    /// client here.
    pub async fn flush_writes(&mut self, pending: &mut PendingWrites) {
        if pending.ops.is_empty() {
            return;
        }
        let ops = std::mem::take(&mut pending.ops);
        let specs = std::mem::take(&mut pending.specs);
        let blocking = specs
            .last()
            .is_some_and(|s| s.flags.contains(Flags::BLOCKING));
        let waiter = blocking.then(|| self.waiter());
        let last_args = match ops.last() {
            Some(Op::Command { args, .. }) if blocking => args.clone(),
            _ => Vec::new(),
        };
        let start = Instant::now();
        let resp3 = self.out.is_resp3();
        let written = self
            .shared
            .store
            .write(Batch {
                ops,
                resp3,
                waiter: waiter.clone(),
            })
            .await;
        let applied = match written {
            Ok(applied) => applied,
            Err(e) => {
                // Nothing was applied, or the outcome is unknown: every
                // command of the batch says so (never a false "not done").
                let text = engine_error(&e).to_string();
                for spec in &specs {
                    self.shared.stats.reject(Some(spec.name), &text);
                    self.out.error(&text);
                }
                return;
            }
        };
        let per_op = start.elapsed().as_micros() as u64 / specs.len().max(1) as u64;
        let mut begin = 0;
        for (spec, end) in specs.iter().zip(&applied.ends) {
            let reply = &applied.reply[begin..*end];
            self.shared
                .stats
                .record(spec.name, per_op, error_text(reply));
            begin = *end;
        }
        self.out.raw(&applied.reply);
        let blocked = applied.outcomes.last().and_then(|o| o.blocked.clone());
        if let (Some(request), Some(waiter)) = (blocked, waiter) {
            self.block(last_args, request, waiter).await;
        }
    }

    async fn run_read(&mut self, spec: &'static CommandSpec, args: &[Bytes]) {
        let start = Instant::now();
        let mark = self.out.mark();
        let db = self.session.db;
        let out = &mut self.out;
        let read = self
            .shared
            .store
            .read(Consistency::Linearizable, |ks, now| {
                let mut ctx = Ctx::new(db, now, rand::random());
                ks.read(spec, &mut ctx, args, out);
            })
            .await;
        if let Err(e) = read {
            self.out.error(&engine_error(&e).to_string());
        }
        self.record(spec, args, start, mark);
    }

    /// Updates statistics and the slow log for a command that ran.
    fn record(&mut self, spec: &'static CommandSpec, args: &[Bytes], start: Instant, mark: usize) {
        let micros = start.elapsed().as_micros() as u64;
        let error = error_text(&self.out.as_bytes()[mark..]);
        self.shared.stats.record(spec.name, micros, error);
        let (threshold, max_len) = {
            let config = self.shared.config.read();
            (config.slowlog_log_slower_than, config.slowlog_max_len)
        };
        if threshold >= 0 && micros >= threshold as u64 {
            let name = self.info.state.lock().name.clone();
            self.shared
                .slowlog
                .record(args, micros, &self.info.addr, name.as_ref(), max_len);
        }
    }

    fn note_command(&self, spec: &'static CommandSpec) {
        let mut state = self.info.state.lock();
        state.last_command = spec.name;
        state.last_interaction_ms = crate::clock::now_ms();
    }

    /// CLIENT REPLY OFF/SKIP: drop the reply just written.
    fn apply_reply_mode(&mut self, spec: &'static CommandSpec, mark: usize) {
        match self.session.reply_mode {
            ReplyMode::On => {}
            ReplyMode::Off => self.out.truncate(mark),
            ReplyMode::Skip if spec.name != "client|reply" => {
                self.out.truncate(mark);
                self.session.reply_mode = ReplyMode::On;
            }
            ReplyMode::Skip => {}
        }
    }
}

/// The error text if `reply` is an error reply.
fn error_text(reply: &[u8]) -> Option<&[u8]> {
    reply
        .strip_prefix(b"-")
        .map(|rest| rest.strip_suffix(b"\r\n").unwrap_or(rest))
}
