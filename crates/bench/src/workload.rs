//! The workloads and the commands they send.

use rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Serialize;

/// Distinct members/fields drawn per key by SADD, ZADD and HSET, so the
/// collections stay small (compact encodings) and mostly grow.
const MEMBERS: u64 = 1000;

/// The `evalsha` workload's script: a counter with a TTL, as rate limiters
/// and quotas keep them. Loaded with SCRIPT LOAD before each run.
pub const INCR_EXPIRE: &str =
    "local n = redis.call('INCR', KEYS[1])\nredis.call('EXPIRE', KEYS[1], ARGV[1])\nreturn n";

/// SHA1 of [`INCR_EXPIRE`], the digest EVALSHA names it by; the run
/// checks that SCRIPT LOAD answers exactly this.
pub const INCR_EXPIRE_SHA1: &str = "92d456942e48ac2de0da0555eb7cd5066a4d8572";

/// The TTL in seconds the `evalsha` script sets on its counters.
const INCR_EXPIRE_TTL: &[u8] = b"60";

/// One kind of load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "&'static str")]
pub enum Workload {
    /// SET of random keys with 3-byte values.
    Set3,
    /// SET of random keys with 1 KiB values.
    Set1k,
    /// GET of random keys holding 3-byte values.
    Get3,
    /// GET of random keys holding 1 KiB values.
    Get1k,
    /// INCR of random counters.
    Incr,
    /// LPUSH of a 3-byte value onto random lists.
    Lpush,
    /// SADD of a random member to random sets.
    Sadd,
    /// ZADD of a random member and score to random sorted sets.
    Zadd,
    /// HSET of a random field to random hashes.
    Hset,
    /// EVALSHA of [`INCR_EXPIRE`] (INCR then EXPIRE) on random counters,
    /// always without pipelining.
    Evalsha,
    /// One client, no pipelining, SET and GET alternately: latency.
    Latency,
    /// One publisher, many subscribers: messages delivered per second.
    Pubsub,
}

impl From<Workload> for &'static str {
    fn from(w: Workload) -> &'static str {
        w.name()
    }
}

impl Workload {
    /// Every workload, in the order they run.
    pub const ALL: [Workload; 12] = [
        Workload::Set3,
        Workload::Get3,
        Workload::Set1k,
        Workload::Get1k,
        Workload::Incr,
        Workload::Lpush,
        Workload::Sadd,
        Workload::Zadd,
        Workload::Hset,
        Workload::Evalsha,
        Workload::Latency,
        Workload::Pubsub,
    ];

    /// The name used by `--workload` and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Workload::Set3 => "set-3b",
            Workload::Set1k => "set-1k",
            Workload::Get3 => "get-3b",
            Workload::Get1k => "get-1k",
            Workload::Incr => "incr",
            Workload::Lpush => "lpush",
            Workload::Sadd => "sadd",
            Workload::Zadd => "zadd",
            Workload::Hset => "hset",
            Workload::Evalsha => "evalsha",
            Workload::Latency => "latency",
            Workload::Pubsub => "pubsub",
        }
    }

    /// The workload called `name`.
    pub fn parse(name: &str) -> Result<Workload, String> {
        let name = name.trim().to_ascii_lowercase();
        Workload::ALL
            .into_iter()
            .find(|w| w.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Workload::ALL.iter().map(|w| w.name()).collect();
                format!(
                    "unknown workload {name:?} (expected one of: {})",
                    names.join(", ")
                )
            })
    }

    /// Size of the values written or read.
    pub fn value_size(self) -> usize {
        match self {
            Workload::Set1k | Workload::Get1k => 1024,
            _ => 3,
        }
    }

    /// Keys `key:<n>` must hold values of this size before the run.
    pub fn preload(self) -> Option<usize> {
        match self {
            Workload::Get3 | Workload::Get1k | Workload::Latency => Some(self.value_size()),
            _ => None,
        }
    }

    /// Clients and pipeline depth fixed by the workload itself.
    pub fn fixed_shape(self) -> Option<(usize, usize)> {
        (self == Workload::Latency).then_some((1, 1))
    }

    /// Pipeline depth fixed by the workload itself (the `--clients` list
    /// still applies): a script call is one request and one reply, as
    /// applications send them.
    pub fn fixed_pipeline(self) -> Option<usize> {
        (self == Workload::Evalsha).then_some(1)
    }

    /// The script the server must have cached (SCRIPT LOAD) before the run,
    /// with its SHA1.
    pub fn script(self) -> Option<(&'static str, &'static str)> {
        (self == Workload::Evalsha).then_some((INCR_EXPIRE, INCR_EXPIRE_SHA1))
    }
}

/// Appends the ASCII key `prefix` + `n` zero-padded to 12 digits (like
/// redis-benchmark's `__rand_int__`).
pub fn write_key(prefix: &[u8], n: u64, out: &mut Vec<u8>) {
    out.extend_from_slice(prefix);
    let mut digits = [b'0'; 12];
    let mut n = n;
    for d in digits.iter_mut().rev() {
        *d = b'0' + (n % 10) as u8;
        n /= 10;
    }
    out.extend_from_slice(&digits);
}

/// Generates one client's commands: random keys over the keyspace, from a
/// seeded generator so every server sees the same sequence.
pub struct CommandGen {
    workload: Workload,
    keyspace: u64,
    rng: Xoshiro256PlusPlus,
    value: Vec<u8>,
    key: Vec<u8>,
    member: Vec<u8>,
    /// The latency workload alternates SET and GET.
    flip: bool,
}

impl CommandGen {
    /// A generator for `workload` over `keyspace` keys (at least 1).
    pub fn new(workload: Workload, keyspace: u64, seed: u64) -> CommandGen {
        CommandGen {
            workload,
            keyspace: keyspace.max(1),
            rng: Xoshiro256PlusPlus::seed_from_u64(seed),
            value: vec![b'x'; workload.value_size()],
            key: Vec::with_capacity(32),
            member: Vec::with_capacity(32),
            flip: false,
        }
    }

    fn below(&mut self, n: u64) -> u64 {
        // Multiply-shift: uniform enough for load and free of division.
        ((self.rng.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Appends the next command to `out`.
    pub fn write(&mut self, out: &mut Vec<u8>) {
        let n = self.below(self.keyspace);
        let m = self.below(MEMBERS);
        self.key.clear();
        self.member.clear();
        let (key, member) = (&mut self.key, &mut self.member);
        let value = &self.value[..];
        match self.workload {
            Workload::Set3 | Workload::Set1k => {
                write_key(b"key:", n, key);
                cmd(out, &[b"SET", &key[..], value]);
            }
            Workload::Get3 | Workload::Get1k => {
                write_key(b"key:", n, key);
                cmd(out, &[b"GET", &key[..]]);
            }
            Workload::Latency => {
                write_key(b"key:", n, key);
                self.flip = !self.flip;
                if self.flip {
                    cmd(out, &[b"SET", &key[..], value]);
                } else {
                    cmd(out, &[b"GET", &key[..]]);
                }
            }
            Workload::Incr => {
                write_key(b"counter:", n, key);
                cmd(out, &[b"INCR", &key[..]]);
            }
            Workload::Lpush => {
                write_key(b"list:", n, key);
                cmd(out, &[b"LPUSH", &key[..], value]);
            }
            Workload::Sadd => {
                write_key(b"set:", n, key);
                member.extend_from_slice(b"m:");
                member.extend_from_slice(itoa::Buffer::new().format(m).as_bytes());
                cmd(out, &[b"SADD", &key[..], &member[..]]);
            }
            Workload::Zadd => {
                write_key(b"zset:", n, key);
                member.extend_from_slice(b"m:");
                member.extend_from_slice(itoa::Buffer::new().format(m).as_bytes());
                let mut score = itoa::Buffer::new();
                let score = score.format(n % 1000).as_bytes();
                cmd(out, &[b"ZADD", &key[..], score, &member[..]]);
            }
            Workload::Evalsha => {
                write_key(b"rate:", n, key);
                let sha = INCR_EXPIRE_SHA1.as_bytes();
                cmd(out, &[b"EVALSHA", sha, b"1", &key[..], INCR_EXPIRE_TTL]);
            }
            Workload::Hset => {
                write_key(b"hash:", n, key);
                member.extend_from_slice(b"f:");
                member.extend_from_slice(itoa::Buffer::new().format(m).as_bytes());
                cmd(out, &[b"HSET", &key[..], &member[..], value]);
            }
            Workload::Pubsub => {
                // The pub/sub driver builds its own PUBLISH commands.
                cmd(out, &[b"PING"]);
            }
        }
    }
}

/// Appends one command.
fn cmd(out: &mut Vec<u8>, args: &[&[u8]]) {
    resp::Frame::encode_command(args, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for w in Workload::ALL {
            assert_eq!(Workload::parse(w.name()), Ok(w));
        }
        assert_eq!(Workload::parse(" GET-1K "), Ok(Workload::Get1k));
        let err = Workload::parse("nope").unwrap_err();
        assert!(err.contains("set-3b") && err.contains("pubsub"), "{err}");
    }

    #[test]
    fn keys_are_zero_padded() {
        let mut out = Vec::new();
        write_key(b"key:", 42, &mut out);
        assert_eq!(out, b"key:000000000042");
    }

    fn commands(workload: Workload, count: usize) -> Vec<resp::Frame> {
        let mut gen = CommandGen::new(workload, 100, 7);
        let mut wire = Vec::new();
        for _ in 0..count {
            gen.write(&mut wire);
        }
        let mut frames = Vec::new();
        let mut rest = &wire[..];
        while let Some((frame, used)) = resp::decode(rest).unwrap() {
            frames.push(frame);
            rest = &rest[used..];
        }
        assert!(rest.is_empty());
        frames
    }

    fn words(frame: &resp::Frame) -> Vec<String> {
        match frame {
            resp::Frame::Array(items) => items
                .iter()
                .map(|i| match i {
                    resp::Frame::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
                    other => panic!("not a bulk: {other:?}"),
                })
                .collect(),
            other => panic!("not a command: {other:?}"),
        }
    }

    #[test]
    fn commands_are_well_formed() {
        let set = words(&commands(Workload::Set1k, 1)[0]);
        assert_eq!(set[0], "SET");
        assert!(set[1].starts_with("key:0000000000"));
        assert_eq!(set[2].len(), 1024);
        let hset = words(&commands(Workload::Hset, 1)[0]);
        assert_eq!((hset[0].as_str(), hset.len()), ("HSET", 4));
        assert!(hset[2].starts_with("f:"));
        let zadd = words(&commands(Workload::Zadd, 1)[0]);
        assert!(zadd[2].parse::<u64>().is_ok());
        let latency: Vec<String> = commands(Workload::Latency, 4)
            .iter()
            .map(|f| words(f)[0].clone())
            .collect();
        assert_eq!(latency, ["SET", "GET", "SET", "GET"]);
        let evalsha = words(&commands(Workload::Evalsha, 1)[0]);
        assert_eq!(evalsha[..3], ["EVALSHA", INCR_EXPIRE_SHA1, "1"]);
        assert!(evalsha[3].starts_with("rate:0000000000"));
        assert_eq!(evalsha[4], "60");
        assert_eq!(
            Workload::Evalsha.script(),
            Some((INCR_EXPIRE, INCR_EXPIRE_SHA1))
        );
    }

    #[test]
    fn keys_stay_in_the_keyspace_and_the_sequence_is_seeded() {
        let keys: Vec<String> = commands(Workload::Get3, 500)
            .iter()
            .map(|f| words(f)[1].clone())
            .collect();
        assert!(keys.iter().all(|k| k.as_str() < "key:000000000100"));
        let distinct: std::collections::BTreeSet<&String> = keys.iter().collect();
        assert!(distinct.len() > 50, "keys should spread over the keyspace");
        let again: Vec<String> = commands(Workload::Get3, 500)
            .iter()
            .map(|f| words(f)[1].clone())
            .collect();
        assert_eq!(keys, again);
    }
}
