//! Seeded random command generators for differential tests.
//!
//! Each family module exposes `pub fn command(g: &mut Gen) -> Vec<Vec<u8>>`
//! producing one random, mostly valid command of that family (with some
//! deliberately wrong arguments, types and edge values) over a small pool
//! of keys, so sequences collide on keys and exercise type errors.
//! [`families`] lists them; a test picks one and asks for commands.

pub mod geo;
pub mod hash;
pub mod keys;
pub mod list;
pub mod set;
pub mod sort;
pub mod strings;
pub mod zset;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Random source plus the shared key pool.
pub struct Gen {
    pub rng: StdRng,
}

impl Gen {
    /// A generator for `seed` (print the seed on failure to reproduce).
    pub fn new(seed: u64) -> Gen {
        Gen {
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// One of a few keys, so commands of a sequence meet on them.
    pub fn key(&mut self) -> Vec<u8> {
        format!("k{}", self.rng.random_range(0..6)).into_bytes()
    }

    /// A short value: mostly small words, sometimes integers, floats or
    /// empty strings.
    pub fn value(&mut self) -> Vec<u8> {
        match self.rng.random_range(0..10) {
            0 => Vec::new(),
            1..=3 => self.rng.random_range(-100i64..100).to_string().into_bytes(),
            4 => format!("{:.2}", self.rng.random_range(-10.0f64..10.0)).into_bytes(),
            _ => ["a", "b", "c", "hello", "x y", "zz"][self.rng.random_range(0..6)]
                .as_bytes()
                .to_vec(),
        }
    }

    /// An integer in `lo..hi` as text.
    pub fn int(&mut self, lo: i64, hi: i64) -> Vec<u8> {
        self.rng.random_range(lo..hi).to_string().into_bytes()
    }

    /// Picks one of `options`.
    pub fn pick<'a>(&mut self, options: &[&'a str]) -> &'a str {
        options[self.rng.random_range(0..options.len())]
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }
}

/// A family's generator.
pub type Family = fn(&mut Gen) -> Vec<Vec<u8>>;

/// Every family generator, by name.
pub fn families() -> Vec<(&'static str, Family)> {
    vec![
        ("keys", keys::command),
        ("list", list::command),
        ("strings", strings::command),
        ("hash", hash::command),
        ("set", set::command),
        ("zset", zset::command),
        ("geo", geo::command),
        ("sort", sort::command),
    ]
}
