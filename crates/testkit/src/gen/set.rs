//! Random set commands (S*), with a few hash commands on the same keys so
//! sequences meet wrong types.

use rand::Rng;

use super::Gen;

/// A member: mostly small integers (integer sets) or a few words, sometimes
/// integer look-alikes that are strings for Redis.
fn member(g: &mut Gen) -> Vec<u8> {
    match g.rng.random_range(0..20) {
        0..=10 => g.int(-8, 12),
        11..=16 => g.pick(&["a", "b", "c", "hello"]).as_bytes().to_vec(),
        17 => g.pick(&["-0", "01", "+1", " 2", ""]).as_bytes().to_vec(),
        18 => g
            .pick(&[
                "9223372036854775807",
                "-9223372036854775808",
                "9223372036854775808",
            ])
            .as_bytes()
            .to_vec(),
        _ => vec![b'm'; 70],
    }
}

/// Between 1 and 3 keys (sometimes repeated).
fn keys(g: &mut Gen) -> Vec<Vec<u8>> {
    (0..g.rng.random_range(1..4)).map(|_| g.key()).collect()
}

fn cmd(parts: &[&[u8]]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| p.to_vec()).collect()
}

fn with_members(name: &str, key: Vec<u8>, g: &mut Gen, n: usize) -> Vec<Vec<u8>> {
    let mut c = vec![name.as_bytes().to_vec(), key];
    for _ in 0..n {
        c.push(member(g));
    }
    c
}

/// One random set command.
pub fn command(g: &mut Gen) -> Vec<Vec<u8>> {
    let key = g.key();
    let k = &key[..];
    match g.rng.random_range(0..100) {
        0..=17 => {
            let n = g.rng.random_range(1..5);
            with_members(g.pick(&["SADD", "sadd"]), key, g, n)
        }
        18..=19 => {
            // Enough integers to cross the 512-member threshold sometimes.
            let mut c = vec![b"SADD".to_vec(), key];
            let base = g.rng.random_range(0..3) * 200;
            for i in 0..g.rng.random_range(150..300) {
                c.push((base + i).to_string().into_bytes());
            }
            c
        }
        20..=27 => {
            let n = g.rng.random_range(1..4);
            with_members("SREM", key, g, n)
        }
        28..=30 => cmd(&[b"SCARD", k]),
        31..=34 => {
            let m = member(g);
            cmd(&[b"SISMEMBER", k, &m])
        }
        35..=36 => {
            let n = g.rng.random_range(1..4);
            with_members("SMISMEMBER", key, g, n)
        }
        37..=40 => cmd(&[b"SMEMBERS", k]),
        41..=47 => {
            let mut c = vec![b"SRANDMEMBER".to_vec(), key];
            if g.chance(0.8) {
                c.push(match g.rng.random_range(0..12) {
                    0 => b"x".to_vec(),
                    1 => b"-9223372036854775808".to_vec(),
                    2 => b"600".to_vec(),
                    _ => g.int(-6, 7),
                });
                if g.chance(0.05) {
                    c.push(b"extra".to_vec());
                }
            }
            c
        }
        48..=54 => {
            let mut c = vec![b"SPOP".to_vec(), key];
            if g.chance(0.6) {
                c.push(match g.rng.random_range(0..10) {
                    0 => g.pick(&["x", "-1"]).as_bytes().to_vec(),
                    1 => b"400".to_vec(),
                    _ => g.int(0, 6),
                });
                if g.chance(0.05) {
                    c.push(b"extra".to_vec());
                }
            }
            c
        }
        55..=60 => {
            let (dst, m) = (g.key(), member(g));
            cmd(&[b"SMOVE", k, &dst, &m])
        }
        61..=78 => {
            let name = g.pick(&[
                "SINTER",
                "SUNION",
                "SDIFF",
                "SINTERSTORE",
                "SUNIONSTORE",
                "SDIFFSTORE",
            ]);
            let mut c = vec![name.as_bytes().to_vec()];
            if name.ends_with("STORE") {
                c.push(key);
            }
            c.extend(keys(g));
            c
        }
        79..=83 => {
            let ks = keys(g);
            let numkeys = match g.rng.random_range(0..10) {
                0 => b"0".to_vec(),
                1 => b"x".to_vec(),
                2 => (ks.len() + 1).to_string().into_bytes(),
                _ => ks.len().to_string().into_bytes(),
            };
            let mut c = vec![b"SINTERCARD".to_vec(), numkeys];
            c.extend(ks);
            match g.rng.random_range(0..6) {
                0 => c.extend([b"LIMIT".to_vec(), g.int(-1, 4)]),
                1 => c.push(b"LIMIT".to_vec()),
                2 => c.extend([b"LIMIT".to_vec(), b"x".to_vec()]),
                _ => {}
            }
            c
        }
        84..=91 => {
            let cursor = match g.rng.random_range(0..10) {
                0 => g
                    .pick(&["x", "-1", "", "18446744073709551616"])
                    .as_bytes()
                    .to_vec(),
                1 => g.int(1, 100),
                _ => b"0".to_vec(),
            };
            let mut c = vec![b"SSCAN".to_vec(), key, cursor];
            for _ in 0..g.rng.random_range(0..3) {
                match g.rng.random_range(0..7) {
                    0 => c.push(b"MATCH".to_vec()),
                    1 => c.extend([b"COUNT".to_vec(), g.int(-1, 3)]),
                    2..=3 => c.extend([b"COUNT".to_vec(), g.int(1, 40)]),
                    _ => c.extend([
                        b"MATCH".to_vec(),
                        g.pick(&["1*", "*", "[a-c]", "-*", "h?llo", "2?"])
                            .as_bytes()
                            .to_vec(),
                    ]),
                }
            }
            c
        }
        92..=95 => {
            // Wrong types and removals through the hash family.
            match g.rng.random_range(0..2) {
                0 => cmd(&[b"HSET", k, b"f", b"v"]),
                _ => cmd(&[b"HDEL", k, b"f"]),
            }
        }
        _ => {
            // Arity errors.
            let c = g.pick(&[
                "SADD",
                "SCARD",
                "SMOVE",
                "SINTERCARD",
                "SSCAN",
                "SPOP",
                "SINTERSTORE",
            ]);
            cmd(&[c.as_bytes(), k])
        }
    }
}
