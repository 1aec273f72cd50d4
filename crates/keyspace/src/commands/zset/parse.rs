//! Argument parsing with the exact rules of Redis's sorted set commands.
//!
//! Redis parses scores with C's `strtod`, which accepts more than Rust's
//! `f64::from_str` (hexadecimal floats, leading whitespace in ranges, an
//! empty range bound meaning 0) and reports overflow/underflow. [`strtod`]
//! reproduces it; the wrappers apply the checks of each call site.

use crate::types::{LexBound, LexRange, ScoreRange};
use crate::CmdError;

/// C's `isspace` in the C locale.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn starts_with_ci(s: &[u8], prefix: &[u8]) -> bool {
    s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// C's `strtod` (glibc): `(value, bytes consumed, range error)`. Consumes
/// leading whitespace, a sign, then `inf`/`infinity`/`nan[(...)]`, a
/// hexadecimal float or a decimal float. Consumes nothing (value 0) when no
/// number is found.
pub(in crate::commands) fn strtod(s: &[u8]) -> (f64, usize, bool) {
    let mut i = 0;
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
    let mut negative = false;
    if let Some(&sign @ (b'+' | b'-')) = s.get(i) {
        negative = sign == b'-';
        i += 1;
    }
    let signed = |v: f64| if negative { -v } else { v };
    let rest = &s[i..];
    if starts_with_ci(rest, b"inf") {
        let len = if starts_with_ci(rest, b"infinity") {
            8
        } else {
            3
        };
        return (signed(f64::INFINITY), i + len, false);
    }
    if starts_with_ci(rest, b"nan") {
        let mut len = 3;
        if rest.get(3) == Some(&b'(') {
            let close = rest[4..]
                .iter()
                .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
                .map(|p| p + 4);
            if let Some(c) = close.filter(|c| rest[*c] == b')') {
                len = c + 1;
            }
        }
        return (f64::NAN, i + len, false);
    }
    if rest.len() >= 2 && rest[0] == b'0' && (rest[1] | 0x20) == b'x' {
        return match hex_float(&rest[2..]) {
            Some((v, used, erange)) => (signed(v), i + 2 + used, erange),
            // "0x" not followed by a hex digit: just the "0".
            None => (signed(0.0), i + 1, false),
        };
    }
    // Decimal: digits [. digits] [e [sign] digits], at least one digit.
    let mut j = 0;
    let mut digits = 0;
    let mut nonzero = false;
    while j < rest.len() && rest[j].is_ascii_digit() {
        nonzero |= rest[j] != b'0';
        j += 1;
        digits += 1;
    }
    if rest.get(j) == Some(&b'.') {
        j += 1;
        while j < rest.len() && rest[j].is_ascii_digit() {
            nonzero |= rest[j] != b'0';
            j += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return (0.0, 0, false);
    }
    if let Some(b'e' | b'E') = rest.get(j) {
        let mut k = j + 1;
        if let Some(b'+' | b'-') = rest.get(k) {
            k += 1;
        }
        if rest.get(k).is_some_and(u8::is_ascii_digit) {
            while k < rest.len() && rest[k].is_ascii_digit() {
                k += 1;
            }
            j = k;
        }
    }
    let value = std::str::from_utf8(&rest[..j])
        .ok()
        .and_then(|t| t.parse::<f64>().ok())
        .unwrap_or(0.0);
    let erange = value.is_infinite() || (value == 0.0 && nonzero);
    (signed(value), i + j, erange)
}

/// A hexadecimal float after its `0x`: `(value, bytes consumed, range
/// error)`, or `None` without a hex digit.
fn hex_float(s: &[u8]) -> Option<(f64, usize, bool)> {
    let mut mantissa: u128 = 0;
    let mut sticky = false;
    let mut exponent: i64 = 0;
    let mut digits = 0;
    let mut j = 0;
    let mut seen_point = false;
    loop {
        match s.get(j) {
            Some(b'.') if !seen_point => seen_point = true,
            Some(&b) if b.is_ascii_hexdigit() => {
                let d = (b as char).to_digit(16).unwrap_or(0);
                digits += 1;
                if mantissa >> 120 == 0 {
                    mantissa = (mantissa << 4) | u128::from(d);
                    if seen_point {
                        exponent -= 4;
                    }
                } else {
                    sticky |= d != 0;
                    if !seen_point {
                        exponent += 4;
                    }
                }
            }
            _ => break,
        }
        j += 1;
    }
    if digits == 0 {
        return None;
    }
    if let Some(b'p' | b'P') = s.get(j) {
        let mut k = j + 1;
        let mut negative = false;
        if let Some(&sign @ (b'+' | b'-')) = s.get(k) {
            negative = sign == b'-';
            k += 1;
        }
        if s.get(k).is_some_and(u8::is_ascii_digit) {
            let mut e: i64 = 0;
            while k < s.len() && s[k].is_ascii_digit() {
                e = (e * 10 + i64::from(s[k] - b'0')).min(1 << 40);
                k += 1;
            }
            exponent += if negative { -e } else { e };
            j = k;
        }
    }
    let nonzero = mantissa != 0 || sticky;
    if sticky {
        mantissa |= 1;
    }
    let mut value = mantissa as f64;
    let mut e = exponent;
    while e != 0 && value != 0.0 && value.is_finite() {
        let step = e.clamp(-1000, 1000);
        value *= 2f64.powi(step as i32);
        e -= step;
    }
    let erange = value.is_infinite() || (value == 0.0 && nonzero);
    Some((value, j, erange))
}

/// A score argument (ZADD, ZINCRBY, WEIGHTS): Redis's
/// `getDoubleFromObject`: the whole argument is a number, no leading
/// space, no overflow or underflow to zero, not NaN.
pub(in crate::commands) fn strict_float(s: &[u8]) -> Option<f64> {
    if s.first().is_none_or(|b| is_c_space(*b)) {
        return None;
    }
    let (value, used, erange) = strtod(s);
    if used != s.len() || value.is_nan() || (erange && (value.is_infinite() || value == 0.0)) {
        return None;
    }
    Some(value)
}

/// A score range bound without its `(`: `strtod` must reach the end of
/// the C string (an empty bound is 0, leading spaces are skipped).
fn range_float(s: &[u8]) -> Option<f64> {
    let s = s.iter().position(|b| *b == 0).map_or(s, |nul| &s[..nul]);
    let (value, used, _) = strtod(s);
    (used == s.len() && !value.is_nan()).then_some(value)
}

/// `min max` of ZRANGEBYSCORE and friends.
pub(super) fn score_range(min: &[u8], max: &[u8]) -> Result<ScoreRange, CmdError> {
    fn bound(s: &[u8]) -> Option<(f64, bool)> {
        match s.split_first() {
            Some((b'(', rest)) => Some((range_float(rest)?, true)),
            _ => Some((range_float(s)?, false)),
        }
    }
    let err = || CmdError::err("min or max is not a float");
    let (min, min_exclusive) = bound(min).ok_or_else(err)?;
    let (max, max_exclusive) = bound(max).ok_or_else(err)?;
    Ok(ScoreRange {
        min,
        max,
        min_exclusive,
        max_exclusive,
    })
}

/// `min max` of ZRANGEBYLEX and friends.
pub(super) fn lex_range(min: &[u8], max: &[u8]) -> Result<LexRange, CmdError> {
    fn bound(s: &[u8]) -> Option<LexBound> {
        let alone = s.get(1).is_none_or(|b| *b == 0);
        match s.split_first()? {
            (b'+', _) if alone => Some(LexBound::Max),
            (b'-', _) if alone => Some(LexBound::Min),
            (b'(', rest) => Some(LexBound::Exclusive(rest.to_vec())),
            (b'[', rest) => Some(LexBound::Inclusive(rest.to_vec())),
            _ => None,
        }
    }
    let err = || CmdError::err("min or max not valid string range item");
    Ok(LexRange {
        min: bound(min).ok_or_else(err)?,
        max: bound(max).ok_or_else(err)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtod_like_c() {
        assert_eq!(strtod(b"1.5"), (1.5, 3, false));
        assert_eq!(strtod(b"  -2e3x"), (-2000.0, 6, false));
        assert_eq!(strtod(b"0x10"), (16.0, 4, false));
        assert_eq!(strtod(b"0x1p-2"), (0.25, 6, false));
        assert_eq!(strtod(b"0x1.8p1"), (3.0, 7, false));
        assert_eq!(strtod(b"0xg"), (0.0, 1, false));
        assert_eq!(strtod(b"1e"), (1.0, 1, false));
        assert_eq!(strtod(b"1e+"), (1.0, 1, false));
        assert_eq!(strtod(b".5"), (0.5, 2, false));
        assert_eq!(strtod(b"5."), (5.0, 2, false));
        assert_eq!(strtod(b"."), (0.0, 0, false));
        assert_eq!(strtod(b""), (0.0, 0, false));
        assert_eq!(strtod(b"-Infinity"), (f64::NEG_INFINITY, 9, false));
        assert_eq!(strtod(b"infinit"), (f64::INFINITY, 3, false));
        assert!(strtod(b"nan(12)").0.is_nan());
        assert_eq!(strtod(b"nan(12)").1, 7);
        assert_eq!(strtod(b"nan(12").1, 3);
        assert_eq!(strtod(b"1e500"), (f64::INFINITY, 5, true));
        assert_eq!(strtod(b"1e-500"), (0.0, 6, true));
        assert_eq!(strtod(b"0e-500"), (0.0, 6, false));
        let (d, _, _) = strtod(b"-0");
        assert!(d == 0.0 && d.is_sign_negative());
    }

    #[test]
    fn strict_and_range_floats() {
        assert_eq!(strict_float(b"0x10"), Some(16.0));
        assert_eq!(strict_float(b" 1"), None);
        assert_eq!(strict_float(b"1 "), None);
        assert_eq!(strict_float(b""), None);
        assert_eq!(strict_float(b"1e500"), None);
        assert_eq!(strict_float(b"1e-500"), None);
        assert_eq!(strict_float(b"4.9e-324"), Some(4.9e-324));
        assert_eq!(strict_float(b"nan"), None);
        assert_eq!(strict_float(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(range_float(b""), Some(0.0));
        assert_eq!(range_float(b" 1"), Some(1.0));
        assert_eq!(range_float(b"  "), None);
        assert_eq!(range_float(b"1e500"), Some(f64::INFINITY));
        assert_eq!(range_float(b"2\0junk"), Some(2.0));
    }
}
