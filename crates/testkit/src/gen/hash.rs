//! Random hash commands (H*), with a few set commands on the same keys so
//! sequences meet wrong types.

use rand::Rng;

use super::Gen;

/// A field: mostly from a small pool so commands meet on them, sometimes
/// empty or too long for the packed encoding.
fn field(g: &mut Gen) -> Vec<u8> {
    match g.rng.random_range(0..20) {
        0 => Vec::new(),
        1 => vec![b'f'; 65],
        _ => format!("f{}", g.rng.random_range(0..8)).into_bytes(),
    }
}

/// A value. Floats are exact binary fractions so HINCRBYFLOAT gives the
/// same digits in double (keel) and long double (Redis) arithmetic.
fn value(g: &mut Gen) -> Vec<u8> {
    match g.rng.random_range(0..12) {
        0 => Vec::new(),
        1..=4 => g.int(-20, 20),
        5 => g
            .pick(&["1.5", "-0.25", "10.75", "3.0"])
            .as_bytes()
            .to_vec(),
        6 => vec![b'v'; 65],
        7 => g.pick(&["007", "-0", " 1", "1e2"]).as_bytes().to_vec(),
        _ => g.pick(&["a", "b", "hello", "x y"]).as_bytes().to_vec(),
    }
}

fn cmd(parts: &[&[u8]]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| p.to_vec()).collect()
}

/// One random hash command.
pub fn command(g: &mut Gen) -> Vec<Vec<u8>> {
    let key = g.key();
    let k = &key[..];
    match g.rng.random_range(0..100) {
        0..=14 => {
            let name = g.pick(&["HSET", "HMSET", "hset"]);
            let mut c = vec![name.as_bytes().to_vec(), key.clone()];
            for _ in 0..g.rng.random_range(1..4) {
                c.push(field(g));
                c.push(value(g));
            }
            if g.chance(0.05) {
                c.pop();
            }
            c
        }
        15..=16 => {
            // Enough fields to cross the 128-field threshold sometimes.
            let mut c = vec![b"HSET".to_vec(), key.clone()];
            let base = g.rng.random_range(0..3);
            for i in 0..g.rng.random_range(40..90) {
                c.push(format!("m{base}-{i}").into_bytes());
                c.push(g.int(0, 1000));
            }
            c
        }
        17..=20 => {
            let (f, v) = (field(g), value(g));
            cmd(&[b"HSETNX", k, &f, &v])
        }
        21..=27 => {
            let f = field(g);
            cmd(&[b"HGET", k, &f])
        }
        28..=30 => {
            let mut c = vec![b"HMGET".to_vec(), key.clone()];
            for _ in 0..g.rng.random_range(1..4) {
                c.push(field(g));
            }
            c
        }
        31..=37 => {
            let mut c = vec![b"HDEL".to_vec(), key.clone()];
            for _ in 0..g.rng.random_range(1..4) {
                c.push(field(g));
            }
            c
        }
        38..=40 => cmd(&[b"HLEN", k]),
        41..=42 => {
            let f = field(g);
            cmd(&[b"HSTRLEN", k, &f])
        }
        43..=45 => {
            let f = field(g);
            cmd(&[b"HEXISTS", k, &f])
        }
        46..=47 => cmd(&[b"HKEYS", k]),
        48..=49 => cmd(&[b"HVALS", k]),
        50..=53 => cmd(&[b"HGETALL", k]),
        54..=60 => {
            let (f, by) = match g.rng.random_range(0..10) {
                0 => (field(g), g.pick(&["x", "1.5", ""]).as_bytes().to_vec()),
                // Huge increments only on fields HINCRBYFLOAT never
                // touches: near 2^63 double and long double round apart.
                1 => (
                    g.pick(&["big0", "big1"]).as_bytes().to_vec(),
                    g.pick(&[
                        "9223372036854775807",
                        "-9223372036854775808",
                        "4611686018427387904",
                    ])
                    .as_bytes()
                    .to_vec(),
                ),
                _ => (field(g), g.int(-10, 10)),
            };
            cmd(&[b"HINCRBY", k, &f, &by])
        }
        61..=66 => {
            let f = field(g);
            let by = g
                .pick(&[
                    "0.5", "-1.25", "3", "1e3", "-2.0e1", "0.125", "inf", "nan", "abc", "",
                ])
                .as_bytes()
                .to_vec();
            cmd(&[b"HINCRBYFLOAT", k, &f, &by])
        }
        67..=76 => {
            let mut c = vec![b"HRANDFIELD".to_vec(), key.clone()];
            if g.chance(0.8) {
                c.push(match g.rng.random_range(0..12) {
                    0 => b"x".to_vec(),
                    1 => b"-9223372036854775808".to_vec(),
                    2 => b"200".to_vec(),
                    _ => g.int(-6, 7),
                });
                if g.chance(0.4) {
                    c.push(
                        g.pick(&["WITHVALUES", "withvalues", "WITHVALUE"])
                            .as_bytes()
                            .to_vec(),
                    );
                }
            }
            c
        }
        77..=86 => {
            let cursor = match g.rng.random_range(0..10) {
                0 => g
                    .pick(&["x", "-1", "", "18446744073709551616"])
                    .as_bytes()
                    .to_vec(),
                1 => g.int(1, 100),
                _ => b"0".to_vec(),
            };
            let mut c = vec![b"HSCAN".to_vec(), key.clone(), cursor];
            for _ in 0..g.rng.random_range(0..3) {
                match g.rng.random_range(0..7) {
                    0 => c.push(b"COUNT".to_vec()),
                    1 => c.extend([b"COUNT".to_vec(), g.int(-1, 3)]),
                    2..=3 => c.extend([b"COUNT".to_vec(), g.int(1, 30)]),
                    _ => c.extend([
                        b"MATCH".to_vec(),
                        g.pick(&["f*", "*1", "m?-1*", "[a-f]*", "*", "nomatch"])
                            .as_bytes()
                            .to_vec(),
                    ]),
                }
            }
            c
        }
        87..=92 => {
            // Wrong types and removals through the set family.
            let m = g.value();
            match g.rng.random_range(0..2) {
                0 => cmd(&[b"SADD", k, &m]),
                _ => cmd(&[b"SREM", k, &m]),
            }
        }
        _ => {
            // Arity errors.
            let c = g.pick(&[
                "HGET",
                "HLEN",
                "HSETNX",
                "HINCRBY",
                "HSCAN",
                "HRANDFIELD",
                "HDEL",
            ]);
            cmd(&[c.as_bytes()])
        }
    }
}
