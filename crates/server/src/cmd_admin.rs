//! Administration: SHUTDOWN, SLOWLOG, SAVE/BGSAVE/LASTSAVE.

use bytes::Bytes;
use keyspace::{args, CmdError};

use crate::connection::Connection;
use crate::registry::ServerCommand;
use crate::store::engine_error;

/// The handlers of the administration family.
pub(crate) const HANDLERS: &[ServerCommand] = &[
    ServerCommand::sync("shutdown", |c, a| c.shutdown(a)),
    ServerCommand::waits("save", |c, _| Box::pin(c.save())),
    ServerCommand::waits("bgsave", |c, _| Box::pin(c.background_save())),
    ServerCommand::sync("lastsave", |c, _| {
        c.out.int(c.shared.store.engine().last_save_unix() as i64);
        Ok(())
    }),
    ServerCommand::sync("slowlog|get", |c, a| c.slowlog_get(a)),
    ServerCommand::sync("slowlog|len", |c, _| {
        c.out.int(c.shared.slowlog.len() as i64);
        Ok(())
    }),
    ServerCommand::sync("slowlog|reset", |c, _| {
        c.shared.slowlog.reset();
        c.out.ok();
        Ok(())
    }),
    ServerCommand::sync("slowlog|help", |c, _| c.slowlog_help()),
];

impl Connection {
    pub(crate) fn shutdown(&mut self, args: &[Bytes]) -> Result<(), CmdError> {
        for arg in &args[1..] {
            let known = ["NOSAVE", "SAVE", "NOW", "FORCE", "ABORT"]
                .iter()
                .any(|k| args::is(arg, k));
            if !known {
                return Err(CmdError::Syntax);
            }
            if args::is(arg, "ABORT") {
                return Err(CmdError::err("No shutdown in progress."));
            }
        }
        tracing::info!(client = self.info.id, "SHUTDOWN requested by a client");
        self.shared.begin_shutdown();
        self.closing = true;
        Ok(())
    }

    fn slowlog_get(&mut self, args: &[Bytes]) -> Result<(), CmdError> {
        let count = match args.get(2) {
            None => Some(10),
            Some(n) => {
                let n = resp::parse_int(n)
                    .filter(|n| *n >= -1)
                    .ok_or_else(|| CmdError::err("count should be greater than or equal to -1"))?;
                usize::try_from(n).ok()
            }
        };
        if args.len() > 3 {
            return Err(CmdError::Arity("slowlog|get".into()));
        }
        self.shared.slowlog.write(count, &mut self.out);
        Ok(())
    }

    fn slowlog_help(&mut self) -> Result<(), CmdError> {
        self.help(
            "SLOWLOG",
            &[
                "GET [<count>]",
                "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
                "    Entries are made of:",
                "    id, timestamp, time in microseconds, arguments array, client IP and port,",
                "    client name",
                "LEN",
                "    Return the length of the slowlog.",
                "RESET",
                "    Reset the slowlog.",
            ],
        );
        Ok(())
    }

    /// SAVE writes a snapshot now (the log already holds every
    /// acknowledged write; the snapshot lets it be purged and speeds up
    /// restarts).
    async fn save(&mut self) -> Result<(), CmdError> {
        let engine = self.shared.store.engine();
        engine.snapshot().await.map_err(|e| engine_error(&e))?;
        self.out.ok();
        Ok(())
    }

    /// BGSAVE starts a snapshot in the background.
    async fn background_save(&mut self) -> Result<(), CmdError> {
        let engine = self.shared.store.engine();
        engine
            .snapshot_in_background()
            .await
            .map_err(|e| engine_error(&e))?;
        self.out.simple("Background saving started");
        Ok(())
    }
}
