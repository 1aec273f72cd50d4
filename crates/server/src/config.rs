//! Server configuration: one struct with defaults, loadable from TOML,
//! overridable by command-line flags and (where Redis allows it) by
//! `CONFIG SET`. `keel.example.toml` documents every key; a test keeps it
//! equal to the defaults.

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct Config {
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
}

impl Default for Config {
    fn default() -> Config {
        Config {
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
        }
    }
}

/// C's `INT_MAX`: Redis keeps `timeout`, `tcp-keepalive` and soft-limit
/// seconds in an int.
const INT_MAX: u64 = i32::MAX as u64;
/// Smallest `proto-max-bulk-len` and `client-query-buffer-limit` (1mb).
const MIN_BUFFER_LIMIT: u64 = 1024 * 1024;

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
        Ok(config)
    }

    /// Checks values that serde cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |msg: &str| Err(ConfigError::Invalid(msg.to_string()));
        if self.bind.is_empty() {
            return invalid("bind needs at least one address");
        }
        if !(1..=1_000_000).contains(&self.databases) {
            return invalid("databases must be between 1 and 1000000");
        }
        if !(1..=u32::MAX as usize).contains(&self.maxclients) {
            return invalid("maxclients must be between 1 and 4294967295");
        }
        // Redis's ranges; they also keep every deadline computed from a
        // setting representable.
        if self.timeout > INT_MAX || self.tcp_keepalive > INT_MAX {
            return invalid("timeout and tcp-keepalive must be between 0 and 2147483647");
        }
        let limits = self.client_output_buffer_limit;
        if limits.normal.soft_seconds > INT_MAX || limits.pubsub.soft_seconds > INT_MAX {
            return invalid("soft-seconds must be between 0 and 2147483647");
        }
        if self.slowlog_log_slower_than < -1 || self.slowlog_max_len > i64::MAX as usize {
            return invalid("slowlog-log-slower-than must be at least -1, slowlog-max-len at most 9223372036854775807");
        }
        if !(MIN_BUFFER_LIMIT..=i64::MAX as u64).contains(&self.proto_max_bulk_len) {
            return invalid("proto-max-bulk-len must be between 1mb and 9223372036854775807");
        }
        if !(MIN_BUFFER_LIMIT..=i64::MAX as u64).contains(&self.client_query_buffer_limit) {
            return invalid(
                "client-query-buffer-limit must be between 1mb and 9223372036854775807",
            );
        }
        if self.log_segment_bytes < 4096 {
            return invalid("log-segment-bytes must be at least 4096");
        }
        if !(1..=500).contains(&self.hz) {
            return invalid("hz must be between 1 and 500");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_file_matches_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../keel.example.toml");
        let example = Config::load(&path).expect("keel.example.toml must parse");
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
