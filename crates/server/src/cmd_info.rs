//! INFO, with Redis 7.0's sections and field names.

use std::fmt::Write;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use keyspace::CmdError;

use crate::clock;
use crate::cmd_conn::REDIS_VERSION;
use crate::config::Durability;
use crate::connection::Connection;
use crate::registry::ServerCommand;
use crate::shared::Shared;

/// The handler of INFO.
pub(crate) const HANDLERS: &[ServerCommand] =
    &[ServerCommand::sync("info", |c, a| c.info_command(a))];

/// Sections of a plain `INFO` (and of `INFO default`).
const DEFAULT_SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "errorstats",
    "cluster",
    "keyspace",
];

impl Connection {
    fn info_command(&mut self, args: &[Bytes]) -> Result<(), CmdError> {
        let sections = requested_sections(&args[1..]);
        let text = render(&self.shared, &sections);
        self.out.verbatim("txt", text.as_bytes());
        Ok(())
    }
}

fn requested_sections(args: &[Bytes]) -> Vec<String> {
    if args.is_empty() {
        return DEFAULT_SECTIONS.iter().map(|s| s.to_string()).collect();
    }
    let mut sections = Vec::new();
    for arg in args {
        let name = String::from_utf8_lossy(arg).to_lowercase();
        match name.as_str() {
            "default" => sections.extend(DEFAULT_SECTIONS.iter().map(|s| s.to_string())),
            "all" | "everything" => {
                sections.extend(DEFAULT_SECTIONS.iter().map(|s| s.to_string()));
                sections.push("commandstats".into());
            }
            _ => sections.push(name),
        }
    }
    sections
}

/// Writes the fields of one section.
type Section = fn(&Shared, &mut String);

/// Renders the requested sections in Redis's order.
pub fn render(shared: &Shared, sections: &[String]) -> String {
    let wanted = |name: &str| sections.iter().any(|s| s == name);
    let mut out = String::new();
    let all: [(&str, &str, Section); 12] = [
        ("server", "Server", server),
        ("clients", "Clients", clients),
        ("memory", "Memory", memory),
        ("persistence", "Persistence", persistence),
        ("stats", "Stats", stats),
        ("replication", "Replication", replication),
        ("cpu", "CPU", cpu),
        ("modules", "Modules", |_, _| {}),
        ("commandstats", "Commandstats", commandstats),
        ("errorstats", "Errorstats", errorstats),
        ("cluster", "Cluster", |_, o| field(o, "cluster_enabled", 0)),
        ("keyspace", "Keyspace", keyspace),
    ];
    for (name, title, write) in all {
        if !wanted(name) {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\r\n");
        }
        let _ = write!(out, "# {title}\r\n");
        write(shared, &mut out);
    }
    out
}

fn field(out: &mut String, name: &str, value: impl std::fmt::Display) {
    let _ = write!(out, "{name}:{value}\r\n");
}

fn server(shared: &Shared, out: &mut String) {
    let uptime = shared.stats.started.elapsed().as_secs();
    let hz = shared.config.read().hz;
    field(out, "redis_version", REDIS_VERSION);
    field(out, "redis_git_sha1", "00000000");
    field(out, "redis_git_dirty", 0);
    field(out, "redis_build_id", "0");
    field(out, "redis_mode", "standalone");
    field(out, "keel_version", env!("CARGO_PKG_VERSION"));
    field(out, "os", std::env::consts::OS);
    field(out, "arch_bits", usize::BITS);
    field(out, "multiplexing_api", "epoll");
    field(out, "process_id", std::process::id());
    field(out, "process_supervised", "no");
    field(out, "run_id", &shared.run_id);
    field(out, "tcp_port", shared.config.read().port);
    field(out, "server_time_usec", clock::now_us());
    field(out, "uptime_in_seconds", uptime);
    field(out, "uptime_in_days", uptime / 86_400);
    field(out, "hz", hz);
    field(out, "configured_hz", hz);
    field(
        out,
        "executable",
        std::env::current_exe()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
    );
    field(out, "io_threads_active", 0);
}

fn clients(shared: &Shared, out: &mut String) {
    field(out, "connected_clients", shared.clients.len());
    field(out, "cluster_connections", 0);
    field(out, "maxclients", shared.config.read().maxclients);
    field(out, "blocked_clients", shared.blocking.len());
    field(out, "tracking_clients", 0);
    field(out, "clients_in_timeout_table", shared.blocking.len());
}

fn memory(shared: &Shared, out: &mut String) {
    let rss = resident_bytes();
    field(out, "used_memory", rss);
    field(out, "used_memory_human", human(rss));
    field(out, "used_memory_rss", rss);
    field(out, "used_memory_rss_human", human(rss));
    // No Lua state outlives a script call (docs/design/scripting.md), so
    // Lua holds nothing between commands; scripts are the cached bodies
    // and the library code.
    let (cached, eval_bytes, library_bytes) = shared.store.read_local(|ks, _| {
        let scripts = ks.scripts();
        let libraries: usize = scripts.libraries().values().map(|l| l.code.len()).sum();
        (scripts.cached_scripts(), scripts.cached_bytes(), libraries)
    });
    field(out, "used_memory_lua", 0);
    field(out, "used_memory_lua_human", human(0));
    field(out, "used_memory_scripts_eval", eval_bytes);
    field(out, "number_of_cached_scripts", cached);
    field(out, "used_memory_scripts", eval_bytes + library_bytes);
    field(
        out,
        "used_memory_scripts_human",
        human((eval_bytes + library_bytes) as u64),
    );
    field(out, "maxmemory", 0);
    field(out, "maxmemory_human", "0B");
    field(out, "maxmemory_policy", "noeviction");
    field(out, "mem_allocator", "system");
}

fn persistence(shared: &Shared, out: &mut String) {
    let durability = shared.store.durability();
    let engine = shared.store.engine();
    let stats = engine.log_stats().unwrap_or_default();
    field(out, "loading", 0);
    field(out, "async_loading", 0);
    field(
        out,
        "rdb_changes_since_last_save",
        stats.entries_since_snapshot,
    );
    let snapshot = &stats.snapshot_status;
    let seconds = |d: Option<std::time::Duration>| d.map_or(-1, |d| d.as_secs() as i64);
    field(
        out,
        "rdb_bgsave_in_progress",
        u8::from(snapshot.running_since.is_some()),
    );
    field(out, "rdb_last_save_time", engine.last_save_unix());
    field(
        out,
        "rdb_last_bgsave_status",
        if snapshot.failed() { "err" } else { "ok" },
    );
    field(
        out,
        "rdb_last_bgsave_time_sec",
        seconds(snapshot.last_duration),
    );
    field(
        out,
        "rdb_current_bgsave_time_sec",
        seconds(snapshot.running_since.map(|t| t.elapsed())),
    );
    field(
        out,
        "aof_enabled",
        u8::from(durability != Durability::Memory),
    );
    field(out, "aof_rewrite_in_progress", 0);
    field(out, "aof_last_write_status", "ok");
    field(out, "durability", format!("{durability:?}").to_lowercase());
    field(
        out,
        "log_last_applied_index",
        stats.last_applied.unwrap_or(0),
    );
    field(out, "log_snapshot_index", stats.snapshot_index.unwrap_or(0));
    field(out, "log_snapshot_bytes", stats.snapshot_bytes.unwrap_or(0));
    field(out, "snapshot_failures", snapshot.failures);
    // One line: the error text without line breaks.
    let error = snapshot.last_error.as_deref().unwrap_or_default();
    field(out, "snapshot_last_error", error.replace(['\r', '\n'], " "));
    field(out, "log_written_records", stats.log.records);
    field(out, "log_written_bytes", stats.log.bytes);
    field(out, "log_write_batches", stats.log.batches);
    field(out, "log_fsyncs", stats.log.fsyncs);
    field(out, "log_last_fsync_usec", stats.log.last_fsync.as_micros());
    field(out, "log_max_fsync_usec", stats.log.max_fsync.as_micros());
    let average = stats.log.total_fsync.as_micros() / u128::from(stats.log.fsyncs.max(1));
    field(out, "log_avg_fsync_usec", average);
}

fn stats(shared: &Shared, out: &mut String) {
    let s = &shared.stats;
    let load = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
    field(
        out,
        "total_connections_received",
        load(&s.connections_received),
    );
    field(out, "total_commands_processed", load(&s.commands_processed));
    field(out, "instantaneous_ops_per_sec", s.ops_per_sec());
    field(out, "total_net_input_bytes", load(&s.net_input_bytes));
    field(out, "total_net_output_bytes", load(&s.net_output_bytes));
    field(out, "rejected_connections", load(&s.rejected_connections));
    field(out, "expired_keys", load(&s.expired_keys));
    field(out, "evicted_keys", 0);
    field(out, "keyspace_hits", 0);
    field(out, "keyspace_misses", 0);
    field(out, "pubsub_channels", shared.hub.channels(None).len());
    field(out, "pubsub_patterns", shared.hub.numpat());
    field(out, "total_error_replies", s.total_errors());
}

fn replication(shared: &Shared, out: &mut String) {
    field(out, "role", "master");
    field(out, "connected_slaves", 0);
    field(out, "master_failover_state", "no-failover");
    field(out, "master_replid", &shared.run_id);
    field(
        out,
        "master_replid2",
        "0000000000000000000000000000000000000000",
    );
    field(out, "master_repl_offset", 0);
    field(out, "second_repl_offset", -1);
    field(out, "repl_backlog_active", 0);
}

fn cpu(_: &Shared, out: &mut String) {
    let (user, sys) = cpu_seconds();
    field(out, "used_cpu_sys", format!("{sys:.6}"));
    field(out, "used_cpu_user", format!("{user:.6}"));
    field(out, "used_cpu_sys_children", "0.000000");
    field(out, "used_cpu_user_children", "0.000000");
}

fn commandstats(shared: &Shared, out: &mut String) {
    for (name, calls, usec, rejected, failed) in shared.stats.commands() {
        let per_call = if calls > 0 {
            usec as f64 / calls as f64
        } else {
            0.0
        };
        field(
            out,
            &format!("cmdstat_{name}"),
            format!("calls={calls},usec={usec},usec_per_call={per_call:.2},rejected_calls={rejected},failed_calls={failed}"),
        );
    }
}

fn errorstats(shared: &Shared, out: &mut String) {
    for (code, count) in shared.stats.errors() {
        field(out, &format!("errorstat_{code}"), format!("count={count}"));
    }
}

fn keyspace(shared: &Shared, out: &mut String) {
    shared.store.read_local(|ks, _| {
        for i in 0..ks.databases() {
            let db = ks.db(i);
            if !db.is_empty() {
                field(
                    out,
                    &format!("db{i}"),
                    format!("keys={},expires={},avg_ttl=0", db.len(), db.expires_len()),
                );
            }
        }
    });
}

/// Resident set size of this process.
fn resident_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u64>().ok())
        })
        .map_or(0, |pages| pages * 4096)
}

/// User and system CPU seconds of this process.
fn cpu_seconds() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may contain spaces) start at ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 100.0
    };
    (ticks(11), ticks(12))
}

fn human(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "K", "M", "G"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes}B")
    } else {
        format!("{value:.2}{}", UNITS[unit])
    }
}
