//! CONFIG GET/SET/RESETSTAT.
//!
//! One table lists every parameter keel answers for: its keel settings,
//! plus the Redis parameters clients and tools commonly query, reported
//! with the values that describe keel's behaviour (e.g. `appendonly yes`).

use bytes::Bytes;
use keyspace::{glob, CmdError};
use parking_lot::RwLockUpgradableReadGuard;

use crate::config::{Config, Durability};
use crate::connection::Connection;
use crate::registry::ServerCommand;
use crate::store::storage_durability;

/// The handlers of CONFIG's subcommands.
pub(crate) const HANDLERS: &[ServerCommand] = &[
    ServerCommand::sync("config|get", |c, a| {
        c.config_get(&a[2..]);
        Ok(())
    }),
    ServerCommand::sync("config|set", |c, a| c.config_set(&a[2..])),
    ServerCommand::sync("config|resetstat", |c, _| {
        c.shared.stats.reset();
        c.shared.slowlog.reset();
        c.out.ok();
        Ok(())
    }),
    ServerCommand::sync("config|help", |c, _| c.config_help()),
];

type Getter = fn(&Config) -> String;
type Setter = fn(&mut Config, &str) -> Result<(), String>;

struct Param {
    name: &'static str,
    get: Getter,
    /// `None`: immutable at runtime.
    set: Option<Setter>,
}

const PARAMS: &[Param] = &[
    Param {
        name: "bind",
        get: |c| c.bind.join(" "),
        set: None,
    },
    Param {
        name: "port",
        get: |c| c.port.to_string(),
        set: None,
    },
    Param {
        name: "dir",
        get: |c| c.dir.display().to_string(),
        set: None,
    },
    Param {
        name: "databases",
        get: |c| c.databases.to_string(),
        set: None,
    },
    Param {
        name: "requirepass",
        get: |c| c.requirepass.clone().unwrap_or_default(),
        set: Some(|c, v| {
            c.requirepass = (!v.is_empty()).then(|| v.to_string());
            Ok(())
        }),
    },
    Param {
        name: "protected-mode",
        get: |c| yes_no(c.protected_mode),
        set: Some(|c, v| {
            c.protected_mode = parse_bool(v)?;
            Ok(())
        }),
    },
    Param {
        name: "maxclients",
        get: |c| c.maxclients.to_string(),
        set: Some(|c, v| {
            c.maxclients = integer(v, 1, u32::MAX.into())? as usize;
            Ok(())
        }),
    },
    Param {
        name: "timeout",
        get: |c| c.timeout.to_string(),
        set: Some(|c, v| {
            c.timeout = integer(v, 0, INT_MAX)? as u64;
            Ok(())
        }),
    },
    Param {
        name: "tcp-keepalive",
        get: |c| c.tcp_keepalive.to_string(),
        set: Some(|c, v| {
            c.tcp_keepalive = integer(v, 0, INT_MAX)? as u64;
            Ok(())
        }),
    },
    Param {
        name: "proto-max-bulk-len",
        get: |c| c.proto_max_bulk_len.to_string(),
        set: Some(|c, v| {
            c.proto_max_bulk_len = memory(v, MIN_BUFFER_LIMIT)?;
            Ok(())
        }),
    },
    Param {
        name: "client-query-buffer-limit",
        get: |c| c.client_query_buffer_limit.to_string(),
        set: Some(|c, v| {
            c.client_query_buffer_limit = memory(v, MIN_BUFFER_LIMIT)?;
            Ok(())
        }),
    },
    Param {
        name: "client-output-buffer-limit",
        get: |c| {
            let (n, p) = (
                c.client_output_buffer_limit.normal,
                c.client_output_buffer_limit.pubsub,
            );
            format!(
                "normal {} {} {} slave 268435456 67108864 60 pubsub {} {} {}",
                n.hard, n.soft, n.soft_seconds, p.hard, p.soft, p.soft_seconds
            )
        },
        set: Some(set_output_limits),
    },
    Param {
        name: "slowlog-log-slower-than",
        get: |c| c.slowlog_log_slower_than.to_string(),
        set: Some(|c, v| {
            c.slowlog_log_slower_than = integer(v, -1, i64::MAX)?;
            Ok(())
        }),
    },
    Param {
        name: "slowlog-max-len",
        get: |c| c.slowlog_max_len.to_string(),
        set: Some(|c, v| {
            c.slowlog_max_len = integer(v, 0, i64::MAX)? as usize;
            Ok(())
        }),
    },
    Param {
        name: "hz",
        get: |c| c.hz.to_string(),
        set: Some(|c, v| {
            // Redis accepts any int and clamps it to the supported range.
            c.hz = integer(v, 0, INT_MAX)?.clamp(MIN_HZ, MAX_HZ) as u32;
            Ok(())
        }),
    },
    Param {
        name: "threads",
        get: |c| c.threads.to_string(),
        set: None,
    },
    Param {
        name: "durability",
        get: |c| format!("{:?}", c.durability).to_lowercase(),
        set: Some(|c, v| {
            c.durability = match v.to_ascii_lowercase().as_str() {
                "fsync" => Durability::Fsync,
                "os" => Durability::Os,
                "memory" => Durability::Memory,
                _ => {
                    return Err(
                        "argument(s) must be one of the following: fsync, os, memory".into(),
                    )
                }
            };
            Ok(())
        }),
    },
    Param {
        name: "appendfsync",
        get: |c| c.durability.appendfsync().to_string(),
        set: Some(|c, v| {
            c.durability = Durability::from_appendfsync(v)
                .ok_or("argument(s) must be one of the following: always, everysec, no")?;
            Ok(())
        }),
    },
    Param {
        name: "appendonly",
        get: |c| yes_no(c.durability != Durability::Memory),
        set: None,
    },
    Param {
        name: "save",
        get: |_| String::new(),
        set: None,
    },
    Param {
        name: "maxmemory",
        get: |_| "0".into(),
        set: None,
    },
    Param {
        name: "maxmemory-policy",
        get: |_| "noeviction".into(),
        set: None,
    },
    Param {
        name: "hash-max-listpack-entries",
        get: |_| "128".into(),
        set: None,
    },
    Param {
        name: "hash-max-listpack-value",
        get: |_| "64".into(),
        set: None,
    },
    Param {
        name: "set-max-intset-entries",
        get: |_| "512".into(),
        set: None,
    },
    Param {
        name: "zset-max-listpack-entries",
        get: |_| "128".into(),
        set: None,
    },
    Param {
        name: "zset-max-listpack-value",
        get: |_| "64".into(),
        set: None,
    },
    Param {
        name: "list-max-listpack-size",
        get: |_| "-2".into(),
        set: None,
    },
    Param {
        name: "notify-keyspace-events",
        get: |_| String::new(),
        set: None,
    },
    Param {
        name: "cluster-enabled",
        get: |_| "no".into(),
        set: None,
    },
];

const NOT_INTEGER: &str = "argument couldn't be parsed into an integer";
const NOT_MEMORY: &str = "argument must be a memory value";
/// C's `INT_MAX`, the upper bound of Redis's int parameters.
const INT_MAX: i64 = i32::MAX as i64;
/// Smallest `proto-max-bulk-len` and `client-query-buffer-limit` (1mb).
const MIN_BUFFER_LIMIT: i64 = 1024 * 1024;
/// The `hz` range Redis clamps to.
const MIN_HZ: i64 = 1;
const MAX_HZ: i64 = 500;

impl Connection {
    fn config_help(&mut self) -> Result<(), CmdError> {
        self.help(
            "CONFIG",
            &[
                "GET <pattern>",
                "    Return parameters matching the glob-like <pattern> and their values.",
                "SET <directive> <value>",
                "    Set the configuration <directive> to <value>.",
                "RESETSTAT",
                "    Reset statistics reported by the INFO command.",
                "REWRITE",
                "    Rewrite the configuration file.",
            ],
        );
        Ok(())
    }

    fn config_get(&mut self, patterns: &[Bytes]) {
        let mut config = self.shared.config.read().clone();
        // Durability as the log applies it, not as last requested.
        config.durability = self.shared.store.durability();
        let matching: Vec<&Param> = PARAMS
            .iter()
            .filter(|p| {
                patterns
                    .iter()
                    .any(|pat| glob::matches(pat, p.name.as_bytes(), true))
            })
            .collect();
        self.out.map(matching.len());
        for param in matching {
            self.out.bulk(param.name.as_bytes());
            self.out.bulk((param.get)(&config).as_bytes());
        }
    }

    /// Applies every pair or none (Redis 7 semantics).
    ///
    /// To ensure no update is lost, the whole change (clone, modify,
    /// switch the log's durability, store) is one critical section: it
    /// holds the config's upgradable lock, which excludes other CONFIG SETs
    /// but not readers, and upgrades it to store the result.
    fn config_set(&mut self, pairs: &[Bytes]) -> Result<(), CmdError> {
        if !pairs.len().is_multiple_of(2) {
            return Err(CmdError::Arity("config|set".into()));
        }
        let current = self.shared.config.upgradable_read();
        let mut updated = current.clone();
        updated.durability = self.shared.store.durability();
        apply_pairs(&mut updated, pairs)?;
        updated
            .validate()
            .map_err(|e| CmdError::err(format!("CONFIG SET failed - {e}")))?;
        if updated.durability != self.shared.store.durability() {
            self.shared
                .store
                .engine()
                .set_durability(storage_durability(updated.durability))
                .map_err(|why| {
                    CmdError::err(format!(
                        "CONFIG SET failed (possibly related to argument 'durability') - {why}"
                    ))
                })?;
        }
        *RwLockUpgradableReadGuard::upgrade(current) = updated;
        self.out.ok();
        Ok(())
    }
}

/// Sets each `name value` pair on `config`, with Redis's errors for
/// unknown, duplicate, immutable and invalid parameters.
fn apply_pairs(config: &mut Config, pairs: &[Bytes]) -> Result<(), CmdError> {
    let mut seen = Vec::new();
    for pair in pairs.chunks(2) {
        let name = String::from_utf8_lossy(&pair[0]).to_lowercase();
        let value = String::from_utf8_lossy(&pair[1]).into_owned();
        let Some(param) = PARAMS.iter().find(|p| p.name == name) else {
            return Err(CmdError::err(format!(
                "Unknown option or number of arguments for CONFIG SET - '{name}'"
            )));
        };
        let failed = |why: &str| {
            CmdError::err(format!(
                "CONFIG SET failed (possibly related to argument '{name}') - {why}"
            ))
        };
        if seen.contains(&param.name) {
            return Err(failed("duplicate parameter"));
        }
        seen.push(param.name);
        let Some(set) = param.set else {
            return Err(failed("can't set immutable config"));
        };
        set(config, &value).map_err(|why| failed(&why))?;
    }
    Ok(())
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

fn parse_bool(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err("argument must be 'yes' or 'no'".into()),
    }
}

/// Parses an integer parameter like Redis's numeric configs: a strict
/// decimal (`string2ll`) within `min..=max`, with Redis's error texts.
fn integer(v: &str, min: i64, max: i64) -> Result<i64, String> {
    let n = resp::parse_int(v.as_bytes()).ok_or_else(|| NOT_INTEGER.to_string())?;
    within(n, min, max)
}

/// Parses a memory parameter (see [`parse_memory`]) within
/// `min..=i64::MAX` bytes, with Redis's error texts.
fn memory(v: &str, min: i64) -> Result<u64, String> {
    let bytes = parse_memory(v).ok_or_else(|| NOT_MEMORY.to_string())?;
    let bytes = i64::try_from(bytes).map_err(|_| out_of_range(min, i64::MAX))?;
    within(bytes, min, i64::MAX).map(|n| n as u64)
}

fn within(n: i64, min: i64, max: i64) -> Result<i64, String> {
    if (min..=max).contains(&n) {
        Ok(n)
    } else {
        Err(out_of_range(min, max))
    }
}

fn out_of_range(min: i64, max: i64) -> String {
    format!("argument must be between {min} and {max} inclusive")
}

/// Parses a size like Redis's `memtoull`: digits (leading zeros allowed,
/// saturating at `u64::MAX`) and an optional unit `b`, `k` (1000), `kb`
/// (1024), `m`, `mb`, `g`, `gb`, in any case. No sign, no spaces.
pub fn parse_memory(v: &str) -> Option<u64> {
    let lower = v.to_ascii_lowercase();
    let digits_end = lower
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let (digits, unit) = lower.split_at(digits_end);
    let n = if digits.is_empty() {
        0
    } else {
        digits.parse::<u64>().unwrap_or(u64::MAX)
    };
    let multiplier = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1_000_000,
        "mb" => 1024 * 1024,
        "g" => 1_000_000_000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    Some(n.saturating_mul(multiplier))
}

fn set_output_limits(c: &mut Config, v: &str) -> Result<(), String> {
    let words: Vec<&str> = v.split_whitespace().collect();
    if words.is_empty() || !words.len().is_multiple_of(4) {
        return Err("Wrong number of arguments in buffer limit configuration.".into());
    }
    for class in words.chunks(4) {
        let limit = buffer_limit(&class[1..])
            .ok_or("Error in hard, soft or soft_seconds setting in buffer limit configuration.")?;
        match class[0].to_ascii_lowercase().as_str() {
            "normal" => c.client_output_buffer_limit.normal = limit,
            "pubsub" => c.client_output_buffer_limit.pubsub = limit,
            "slave" | "replica" => {}
            _ => {
                return Err("Invalid client class specified in buffer limit configuration.".into())
            }
        }
    }
    Ok(())
}

/// One class's `hard soft soft_seconds`: two memory values and seconds in
/// `0..=INT_MAX` (Redis keeps them in an int).
fn buffer_limit(words: &[&str]) -> Option<crate::config::BufferLimit> {
    let soft_seconds = words[2].parse::<u64>().ok()?;
    (soft_seconds <= INT_MAX as u64).then_some(())?;
    Some(crate::config::BufferLimit {
        hard: parse_memory(words[0])?,
        soft: parse_memory(words[1])?,
        soft_seconds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_units() {
        assert_eq!(parse_memory("100"), Some(100));
        assert_eq!(parse_memory("1k"), Some(1000));
        assert_eq!(parse_memory("1KB"), Some(1024));
        assert_eq!(parse_memory("02gb"), Some(2 * 1024 * 1024 * 1024));
        assert_eq!(parse_memory("99999999999999999999"), Some(u64::MAX));
        assert_eq!(parse_memory("x"), None);
        assert_eq!(parse_memory("1tb"), None);
        assert_eq!(parse_memory("-1"), None);
        assert_eq!(parse_memory("+1"), None);
    }

    #[test]
    fn every_param_reads() {
        let config = Config::default();
        for p in PARAMS {
            let value = (p.get)(&config);
            if let Some(set) = p.set {
                let mut c = config.clone();
                if p.name != "client-output-buffer-limit" {
                    assert!(
                        set(&mut c, &value).is_ok() || value.is_empty(),
                        "{} round trip",
                        p.name
                    );
                }
            }
        }
    }
}
