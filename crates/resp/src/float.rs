//! Number formatting that matches Redis 7.0 byte for byte.

/// Formats a double like C's `printf("%.17g")`, which is what Redis 7.0 uses
/// for every double reply (ZSCORE, ZINCRBY, WITHSCORES, RESP3 doubles), with
/// infinities spelled `inf` / `-inf`.
pub fn format_double(d: f64) -> String {
    if d.is_nan() {
        return "nan".to_string();
    }
    if d.is_infinite() {
        return if d > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    // 17 significant digits, correctly rounded: d.dddddddddddddddde<exp>
    let sci = format!("{d:.16e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if !(-4..17).contains(&exp) {
        let mut m = String::with_capacity(digits.len() + 1);
        m.push_str(&digits[..1]);
        m.push('.');
        m.push_str(&digits[1..]);
        let m = trim_fraction(&m);
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{m}e{esign}{:02}", exp.abs());
    }
    let fixed = if exp >= 0 {
        let point = (exp + 1) as usize;
        format!("{}.{}", &digits[..point], &digits[point..])
    } else {
        format!("0.{}{}", "0".repeat((-exp - 1) as usize), digits)
    };
    format!("{sign}{}", trim_fraction(&fixed))
}

/// Formats a float the way Redis formats INCRBYFLOAT / HINCRBYFLOAT results
/// (`%.17Lf` with trailing zeros removed): plain decimal notation, never an
/// exponent, at most 17 fractional digits.
///
/// Redis computes these in 80-bit long double; keel computes in `f64` and
/// prints the shortest decimal that round-trips, which gives the same text
/// for the values people actually use (`10.5 + 0.1` is `10.6` in both).
pub fn format_long_double(d: f64) -> String {
    if d.is_infinite() {
        return if d > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    let shortest = format!("{d}");
    let text = match shortest.split_once('.') {
        Some((int, frac)) if frac.len() > 17 => round_fraction(int, &frac[..18]),
        _ => shortest,
    };
    let text = trim_fraction(&text).to_string();
    if text == "-0" {
        "0".to_string()
    } else {
        text
    }
}

/// Removes trailing zeros after a decimal point, and the point itself if
/// nothing remains after it.
fn trim_fraction(s: &str) -> &str {
    if !s.contains('.') {
        return s;
    }
    s.trim_end_matches('0').trim_end_matches('.')
}

/// Rounds `int.frac18` (18 fractional digits) to 17 fractional digits,
/// half away from zero, on the decimal text.
fn round_fraction(int: &str, frac18: &str) -> String {
    let mut digits: Vec<u8> = int.bytes().chain(frac18[..17].bytes()).collect();
    let negative = digits.first() == Some(&b'-');
    if frac18.as_bytes()[17] >= b'5' {
        let mut i = digits.len();
        loop {
            if i == 0 || digits[i - 1] == b'-' {
                digits.insert(i, b'1');
                break;
            }
            i -= 1;
            if digits[i] == b'9' {
                digits[i] = b'0';
            } else {
                digits[i] += 1;
                break;
            }
        }
    }
    let point = digits.len() - 17;
    let mut out = String::from_utf8_lossy(&digits[..point]).into_owned();
    if out.is_empty() || (negative && out == "-") {
        out.push('0');
    }
    out.push('.');
    out.push_str(&String::from_utf8_lossy(&digits[point..]));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g17_matches_printf() {
        let cases = [
            (1.1, "1.1000000000000001"),
            (0.0, "0"),
            (1.0, "1"),
            (-2.5, "-2.5"),
            (3.0e-5, "3.0000000000000001e-05"),
            (1e17, "1e+17"),
            (123456789.0, "123456789"),
            (1e16, "10000000000000000"),
            (0.0001, "0.0001"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (1.5e300, "1.5000000000000001e+300"),
            (0.1, "0.10000000000000001"),
        ];
        for (value, expected) in cases {
            assert_eq!(format_double(value), expected, "formatting {value}");
        }
    }

    #[test]
    fn long_double_style() {
        let cases = [
            (10.5 + 0.1, "10.6"),
            (3.0, "3"),
            (-0.0, "0"),
            (5.0e3, "5000"),
            (1e-20, "0"),
            (1.23e-16, "0.00000000000000012"),
            (-1.5, "-1.5"),
            (1e21, "1000000000000000000000"),
        ];
        for (value, expected) in cases {
            assert_eq!(format_long_double(value), expected, "formatting {value}");
        }
    }
}
