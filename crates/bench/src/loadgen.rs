//! The load generator: `clients` connections, each sending `pipeline`
//! commands, waiting for their replies, and recording each reply's latency
//! (from the moment its batch was sent, like redis-benchmark).
//!
//! It runs on whatever runtime polls it; the benchmark uses a
//! current-thread runtime so it never takes more than one core, and
//! measures that thread's CPU time around the run.

use std::net::SocketAddr;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use anyhow::Context;
use hdrhistogram::Histogram;
use tokio::task::JoinSet;

use crate::client::Conn;
use crate::stats::{self, Measurement};
use crate::sys;
use crate::workload::{CommandGen, Workload};

/// When a run ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stop {
    /// After this long (each client finishes the batch in flight).
    Duration(Duration),
    /// After this many requests in total.
    Requests(u64),
}

/// One run's shape.
#[derive(Debug, Clone)]
pub struct LoadSpec {
    pub workload: Workload,
    pub clients: usize,
    pub pipeline: usize,
    pub stop: Stop,
    pub keyspace: u64,
    /// Seeds the clients' key generators (same seed, same keys).
    pub seed: u64,
}

/// Splits a request budget over clients (the first ones take the
/// remainder); `None` for each client when the run is timed.
pub fn budgets(stop: Stop, clients: usize) -> Vec<Option<u64>> {
    let clients = clients.max(1);
    match stop {
        Stop::Duration(_) => vec![None; clients],
        Stop::Requests(total) => {
            let each = total / clients as u64;
            let extra = (total % clients as u64) as usize;
            (0..clients)
                .map(|i| Some(each + u64::from(i < extra)))
                .collect()
        }
    }
}

struct ClientResult {
    ops: u64,
    errors: u64,
    hist: Histogram<u64>,
}

/// Runs `spec` against the server at `addr` on the calling task's
/// runtime. `server_pid`, when known, has its CPU time measured over the
/// same interval.
pub async fn run(
    addr: SocketAddr,
    spec: &LoadSpec,
    server_pid: Option<u32>,
) -> anyhow::Result<Measurement> {
    let conns = connect_all(addr, spec.clients.max(1)).await?;
    let budgets = budgets(spec.stop, conns.len());
    let cpu_before = sys::thread_cpu();
    let server_before = server_pid.and_then(sys::process_cpu);
    let start = Instant::now();
    let mut total = drive(conns, spec, budgets, 0, start).await?;
    total.loadgen_cpu = sys::thread_cpu().saturating_sub(cpu_before);
    total.server_cpu = cpu_since(server_pid, server_before);
    Ok(total)
}

/// Like [`run`], with the clients spread over `threads` threads, each with
/// its own current-thread runtime (for machines where one generator core
/// cannot keep up). `loadgen_cpu` is the threads' total and
/// `loadgen_threads` their number.
pub fn run_threads(
    addr: SocketAddr,
    spec: &LoadSpec,
    server_pid: Option<u32>,
    threads: usize,
) -> anyhow::Result<Measurement> {
    let clients = spec.clients.max(1);
    let threads = threads.clamp(1, clients);
    if threads == 1 {
        return crate::runtime()?.block_on(run(addr, spec, server_pid));
    }
    let all_budgets = budgets(spec.stop, clients);
    let barrier = Arc::new(Barrier::new(threads + 1));
    let mut handles = Vec::with_capacity(threads);
    for t in 0..threads {
        let first = t * clients / threads;
        let last = (t + 1) * clients / threads;
        let my_budgets = all_budgets[first..last].to_vec();
        let spec = spec.clone();
        let barrier = barrier.clone();
        handles.push(std::thread::spawn(
            move || -> anyhow::Result<(Measurement, Instant)> {
                let rt = crate::runtime();
                let conns = match &rt {
                    Ok(rt) => rt.block_on(connect_all(addr, last - first)),
                    Err(_) => Ok(Vec::new()),
                };
                // Everyone passes the barrier, errors or not, so none waits forever.
                barrier.wait();
                let (rt, conns) = (rt?, conns?);
                let cpu_before = sys::thread_cpu();
                let start = Instant::now();
                let mut m = rt.block_on(drive(conns, &spec, my_budgets, first, start))?;
                m.loadgen_cpu = sys::thread_cpu().saturating_sub(cpu_before);
                Ok((m, start))
            },
        ));
    }
    barrier.wait();
    let server_before = server_pid.and_then(sys::process_cpu);
    let mut total = empty();
    total.loadgen_threads = threads;
    let mut first_start: Option<Instant> = None;
    let mut last_end: Option<Instant> = None;
    let mut failure = None;
    for handle in handles {
        match handle.join() {
            Ok(Ok((m, start))) => {
                total.ops += m.ops;
                total.errors += m.errors;
                total.loadgen_cpu += m.loadgen_cpu;
                let _ = total.hist.add(&m.hist);
                first_start = Some(first_start.map_or(start, |s| s.min(start)));
                let end = start + m.elapsed;
                last_end = Some(last_end.map_or(end, |e| e.max(end)));
            }
            Ok(Err(e)) => failure = Some(e),
            Err(_) => failure = Some(anyhow::anyhow!("a load generator thread panicked")),
        }
    }
    if let Some(e) = failure {
        return Err(e);
    }
    total.server_cpu = cpu_since(server_pid, server_before);
    if let (Some(start), Some(end)) = (first_start, last_end) {
        total.elapsed = end - start;
    }
    Ok(total)
}

fn cpu_since(pid: Option<u32>, before: Option<Duration>) -> Option<Duration> {
    match (before, pid.and_then(sys::process_cpu)) {
        (Some(a), Some(b)) => Some(b.saturating_sub(a)),
        _ => None,
    }
}

fn empty() -> Measurement {
    Measurement {
        ops: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        hist: stats::histogram(),
        loadgen_cpu: Duration::ZERO,
        loadgen_threads: 1,
        server_cpu: None,
        external: None,
    }
}

async fn connect_all(addr: SocketAddr, n: usize) -> anyhow::Result<Vec<Conn>> {
    let mut conns = Vec::with_capacity(n);
    for _ in 0..n {
        conns.push(
            Conn::connect(addr)
                .await
                .with_context(|| format!("cannot connect to {addr}"))?,
        );
    }
    Ok(conns)
}

/// Runs the clients (numbered from `first`, which seeds their keys) from
/// `start` until their budgets or the deadline are spent.
async fn drive(
    conns: Vec<Conn>,
    spec: &LoadSpec,
    budgets: Vec<Option<u64>>,
    first: usize,
    start: Instant,
) -> anyhow::Result<Measurement> {
    let pipeline = spec.pipeline.max(1);
    let deadline = match spec.stop {
        Stop::Duration(d) => Some(start + d),
        Stop::Requests(_) => None,
    };
    let mut tasks = JoinSet::new();
    for (i, (conn, budget)) in conns.into_iter().zip(budgets).enumerate() {
        let seed = spec
            .seed
            .wrapping_mul(1_000_003)
            .wrapping_add((first + i) as u64);
        let gen = CommandGen::new(spec.workload, spec.keyspace, seed);
        tasks.spawn(client(conn, gen, pipeline, budget, deadline));
    }
    let mut total = empty();
    let mut failure = None;
    while let Some(joined) = tasks.join_next().await {
        match joined.context("load generator task failed")? {
            Ok(r) => {
                total.ops += r.ops;
                total.errors += r.errors;
                let _ = total.hist.add(&r.hist);
            }
            Err(e) => failure = Some(e),
        }
    }
    total.elapsed = start.elapsed();
    if let Some(e) = failure {
        return Err(anyhow::Error::new(e).context("a benchmark connection failed"));
    }
    Ok(total)
}

async fn client(
    mut conn: Conn,
    mut gen: CommandGen,
    pipeline: usize,
    budget: Option<u64>,
    deadline: Option<Instant>,
) -> std::io::Result<ClientResult> {
    let mut result = ClientResult {
        ops: 0,
        errors: 0,
        hist: stats::histogram(),
    };
    let mut wire = Vec::with_capacity(pipeline * 64);
    loop {
        let batch = match budget {
            Some(budget) => (budget - result.ops).min(pipeline as u64) as usize,
            None => pipeline,
        };
        if batch == 0 || deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(result);
        }
        wire.clear();
        for _ in 0..batch {
            gen.write(&mut wire);
        }
        let sent = Instant::now();
        conn.send(&wire).await?;
        let (hist, errors) = (&mut result.hist, &mut result.errors);
        conn.read_replies(batch, |arrival, error| {
            stats::record(hist, arrival.duration_since(sent));
            *errors += u64::from(error);
        })
        .await?;
        result.ops += batch as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_budgets_add_up() {
        assert_eq!(
            budgets(Stop::Requests(10), 3),
            vec![Some(4), Some(3), Some(3)]
        );
        assert_eq!(
            budgets(Stop::Requests(2), 3),
            vec![Some(1), Some(1), Some(0)]
        );
        assert_eq!(
            budgets(Stop::Duration(Duration::from_secs(1)), 2),
            vec![None, None]
        );
    }
}
