//! Results as text tables and JSON.

use std::fmt::Write;

use serde::Serialize;

use crate::args::{Case, Tool};
use crate::servers::Durability;
use crate::stats::{Ratio, Summary};
use crate::sys::Machine;
use crate::workload::Workload;

/// Load generator CPU share above which its numbers are suspect.
pub const LOADGEN_SATURATED: f64 = 0.9;

/// Everything one `keel bench` run measured (the `--json` document).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub machine: Machine,
    pub settings: RunSettings,
    pub pairs: Vec<PairReport>,
}

/// How the run was made.
#[derive(Debug, Clone, Serialize)]
pub struct RunSettings {
    pub tool: Tool,
    pub loadgen_threads: usize,
    /// keel's `threads` setting if the run set it (else keel's default).
    pub keel_threads: Option<usize>,
    pub rounds: usize,
    pub duration_s: Option<f64>,
    pub requests: Option<u64>,
    pub keyspace: u64,
    pub redis_version: Option<String>,
    pub unix_time: u64,
}

/// One durability pair's results.
#[derive(Debug, Clone, Serialize)]
pub struct PairReport {
    pub durability: Durability,
    pub keel_args: String,
    pub redis_args: Option<String>,
    pub cases: Vec<CaseReport>,
}

/// One case on both servers.
#[derive(Debug, Clone, Serialize)]
pub struct CaseReport {
    #[serde(flatten)]
    pub case: Case,
    /// What `ops_per_sec` counts.
    pub unit: &'static str,
    pub keel: Summary,
    pub redis: Option<Summary>,
    /// keel / Redis.
    pub ratio: Option<Ratio>,
}

impl CaseReport {
    pub fn new(case: Case, keel: Summary, redis: Option<Summary>) -> CaseReport {
        let ratio = redis.as_ref().map(|r| Ratio::of(&keel, r));
        CaseReport {
            case,
            unit: unit(case.workload),
            keel,
            redis,
            ratio,
        }
    }
}

fn unit(w: Workload) -> &'static str {
    if w == Workload::Pubsub {
        "msgs/s"
    } else {
        "ops/s"
    }
}

/// `1234567.8` → `1,234,568`.
pub fn rate(value: f64) -> String {
    let n = value.round().max(0.0) as u64;
    let digits = n.to_string();
    let mut out = String::new();
    let lead = match digits.len() % 3 {
        0 => 3,
        r => r,
    };
    out.push_str(&digits[..lead]);
    for group in digits.as_bytes()[lead..].chunks(3) {
        out.push(',');
        out.push_str(std::str::from_utf8(group).unwrap_or_default());
    }
    out
}

/// A latency in µs with a readable unit: `87 µs`, `1.23 ms`, `2.10 s`.
pub fn latency(us: Option<f64>) -> String {
    match us {
        None => "-".into(),
        Some(us) if us < 1_000.0 => format!("{us:.0} µs"),
        Some(us) if us < 1_000_000.0 => format!("{:.2} ms", us / 1_000.0),
        Some(us) => format!("{:.2} s", us / 1_000_000.0),
    }
}

/// `0.8712` → `0.87x`.
pub fn times(r: Option<f64>) -> String {
    r.map_or_else(|| "-".into(), |r| format!("{r:.2}x"))
}

/// A share of one core: `0.953` → `95%`.
pub fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "-".into(), |s| format!("{:.0}%", s * 100.0))
}

/// The table of one case: a row per server and the keel/Redis ratio.
pub fn case_table(report: &CaseReport, rounds: usize) -> String {
    let case = &report.case;
    let mut out = String::new();
    let shape = if case.workload == Workload::Pubsub {
        format!(
            "1 publisher, {} subscribers, pipeline {}",
            case.clients, case.pipeline
        )
    } else {
        format!(
            "{} client{}, pipeline {}",
            case.clients,
            if case.clients == 1 { "" } else { "s" },
            case.pipeline
        )
    };
    let _ = writeln!(
        out,
        "{}: {shape} ({rounds} round{})",
        case.workload.name(),
        if rounds == 1 { "" } else { "s" }
    );
    let _ = writeln!(
        out,
        "  {:<11}{:>12}{:>11}{:>11}{:>11}{:>12}{:>13}{:>9}",
        "", report.unit, "p50", "p99", "p99.9", "server CPU", "loadgen CPU", "errors"
    );
    let mut row = |name: &str, s: &Summary| {
        let _ = writeln!(
            out,
            "  {:<11}{:>12}{:>11}{:>11}{:>11}{:>12}{:>13}{:>9}",
            name,
            rate(s.ops_per_sec),
            latency(s.latency.p50_us),
            latency(s.latency.p99_us),
            latency(s.latency.p999_us),
            percent(s.server_cpu),
            percent(Some(s.loadgen_cpu)),
            s.errors
        );
    };
    row("keel", &report.keel);
    if let Some(redis) = &report.redis {
        row("redis", redis);
    }
    if let Some(r) = &report.ratio {
        let _ = writeln!(
            out,
            "  {:<11}{:>12}{:>11}{:>11}{:>11}   per round: {}",
            "keel/redis",
            times(r.ops_per_sec),
            times(r.p50),
            times(r.p99),
            times(r.p999),
            r.ops_per_sec_rounds
                .iter()
                .map(|x| times(*x))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    let busiest = [Some(&report.keel), report.redis.as_ref()]
        .into_iter()
        .flatten()
        .map(|s| s.loadgen_cpu)
        .fold(0.0, f64::max);
    if busiest > LOADGEN_SATURATED {
        let _ = writeln!(
            out,
            "  warning: the load generator used {} of a core: these numbers may measure it, not the server",
            percent(Some(busiest))
        );
    }
    out
}

/// A Markdown table with one line per case (the summary of a pair).
pub fn summary_table(pair: &PairReport) -> String {
    let mut out = String::new();
    let compare = pair.cases.iter().any(|c| c.redis.is_some());
    if compare {
        out.push_str("| workload | clients | pipeline | keel | redis | keel/redis | keel p50 | redis p50 | keel p99 | redis p99 | keel p99.9 | redis p99.9 | loadgen CPU |\n");
        out.push_str("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    } else {
        out.push_str(
            "| workload | clients | pipeline | keel | p50 | p99 | p99.9 | loadgen CPU |\n",
        );
        out.push_str("|---|--:|--:|--:|--:|--:|--:|--:|\n");
    }
    for c in &pair.cases {
        let k = &c.keel;
        let loadgen = [Some(k), c.redis.as_ref()]
            .into_iter()
            .flatten()
            .map(|s| s.loadgen_cpu)
            .fold(0.0, f64::max);
        let name = format!("{} ({})", c.case.workload.name(), c.unit);
        match &c.redis {
            Some(r) => {
                let _ = writeln!(
                    out,
                    "| {name} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                    c.case.clients,
                    c.case.pipeline,
                    rate(k.ops_per_sec),
                    rate(r.ops_per_sec),
                    times(c.ratio.as_ref().and_then(|r| r.ops_per_sec)),
                    latency(k.latency.p50_us),
                    latency(r.latency.p50_us),
                    latency(k.latency.p99_us),
                    latency(r.latency.p99_us),
                    latency(k.latency.p999_us),
                    latency(r.latency.p999_us),
                    percent(Some(loadgen)),
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "| {name} | {} | {} | {} | {} | {} | {} | {} |",
                    c.case.clients,
                    c.case.pipeline,
                    rate(k.ops_per_sec),
                    latency(k.latency.p50_us),
                    latency(k.latency.p99_us),
                    latency(k.latency.p999_us),
                    percent(Some(loadgen)),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Percentiles;

    #[test]
    fn numbers_are_readable() {
        assert_eq!(rate(0.0), "0");
        assert_eq!(rate(999.4), "999");
        assert_eq!(rate(1234567.8), "1,234,568");
        assert_eq!(rate(100000.0), "100,000");
        assert_eq!(latency(Some(87.2)), "87 µs");
        assert_eq!(latency(Some(1234.0)), "1.23 ms");
        assert_eq!(latency(Some(2_100_000.0)), "2.10 s");
        assert_eq!(latency(None), "-");
        assert_eq!(times(Some(0.8712)), "0.87x");
        assert_eq!(percent(Some(0.953)), "95%");
    }

    fn summary(ops: f64, p50: f64, loadgen: f64) -> Summary {
        Summary {
            ops_per_sec: ops,
            ops_per_sec_rounds: vec![ops],
            latency: Percentiles {
                p50_us: Some(p50),
                p99_us: Some(p50 * 2.0),
                p999_us: Some(p50 * 3.0),
            },
            errors: 0,
            loadgen_cpu: loadgen,
            server_cpu: Some(1.0),
        }
    }

    fn case() -> Case {
        Case {
            workload: Workload::Get3,
            clients: 50,
            pipeline: 16,
        }
    }

    #[test]
    fn case_table_has_both_servers_and_the_ratio() {
        let report = CaseReport::new(
            case(),
            summary(80_000.0, 100.0, 0.5),
            Some(summary(100_000.0, 50.0, 0.4)),
        );
        let text = case_table(&report, 3);
        assert!(
            text.starts_with("get-3b: 50 clients, pipeline 16 (3 rounds)"),
            "{text}"
        );
        assert!(
            text.contains("80,000") && text.contains("100,000"),
            "{text}"
        );
        assert!(text.contains("0.80x") && text.contains("2.00x"), "{text}");
        assert!(!text.contains("warning"), "{text}");
        let saturated = CaseReport::new(
            case(),
            summary(1.0, 1.0, 0.97),
            Some(summary(1.0, 1.0, 0.5)),
        );
        assert!(case_table(&saturated, 1).contains("warning: the load generator used 97%"));
    }

    #[test]
    fn summary_is_a_markdown_table() {
        let pair = PairReport {
            durability: Durability::Memory,
            keel_args: "--durability memory".into(),
            redis_args: Some("--appendonly no".into()),
            cases: vec![CaseReport::new(
                case(),
                summary(50_000.0, 100.0, 0.5),
                Some(summary(100_000.0, 50.0, 0.4)),
            )],
        };
        let table = summary_table(&pair);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[2].starts_with("| get-3b (ops/s) | 50 | 16 | 50,000 | 100,000 | 0.50x |"));
        let pipes = |l: &str| l.matches('|').count();
        assert!(lines.iter().all(|l| pipes(l) == pipes(lines[0])));
        let json = serde_json::to_value(&pair).unwrap();
        assert_eq!(json["cases"][0]["workload"], "get-3b");
        assert_eq!(json["cases"][0]["ratio"]["ops_per_sec"], 0.5);
        assert_eq!(json["durability"], "memory");
    }
}
