//! `keel bench memory`: resident memory per key and per idle connection.
//!
//! Each dataset is loaded into a fresh server; the RSS difference
//! (`/proc/<pid>/statm`, the server PIDs are known since we spawn them)
//! divided by the number of items is the cost of one item, including the
//! server's share of its main hash table. Idle connections are opened in
//! steps (10k, then 100k by default) on another fresh server; then 50
//! active clients run SET with and without the idle connections held, to
//! see whether idle clients slow the active ones.
//!
//! RSS counts user-space memory only: socket buffers live in the kernel.

use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;

use crate::args::MemoryArgs;
use crate::conns::IdlePool;
use crate::fill::fill;
use crate::loadgen::{self, LoadSpec, Stop};
use crate::report::{rate, times};
use crate::servers::{Durability, Kind, Programs, Server, Settings};
use crate::stats::{self, Measurement, Ratio, Summary};
use crate::sys::{self, Machine};
use crate::workload::Workload;

/// File descriptors kept for everything but idle connections.
const FD_RESERVE: u64 = 256;
/// Longest time spent opening idle connections for one server.
const OPEN_TIMEOUT: Duration = Duration::from_secs(120);

/// The `--json` document of `keel bench memory`.
#[derive(Debug, Serialize)]
pub struct MemoryReport {
    pub machine: Machine,
    pub durability: Durability,
    /// RLIMIT_NOFILE soft limit in force (the servers inherit it).
    pub nofile_limit: u64,
    pub servers: Vec<ServerMemory>,
}

/// One server's figures.
#[derive(Debug, Serialize)]
pub struct ServerMemory {
    pub server: Kind,
    pub datasets: Vec<DatasetMemory>,
    pub connections: Vec<ConnectionMemory>,
    pub active: Option<ActiveUnderIdle>,
}

/// RSS cost of one dataset.
#[derive(Debug, Serialize)]
pub struct DatasetMemory {
    pub name: &'static str,
    pub items: u64,
    pub elements_per_item: u64,
    pub rss_before: u64,
    pub rss_after: u64,
    /// `None` when the server could not load the dataset.
    pub bytes_per_item: Option<f64>,
    pub error: Option<String>,
}

/// RSS cost of idle connections.
#[derive(Debug, Serialize)]
pub struct ConnectionMemory {
    /// Connections asked for.
    pub target: usize,
    /// Connections actually held.
    pub opened: usize,
    pub rss_before: u64,
    pub rss_after: u64,
    /// `None` when no connection could be opened.
    pub bytes_per_connection: Option<f64>,
    /// Why fewer than `target` were opened.
    pub note: Option<String>,
}

/// Throughput of the active clients alone and with idle connections held,
/// over interleaved rounds.
#[derive(Debug, Serialize)]
pub struct ActiveUnderIdle {
    pub clients: usize,
    pub idle: usize,
    pub alone: Summary,
    pub with_idle: Summary,
    /// with / alone: the median of the per-round ratios.
    pub ratio: Ratio,
}

struct Dataset {
    name: &'static str,
    items: u64,
    elements: u64,
}

/// Runs the memory benchmark and prints its table.
pub fn run(args: &MemoryArgs, programs: &Programs) -> anyhow::Result<MemoryReport> {
    let durability = args.pair().map_err(anyhow::Error::msg)?;
    let most = args.connections.iter().copied().max().unwrap_or(0) as u64;
    let nofile = sys::raise_nofile(most + args.clients as u64 + FD_RESERVE)
        .context("cannot raise RLIMIT_NOFILE")?;
    let cap = nofile.saturating_sub(FD_RESERVE + args.clients as u64) as usize;
    let settings = Settings {
        durability,
        maxclients: cap + args.clients + 64,
        keel_threads: None,
    };
    let rt = crate::runtime()?;
    let datasets = [
        Dataset {
            name: "strings",
            items: args.keys,
            elements: 1,
        },
        Dataset {
            name: "hashes",
            items: args.collections,
            elements: args.elements,
        },
        Dataset {
            name: "sets",
            items: args.collections,
            elements: args.elements,
        },
        Dataset {
            name: "zsets",
            items: args.collections,
            elements: args.elements,
        },
    ];
    let kinds: &[Kind] = if args.common.compare {
        &[Kind::Keel, Kind::Redis]
    } else {
        &[Kind::Keel]
    };
    let mut servers = Vec::new();
    for &kind in kinds {
        let mut figures = ServerMemory {
            server: kind,
            datasets: Vec::new(),
            connections: Vec::new(),
            active: None,
        };
        for dataset in &datasets {
            if dataset.items == 0 {
                continue;
            }
            let server = Server::start(kind, programs, settings)?;
            let before = settled_rss(&server, args)?;
            let error = rt
                .block_on(load(dataset, server.addr))
                .err()
                .map(|e| format!("{e:#}"));
            let after = settled_rss(&server, args)?;
            let d = DatasetMemory {
                name: dataset.name,
                items: dataset.items,
                elements_per_item: dataset.elements,
                rss_before: before,
                rss_after: after,
                bytes_per_item: error
                    .is_none()
                    .then(|| after.saturating_sub(before) as f64 / dataset.items as f64),
                error,
            };
            match (&d.bytes_per_item, &d.error) {
                (Some(bytes), _) => eprintln!(
                    "{} {}: {} items, {bytes:.0} bytes each",
                    kind.name(),
                    d.name,
                    rate(d.items as f64)
                ),
                (None, error) => eprintln!(
                    "{} {}: cannot load: {}",
                    kind.name(),
                    d.name,
                    error.as_deref().unwrap_or("?")
                ),
            }
            figures.datasets.push(d);
        }
        if !args.connections.is_empty() {
            let server = Server::start(kind, programs, settings)?;
            connections(&rt, args, cap, &server, &mut figures)?;
        }
        servers.push(figures);
    }
    let report = MemoryReport {
        machine: Machine::detect(),
        durability,
        nofile_limit: nofile,
        servers,
    };
    println!("{}", table(&report));
    Ok(report)
}

/// RSS after a pause (`--settle-ms`) that lets background work settle.
fn settled_rss(server: &Server, args: &MemoryArgs) -> anyhow::Result<u64> {
    std::thread::sleep(Duration::from_millis(args.settle_ms));
    server
        .rss()
        .with_context(|| format!("cannot read the RSS of {}", server.kind.name()))
}

async fn load(dataset: &Dataset, addr: std::net::SocketAddr) -> anyhow::Result<()> {
    let elements = dataset.elements;
    match dataset.name {
        "strings" => {
            // 11-byte keys (key:0000001), 16-byte values.
            fill(addr, dataset.items, |n, out| {
                let key = format!("key:{n:07}");
                resp::Frame::encode_command(&["SET", &key, "vvvvvvvvvvvvvvvv"], out);
            })
            .await
        }
        "hashes" => {
            fill(addr, dataset.items, move |n, out| {
                let mut args = vec!["HSET".to_string(), format!("hash:{n:07}")];
                for e in 0..elements {
                    args.push(format!("field:{e}"));
                    args.push(format!("value:{e:02}"));
                }
                resp::Frame::encode_command(&args, out);
            })
            .await
        }
        "sets" => {
            fill(addr, dataset.items, move |n, out| {
                let mut args = vec!["SADD".to_string(), format!("set:{n:07}")];
                args.extend((0..elements).map(|e| format!("member:{e}")));
                resp::Frame::encode_command(&args, out);
            })
            .await
        }
        _ => {
            fill(addr, dataset.items, move |n, out| {
                let mut args = vec!["ZADD".to_string(), format!("zset:{n:07}")];
                for e in 0..elements {
                    args.push(e.to_string());
                    args.push(format!("member:{e}"));
                }
                resp::Frame::encode_command(&args, out);
            })
            .await
        }
    }
}

/// Idle connection steps and the active run with and without them.
fn connections(
    rt: &tokio::runtime::Runtime,
    args: &MemoryArgs,
    cap: usize,
    server: &Server,
    figures: &mut ServerMemory,
) -> anyhow::Result<()> {
    let active = LoadSpec {
        workload: Workload::Set3,
        clients: args.clients,
        pipeline: 1,
        stop: Stop::Duration(args.duration),
        keyspace: 100_000,
        seed: 1,
    };
    let run = || rt.block_on(loadgen::run(server.addr, &active, Some(server.pid())));
    let mut alone: Vec<Measurement> = vec![run()?];
    let base = settled_rss(server, args)?;
    let mut pool = IdlePool::default();
    let deadline = Instant::now() + OPEN_TIMEOUT;
    let mut targets = args.connections.clone();
    targets.sort_unstable();
    for target in targets {
        let capped = target.min(cap);
        let mut note = rt.block_on(pool.grow(server.addr, capped, deadline));
        if capped < target && note.is_none() {
            note = Some(format!(
                "capped by RLIMIT_NOFILE (hard limit allows {cap} connections)"
            ));
        }
        std::thread::sleep(Duration::from_millis(args.idle_settle_ms));
        let after = settled_rss(server, args)?;
        let opened = pool.len();
        eprintln!(
            "{}: {} idle connections{}",
            server.kind.name(),
            rate(opened as f64),
            note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default()
        );
        figures.connections.push(ConnectionMemory {
            target,
            opened,
            rss_before: base,
            rss_after: after,
            bytes_per_connection: (opened > 0)
                .then(|| after.saturating_sub(base) as f64 / opened as f64),
            note: note.clone(),
        });
        if note.is_some() && opened < capped {
            break;
        }
    }
    let held = pool.len();
    if held > 0 {
        let mut with_idle = Vec::new();
        for round in 0..args.rounds.max(1) {
            if round > 0 {
                pool.clear();
                alone.push(run()?);
                let deadline = Instant::now() + OPEN_TIMEOUT;
                if let Some(failure) = rt.block_on(pool.grow(server.addr, held, deadline)) {
                    anyhow::bail!("cannot reopen {held} idle connections: {failure}");
                }
            }
            with_idle.push(run()?);
        }
        let alone = Summary::of(&alone);
        let with_idle = Summary::of(&with_idle);
        figures.active = Some(ActiveUnderIdle {
            clients: args.clients,
            idle: held,
            ratio: Ratio::of(&with_idle, &alone),
            alone,
            with_idle,
        });
    }
    pool.clear();
    Ok(())
}

/// The printed table: one column per server, keel/Redis when both ran.
pub fn table(report: &MemoryReport) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let names: Vec<&str> = report.servers.iter().map(|s| s.server.name()).collect();
    let compare = report.servers.len() == 2;
    let _ = write!(out, "{:<36}", "RSS per item");
    for n in &names {
        let _ = write!(out, "{n:>14}");
    }
    if compare {
        let _ = write!(out, "{:>12}", "keel/redis");
    }
    out.push('\n');
    let mut line = |label: String, values: Vec<Option<f64>>, unit: &str| {
        let _ = write!(out, "{label:<36}");
        for v in &values {
            let cell = v.map_or_else(|| "-".to_string(), |v| format!("{v:.0} {unit}"));
            let _ = write!(out, "{cell:>14}");
        }
        if compare {
            let r = match (values[0], values[1]) {
                (Some(k), Some(r)) => stats::ratio(k, r),
                _ => None,
            };
            let _ = write!(out, "{:>12}", times(r));
        }
        out.push('\n');
    };
    if let Some(first) = report.servers.first() {
        for (i, d) in first.datasets.iter().enumerate() {
            let label = if d.elements_per_item > 1 {
                format!(
                    "{} ({} × {} elements)",
                    d.name,
                    rate(d.items as f64),
                    d.elements_per_item
                )
            } else {
                format!("{} ({})", d.name, rate(d.items as f64))
            };
            let values = report
                .servers
                .iter()
                .map(|s| s.datasets.get(i).and_then(|d| d.bytes_per_item))
                .collect();
            line(label, values, "B");
        }
        for (i, c) in first.connections.iter().enumerate() {
            let values = report
                .servers
                .iter()
                .map(|s| s.connections.get(i).and_then(|c| c.bytes_per_connection))
                .collect();
            line(
                format!("idle connection ({} open)", rate(c.opened as f64)),
                values,
                "B",
            );
        }
    }
    for s in &report.servers {
        for d in &s.datasets {
            if let Some(error) = &d.error {
                let _ = writeln!(
                    out,
                    "note: {} could not load {}: {error}",
                    s.server.name(),
                    d.name
                );
            }
        }
        for c in &s.connections {
            if let Some(note) = &c.note {
                let _ = writeln!(
                    out,
                    "note: {} at {}: {note}",
                    s.server.name(),
                    rate(c.target as f64)
                );
            }
        }
        if let Some(a) = &s.active {
            let _ = writeln!(
                out,
                "{}: {} active clients: {} ops/s alone, {} ops/s with {} idle connections ({}, per round: {}), p99 {} -> {}",
                s.server.name(),
                a.clients,
                rate(a.alone.ops_per_sec),
                rate(a.with_idle.ops_per_sec),
                rate(a.idle as f64),
                times(a.ratio.ops_per_sec),
                a.ratio
                    .ops_per_sec_rounds
                    .iter()
                    .map(|r| times(*r))
                    .collect::<Vec<_>>()
                    .join(" "),
                crate::report::latency(a.alone.latency.p99_us),
                crate::report::latency(a.with_idle.latency.p99_us),
            );
        }
    }
    out
}
