//! Command-line arguments of `keel bench` and `keel bench memory`, and the
//! plan they describe.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;

use crate::loadgen::Stop;
use crate::servers::Durability;
use crate::workload::Workload;

/// `keel bench`: throughput and latency of keel, and with `--compare` of
/// redis-server in the same run; `keel bench memory`: memory per key and
/// per idle connection.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub mode: Option<Mode>,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// What else `keel bench` can measure.
#[derive(Debug, Subcommand)]
pub enum Mode {
    /// Memory: RSS per key (1M small keys, 100k small hashes/sets/zsets)
    /// and per idle connection (10k, then 100k).
    Memory(MemoryArgs),
}

/// Options both modes share.
#[derive(Debug, Clone, Args)]
pub struct Common {
    /// Also start redis-server and run the same load against it.
    #[arg(long)]
    pub compare: bool,
    /// Write the results as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// The redis-server program to compare with.
    #[arg(long, value_name = "PATH", default_value = "redis-server")]
    pub redis_server: PathBuf,
    /// The keel binary to benchmark (default: this one).
    #[arg(long, value_name = "PATH", hide = true)]
    pub keel_bin: Option<PathBuf>,
}

/// `--durability`: which keel/Redis pairs to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DurabilityArg {
    /// keel fsync vs Redis appendfsync always.
    Fsync,
    /// keel os vs Redis appendfsync everysec.
    Os,
    /// keel memory vs Redis without AOF.
    Memory,
    /// The three pairs, one after the other.
    All,
}

impl DurabilityArg {
    pub fn pairs(self) -> Vec<Durability> {
        match self {
            DurabilityArg::Fsync => vec![Durability::Fsync],
            DurabilityArg::Os => vec![Durability::Os],
            DurabilityArg::Memory => vec![Durability::Memory],
            DurabilityArg::All => Durability::ALL.to_vec(),
        }
    }
}

/// Which load generator drives the servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tool {
    /// keel's own generator (one thread, HdrHistogram latencies).
    Builtin,
    /// redis-benchmark, as a cross-check (no p99.9; SET/GET/INCR/LPUSH/SADD/ZADD/HSET only).
    RedisBenchmark,
}

/// Options of the throughput/latency benchmark.
#[derive(Debug, Clone, Args)]
pub struct LoadArgs {
    #[command(flatten)]
    pub common: Common,
    /// Durability pairs (comma-separated): keel fsync vs Redis appendfsync
    /// always, os vs everysec, memory vs no AOF, or all three.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "memory")]
    pub durability: Vec<DurabilityArg>,
    /// Workloads to run (comma-separated): set-3b, get-3b, set-1k, get-1k,
    /// incr, lpush, sadd, zadd, hset, evalsha, latency, pubsub. Default: all.
    #[arg(long, short = 'w', value_delimiter = ',', value_name = "NAMES")]
    pub workload: Vec<String>,
    /// Seconds each run lasts (default 1).
    #[arg(long, short = 'd', value_name = "SECONDS", value_parser = parse_seconds, conflicts_with = "requests")]
    pub duration: Option<Duration>,
    /// Requests each run sends instead of a duration (pub/sub: messages published).
    #[arg(long, short = 'n', value_name = "N")]
    pub requests: Option<u64>,
    /// Concurrent clients (comma-separated list to try several).
    #[arg(long, short = 'c', value_delimiter = ',', default_value = "50")]
    pub clients: Vec<usize>,
    /// Pipeline depths (comma-separated list).
    #[arg(long, short = 'P', value_delimiter = ',', default_value = "1,16")]
    pub pipeline: Vec<usize>,
    /// Rounds; each round runs every workload on each server back to back,
    /// alternating which server goes first.
    #[arg(long, short = 'r', default_value_t = 3)]
    pub rounds: usize,
    /// Number of distinct keys the random keys are drawn from.
    #[arg(long, default_value_t = 100_000)]
    pub keyspace: u64,
    /// Subscribers of the pub/sub fan-out.
    #[arg(long, default_value_t = 100)]
    pub subscribers: usize,
    /// Load generator.
    #[arg(long, value_enum, default_value = "builtin")]
    pub tool: Tool,
    /// Threads of the built-in generator (each a one-thread runtime with
    /// its share of the clients; pub/sub always uses one). Keep 1 on a
    /// small machine, where more would take cores from the servers.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Threads keel serves connections with (its `threads` setting; 0: one
    /// per CPU core). Default: keel's own default.
    #[arg(long, value_name = "N")]
    pub keel_threads: Option<usize>,
    /// The redis-benchmark program (with `--tool redis-benchmark`).
    #[arg(long, value_name = "PATH", default_value = "redis-benchmark")]
    pub redis_benchmark: PathBuf,
}

/// Options of `keel bench memory`.
#[derive(Debug, Clone, Args)]
pub struct MemoryArgs {
    #[command(flatten)]
    pub common: Common,
    /// Durability pair (one).
    #[arg(long, value_enum, default_value = "memory")]
    pub durability: DurabilityArg,
    /// Small string keys to load (11-byte keys, 16-byte values).
    #[arg(long, default_value_t = 1_000_000)]
    pub keys: u64,
    /// Small hashes, sets and sorted sets to load (each kind).
    #[arg(long, default_value_t = 100_000)]
    pub collections: u64,
    /// Elements of each small hash, set and sorted set.
    #[arg(long, default_value_t = 10)]
    pub elements: u64,
    /// Idle connection counts to reach, in order (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "10000,100000")]
    pub connections: Vec<usize>,
    /// Active clients run with and without the idle connections.
    #[arg(long, default_value_t = 50)]
    pub clients: usize,
    /// Seconds of each active run.
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds, default_value = "1")]
    pub duration: Duration,
    /// Rounds of the active run alone and with the idle connections held
    /// (the idle connections are closed and reopened between rounds).
    #[arg(long, short = 'r', default_value_t = 3)]
    pub rounds: usize,
    /// Milliseconds to wait before reading a server's RSS.
    #[arg(long, value_name = "MS", default_value_t = 200, hide = true)]
    pub settle_ms: u64,
    /// Milliseconds to wait before reading RSS after opening idle
    /// connections: Redis frees a client's query buffer once it has been
    /// idle for 2 s (clientsCron, which visits every client about once a
    /// second), so its steady state shows after ~3 s.
    #[arg(long, value_name = "MS", default_value_t = 4000, hide = true)]
    pub idle_settle_ms: u64,
}

fn parse_seconds(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if !(secs > 0.0 && secs <= 3600.0) {
        return Err("expected a duration between 0 and 3600 seconds".into());
    }
    Ok(Duration::from_secs_f64(secs))
}

/// One workload with one shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Case {
    pub workload: Workload,
    /// Clients (pub/sub: subscribers).
    pub clients: usize,
    /// Pipeline depth (pub/sub: of the publisher).
    pub pipeline: usize,
}

impl Case {
    /// Short label: `get-3b c50 P16`.
    pub fn label(&self) -> String {
        format!(
            "{} c{} P{}",
            self.workload.name(),
            self.clients,
            self.pipeline
        )
    }
}

/// What a `keel bench` run will do, validated.
#[derive(Debug, Clone)]
pub struct Plan {
    pub cases: Vec<Case>,
    pub pairs: Vec<Durability>,
    pub stop: Stop,
    pub rounds: usize,
    pub keyspace: u64,
    pub compare: bool,
    pub tool: Tool,
    /// Workloads the tool cannot run (skipped with a note).
    pub skipped: Vec<Workload>,
    /// Threads of the built-in generator.
    pub threads: usize,
    /// keel's `threads` setting, when given.
    pub keel_threads: Option<usize>,
}

impl LoadArgs {
    /// Validates the arguments and expands them into cases.
    pub fn plan(&self) -> Result<Plan, String> {
        let mut selected = Vec::new();
        for name in &self.workload {
            let w = Workload::parse(name)?;
            if !selected.contains(&w) {
                selected.push(w);
            }
        }
        let workloads: Vec<Workload> = if selected.is_empty() {
            Workload::ALL.to_vec()
        } else {
            // Run in the canonical order whatever the order given.
            Workload::ALL
                .into_iter()
                .filter(|w| selected.contains(w))
                .collect()
        };
        positive("--clients", &self.clients)?;
        positive("--pipeline", &self.pipeline)?;
        if self.rounds == 0 || self.keyspace == 0 || self.subscribers == 0 || self.threads == 0 {
            return Err(
                "--rounds, --keyspace, --subscribers and --threads must be at least 1".into(),
            );
        }
        let stop = match (self.duration, self.requests, self.tool) {
            (_, Some(0), _) => return Err("--requests must be at least 1".into()),
            (_, Some(n), _) => Stop::Requests(n),
            (Some(_), None, Tool::RedisBenchmark) => {
                return Err("redis-benchmark runs a number of requests: use --requests".into())
            }
            (Some(d), None, Tool::Builtin) => Stop::Duration(d),
            (None, None, Tool::Builtin) => Stop::Duration(Duration::from_secs(1)),
            (None, None, Tool::RedisBenchmark) => Stop::Requests(100_000),
        };
        let mut cases = Vec::new();
        let mut skipped = Vec::new();
        for w in workloads {
            if self.tool == Tool::RedisBenchmark && crate::redis_benchmark::test_name(w).is_none() {
                skipped.push(w);
                continue;
            }
            if let Some((clients, pipeline)) = w.fixed_shape() {
                cases.push(Case {
                    workload: w,
                    clients,
                    pipeline,
                });
                continue;
            }
            let clients: &[usize] = if w == Workload::Pubsub {
                std::slice::from_ref(&self.subscribers)
            } else {
                &self.clients
            };
            let fixed = w.fixed_pipeline().map(|p| [p]);
            let pipelines: &[usize] = match &fixed {
                Some(p) => p,
                None => &self.pipeline,
            };
            for &c in clients {
                for &p in pipelines {
                    let case = Case {
                        workload: w,
                        clients: c,
                        pipeline: p,
                    };
                    if !cases.contains(&case) {
                        cases.push(case);
                    }
                }
            }
        }
        if cases.is_empty() {
            return Err("no workload left to run".into());
        }
        Ok(Plan {
            cases,
            pairs: Durability::ALL
                .into_iter()
                .filter(|d| self.durability.iter().any(|a| a.pairs().contains(d)))
                .collect(),
            stop,
            rounds: self.rounds,
            keyspace: self.keyspace,
            compare: self.common.compare,
            tool: self.tool,
            skipped,
            threads: self.threads,
            keel_threads: self.keel_threads,
        })
    }
}

fn positive(flag: &str, values: &[usize]) -> Result<(), String> {
    if values.is_empty() || values.contains(&0) {
        return Err(format!("{flag} values must be at least 1"));
    }
    Ok(())
}

impl MemoryArgs {
    /// The one durability pair the memory benchmark uses.
    pub fn pair(&self) -> Result<Durability, String> {
        match self.durability.pairs().as_slice() {
            [one] => Ok(*one),
            _ => Err("keel bench memory takes one durability pair".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        bench: BenchArgs,
    }

    fn parse(args: &[&str]) -> Result<BenchArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("bench").chain(args.iter().copied())).map(|c| c.bench)
    }

    fn plan(args: &[&str]) -> Result<Plan, String> {
        parse(args).map_err(|e| e.to_string())?.load.plan()
    }

    #[test]
    fn defaults_run_everything_once_per_shape() {
        let p = plan(&[]).unwrap();
        assert_eq!(p.stop, Stop::Duration(Duration::from_secs(1)));
        assert_eq!(p.rounds, 3);
        assert_eq!(p.pairs, vec![Durability::Memory]);
        assert!(!p.compare);
        // 9 workloads × 2 pipelines, evalsha (pipeline 1 only), the
        // latency run and 2 pub/sub runs.
        assert_eq!(p.cases.len(), 9 * 2 + 1 + 1 + 2);
        let evalsha: Vec<String> = p
            .cases
            .iter()
            .filter(|c| c.workload == Workload::Evalsha)
            .map(Case::label)
            .collect();
        assert_eq!(evalsha, ["evalsha c50 P1"]);
        let latency = p
            .cases
            .iter()
            .find(|c| c.workload == Workload::Latency)
            .unwrap();
        assert_eq!((latency.clients, latency.pipeline), (1, 1));
        let pubsub = p
            .cases
            .iter()
            .find(|c| c.workload == Workload::Pubsub)
            .unwrap();
        assert_eq!(pubsub.clients, 100);
        assert_eq!(p.cases[0].label(), "set-3b c50 P1");
    }

    #[test]
    fn filters_select_workloads_and_shapes() {
        let p = plan(&[
            "--compare",
            "--workload",
            "get-1k,set-3b,get-1k",
            "-c",
            "1,10",
            "--pipeline",
            "4",
            "--duration",
            "0.5",
            "--durability",
            "all",
        ])
        .unwrap();
        let labels: Vec<String> = p.cases.iter().map(Case::label).collect();
        assert_eq!(
            labels,
            [
                "set-3b c1 P4",
                "set-3b c10 P4",
                "get-1k c1 P4",
                "get-1k c10 P4"
            ]
        );
        assert_eq!(p.stop, Stop::Duration(Duration::from_millis(500)));
        assert_eq!(p.pairs.len(), 3);
        assert!(p.compare);
        let p = plan(&[
            "--durability",
            "memory,fsync,memory",
            "-w",
            "evalsha",
            "-c",
            "1,50",
        ])
        .unwrap();
        assert_eq!(p.pairs, vec![Durability::Fsync, Durability::Memory]);
        let labels: Vec<String> = p.cases.iter().map(Case::label).collect();
        assert_eq!(labels, ["evalsha c1 P1", "evalsha c50 P1"]);
    }

    #[test]
    fn bad_arguments_are_refused() {
        assert!(plan(&["--workload", "bogus"])
            .unwrap_err()
            .contains("unknown workload"));
        assert!(plan(&["--clients", "0"]).is_err());
        assert!(plan(&["--rounds", "0"]).is_err());
        assert!(plan(&["--threads", "0"]).is_err());
        assert_eq!(plan(&["--threads", "2"]).unwrap().threads, 2);
        assert!(plan(&["--duration", "-1"]).is_err());
        assert!(plan(&["--duration", "1", "--requests", "5"]).is_err());
        assert!(plan(&["--durability", "sometimes"]).is_err());
        assert!(plan(&["--tool", "redis-benchmark", "--duration", "1"]).is_err());
    }

    #[test]
    fn requests_and_redis_benchmark() {
        let p = plan(&["-n", "1000", "--tool", "redis-benchmark"]).unwrap();
        assert_eq!(p.stop, Stop::Requests(1000));
        assert_eq!(
            p.skipped,
            vec![Workload::Evalsha, Workload::Latency, Workload::Pubsub]
        );
        assert!(p.cases.iter().all(|c| c.workload != Workload::Pubsub));
    }

    #[test]
    fn memory_is_a_subcommand_with_its_own_flags() {
        let args = parse(&[
            "memory",
            "--compare",
            "--keys",
            "10",
            "--connections",
            "5,7",
        ])
        .unwrap();
        let Some(Mode::Memory(m)) = args.mode else {
            panic!("memory mode expected");
        };
        assert!(m.common.compare);
        assert_eq!(m.keys, 10);
        assert_eq!(m.connections, vec![5, 7]);
        assert_eq!(m.pair(), Ok(Durability::Memory));
        let all = parse(&["memory", "--durability", "all"]).unwrap();
        let Some(Mode::Memory(m)) = all.mode else {
            panic!("memory mode expected");
        };
        assert!(m.pair().is_err());
    }
}
