//! Random string, bitmap and HyperLogLog commands.
//!
//! Keys come from three pools so that replies stay comparable with Redis
//! while types still collide:
//!
//! * `k0`..`k5` ([`Gen::key`]): strings and bitmaps, read and written by
//!   every string and bitmap command; HLL commands only read them (to hit
//!   "not a valid HyperLogLog").
//! * `h0`..`h2`: HyperLogLogs, written only by PFADD / PFMERGE. keel's HLL
//!   bytes differ from Redis's, so no string command reads them.
//! * `f0`, `f1`: counters for INCRBYFLOAT (and SET), holding integers,
//!   words and decimal fractions, so sums exercise Redis's `long double`
//!   rounding; other commands leave them alone.
//!
//! Timing never matters: expiries are at least 100 seconds away or already
//! in the past, so long runs compare the same keys on both servers.

use rand::Rng;

use super::Gen;

fn hll_key(g: &mut Gen) -> Vec<u8> {
    format!("h{}", g.rng.random_range(0..3)).into_bytes()
}

fn float_key(g: &mut Gen) -> Vec<u8> {
    format!("f{}", g.rng.random_range(0..2)).into_bytes()
}

/// A number such as `-12.375`, `0.1`, `3.17` or `1e3`.
fn float_text(g: &mut Gen) -> Vec<u8> {
    match g.rng.random_range(0..7) {
        0 => g.int(-1000, 1000),
        1 => g.value(),
        2 => format!(
            "{}.{}",
            g.rng.random_range(-100..100),
            g.rng.random_range(0..1000)
        )
        .into_bytes(),
        3 => format!(
            "{}e{}",
            g.rng.random_range(-9..10),
            g.rng.random_range(0..4)
        )
        .into_bytes(),
        _ => {
            let eighths: i64 = g.rng.random_range(-8000..8000);
            let text = format!("{}", eighths as f64 / 8.0);
            text.into_bytes()
        }
    }
}

/// Mostly small indexes, sometimes negative or extreme ones.
fn index(g: &mut Gen) -> Vec<u8> {
    match g.rng.random_range(0..12) {
        0 => b"-9223372036854775808".to_vec(),
        1 => b"9223372036854775807".to_vec(),
        2 => b"x".to_vec(),
        3..=5 => g.int(-20, 0),
        _ => g.int(0, 20),
    }
}

/// A bit offset; `huge_ok` allows the largest valid one (a 512 MiB string
/// if written, so only reads use it).
fn bit_offset(g: &mut Gen, huge_ok: bool) -> Vec<u8> {
    match g.rng.random_range(0..20) {
        0 => b"-1".to_vec(),
        1 => b"4294967296".to_vec(),
        2 if huge_ok => b"4294967295".to_vec(),
        3 => b"#3".to_vec(),
        _ => g.int(0, 80),
    }
}

fn push(cmd: &mut Vec<Vec<u8>>, s: &str) {
    cmd.push(s.as_bytes().to_vec());
}

fn expire_opts(g: &mut Gen, cmd: &mut Vec<Vec<u8>>, getex: bool) {
    match g.rng.random_range(0..14) {
        0 => {
            push(cmd, g.pick(&["EX", "ex"]));
            cmd.push(g.int(100, 100_000));
        }
        1 => {
            push(cmd, "PX");
            cmd.push(g.int(100_000, 10_000_000));
        }
        2 => {
            push(cmd, "EXAT");
            cmd.push(g.pick(&["1", "4102444800", "0", "-5"]).as_bytes().to_vec());
        }
        3 => {
            push(cmd, "PXAT");
            cmd.push(g.pick(&["1", "4102444800000", "abc"]).as_bytes().to_vec());
        }
        4 => push(cmd, if getex { "PERSIST" } else { "KEEPTTL" }),
        5 => {
            push(cmd, g.pick(&["EX", "PX"]));
            cmd.push(
                g.pick(&["0", "-1", "x", "9223372036854775807"])
                    .as_bytes()
                    .to_vec(),
            );
        }
        6 if !getex => push(cmd, g.pick(&["NX", "XX", "GET"])),
        7 => push(cmd, g.pick(&["KEEPTTL", "PERSIST", "EX", "NX", "bogus"])),
        _ => {}
    }
}

fn range_unit(g: &mut Gen, cmd: &mut Vec<Vec<u8>>) {
    match g.rng.random_range(0..6) {
        0 => push(cmd, "BIT"),
        1 => push(cmd, "byte"),
        2 => push(cmd, "bits"),
        _ => {}
    }
}

fn bitfield_ops(g: &mut Gen, cmd: &mut Vec<Vec<u8>>, read_only: bool) {
    for _ in 0..g.rng.random_range(0..4) {
        let ty = match g.rng.random_range(0..10) {
            0 => g.pick(&["u64", "i65", "x8", "i0", "U8"]).to_string(),
            1..=5 => format!("u{}", g.rng.random_range(1..64)),
            _ => format!("i{}", g.rng.random_range(1..65)),
        };
        let offset = match g.rng.random_range(0..10) {
            0 => format!("#{}", g.rng.random_range(0..6)),
            1 => "-1".to_string(),
            _ => g.rng.random_range(0..70).to_string(),
        };
        let value = match g.rng.random_range(0..6) {
            0 => g
                .pick(&["9223372036854775807", "-9223372036854775808", "x"])
                .to_string(),
            1 => g.rng.random_range(-100_000i64..100_000).to_string(),
            _ => g.rng.random_range(-300i64..300).to_string(),
        };
        match g.rng.random_range(0..if read_only { 8 } else { 5 }) {
            0 => {
                push(cmd, "OVERFLOW");
                push(cmd, g.pick(&["WRAP", "SAT", "FAIL", "fail", "nope"]));
            }
            1 => {
                push(cmd, "SET");
                cmd.extend([ty.into_bytes(), offset.into_bytes(), value.into_bytes()]);
            }
            2 => {
                push(cmd, "INCRBY");
                cmd.extend([ty.into_bytes(), offset.into_bytes(), value.into_bytes()]);
            }
            _ => {
                push(cmd, "GET");
                cmd.extend([ty.into_bytes(), offset.into_bytes()]);
            }
        }
    }
}

/// One random string, bitmap or HyperLogLog command.
pub fn command(g: &mut Gen) -> Vec<Vec<u8>> {
    let mut cmd: Vec<Vec<u8>> = Vec::new();
    let name = g.pick(&[
        "GET",
        "SET",
        "SET",
        "SET",
        "SETNX",
        "SETEX",
        "PSETEX",
        "GETSET",
        "GETDEL",
        "GETEX",
        "MGET",
        "MSET",
        "MSETNX",
        "APPEND",
        "STRLEN",
        "GETRANGE",
        "SETRANGE",
        "SUBSTR",
        "INCR",
        "DECR",
        "INCRBY",
        "DECRBY",
        "INCRBYFLOAT",
        "LCS",
        "SETBIT",
        "GETBIT",
        "BITCOUNT",
        "BITPOS",
        "BITOP",
        "BITFIELD",
        "BITFIELD_RO",
        "PFADD",
        "PFADD",
        "PFCOUNT",
        "PFMERGE",
    ]);
    push(&mut cmd, name);
    match name {
        "GET" | "GETDEL" | "STRLEN" | "INCR" | "DECR" => cmd.push(g.key()),
        "SET" => {
            cmd.push(g.key());
            cmd.push(g.value());
            for _ in 0..g.rng.random_range(0..3) {
                expire_opts(g, &mut cmd, false);
            }
        }
        "SETNX" | "GETSET" | "APPEND" => {
            cmd.push(g.key());
            cmd.push(g.value());
        }
        "SETEX" | "PSETEX" => {
            cmd.push(g.key());
            cmd.push(match g.rng.random_range(0..5) {
                0 => g.pick(&["0", "-1", "x"]).as_bytes().to_vec(),
                // At least 1000 seconds either way (PSETEX counts in ms).
                _ if name == "PSETEX" => [g.int(1000, 100_000), b"000".to_vec()].concat(),
                _ => g.int(1000, 100_000),
            });
            cmd.push(g.value());
        }
        "GETEX" => {
            cmd.push(g.key());
            for _ in 0..g.rng.random_range(0..3) {
                expire_opts(g, &mut cmd, true);
            }
        }
        "MGET" => {
            for _ in 0..g.rng.random_range(1..5) {
                cmd.push(g.key());
            }
        }
        "MSET" | "MSETNX" => {
            for _ in 0..g.rng.random_range(1..4) {
                cmd.push(g.key());
                cmd.push(g.value());
            }
            if g.chance(0.1) {
                cmd.push(g.key());
            }
        }
        "GETRANGE" | "SUBSTR" => {
            cmd.push(g.key());
            cmd.push(index(g));
            cmd.push(index(g));
        }
        "SETRANGE" => {
            cmd.push(g.key());
            cmd.push(match g.rng.random_range(0..10) {
                0 => g.pick(&["-1", "536870912", "x"]).as_bytes().to_vec(),
                _ => g.int(0, 30),
            });
            cmd.push(g.value());
        }
        "INCRBY" | "DECRBY" => {
            cmd.push(g.key());
            cmd.push(match g.rng.random_range(0..10) {
                0 => g
                    .pick(&["9223372036854775807", "-9223372036854775808", "1.5", "x"])
                    .as_bytes()
                    .to_vec(),
                _ => g.int(-1000, 1000),
            });
        }
        "INCRBYFLOAT" => {
            if g.chance(0.2) {
                // Occasionally set the counter directly.
                cmd = vec![b"SET".to_vec(), float_key(g), float_text(g)];
                return cmd;
            }
            cmd.push(float_key(g));
            cmd.push(match g.rng.random_range(0..10) {
                0 => g.pick(&["x", "inf", "-inf", "nan", ""]).as_bytes().to_vec(),
                _ => float_text(g),
            });
        }
        "LCS" => {
            cmd.push(g.key());
            cmd.push(g.key());
            for _ in 0..g.rng.random_range(0..3) {
                match g.rng.random_range(0..6) {
                    0 => push(&mut cmd, "LEN"),
                    1 | 2 => push(&mut cmd, "IDX"),
                    3 => push(&mut cmd, "WITHMATCHLEN"),
                    4 => {
                        push(&mut cmd, "MINMATCHLEN");
                        cmd.push(g.int(-1, 4));
                    }
                    _ => push(&mut cmd, "bogus"),
                }
            }
        }
        "SETBIT" => {
            cmd.push(g.key());
            cmd.push(bit_offset(g, false));
            push(&mut cmd, g.pick(&["0", "1", "1", "2"]));
        }
        "GETBIT" => {
            cmd.push(g.key());
            cmd.push(bit_offset(g, true));
        }
        "BITCOUNT" => {
            cmd.push(g.key());
            if g.chance(0.7) {
                cmd.push(index(g));
                cmd.push(index(g));
                range_unit(g, &mut cmd);
            }
        }
        "BITPOS" => {
            cmd.push(g.key());
            push(&mut cmd, g.pick(&["0", "1", "1", "0", "2"]));
            if g.chance(0.6) {
                cmd.push(index(g));
                if g.chance(0.6) {
                    cmd.push(index(g));
                    range_unit(g, &mut cmd);
                }
            }
        }
        "BITOP" => {
            push(
                &mut cmd,
                g.pick(&["AND", "OR", "XOR", "NOT", "not", "NAND"]),
            );
            cmd.push(g.key());
            for _ in 0..g.rng.random_range(1..4) {
                cmd.push(g.key());
            }
        }
        "BITFIELD" => {
            cmd.push(g.key());
            bitfield_ops(g, &mut cmd, false);
        }
        "BITFIELD_RO" => {
            cmd.push(g.key());
            bitfield_ops(g, &mut cmd, true);
        }
        "PFADD" => {
            cmd.push(hll_key(g));
            let n = if g.chance(0.1) {
                g.rng.random_range(100..400)
            } else {
                g.rng.random_range(0..6)
            };
            for _ in 0..n {
                cmd.push(format!("e{}", g.rng.random_range(0..5000)).into_bytes());
            }
        }
        "PFCOUNT" => {
            for _ in 0..g.rng.random_range(1..4) {
                cmd.push(if g.chance(0.8) { hll_key(g) } else { g.key() });
            }
        }
        _ => {
            // PFMERGE
            cmd.push(hll_key(g));
            for _ in 0..g.rng.random_range(0..3) {
                cmd.push(if g.chance(0.85) { hll_key(g) } else { g.key() });
            }
        }
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_well_formed() {
        let (mut a, mut b) = (Gen::new(7), Gen::new(7));
        for _ in 0..500 {
            let cmd = command(&mut a);
            assert_eq!(cmd, command(&mut b));
            assert!(!cmd.is_empty());
        }
    }
}
