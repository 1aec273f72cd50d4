//! Generic key-space and expiry commands: DEL, UNLINK, EXISTS, TYPE,
//! RENAME(NX), COPY, MOVE, KEYS, SCAN, RANDOMKEY, DBSIZE, TOUCH, OBJECT,
//! SWAPDB, FLUSHDB, FLUSHALL, DUMP, RESTORE, the EXPIRE and TTL families
//! and PERSIST, mixed with SET / RPUSH / SADD / HSET creating keys of
//! several types, and SELECT to move between databases 0–2.
//!
//! Timing never matters: relative expiries are at least 100 seconds away
//! (or in the past, deleting the key), GT/LT only come with absolute
//! times, and SCAN always asks for a COUNT covering the whole (small)
//! database so both servers finish in one call.
//!
//! One convention needs the driver's help: an argument `$DUMP:<key>`
//! stands for the payload of `DUMP <key>` on the server the command is
//! sent to (empty if the key is missing), since payload formats differ
//! between implementations.

use rand::Rng;

use super::Gen;

fn args(parts: &[&[u8]]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| p.to_vec()).collect()
}

/// A database index, sometimes out of range or not a number.
fn db(g: &mut Gen) -> Vec<u8> {
    match g.rng.random_range(0..12) {
        0 => b"16".to_vec(),
        1 => b"-1".to_vec(),
        2 => b"x".to_vec(),
        _ => g.int(0, 3),
    }
}

fn keys(g: &mut Gen, max: usize) -> Vec<Vec<u8>> {
    let n = g.rng.random_range(1..=max);
    (0..n).map(|_| g.key()).collect()
}

fn pattern(g: &mut Gen) -> Vec<u8> {
    g.pick(&["*", "k*", "k[0-2]", "?1", "k[^3]", "*5", "nomatch", "K*"])
        .as_bytes()
        .to_vec()
}

/// An expiry option, sometimes an invalid combination.
fn condition(g: &mut Gen, absolute: bool) -> Vec<Vec<u8>> {
    let options: &[&str] = if absolute {
        &["NX", "XX", "GT", "LT", "nx", "gt"]
    } else {
        &["NX", "XX", "xx"]
    };
    match g.rng.random_range(0..10) {
        0..=4 => Vec::new(),
        5..=8 => vec![g.pick(options).as_bytes().to_vec()],
        _ => vec![
            g.pick(&["NX", "GT", "XX"]).as_bytes().to_vec(),
            g.pick(&["XX", "LT", "FOO"]).as_bytes().to_vec(),
        ],
    }
}

/// One random command of the family.
pub fn command(g: &mut Gen) -> Vec<Vec<u8>> {
    let k = g.key();
    let cmd = match g.rng.random_range(0..40) {
        // Creations.
        0..=3 => {
            let v = g.value();
            args(&[b"SET", &k, &v])
        }
        4 | 5 => {
            let mut c = args(&[b"RPUSH", &k]);
            for _ in 0..g.rng.random_range(1..4) {
                c.push(g.value());
            }
            c
        }
        6 | 7 => {
            let mut c = args(&[b"SADD", &k]);
            for _ in 0..g.rng.random_range(1..4) {
                let member = if g.chance(0.6) {
                    g.int(0, 20)
                } else {
                    g.value()
                };
                c.push(member);
            }
            c
        }
        8 => {
            let (f, v) = (g.pick(&["f1", "f2", "f3"]).as_bytes().to_vec(), g.value());
            args(&[b"HSET", &k, &f, &v])
        }
        // Deletion and existence.
        9 | 10 => {
            let name: &[u8] = if g.chance(0.5) { b"DEL" } else { b"UNLINK" };
            let mut c = args(&[name]);
            c.extend(keys(g, 3));
            c
        }
        11 => {
            let name: &[u8] = if g.chance(0.7) { b"EXISTS" } else { b"TOUCH" };
            let mut c = args(&[name]);
            c.extend(keys(g, 4));
            c
        }
        12 => args(&[b"TYPE", &k]),
        // Renames and copies.
        13 | 14 => {
            let name: &[u8] = if g.chance(0.5) {
                b"RENAME"
            } else {
                b"RENAMENX"
            };
            let dst = g.key();
            args(&[name, &k, &dst])
        }
        15 | 16 => {
            let dst = g.key();
            let mut c = args(&[b"COPY", &k, &dst]);
            if g.chance(0.4) {
                c.push(b"DB".to_vec());
                c.push(db(g));
            }
            if g.chance(0.4) {
                c.push(b"REPLACE".to_vec());
            }
            if g.chance(0.05) {
                c.push(b"BOGUS".to_vec());
            }
            c
        }
        17 => {
            let d = db(g);
            args(&[b"MOVE", &k, &d])
        }
        // Iteration.
        18 => {
            let p = pattern(g);
            args(&[b"KEYS", &p])
        }
        19 | 20 => {
            let mut c = args(&[b"SCAN", b"0", b"COUNT", b"1000"]);
            if g.chance(0.5) {
                c.push(b"MATCH".to_vec());
                c.push(pattern(g));
            }
            if g.chance(0.4) {
                c.push(b"TYPE".to_vec());
                let t = g.pick(&["string", "list", "set", "hash", "zset", "LIST", "none"]);
                c.push(t.as_bytes().to_vec());
            }
            if g.chance(0.05) {
                c.push(b"COUNT".to_vec());
                c.push(g.pick(&["0", "-1", "x"]).as_bytes().to_vec());
            }
            c
        }
        21 => args(&[g.pick(&["RANDOMKEY", "DBSIZE"]).as_bytes()]),
        // Introspection.
        22 => {
            let sub = g.pick(&["ENCODING", "ENCODING", "FREQ", "encoding", "NOPE"]);
            args(&[b"OBJECT", sub.as_bytes(), &k])
        }
        // Databases.
        23 => {
            let d = g.int(0, 3);
            args(&[b"SELECT", &d])
        }
        24 => {
            let (a, b) = (g.int(0, 3), g.int(0, 3));
            args(&[b"SWAPDB", &a, &b])
        }
        25 => {
            if g.chance(0.2) {
                args(&[b"FLUSHALL"])
            } else {
                let mode = g.pick(&["", "ASYNC", "sync", "bad"]);
                let mut c = args(&[b"FLUSHDB"]);
                if !mode.is_empty() {
                    c.push(mode.as_bytes().to_vec());
                }
                c
            }
        }
        // Serialization.
        26 => args(&[b"DUMP", &k]),
        27 | 28 => {
            let src = format!("$DUMP:{}", String::from_utf8_lossy(&g.key())).into_bytes();
            let ttl = match g.rng.random_range(0..6) {
                0..=2 => b"0".to_vec(),
                3 => g.int(100_000, 100_000_000),
                4 => b"-1".to_vec(),
                _ => b"x".to_vec(),
            };
            let payload = if g.chance(0.1) {
                b"garbage".to_vec()
            } else {
                src
            };
            let mut c = args(&[b"RESTORE", &k, &ttl, &payload]);
            if g.chance(0.5) {
                c.push(b"REPLACE".to_vec());
            }
            if g.chance(0.1) {
                c.push(b"ABSTTL".to_vec());
            }
            if g.chance(0.1) {
                c.push(g.pick(&["IDLETIME", "FREQ"]).as_bytes().to_vec());
                c.push(g.int(-1, 300));
            }
            c
        }
        // Expiry.
        29 | 30 => {
            let name = g.pick(&["EXPIRE", "PEXPIRE"]);
            let t = match g.rng.random_range(0..8) {
                0 => g.int(-100, 1),
                1 => b"x".to_vec(),
                2 => b"9223372036854775807".to_vec(),
                _ if name == "EXPIRE" => g.int(100, 100_000),
                _ => g.int(100_000, 100_000_000),
            };
            let mut c = args(&[name.as_bytes(), &k, &t]);
            c.extend(condition(g, false));
            c
        }
        31 | 32 => {
            let name = g.pick(&["EXPIREAT", "PEXPIREAT"]);
            let secs = match g.rng.random_range(0..6) {
                0 => g.rng.random_range(0i64..1_000),
                _ => 4_000_000_000 + g.rng.random_range(0i64..5),
            };
            let t = if name == "EXPIREAT" {
                secs.to_string()
            } else {
                (secs * 1000 + g.rng.random_range(0i64..1000)).to_string()
            };
            let mut c = args(&[name.as_bytes(), &k, t.as_bytes()]);
            c.extend(condition(g, true));
            c
        }
        33..=36 => {
            let name = g.pick(&["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"]);
            args(&[name.as_bytes(), &k])
        }
        37 => args(&[b"PERSIST", &k]),
        // Arity errors.
        38 => args(&[g
            .pick(&[
                "DEL", "RENAME", "COPY", "EXPIRE", "TTL", "RESTORE", "MOVE", "SCAN",
            ])
            .as_bytes()]),
        _ => args(&[b"EXISTS", &k]),
    };
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_and_varied() {
        let run = |seed| {
            let mut g = Gen::new(seed);
            (0..200).map(|_| command(&mut g)).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        let names: std::collections::HashSet<Vec<u8>> =
            run(1).into_iter().map(|c| c[0].clone()).collect();
        assert!(names.len() > 25, "only {} distinct commands", names.len());
    }
}
