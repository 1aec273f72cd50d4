//! The declarative command table.
//!
//! One [`CommandSpec`] per command (and per subcommand) drives arity errors,
//! `COMMAND` introspection, key extraction (for routing and ACLs) and the
//! read/write split: [`Handler::Write`] commands go through the log,
//! [`Handler::Read`] commands run on a shared snapshot, [`Handler::Server`]
//! commands act on the connection or server and are executed by the server.

use std::collections::HashMap;
use std::sync::OnceLock;

use bytes::Bytes;
use resp::Reply;

use crate::{args, CmdError, CmdResult, Ctx, Keyspace};

/// A read-only command: must not change the keyspace.
pub type ReadFn = fn(&Keyspace, &mut Ctx, &[Bytes], &mut Reply) -> CmdResult;
/// A write command, applied from the log.
pub type WriteFn = fn(&mut Keyspace, &mut Ctx, &[Bytes], &mut Reply) -> CmdResult;
/// Key positions of a command whose keys move (e.g. after `numkeys`).
pub type KeysFn = fn(&[Bytes]) -> Result<Vec<usize>, CmdError>;

/// How a command is executed.
#[derive(Clone, Copy)]
pub enum Handler {
    Read(ReadFn),
    Write(WriteFn),
    /// Executed by the server (connection state, pub/sub, admin).
    Server,
    /// A container whose subcommands carry the handlers.
    Container,
}

impl std::fmt::Debug for Handler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Handler::Read(_) => "Read",
            Handler::Write(_) => "Write",
            Handler::Server => "Server",
            Handler::Container => "Container",
        })
    }
}

bitflags::bitflags! {
    /// Redis command flags, as `COMMAND INFO` reports them.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Flags: u32 {
        const WRITE = 1;
        const READONLY = 1 << 1;
        const DENYOOM = 1 << 2;
        const ADMIN = 1 << 3;
        const PUBSUB = 1 << 4;
        const NOSCRIPT = 1 << 5;
        const BLOCKING = 1 << 6;
        const LOADING = 1 << 7;
        const STALE = 1 << 8;
        const SKIP_MONITOR = 1 << 9;
        const SKIP_SLOWLOG = 1 << 10;
        const FAST = 1 << 11;
        const NO_AUTH = 1 << 12;
        const MAY_REPLICATE = 1 << 13;
        const NO_MULTI = 1 << 14;
        const ALLOW_BUSY = 1 << 15;
        const NO_MANDATORY_KEYS = 1 << 16;
    }
}

/// Flag names in `COMMAND INFO` order.
const FLAG_NAMES: &[(Flags, &str)] = &[
    (Flags::WRITE, "write"),
    (Flags::READONLY, "readonly"),
    (Flags::DENYOOM, "denyoom"),
    (Flags::ADMIN, "admin"),
    (Flags::PUBSUB, "pubsub"),
    (Flags::NOSCRIPT, "noscript"),
    (Flags::BLOCKING, "blocking"),
    (Flags::LOADING, "loading"),
    (Flags::STALE, "stale"),
    (Flags::SKIP_MONITOR, "skip_monitor"),
    (Flags::SKIP_SLOWLOG, "skip_slowlog"),
    (Flags::FAST, "fast"),
    (Flags::NO_AUTH, "no_auth"),
    (Flags::MAY_REPLICATE, "may_replicate"),
    (Flags::NO_MULTI, "no_multi"),
    (Flags::ALLOW_BUSY, "allow_busy"),
    (Flags::NO_MANDATORY_KEYS, "no_mandatory_keys"),
];

/// Redis's ACL category table order.
const ACL_CATEGORY_ORDER: &[&str] = &[
    "keyspace",
    "read",
    "write",
    "set",
    "sortedset",
    "list",
    "hash",
    "string",
    "bitmap",
    "hyperloglog",
    "geo",
    "stream",
    "pubsub",
    "admin",
    "fast",
    "slow",
    "blocking",
    "dangerous",
    "connection",
    "transaction",
    "scripting",
];

/// Command groups (`COMMAND DOCS` "group"), which also give the type ACL
/// category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Generic,
    String,
    List,
    Set,
    SortedSet,
    Hash,
    PubSub,
    Transactions,
    Connection,
    Server,
    Scripting,
    HyperLogLog,
    Bitmap,
    Geo,
}

impl Group {
    /// The group name as `COMMAND DOCS` prints it.
    pub fn name(self) -> &'static str {
        match self {
            Group::Generic => "generic",
            Group::String => "string",
            Group::List => "list",
            Group::Set => "set",
            Group::SortedSet => "sorted-set",
            Group::Hash => "hash",
            Group::PubSub => "pubsub",
            Group::Transactions => "transactions",
            Group::Connection => "connection",
            Group::Server => "server",
            Group::Scripting => "scripting",
            Group::HyperLogLog => "hyperloglog",
            Group::Bitmap => "bitmap",
            Group::Geo => "geo",
        }
    }

    /// The ACL category of the group (`@string`, `@keyspace`, ...).
    pub fn acl_category(self) -> &'static str {
        match self {
            Group::Generic => "keyspace",
            Group::String => "string",
            Group::List => "list",
            Group::Set => "set",
            Group::SortedSet => "sortedset",
            Group::Hash => "hash",
            Group::PubSub => "pubsub",
            Group::Transactions => "transaction",
            Group::Connection => "connection",
            Group::Server => "server",
            Group::Scripting => "scripting",
            Group::HyperLogLog => "hyperloglog",
            Group::Bitmap => "bitmap",
            Group::Geo => "geo",
        }
    }
}

/// Everything keel knows about one command.
#[derive(Debug, Clone, Copy)]
pub struct CommandSpec {
    /// Lower-case name; subcommands are `container|sub`.
    pub name: &'static str,
    /// Redis arity: `n` exactly n arguments (name included), `-n` at least n.
    pub arity: i32,
    pub flags: Flags,
    /// First key position (0: no keys).
    pub first_key: i32,
    /// Last key position; negative counts from the end.
    pub last_key: i32,
    /// Step between keys.
    pub step: i32,
    /// Key positions for commands whose keys move.
    pub movable_keys: Option<KeysFn>,
    pub group: Group,
    /// ACL categories that replace the group's (SORT: `@set`,
    /// `@sortedset`, `@list`, `@dangerous`); empty for the group's own.
    pub categories: &'static [&'static str],
    pub handler: Handler,
    pub summary: &'static str,
    pub since: &'static str,
    pub complexity: &'static str,
    pub subcommands: &'static [CommandSpec],
}

impl CommandSpec {
    /// A command with no flags, no keys and no documentation yet.
    pub const fn new(
        name: &'static str,
        arity: i32,
        group: Group,
        handler: Handler,
    ) -> CommandSpec {
        CommandSpec {
            name,
            arity,
            flags: Flags::empty(),
            first_key: 0,
            last_key: 0,
            step: 0,
            movable_keys: None,
            group,
            categories: &[],
            handler,
            summary: "",
            since: "1.0.0",
            complexity: "",
            subcommands: &[],
        }
    }

    /// Adds flags.
    pub const fn flags(mut self, flags: &[Flags]) -> CommandSpec {
        let mut i = 0;
        while i < flags.len() {
            self.flags = self.flags.union(flags[i]);
            i += 1;
        }
        self
    }

    /// Sets the key positions.
    pub const fn keys(mut self, first: i32, last: i32, step: i32) -> CommandSpec {
        self.first_key = first;
        self.last_key = last;
        self.step = step;
        self
    }

    /// Sets a key-finding function for commands whose keys move.
    pub const fn movable(mut self, find: KeysFn) -> CommandSpec {
        self.movable_keys = Some(find);
        self
    }

    /// Replaces the group's ACL category with `categories`.
    pub const fn categories(mut self, categories: &'static [&'static str]) -> CommandSpec {
        self.categories = categories;
        self
    }

    /// Sets the documentation shown by `COMMAND DOCS`.
    pub const fn doc(
        mut self,
        summary: &'static str,
        since: &'static str,
        complexity: &'static str,
    ) -> CommandSpec {
        self.summary = summary;
        self.since = since;
        self.complexity = complexity;
        self
    }

    /// Makes this a container of subcommands.
    pub const fn subcommands(mut self, subcommands: &'static [CommandSpec]) -> CommandSpec {
        self.subcommands = subcommands;
        self
    }

    /// True if the command changes the keyspace.
    pub fn is_write(&self) -> bool {
        matches!(self.handler, Handler::Write(_))
    }

    /// Checks the argument count against the arity.
    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = argc as i64;
        let arity = i64::from(self.arity);
        if arity >= 0 {
            argc == arity
        } else {
            argc >= -arity
        }
    }

    /// Flag names as `COMMAND INFO` lists them (plus `movablekeys`).
    pub fn flag_names(&self) -> Vec<&'static str> {
        let mut names: Vec<&str> = FLAG_NAMES
            .iter()
            .filter(|(f, _)| self.flags.contains(*f))
            .map(|(_, n)| *n)
            .collect();
        if self.movable_keys.is_some() {
            names.push("movablekeys");
        }
        names
    }

    /// ACL categories, derived like Redis from flags and group, in the
    /// order of Redis's category table (as `COMMAND INFO` lists them).
    pub fn acl_categories(&self) -> Vec<&'static str> {
        let mut cats = if self.categories.is_empty() {
            vec![self.group.acl_category()]
        } else {
            self.categories.to_vec()
        };
        let derived = [
            (Flags::WRITE, "write"),
            (Flags::READONLY, "read"),
            (Flags::ADMIN, "admin"),
            (Flags::ADMIN, "dangerous"),
            (Flags::PUBSUB, "pubsub"),
            (Flags::BLOCKING, "blocking"),
        ];
        for (flag, cat) in derived {
            // Like Redis, read-only scripting commands (EVAL_RO, FCALL_RO)
            // are not in @read.
            let scripting_read = cat == "read" && self.group == Group::Scripting;
            if self.flags.contains(flag) && !cats.contains(&cat) && !scripting_read {
                cats.push(cat);
            }
        }
        cats.push(if self.flags.contains(Flags::FAST) {
            "fast"
        } else {
            "slow"
        });
        cats.sort_by_key(|c| ACL_CATEGORY_ORDER.iter().position(|o| o == c));
        cats
    }

    /// The positions of the key arguments in `args`.
    pub fn key_positions(&self, args: &[Bytes]) -> Result<Vec<usize>, CmdError> {
        if let Some(find) = self.movable_keys {
            return find(args);
        }
        if self.first_key <= 0 {
            return Ok(Vec::new());
        }
        let argc = args.len() as i32;
        let last = if self.last_key < 0 {
            argc + self.last_key
        } else {
            self.last_key
        };
        let step = self.step.max(1);
        let mut keys = Vec::new();
        let mut i = self.first_key;
        while i <= last && i < argc {
            keys.push(i as usize);
            i += step;
        }
        Ok(keys)
    }
}

struct Table {
    by_name: HashMap<&'static str, &'static CommandSpec>,
    all: Vec<&'static CommandSpec>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let all: Vec<&'static CommandSpec> = crate::commands::families()
            .iter()
            .flat_map(|f| f.iter())
            .collect();
        let by_name = all.iter().map(|c| (c.name, *c)).collect();
        Table { by_name, all }
    })
}

/// Every top-level command, in table order.
pub fn all() -> &'static [&'static CommandSpec] {
    &table().all
}

/// Finds a top-level command by name, case-insensitively.
pub fn lookup(name: &[u8]) -> Option<&'static CommandSpec> {
    let mut buf = [0u8; 32];
    let lower = buf.get_mut(..name.len())?;
    lower.copy_from_slice(name);
    lower.make_ascii_lowercase();
    table()
        .by_name
        .get(std::str::from_utf8(lower).ok()?)
        .copied()
}

/// Finds a subcommand of `container` by name, case-insensitively.
pub fn lookup_sub(container: &'static CommandSpec, sub: &[u8]) -> Option<&'static CommandSpec> {
    container.subcommands.iter().find(|s| {
        s.name
            .split_once('|')
            .is_some_and(|(_, name)| name.as_bytes().eq_ignore_ascii_case(sub))
    })
}

/// Resolves `args` to the command (or subcommand) that will run them and
/// checks the arity, with Redis's error texts.
pub fn resolve(args: &[Bytes]) -> Result<&'static CommandSpec, CmdError> {
    let name = args.first().ok_or_else(|| CmdError::err("empty command"))?;
    let spec = lookup(name).ok_or_else(|| unknown_command(args))?;
    if spec.subcommands.is_empty() || args.len() < 2 {
        return check_arity(spec, args);
    }
    match lookup_sub(spec, &args[1]) {
        Some(sub) => check_arity(sub, args),
        None => Err(CmdError::UnknownSubcommand {
            cmd: spec.name.to_uppercase(),
            sub: truncate_lossy(&args[1], 128),
        }),
    }
}

fn check_arity(
    spec: &'static CommandSpec,
    args: &[Bytes],
) -> Result<&'static CommandSpec, CmdError> {
    if spec.arity_ok(args.len()) {
        Ok(spec)
    } else {
        Err(CmdError::Arity(spec.name.to_string()))
    }
}

/// Redis's reply to an unknown command, quoting the start of its arguments.
fn unknown_command(args: &[Bytes]) -> CmdError {
    let mut quoted = String::new();
    for arg in &args[1..] {
        if quoted.len() >= 128 {
            break;
        }
        let room = 128 - quoted.len();
        quoted.push_str(&format!("'{}' ", truncate_lossy(arg, room)));
    }
    CmdError::err(format!(
        "unknown command '{}', with args beginning with: {quoted}",
        truncate_lossy(&args[0], 128)
    ))
}

fn truncate_lossy(bytes: &[u8], max: usize) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(max)]).into_owned()
}

/// Runs a resolved read command, undoing partial output on error.
pub fn run_read(spec: &CommandSpec, ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) {
    let mark = out.mark();
    let result = match spec.handler {
        Handler::Read(f) => f(ks, ctx, args, out),
        _ => Err(CmdError::err(format!(
            "'{}' is not a read command",
            args::command_name(args)
        ))),
    };
    finish(result, mark, out);
}

/// Runs a resolved command of any kind against a mutable keyspace.
pub fn run(spec: &CommandSpec, ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) {
    let mark = out.mark();
    let result = match spec.handler {
        Handler::Read(f) => f(ks, ctx, args, out),
        Handler::Write(f) => f(ks, ctx, args, out),
        Handler::Server | Handler::Container => Err(CmdError::err(format!(
            "'{}' cannot run here",
            args::command_name(args)
        ))),
    };
    finish(result, mark, out);
}

fn finish(result: CmdResult, mark: usize, out: &mut Reply) {
    if let Err(e) = result {
        out.truncate(mark);
        out.error(&e.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handlers_and_flags_agree() {
        for spec in all()
            .iter()
            .flat_map(|c| std::iter::once(*c).chain(c.subcommands.iter()))
        {
            // Scripting rows (EVAL, FCALL, SCRIPT LOAD) are logged like
            // writes but carry Redis's flags, which have no `write`.
            let scripting = spec.group == Group::Scripting && !spec.flags.contains(Flags::WRITE);
            assert_eq!(
                spec.is_write(),
                spec.flags.contains(Flags::WRITE) || (scripting && spec.is_write()),
                "{}: write handler and write flag must agree",
                spec.name
            );
            assert!(spec.arity != 0, "{}: arity 0", spec.name);
            assert_eq!(
                spec.name,
                spec.name.to_lowercase(),
                "{}: names are lower case",
                spec.name
            );
        }
    }

    #[test]
    fn names_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for spec in all() {
            assert!(seen.insert(spec.name), "duplicate command {}", spec.name);
        }
    }

    #[test]
    fn acl_categories_follow_redis_order() {
        let cats = |name: &str| lookup(name.as_bytes()).map(|s| s.acl_categories());
        assert_eq!(cats("echo"), Some(vec!["fast", "connection"]));
        assert_eq!(cats("exec"), Some(vec!["slow", "transaction"]));
    }

    #[test]
    fn unknown_command_text() {
        let args: Vec<Bytes> = vec!["foo".into(), "a".into(), "b".into()];
        assert_eq!(
            resolve(&args).unwrap_err().to_string(),
            "ERR unknown command 'foo', with args beginning with: 'a' 'b' "
        );
    }
}
