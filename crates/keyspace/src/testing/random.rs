//! Seeded random command sequences through the [`Diff`] driver.
//!
//! `KEEL_DIFF_SEEDS=n` runs `n` seeds (from the test's first seed, or from
//! `KEEL_DIFF_FIRST_SEED`) and `KEEL_DIFF_STEPS=n` runs `n` commands per
//! seed, for longer local runs or to replay one failing seed.

use std::collections::BTreeMap;
use std::ops::Range;

use resp::Frame;
use testkit::gen::Gen;

use super::Diff;

/// Which protocols a random run speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocols {
    /// Every seed twice: in RESP2, then from scratch in RESP3.
    Both,
    /// Every seed once, every `n`-th command in RESP3 (on the same data).
    Mixed(usize),
}

/// Where a random run is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Step {
    pub seed: u64,
    pub step: usize,
}

/// What a random run did: replies per command name, to check that the
/// generator exercises real work and not just errors.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    /// Command name (upper case) → (replies, error replies).
    pub per_command: BTreeMap<String, (usize, usize)>,
    pub total: usize,
    pub errors: usize,
    /// Non-empty array, set or map replies.
    pub nonempty: usize,
}

impl Stats {
    fn record(&mut self, cmd: &[Vec<u8>], reply: &Frame) {
        let error = reply.as_error().is_some();
        let name = String::from_utf8_lossy(&cmd[0]).to_ascii_uppercase();
        let entry = self.per_command.entry(name).or_default();
        entry.0 += 1;
        entry.1 += usize::from(error);
        self.total += 1;
        self.errors += usize::from(error);
        self.nonempty += usize::from(match reply {
            Frame::Array(items) | Frame::Set(items) => !items.is_empty(),
            Frame::Map(pairs) => !pairs.is_empty(),
            _ => false,
        });
    }

    /// Every command the generator produced succeeded at least once.
    pub fn assert_every_command_succeeds(&self) {
        for (name, (total, errors)) in &self.per_command {
            assert!(
                total > errors,
                "{name}: no successful reply in the random run"
            );
        }
    }

    /// At most `1/n` of the replies are errors.
    pub fn assert_errors_below(&self, n: usize) {
        assert!(
            self.errors * n < self.total,
            "too many errors: {} of {}",
            self.errors,
            self.total
        );
    }
}

fn env(name: &str) -> Option<u64> {
    std::env::var(name).ok()?.parse().ok()
}

/// Runs `steps` commands from each seed on keel and Redis and compares
/// every reply, then the whole state ([`Diff::check_state`]) after each
/// seed. `next` produces each command (usually a `testkit::gen` family's,
/// possibly adjusted to what keel holds); `after_seed` may inspect the
/// final state. Mismatches panic with the family, seed, step and protocol.
pub(crate) fn random_sequences(
    family: &str,
    seeds: Range<u64>,
    steps: usize,
    protocols: Protocols,
    mut next: impl FnMut(&mut Diff, &mut Gen, Step) -> Vec<Vec<u8>>,
    mut after_seed: impl FnMut(&mut Diff, u64),
) -> Stats {
    let first = env("KEEL_DIFF_FIRST_SEED").unwrap_or(seeds.start);
    let seeds = match env("KEEL_DIFF_SEEDS") {
        Some(n) => first..first + n,
        None => first..first + (seeds.end - seeds.start),
    };
    let steps = env("KEEL_DIFF_STEPS").map_or(steps, |n| n as usize);
    let passes: &[bool] = match protocols {
        Protocols::Both => &[false, true],
        Protocols::Mixed(_) => &[false],
    };
    let mut stats = Stats::default();
    let mut d = Diff::new();
    for &resp3 in passes {
        for seed in seeds.clone() {
            d.set_resp3(resp3);
            d.reset();
            let mut g = Gen::new(seed);
            for step in 0..steps {
                let cmd = next(&mut d, &mut g, Step { seed, step });
                if let Protocols::Mixed(n) = protocols {
                    d.set_resp3(step % n == n - 1);
                }
                d.label = format!(
                    "{family} seed {seed} step {step}; replay: KEEL_DIFF_FIRST_SEED={seed} KEEL_DIFF_SEEDS=1"
                );
                let reply = d.check(&cmd);
                stats.record(&cmd, &reply);
            }
            d.set_resp3(resp3);
            d.label = format!("{family} seed {seed}, final state");
            d.check_state();
            after_seed(&mut d, seed);
        }
    }
    println!(
        "{family}: {} replies ({} errors, {} non-empty aggregates); (replies, errors) per command: {:?}",
        stats.total, stats.errors, stats.nonempty, stats.per_command
    );
    stats
}
