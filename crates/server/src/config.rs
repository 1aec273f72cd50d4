//! Server configuration: one struct with defaults, loadable from TOML,
//! overridable by command-line flags and (where Redis allows it) by
//! `CONFIG SET`. `keel.example.toml` documents every key; a test keeps it
//! equal to the defaults.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// What an acknowledged write survives (see docs/design/architecture.md §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Durability {
    /// fsync before replying: survives kill -9 and power loss.
    Fsync,
    /// Written to the OS before replying, fsynced every second: survives a
    /// process crash.
    Os,
    /// No disk at all: a cache; data is lost on restart.
    Memory,
}

impl Durability {
    /// The `appendfsync` value Redis clients expect for this mode.
    pub fn appendfsync(self) -> &'static str {
        match self {
            Durability::Fsync => "always",
            Durability::Os => "everysec",
            Durability::Memory => "no",
        }
    }

    /// The mode for a Redis `appendfsync` value.
    pub fn from_appendfsync(value: &str) -> Option<Durability> {
        match value.to_ascii_lowercase().as_str() {
            "always" => Some(Durability::Fsync),
            "everysec" => Some(Durability::Os),
            "no" => Some(Durability::Memory),
            _ => None,
        }
    }
}

/// `maxmemory-policy`: which keys make room when `maxmemory` is reached.
/// Stored for the eviction work; keel does not evict yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MaxmemoryPolicy {
    VolatileLru,
    VolatileLfu,
    VolatileRandom,
    VolatileTtl,
    AllkeysLru,
    AllkeysLfu,
    AllkeysRandom,
    Noeviction,
}

impl MaxmemoryPolicy {
    /// Every policy, in Redis's order (the order of its error text; the
    /// names are serde's kebab-case ones).
    pub const ALL: [MaxmemoryPolicy; 8] = [
        MaxmemoryPolicy::VolatileLru,
        MaxmemoryPolicy::VolatileLfu,
        MaxmemoryPolicy::VolatileRandom,
        MaxmemoryPolicy::VolatileTtl,
        MaxmemoryPolicy::AllkeysLru,
        MaxmemoryPolicy::AllkeysLfu,
        MaxmemoryPolicy::AllkeysRandom,
        MaxmemoryPolicy::Noeviction,
    ];
}

/// One class of `client-output-buffer-limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct BufferLimit {
    /// Disconnect as soon as pending output exceeds this many bytes (0: no limit).
    pub hard: u64,
    /// Disconnect when pending output stays above this many bytes ...
    pub soft: u64,
    /// ... for this many seconds.
    pub soft_seconds: u64,
}

/// `client-output-buffer-limit` for normal and pub/sub clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct OutputLimits {
    pub normal: BufferLimit,
    pub pubsub: BufferLimit,
}

/// The whole server configuration.
///
/// Every field except `file` is a TOML key named like its `CONFIG`
/// parameter; src/params.rs is the one table that parses, validates and
/// renders them for `CONFIG GET/SET`, for the file and for `CONFIG REWRITE`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct Config {
    /// The TOML file this configuration was loaded from (the target of
    /// `CONFIG REWRITE`); not itself a setting.
    #[serde(skip)]
    pub file: Option<PathBuf>,
    /// Addresses to listen on.
    pub bind: Vec<String>,
    /// TCP port (0 picks a free one).
    pub port: u16,
    /// Data directory (log segments, snapshots).
    pub dir: PathBuf,
    /// Password of the `default` user; clients must AUTH when set.
    pub requirepass: Option<String>,
    /// Refuse non-loopback clients while no password is set.
    pub protected_mode: bool,
    /// Most simultaneous clients.
    pub maxclients: usize,
    /// Number of databases (SELECT 0 .. databases-1).
    pub databases: usize,
    /// Close connections idle for this many seconds (0: never).
    pub timeout: u64,
    /// TCP keepalive interval in seconds (0: off).
    pub tcp_keepalive: u64,
    /// Largest bulk string a client may send.
    pub proto_max_bulk_len: u64,
    /// Largest query buffer of one client before it is disconnected.
    pub client_query_buffer_limit: u64,
    /// Output buffer limits (slow readers are disconnected).
    pub client_output_buffer_limit: OutputLimits,
    /// Log commands slower than this many microseconds (negative: off).
    pub slowlog_log_slower_than: i64,
    /// Entries kept in the slow log.
    pub slowlog_max_len: usize,
    /// Durability of acknowledged writes.
    pub durability: Durability,
    /// Size of each write-ahead log segment file.
    pub log_segment_bytes: u64,
    /// Take a snapshot (and purge the log) after this many log entries.
    pub snapshot_entries: u64,
    /// ... or after the log grew by this many bytes.
    pub snapshot_bytes: u64,
    /// Background task frequency per second (active expiry).
    pub hz: u32,
    /// Threads that serve connections (0: one per CPU core).
    pub threads: usize,
    /// Log filter (tracing-subscriber syntax, e.g. "info" or "server=debug").
    pub log_level: String,
    /// Redis's `save` points (`seconds changes` pairs); accepted and
    /// reported, keel snapshots by `snapshot-entries`/`snapshot-bytes`.
    pub save: String,
    /// Memory limit in bytes (0: none). Stored; not acted on yet.
    pub maxmemory: u64,
    pub maxmemory_policy: MaxmemoryPolicy,
    pub maxmemory_samples: u32,
    pub maxmemory_eviction_tenacity: u32,
    pub lfu_log_factor: u32,
    pub lfu_decay_time: u32,
    /// Encoding thresholds (stored for the encoding work; not acted on yet).
    pub hash_max_listpack_entries: u64,
    pub hash_max_listpack_value: u64,
    pub zset_max_listpack_entries: u64,
    pub zset_max_listpack_value: u64,
    pub set_max_intset_entries: u64,
    pub list_max_listpack_size: i32,
    pub list_compress_depth: u32,
    /// Milliseconds before a busy script lets other clients get `BUSY`.
    pub busy_reply_threshold: u64,
    pub latency_monitor_threshold: u64,
    pub latency_tracking: bool,
    pub latency_tracking_info_percentiles: Vec<f64>,
    /// Keyspace notification classes as set (a valid class string; see
    /// [`keyspace_events`]). Stored; no notifications are sent yet.
    pub notify_keyspace_events: String,
    pub tracking_table_max_keys: u64,
    pub lazyfree_lazy_eviction: bool,
    pub lazyfree_lazy_expire: bool,
    pub lazyfree_lazy_server_del: bool,
    pub lazyfree_lazy_user_del: bool,
    pub lazyfree_lazy_user_flush: bool,
    pub dynamic_hz: bool,
    pub active_expire_effort: u32,
    /// Redis parameters that mean nothing in keel, as last set (canonical
    /// text by parameter name; unset ones report Redis's default).
    pub no_op: BTreeMap<String, String>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            file: None,
            bind: vec!["127.0.0.1".to_string()],
            port: 6379,
            dir: PathBuf::from("data"),
            requirepass: None,
            protected_mode: true,
            maxclients: 10_000,
            databases: 16,
            timeout: 0,
            tcp_keepalive: 300,
            proto_max_bulk_len: 512 * 1024 * 1024,
            client_query_buffer_limit: 1024 * 1024 * 1024,
            client_output_buffer_limit: OutputLimits {
                normal: BufferLimit {
                    hard: 0,
                    soft: 0,
                    soft_seconds: 0,
                },
                pubsub: BufferLimit {
                    hard: 32 * 1024 * 1024,
                    soft: 8 * 1024 * 1024,
                    soft_seconds: 60,
                },
            },
            slowlog_log_slower_than: 10_000,
            slowlog_max_len: 128,
            durability: Durability::Fsync,
            log_segment_bytes: 64 * 1024 * 1024,
            snapshot_entries: 1_000_000,
            snapshot_bytes: 256 * 1024 * 1024,
            hz: 10,
            threads: 0,
            log_level: "info".to_string(),
            save: "3600 1 300 100 60 10000".to_string(),
            maxmemory: 0,
            maxmemory_policy: MaxmemoryPolicy::Noeviction,
            maxmemory_samples: 5,
            maxmemory_eviction_tenacity: 10,
            lfu_log_factor: 10,
            lfu_decay_time: 1,
            hash_max_listpack_entries: 128,
            hash_max_listpack_value: 64,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            set_max_intset_entries: 512,
            list_max_listpack_size: -2,
            list_compress_depth: 0,
            busy_reply_threshold: 5000,
            latency_monitor_threshold: 0,
            latency_tracking: true,
            latency_tracking_info_percentiles: vec![50.0, 99.0, 99.9],
            notify_keyspace_events: String::new(),
            tracking_table_max_keys: 1_000_000,
            lazyfree_lazy_eviction: false,
            lazyfree_lazy_expire: false,
            lazyfree_lazy_server_del: false,
            lazyfree_lazy_user_del: false,
            lazyfree_lazy_user_flush: false,
            dynamic_hz: true,
            active_expire_effort: 1,
            no_op: BTreeMap::new(),
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {source}")]
    Parse {
        path: PathBuf,
        source: Box<toml::de::Error>,
    },
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// Loads a TOML file; keys it does not set keep their defaults.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let config: Config = toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_path_buf(),
            source: Box::new(source),
        })?;
        config.validate()?;
        Ok(Config {
            file: Some(path.to_path_buf()),
            ..config
        })
    }

    /// Checks values that serde cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |msg: &str| Err(ConfigError::Invalid(msg.to_string()));
        if self.bind.is_empty() {
            return invalid("bind needs at least one address");
        }
        // Every CONFIG parameter within its range (Redis's; they also keep
        // every deadline computed from a setting representable).
        crate::params::check(self).map_err(ConfigError::Invalid)?;
        if self.log_segment_bytes < 4096 {
            return invalid("log-segment-bytes must be at least 4096");
        }
        Ok(())
    }
}

/// Keyspace notification classes (`notify-keyspace-events`), Redis's bits.
pub mod keyspace_events {
    pub const KEYSPACE: u16 = 1 << 0;
    pub const KEYEVENT: u16 = 1 << 1;
    pub const GENERIC: u16 = 1 << 2;
    pub const STRING: u16 = 1 << 3;
    pub const LIST: u16 = 1 << 4;
    pub const SET: u16 = 1 << 5;
    pub const HASH: u16 = 1 << 6;
    pub const ZSET: u16 = 1 << 7;
    pub const EXPIRED: u16 = 1 << 8;
    pub const EVICTED: u16 = 1 << 9;
    pub const STREAM: u16 = 1 << 10;
    pub const KEY_MISS: u16 = 1 << 11;
    pub const MODULE: u16 = 1 << 12;
    pub const NEW: u16 = 1 << 13;
    /// `A`: every class but key-miss and new.
    pub const ALL: u16 =
        GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;

    /// Letters in the order Redis renders them (after `A`), with their bits.
    const CLASSES: [(char, u16); 11] = [
        ('g', GENERIC),
        ('$', STRING),
        ('l', LIST),
        ('s', SET),
        ('h', HASH),
        ('z', ZSET),
        ('x', EXPIRED),
        ('e', EVICTED),
        ('t', STREAM),
        ('d', MODULE),
        ('n', NEW),
    ];
    const FLAGS: [(char, u16); 3] = [('K', KEYSPACE), ('E', KEYEVENT), ('m', KEY_MISS)];

    /// The bits of a class string like Redis's parser, `None` for a letter
    /// it does not know.
    pub fn parse(classes: &str) -> Option<u16> {
        classes.chars().try_fold(0, |bits, c| {
            let bit = match c {
                'A' => ALL,
                _ => {
                    CLASSES
                        .iter()
                        .chain(FLAGS.iter())
                        .find(|(letter, _)| *letter == c)?
                        .1
                }
            };
            Some(bits | bit)
        })
    }

    /// Redis's canonical spelling of `bits`.
    pub fn render(bits: u16) -> String {
        let mut out = String::new();
        if bits & ALL == ALL {
            // Like Redis 7.0, `A` hides `n`.
            out.push('A');
        } else {
            out.extend(
                CLASSES
                    .iter()
                    .filter(|(_, b)| bits & b != 0)
                    .map(|(c, _)| c),
            );
        }
        out.extend(FLAGS.iter().filter(|(_, b)| bits & b != 0).map(|(c, _)| c));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_file_matches_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../keel.example.toml");
        let mut example = Config::load(&path).expect("keel.example.toml must parse");
        assert_eq!(example.file.as_deref(), Some(path.as_path()));
        example.file = None;
        assert_eq!(
            example,
            Config::default(),
            "keel.example.toml must show every default"
        );
        let text = std::fs::read_to_string(&path).expect("read example");
        let table: toml::Table = toml::from_str(&text).expect("toml");
        let defaults = toml::Table::try_from(Config::default()).expect("serialize defaults");
        for key in defaults.keys() {
            assert!(
                table.contains_key(key),
                "keel.example.toml does not document `{key}`"
            );
        }
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let err = toml::from_str::<Config>("prot = 1").unwrap_err();
        assert!(err.to_string().contains("unknown field"), "{err}");
    }

    #[test]
    fn validation() {
        let mut config = Config::default();
        assert!(config.validate().is_ok());
        config.databases = 0;
        assert!(config.validate().is_err());
        let mut config = Config {
            timeout: i32::MAX as u64 + 1,
            ..Config::default()
        };
        assert!(config.validate().is_err());
        config.timeout = i32::MAX as u64;
        config.client_output_buffer_limit.pubsub.soft_seconds = u64::MAX;
        assert!(config.validate().is_err());
    }

    #[test]
    fn appendfsync_mapping() {
        for mode in [Durability::Fsync, Durability::Os, Durability::Memory] {
            assert_eq!(Durability::from_appendfsync(mode.appendfsync()), Some(mode));
        }
    }
}
