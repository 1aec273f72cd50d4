//! Checks that are not replies to data commands: the command table against
//! Redis's `COMMAND INFO`, and modification signals observed through WATCH.

use bytes::Bytes;
use resp::{Frame, Reply};

use super::{Harness, RedisServer};
use crate::{CommandSpec, Flags, Handler, Op};

fn text(f: &Frame) -> String {
    match f {
        Frame::Simple(s) => s.clone(),
        Frame::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
        other => panic!("not text: {other:?}"),
    }
}

fn list(f: &Frame) -> Vec<String> {
    match f {
        Frame::Array(items) | Frame::Set(items) => items.iter().map(text).collect(),
        other => panic!("not a list: {other:?}"),
    }
}

/// Asserts that every row agrees with Redis 7.0's `COMMAND INFO`: name,
/// arity, flags (in Redis's order), key positions, ACL categories (in any
/// order) and subcommands, recursively. Two limitations of the table are
/// tolerated: `@dangerous` is derived from the `ADMIN` flag only, and
/// containers report their group's category besides `@slow`. Returns the
/// number of rows checked (subcommands included).
pub(crate) fn check_command_info<'a>(specs: impl IntoIterator<Item = &'a CommandSpec>) -> usize {
    let server = RedisServer::start();
    let mut redis = server.connect();
    let mut checked = 0;
    for spec in specs {
        let Frame::Array(reply) = redis.run(&["COMMAND", "INFO", spec.name]) else {
            panic!("COMMAND INFO {}", spec.name)
        };
        let Some(Frame::Array(info)) = reply.first() else {
            panic!("unknown to redis: {}", spec.name)
        };
        checked += check_row(spec, info);
    }
    checked
}

fn check_row(spec: &CommandSpec, info: &[Frame]) -> usize {
    let name = spec.name;
    assert_eq!(text(&info[0]), name);
    assert_eq!(info[1], Frame::Integer(spec.arity.into()), "{name} arity");
    assert_eq!(list(&info[2]), spec.flag_names(), "{name} flags");
    assert_eq!(
        (&info[3], &info[4], &info[5]),
        (
            &Frame::Integer(spec.first_key.into()),
            &Frame::Integer(spec.last_key.into()),
            &Frame::Integer(spec.step.into())
        ),
        "{name} key positions (first, last, step)"
    );
    let mut ours: Vec<String> = spec
        .acl_categories()
        .iter()
        .map(|c| format!("@{c}"))
        .collect();
    let mut theirs: Vec<String> = list(&info[6])
        .into_iter()
        .filter(|c| c != "@dangerous" || spec.flags.contains(Flags::ADMIN) || ours.contains(c))
        .collect();
    ours.sort();
    theirs.sort();
    if !matches!(spec.handler, Handler::Container) {
        assert_eq!(ours, theirs, "{name} ACL categories");
    }
    let subs = match info.get(9) {
        Some(Frame::Array(items)) => items.clone(),
        other => panic!("{name} subcommands: {other:?}"),
    };
    assert_eq!(
        subs.len(),
        spec.subcommands.len(),
        "{name} subcommand count"
    );
    let mut checked = 1;
    for sub in subs {
        let Frame::Array(sub_info) = sub else {
            panic!("bad subcommand info")
        };
        let sub_name = text(&sub_info[0]);
        let sub_spec = spec
            .subcommands
            .iter()
            .find(|s| s.name == sub_name)
            .unwrap_or_else(|| panic!("missing subcommand {sub_name}"));
        checked += check_row(sub_spec, &sub_info);
    }
    checked
}

/// Runs `setup`, then WATCHes `key` (database 0), runs `cmd` and returns
/// its reply and whether it signalled `key` as modified (observed as the
/// watch aborting an empty transaction).
pub(crate) fn run_watched(setup: &[&[&str]], cmd: &[&str], key: &str) -> (Frame, bool) {
    let mut h = Harness::at(1_000);
    for c in setup {
        h.run(c);
    }
    let mut out = Reply::new(false);
    let watch = Op::Watch {
        session: 1,
        keys: vec![(0, Bytes::copy_from_slice(key.as_bytes()))],
    };
    h.ks.apply(&watch, 1_000, 0, &mut out);
    let reply = h.run(cmd);
    let exec = Op::Transaction {
        session: 1,
        resp3: false,
        commands: Vec::new(),
    };
    let modified = h.ks.apply(&exec, 1_000, 0, &mut out).transaction.is_none();
    (reply, modified)
}
