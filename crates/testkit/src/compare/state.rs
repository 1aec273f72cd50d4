//! Whole-state comparison, after a sequence of commands: the same keys in
//! every database, each with the same type, encoding, expiry and content.

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use resp::Frame;

use super::{args, check, show_command, Side};

/// The number of live keys per non-empty database: the databases `INFO
/// keyspace` lists, each counted by a whole SCAN (so keys that expired but
/// are still stored do not count; Redis also deletes them on the way).
/// Database 0 is selected afterwards.
pub fn keys_per_db(side: &mut dyn Side) -> Result<BTreeMap<usize, usize>, String> {
    let mut counts = BTreeMap::new();
    for db in info_keyspace(side)?.into_keys() {
        let index = db.to_string();
        side.call(&args(&[b"SELECT", index.as_bytes()]));
        let n = live_keys(side)?;
        if n > 0 {
            counts.insert(db, n);
        }
    }
    side.call(&args(&[b"SELECT", b"0"]));
    Ok(counts)
}

/// The number of keys a whole SCAN of the selected database returns. SCAN
/// skips expired keys (and Redis deletes them on the way), so this counts
/// live keys even where DBSIZE still counts expired ones.
pub(super) fn live_keys(side: &mut dyn Side) -> Result<usize, String> {
    let mut cursor = Bytes::from_static(b"0");
    let mut keys = BTreeSet::new();
    for _ in 0..100_000 {
        let cmd = [
            Bytes::from_static(b"SCAN"),
            cursor.clone(),
            Bytes::from_static(b"COUNT"),
            Bytes::from_static(b"1000"),
        ];
        let reply = side.call(&cmd);
        let Frame::Array(parts) = &reply else {
            return Err(format!("SCAN replied {reply:?}"));
        };
        let [Frame::Bulk(next), Frame::Array(found)] = &parts[..] else {
            return Err(format!("SCAN replied {reply:?}"));
        };
        keys.extend(found.iter().map(super::encoded));
        if &next[..] == b"0" {
            return Ok(keys.len());
        }
        cursor = next.clone();
    }
    Err("SCAN did not finish".into())
}

fn info_keyspace(side: &mut dyn Side) -> Result<BTreeMap<usize, usize>, String> {
    match side.call(&args(&[b"INFO", b"keyspace"])) {
        Frame::Bulk(info) | Frame::Verbatim { text: info, .. } => {
            Ok(String::from_utf8_lossy(&info)
                .lines()
                .filter_map(|line| {
                    let (db, rest) = line.strip_prefix("db")?.split_once(":keys=")?;
                    Some((db.parse().ok()?, rest.split(',').next()?.parse().ok()?))
                })
                .collect())
        }
        other => Err(format!("INFO keyspace replied {other:?}")),
    }
}

/// Compares databases `dbs` on both sides: `KEYS *`, then for every key
/// its `OBJECT ENCODING`, `PTTL`, `TYPE` and content (`GET`, `LRANGE`,
/// `SMEMBERS`, `HGETALL`, `ZRANGE ... WITHSCORES`; `PFCOUNT` for
/// HyperLogLogs, whose format differs). Database 0 is selected afterwards.
pub fn check_databases(
    dbs: impl IntoIterator<Item = usize>,
    keel: &mut dyn Side,
    redis: &mut dyn Side,
    resp3: bool,
) -> Result<(), String> {
    let mut both = Both { keel, redis, resp3 };
    for db in dbs {
        let db = db.to_string();
        both.run(&[b"SELECT", db.as_bytes()])?;
        let keys = match both.run(&[b"KEYS", b"*"])? {
            Frame::Array(keys) | Frame::Set(keys) => keys,
            other => return Err(format!("KEYS * replied {other:?}")),
        };
        for key in keys {
            let Frame::Bulk(key) = key else {
                return Err(format!("KEYS * replied a key {key:?}"));
            };
            both.check_key(&key)?;
        }
    }
    both.run(&[b"SELECT", b"0"])?;
    Ok(())
}

struct Both<'a> {
    keel: &'a mut dyn Side,
    redis: &'a mut dyn Side,
    resp3: bool,
}

impl Both<'_> {
    fn run(&mut self, cmd: &[&[u8]]) -> Result<Frame, String> {
        let cmd: Vec<Bytes> = args(cmd);
        check(&cmd, self.keel, self.redis, self.resp3)
            .map_err(|why| format!("reply to {} {why}", show_command(&cmd)))
    }

    fn check_key(&mut self, key: &[u8]) -> Result<(), String> {
        self.run(&[b"OBJECT", b"ENCODING", key])?;
        self.run(&[b"PTTL", key])?;
        let content: &[&[u8]] = match self.run(&[b"TYPE", key])? {
            Frame::Simple(t) if t == "string" => {
                // HyperLogLogs have another format in keel (a documented
                // difference): compare their counts.
                let header = args(&[b"GETRANGE", key, b"0", b"3"]);
                let ours = self.keel.call(&header) == Frame::bulk(&b"KHLL"[..]);
                let theirs = self.redis.call(&header) == Frame::bulk(&b"HYLL"[..]);
                match (ours, theirs) {
                    (true, true) => &[b"PFCOUNT", key],
                    (false, false) => &[b"GET", key],
                    _ => {
                        return Err(format!(
                            "{} is a HyperLogLog on one side only",
                            show_command(&[key])
                        ))
                    }
                }
            }
            Frame::Simple(t) if t == "list" => &[b"LRANGE", key, b"0", b"-1"],
            Frame::Simple(t) if t == "set" => &[b"SMEMBERS", key],
            Frame::Simple(t) if t == "hash" => &[b"HGETALL", key],
            Frame::Simple(t) if t == "zset" => &[b"ZRANGE", key, b"0", b"-1", b"WITHSCORES"],
            _ => return Ok(()),
        };
        self.run(content)?;
        Ok(())
    }
}
