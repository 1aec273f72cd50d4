//! `--tool redis-benchmark`: the same cases driven by `redis-benchmark`
//! (from the Debian package `redis-tools`), as a cross-check of the
//! built-in generator. Its keys are `key:__rand_int__` and
//! `counter:__rand_int__` like ours; LPUSH, SADD, ZADD and HSET go to a
//! single key there. It reports no p99.9.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::args::Case;
use crate::stats::{self, Measurement, Percentiles};
use crate::sys;
use crate::workload::Workload;

/// redis-benchmark's `-t` name for a workload, if it has one.
pub fn test_name(w: Workload) -> Option<&'static str> {
    match w {
        Workload::Set3 | Workload::Set1k => Some("set"),
        Workload::Get3 | Workload::Get1k => Some("get"),
        Workload::Incr => Some("incr"),
        Workload::Lpush => Some("lpush"),
        Workload::Sadd => Some("sadd"),
        Workload::Zadd => Some("zadd"),
        Workload::Hset => Some("hset"),
        Workload::Evalsha | Workload::Latency | Workload::Pubsub => None,
    }
}

/// Runs one case with `redis-benchmark` next to `redis-server`'s program.
pub fn run(
    program: &Path,
    addr: SocketAddr,
    case: &Case,
    requests: u64,
    keyspace: u64,
    server_pid: Option<u32>,
) -> anyhow::Result<Measurement> {
    let test = test_name(case.workload)
        .with_context(|| format!("redis-benchmark cannot run {}", case.workload.name()))?;
    let cpu_before = sys::children_cpu();
    let server_before = server_pid.and_then(sys::process_cpu);
    let start = Instant::now();
    let output = Command::new(program)
        .args(["-h", &addr.ip().to_string(), "-p", &addr.port().to_string()])
        .args([
            "-c",
            &case.clients.to_string(),
            "-P",
            &case.pipeline.to_string(),
        ])
        .args(["-n", &requests.to_string(), "-r", &keyspace.to_string()])
        .args(["-d", &case.workload.value_size().to_string()])
        .args(["-t", test, "--csv"])
        .output()
        .with_context(|| format!("cannot run {}", program.display()))?;
    let wall = start.elapsed();
    if !output.status.success() {
        bail!(
            "redis-benchmark failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let (rps, latency) = parse_csv(&stdout)
        .with_context(|| format!("cannot read redis-benchmark's output:\n{stdout}"))?;
    let elapsed = if rps > 0.0 {
        Duration::from_secs_f64(requests as f64 / rps)
    } else {
        wall
    };
    Ok(Measurement {
        ops: requests,
        errors: 0,
        elapsed,
        hist: stats::histogram(),
        loadgen_cpu: sys::children_cpu().saturating_sub(cpu_before),
        loadgen_threads: 1,
        server_cpu: match (server_before, server_pid.and_then(sys::process_cpu)) {
            // Over the whole process lifetime, scaled to the measured part.
            (Some(a), Some(b)) => Some(
                b.saturating_sub(a)
                    .mul_f64((elapsed.as_secs_f64() / wall.as_secs_f64()).min(1.0)),
            ),
            _ => None,
        },
        external: Some(latency),
    })
}

/// Reads `--csv` output: a header line naming the columns, then one line
/// per test. Returns requests per second and the percentiles it has.
pub fn parse_csv(text: &str) -> Option<(f64, Percentiles)> {
    let mut lines = text.lines().filter(|l| l.starts_with('"'));
    let header = split(lines.next()?);
    let values = split(lines.next()?);
    let column = |name: &str| -> Option<f64> {
        let i = header.iter().position(|h| h == name)?;
        values.get(i)?.parse().ok()
    };
    let ms = |name: &str| column(name).map(|ms| ms * 1000.0);
    Some((
        column("rps")?,
        Percentiles {
            p50_us: ms("p50_latency_ms"),
            p99_us: ms("p99_latency_ms"),
            p999_us: None,
        },
    ))
}

fn split(line: &str) -> Vec<String> {
    line.split(',')
        .map(|field| field.trim().trim_matches('"').to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_output_is_parsed() {
        let out = "\"test\",\"rps\",\"avg_latency_ms\",\"min_latency_ms\",\"p50_latency_ms\",\"p95_latency_ms\",\"p99_latency_ms\",\"max_latency_ms\"\n\"SET\",\"129533.68\",\"0.201\",\"0.064\",\"0.199\",\"0.271\",\"0.327\",\"1.087\"\n";
        let (rps, p) = parse_csv(out).unwrap();
        assert!((rps - 129_533.68).abs() < 1e-6);
        assert!((p.p50_us.unwrap() - 199.0).abs() < 1e-6);
        assert!((p.p99_us.unwrap() - 327.0).abs() < 1e-6);
        assert_eq!(p.p999_us, None);
        assert!(parse_csv("nothing useful").is_none());
    }

    #[test]
    fn only_mappable_workloads_have_a_test() {
        assert_eq!(test_name(Workload::Get1k), Some("get"));
        assert_eq!(test_name(Workload::Pubsub), None);
    }
}
