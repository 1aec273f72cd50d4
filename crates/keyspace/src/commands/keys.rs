//! Generic key-space commands: DEL, UNLINK, EXISTS, TYPE, RENAME, RENAMENX,
//! COPY, MOVE, KEYS, SCAN, RANDOMKEY, DBSIZE, TOUCH, OBJECT, SWAPDB,
//! FLUSHDB, FLUSHALL, DUMP and RESTORE.
//!
//! Semantics, replies and error texts follow Redis 7.0; the differences
//! (OBJECT IDLETIME/FREQ/REFCOUNT, the DUMP payload format, SCAN cursors)
//! are listed in `docs/differences.md`. The DUMP payload format is
//! described byte by byte in `docs/design/dump.md` and implemented in
//! [`dump`].

#[cfg(test)]
mod diff_tests;
pub(crate) mod dump;
#[cfg(test)]
mod tests;

use bytes::Bytes;
use resp::Reply;

use crate::table::{CommandSpec as C, Flags as F, Group as G, Handler as H};
use crate::{args, glob, CmdError, CmdResult, Ctx, Keyspace, Value};

pub(crate) const COMMANDS: &[C] = &[
    C::new("del", -2, G::Generic, H::Write(del))
        .flags(&[F::WRITE])
        .keys(1, -1, 1)
        .doc("Delete a key", "1.0.0", "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1)."),
    C::new("unlink", -2, G::Generic, H::Write(del))
        .flags(&[F::WRITE, F::FAST])
        .keys(1, -1, 1)
        .doc("Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", "4.0.0", "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of."),
    C::new("exists", -2, G::Generic, H::Read(exists))
        .flags(&[F::READONLY, F::FAST])
        .keys(1, -1, 1)
        .doc("Determine if a key exists", "1.0.0", "O(N) where N is the number of keys to check."),
    C::new("type", 2, G::Generic, H::Read(type_))
        .flags(&[F::READONLY, F::FAST])
        .keys(1, 1, 1)
        .doc("Determine the type stored at key", "1.0.0", "O(1)"),
    C::new("rename", 3, G::Generic, H::Write(rename))
        .flags(&[F::WRITE])
        .keys(1, 2, 1)
        .doc("Rename a key", "1.0.0", "O(1)"),
    C::new("renamenx", 3, G::Generic, H::Write(renamenx))
        .flags(&[F::WRITE, F::FAST])
        .keys(1, 2, 1)
        .doc("Rename a key, only if the new key does not exist", "1.0.0", "O(1)"),
    C::new("copy", -3, G::Generic, H::Write(copy))
        .flags(&[F::WRITE, F::DENYOOM])
        .keys(1, 2, 1)
        .doc("Copy a key", "6.2.0", "O(N) worst case for collections, where N is the number of nested items. O(1) for string values."),
    C::new("move", 3, G::Generic, H::Write(move_))
        .flags(&[F::WRITE, F::FAST])
        .keys(1, 1, 1)
        .doc("Move a key to another database", "1.0.0", "O(1)"),
    C::new("keys", 2, G::Generic, H::Read(keys))
        .flags(&[F::READONLY])
        .doc("Find all keys matching the given pattern", "1.0.0", "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length."),
    C::new("scan", -2, G::Generic, H::Read(scan))
        .flags(&[F::READONLY])
        .doc("Incrementally iterate the keys space", "2.8.0", "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection."),
    C::new("randomkey", 1, G::Generic, H::Read(randomkey))
        .flags(&[F::READONLY])
        .doc("Return a random key from the keyspace", "1.0.0", "O(1)"),
    C::new("dbsize", 1, G::Generic, H::Read(dbsize))
        .flags(&[F::READONLY, F::FAST])
        .doc("Return the number of keys in the selected database", "1.0.0", "O(1)"),
    C::new("touch", -2, G::Generic, H::Read(touch))
        .flags(&[F::READONLY, F::FAST])
        .keys(1, -1, 1)
        .doc("Alters the last access time of a key(s). Returns the number of existing keys specified.", "3.2.1", "O(N) where N is the number of keys that will be touched."),
    C::new("object", -2, G::Generic, H::Container)
        .doc("A container for object introspection commands", "2.2.3", "Depends on subcommand.")
        .subcommands(OBJECT),
    C::new("swapdb", 3, G::Generic, H::Write(swapdb))
        .flags(&[F::WRITE, F::FAST])
        .doc("Swaps two Redis databases", "4.0.0", "O(N) where N is the count of clients watching or blocking on keys from both databases."),
    C::new("flushdb", -1, G::Generic, H::Write(flushdb))
        .flags(&[F::WRITE])
        .doc("Remove all keys from the current database", "1.0.0", "O(N) where N is the number of keys in the selected database"),
    C::new("flushall", -1, G::Generic, H::Write(flushall))
        .flags(&[F::WRITE])
        .doc("Remove all keys from all databases", "1.0.0", "O(N) where N is the total number of keys in all databases"),
    C::new("dump", 2, G::Generic, H::Read(dump))
        .flags(&[F::READONLY])
        .keys(1, 1, 1)
        .doc("Return a serialized version of the value stored at the specified key.", "2.6.0", "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1)."),
    C::new("restore", -4, G::Generic, H::Write(restore))
        .flags(&[F::WRITE, F::DENYOOM])
        .keys(1, 1, 1)
        .doc("Create a key using the provided serialized value, previously obtained using DUMP.", "2.6.0", "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N))."),
];

const OBJECT: &[C] = &[
    C::new("object|encoding", 3, G::Generic, H::Read(object_encoding))
        .flags(&[F::READONLY])
        .keys(2, 2, 1)
        .doc(
            "Inspect the internal encoding of a Redis object",
            "2.2.3",
            "O(1)",
        ),
    C::new("object|freq", 3, G::Generic, H::Read(object_freq))
        .flags(&[F::READONLY])
        .keys(2, 2, 1)
        .doc(
            "Get the logarithmic access frequency counter of a Redis object",
            "4.0.0",
            "O(1)",
        ),
    C::new("object|idletime", 3, G::Generic, H::Read(object_idletime))
        .flags(&[F::READONLY])
        .keys(2, 2, 1)
        .doc(
            "Get the time since a Redis object was last accessed",
            "2.2.3",
            "O(1)",
        ),
    C::new("object|refcount", 3, G::Generic, H::Read(object_refcount))
        .flags(&[F::READONLY])
        .keys(2, 2, 1)
        .doc(
            "Get the number of references to the value of the key",
            "2.2.3",
            "O(1)",
        ),
    C::new("object|help", 2, G::Generic, H::Read(object_help))
        .flags(&[F::LOADING, F::STALE])
        .doc(
            "Show helpful text about the different subcommands",
            "6.2.0",
            "O(1)",
        ),
];

/// True for values whose creation may serve clients blocked on the key
/// (BLPOP, BZPOPMIN, ...).
fn wakes_blocked(value: &Value) -> bool {
    matches!(value, Value::List(_) | Value::SortedSet(_))
}

fn same_object() -> CmdError {
    CmdError::err("source and destination objects are the same")
}

/// Parses a database index like Redis's `getIntFromObjectOrReply` followed
/// by `selectDb`: not an integer, outside `int`, or not an existing database
/// each have their own error.
fn db_index(ks: &Keyspace, arg: &[u8]) -> Result<usize, CmdError> {
    let n = args::int(arg)?;
    if i32::try_from(n).is_err() {
        return Err(CmdError::err(
            "value is out of range, value must between -2147483648 and 2147483647",
        ));
    }
    ks.check_db(n)
}

// ---------------------------------------------------------------------------
// DEL, UNLINK, EXISTS, TYPE, TOUCH, DBSIZE, RANDOMKEY

/// DEL and UNLINK (memory is reclaimed when the value is dropped either way).
fn del(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let (db, now) = (ctx.db, ctx.now_ms);
    let mut removed = 0;
    for key in &args[1..] {
        if ks.db_mut(db).remove(key, now).is_some() {
            ctx.modified(db, key);
            removed += 1;
        }
    }
    out.int(removed);
    Ok(())
}

/// Counts the keys of `args[1..]` that exist, repeats included.
fn count_existing(ks: &Keyspace, ctx: &Ctx, args: &[Bytes]) -> i64 {
    let db = ks.db(ctx.db);
    args[1..]
        .iter()
        .filter(|key| db.contains(key, ctx.now_ms))
        .count() as i64
}

fn exists(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    out.int(count_existing(ks, ctx, args));
    Ok(())
}

/// TOUCH: keel does not track access times, so touching only counts.
fn touch(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    out.int(count_existing(ks, ctx, args));
    Ok(())
}

fn type_(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let value = ks.db(ctx.db).get(&args[1], ctx.now_ms);
    out.simple(value.map_or("none", Value::type_name));
    Ok(())
}

/// DBSIZE counts keys that are logically expired but not reclaimed yet, as
/// Redis does.
fn dbsize(ks: &Keyspace, ctx: &mut Ctx, _: &[Bytes], out: &mut Reply) -> CmdResult {
    out.int(ks.db(ctx.db).len() as i64);
    Ok(())
}

fn randomkey(ks: &Keyspace, ctx: &mut Ctx, _: &[Bytes], out: &mut Reply) -> CmdResult {
    let now = ctx.now_ms;
    let key = ks.db(ctx.db).random_key(ctx.rng(), now);
    out.bulk_or_null(key);
    Ok(())
}

// ---------------------------------------------------------------------------
// RENAME, RENAMENX, COPY, MOVE

fn rename(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    rename_generic(ks, ctx, args, false)?;
    out.ok();
    Ok(())
}

fn renamenx(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let renamed = rename_generic(ks, ctx, args, true)?;
    out.int(i64::from(renamed));
    Ok(())
}

/// Moves `args[1]` to `args[2]` with its expiry, replacing any value there
/// unless `nx`. Returns whether the key moved: not for RENAMENX onto an
/// existing key, nor for a key renamed to itself (which only checks that
/// it exists).
fn rename_generic(
    ks: &mut Keyspace,
    ctx: &mut Ctx,
    args: &[Bytes],
    nx: bool,
) -> Result<bool, CmdError> {
    let (src, dst) = (&args[1], &args[2]);
    let (db_index, now) = (ctx.db, ctx.now_ms);
    let db = ks.db_mut(db_index);
    // Expired keys met on the way are reclaimed where Redis would delete
    // them (this is a write, applied from the log).
    if db.reclaim_if_expired(src, now) || !db.contains(src, now) {
        return Err(CmdError::NoSuchKey);
    }
    if src == dst {
        return Ok(false);
    }
    db.reclaim_if_expired(dst, now);
    if nx && db.contains(dst, now) {
        return Ok(false);
    }
    let entry = db.take(src, now).ok_or(CmdError::NoSuchKey)?;
    let ready = wakes_blocked(entry.value());
    db.remove(dst, now);
    db.put(dst, entry);
    ctx.modified(db_index, src);
    ctx.modified(db_index, dst);
    if ready {
        ctx.ready(db_index, dst);
    }
    Ok(true)
}

/// COPY source destination [DB destination-db] [REPLACE]
fn copy(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let (src, dst) = (&args[1], &args[2]);
    let now = ctx.now_ms;
    let mut dst_db = ctx.db;
    let mut replace = false;
    let mut i = 3;
    while i < args.len() {
        if args::is(&args[i], "replace") {
            replace = true;
        } else if args::is(&args[i], "db") && i + 1 < args.len() {
            dst_db = db_index(ks, &args[i + 1])?;
            i += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }
    if dst_db == ctx.db && src == dst {
        return Err(same_object());
    }
    ks.db_mut(ctx.db).reclaim_if_expired(src, now);
    let Some(entry) = ks.db(ctx.db).entry(src, now).cloned() else {
        out.int(0);
        return Ok(());
    };
    let target = ks.db_mut(dst_db);
    target.reclaim_if_expired(dst, now);
    if target.contains(dst, now) && !replace {
        out.int(0);
        return Ok(());
    }
    let ready = wakes_blocked(entry.value());
    target.remove(dst, now);
    target.put(dst, entry);
    ctx.modified(dst_db, dst);
    if ready {
        ctx.ready(dst_db, dst);
    }
    out.int(1);
    Ok(())
}

/// MOVE key db
fn move_(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let key = &args[1];
    let (src_db, now) = (ctx.db, ctx.now_ms);
    let dst_db = db_index(ks, &args[2])?;
    if dst_db == src_db {
        return Err(same_object());
    }
    ks.db_mut(src_db).reclaim_if_expired(key, now);
    if !ks.db(src_db).contains(key, now) {
        out.int(0);
        return Ok(());
    }
    ks.db_mut(dst_db).reclaim_if_expired(key, now);
    if ks.db(dst_db).contains(key, now) {
        out.int(0);
        return Ok(());
    }
    let Some(entry) = ks.db_mut(src_db).take(key, now) else {
        out.int(0);
        return Ok(());
    };
    let ready = wakes_blocked(entry.value());
    let target = ks.db_mut(dst_db);
    target.remove(key, now);
    target.put(key, entry);
    ctx.modified(src_db, key);
    ctx.modified(dst_db, key);
    if ready {
        ctx.ready(dst_db, key);
    }
    out.int(1);
    Ok(())
}

// ---------------------------------------------------------------------------
// KEYS, SCAN

fn keys(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let pattern = &args[1][..];
    let all = pattern == b"*";
    let now = ctx.now_ms;
    let found: Vec<&[u8]> = ks
        .db(ctx.db)
        .iter()
        .filter(|(key, entry)| {
            !entry.is_expired(now) && (all || glob::matches(pattern, key, false))
        })
        .map(|(key, _)| key)
        .collect();
    out.bulk_array(found);
    Ok(())
}

/// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
///
/// The cursor is keel's own (see [`crate::Db::scan`]): a complete
/// iteration returns every key present for its whole duration, but cursor
/// values differ from Redis's.
fn scan(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let cursor = args::cursor(&args[1])?;
    let mut count: usize = 10;
    let mut pattern: Option<&[u8]> = None;
    let mut type_name: Option<&[u8]> = None;
    let mut i = 2;
    while i < args.len() {
        let has_value = i + 1 < args.len();
        if args::is(&args[i], "count") && has_value {
            let n = args::int(&args[i + 1])?;
            if n < 1 {
                return Err(CmdError::Syntax);
            }
            count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if args::is(&args[i], "match") && has_value {
            let p = &args[i + 1][..];
            pattern = (p != b"*").then_some(p);
        } else if args::is(&args[i], "type") && has_value {
            type_name = Some(&args[i + 1][..]);
        } else {
            return Err(CmdError::Syntax);
        }
        i += 2;
    }
    let mut found: Vec<Bytes> = Vec::new();
    let next = ks.db(ctx.db).scan(cursor, count, ctx.now_ms, |key, entry| {
        let type_ok =
            type_name.is_none_or(|t| t.eq_ignore_ascii_case(entry.value().type_name().as_bytes()));
        let match_ok = pattern.is_none_or(|p| glob::matches(p, key, false));
        if type_ok && match_ok {
            found.push(Bytes::copy_from_slice(key));
        }
    });
    out.array(2);
    out.bulk(itoa::Buffer::new().format(next).as_bytes());
    out.bulk_array(found);
    Ok(())
}

// ---------------------------------------------------------------------------
// OBJECT

fn object_encoding(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let value = ks.db(ctx.db).get(&args[2], ctx.now_ms);
    out.bulk_or_null(value.map(|v| v.encoding().as_bytes()));
    Ok(())
}

/// keel has no LFU eviction policy, so like Redis under a non-LFU policy
/// this is an error for existing keys.
fn object_freq(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    if !ks.db(ctx.db).contains(&args[2], ctx.now_ms) {
        out.null();
        return Ok(());
    }
    Err(CmdError::err(
        "An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
    ))
}

/// keel does not track access times (reads never change replicated
/// state): every key reports an idle time of 0 seconds.
fn object_idletime(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    if ks.db(ctx.db).contains(&args[2], ctx.now_ms) {
        out.int(0);
    } else {
        out.null();
    }
    Ok(())
}

/// Redis's refcount of the value's object. Values are not shared in keel;
/// this mirrors what Redis reports in the common cases: its shared integer
/// objects (0..10000, used by SET, INCR, RESTORE, ...) report `INT_MAX`,
/// everything else 1.
fn object_refcount(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    match ks.db(ctx.db).get(&args[2], ctx.now_ms) {
        None => out.null(),
        Some(Value::Int(n)) if (0..10_000).contains(n) => out.int(i64::from(i32::MAX)),
        Some(_) => out.int(1),
    }
    Ok(())
}

const OBJECT_HELP: &[&str] = &[
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
];

fn object_help(_: &Keyspace, _: &mut Ctx, _: &[Bytes], out: &mut Reply) -> CmdResult {
    super::write_help(out, OBJECT_HELP);
    Ok(())
}

// ---------------------------------------------------------------------------
// SWAPDB, FLUSHDB, FLUSHALL

/// Parses a SWAPDB index: anything that is not an `int` gets `message`
/// (both indexes are parsed before either is range-checked).
fn swapdb_index(arg: &[u8], message: &str) -> Result<i64, CmdError> {
    resp::parse_int(arg)
        .filter(|n| i32::try_from(*n).is_ok())
        .ok_or_else(|| CmdError::err(message))
}

fn swapdb(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let a = swapdb_index(&args[1], "invalid first DB index")?;
    let b = swapdb_index(&args[2], "invalid second DB index")?;
    let (a, b) = (ks.check_db(a)?, ks.check_db(b)?);
    if a != b {
        ks.swap_db(a, b, ctx);
        // Blocked clients of either database may now find a list or sorted
        // set under the key they wait for. (Redis scans only the keys that
        // clients block on; the keyspace does not know those, so it scans
        // the databases, and only when someone listens.)
        let dbs = if ks.ready_tracking() {
            vec![a, b]
        } else {
            Vec::new()
        };
        for db in dbs {
            for (key, entry) in ks.db(db).iter() {
                if wakes_blocked(entry.value()) && !entry.is_expired(ctx.now_ms) {
                    ctx.ready(db, key);
                }
            }
        }
    }
    out.ok();
    Ok(())
}

/// Checks the optional ASYNC / SYNC argument of FLUSHDB and FLUSHALL.
/// Both behave the same in keel: memory is released when the databases are
/// dropped.
fn flush_mode(args: &[Bytes]) -> CmdResult {
    match args {
        [_] => Ok(()),
        [_, mode] if args::is(mode, "sync") || args::is(mode, "async") => Ok(()),
        _ => Err(CmdError::Syntax),
    }
}

fn flushdb(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    flush_mode(args)?;
    ks.flush_db(ctx.db, ctx);
    out.ok();
    Ok(())
}

fn flushall(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    flush_mode(args)?;
    for db in 0..ks.databases() {
        ks.flush_db(db, ctx);
    }
    out.ok();
    Ok(())
}

// ---------------------------------------------------------------------------
// DUMP, RESTORE

fn dump(ks: &Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    match ks.db(ctx.db).get(&args[1], ctx.now_ms) {
        Some(value) => out.bulk(&dump::encode(value)),
        None => out.null(),
    }
    Ok(())
}

/// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds]
/// [FREQ frequency]
///
/// Checks happen in Redis's order: options, existing key, TTL, payload.
/// IDLETIME and FREQ are validated and otherwise ignored (keel tracks
/// neither).
fn restore(ks: &mut Keyspace, ctx: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    let key = &args[1];
    let (db_index, now) = (ctx.db, ctx.now_ms);
    let (mut replace, mut absttl) = (false, false);
    let (mut idle, mut freq) = (false, false);
    let mut i = 4;
    while i < args.len() {
        let has_value = i + 1 < args.len();
        if args::is(&args[i], "replace") {
            replace = true;
        } else if args::is(&args[i], "absttl") {
            absttl = true;
        } else if args::is(&args[i], "idletime") && has_value && !freq {
            if args::int(&args[i + 1])? < 0 {
                return Err(CmdError::err("Invalid IDLETIME value, must be >= 0"));
            }
            idle = true;
            i += 1;
        } else if args::is(&args[i], "freq") && has_value && !idle {
            if !(0..=255).contains(&args::int(&args[i + 1])?) {
                return Err(CmdError::err("Invalid FREQ value, must be >= 0 and <= 255"));
            }
            freq = true;
            i += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }
    if !replace
        && !ks.db_mut(db_index).reclaim_if_expired(key, now)
        && ks.db(db_index).contains(key, now)
    {
        return Err(CmdError::Other(
            "BUSYKEY Target key name already exists.".into(),
        ));
    }
    let ttl = args::int(&args[2])?;
    if ttl < 0 {
        return Err(CmdError::err("Invalid TTL value, must be >= 0"));
    }
    let value = dump::decode(&args[3])?;
    let db = ks.db_mut(db_index);
    let deleted = replace && db.remove(key, now).is_some();
    // A relative TTL is added to the clock like Redis does, wrapping on
    // overflow: a wrapped (negative) time is in the past.
    let now_i = i64::try_from(now).unwrap_or(i64::MAX);
    let expire_at = match ttl {
        0 => None,
        _ if absttl => Some(ttl),
        _ => Some(ttl.wrapping_add(now_i)),
    };
    if expire_at.is_some_and(|at| at <= now_i) {
        if deleted {
            ctx.modified(db_index, key);
        }
        out.ok();
        return Ok(());
    }
    let ready = wakes_blocked(&value);
    db.insert_with_expiry(key, value, expire_at.map(|at| at as u64));
    ctx.modified(db_index, key);
    if ready {
        ctx.ready(db_index, key);
    }
    out.ok();
    Ok(())
}
