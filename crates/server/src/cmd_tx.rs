//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//!
//! Queued keyspace commands run as one logged [`Op::Transaction`], checked
//! against the session's WATCHes at apply time (WATCH itself is logged, so
//! every replica reaches the same verdict). Server commands queued in the
//! transaction (PING, SELECT, CLIENT, ...) run right after it, their
//! replies placed at their positions in the EXEC array.

use bytes::Bytes;
use keyspace::{CmdError, Handler, Op};

use crate::connection::{Connection, Multi, Queued};
use crate::registry::ServerCommand;
use crate::store::{engine_error, Batch};

/// The handlers of the transaction family.
pub(crate) const HANDLERS: &[ServerCommand] = &[
    ServerCommand::sync("multi", |c, _| c.multi()),
    ServerCommand::waits("exec", |c, _| Box::pin(c.exec())),
    ServerCommand::waits("discard", |c, _| Box::pin(c.discard())),
    ServerCommand::waits("watch", |c, a| Box::pin(c.watch(a))),
    ServerCommand::waits("unwatch", |c, _| Box::pin(c.unwatch_command())),
];

impl Connection {
    pub(crate) fn multi(&mut self) -> Result<(), CmdError> {
        if self.session.multi.is_some() {
            return Err(CmdError::err("MULTI calls can not be nested"));
        }
        self.session.multi = Some(Multi {
            db: self.session.db,
            ..Multi::default()
        });
        self.info.state.lock().multi = Some(0);
        self.out.ok();
        Ok(())
    }

    /// Leaves MULTI, if in it: the queue, handed to the caller, no
    /// longer shows in CLIENT LIST.
    pub(crate) fn end_multi(&mut self) -> Option<Multi> {
        let multi = self.session.multi.take()?;
        let mut state = self.info.state.lock();
        state.multi = None;
        state.multi_mem = 0;
        Some(multi)
    }

    pub(crate) async fn discard(&mut self) -> Result<(), CmdError> {
        if self.end_multi().is_none() {
            return Err(CmdError::err("DISCARD without MULTI"));
        }
        self.unwatch().await;
        self.out.ok();
        Ok(())
    }

    pub(crate) async fn watch(&mut self, args: &[Bytes]) -> Result<(), CmdError> {
        if self.session.multi.is_some() {
            return Err(CmdError::err("WATCH inside MULTI is not allowed"));
        }
        let db = self.session.db;
        let keys = args[1..].iter().map(|k| (db, k.clone())).collect();
        let batch = Batch {
            ops: vec![Op::Watch {
                session: self.session_id(),
                keys,
            }],
            resp3: self.out.is_resp3(),
            waiter: None,
        };
        self.shared
            .store
            .write(batch)
            .await
            .map_err(|e| engine_error(&e))?;
        self.session.watching = true;
        self.out.ok();
        Ok(())
    }

    pub(crate) async fn unwatch_command(&mut self) -> Result<(), CmdError> {
        self.unwatch().await;
        self.out.ok();
        Ok(())
    }

    pub(crate) async fn exec(&mut self) -> Result<(), CmdError> {
        let Some(multi) = self.end_multi() else {
            return Err(CmdError::err("EXEC without MULTI"));
        };
        if multi.failed {
            self.unwatch().await;
            return Err(CmdError::Other(
                "EXECABORT Transaction discarded because of previous errors.".into(),
            ));
        }
        let keyspace_ends = self.run_keyspace_part(&multi.queued).await?;
        let Some(ends) = keyspace_ends else {
            self.out.null_array();
            return Ok(());
        };
        self.assemble_exec_reply(multi.queued, ends).await;
        Ok(())
    }

    /// Applies the keyspace commands of the transaction as one logged op.
    /// Returns the reply of each (concatenated, with end offsets), or
    /// `None` if a WATCHed key changed.
    async fn run_keyspace_part(
        &mut self,
        queued: &[Queued],
    ) -> Result<Option<(Bytes, Vec<usize>)>, CmdError> {
        let commands: Vec<(usize, Vec<Bytes>)> = queued
            .iter()
            .filter(|q| is_keyspace(q))
            .map(|q| (q.db, q.args.clone()))
            .collect();
        let watching = std::mem::take(&mut self.session.watching);
        if commands.is_empty() && !watching {
            return Ok(Some((Bytes::new(), Vec::new())));
        }
        let resp3 = self.out.is_resp3();
        let batch = Batch {
            ops: vec![Op::Transaction {
                session: self.session_id(),
                resp3,
                commands,
            }],
            resp3,
            waiter: None,
        };
        let applied = self
            .shared
            .store
            .write(batch)
            .await
            .map_err(|e| engine_error(&e))?;
        let ends = applied
            .outcomes
            .into_iter()
            .next()
            .and_then(|o| o.transaction);
        Ok(ends.map(|ends| (applied.reply, ends)))
    }

    /// Writes the EXEC array: keyspace replies from the logged op, server
    /// commands executed now, each at its queued position.
    async fn assemble_exec_reply(
        &mut self,
        queued: Vec<Queued>,
        (replies, ends): (Bytes, Vec<usize>),
    ) {
        self.out.array(queued.len());
        let mut keyspace_replies = ends.iter().scan(0, |start, end| {
            let range = *start..*end;
            *start = *end;
            Some(range)
        });
        for q in queued {
            if is_keyspace(&q) {
                if let Some(range) = keyspace_replies.next() {
                    self.out.raw(&replies[range]);
                }
                continue;
            }
            let mark = self.out.mark();
            if let Err(e) = Box::pin(self.run_server_command(q.spec, &q.args)).await {
                self.out.truncate(mark);
                self.out.error(&e.to_string());
            }
        }
    }
}

fn is_keyspace(q: &Queued) -> bool {
    matches!(q.spec.handler, Handler::Read(_) | Handler::Write(_))
}
