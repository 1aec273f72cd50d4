//! COMMAND introspection, generated from the command table.

use bytes::Bytes;
use keyspace::{args, glob, table, CmdError, CommandSpec};
use resp::Reply;

use crate::connection::Connection;
use crate::registry::ServerCommand;

/// The handlers of COMMAND and its subcommands.
pub(crate) const HANDLERS: &[ServerCommand] = &[
    ServerCommand::sync("command", |c, _| c.command_all()),
    ServerCommand::sync("command|count", |c, _| {
        c.out.int(table::all().len() as i64);
        Ok(())
    }),
    ServerCommand::sync("command|info", |c, a| c.command_info(a)),
    ServerCommand::sync("command|docs", |c, a| c.command_docs(a)),
    ServerCommand::sync("command|getkeys", |c, a| c.command_getkeys(&a[2..])),
    ServerCommand::sync("command|list", |c, a| c.command_list(&a[2..])),
    ServerCommand::sync("command|help", |c, _| c.command_help()),
];

impl Connection {
    pub(crate) fn command_all(&mut self) -> Result<(), CmdError> {
        let all = table::all();
        self.out.array(all.len());
        for spec in all {
            write_info(&mut self.out, spec);
        }
        Ok(())
    }

    fn command_info(&mut self, args: &[Bytes]) -> Result<(), CmdError> {
        let specs = selected(&args[2..]);
        self.out.array(specs.len());
        for spec in specs {
            match spec {
                Some(spec) => write_info(&mut self.out, spec),
                None => self.out.null_array(),
            }
        }
        Ok(())
    }

    fn command_docs(&mut self, args: &[Bytes]) -> Result<(), CmdError> {
        let specs: Vec<&CommandSpec> = selected(&args[2..]).into_iter().flatten().collect();
        self.out.map(specs.len());
        for spec in specs {
            self.out.bulk(spec.name.as_bytes());
            write_docs(&mut self.out, spec);
        }
        Ok(())
    }

    fn command_help(&mut self) -> Result<(), CmdError> {
        self.help(
            "COMMAND",
            &[
                "(no subcommand)",
                "    Return details about all Redis commands.",
                "COUNT",
                "    Return the total number of commands in this Redis server.",
                "LIST",
                "    Return a list of all commands in this Redis server.",
                "INFO [<command-name> ...]",
                "    Return details about multiple Redis commands.",
                "    If no command names are given, documentation details for all",
                "    commands are returned.",
                "DOCS [<command-name> ...]",
                "    Return documentation details about multiple Redis commands.",
                "    If no command names are given, documentation details for all",
                "    commands are returned.",
                "GETKEYS <full-command>",
                "    Return the keys from a full Redis command.",
            ],
        );
        Ok(())
    }

    fn command_getkeys(&mut self, command: &[Bytes]) -> Result<(), CmdError> {
        let spec =
            table::lookup(&command[0]).ok_or_else(|| CmdError::err("Invalid command specified"))?;
        let spec = table::resolve(command).map_err(|_| {
            if spec.subcommands.is_empty() {
                CmdError::err("Invalid number of arguments specified for command")
            } else {
                CmdError::err("Invalid subcommand specified")
            }
        })?;
        let positions = spec
            .key_positions(command)
            .map_err(|_| CmdError::err("Invalid arguments specified for command"))?;
        if positions.is_empty() {
            return Err(CmdError::err("The command has no key arguments"));
        }
        self.out.bulk_array(positions.iter().map(|&i| &command[i]));
        Ok(())
    }

    fn command_list(&mut self, args: &[Bytes]) -> Result<(), CmdError> {
        let all = table::all();
        let names: Vec<&str> = match args {
            [] => all.iter().map(|s| s.name).collect(),
            [filterby, kind, value] if args::is(filterby, "FILTERBY") => {
                if args::is(kind, "MODULE") {
                    Vec::new()
                } else if args::is(kind, "ACLCAT") {
                    let cat = String::from_utf8_lossy(value).to_lowercase();
                    all.iter()
                        .filter(|s| s.acl_categories().contains(&cat.as_str()))
                        .map(|s| s.name)
                        .collect()
                } else if args::is(kind, "PATTERN") {
                    all.iter()
                        .flat_map(|s| std::iter::once(*s).chain(s.subcommands.iter()))
                        .filter(|s| glob::matches(value, s.name.as_bytes(), true))
                        .map(|s| s.name)
                        .collect()
                } else {
                    return Err(CmdError::Syntax);
                }
            }
            _ => return Err(CmdError::Syntax),
        };
        self.out.bulk_array(names.iter().map(|n| n.as_bytes()));
        Ok(())
    }
}

/// The commands named (all of them when none are named); `None` for
/// unknown names.
fn selected(names: &[Bytes]) -> Vec<Option<&'static CommandSpec>> {
    if names.is_empty() {
        return table::all().iter().map(|s| Some(*s)).collect();
    }
    names
        .iter()
        .map(|n| {
            let lower = String::from_utf8_lossy(n).to_lowercase();
            match lower.split_once('|') {
                Some((container, sub)) => table::lookup(container.as_bytes())
                    .and_then(|c| table::lookup_sub(c, sub.as_bytes())),
                None => table::lookup(n),
            }
        })
        .collect()
}

/// One `COMMAND INFO` entry in Redis 7's ten-field layout.
fn write_info(out: &mut Reply, spec: &CommandSpec) {
    out.array(10);
    out.bulk(spec.name.as_bytes());
    out.int(i64::from(spec.arity));
    let flags = spec.flag_names();
    out.set(flags.len());
    for flag in flags {
        out.simple(flag);
    }
    out.int(i64::from(spec.first_key));
    out.int(i64::from(spec.last_key));
    out.int(i64::from(spec.step));
    let categories = spec.acl_categories();
    out.set(categories.len());
    for cat in categories {
        out.simple(&format!("@{cat}"));
    }
    out.array(0);
    write_key_specs(out, spec);
    out.array(spec.subcommands.len());
    for sub in spec.subcommands {
        write_info(out, sub);
    }
}

/// Key specifications: one index/range spec from first/last/step; commands
/// with moving keys describe theirs through `movablekeys` only.
fn write_key_specs(out: &mut Reply, spec: &CommandSpec) {
    if spec.first_key <= 0 || spec.movable_keys.is_some() {
        out.array(0);
        return;
    }
    let last = if spec.last_key < 0 {
        spec.last_key
    } else {
        spec.last_key - spec.first_key
    };
    let flag = if spec.is_write() { "RW" } else { "RO" };
    out.array(1);
    out.map(3);
    out.bulk(b"flags");
    out.array(1);
    out.simple(flag);
    out.bulk(b"begin_search");
    out.map(2);
    out.bulk(b"type");
    out.bulk(b"index");
    out.bulk(b"spec");
    out.map(1);
    out.bulk(b"index");
    out.int(i64::from(spec.first_key));
    out.bulk(b"find_keys");
    out.map(2);
    out.bulk(b"type");
    out.bulk(b"range");
    out.bulk(b"spec");
    out.map(3);
    out.bulk(b"lastkey");
    out.int(i64::from(last));
    out.bulk(b"keystep");
    out.int(i64::from(spec.step));
    out.bulk(b"limit");
    out.int(0);
}

/// One `COMMAND DOCS` entry.
fn write_docs(out: &mut Reply, spec: &CommandSpec) {
    let has_subs = !spec.subcommands.is_empty();
    out.map(if has_subs { 5 } else { 4 });
    out.bulk(b"summary");
    out.bulk(spec.summary.as_bytes());
    out.bulk(b"since");
    out.bulk(spec.since.as_bytes());
    out.bulk(b"group");
    out.bulk(spec.group.name().as_bytes());
    out.bulk(b"complexity");
    out.bulk(spec.complexity.as_bytes());
    if has_subs {
        out.bulk(b"subcommands");
        out.map(spec.subcommands.len());
        for sub in spec.subcommands {
            out.bulk(sub.name.as_bytes());
            write_docs(out, sub);
        }
    }
}
