//! Random list commands.
//!
//! [`command`] never produces a command that can block: the blocking forms
//! (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) are left out, because whether
//! they block depends on state the generator does not see. A driver that
//! knows its state (or accepts a short timeout) can turn a generated pop
//! into its blocking form with [`blocking_twin`].

use rand::Rng;

use super::Gen;

/// Values drawn from a tiny pool so LREM, LPOS and LINSERT find matches.
fn element(g: &mut Gen) -> Vec<u8> {
    if g.chance(0.7) {
        g.pick(&["a", "b", "c"]).as_bytes().to_vec()
    } else {
        g.value()
    }
}

/// An index or count: mostly small, sometimes extreme or not a number.
fn index(g: &mut Gen) -> Vec<u8> {
    match g.rng.random_range(0..20) {
        0 => g
            .pick(&[
                "9223372036854775807",
                "-9223372036854775808",
                "abc",
                "1.5",
                "",
                "+1",
                "007",
            ])
            .as_bytes()
            .to_vec(),
        1..=2 => g.int(-100, 100),
        _ => g.int(-6, 8),
    }
}

/// A non-negative count, sometimes zero, huge, negative or not a number.
fn count(g: &mut Gen) -> Vec<u8> {
    match g.rng.random_range(0..20) {
        0 => g
            .pick(&["-1", "abc", "9223372036854775807", "-9223372036854775808"])
            .as_bytes()
            .to_vec(),
        1..=3 => b"0".to_vec(),
        _ => g.int(1, 6),
    }
}

fn end(g: &mut Gen) -> &'static str {
    if g.chance(0.02) {
        "middle"
    } else {
        g.pick(&["LEFT", "RIGHT", "left", "Right"])
    }
}

fn words(parts: &[&str]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| p.as_bytes().to_vec()).collect()
}

/// One random list command.
pub fn command(g: &mut Gen) -> Vec<Vec<u8>> {
    let key = g.key();
    let mut cmd: Vec<Vec<u8>> = Vec::new();
    match g.rng.random_range(0..100) {
        0..=17 => {
            cmd.extend(words(&[g.pick(&["LPUSH", "RPUSH"])]));
            cmd.push(key);
            for _ in 0..g.rng.random_range(1..5) {
                cmd.push(element(g));
            }
        }
        18..=21 => {
            cmd.extend(words(&[g.pick(&["LPUSHX", "RPUSHX"])]));
            cmd.push(key);
            for _ in 0..g.rng.random_range(1..3) {
                cmd.push(element(g));
            }
        }
        22..=31 => {
            cmd.extend(words(&[g.pick(&["LPOP", "RPOP"])]));
            cmd.push(key);
            if g.chance(0.4) {
                cmd.push(count(g));
            }
        }
        32..=34 => {
            cmd.extend(words(&["LLEN"]));
            cmd.push(key);
        }
        35..=39 => {
            cmd.extend(words(&["LINDEX"]));
            cmd.push(key);
            cmd.push(index(g));
        }
        40..=46 => {
            cmd.extend(words(&["LRANGE"]));
            cmd.push(key);
            cmd.push(index(g));
            cmd.push(index(g));
        }
        47..=50 => {
            cmd.extend(words(&["LSET"]));
            cmd.push(key);
            cmd.push(index(g));
            cmd.push(element(g));
        }
        51..=55 => {
            let place = if g.chance(0.03) {
                "ASIDE"
            } else {
                g.pick(&["BEFORE", "AFTER", "before"])
            };
            cmd.extend(words(&["LINSERT"]));
            cmd.push(key);
            cmd.push(place.as_bytes().to_vec());
            cmd.push(element(g));
            cmd.push(element(g));
        }
        56..=60 => {
            cmd.extend(words(&["LREM"]));
            cmd.push(key);
            cmd.push(if g.chance(0.1) {
                index(g)
            } else {
                g.int(-3, 4)
            });
            cmd.push(element(g));
        }
        61..=64 => {
            cmd.extend(words(&["LTRIM"]));
            cmd.push(key);
            cmd.push(index(g));
            cmd.push(index(g));
        }
        65..=72 => {
            cmd.extend(words(&["LPOS"]));
            cmd.push(key);
            cmd.push(element(g));
            for _ in 0..g.rng.random_range(0..3) {
                match g.rng.random_range(0..3) {
                    0 => {
                        cmd.push(b"RANK".to_vec());
                        cmd.push(if g.chance(0.9) {
                            g.int(-3, 4)
                        } else {
                            index(g)
                        });
                    }
                    1 => {
                        cmd.push(b"COUNT".to_vec());
                        cmd.push(count(g));
                    }
                    _ => {
                        cmd.push(b"MAXLEN".to_vec());
                        cmd.push(count(g));
                    }
                }
            }
            if g.chance(0.03) {
                cmd.push(b"RANK".to_vec());
            }
        }
        73..=79 => {
            cmd.extend(words(&["LMOVE"]));
            cmd.push(key);
            cmd.push(g.key());
            cmd.push(end(g).as_bytes().to_vec());
            cmd.push(end(g).as_bytes().to_vec());
        }
        80..=83 => {
            cmd.extend(words(&["RPOPLPUSH"]));
            cmd.push(key);
            cmd.push(g.key());
        }
        84..=93 => {
            let n = g.rng.random_range(1..4);
            cmd.extend(words(&["LMPOP"]));
            cmd.push(if g.chance(0.03) {
                g.pick(&["0", "-1", "x", "99"]).as_bytes().to_vec()
            } else {
                n.to_string().into_bytes()
            });
            cmd.push(key);
            for _ in 1..n {
                cmd.push(g.key());
            }
            cmd.push(end(g).as_bytes().to_vec());
            if g.chance(0.5) {
                cmd.push(b"COUNT".to_vec());
                cmd.push(count(g));
            }
        }
        _ => {
            // Wrong arity or a stray argument.
            let name = g.pick(&["LPOP", "LLEN", "LINDEX", "LSET", "LMOVE", "LPUSH", "LMPOP"]);
            cmd.extend(words(&[name]));
            for _ in 0..g.rng.random_range(0..2) {
                cmd.push(g.key());
            }
            if name == "LPOP" {
                cmd.push(b"1".to_vec());
                cmd.push(b"2".to_vec());
            }
        }
    }
    cmd
}

/// The blocking form of a generated pop, with `timeout` (seconds):
/// LPOP/RPOP without a count become BLPOP/BRPOP, LMOVE becomes BLMOVE,
/// RPOPLPUSH becomes BRPOPLPUSH, LMPOP becomes BLPOP/BRPOP over its keys
/// when it has no COUNT and BLMPOP otherwise. `None` for other commands.
///
/// The result blocks (until `timeout`, forever for `"0"`) unless a source
/// list is non-empty: send it only when that is known, or with a short
/// timeout.
pub fn blocking_twin(cmd: &[Vec<u8>], timeout: &str) -> Option<Vec<Vec<u8>>> {
    let name = String::from_utf8_lossy(cmd.first()?).to_ascii_uppercase();
    let timeout = timeout.as_bytes().to_vec();
    let mut out = Vec::with_capacity(cmd.len() + 1);
    match name.as_str() {
        "LPOP" | "RPOP" if cmd.len() == 2 => {
            out.push(format!("B{name}").into_bytes());
            out.push(cmd[1].clone());
            out.push(timeout);
        }
        "LMOVE" | "RPOPLPUSH" => {
            out.push(format!("B{name}").into_bytes());
            out.extend(cmd[1..].iter().cloned());
            out.push(timeout);
        }
        "LMPOP" => {
            let has_count = cmd.len() >= 2 && cmd[cmd.len() - 2].eq_ignore_ascii_case(b"count");
            let keys = cmd.get(2..cmd.len() - if has_count { 3 } else { 1 })?;
            let end = cmd.get(cmd.len() - if has_count { 3 } else { 1 })?;
            if has_count || keys.is_empty() {
                out.push(b"BLMPOP".to_vec());
                out.push(timeout);
                out.extend(cmd[1..].iter().cloned());
            } else {
                let pop: &[u8] = if end.eq_ignore_ascii_case(b"right") {
                    b"BRPOP"
                } else {
                    b"BLPOP"
                };
                out.push(pop.to_vec());
                out.extend(keys.iter().cloned());
                out.push(timeout);
            }
        }
        _ => return None,
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(cmd: &[Vec<u8>]) -> Vec<String> {
        cmd.iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect()
    }

    #[test]
    fn never_blocking_and_reproducible() {
        let (mut a, mut b) = (Gen::new(7), Gen::new(7));
        for _ in 0..2000 {
            let cmd = command(&mut a);
            assert_eq!(cmd, command(&mut b));
            let name = text(&cmd)[0].to_ascii_uppercase();
            assert!(!name.starts_with('B'), "{name} may block");
        }
    }

    #[test]
    fn twins() {
        let w = |s: &str| {
            s.split(' ')
                .map(|p| p.as_bytes().to_vec())
                .collect::<Vec<_>>()
        };
        let twin = |s: &str| blocking_twin(&w(s), "0").map(|c| text(&c).join(" "));
        assert_eq!(twin("LPOP k").as_deref(), Some("BLPOP k 0"));
        assert_eq!(twin("LPOP k 2"), None);
        assert_eq!(
            twin("LMOVE a b LEFT RIGHT").as_deref(),
            Some("BLMOVE a b LEFT RIGHT 0")
        );
        assert_eq!(twin("RPOPLPUSH a b").as_deref(), Some("BRPOPLPUSH a b 0"));
        assert_eq!(twin("LMPOP 2 a b RIGHT").as_deref(), Some("BRPOP a b 0"));
        assert_eq!(
            twin("LMPOP 2 a b LEFT COUNT 3").as_deref(),
            Some("BLMPOP 0 2 a b LEFT COUNT 3")
        );
        assert_eq!(twin("LLEN k"), None);
    }
}
