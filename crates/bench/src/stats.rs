//! Measurements of one run, their summary over rounds, and keel/Redis
//! ratios.

use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

/// Highest latency recorded (larger values are clamped): 60 s in ns.
const MAX_LATENCY_NS: u64 = 60_000_000_000;

/// A latency histogram in nanoseconds with 3 significant digits.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_LATENCY_NS, 3).expect("valid histogram bounds")
}

/// Records one latency, clamped into the histogram's range.
pub fn record(hist: &mut Histogram<u64>, latency: Duration) {
    let ns = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
    hist.saturating_record(ns.clamp(1, MAX_LATENCY_NS));
}

/// What one run against one server measured.
#[derive(Debug, Clone)]
pub struct Measurement {
    /// Completed operations (replies received, or messages delivered).
    pub ops: u64,
    /// Error replies (or, for pub/sub, messages published but not delivered).
    pub errors: u64,
    /// Wall time of the measured part.
    pub elapsed: Duration,
    /// Latency of every operation, in ns.
    pub hist: Histogram<u64>,
    /// CPU time the load generator used meanwhile (all its threads).
    pub loadgen_cpu: Duration,
    /// Threads the load generator ran on.
    pub loadgen_threads: usize,
    /// CPU time the server used meanwhile (all its threads).
    pub server_cpu: Option<Duration>,
    /// Percentiles reported by an external tool, which has no histogram
    /// to share (`redis-benchmark`); they take precedence over `hist`.
    pub external: Option<Percentiles>,
}

impl Measurement {
    /// Operations per second.
    pub fn ops_per_sec(&self) -> f64 {
        per_sec(self.ops, self.elapsed)
    }

    /// Share of one core each load generator thread used on average
    /// (1.0 = saturated).
    pub fn loadgen_load(&self) -> f64 {
        share(self.loadgen_cpu, self.elapsed) / self.loadgen_threads.max(1) as f64
    }

    /// Cores the server used on average (may exceed 1 for keel).
    pub fn server_load(&self) -> Option<f64> {
        self.server_cpu.map(|cpu| share(cpu, self.elapsed))
    }
}

fn per_sec(n: u64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 {
        n as f64 / secs
    } else {
        0.0
    }
}

fn share(cpu: Duration, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 {
        cpu.as_secs_f64() / secs
    } else {
        0.0
    }
}

/// Latency percentiles in microseconds (`None`: not measured).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Percentiles {
    pub p50_us: Option<f64>,
    pub p99_us: Option<f64>,
    pub p999_us: Option<f64>,
}

impl Percentiles {
    /// The 50th, 99th and 99.9th percentiles of a histogram in ns; all
    /// `None` when it is empty.
    pub fn of(hist: &Histogram<u64>) -> Percentiles {
        if hist.is_empty() {
            return Percentiles::default();
        }
        let at = |q: f64| Some(hist.value_at_quantile(q) as f64 / 1000.0);
        Percentiles {
            p50_us: at(0.5),
            p99_us: at(0.99),
            p999_us: at(0.999),
        }
    }
}

/// One server's rounds of one case, summarized.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Median over rounds.
    pub ops_per_sec: f64,
    /// Each round's figure, in run order.
    pub ops_per_sec_rounds: Vec<f64>,
    /// Percentiles of all rounds' latencies together.
    #[serde(flatten)]
    pub latency: Percentiles,
    pub errors: u64,
    /// Highest share of one core the load generator used in any round.
    pub loadgen_cpu: f64,
    /// Median cores the server used.
    pub server_cpu: Option<f64>,
}

impl Summary {
    /// Summarizes the rounds (at least one) of one server.
    pub fn of(rounds: &[Measurement]) -> Summary {
        let ops: Vec<f64> = rounds.iter().map(Measurement::ops_per_sec).collect();
        let mut merged = histogram();
        for m in rounds {
            // Same bounds everywhere, so adding cannot fail.
            let _ = merged.add(&m.hist);
        }
        let external: Vec<Percentiles> = rounds.iter().filter_map(|m| m.external).collect();
        let latency = if external.is_empty() {
            Percentiles::of(&merged)
        } else {
            // No histograms to merge: the median of each percentile.
            let pick = |f: fn(&Percentiles) -> Option<f64>| {
                median(&external.iter().filter_map(f).collect::<Vec<_>>())
            };
            Percentiles {
                p50_us: pick(|p| p.p50_us),
                p99_us: pick(|p| p.p99_us),
                p999_us: pick(|p| p.p999_us),
            }
        };
        let server: Vec<f64> = rounds.iter().filter_map(Measurement::server_load).collect();
        Summary {
            ops_per_sec: median(&ops).unwrap_or(0.0),
            ops_per_sec_rounds: ops,
            latency,
            errors: rounds.iter().map(|m| m.errors).sum(),
            loadgen_cpu: rounds
                .iter()
                .map(Measurement::loadgen_load)
                .fold(0.0, f64::max),
            server_cpu: median(&server),
        }
    }
}

/// keel divided by Redis: above 1 keel is faster for throughput, slower
/// for latencies.
#[derive(Debug, Clone, Serialize)]
pub struct Ratio {
    /// Median of the per-round ratios (each round runs both servers back
    /// to back, so slow drifts of the machine cancel out).
    pub ops_per_sec: Option<f64>,
    pub ops_per_sec_rounds: Vec<Option<f64>>,
    pub p50: Option<f64>,
    pub p99: Option<f64>,
    pub p999: Option<f64>,
}

impl Ratio {
    /// Compares keel's summary with Redis's.
    pub fn of(keel: &Summary, redis: &Summary) -> Ratio {
        let rounds: Vec<Option<f64>> = keel
            .ops_per_sec_rounds
            .iter()
            .zip(&redis.ops_per_sec_rounds)
            .map(|(k, r)| ratio(*k, *r))
            .collect();
        let known: Vec<f64> = rounds.iter().flatten().copied().collect();
        let lat = |k: Option<f64>, r: Option<f64>| ratio(k?, r?);
        Ratio {
            ops_per_sec: median(&known),
            ops_per_sec_rounds: rounds,
            p50: lat(keel.latency.p50_us, redis.latency.p50_us),
            p99: lat(keel.latency.p99_us, redis.latency.p99_us),
            p999: lat(keel.latency.p999_us, redis.latency.p999_us),
        }
    }
}

/// `a / b`, or `None` when `b` is not positive.
pub fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0 && a.is_finite()).then(|| a / b)
}

/// The median (mean of the middle two for an even count); `None` if empty.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    Some(if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measurement(ops: u64, secs: f64, latencies_us: &[u64]) -> Measurement {
        let mut hist = histogram();
        for us in latencies_us {
            record(&mut hist, Duration::from_micros(*us));
        }
        Measurement {
            ops,
            errors: 0,
            elapsed: Duration::from_secs_f64(secs),
            hist,
            loadgen_cpu: Duration::from_secs_f64(secs / 2.0),
            loadgen_threads: 1,
            server_cpu: Some(Duration::from_secs_f64(secs)),
            external: None,
        }
    }

    #[test]
    fn median_of_odd_even_and_empty() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[f64::NAN, 5.0]), Some(5.0));
    }

    #[test]
    fn ratio_refuses_zero_denominators() {
        assert_eq!(ratio(1.0, 2.0), Some(0.5));
        assert_eq!(ratio(1.0, 0.0), None);
    }

    #[test]
    fn percentiles_come_from_the_histogram() {
        let latencies: Vec<u64> = (1..=1000).collect();
        let p = Percentiles::of(&measurement(1000, 1.0, &latencies).hist);
        let close = |got: Option<f64>, want: f64| (got.unwrap() - want).abs() / want < 0.01;
        assert!(close(p.p50_us, 500.0), "{p:?}");
        assert!(close(p.p99_us, 990.0), "{p:?}");
        assert!(close(p.p999_us, 999.0), "{p:?}");
        assert_eq!(Percentiles::of(&histogram()), Percentiles::default());
    }

    #[test]
    fn summary_takes_the_median_round_and_merges_latencies() {
        let rounds = [
            measurement(100, 1.0, &[10; 10]),
            measurement(300, 1.0, &[30; 10]),
            measurement(400, 2.0, &[20; 10]),
        ];
        let s = Summary::of(&rounds);
        assert_eq!(s.ops_per_sec_rounds, vec![100.0, 300.0, 200.0]);
        assert_eq!(s.ops_per_sec, 200.0);
        assert!((s.latency.p50_us.unwrap() - 20.0).abs() < 0.1);
        assert!((s.loadgen_cpu - 0.5).abs() < 1e-9);
        assert!((s.server_cpu.unwrap() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn ratio_is_the_median_of_interleaved_rounds() {
        let keel = Summary::of(&[
            measurement(90, 1.0, &[20]),
            measurement(200, 1.0, &[20]),
            measurement(120, 1.0, &[20]),
        ]);
        let redis = Summary::of(&[
            measurement(100, 1.0, &[10]),
            measurement(100, 1.0, &[10]),
            measurement(200, 1.0, &[10]),
        ]);
        let r = Ratio::of(&keel, &redis);
        assert_eq!(r.ops_per_sec_rounds, vec![Some(0.9), Some(2.0), Some(0.6)]);
        assert_eq!(r.ops_per_sec, Some(0.9));
        assert!((r.p50.unwrap() - 2.0).abs() < 0.01);
    }
}
