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

/// Removes trailing zeros after a decimal point, and the point itself if
/// nothing remains after it.
fn trim_fraction(s: &str) -> &str {
    if !s.contains('.') {
        return s;
    }
    s.trim_end_matches('0').trim_end_matches('.')
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
}
