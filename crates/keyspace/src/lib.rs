//! keel's deterministic state machine.
//!
//! A [`Keyspace`] holds the numbered databases and every Redis data type.
//! Commands are described by one declarative [`table`] (name, arity, flags,
//! key positions, ACL categories, handler) and executed as pure functions of
//! the keyspace and a [`Ctx`]:
//!
//! * write commands run through [`Keyspace::apply`] with an [`Op`] taken from
//!   the log; the context carries the leader's clock (`now_ms`) and a seed,
//!   so applying the same log to the same state gives the same state and the
//!   same replies on every node;
//! * read commands run through [`Keyspace::read`] on a shared reference and
//!   never change anything: logically expired keys are invisible, and their
//!   physical deletion is itself a logged operation ([`Op::Expire`]).
//!
//! To ensure determinism nothing in this crate reads the system clock, uses
//! an unseeded random generator, or iterates in an order that depends on hash
//! seeds or memory addresses.

pub mod args;
pub mod codec;
mod commands;
mod ctx;
mod db;
mod error;
pub mod glob;
mod keyspace;
mod long_double;
mod op;
pub mod script;
pub mod snapshot;
pub mod table;
#[cfg(test)]
pub(crate) mod testing;
pub mod types;
mod value;
mod watch;

pub use bytes::Bytes;
pub use ctx::{BlockRequest, Ctx, TimeoutReply};
pub use db::{Db, KeyTtl};
pub use error::CmdError;
pub use keyspace::{ApplyOutcome, Keyspace};
pub use op::Op;
pub use snapshot::{SnapshotInProgress, SnapshotLoader, SnapshotStats};
pub use table::{lookup, CommandSpec, Flags, Group, Handler};
pub use value::{Blob, Entry, Value};
pub use watch::SessionId;

/// Result of a command handler: the reply was written, or the command failed
/// with a Redis error (and nothing it wrote is kept).
pub type CmdResult = Result<(), CmdError>;
