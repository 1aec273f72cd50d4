//! The handlers of the server's own commands.
//!
//! The command table (`keyspace::table`) describes every command, the
//! server's included: name, arity, flags, keys, where it runs. Rows with
//! `Handler::Server` are executed here: each `cmd_*` file lists the
//! handlers of its family in `HANDLERS`, by the table row's name, and
//! [`handler`] finds a row's handler. A test checks that every server row
//! has exactly one handler and every handler a server row, so the table
//! and the handlers cannot drift apart.

use std::collections::HashMap;
use std::sync::OnceLock;

use bytes::Bytes;
use keyspace::{CmdError, CmdResult, CommandSpec};
use replication::BoxFuture;

use crate::connection::Connection;

/// A handler that completes without waiting.
pub(crate) type SyncFn = fn(&mut Connection, &[Bytes]) -> CmdResult;
/// A handler that waits (for the log, another task, ...).
pub(crate) type AsyncFn = for<'a> fn(&'a mut Connection, &'a [Bytes]) -> BoxFuture<'a, CmdResult>;

/// How a server command runs.
#[derive(Clone, Copy)]
pub(crate) enum ServerFn {
    Sync(SyncFn),
    Async(AsyncFn),
}

/// The handler of one `Handler::Server` row of the command table.
pub(crate) struct ServerCommand {
    /// The table row's name (`client|list` for subcommands).
    pub name: &'static str,
    pub run: ServerFn,
}

impl ServerCommand {
    pub(crate) const fn sync(name: &'static str, run: SyncFn) -> ServerCommand {
        ServerCommand {
            name,
            run: ServerFn::Sync(run),
        }
    }

    pub(crate) const fn waits(name: &'static str, run: AsyncFn) -> ServerCommand {
        ServerCommand {
            name,
            run: ServerFn::Async(run),
        }
    }
}

/// Every family's handlers.
fn families() -> [&'static [ServerCommand]; 8] {
    [
        crate::cmd_conn::HANDLERS,
        crate::cmd_tx::HANDLERS,
        crate::cmd_pubsub::HANDLERS,
        crate::cmd_client::HANDLERS,
        crate::cmd_config::HANDLERS,
        crate::cmd_info::HANDLERS,
        crate::cmd_command::HANDLERS,
        crate::cmd_admin::HANDLERS,
    ]
}

fn by_name() -> &'static HashMap<&'static str, ServerFn> {
    static HANDLERS: OnceLock<HashMap<&'static str, ServerFn>> = OnceLock::new();
    HANDLERS.get_or_init(|| {
        families()
            .iter()
            .flat_map(|family| family.iter())
            .map(|command| (command.name, command.run))
            .collect()
    })
}

/// The handler of a `Handler::Server` row.
pub(crate) fn handler(spec: &CommandSpec) -> Option<ServerFn> {
    by_name().get(spec.name).copied()
}

impl Connection {
    /// Runs a command the server executes itself.
    pub(crate) async fn run_server_command(
        &mut self,
        spec: &'static CommandSpec,
        args: &[Bytes],
    ) -> CmdResult {
        match handler(spec) {
            Some(ServerFn::Sync(run)) => run(self, args),
            Some(ServerFn::Async(run)) => run(self, args).await,
            None => Err(CmdError::err(format!("'{}' is not available", spec.name))),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use keyspace::{table, Handler};

    use super::*;

    fn server_rows() -> Vec<&'static CommandSpec> {
        table::all()
            .iter()
            .flat_map(|c| std::iter::once(*c).chain(c.subcommands.iter()))
            .filter(|spec| matches!(spec.handler, Handler::Server))
            .collect()
    }

    #[test]
    fn every_server_row_has_a_handler() {
        for spec in server_rows() {
            assert!(handler(spec).is_some(), "no handler for '{}'", spec.name);
        }
    }

    #[test]
    fn every_handler_has_exactly_one_server_row() {
        let rows: HashSet<&str> = server_rows().iter().map(|s| s.name).collect();
        let mut seen = HashSet::new();
        for command in families().iter().flat_map(|f| f.iter()) {
            assert!(
                rows.contains(command.name),
                "handler '{}' has no server row in the command table",
                command.name
            );
            assert!(
                seen.insert(command.name),
                "two handlers for '{}'",
                command.name
            );
        }
    }
}
