//! CONFIG GET/SET/RESETSTAT.
//!
//! One table lists every parameter keel answers for: its keel settings,
//! plus the Redis parameters clients and tools commonly query, reported
//! with the values that describe keel's behaviour (e.g. `appendonly yes`).

use bytes::Bytes;
use keyspace::{glob, CmdError};

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
            c.maxclients = parse_number(v, 1)? as usize;
            Ok(())
        }),
    },
    Param {
        name: "timeout",
        get: |c| c.timeout.to_string(),
        set: Some(|c, v| {
            c.timeout = parse_number(v, 0)?;
            Ok(())
        }),
    },
    Param {
        name: "tcp-keepalive",
        get: |c| c.tcp_keepalive.to_string(),
        set: Some(|c, v| {
            c.tcp_keepalive = parse_number(v, 0)?;
            Ok(())
        }),
    },
    Param {
        name: "proto-max-bulk-len",
        get: |c| c.proto_max_bulk_len.to_string(),
        set: Some(|c, v| {
            c.proto_max_bulk_len = parse_memory(v, 1024 * 1024)?;
            Ok(())
        }),
    },
    Param {
        name: "client-query-buffer-limit",
        get: |c| c.client_query_buffer_limit.to_string(),
        set: Some(|c, v| {
            c.client_query_buffer_limit = parse_memory(v, 1024 * 1024)?;
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
            c.slowlog_log_slower_than = v.parse().map_err(|_| NOT_INTEGER.to_string())?;
            Ok(())
        }),
    },
    Param {
        name: "slowlog-max-len",
        get: |c| c.slowlog_max_len.to_string(),
        set: Some(|c, v| {
            c.slowlog_max_len = parse_number(v, 0)? as usize;
            Ok(())
        }),
    },
    Param {
        name: "hz",
        get: |c| c.hz.to_string(),
        set: Some(|c, v| {
            c.hz = parse_number(v, 1)?.min(500) as u32;
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
        let config = self.shared.config.read().clone();
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
    fn config_set(&mut self, pairs: &[Bytes]) -> Result<(), CmdError> {
        if !pairs.len().is_multiple_of(2) {
            return Err(CmdError::Arity("config|set".into()));
        }
        let mut updated = self.shared.config.read().clone();
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
            set(&mut updated, &value).map_err(|why| failed(&why))?;
        }
        updated
            .validate()
            .map_err(|e| CmdError::err(format!("CONFIG SET failed - {e}")))?;
        if updated.durability != self.shared.config.read().durability {
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
        *self.shared.config.write() = updated;
        self.out.ok();
        Ok(())
    }
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

fn parse_number(v: &str, min: u64) -> Result<u64, String> {
    let n: u64 = v.parse().map_err(|_| NOT_INTEGER.to_string())?;
    if n < min {
        return Err(format!("argument must be at least {min}"));
    }
    Ok(n)
}

/// Parses a size like Redis: `100`, `1k` (1000), `1kb` (1024), `mb`, `gb`.
pub fn parse_memory(v: &str, min: u64) -> Result<u64, String> {
    let lower = v.to_ascii_lowercase();
    let digits_end = lower
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let (digits, unit) = lower.split_at(digits_end);
    let n: u64 = digits.parse().map_err(|_| NOT_INTEGER.to_string())?;
    let multiplier = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1_000_000,
        "mb" => 1024 * 1024,
        "g" => 1_000_000_000,
        "gb" => 1024 * 1024 * 1024,
        _ => return Err(NOT_INTEGER.to_string()),
    };
    let bytes = n
        .checked_mul(multiplier)
        .ok_or_else(|| NOT_INTEGER.to_string())?;
    if bytes < min {
        return Err(format!("argument must be at least {min}"));
    }
    Ok(bytes)
}

fn set_output_limits(c: &mut Config, v: &str) -> Result<(), String> {
    let words: Vec<&str> = v.split_whitespace().collect();
    if !words.len().is_multiple_of(4) {
        return Err("Wrong number of arguments in buffer limit configuration.".into());
    }
    for class in words.chunks(4) {
        let limit = crate::config::BufferLimit {
            hard: parse_memory(class[1], 0)?,
            soft: parse_memory(class[2], 0)?,
            soft_seconds: parse_number(class[3], 0)?,
        };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_units() {
        assert_eq!(parse_memory("100", 0), Ok(100));
        assert_eq!(parse_memory("1k", 0), Ok(1000));
        assert_eq!(parse_memory("1KB", 0), Ok(1024));
        assert_eq!(parse_memory("2gb", 0), Ok(2 * 1024 * 1024 * 1024));
        assert!(parse_memory("x", 0).is_err());
        assert!(parse_memory("1tb", 0).is_err());
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
