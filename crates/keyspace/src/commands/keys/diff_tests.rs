//! Differential tests against a real redis-server: hand-written sequences
//! covering every command, option, error and edge case of the family, and
//! seeded random sequences from `testkit::gen::keys`.

use bytes::Bytes;

use crate::testing::{check_command_info, random_sequences, Diff, Protocols, Step};

#[test]
fn del_exists_type_touch() {
    let mut o = Diff::labelled("del_exists_type_touch");
    o.check_all(&[
        &["SET", "a", "1"],
        &["SET", "b", "hello"],
        &["RPUSH", "l", "x", "y"],
        &["SADD", "s", "1", "2"],
        &["SADD", "s2", "a"],
        &["HSET", "h", "f", "v"],
        &["EXISTS", "a"],
        &["EXISTS", "a", "a", "b", "nope", "l"],
        &["EXISTS"],
        &["TOUCH", "a", "a", "nope", "h"],
        &["TOUCH"],
        &["TYPE", "a"],
        &["TYPE", "l"],
        &["TYPE", "s"],
        &["TYPE", "h"],
        &["TYPE", "nope"],
        &["TYPE"],
        &["TYPE", "a", "b"],
        &["DBSIZE"],
        &["DBSIZE", "x"],
        &["DEL", "a", "a", "nope"],
        &["DEL", "a"],
        &["UNLINK", "b", "l", "nope"],
        &["UNLINK"],
        &["DEL"],
        &["del", "s", "S"],
        &["DBSIZE"],
        &["KEYS", "*"],
    ]);
}

#[test]
fn rename_renamenx() {
    let mut o = Diff::labelled("rename_renamenx");
    o.check_all(&[
        &["RENAME", "nope", "x"],
        &["RENAME", "nope", "nope"],
        &["RENAMENX", "nope", "nope"],
        &["RENAMENX", "nope", "x"],
        &["SET", "a", "1"],
        &["RENAME", "a", "a"],
        &["RENAMENX", "a", "a"],
        &["EXPIRE", "a", "1000"],
        &["RENAME", "a", "b"],
        &["EXISTS", "a", "b"],
        &["TTL", "b"],
        &["SET", "c", "2"],
        &["RENAMENX", "b", "c"],
        &["GET", "c"],
        &["RENAME", "b", "c"],
        &["TTL", "c"],
        &["TYPE", "c"],
        &["RPUSH", "l", "x"],
        &["RENAME", "l", "c"],
        &["TYPE", "c"],
        &["TTL", "c"],
        &["RENAMENX", "c", "d"],
        &["KEYS", "*"],
        &["RENAME", "d"],
        &["RENAME", "d", "e", "f"],
        &["RENAMENX", "d"],
    ]);
}

#[test]
fn copy() {
    let mut o = Diff::labelled("copy");
    o.check_all(&[
        &["SET", "a", "1"],
        &["EXPIRE", "a", "1000"],
        &["RPUSH", "l", "x"],
        &["COPY", "a", "a"],
        &["COPY", "a", "a", "DB", "0"],
        &["COPY", "nope", "nope"],
        &["COPY", "nope", "x"],
        &["COPY", "a", "b"],
        &["TTL", "b"],
        &["OBJECT", "ENCODING", "b"],
        &["COPY", "a", "l"],
        &["COPY", "a", "l", "REPLACE"],
        &["TYPE", "l"],
        &["COPY", "a", "b", "replace", "REPLACE"],
        &["COPY", "a", "a", "DB", "1"],
        &["COPY", "a", "a", "db", "1"],
        &["COPY", "a", "b", "DB"],
        &["COPY", "a", "b", "FOO"],
        &["COPY", "a", "b", "DB", "x"],
        &["COPY", "a", "b", "DB", "16"],
        &["COPY", "a", "b", "DB", "-1"],
        &["COPY", "a", "b", "DB", "16", "FOO"],
        &["COPY", "a", "b", "DB", "x", "DB", "16"],
        &["COPY", "a", "b", "DB", "2147483648"],
        &["COPY", "a", "b", "DB", "-2147483649"],
        &["COPY", "a", "b", "DB", "99999999999999999999"],
        &["COPY", "a", "a", "DB", "16"],
        &["COPY", "a", "b", "DB", "1", "DB", "2"],
        &["COPY", "a"],
        &["SELECT", "1"],
        &["KEYS", "*"],
        &["TTL", "a"],
        &["SELECT", "2"],
        &["KEYS", "*"],
        &["SADD", "s", "1", "x"],
        &["HSET", "h", "f", "v"],
        &["COPY", "s", "s2"],
        &["COPY", "h", "h2", "DB", "0"],
        &["OBJECT", "ENCODING", "s2"],
        &["TYPE", "s2"],
        &["SELECT", "0"],
        &["TYPE", "h2"],
        &["OBJECT", "ENCODING", "h2"],
        &["TTL", "h2"],
    ]);
}

#[test]
fn move_() {
    let mut o = Diff::labelled("move");
    o.check_all(&[
        &["SET", "a", "1"],
        &["PEXPIRE", "a", "1000000"],
        &["MOVE", "a", "0"],
        &["MOVE", "nope", "0"],
        &["MOVE", "a", "x"],
        &["MOVE", "a", "16"],
        &["MOVE", "a", "-1"],
        &["MOVE", "a", "2147483648"],
        &["MOVE", "a", "99999999999999999999"],
        &["MOVE", "nope", "1"],
        &["MOVE", "a", "1"],
        &["EXISTS", "a"],
        &["SET", "a", "2"],
        &["MOVE", "a", "1"],
        &["SELECT", "1"],
        &["GET", "a"],
        &["TTL", "a"],
        &["MOVE", "a", "0"],
        &["MOVE"],
        &["MOVE", "a"],
    ]);
}

#[test]
fn keys_and_scan() {
    let mut o = Diff::labelled("keys_and_scan");
    for k in [
        "hello", "hallo", "hxllo", "hllo", "world", "h*llo", "a[b", "user:1", "user:22",
    ] {
        o.check(&["SET", k, "v"]);
    }
    o.check_all(&[
        &["RPUSH", "list:1", "x"],
        &["SADD", "set:1", "x"],
        &["HSET", "hash:1", "f", "v"],
        &["KEYS", "*"],
        &["KEYS", "h?llo"],
        &["KEYS", "h*llo"],
        &["KEYS", "h[ae]llo"],
        &["KEYS", "h[^e]llo"],
        &["KEYS", "h[a-b]llo"],
        &["KEYS", "h\\*llo"],
        &["KEYS", "a[b"],
        &["KEYS", "a\\[b"],
        &["KEYS", "user:[0-9]"],
        &["KEYS", "user:*"],
        &["KEYS", "*:*"],
        &["KEYS", "H*"],
        &["KEYS", ""],
        &["KEYS", "nomatch"],
        &["KEYS"],
        &["KEYS", "a", "b"],
        &["SCAN", "0", "COUNT", "100"],
        &["SCAN", "0", "COUNT", "100", "MATCH", "h*"],
        &["SCAN", "0", "COUNT", "100", "TYPE", "list"],
        &["SCAN", "0", "COUNT", "100", "TYPE", "SET"],
        &["SCAN", "0", "COUNT", "100", "TYPE", "hash"],
        &[
            "SCAN", "0", "COUNT", "100", "TYPE", "string", "MATCH", "user:*",
        ],
        &["SCAN", "0", "COUNT", "100", "TYPE", "nosuchtype"],
        &["SCAN", "0", "COUNT", "100", "MATCH", "x", "MATCH", "*"],
        &["SCAN", "0", "count", "9223372036854775807"],
        &["SCAN", "0", "COUNT", "0"],
        &["SCAN", "0", "COUNT", "-5"],
        &["SCAN", "0", "COUNT", "x"],
        &["SCAN", "0", "COUNT", "99999999999999999999"],
        &["SCAN", "0", "COUNT"],
        &["SCAN", "0", "MATCH"],
        &["SCAN", "0", "TYPE"],
        &["SCAN", "0", "FOO", "bar"],
        &["SCAN", " 1"],
        &["SCAN", "1 "],
        &["SCAN", "x"],
        &["SCAN", "-"],
        &["SCAN", "+"],
        &["SCAN", "0x1"],
        &["SCAN", "1.0"],
        &["SCAN", "18446744073709551616"],
        &["SCAN", "-18446744073709551616"],
        &["SCAN"],
    ]);
    o.check(&["SCAN", "0"]);
    o.check(&["SCAN", "0", "COUNT", "1"]);
    o.check(&["SCAN", "0", "COUNT", "3", "MATCH", "*llo"]);
    o.check(&["SCAN", "0", "TYPE", "string"]);
    o.check(&[
        "SCAN", "0", "MATCH", "user:*", "COUNT", "2", "TYPE", "string",
    ]);
    o.check(&["FLUSHALL"]);
    o.check(&["SCAN", "0"]);
    o.check(&["KEYS", "*"]);
    // A larger keyspace, iterated in small steps.
    for i in 0..300 {
        o.check(&["SET", &format!("key:{i}"), "v"]);
    }
    o.check(&["SCAN", "0"]);
    o.check(&["SCAN", "0", "COUNT", "7", "MATCH", "key:1*"]);
    o.check(&["KEYS", "key:2?"]);
}

#[test]
fn randomkey_dbsize() {
    let mut o = Diff::labelled("randomkey_dbsize");
    o.check_all(&[
        &["RANDOMKEY"],
        &["DBSIZE"],
        &["SET", "a", "1"],
        &["RANDOMKEY"],
        &["DBSIZE"],
        &["RANDOMKEY", "x"],
        &["SELECT", "5"],
        &["RANDOMKEY"],
        &["DBSIZE"],
    ]);
    assert_eq!(o.keel.run(&["SELECT", "0"]), o.redis.run(&["SELECT", "0"]));
    assert_eq!(o.keel.run(&["RANDOMKEY"]), o.redis.run(&["RANDOMKEY"]));
}

#[test]
fn object() {
    let mut o = Diff::labelled("object");
    o.check_all(&[
        &["SET", "int", "123"],
        &["SET", "zero", "0"],
        &["SET", "max", "9999"],
        &["SET", "big", "10000"],
        &["SET", "neg", "-1"],
        &["SET", "huge", "9223372036854775807"],
        &["SET", "toobig", "9223372036854775808"],
        &["SET", "lead", "0123"],
        &["SET", "emb", "hello"],
        &[
            "SET",
            "emb44",
            "12345678901234567890123456789012345678901234",
        ],
        &[
            "SET",
            "raw45",
            "123456789012345678901234567890123456789012345",
        ],
        &["SET", "empty", ""],
        &["RPUSH", "l", "x"],
        &["SADD", "si", "1", "2"],
        &["SADD", "ss", "a"],
        &["HSET", "h", "f", "v"],
    ]);
    for key in [
        "int", "zero", "max", "big", "neg", "huge", "toobig", "lead", "emb", "emb44", "raw45",
        "empty", "l", "si", "ss", "h", "nope",
    ] {
        o.check(&["OBJECT", "ENCODING", key]);
        o.check(&["OBJECT", "REFCOUNT", key]);
        o.check(&["OBJECT", "FREQ", key]);
        o.check(&["OBJECT", "IDLETIME", key]);
    }
    o.check_all(&[
        &["OBJECT", "HELP"],
        &["object", "help"],
        &["OBJECT", "HELP", "x"],
        &["OBJECT"],
        &["OBJECT", "ENCODING"],
        &["OBJECT", "ENCODING", "a", "b"],
        &["OBJECT", "FREQ"],
        &["OBJECT", "IDLETIME"],
        &["OBJECT", "REFCOUNT"],
        &["OBJECT", "FOO"],
        &["OBJECT", "FOO", "bar"],
    ]);
}

#[test]
fn swapdb_flushdb_flushall() {
    let mut o = Diff::labelled("swapdb_flushdb_flushall");
    o.check_all(&[
        &["SET", "a", "0"],
        &["SELECT", "1"],
        &["SET", "b", "1"],
        &["SWAPDB", "x", "16"],
        &["SWAPDB", "16", "x"],
        &["SWAPDB", "0", "x"],
        &["SWAPDB", "2147483648", "0"],
        &["SWAPDB", "0", "-2147483649"],
        &["SWAPDB", "0", "16"],
        &["SWAPDB", "-1", "0"],
        &["SWAPDB", "1", "1"],
        &["SWAPDB", "0"],
        &["SWAPDB", "0", "1"],
        &["KEYS", "*"],
        &["SWAPDB", "1", "0"],
        &["KEYS", "*"],
        &["SWAPDB", "1", "15"],
        &["KEYS", "*"],
        &["SELECT", "15"],
        &["KEYS", "*"],
        &["FLUSHDB", "x"],
        &["FLUSHDB", "SYNC", "ASYNC"],
        &["FLUSHDB", "sync"],
        &["DBSIZE"],
        &["SELECT", "0"],
        &["DBSIZE"],
        &["FLUSHDB", "ASYNC"],
        &["DBSIZE"],
        &["SET", "a", "1"],
        &["FLUSHDB"],
        &["DBSIZE"],
        &["SET", "a", "1"],
        &["SELECT", "3"],
        &["SET", "b", "1"],
        &["FLUSHALL", "x"],
        &["FLUSHALL", "sync", "x"],
        &["FLUSHALL"],
        &["DBSIZE"],
        &["SELECT", "0"],
        &["DBSIZE"],
        &["SET", "a", "1"],
        &["FLUSHALL", "ASYNC"],
        &["SET", "a", "1"],
        &["flushall", "Sync"],
        &["DBSIZE"],
    ]);
}

#[test]
fn dump_restore() {
    let mut o = Diff::labelled("dump_restore");
    o.check_all(&[
        &["DUMP", "nope"],
        &["DUMP"],
        &["SET", "s", "hello"],
        &["SET", "i", "42"],
        &["SET", "r", "123456789012345678901234567890123456789012345"],
        &["RPUSH", "l", "a", "b", "c"],
        &["SADD", "si", "3", "1", "2"],
        &["SADD", "ss", "x", "y"],
        &["HSET", "h", "f1", "v1", "f2", "v2"],
        &["DUMP", "s"],
        &["RESTORE", "s2", "0", "$DUMP:s"],
        &["RESTORE", "i2", "0", "$DUMP:i"],
        &["RESTORE", "r2", "0", "$DUMP:r"],
        &["RESTORE", "l2", "0", "$DUMP:l"],
        &["RESTORE", "si2", "0", "$DUMP:si"],
        &["RESTORE", "ss2", "0", "$DUMP:ss"],
        &["RESTORE", "h2", "0", "$DUMP:h"],
        &["GET", "s2"],
        &["GET", "i2"],
        &["LRANGE", "l2", "0", "-1"],
    ]);
    for key in ["s2", "i2", "r2", "l2", "si2", "ss2", "h2"] {
        o.check(&["TYPE", key]);
        o.check(&["OBJECT", "ENCODING", key]);
        o.check(&["OBJECT", "REFCOUNT", key]);
        o.check(&["TTL", key]);
    }
    o.check_all(&[
        // Errors, in Redis's order of checks.
        &["RESTORE", "s", "0", "$DUMP:s"],
        &["RESTORE", "s", "x", "garbage"],
        &["RESTORE", "s", "0", "garbage", "FOO"],
        &["RESTORE", "new", "x", "garbage"],
        &["RESTORE", "new", "-1", "garbage"],
        &["RESTORE", "new", "0", "garbage"],
        &["RESTORE", "new", "0", ""],
        &["RESTORE", "new", "0", "xxxxxxxxxxxxxxxxxxxxxxx"],
        &["RESTORE", "new", "0", "$DUMP:nope"],
        &["RESTORE", "new", "0", "$DUMP:s", "IDLETIME"],
        &["RESTORE", "new", "0", "$DUMP:s", "IDLETIME", "-1"],
        &["RESTORE", "new", "0", "$DUMP:s", "IDLETIME", "x"],
        &["RESTORE", "new", "0", "$DUMP:s", "FREQ"],
        &["RESTORE", "new", "0", "$DUMP:s", "FREQ", "-1"],
        &["RESTORE", "new", "0", "$DUMP:s", "FREQ", "256"],
        &["RESTORE", "new", "0", "$DUMP:s", "FREQ", "x"],
        &[
            "RESTORE", "new", "0", "$DUMP:s", "FREQ", "1", "IDLETIME", "1",
        ],
        &[
            "RESTORE", "new", "0", "$DUMP:s", "IDLETIME", "1", "FREQ", "1",
        ],
        &["RESTORE", "new", "0", "$DUMP:s", "BAR"],
        &["RESTORE", "new", "0"],
        &["EXISTS", "new"],
        // Options.
        &["RESTORE", "s", "0", "$DUMP:i", "REPLACE"],
        &["GET", "s"],
        &["RESTORE", "s", "0", "$DUMP:s2", "replace", "REPLACE"],
        &["GET", "s"],
        &["RESTORE", "t", "100000", "$DUMP:s"],
        &["TTL", "t"],
        &["PTTL", "t"],
        &[
            "RESTORE", "t2", "0", "$DUMP:s", "IDLETIME", "0", "IDLETIME", "5",
        ],
        &["RESTORE", "t3", "0", "$DUMP:s", "FREQ", "0", "FREQ", "255"],
        &["RESTORE", "at", "4102444800000", "$DUMP:s", "ABSTTL"],
        &["PEXPIRETIME", "at"],
        &["EXPIRETIME", "at"],
        &["RESTORE", "past", "1000", "$DUMP:s", "ABSTTL"],
        &["EXISTS", "past"],
        &["RESTORE", "s", "1", "$DUMP:s", "ABSTTL", "REPLACE"],
        &["EXISTS", "s"],
        &["RESTORE", "wrap", "9223372036854775807", "$DUMP:i"],
        &["EXISTS", "wrap"],
        &[
            "RESTORE",
            "wrap",
            "9223372036854775807",
            "$DUMP:i",
            "ABSTTL",
        ],
        &["PEXPIRETIME", "wrap"],
        &["RESTORE", "nottl", "0", "$DUMP:i", "ABSTTL"],
        &["TTL", "nottl"],
    ]);
}

/// Replies whose RESP3 form differs from RESP2 (nulls) or could (arrays).
#[test]
fn resp3_replies() {
    let mut o = Diff::new_resp3();
    o.check_all(&[
        &["RANDOMKEY"],
        &["DUMP", "nope"],
        &["OBJECT", "ENCODING", "nope"],
        &["OBJECT", "FREQ", "nope"],
        &["OBJECT", "IDLETIME", "nope"],
        &["OBJECT", "REFCOUNT", "nope"],
        &["SET", "a", "1"],
        &["RPUSH", "l", "x"],
        &["TYPE", "a"],
        &["TYPE", "nope"],
        &["KEYS", "*"],
        &["SCAN", "0", "COUNT", "100"],
        &["OBJECT", "HELP"],
        &["OBJECT", "ENCODING", "l"],
        &["TTL", "a"],
        &["EXPIRE", "a", "100"],
        &["PTTL", "a"],
        &["RENAME", "a", "b"],
        &["COPY", "b", "c"],
        &["FLUSHALL"],
        &["RANDOMKEY"],
    ]);
}

/// Redis payloads are not keel payloads: RESTORE rejects a payload produced
/// by the other side with the checksum error (a documented difference).
#[test]
fn foreign_payloads_are_rejected() {
    let mut o = Diff::labelled("foreign_payloads");
    o.check(&["SET", "s", "hello"]);
    let dump = [Bytes::from_static(b"DUMP"), Bytes::from_static(b"s")];
    let (ours, theirs) = o.both(&dump);
    let (resp::Frame::Bulk(ours), resp::Frame::Bulk(theirs)) = (ours, theirs) else {
        panic!("DUMP failed")
    };
    let restore = |payload: Bytes| {
        vec![
            Bytes::from_static(b"RESTORE"),
            Bytes::from_static(b"t"),
            Bytes::from_static(b"0"),
            payload,
        ]
    };
    let expected = resp::Frame::Error("ERR DUMP payload version or checksum are wrong".into());
    assert_eq!(o.keel.run_bytes(&restore(theirs), false), expected);
    assert_eq!(o.redis.run(&restore(ours)), expected);
}

/// Seeded random sequences of `testkit::gen::keys` commands, compared with
/// Redis reply by reply, in both protocols (`KEEL_DIFF_SEEDS` for more).
#[test]
fn random_sequences_match_redis() {
    let mut with_data = 0;
    let stats = random_sequences(
        "keys",
        0..8,
        300,
        Protocols::Both,
        |d, g, _: Step| {
            with_data += usize::from(!d.keel.ks.db(d.keel.db).is_empty());
            testkit::gen::keys::command(g)
        },
        |d, _| {
            for db in ["0", "1", "2"] {
                d.check(&["SELECT", db]);
                d.check(&["SCAN", "0", "COUNT", "1"]);
                d.check(&["DBSIZE"]);
            }
        },
    );
    // The sequences must exercise real work, not mostly errors on empty
    // databases.
    stats.assert_errors_below(4);
    assert!(
        with_data * 2 > stats.total,
        "data present for only {with_data} of {} commands",
        stats.total
    );
}

/// The table rows agree with Redis 7.0's `COMMAND INFO`: arity, flags, key
/// positions and subcommands. ACL categories too, except `@dangerous` on
/// non-admin commands and the categories of containers, which the table
/// cannot express yet.
#[test]
fn command_info_matches_redis() {
    let names = [
        "del",
        "unlink",
        "exists",
        "type",
        "rename",
        "renamenx",
        "copy",
        "move",
        "keys",
        "scan",
        "randomkey",
        "dbsize",
        "touch",
        "object",
        "swapdb",
        "flushdb",
        "flushall",
        "dump",
        "restore",
        "expire",
        "pexpire",
        "expireat",
        "pexpireat",
        "ttl",
        "pttl",
        "expiretime",
        "pexpiretime",
        "persist",
    ];
    let specs = names
        .iter()
        .map(|name| crate::lookup(name.as_bytes()).unwrap_or_else(|| panic!("{name} missing")));
    assert!(check_command_info(specs) > names.len());
}
