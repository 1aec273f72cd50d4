//! Random SORT / SORT_RO commands and the data they sort.
//!
//! Sources have their own keys: lists `sl0`/`sl1`, an integer set `ss0`
//! (ordered, so `BY nosort` is comparable), a string set `ss1` and a
//! sorted set `sz0`; `w_<element>` strings and `h_<element>` hashes (fields
//! `f`, `g`) serve BY and GET patterns. Where Redis leaves the order open
//! the generator stays away: `BY nosort` on `ss1` only with STORE (which
//! sorts), ALPHA with a BY pattern (ties keep an input order that is hash
//! order for sets) only on lists and without LIMIT (Redis's partial sort
//! is unstable), SORT_RO never on a sorted set (Redis converts it to a
//! skiplist even there; keel's read-only path cannot). The shared key pool
//! adds type errors.

use rand::Rng;

use super::Gen;

fn element(g: &mut Gen) -> String {
    match g.rng.random_range(0..10) {
        0..=5 => g.rng.random_range(-3..12).to_string(),
        6 => ["1.5", "-0.5", "1e2", "0x10"][g.rng.random_range(0..4)].to_string(),
        _ => ["a", "b", "B", "ab", ""][g.rng.random_range(0..5)].to_string(),
    }
}

fn weight(g: &mut Gen) -> String {
    match g.rng.random_range(0..8) {
        0 => "x".to_string(),
        1 => format!("{:.2}", g.rng.random_range(-5.0f64..5.0)),
        _ => g.rng.random_range(-20..20).to_string(),
    }
}

fn numeric_element(g: &mut Gen) -> String {
    g.rng.random_range(-3..12).to_string()
}

fn by_pattern(g: &mut Gen) -> &'static str {
    g.pick(&["w_*", "h_*->f", "h_*->g", "nosort", "w_*->f", "missing_*"])
}

fn get_pattern(g: &mut Gen) -> &'static str {
    g.pick(&["#", "w_*", "h_*->f", "h_*->g", "nope_*", "h_*->"])
}

/// One random command of the family.
pub fn command(g: &mut Gen) -> Vec<Vec<u8>> {
    let words: Vec<String> = match g.rng.random_range(0..20) {
        0..=2 => {
            let mut c = vec!["RPUSH".to_string(), g.pick(&["sl0", "sl1"]).to_string()];
            for _ in 0..g.rng.random_range(1..5) {
                c.push(element(g));
            }
            c
        }
        3 => {
            let mut c = vec!["SADD".to_string(), "ss0".to_string()];
            for _ in 0..g.rng.random_range(1..4) {
                c.push(numeric_element(g));
            }
            c
        }
        4 => {
            let mut c = vec!["SADD".to_string(), "ss1".to_string()];
            for _ in 0..g.rng.random_range(1..4) {
                c.push(element(g));
            }
            c
        }
        5 => vec![
            "ZADD".to_string(),
            "sz0".to_string(),
            g.rng.random_range(0..5).to_string(),
            element(g),
        ],
        6 | 7 => vec!["SET".to_string(), format!("w_{}", element(g)), weight(g)],
        8 => vec![
            "HSET".to_string(),
            format!("h_{}", element(g)),
            g.pick(&["f", "g"]).to_string(),
            weight(g),
        ],
        9 => vec![
            "DEL".to_string(),
            g.pick(&["sl0", "sl1", "ss0", "ss1", "sz0", "dst"])
                .to_string(),
        ],
        10 => vec![
            "LRANGE".to_string(),
            "dst".to_string(),
            "0".to_string(),
            "-1".to_string(),
        ],
        _ => return sort(g),
    };
    words.into_iter().map(String::into_bytes).collect()
}

fn sort(g: &mut Gen) -> Vec<Vec<u8>> {
    let key = match g.rng.random_range(0..12) {
        0 => String::from_utf8_lossy(&g.key()).into_owned(),
        1..=5 => g.pick(&["sl0", "sl1"]).to_string(),
        6 | 7 => "ss0".to_string(),
        8 | 9 => "ss1".to_string(),
        _ => "sz0".to_string(),
    };
    let is_list = key.starts_with("sl");
    let readonly = !key.starts_with("sz") && !key.starts_with('k') && g.chance(0.3);
    let store = !readonly && g.chance(0.3);
    let mut c: Vec<String> = vec![
        if readonly { "SORT_RO" } else { "SORT" }.to_string(),
        key.clone(),
    ];
    let mut by = None;
    if g.chance(0.5) {
        let pattern = by_pattern(g);
        let unordered_set = key == "ss1" && !store;
        if !(pattern == "nosort" && unordered_set) {
            by = Some(pattern);
            c.push("BY".to_string());
            c.push(pattern.to_string());
        }
    }
    let alpha_by_pattern = by.is_some_and(|p| p != "nosort");
    let alpha = g.chance(0.4) && (!alpha_by_pattern || is_list);
    if alpha {
        c.push("ALPHA".to_string());
    }
    if g.chance(0.4) {
        c.push(g.pick(&["ASC", "DESC"]).to_string());
    }
    if g.chance(0.3) && !(alpha && alpha_by_pattern) {
        c.push("LIMIT".to_string());
        c.push(g.rng.random_range(-1..4).to_string());
        c.push(g.rng.random_range(-1..4).to_string());
    }
    for _ in 0..g.rng.random_range(0..3) {
        c.push("GET".to_string());
        c.push(get_pattern(g).to_string());
    }
    if store {
        c.push("STORE".to_string());
        c.push("dst".to_string());
    }
    c.into_iter().map(String::into_bytes).collect()
}
