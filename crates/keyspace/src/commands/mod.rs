//! Command implementations, one file per family. Each family exports its
//! table rows as `COMMANDS`; [`families`] is the only place that lists them.

mod bitmap;
mod connection;
mod expire;
pub(crate) mod functions;
mod geo;
mod hash;
mod hll;
mod keys;
mod list;
mod scripting;
mod set;
mod sort;
mod string;
mod zset;

use resp::Reply;

use crate::CommandSpec;

/// Writes a `<CMD> HELP` reply: `lines` as an array of simple strings.
pub(crate) fn write_help(out: &mut Reply, lines: &[&str]) {
    out.array(lines.len());
    for line in lines {
        out.simple(line);
    }
}

/// The command table rows of every family.
pub(crate) fn families() -> [&'static [CommandSpec]; 14] {
    [
        connection::COMMANDS,
        keys::COMMANDS,
        expire::COMMANDS,
        string::COMMANDS,
        bitmap::COMMANDS,
        hll::COMMANDS,
        hash::COMMANDS,
        list::COMMANDS,
        set::COMMANDS,
        zset::COMMANDS,
        geo::COMMANDS,
        sort::COMMANDS,
        scripting::COMMANDS,
        functions::COMMANDS,
    ]
}
