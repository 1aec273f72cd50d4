//! Administration: SHUTDOWN, SLOWLOG, SAVE/BGSAVE/LASTSAVE.

use bytes::Bytes;
use keyspace::{args, CmdError};

use crate::connection::Connection;
use crate::store::engine_error;

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

    pub(crate) fn slowlog_command(&mut self, name: &str, args: &[Bytes]) -> Result<(), CmdError> {
        match name {
            "slowlog|get" => {
                let count = match args.get(2) {
                    None => Some(10),
                    Some(n) => {
                        let n = resp::parse_int(n).filter(|n| *n >= -1).ok_or_else(|| {
                            CmdError::err("count should be greater than or equal to -1")
                        })?;
                        usize::try_from(n).ok()
                    }
                };
                if args.len() > 3 {
                    return Err(CmdError::Arity(name.into()));
                }
                self.shared.slowlog.write(count, &mut self.out);
            }
            "slowlog|len" => self.out.int(self.shared.slowlog.len() as i64),
            "slowlog|reset" => {
                self.shared.slowlog.reset();
                self.out.ok();
            }
            _ => self.help(
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
            ),
        }
        Ok(())
    }

    /// SAVE writes a snapshot now (the log already holds every
    /// acknowledged write; the snapshot lets it be purged and speeds up
    /// restarts), BGSAVE starts one in the background, LASTSAVE reports
    /// when the last one completed.
    pub(crate) async fn persistence_command(
        &mut self,
        name: &str,
        _args: &[Bytes],
    ) -> Result<(), CmdError> {
        match name {
            "save" => {
                let engine = self.shared.store.engine();
                engine.snapshot().await.map_err(|e| engine_error(&e))?;
                self.out.ok();
            }
            "bgsave" => {
                let engine = self.shared.store.engine();
                engine
                    .snapshot_in_background()
                    .await
                    .map_err(|e| engine_error(&e))?;
                self.out.simple("Background saving started");
            }
            _ => self
                .out
                .int(self.shared.store.engine().last_save_unix() as i64),
        }
        Ok(())
    }
}
