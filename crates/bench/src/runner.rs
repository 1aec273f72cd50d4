//! `keel bench`: for each durability pair, start keel (and Redis with
//! `--compare`), then run every case on each server back to back, round
//! after round, alternating which server goes first, and summarize.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use tokio::runtime::Runtime;

use crate::args::{Case, Plan, Tool};
use crate::fill::{fill, flush, load_script};
use crate::loadgen::{self, LoadSpec, Stop};
use crate::pubsub::{self, PubsubSpec};
use crate::redis_benchmark;
use crate::report::{self, CaseReport, PairReport, Report, RunSettings};
use crate::servers::{Durability, Kind, Programs, Server, Settings};
use crate::stats::{Measurement, Summary};
use crate::sys::Machine;
use crate::workload::{write_key, Workload};

/// Runs the plan and prints the tables; returns the report.
pub fn run(plan: &Plan, programs: &Programs, redis_benchmark: &Path) -> anyhow::Result<Report> {
    let rt = crate::runtime()?;
    for w in &plan.skipped {
        eprintln!("note: {} is not run with --tool redis-benchmark", w.name());
    }
    let mut pairs = Vec::new();
    for &pair in &plan.pairs {
        let report = run_pair(&rt, plan, programs, redis_benchmark, pair)?;
        println!();
        println!("{}", pair_title(&report));
        println!();
        for case in &report.cases {
            println!("{}", report::case_table(case, plan.rounds));
        }
        println!("{}", report::summary_table(&report));
        pairs.push(report);
    }
    let (duration_s, requests) = match plan.stop {
        Stop::Duration(d) => (Some(d.as_secs_f64()), None),
        Stop::Requests(n) => (None, Some(n)),
    };
    Ok(Report {
        machine: Machine::detect(),
        settings: RunSettings {
            tool: plan.tool,
            loadgen_threads: plan.threads,
            keel_threads: plan.keel_threads,
            rounds: plan.rounds,
            duration_s,
            requests,
            keyspace: plan.keyspace,
            redis_version: plan
                .compare
                .then(|| redis_version(&programs.redis))
                .flatten(),
            unix_time: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        },
        pairs,
    })
}

fn pair_title(pair: &PairReport) -> String {
    match &pair.redis_args {
        Some(redis) => format!("== keel {} vs redis-server {redis}", pair.keel_args),
        None => format!("== keel {}", pair.keel_args),
    }
}

fn run_pair(
    rt: &Runtime,
    plan: &Plan,
    programs: &Programs,
    redis_benchmark: &Path,
    pair: Durability,
) -> anyhow::Result<PairReport> {
    let most = plan.cases.iter().map(|c| c.clients + 1).max().unwrap_or(1);
    let settings = Settings {
        durability: pair,
        maxclients: (most + 64).max(10_000),
        keel_threads: plan.keel_threads,
    };
    let keel = Server::start(Kind::Keel, programs, settings)?;
    let redis = if plan.compare {
        Some(Server::start(Kind::Redis, programs, settings)?)
    } else {
        None
    };
    eprintln!(
        "durability {}: keel pid {} on {}{}",
        pair.keel(),
        keel.pid(),
        keel.addr,
        redis
            .as_ref()
            .map(|r| format!(", redis-server pid {} on {}", r.pid(), r.addr))
            .unwrap_or_default()
    );
    let servers: Vec<&Server> = std::iter::once(&keel).chain(redis.as_ref()).collect();
    // measured[case][server] = one measurement per round.
    let mut measured: Vec<Vec<Vec<Measurement>>> =
        vec![vec![Vec::new(); servers.len()]; plan.cases.len()];
    for round in 0..plan.rounds {
        for (ci, case) in plan.cases.iter().enumerate() {
            let mut order: Vec<usize> = (0..servers.len()).collect();
            if (round + ci) % 2 == 1 {
                order.reverse();
            }
            for si in order {
                let server = servers[si];
                let seed = (round * 1000 + ci) as u64;
                let m =
                    measure(rt, plan, case, server, redis_benchmark, seed).with_context(|| {
                        format!(
                            "{} on {} failed; server log:\n{}",
                            case.label(),
                            server.kind.name(),
                            server.log_tail()
                        )
                    })?;
                eprintln!(
                    "[round {}/{}] {:<22} {:<6} {:>12} {}  p99 {}  loadgen CPU {}",
                    round + 1,
                    plan.rounds,
                    case.label(),
                    server.kind.name(),
                    report::rate(m.ops_per_sec()),
                    if case.workload == Workload::Pubsub {
                        "msgs/s"
                    } else {
                        "ops/s"
                    },
                    report::latency(
                        m.external
                            .map(|p| p.p99_us)
                            .unwrap_or_else(|| crate::stats::Percentiles::of(&m.hist).p99_us)
                    ),
                    report::percent(Some(m.loadgen_load())),
                );
                measured[ci][si].push(m);
            }
        }
    }
    let cases = plan
        .cases
        .iter()
        .zip(measured)
        .map(|(case, by_server)| {
            let keel = Summary::of(&by_server[0]);
            let redis = by_server.get(1).map(|rounds| Summary::of(rounds));
            CaseReport::new(*case, keel, redis)
        })
        .collect();
    Ok(PairReport {
        durability: pair,
        keel_args: format!("--durability {}", pair.keel()),
        redis_args: plan.compare.then(|| {
            let mut args = vec!["--save", "\"\""];
            args.extend_from_slice(pair.redis_args());
            args.join(" ")
        }),
        cases,
    })
}

/// Prepares the server for a case (FLUSHALL, then the keys GET reads or
/// the script EVALSHA calls) and runs it.
fn measure(
    rt: &Runtime,
    plan: &Plan,
    case: &Case,
    server: &Server,
    redis_benchmark: &Path,
    seed: u64,
) -> anyhow::Result<Measurement> {
    let addr = server.addr;
    rt.block_on(async {
        flush(addr).await?;
        if let Some(size) = case.workload.preload() {
            let value = vec![b'x'; size];
            fill(addr, plan.keyspace, move |n, out| {
                let mut key = Vec::with_capacity(16);
                write_key(b"key:", n, &mut key);
                resp::Frame::encode_command(&[&b"SET"[..], &key, &value], out);
            })
            .await?;
        }
        if let Some((source, sha1)) = case.workload.script() {
            load_script(addr, source, sha1).await?;
        }
        anyhow::Ok(())
    })?;
    let pid = Some(server.pid());
    match plan.tool {
        Tool::RedisBenchmark => {
            let Stop::Requests(requests) = plan.stop else {
                anyhow::bail!("redis-benchmark needs a request count");
            };
            redis_benchmark::run(redis_benchmark, addr, case, requests, plan.keyspace, pid)
        }
        Tool::Builtin if case.workload == Workload::Pubsub => {
            let spec = PubsubSpec {
                subscribers: case.clients,
                pipeline: case.pipeline,
                stop: plan.stop,
            };
            rt.block_on(pubsub::run(addr, &spec, pid))
        }
        Tool::Builtin => {
            let spec = LoadSpec {
                workload: case.workload,
                clients: case.clients,
                pipeline: case.pipeline,
                stop: plan.stop,
                keyspace: plan.keyspace,
                seed,
            };
            loadgen::run_threads(addr, &spec, pid, plan.threads)
        }
    }
}

/// `7.0.15` from `redis-server --version`.
fn redis_version(program: &Path) -> Option<String> {
    let out = std::process::Command::new(program)
        .arg("--version")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .find_map(|w| w.strip_prefix("v="))
        .map(str::to_string)
}
