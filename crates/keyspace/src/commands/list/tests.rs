//! Unit tests of the list commands: blocking behaviour, signals, expiry,
//! extreme arguments. Reply-by-reply comparisons with Redis are in
//! `diff_tests.rs`.

use bytes::Bytes;
use resp::{Frame, Reply};

use super::timeout_reply;
use crate::testing::Harness;
use crate::types::List;
use crate::value::Typed;
use crate::{table, ApplyOutcome, Blob, BlockRequest, KeyTtl, Keyspace, Op, TimeoutReply, Value};

fn b(s: &str) -> Frame {
    Frame::bulk(Bytes::copy_from_slice(s.as_bytes()))
}

fn bulks(items: &[&str]) -> Frame {
    Frame::Array(items.iter().map(|s| b(s)).collect())
}

fn err(s: &str) -> Frame {
    Frame::Error(s.to_string())
}

fn args(cmd: &[&str]) -> Vec<Bytes> {
    cmd.iter()
        .map(|a| Bytes::copy_from_slice(a.as_bytes()))
        .collect()
}

fn decode_all(mut bytes: &[u8]) -> Vec<Frame> {
    let mut frames = Vec::new();
    while !bytes.is_empty() {
        let (frame, used) = resp::decode(bytes).unwrap().unwrap();
        frames.push(frame);
        bytes = &bytes[used..];
    }
    frames
}

/// Applies one command; returns its replies (none when it blocked) and the
/// outcome.
fn apply(ks: &mut Keyspace, cmd: &[&str]) -> (Vec<Frame>, ApplyOutcome) {
    let mut out = Reply::new(false);
    let op = Op::Command {
        db: 0,
        resp3: false,
        args: args(cmd),
    };
    let outcome = ks.apply(&op, 1000, 1, &mut out);
    (decode_all(out.as_bytes()), outcome)
}

/// Runs `cmds` as a MULTI/EXEC transaction (where blocking commands must
/// not block); `None` if WATCH aborted it.
fn exec(ks: &mut Keyspace, session: u64, cmds: &[&[&str]], resp3: bool) -> Option<Vec<Frame>> {
    let op = Op::Transaction {
        session,
        resp3,
        commands: cmds.iter().map(|c| (0, args(c))).collect(),
    };
    let mut out = Reply::new(resp3);
    let outcome = ks.apply(&op, 1000, 1, &mut out);
    let ends = outcome.transaction?;
    let replies = decode_all(out.as_bytes());
    assert_eq!(replies.len(), ends.len());
    Some(replies)
}

fn watch(ks: &mut Keyspace, session: u64, key: &str) {
    let op = Op::Watch {
        session,
        keys: vec![(0, Bytes::copy_from_slice(key.as_bytes()))],
    };
    ks.apply(&op, 1000, 1, &mut Reply::new(false));
}

fn block(keys: &[&str], timeout_ms: u64) -> Option<BlockRequest> {
    Some(BlockRequest {
        keys: keys
            .iter()
            .map(|k| (0, Blob::from_slice(k.as_bytes())))
            .collect(),
        timeout_ms,
        timeout_reply: TimeoutReply::NullArray,
    })
}

fn string_key(h: &mut Harness, key: &str) {
    h.ks.db_mut(0)
        .insert(key.as_bytes(), Value::string(b"text"));
}

#[test]
fn push_pop_and_null_replies() {
    let mut h = Harness::new();
    assert_eq!(h.run(&["RPUSH", "k", "a", "b", "c"]), Frame::Integer(3));
    assert_eq!(h.run(&["LPUSH", "k", "y", "z"]), Frame::Integer(5));
    assert_eq!(
        h.run(&["LRANGE", "k", "0", "-1"]),
        bulks(&["z", "y", "a", "b", "c"])
    );
    assert_eq!(h.run(&["LPOP", "k"]), b("z"));
    assert_eq!(h.run(&["RPOP", "k", "2"]), bulks(&["c", "b"]));
    assert_eq!(h.run(&["LPOP", "k", "0"]), bulks(&[]));
    assert_eq!(
        h.run(&["LPOP", "k", "9223372036854775807"]),
        bulks(&["y", "a"])
    );
    assert!(h.ks.db(0).is_empty(), "emptied lists are removed");
    assert_eq!(h.run(&["LPOP", "k"]), Frame::Null);
    assert_eq!(h.run(&["LPOP", "k", "0"]), Frame::NullArray);
    assert_eq!(h.run3(&["RPOP", "k", "1"]), Frame::Null);
    assert_eq!(h.run(&["LPUSHX", "k", "a"]), Frame::Integer(0));
    assert_eq!(h.run(&["RPUSHX", "k", "a"]), Frame::Integer(0));
    assert!(h.ks.db(0).is_empty(), "LPUSHX does not create keys");
    assert_eq!(
        h.run(&["LPOP", "k", "1", "2"]),
        err("ERR wrong number of arguments for 'lpop' command")
    );
    assert_eq!(h.ks.db(0).get(b"k", 0), None);
}

#[test]
fn wrong_type_everywhere() {
    let mut h = Harness::new();
    string_key(&mut h, "s");
    h.run(&["RPUSH", "l", "a"]);
    let wrongtype = err("WRONGTYPE Operation against a key holding the wrong kind of value");
    for cmd in [
        &["LPUSH", "s", "a"][..],
        &["RPUSHX", "s", "a"],
        &["LPOP", "s"],
        &["RPOP", "s", "0"],
        &["LLEN", "s"],
        &["LINDEX", "s", "0"],
        &["LRANGE", "s", "0", "1"],
        &["LSET", "s", "0", "x"],
        &["LINSERT", "s", "BEFORE", "a", "b"],
        &["LREM", "s", "0", "a"],
        &["LTRIM", "s", "0", "1"],
        &["LPOS", "s", "a"],
        &["LMOVE", "s", "l", "LEFT", "LEFT"],
        &["LMOVE", "l", "s", "LEFT", "LEFT"],
        &["RPOPLPUSH", "l", "s"],
        &["LMPOP", "2", "s", "l", "LEFT"],
        &["BLPOP", "s", "l", "0"],
        &["BLMOVE", "l", "s", "LEFT", "LEFT", "0"],
        &["BLMPOP", "0", "1", "s", "LEFT"],
    ] {
        assert_eq!(h.run(cmd), wrongtype, "{cmd:?}");
    }
    assert_eq!(
        h.run(&["LLEN", "l"]),
        Frame::Integer(1),
        "failed moves change nothing"
    );
    // A wrong type after the first non-empty list is never looked at.
    assert_eq!(h.run(&["BLPOP", "l", "s", "0"]), bulks(&["l", "a"]));
    // Missing sources do not check the destination.
    assert_eq!(h.run(&["LMOVE", "nokey", "s", "LEFT", "LEFT"]), Frame::Null);
}

#[test]
fn blocking_commands_block_on_missing_or_empty_keys() {
    let mut ks = Keyspace::new(16);
    let cases: &[(&[&str], Option<BlockRequest>)] = &[
        (&["BLPOP", "a", "b", "a", "0"], block(&["a", "b"], 0)),
        (&["BRPOP", "a", "1.5"], block(&["a"], 1500)),
        (
            &["BLMOVE", "a", "b", "LEFT", "RIGHT", "0.01"],
            block(&["a"], 10),
        ),
        (&["BRPOPLPUSH", "a", "b", "2"], block(&["a"], 2000)),
        (
            &["BLMPOP", "0.1", "2", "a", "b", "LEFT", "COUNT", "3"],
            block(&["a", "b"], 100),
        ),
    ];
    for (cmd, want) in cases {
        let (replies, outcome) = apply(&mut ks, cmd);
        assert_eq!(replies, vec![], "{cmd:?} writes no reply when blocking");
        assert_eq!(&outcome.blocked, want, "{cmd:?}");
        let name = cmd[0].as_bytes();
        assert_eq!(
            outcome.blocked.map(|r| r.timeout_reply),
            timeout_reply(name),
            "{cmd:?}"
        );
    }
    let mut h = Harness::new();
    assert_eq!(h.run(&["BLPOP", "a", "0"]), Frame::Simple("BLOCKED".into()));
    assert_eq!(
        h.run3(&["BLMPOP", "0", "1", "a", "RIGHT"]),
        Frame::Simple("BLOCKED".into())
    );
    assert!(h.ks.db(0).is_empty(), "blocking creates nothing");
}

#[test]
fn blocking_commands_serve_available_data_at_once() {
    let mut h = Harness::new();
    h.run(&["RPUSH", "b", "x", "y", "z"]);
    assert_eq!(h.run(&["BLPOP", "a", "b", "0"]), bulks(&["b", "x"]));
    assert_eq!(h.run3(&["BRPOP", "a", "b", "0"]), bulks(&["b", "z"]));
    assert_eq!(h.run(&["BLMOVE", "b", "c", "LEFT", "RIGHT", "0"]), b("y"));
    assert_eq!(h.run(&["BRPOPLPUSH", "c", "b", "0"]), b("y"));
    h.run(&["RPUSH", "b", "w"]);
    assert_eq!(
        h.run(&["BLMPOP", "0", "2", "a", "b", "RIGHT", "COUNT", "5"]),
        Frame::Array(vec![b("b"), bulks(&["w", "y"])])
    );
    assert!(h.ks.db(0).is_empty());
}

#[test]
fn blocking_commands_report_argument_errors_before_blocking() {
    let mut h = Harness::new();
    for (cmd, want) in [
        (&["BLPOP", "a", "-1"][..], "ERR timeout is negative"),
        (
            &["BRPOP", "a", "x"],
            "ERR timeout is not a float or out of range",
        ),
        (&["BLMOVE", "a", "b", "UP", "LEFT", "0"], "ERR syntax error"),
        (
            &["BLMOVE", "a", "b", "LEFT", "LEFT", "x"],
            "ERR timeout is not a float or out of range",
        ),
        (&["BRPOPLPUSH", "a", "b", "-1"], "ERR timeout is negative"),
        (
            &["BLMPOP", "0", "0", "a", "LEFT"],
            "ERR numkeys should be greater than 0",
        ),
        (
            &["BLMPOP", "x", "0", "a", "LEFT"],
            "ERR numkeys should be greater than 0",
        ),
        (
            &["BLMPOP", "x", "1", "a", "LEFT"],
            "ERR timeout is not a float or out of range",
        ),
        (&["BLMPOP", "x", "1", "a", "UP"], "ERR syntax error"),
        (&["BLMPOP", "0", "2", "a", "LEFT"], "ERR syntax error"),
        (
            &["BLMPOP", "0", "1", "a", "LEFT", "COUNT", "0"],
            "ERR count should be greater than 0",
        ),
        (
            &["BLMPOP", "0", "1", "a", "LEFT", "COUNT"],
            "ERR syntax error",
        ),
        (
            &["BLPOP", "a"],
            "ERR wrong number of arguments for 'blpop' command",
        ),
    ] {
        assert_eq!(h.run(cmd), err(want), "{cmd:?}");
    }
    string_key(&mut h, "s");
    assert_eq!(
        h.run(&["BLPOP", "a", "s", "0"]),
        err("WRONGTYPE Operation against a key holding the wrong kind of value")
    );
    // The destination of a blocking move is only checked when there is
    // something to move: BLMOVE blocks.
    assert_eq!(
        h.run(&["BLMOVE", "a", "s", "LEFT", "LEFT", "0"]),
        Frame::Simple("BLOCKED".into())
    );
}

#[test]
fn blocking_commands_inside_multi_reply_at_once() {
    let mut ks = Keyspace::new(16);
    let cmds: &[&[&str]] = &[
        &["BLPOP", "a", "0"],
        &["BRPOP", "a", "b", "0"],
        &["BLMPOP", "0", "1", "a", "LEFT"],
        &["BLMOVE", "a", "b", "LEFT", "LEFT", "0"],
        &["BRPOPLPUSH", "a", "b", "0"],
        &["RPUSH", "a", "x", "y", "z"],
        &["BLPOP", "a", "0"],
        &["BLMOVE", "a", "b", "LEFT", "LEFT", "0"],
        &["BLMPOP", "0", "1", "a", "LEFT", "COUNT", "9"],
    ];
    let replies = exec(&mut ks, 1, cmds, false).unwrap();
    assert_eq!(
        replies,
        vec![
            Frame::NullArray,
            Frame::NullArray,
            Frame::NullArray,
            Frame::Null,
            Frame::Null,
            Frame::Integer(3),
            bulks(&["a", "x"]),
            b("y"),
            Frame::Array(vec![b("a"), bulks(&["z"])]),
        ]
    );
    let replies = exec(&mut Keyspace::new(16), 1, &cmds[..5], true).unwrap();
    assert_eq!(replies, vec![Frame::Null; 5]);
}

#[test]
fn pushes_and_moves_signal_ready_keys() {
    let mut ks = Keyspace::new(16);
    ks.set_ready_tracking(true);
    let ready = |ks: &mut Keyspace| -> Vec<String> {
        ks.take_ready()
            .into_iter()
            .map(|(_, k)| String::from_utf8_lossy(&k).into_owned())
            .collect()
    };
    apply(&mut ks, &["LPUSHX", "a", "x"]);
    assert!(ready(&mut ks).is_empty());
    apply(&mut ks, &["RPUSH", "a", "x", "y"]);
    assert_eq!(ready(&mut ks), ["a"]);
    apply(&mut ks, &["LPUSHX", "a", "x"]);
    assert_eq!(ready(&mut ks), ["a"]);
    apply(&mut ks, &["LMOVE", "a", "b", "LEFT", "LEFT"]);
    assert_eq!(ready(&mut ks), ["b"]);
    apply(&mut ks, &["RPOPLPUSH", "a", "c"]);
    apply(&mut ks, &["BLMOVE", "a", "d", "LEFT", "LEFT", "0"]);
    assert_eq!(ready(&mut ks), ["c", "d"]);
    apply(&mut ks, &["LPOP", "b"]);
    apply(&mut ks, &["LMPOP", "1", "c", "LEFT"]);
    apply(&mut ks, &["LMOVE", "nokey", "e", "LEFT", "LEFT"]);
    assert!(ready(&mut ks).is_empty());
}

/// WATCH sees exactly the changes Redis signals.
#[test]
fn modifications_touch_watched_keys() {
    let cases: &[(&[&str], bool)] = &[
        (&["LPUSH", "k", "x"], true),
        (&["LPUSHX", "nokey", "x"], false),
        (&["LPOP", "k", "0"], false),
        (&["LPOP", "k"], true),
        (&["RPOP", "nokey"], false),
        (&["LREM", "k", "0", "nomatch"], false),
        (&["LREM", "k", "1", "a"], true),
        (&["LINSERT", "k", "BEFORE", "nomatch", "x"], false),
        (&["LINSERT", "k", "AFTER", "a", "x"], true),
        (&["LSET", "k", "0", "a"], true),
        (&["LTRIM", "k", "0", "-1"], true),
        (&["LTRIM", "nokey", "0", "-1"], false),
        (&["LMOVE", "other", "k", "LEFT", "LEFT"], true),
        (&["LMOVE", "k", "other", "LEFT", "LEFT"], true),
        (&["LMOVE", "nokey", "k", "LEFT", "LEFT"], false),
        (&["LMPOP", "2", "nokey", "k", "LEFT"], true),
        (&["LMPOP", "2", "other", "k", "LEFT"], false),
        (&["BLPOP", "k", "0"], true),
        (&["BLPOP", "other", "k", "0"], false),
        (&["LRANGE", "k", "0", "-1"], false),
    ];
    for (i, (cmd, touches)) in cases.iter().enumerate() {
        let mut ks = Keyspace::new(16);
        apply(&mut ks, &["RPUSH", "k", "a", "b", "a"]);
        apply(&mut ks, &["RPUSH", "other", "o"]);
        let session = i as u64 + 1;
        watch(&mut ks, session, "k");
        apply(&mut ks, cmd);
        let ran = exec(&mut ks, session, &[&["LLEN", "k"]], false).is_some();
        assert_eq!(ran, !touches, "{cmd:?}");
    }
}

#[test]
fn expired_lists_are_invisible() {
    let mut h = Harness::at(1000);
    let list = List::from_items(["a", "b"]).wrap();
    h.ks.db_mut(0).insert_with_expiry(b"k", list, Some(2000));
    assert_eq!(h.run(&["LLEN", "k"]), Frame::Integer(2));
    h.clock = Some(2000);
    assert_eq!(h.run(&["LLEN", "k"]), Frame::Integer(0));
    assert_eq!(h.run(&["LINDEX", "k", "0"]), Frame::Null);
    assert_eq!(h.run(&["RPUSHX", "k", "x"]), Frame::Integer(0));
    assert_eq!(h.run(&["LMOVE", "k", "d", "LEFT", "LEFT"]), Frame::Null);
    assert_eq!(h.run(&["BLPOP", "k", "0"]), Frame::Simple("BLOCKED".into()));
    assert_eq!(h.run(&["RPUSH", "k", "x"]), Frame::Integer(1));
    assert_eq!(h.ks.db(0).ttl(b"k", 2000), KeyTtl::Persistent);
}

#[test]
fn rotating_a_single_element_keeps_the_key_and_its_ttl() {
    let mut h = Harness::at(1000);
    let list = List::from_items(["a"]).wrap();
    h.ks.db_mut(0).insert_with_expiry(b"k", list, Some(5000));
    assert_eq!(h.run(&["LMOVE", "k", "k", "LEFT", "RIGHT"]), b("a"));
    assert_eq!(h.run(&["RPOPLPUSH", "k", "k"]), b("a"));
    assert_eq!(h.ks.db(0).ttl(b"k", 1000), KeyTtl::ExpiresAt(5000));
}

#[test]
fn extreme_arguments_are_safe() {
    let mut h = Harness::new();
    h.run(&["RPUSH", "k", "a", "b", "c"]);
    let min = "-9223372036854775808";
    let max = "9223372036854775807";
    assert_eq!(h.run(&["LINDEX", "k", min]), Frame::Null);
    assert_eq!(h.run(&["LINDEX", "k", max]), Frame::Null);
    assert_eq!(h.run(&["LRANGE", "k", min, max]), bulks(&["a", "b", "c"]));
    assert_eq!(h.run(&["LRANGE", "k", max, min]), bulks(&[]));
    assert_eq!(
        h.run(&["LSET", "k", min, "x"]),
        err("ERR index out of range")
    );
    assert_eq!(
        h.run(&["LPOS", "k", "c", "COUNT", max, "MAXLEN", max]),
        Frame::Array(vec![Frame::Integer(2)])
    );
    assert_eq!(h.run(&["LPOS", "k", "c", "RANK", max]), Frame::Null);
    assert_eq!(h.run(&["LPOS", "k", "a", "RANK", min]), Frame::Integer(0));
    assert_eq!(h.run(&["LMPOP", max, "k", "LEFT"]), err("ERR syntax error"));
    assert_eq!(
        h.run(&["LMPOP", "1", "k", "LEFT", "COUNT", max]),
        Frame::Array(vec![b("k"), bulks(&["a", "b", "c"])])
    );
    h.run(&["RPUSH", "k", "a", "b", "a"]);
    assert_eq!(h.run(&["LREM", "k", min, "a"]), Frame::Integer(2));
    assert_eq!(h.run(&["LTRIM", "k", min, max]), Frame::Simple("OK".into()));
    assert_eq!(h.run(&["LRANGE", "k", "0", "-1"]), bulks(&["b"]));
    assert_eq!(h.run(&["LTRIM", "k", max, min]), Frame::Simple("OK".into()));
    assert!(h.ks.db(0).is_empty());
}

#[test]
fn long_lists_and_long_elements() {
    let mut h = Harness::new();
    let long = "x".repeat(300);
    let mut model: Vec<String> = Vec::new();
    for i in 0..500 {
        let item = if i % 7 == 0 {
            format!("{long}{i}")
        } else {
            i.to_string()
        };
        h.run(&["RPUSH", "k", &item]);
        model.push(item);
    }
    assert_eq!(
        h.run(&["LINSERT", "k", "BEFORE", "250", "new"]),
        Frame::Integer(501)
    );
    model.insert(250, "new".into());
    assert_eq!(
        h.run(&["LSET", "k", "-3", &long]),
        Frame::Simple("OK".into())
    );
    model[498] = long.clone();
    assert_eq!(
        h.run(&["LREM", "k", "0", &format!("{long}7")]),
        Frame::Integer(1)
    );
    model.retain(|e| *e != format!("{long}7"));
    assert_eq!(
        h.run(&["LTRIM", "k", "3", "-4"]),
        Frame::Simple("OK".into())
    );
    model = model[3..model.len() - 3].to_vec();
    let refs: Vec<&str> = model.iter().map(String::as_str).collect();
    assert_eq!(h.run(&["LRANGE", "k", "0", "-1"]), bulks(&refs));
    for i in [0, 1, 100, 249, 250, 251, 400] {
        assert_eq!(h.run(&["LINDEX", "k", &i.to_string()]), b(&model[i]));
    }
    assert_eq!(
        h.run(&["LPOS", "k", "250"]),
        Frame::Integer(model.iter().position(|e| e == "250").unwrap() as i64)
    );
}

#[test]
fn key_positions_follow_command_info() {
    let keys = |cmd: &[&str]| {
        let a = args(cmd);
        table::resolve(&a).unwrap().key_positions(&a)
    };
    assert_eq!(keys(&["LMPOP", "2", "a", "b", "LEFT"]), Ok(vec![2, 3]));
    assert_eq!(
        keys(&["BLMPOP", "0", "2", "a", "b", "LEFT", "COUNT", "2"]),
        Ok(vec![3, 4])
    );
    assert_eq!(keys(&["BLPOP", "a", "b", "0"]), Ok(vec![1, 2]));
    assert_eq!(
        keys(&["BLMOVE", "a", "b", "LEFT", "LEFT", "0"]),
        Ok(vec![1, 2])
    );
    assert_eq!(keys(&["RPOPLPUSH", "a", "b"]), Ok(vec![1, 2]));
    assert!(keys(&["LMPOP", "0", "a", "LEFT"]).is_err());
    assert!(keys(&["LMPOP", "9223372036854775807", "a", "LEFT"]).is_err());
    assert!(keys(&["BLMPOP", "0", "3", "a", "b", "LEFT"]).is_err());
    let lmpop = table::lookup(b"lmpop").unwrap();
    assert_eq!(lmpop.flag_names(), ["write", "movablekeys"]);
    let blpop = table::lookup(b"BLPOP").unwrap();
    assert_eq!(blpop.flag_names(), ["write", "noscript", "blocking"]);
    assert_eq!(
        blpop.acl_categories(),
        ["write", "list", "slow", "blocking"]
    );
}

#[test]
fn timeout_replies() {
    for name in ["blpop", "BRPOP", "blmpop", "BLMove", "brpoplpush"] {
        assert_eq!(
            timeout_reply(name.as_bytes()),
            Some(TimeoutReply::NullArray),
            "{name}"
        );
    }
    assert_eq!(timeout_reply(b"lpop"), None);
    let mut out = Reply::new(false);
    TimeoutReply::NullArray.write(&mut out);
    TimeoutReply::NullBulk.write(&mut out);
    assert_eq!(out.as_bytes(), b"*-1\r\n$-1\r\n");
    let mut out = Reply::new(true);
    TimeoutReply::NullArray.write(&mut out);
    assert_eq!(out.as_bytes(), b"_\r\n");
}
