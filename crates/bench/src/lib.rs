//! `keel bench`: the benchmarking instrument.
//!
//! It starts keel (the `keel` binary itself, `keel server ...`) and, with
//! `--compare`, `redis-server` on ephemeral loopback ports with matching
//! durability settings, and drives both with the same load in the same
//! run, round after round, so their ratio is meaningful even on a noisy
//! machine (docs/design/architecture.md §4: never an absolute figure alone).
//!
//! * [`loadgen`] and [`pubsub`] are the load generator: a small pipelined
//!   RESP client ([`client`]) on a current-thread tokio runtime, so it uses
//!   at most one core, with latencies in HdrHistograms; its own CPU time is
//!   measured and reported next to the numbers.
//! * [`runner`] orchestrates rounds and servers; [`stats`] and [`report`]
//!   turn measurements into medians, percentiles, ratios, tables and JSON.
//! * [`memory`] measures RSS per key and per idle connection.

pub mod args;
pub mod client;
pub mod conns;
pub mod fill;
pub mod loadgen;
pub mod memory;
pub mod pubsub;
pub mod redis_benchmark;
pub mod report;
pub mod runner;
pub mod servers;
pub mod stats;
pub mod sys;
pub mod workload;

use std::path::PathBuf;

use anyhow::Context;

pub use args::BenchArgs;

use args::{Common, Mode};
use servers::Programs;

/// Runs `keel bench`; `keel_exe` is the keel binary to start as the server.
pub fn run(args: BenchArgs, keel_exe: PathBuf) -> anyhow::Result<()> {
    match args.mode {
        Some(Mode::Memory(memory)) => {
            let programs = programs(&memory.common, keel_exe);
            let report = memory::run(&memory, &programs)?;
            write_json(memory.common.json.as_ref(), &report)
        }
        None => {
            let plan = args.load.plan().map_err(anyhow::Error::msg)?;
            let programs = programs(&args.load.common, keel_exe);
            let report = runner::run(&plan, &programs, &args.load.redis_benchmark)?;
            write_json(args.load.common.json.as_ref(), &report)
        }
    }
}

fn programs(common: &Common, keel_exe: PathBuf) -> Programs {
    Programs {
        keel: common.keel_bin.clone().unwrap_or(keel_exe),
        redis: common.redis_server.clone(),
    }
}

fn write_json(path: Option<&PathBuf>, report: &impl serde::Serialize) -> anyhow::Result<()> {
    let Some(path) = path else {
        return Ok(());
    };
    let text = serde_json::to_string_pretty(report)?;
    std::fs::write(path, text + "\n")
        .with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!("results written to {}", path.display());
    Ok(())
}

/// The load generator's runtime: one thread (the caller's), so the
/// generator never takes more than one core and its CPU time is that
/// thread's.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the load generator's runtime")
}
