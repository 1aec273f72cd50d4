//! The one table of `CONFIG` parameters: name, aliases, value type with
//! Redis 7.0's range or enum, mutability, and where the value lives.
//!
//! To ensure `CONFIG GET`, `CONFIG SET`, the TOML file and `CONFIG
//! REWRITE` agree, every parameter is parsed, validated and rendered here
//! and nowhere else: typed parameters ([`Kind::Typed`]) go through one
//! [`Check`] (Redis's parser and error text for the type) and a [`Field`]
//! of [`Config`]; the few with a syntax of their own are [`Kind::Custom`];
//! Redis parameters that mean nothing in keel are [`Kind::NoOp`] (validated
//! like Redis, remembered in `Config::no_op`, otherwise ignored).

use crate::config::{keyspace_events, BufferLimit, Config, Durability, MaxmemoryPolicy};

/// One parameter.
pub(crate) struct Param {
    pub name: &'static str,
    /// Other names (Redis's old ziplist names, `lua-time-limit`).
    pub aliases: &'static [&'static str],
    /// Settable by `CONFIG SET`.
    pub mutable: bool,
    pub kind: Kind,
}

/// How a parameter's value is parsed, stored and rendered.
pub(crate) enum Kind {
    /// A value of one of Redis's config types, stored in `Config`.
    Typed(Check, Field),
    /// A syntax of its own; `set` is `None` for read-only reports.
    Custom {
        get: fn(&Config) -> String,
        set: Option<Setter>,
    },
    /// Accepted and remembered; keel has nothing it would change.
    NoOp { check: Check, default: &'static str },
}

/// Parses a value into the configuration, or says why not.
type Setter = fn(&mut Config, &str) -> Result<(), String>;

/// A Redis config type with its bounds.
#[derive(Clone, Copy)]
pub(crate) enum Check {
    /// `yes` / `no`.
    Bool,
    /// A strict decimal within `min..=max`.
    Int(i64, i64),
    /// A size with units (see [`parse_memory`]) of at least `min` bytes,
    /// at most `i64::MAX` (or `u64::MAX` when `full` is set).
    Memory { min: u64, full: bool },
    /// One of these names, case-insensitive, each with its value; a value
    /// two names share renders as the first (Redis's enum configs).
    Enum(&'static [(&'static str, i64)]),
}

/// Where a typed value lives: bools as 0/1, enums as their index, sizes
/// as the bits of a `u64`.
pub(crate) struct Field {
    get: fn(&Config) -> i64,
    set: fn(&mut Config, i64),
}

macro_rules! num {
    ($f:ident) => {
        Field {
            get: |c| c.$f as i64,
            set: |c, n| c.$f = n as _,
        }
    };
}
macro_rules! flag {
    ($f:ident) => {
        Field {
            get: |c| i64::from(c.$f),
            set: |c, n| c.$f = n != 0,
        }
    };
}

const fn typed(name: &'static str, check: Check, field: Field) -> Param {
    Param {
        name,
        aliases: &[],
        mutable: true,
        kind: Kind::Typed(check, field),
    }
}

const fn aliased(
    name: &'static str,
    alias: &'static [&'static str],
    check: Check,
    field: Field,
) -> Param {
    Param {
        name,
        aliases: alias,
        mutable: true,
        kind: Kind::Typed(check, field),
    }
}

const fn fixed(name: &'static str, get: fn(&Config) -> String) -> Param {
    Param {
        name,
        aliases: &[],
        mutable: false,
        kind: Kind::Custom { get, set: None },
    }
}

const fn custom(name: &'static str, get: fn(&Config) -> String, set: Setter) -> Param {
    Param {
        name,
        aliases: &[],
        mutable: true,
        kind: Kind::Custom {
            get,
            set: Some(set),
        },
    }
}

const fn no_op(name: &'static str, check: Check, default: &'static str) -> Param {
    Param {
        name,
        aliases: &[],
        mutable: true,
        kind: Kind::NoOp { check, default },
    }
}

/// C's `INT_MAX` and `LONG_MAX`, the bounds of Redis's int and size_t
/// parameters.
const INT_MAX: i64 = i32::MAX as i64;
const LONG_MAX: i64 = i64::MAX;
const INT: Check = Check::Int(0, INT_MAX);
const SIZE: Check = Check::Int(0, LONG_MAX);
/// A size_t that Redis parses as a memory value.
const SIZE_MEMORY: Check = Check::Memory {
    min: 0,
    full: false,
};
/// Smallest `proto-max-bulk-len` and `client-query-buffer-limit` (1mb).
const MIN_BUFFER_LIMIT: u64 = 1024 * 1024;
const DURABILITY: &[(&str, i64)] = &[("fsync", 0), ("os", 1), ("memory", 2)];
/// `appendfsync`'s values, the same modes as [`DURABILITY`].
const APPENDFSYNC: &[(&str, i64)] = &[("always", 0), ("everysec", 1), ("no", 2)];
/// Index for index with [`MaxmemoryPolicy::ALL`].
const POLICIES: &[(&str, i64)] = &[
    ("volatile-lru", 0),
    ("volatile-lfu", 1),
    ("volatile-random", 2),
    ("volatile-ttl", 3),
    ("allkeys-lru", 4),
    ("allkeys-lfu", 5),
    ("allkeys-random", 6),
    ("noeviction", 7),
];
const OOM_SCORE_ADJ: &[(&str, i64)] = &[("no", 0), ("yes", 1), ("relative", 1), ("absolute", 2)];

/// Every parameter keel answers for.
pub(crate) const PARAMS: &[Param] = &[
    fixed("bind", |c| c.bind.join(" ")),
    fixed("port", |c| c.port.to_string()),
    fixed("dir", |c| c.dir.display().to_string()),
    fixed("threads", |c| c.threads.to_string()),
    fixed("cluster-enabled", |_| "no".into()),
    Param {
        mutable: false,
        ..typed("databases", Check::Int(1, 1_000_000), num!(databases))
    },
    custom(
        "requirepass",
        |c| c.requirepass.clone().unwrap_or_default(),
        |c, v| {
            c.requirepass = (!v.is_empty()).then(|| v.to_string());
            Ok(())
        },
    ),
    typed("protected-mode", Check::Bool, flag!(protected_mode)),
    typed(
        "maxclients",
        Check::Int(1, u32::MAX as i64),
        num!(maxclients),
    ),
    typed("timeout", INT, num!(timeout)),
    typed("tcp-keepalive", INT, num!(tcp_keepalive)),
    typed(
        "proto-max-bulk-len",
        Check::Memory {
            min: MIN_BUFFER_LIMIT,
            full: false,
        },
        num!(proto_max_bulk_len),
    ),
    typed(
        "client-query-buffer-limit",
        Check::Memory {
            min: MIN_BUFFER_LIMIT,
            full: false,
        },
        num!(client_query_buffer_limit),
    ),
    custom(
        "client-output-buffer-limit",
        get_output_limits,
        set_output_limits,
    ),
    typed(
        "slowlog-log-slower-than",
        Check::Int(-1, i64::MAX),
        num!(slowlog_log_slower_than),
    ),
    typed("slowlog-max-len", SIZE, num!(slowlog_max_len)),
    custom("hz", |c| c.hz.to_string(), set_hz),
    typed("dynamic-hz", Check::Bool, flag!(dynamic_hz)),
    typed(
        "active-expire-effort",
        Check::Int(1, 10),
        num!(active_expire_effort),
    ),
    typed("durability", Check::Enum(DURABILITY), durability()),
    typed("appendfsync", Check::Enum(APPENDFSYNC), durability()),
    custom(
        "appendonly",
        |c| yes_no(c.durability != Durability::Memory),
        set_appendonly,
    ),
    custom("save", |c| c.save.clone(), set_save),
    typed(
        "maxmemory",
        Check::Memory { min: 0, full: true },
        num!(maxmemory),
    ),
    typed(
        "maxmemory-policy",
        Check::Enum(POLICIES),
        Field {
            get: |c| c.maxmemory_policy as i64,
            set: |c, n| c.maxmemory_policy = MaxmemoryPolicy::ALL[n as usize],
        },
    ),
    typed(
        "maxmemory-samples",
        Check::Int(1, INT_MAX),
        num!(maxmemory_samples),
    ),
    typed(
        "maxmemory-eviction-tenacity",
        Check::Int(0, 100),
        num!(maxmemory_eviction_tenacity),
    ),
    typed("lfu-log-factor", INT, num!(lfu_log_factor)),
    typed("lfu-decay-time", INT, num!(lfu_decay_time)),
    aliased(
        "hash-max-listpack-entries",
        &["hash-max-ziplist-entries"],
        SIZE,
        num!(hash_max_listpack_entries),
    ),
    aliased(
        "hash-max-listpack-value",
        &["hash-max-ziplist-value"],
        SIZE_MEMORY,
        num!(hash_max_listpack_value),
    ),
    aliased(
        "zset-max-listpack-entries",
        &["zset-max-ziplist-entries"],
        SIZE,
        num!(zset_max_listpack_entries),
    ),
    aliased(
        "zset-max-listpack-value",
        &["zset-max-ziplist-value"],
        SIZE_MEMORY,
        num!(zset_max_listpack_value),
    ),
    typed("set-max-intset-entries", SIZE, num!(set_max_intset_entries)),
    aliased(
        "list-max-listpack-size",
        &["list-max-ziplist-size"],
        Check::Int(i32::MIN as i64, INT_MAX),
        num!(list_max_listpack_size),
    ),
    typed("list-compress-depth", INT, num!(list_compress_depth)),
    aliased(
        "busy-reply-threshold",
        &["lua-time-limit"],
        SIZE,
        num!(busy_reply_threshold),
    ),
    typed(
        "latency-monitor-threshold",
        SIZE,
        num!(latency_monitor_threshold),
    ),
    typed("latency-tracking", Check::Bool, flag!(latency_tracking)),
    custom(
        "latency-tracking-info-percentiles",
        get_percentiles,
        set_percentiles,
    ),
    custom(
        "notify-keyspace-events",
        |c| keyspace_events::render(keyspace_events::parse(&c.notify_keyspace_events).unwrap_or(0)),
        set_keyspace_events,
    ),
    typed(
        "tracking-table-max-keys",
        SIZE,
        num!(tracking_table_max_keys),
    ),
    typed(
        "lazyfree-lazy-eviction",
        Check::Bool,
        flag!(lazyfree_lazy_eviction),
    ),
    typed(
        "lazyfree-lazy-expire",
        Check::Bool,
        flag!(lazyfree_lazy_expire),
    ),
    typed(
        "lazyfree-lazy-server-del",
        Check::Bool,
        flag!(lazyfree_lazy_server_del),
    ),
    typed(
        "lazyfree-lazy-user-del",
        Check::Bool,
        flag!(lazyfree_lazy_user_del),
    ),
    typed(
        "lazyfree-lazy-user-flush",
        Check::Bool,
        flag!(lazyfree_lazy_user_flush),
    ),
    no_op("activedefrag", Check::Bool, "no"),
    no_op("activerehashing", Check::Bool, "yes"),
    no_op("aof-rewrite-incremental-fsync", Check::Bool, "yes"),
    no_op("aof-use-rdb-preamble", Check::Bool, "yes"),
    no_op(
        "auto-aof-rewrite-min-size",
        Check::Memory {
            min: 0,
            full: false,
        },
        "67108864",
    ),
    no_op("auto-aof-rewrite-percentage", INT, "100"),
    no_op("jemalloc-bg-thread", Check::Bool, "yes"),
    no_op("no-appendfsync-on-rewrite", Check::Bool, "no"),
    no_op("oom-score-adj", Check::Enum(OOM_SCORE_ADJ), "no"),
    no_op("rdb-save-incremental-fsync", Check::Bool, "yes"),
    Param {
        mutable: false,
        ..no_op("rdbchecksum", Check::Bool, "yes")
    },
    no_op("rdbcompression", Check::Bool, "yes"),
    no_op("stop-writes-on-bgsave-error", Check::Bool, "yes"),
];

const fn durability() -> Field {
    Field {
        get: |c| c.durability as i64,
        set: |c, n| {
            c.durability = [Durability::Fsync, Durability::Os, Durability::Memory][n as usize]
        },
    }
}

/// The parameter called `name` (or an alias of it).
pub(crate) fn find(name: &str) -> Option<&'static Param> {
    PARAMS
        .iter()
        .find(|p| p.name == name || p.aliases.contains(&name))
}

impl Param {
    /// The value as `CONFIG GET` shows it.
    pub fn render(&self, config: &Config) -> String {
        match &self.kind {
            Kind::Typed(check, field) => check.render((field.get)(config)),
            Kind::Custom { get, .. } => get(config),
            Kind::NoOp { default, .. } => config
                .no_op
                .get(self.name)
                .cloned()
                .unwrap_or_else(|| default.to_string()),
        }
    }

    /// Parses `value` and stores it in `config`, with Redis's error text
    /// (without the `CONFIG SET failed` prefix). Ignores mutability.
    pub fn set(&self, config: &mut Config, value: &str) -> Result<(), String> {
        match &self.kind {
            Kind::Typed(check, field) => {
                (field.set)(config, check.parse(value)?);
            }
            Kind::Custom { set: Some(set), .. } => set(config, value)?,
            Kind::Custom { set: None, .. } => return Err("can't set immutable config".into()),
            Kind::NoOp { check, .. } => {
                let canonical = check.render(check.parse(value)?);
                config.no_op.insert(self.name.to_string(), canonical);
            }
        }
        Ok(())
    }
}

impl Check {
    fn parse(self, v: &str) -> Result<i64, String> {
        match self {
            Check::Bool => match v.to_ascii_lowercase().as_str() {
                "yes" => Ok(1),
                "no" => Ok(0),
                _ => Err("argument must be 'yes' or 'no'".into()),
            },
            Check::Int(min, max) => {
                let n = resp::parse_int(v.as_bytes())
                    .ok_or("argument couldn't be parsed into an integer")?;
                within(n, min, max)
            }
            Check::Memory { min, full } => {
                let bytes = parse_memory(v).ok_or("argument must be a memory value")?;
                let max = if full { u64::MAX } else { i64::MAX as u64 };
                if (min..=max).contains(&bytes) {
                    Ok(bytes as i64)
                } else {
                    Err(format!(
                        "argument must be between {min} and {max} inclusive"
                    ))
                }
            }
            Check::Enum(names) => names
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(v))
                .map(|(_, value)| *value)
                .ok_or_else(|| {
                    let names: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
                    format!(
                        "argument(s) must be one of the following: {}",
                        names.join(", ")
                    )
                }),
        }
    }

    fn render(self, n: i64) -> String {
        match self {
            Check::Bool => yes_no(n != 0),
            Check::Int(..) => n.to_string(),
            Check::Memory { .. } => (n as u64).to_string(),
            Check::Enum(names) => names
                .iter()
                .find(|(_, value)| *value == n)
                .map_or_else(String::new, |(name, _)| name.to_string()),
        }
    }
}

/// Checks that every value in `config` is one `CONFIG SET` would accept
/// (for values read from the TOML file), naming the first that is not.
pub(crate) fn check(config: &Config) -> Result<(), String> {
    let invalid = |name: &str, why: String| format!("{name}: {why}");
    for param in PARAMS {
        if let Kind::Typed(check, field) = &param.kind {
            let stored = (field.get)(config);
            let reparsed = check.parse(&check.render(stored));
            if reparsed != Ok(stored) {
                let why = reparsed.err().unwrap_or_else(|| "out of range".into());
                return Err(invalid(param.name, why));
            }
        }
    }
    if !(MIN_HZ..=MAX_HZ).contains(&config.hz) {
        return Err(invalid("hz", out_of_range(MIN_HZ.into(), MAX_HZ.into())));
    }
    let limits = config.client_output_buffer_limit;
    for limit in [limits.normal, limits.pubsub] {
        if limit.soft_seconds > INT_MAX as u64 {
            return Err(invalid(
                "client-output-buffer-limit",
                out_of_range(0, INT_MAX),
            ));
        }
    }
    let mut scratch = config.clone();
    set_save(&mut scratch, &config.save).map_err(|e| invalid("save", e))?;
    set_keyspace_events(&mut scratch, &config.notify_keyspace_events)
        .map_err(|e| invalid("notify-keyspace-events", e))?;
    set_percentiles(&mut scratch, &get_percentiles(config))
        .map_err(|e| invalid("latency-tracking-info-percentiles", e))?;
    for (name, value) in &config.no_op {
        match find(name) {
            Some(
                param @ Param {
                    kind: Kind::NoOp { .. },
                    ..
                },
            ) => param
                .set(&mut scratch, value)
                .map_err(|e| invalid(name, e))?,
            _ => return Err(format!("no-op: unknown parameter `{name}`")),
        }
    }
    Ok(())
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

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
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

/// The `hz` range Redis clamps to.
const MIN_HZ: u32 = 1;
const MAX_HZ: u32 = 500;

/// Redis accepts any int for `hz` and clamps it to `MIN_HZ..=MAX_HZ`.
fn set_hz(c: &mut Config, v: &str) -> Result<(), String> {
    c.hz = INT.parse(v)?.clamp(MIN_HZ.into(), MAX_HZ.into()) as u32;
    Ok(())
}

/// `appendonly no` is `durability memory`; `appendonly yes` leaves a
/// durable mode as it is and turns `memory` into `fsync`.
fn set_appendonly(c: &mut Config, v: &str) -> Result<(), String> {
    let on = Check::Bool.parse(v)? != 0;
    c.durability = match (on, c.durability) {
        (false, _) => Durability::Memory,
        (true, Durability::Memory) => Durability::Fsync,
        (true, durable) => durable,
    };
    Ok(())
}

/// `save`: empty, or `seconds changes` pairs separated by single spaces,
/// seconds at least 1 and changes at least 0, parsed like C's `strtoll`
/// (sign and leading zeros allowed) and shown as plain numbers.
fn set_save(c: &mut Config, v: &str) -> Result<(), String> {
    const INVALID: &str = "Invalid save parameters";
    if v.is_empty() {
        c.save.clear();
        return Ok(());
    }
    let words: Vec<&str> = v.split(' ').collect();
    if !words.len().is_multiple_of(2) {
        return Err(INVALID.into());
    }
    let mut numbers = Vec::with_capacity(words.len());
    for (i, word) in words.iter().enumerate() {
        let n = strtoll(word).ok_or(INVALID)?;
        let min = if i % 2 == 0 { 1 } else { 0 };
        if n < min {
            return Err(INVALID.into());
        }
        numbers.push(n.to_string());
    }
    c.save = numbers.join(" ");
    Ok(())
}

/// A whole word as C's `strtoll` reads it: an optional sign, then digits.
fn strtoll(word: &str) -> Option<i64> {
    let digits = word.strip_prefix(['+', '-']).unwrap_or(word);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    word.parse().ok()
}

fn set_keyspace_events(c: &mut Config, v: &str) -> Result<(), String> {
    keyspace_events::parse(v).ok_or("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")?;
    c.notify_keyspace_events = v.to_string();
    Ok(())
}

/// Each percentile like Redis's `%f` without trailing zeros.
fn get_percentiles(c: &Config) -> String {
    let words: Vec<String> = c
        .latency_tracking_info_percentiles
        .iter()
        .map(|p| {
            let fixed = format!("{p:.6}");
            fixed
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_string()
        })
        .collect();
    words.join(" ")
}

/// Percentiles separated by single spaces, each a number (`strtod`'s
/// decimal and exponent forms) within 0..=100.
fn set_percentiles(c: &mut Config, v: &str) -> Result<(), String> {
    let mut percentiles = Vec::new();
    for word in v.split(' ').filter(|_| !v.is_empty()) {
        let p: f64 = word
            .parse()
            .ok()
            .filter(|p: &f64| !p.is_nan())
            .ok_or("Invalid latency-tracking-info-percentiles parameters")?;
        if !(0.0..=100.0).contains(&p) {
            return Err(
                "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
                    .into(),
            );
        }
        percentiles.push(p);
    }
    c.latency_tracking_info_percentiles = percentiles;
    Ok(())
}

fn get_output_limits(c: &Config) -> String {
    let (n, p) = (
        c.client_output_buffer_limit.normal,
        c.client_output_buffer_limit.pubsub,
    );
    format!(
        "normal {} {} {} slave 268435456 67108864 60 pubsub {} {} {}",
        n.hard, n.soft, n.soft_seconds, p.hard, p.soft, p.soft_seconds
    )
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
fn buffer_limit(words: &[&str]) -> Option<BufferLimit> {
    let soft_seconds = words[2].parse::<u64>().ok()?;
    (soft_seconds <= INT_MAX as u64).then_some(())?;
    Some(BufferLimit {
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

    /// Every settable parameter accepts its own rendering and keeps it.
    #[test]
    fn every_param_round_trips() {
        let config = Config::default();
        for p in PARAMS.iter().filter(|p| p.mutable) {
            let value = p.render(&config);
            let mut c = config.clone();
            p.set(&mut c, &value)
                .unwrap_or_else(|e| panic!("{}: {e}", p.name));
            assert_eq!(p.render(&c), value, "{}", p.name);
        }
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = PARAMS
            .iter()
            .flat_map(|p| std::iter::once(p.name).chain(p.aliases.iter().copied()))
            .collect();
        let total = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), total);
    }

    #[test]
    fn keyspace_event_classes() {
        let render = |v: &str| keyspace_events::render(keyspace_events::parse(v).unwrap());
        assert_eq!(render("KExg$lshzetdmn"), "AKEm");
        assert_eq!(render("Ex"), "xE");
        assert_eq!(render(""), "");
        assert_eq!(keyspace_events::parse("KEq"), None);
    }
}
