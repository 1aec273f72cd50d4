//! Random sorted set commands (never a blocking one).
//!
//! Keys come from two pools: the shared pool ([`Gen::key`]) gets members
//! with varied scores, and `lex0`/`lex1` only ever hold score 0 so lex
//! range commands (whose result Redis leaves unspecified when scores
//! differ) are meaningful. Large ZADDs push sets past the 128-member
//! listpack limit, and an occasional 70-byte member forces the skiplist
//! encoding early.

use rand::Rng;

use super::Gen;

/// Members: a pool large enough to cross the listpack limits.
fn member(g: &mut Gen) -> Vec<u8> {
    match g.rng.random_range(0..40) {
        0 => vec![b'L'; 70],
        1 => Vec::new(),
        2..=9 => ["a", "b", "c", "d", "e", "f"][g.rng.random_range(0..6)]
            .as_bytes()
            .to_vec(),
        _ => format!("m{}", g.rng.random_range(0..300)).into_bytes(),
    }
}

/// A score as a client would write it.
fn score(g: &mut Gen) -> Vec<u8> {
    let s = match g.rng.random_range(0..20) {
        0 => "inf".to_string(),
        1 => "-inf".to_string(),
        2 => "-0".to_string(),
        3 => "0.1".to_string(),
        4 => "1.1".to_string(),
        5 => format!(
            "{}e{}",
            g.rng.random_range(1..10),
            g.rng.random_range(-5..20)
        ),
        6 => "nan".to_string(),
        7 => format!("{:.3}", g.rng.random_range(-100.0f64..100.0)),
        _ => g.rng.random_range(-20i64..20).to_string(),
    };
    s.into_bytes()
}

/// A score range bound: inclusive, exclusive or infinite.
fn score_bound(g: &mut Gen) -> Vec<u8> {
    match g.rng.random_range(0..10) {
        0 => b"-inf".to_vec(),
        1 => b"+inf".to_vec(),
        2 => b"garbage".to_vec(),
        3..=5 => {
            let mut v = b"(".to_vec();
            v.extend(g.int(-20, 20));
            v
        }
        _ => g.int(-20, 20),
    }
}

fn lex_member(g: &mut Gen) -> Vec<u8> {
    let len = g.rng.random_range(0..4);
    (0..len).map(|_| g.rng.random_range(b'a'..b'i')).collect()
}

fn lex_bound(g: &mut Gen) -> Vec<u8> {
    match g.rng.random_range(0..10) {
        0 => b"-".to_vec(),
        1 => b"+".to_vec(),
        2 => b"x".to_vec(),
        3..=5 => {
            let mut v = b"(".to_vec();
            v.extend(lex_member(g));
            v
        }
        _ => {
            let mut v = b"[".to_vec();
            v.extend(lex_member(g));
            v
        }
    }
}

fn lex_key(g: &mut Gen) -> Vec<u8> {
    format!("lex{}", g.rng.random_range(0..2)).into_bytes()
}

fn limit(g: &mut Gen, cmd: &mut Vec<Vec<u8>>) {
    if g.chance(0.3) {
        cmd.push(b"LIMIT".to_vec());
        cmd.push(g.int(-1, 5));
        cmd.push(g.int(-1, 6));
    }
}

fn cmd(parts: &[&str]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| p.as_bytes().to_vec()).collect()
}

/// Keys for the numkeys commands.
fn keys(g: &mut Gen, cmd: &mut Vec<Vec<u8>>) -> usize {
    let n = g.rng.random_range(1..4);
    cmd.push(n.to_string().into_bytes());
    for _ in 0..n {
        let k = if g.chance(0.2) { lex_key(g) } else { g.key() };
        cmd.push(k);
    }
    n
}

/// One random sorted set command.
pub fn command(g: &mut Gen) -> Vec<Vec<u8>> {
    let key = g.key();
    match g.rng.random_range(0..34) {
        0..=3 => {
            let mut c = vec![b"ZADD".to_vec(), key];
            for opt in ["NX", "XX", "GT", "LT", "CH", "INCR"] {
                if g.chance(0.08) {
                    c.push(opt.as_bytes().to_vec());
                }
            }
            let pairs = if g.chance(0.2) {
                g.rng.random_range(20..200)
            } else {
                g.rng.random_range(1..4)
            };
            let bulk = pairs > 3;
            for _ in 0..pairs {
                // A bulk add with one bad score would add nothing.
                let s = if bulk && g.chance(0.9) {
                    g.int(-30, 30)
                } else if bulk {
                    b"2.5".to_vec()
                } else {
                    score(g)
                };
                c.push(s);
                c.push(member(g));
            }
            c
        }
        4 => {
            let mut c = vec![b"ZADD".to_vec(), lex_key(g)];
            let pairs = if g.chance(0.2) {
                200
            } else {
                g.rng.random_range(1..5)
            };
            for _ in 0..pairs {
                c.push(b"0".to_vec());
                c.push(lex_member(g));
            }
            c
        }
        5 => vec![b"ZINCRBY".to_vec(), key, score(g), member(g)],
        6 => {
            let mut c = vec![b"ZREM".to_vec(), key];
            for _ in 0..g.rng.random_range(1..4) {
                c.push(member(g));
            }
            c
        }
        7 => vec![b"ZCARD".to_vec(), key],
        8 => vec![b"ZSCORE".to_vec(), key, member(g)],
        9 => vec![b"ZMSCORE".to_vec(), key, member(g), member(g)],
        10 => {
            let name = g.pick(&["ZRANK", "ZREVRANK"]);
            vec![name.as_bytes().to_vec(), key, member(g)]
        }
        11 => vec![b"ZCOUNT".to_vec(), key, score_bound(g), score_bound(g)],
        12 => vec![
            b"ZLEXCOUNT".to_vec(),
            lex_key(g),
            lex_bound(g),
            lex_bound(g),
        ],
        13 | 14 => {
            let name = g.pick(&["ZRANGE", "ZREVRANGE"]);
            let mut c = vec![
                name.as_bytes().to_vec(),
                key,
                g.int(-10, 10),
                g.int(-10, 10),
            ];
            if g.chance(0.5) {
                c.push(b"WITHSCORES".to_vec());
            }
            c
        }
        15 | 16 => {
            let name = g.pick(&["ZRANGEBYSCORE", "ZREVRANGEBYSCORE"]);
            let mut c = vec![
                name.as_bytes().to_vec(),
                key,
                score_bound(g),
                score_bound(g),
            ];
            if g.chance(0.5) {
                c.push(b"WITHSCORES".to_vec());
            }
            limit(g, &mut c);
            c
        }
        17 => {
            let name = g.pick(&["ZRANGEBYLEX", "ZREVRANGEBYLEX"]);
            let mut c = vec![
                name.as_bytes().to_vec(),
                lex_key(g),
                lex_bound(g),
                lex_bound(g),
            ];
            limit(g, &mut c);
            c
        }
        18 | 19 => {
            // ZRANGE / ZRANGESTORE with the modern options.
            let store = g.chance(0.3);
            let mut c = if store {
                vec![b"ZRANGESTORE".to_vec(), g.key(), key]
            } else {
                vec![b"ZRANGE".to_vec(), key]
            };
            let by = g.rng.random_range(0..3);
            let rev = g.chance(0.4);
            match by {
                0 => {
                    c.push(g.int(-10, 10));
                    c.push(g.int(-10, 10));
                }
                1 => {
                    c.push(score_bound(g));
                    c.push(score_bound(g));
                    c.push(b"BYSCORE".to_vec());
                }
                _ => {
                    if !store {
                        c[1] = lex_key(g);
                    } else {
                        c[2] = lex_key(g);
                    }
                    c.push(lex_bound(g));
                    c.push(lex_bound(g));
                    c.push(b"BYLEX".to_vec());
                }
            }
            if rev {
                c.push(b"REV".to_vec());
            }
            if by != 0 || g.chance(0.1) {
                limit(g, &mut c);
            }
            if !store && by != 2 && g.chance(0.4) {
                c.push(b"WITHSCORES".to_vec());
            }
            c
        }
        20 => vec![b"ZREMRANGEBYRANK".to_vec(), key, g.int(-5, 5), g.int(-5, 5)],
        21 => vec![
            b"ZREMRANGEBYSCORE".to_vec(),
            key,
            score_bound(g),
            score_bound(g),
        ],
        22 => vec![
            b"ZREMRANGEBYLEX".to_vec(),
            lex_key(g),
            lex_bound(g),
            lex_bound(g),
        ],
        23 | 24 => {
            let name = g.pick(&["ZPOPMIN", "ZPOPMAX"]);
            let mut c = vec![name.as_bytes().to_vec(), key];
            if g.chance(0.6) {
                c.push(g.int(-1, 4));
            }
            c
        }
        25 => {
            let mut c = vec![b"ZMPOP".to_vec()];
            keys(g, &mut c);
            c.push(g.pick(&["MIN", "MAX", "min"]).as_bytes().to_vec());
            if g.chance(0.5) {
                c.push(b"COUNT".to_vec());
                c.push(g.int(0, 4));
            }
            c
        }
        26 => {
            let mut c = vec![b"ZRANDMEMBER".to_vec(), key];
            if g.chance(0.7) {
                c.push(g.int(-5, 5));
                if g.chance(0.5) {
                    c.push(b"WITHSCORES".to_vec());
                }
            }
            c
        }
        27..=30 => {
            let (name, store, diff) = match g.rng.random_range(0..6) {
                0 => ("ZUNION", false, false),
                1 => ("ZINTER", false, false),
                2 => ("ZDIFF", false, true),
                3 => ("ZUNIONSTORE", true, false),
                4 => ("ZINTERSTORE", true, false),
                _ => ("ZDIFFSTORE", true, true),
            };
            let mut c = vec![name.as_bytes().to_vec()];
            if store {
                c.push(g.key());
            }
            let n = keys(g, &mut c);
            if !diff && g.chance(0.4) {
                c.push(b"WEIGHTS".to_vec());
                for _ in 0..n {
                    c.push(
                        g.pick(&["1", "2", "-1", "0", "0.5", "inf"])
                            .as_bytes()
                            .to_vec(),
                    );
                }
            }
            if !diff && g.chance(0.4) {
                c.push(b"AGGREGATE".to_vec());
                c.push(g.pick(&["SUM", "MIN", "MAX"]).as_bytes().to_vec());
            }
            if !store && g.chance(0.5) {
                c.push(b"WITHSCORES".to_vec());
            }
            c
        }
        31 => {
            let mut c = vec![b"ZINTERCARD".to_vec()];
            keys(g, &mut c);
            if g.chance(0.5) {
                c.push(b"LIMIT".to_vec());
                c.push(g.int(0, 4));
            }
            c
        }
        32 => {
            let mut c = vec![b"ZSCAN".to_vec(), key, b"0".to_vec()];
            if g.chance(0.3) {
                c.push(b"MATCH".to_vec());
                c.push(g.pick(&["m1*", "*", "?", "[a-c]"]).as_bytes().to_vec());
            }
            if g.chance(0.3) {
                c.push(b"COUNT".to_vec());
                c.push(g.int(1, 50));
            }
            c
        }
        _ => cmd(&["ZCARD", "lex0"]),
    }
}
