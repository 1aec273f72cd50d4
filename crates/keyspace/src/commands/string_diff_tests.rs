//! Differential tests of the string commands against a real redis-server:
//! hand-written sequences for every command, option, error and edge case,
//! seeded random sequences from `testkit::gen::strings` and random
//! INCRBYFLOAT arithmetic.

use super::tests::assert_same_replies_with_list;
use crate::testing::{assert_same_replies, random_sequences, Diff, Protocols};

#[test]
fn differential_set_get() {
    assert_same_replies(&[
        &["GET", "k"],
        &["SET", "k", "v"],
        &["GET", "k"],
        &["SET", "k", ""],
        &["GET", "k"],
        &["SET", "k", "v", "nx"],
        &["SET", "k", "v2", "xx", "get"],
        &["SET", "k", "v3", "NX", "GET"],
        &["SET", "k2", "v3", "NX", "GET"],
        &["SET", "k3", "v3", "XX", "GET"],
        &["SET", "k", "v", "NX", "XX"],
        &["SET", "k", "v", "XX", "NX"],
        &["SET", "k", "v", "NX", "NX"],
        &["SET", "k", "v", "GET", "GET"],
        &["SET", "k", "v", "EX", "100", "EX", "200"],
        &["SET", "k", "v", "EX", "100", "PX", "200"],
        &["SET", "k", "v", "EX", "100", "KEEPTTL"],
        &["SET", "k", "v", "KEEPTTL", "PXAT", "100"],
        &["SET", "k", "v", "KEEPTTL", "KEEPTTL"],
        &["SET", "k", "v", "PERSIST"],
        &["SET", "k", "v", "EX"],
        &["SET", "k", "v", "EX", "abc"],
        &["SET", "k", "v", "EX", "abc", "foo"],
        &["SET", "k", "v", "EX", "0"],
        &["SET", "k", "v", "EX", "-1"],
        &["SET", "k", "v", "PX", "0"],
        &["SET", "k", "v", "EXAT", "0"],
        &["SET", "k", "v", "EX", "9223372036854775"],
        &["SET", "k", "v", "EX", "9223372036854776"],
        &["SET", "k", "v", "PX", "9223372036854775807"],
        &["SET", "k", "v", "PXAT", "9223372036854775807"],
        &["SET", "k", "v", "EXAT", "9223372036854775"],
        &["GET", "k"],
        &["SET", "k", "v", "PXAT", "1"],
        &["GET", "k"],
        &["SET", "k", "v", "EXAT", "1", "GET"],
        &["SET", "k", "old"],
        &["SET", "k", "v", "EXAT", "1", "GET"],
        &["GET", "k"],
        &["SET", "k", "v", "foo"],
        &["SET", "k"],
        &["SETNX", "k", "1"],
        &["SETNX", "k", "2"],
        &["GET", "k"],
        &["SETEX", "k", "100", "x"],
        &["SETEX", "k", "0", "x"],
        &["SETEX", "k", "x", "x"],
        &["SETEX", "k", "9223372036854776", "x"],
        &["PSETEX", "k", "100000", "y"],
        &["PSETEX", "k", "-5", "y"],
        &["GET", "k"],
        &["GETSET", "k", "z"],
        &["GETSET", "nk", "z"],
        &["GETDEL", "k"],
        &["GETDEL", "k"],
        &["SET", "k", "12"],
        &["GETEX", "k"],
        &["GETEX", "k", "EX", "100"],
        &["GETEX", "k", "PX", "100000", "PX", "100000"],
        &["GETEX", "k", "PERSIST"],
        &["GETEX", "k", "PERSIST", "PERSIST"],
        &["GETEX", "k", "PERSIST", "EX", "10"],
        &["GETEX", "k", "EX", "10", "PERSIST"],
        &["GETEX", "k", "KEEPTTL"],
        &["GETEX", "k", "GET"],
        &["GETEX", "k", "NX"],
        &["GETEX", "k", "EX"],
        &["GETEX", "k", "EX", "abc"],
        &["GETEX", "k", "EX", "0"],
        &["GETEX", "k", "EXAT", "9223372036854776"],
        &["GETEX", "nokey", "EX", "abc"],
        &["GETEX", "nokey", "foo"],
        &["GETEX", "k", "EXAT", "1"],
        &["GETEX", "k"],
        &["MSET", "a", "1", "b", "2", "a", "3"],
        &["MGET", "a", "b", "c", "a"],
        &["MSET", "a", "1", "b"],
        &["MSETNX", "c", "1", "d"],
        &["MSETNX", "a", "1", "e", "5"],
        &["MSETNX", "f", "1", "e", "5"],
        &["MSETNX", "g", "1", "g", "2"],
        &["MGET", "e", "f", "g"],
    ]);
}

#[test]
fn differential_ranges() {
    assert_same_replies(&[
        &["APPEND", "ap", "12"],
        &["APPEND", "ap", ""],
        &["APPEND", "ap", "3"],
        &["APPEND", "ap2", ""],
        &["GET", "ap"],
        &["GET", "ap2"],
        &["INCR", "ap"],
        &["STRLEN", "ap"],
        &["STRLEN", "nokey"],
        &["SET", "neg", "-12345"],
        &["STRLEN", "neg"],
        &["GETRANGE", "neg", "1", "2"],
        &["SET", "s", "This is a string"],
        &["GETRANGE", "s", "0", "3"],
        &["GETRANGE", "s", "-3", "-1"],
        &["GETRANGE", "s", "0", "-1"],
        &["GETRANGE", "s", "10", "100"],
        &["GETRANGE", "s", "-1", "-5"],
        &["GETRANGE", "s", "-100", "-200"],
        &["GETRANGE", "s", "-200", "-100"],
        &["GETRANGE", "s", "-100", "2"],
        &["GETRANGE", "s", "5", "2"],
        &["GETRANGE", "s", "100", "200"],
        &["GETRANGE", "s", "a", "2"],
        &["GETRANGE", "s", "1", "b"],
        &[
            "GETRANGE",
            "s",
            "-9223372036854775808",
            "9223372036854775807",
        ],
        &["GETRANGE", "nokey", "0", "-1"],
        &["GETRANGE", "nokey", "x", "-1"],
        &["SUBSTR", "s", "1", "3"],
        &["SET", "e", ""],
        &["GETRANGE", "e", "0", "-1"],
        &["GETRANGE", "e", "0", "0"],
        &["GETRANGE", "e", "-1", "0"],
        &["SETRANGE", "s", "5", "XX"],
        &["SETRANGE", "s", "20", "end"],
        &["GET", "s"],
        &["SETRANGE", "s", "0", ""],
        &["SETRANGE", "sr", "0", ""],
        &["SETRANGE", "sr", "2", "ab"],
        &["GET", "sr"],
        &["SETRANGE", "sr", "-1", "ab"],
        &["SETRANGE", "sr", "x", "ab"],
        &["SETRANGE", "sr", "536870912", "ab"],
        &["SETRANGE", "sr", "536870911", "ab"],
        &["SETRANGE", "sr", "536870911", ""],
        &["SETRANGE", "nk2", "536870912", ""],
        &["SETRANGE", "nk2", "9223372036854775807", "x"],
        &["SETRANGE", "nk2", "-9223372036854775808", "x"],
        &["SET", "num", "100"],
        &["SETRANGE", "num", "1", "5"],
        &["GET", "num"],
        &["INCR", "num"],
    ]);
}

#[test]
fn differential_counters() {
    assert_same_replies(&[
        &["INCR", "n"],
        &["INCRBY", "n", "10"],
        &["INCRBY", "n", "-20"],
        &["DECR", "n"],
        &["DECRBY", "n", "5"],
        &["DECRBY", "n", "-5"],
        &["INCRBY", "n", "x"],
        &["INCRBY", "n", "1.5"],
        &["INCRBY", "n", " 1"],
        &["INCRBY", "n", "+1"],
        &["INCRBY", "n", "01"],
        &["INCRBY", "n", "-0"],
        &["INCRBY", "n", ""],
        &["INCRBY", "n", "9223372036854775808"],
        &["DECRBY", "n", "-9223372036854775808"],
        &["DECRBY", "n", "9223372036854775807"],
        &["DECRBY", "n", "9223372036854775807"],
        &["SET", "n", "9223372036854775807"],
        &["INCR", "n"],
        &["INCRBY", "n", "0"],
        &["SET", "n", "-9223372036854775808"],
        &["DECR", "n"],
        &["INCRBY", "n", "-1"],
        &["INCRBY", "n", "9223372036854775807"],
        &["SET", "n", "007"],
        &["INCR", "n"],
        &["SET", "n", " 7"],
        &["INCR", "n"],
        &["SET", "n", "7 "],
        &["INCR", "n"],
        &["SET", "n", ""],
        &["INCR", "n"],
        &["SET", "n", "-0"],
        &["INCR", "n"],
        &["SET", "n", "99999999999999999999"],
        &["INCR", "n"],
        &["SET", "f", "10.50"],
        &["INCRBYFLOAT", "f", "0.1"],
        &["INCRBYFLOAT", "f", "-5"],
        &["SET", "f", "5.0e3"],
        &["INCRBYFLOAT", "f", "2.0e2"],
        &["INCRBYFLOAT", "f", "-5200"],
        &["INCRBYFLOAT", "f", "-0.5"],
        &["INCRBYFLOAT", "f", "1e10"],
        &["INCRBYFLOAT", "f", "x"],
        &["INCRBYFLOAT", "f", ""],
        &["INCRBYFLOAT", "f", "nan"],
        &["INCRBYFLOAT", "f", "inf"],
        &["INCRBYFLOAT", "f", "-inf"],
        &["INCRBYFLOAT", "f", " 1"],
        &["INCRBYFLOAT", "f", "1 "],
        &["INCRBYFLOAT", "f", "0.0625"],
        &["INCRBYFLOAT", "f", "3.75e-1"],
        &["INCRBYFLOAT", "f", "1E2"],
        &["INCRBYFLOAT", "f", "-.5"],
        &["INCRBYFLOAT", "f", "+3."],
        &["INCRBYFLOAT", "nf", "3"],
        &["INCRBYFLOAT", "nf", "-3.25"],
        &["GET", "nf"],
        &["INCR", "nf"],
        &["INCRBYFLOAT", "nf2", "0"],
        &["INCRBYFLOAT", "nf2", "-0"],
        &["INCRBYFLOAT", "nf3", "123456789012"],
        &["INCR", "nf3"],
        &["SET", "word", "abc"],
        &["INCRBYFLOAT", "word", "1"],
        &["INCR", "word"],
        &["SET", "fl", "inf"],
        &["INCRBYFLOAT", "fl", "1"],
    ]);
}

#[test]
fn differential_lcs() {
    assert_same_replies(&[
        &["SET", "a", "ohmytext"],
        &["SET", "b", "mynewtext"],
        &["LCS", "a", "b"],
        &["LCS", "a", "b", "LEN"],
        &["LCS", "a", "b", "IDX"],
        &["LCS", "a", "b", "IDX", "WITHMATCHLEN"],
        &["LCS", "a", "b", "IDX", "MINMATCHLEN", "4"],
        &["LCS", "a", "b", "IDX", "MINMATCHLEN", "-4", "WITHMATCHLEN"],
        &["LCS", "a", "b", "LEN", "IDX"],
        &["LCS", "a", "b", "MINMATCHLEN"],
        &["LCS", "a", "b", "MINMATCHLEN", "x"],
        &["LCS", "a", "b", "foo"],
        &["LCS", "a", "b", "LEN", "LEN", "WITHMATCHLEN"],
        &["LCS", "a", "b", "MINMATCHLEN", "2", "LEN"],
        &["LCS", "a", "nokey"],
        &["LCS", "a", "nokey", "IDX"],
        &["LCS", "nokey", "nokey2", "IDX", "WITHMATCHLEN"],
        &["LCS", "a", "a", "IDX", "WITHMATCHLEN"],
        &["SET", "c", "abcabcabcxyzabc"],
        &["SET", "d", "xabcyabczzabcab"],
        &["LCS", "c", "d"],
        &["LCS", "c", "d", "IDX", "WITHMATCHLEN"],
        &["LCS", "d", "c", "IDX", "WITHMATCHLEN"],
        &["LCS", "d", "c", "IDX", "MINMATCHLEN", "2"],
        &["LCS", "d", "c", "IDX", "MINMATCHLEN", "3"],
        &["SET", "i1", "1234567"],
        &["SET", "i2", "-345"],
        &["LCS", "i1", "i2", "IDX"],
        &["SET", "e", ""],
        &["LCS", "e", "a"],
        &["LCS", "a", "e", "IDX"],
        &["SET", "x1", "aaaa"],
        &["SET", "x2", "aa"],
        &["LCS", "x1", "x2", "IDX", "WITHMATCHLEN"],
        &["LCS", "x2", "x1", "IDX", "WITHMATCHLEN"],
        // Ties between the two directions decide which LCS comes out.
        &["SET", "t1", "ab"],
        &["SET", "t2", "ba"],
        &["LCS", "t1", "t2"],
        &["LCS", "t1", "t2", "IDX"],
        &["SET", "t3", "abcxyz"],
        &["SET", "t4", "xyzabc"],
        &["LCS", "t3", "t4", "IDX", "WITHMATCHLEN"],
        &["LCS", "t4", "t3"],
    ]);
}

#[test]
fn differential_wrong_types() {
    assert_same_replies_with_list(&[
        &["GET", "list"],
        &["SET", "list", "x", "GET"],
        &["SET", "list", "x", "NX", "GET"],
        &["GETSET", "list", "x"],
        &["GETDEL", "list"],
        &["GETEX", "list"],
        &["GETEX", "list", "EX", "abc"],
        &["GETEX", "list", "foo"],
        &["APPEND", "list", "x"],
        &["STRLEN", "list"],
        &["GETRANGE", "list", "0", "1"],
        &["GETRANGE", "list", "a", "1"],
        &["SETRANGE", "list", "0", "x"],
        &["SETRANGE", "list", "0", ""],
        &["SETRANGE", "list", "-1", "x"],
        &["INCR", "list"],
        &["INCRBY", "list", "x"],
        &["DECRBY", "list", "-9223372036854775808"],
        &["INCRBYFLOAT", "list", "x"],
        &["MGET", "list", "nokey"],
        &["LCS", "list", "nokey"],
        &["LCS", "nokey", "list", "foo"],
        &["SETNX", "list", "x"],
        &["MSETNX", "list", "x", "other", "y"],
        &["SET", "list", "x", "XX"],
        &["GET", "list"],
    ]);
}

/// Random string, bitmap and HLL commands from several seeds give the same
/// replies in keel and Redis.
#[test]
fn differential_random_commands() {
    use testkit::gen::families;
    let family = families()
        .into_iter()
        .find(|(name, _)| *name == "strings")
        .map(|(_, f)| f)
        .expect("strings generator");
    let stats = random_sequences(
        "strings",
        1..17,
        500,
        Protocols::Both,
        |_, g, _| family(g),
        |_, _| {},
    );
    stats.assert_every_command_succeeds();
}

/// A random decimal (sometimes hexadecimal) number as Redis clients write
/// them: any digits, point and exponent.
fn random_float_text(g: &mut testkit::gen::Gen) -> String {
    let digits = |g: &mut testkit::gen::Gen, n: i64| -> String {
        (0..n)
            .map(|_| String::from_utf8_lossy(&g.int(0, 10)).into_owned())
            .collect()
    };
    let sign = g.pick(&["", "", "-", "+"]);
    if g.chance(0.1) {
        let mant = g.pick(&["1", "1.8", "a.b", ".4", "ff"]);
        let exp = String::from_utf8_lossy(&g.int(-70, 70)).into_owned();
        return format!("{sign}0x{mant}p{exp}");
    }
    let n = resp::parse_int(&g.int(1, 24)).unwrap_or(1);
    let int = digits(g, n);
    let frac = if g.chance(0.7) {
        let n = resp::parse_int(&g.int(0, 22)).unwrap_or(0);
        format!(".{}", digits(g, n))
    } else {
        String::new()
    };
    let exp = match resp::parse_int(&g.int(0, 10)).unwrap_or(0) {
        0 => format!("e{}", String::from_utf8_lossy(&g.int(-40, 40))),
        1 => format!("E{}", String::from_utf8_lossy(&g.int(-4960, 4960))),
        _ => String::new(),
    };
    format!("{sign}{int}{frac}{exp}")
}

/// INCRBYFLOAT on arbitrary decimal text gives Redis's exact long double
/// results.
#[test]
fn differential_incrbyfloat_random() {
    let mut d = Diff::new();
    for seed in 1..=6u64 {
        let mut g = testkit::gen::Gen::new(seed);
        for i in 0..300 {
            let key = g.pick(&["f0", "f1"]);
            let text = random_float_text(&mut g);
            let cmd: Vec<&str> = if g.chance(0.15) {
                vec!["SET", key, &text]
            } else {
                vec!["INCRBYFLOAT", key, &text]
            };
            d.label = format!("incrbyfloat seed {seed} step {i}");
            d.check(&cmd);
        }
    }
}

/// RESP3 replies (nulls, maps) match Redis's for the family.
#[test]
fn differential_resp3() {
    Diff::new_resp3().check_all(&[
        &["GET", "nokey"],
        &["SET", "a", "ohmytext"],
        &["SET", "a", "x", "NX"],
        &["SET", "a", "ohmytext", "XX", "GET"],
        &["SET", "b", "mynewtext", "NX", "GET"],
        &["GETEX", "nokey", "PERSIST"],
        &["GETDEL", "nokey"],
        &["MGET", "a", "nokey", "b"],
        &["LCS", "a", "b", "IDX", "WITHMATCHLEN"],
        &["LCS", "a", "b", "IDX", "MINMATCHLEN", "10"],
        &["INCRBYFLOAT", "f", "0.1"],
        &["INCRBYFLOAT", "f", "0.2"],
        &[
            "BITFIELD", "bf", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "5", "GET", "u2", "0",
        ],
        &["BITFIELD_RO", "bf", "GET", "i8", "0"],
        &["PFADD", "h", "a", "b"],
        &["PFCOUNT", "h"],
    ]);
}
