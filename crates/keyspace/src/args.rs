//! Parsing of command arguments with Redis's rules and error texts.

use bytes::Bytes;

use crate::CmdError;

/// Parses a signed 64-bit integer like Redis (`string2ll`: no spaces, no
/// `+`, no leading zeros); fails with "value is not an integer or out of
/// range".
pub fn int(arg: &[u8]) -> Result<i64, CmdError> {
    resp::parse_int(arg).ok_or(CmdError::NotInteger)
}

/// Parses an integer that must be `>= 0` (fails with "value is out of range,
/// must be positive").
pub fn non_negative(arg: &[u8]) -> Result<u64, CmdError> {
    let n = int(arg)?;
    u64::try_from(n).map_err(|_| CmdError::NotPositive)
}

/// Parses a blocking command's timeout in seconds (a float) into
/// milliseconds; `0` means block forever.
///
/// Follows Redis 7.0: the seconds are parsed like `strtold` (hexadecimal
/// floats included, overflow and underflow refused), multiplied by 1000
/// and truncated toward zero (so `0.0001` and `-0.0001` both mean
/// "forever"), and a value too large for a signed 64-bit millisecond count
/// wraps negative, which is reported as "timeout is negative".
pub fn timeout_ms(arg: &[u8]) -> Result<u64, CmdError> {
    let secs = crate::long_double::parse(arg)
        .ok_or(CmdError::TimeoutNotFloat)?
        .to_f64();
    let ms = (secs * 1000.0).trunc();
    if !(ms > i64::MIN as f64 && ms < i64::MAX as f64) || ms < 0.0 {
        return Err(CmdError::TimeoutNegative);
    }
    Ok(ms as u64)
}

/// Parses a SCAN cursor like Redis 7.0 (`strtoul` in
/// `parseScanCursorOrReply`): an optional sign and decimal digits (a
/// negative cursor wraps around), parsing stops at a NUL byte, the empty
/// string is 0; leading spaces, other garbage and overflow are "invalid
/// cursor".
pub fn cursor(arg: &[u8]) -> Result<u64, CmdError> {
    let invalid = || CmdError::err("invalid cursor");
    if arg
        .first()
        .is_some_and(|b| b.is_ascii_whitespace() || *b == 0x0b)
    {
        return Err(invalid());
    }
    let arg = arg
        .iter()
        .position(|b| *b == 0)
        .map_or(arg, |nul| &arg[..nul]);
    let (negative, digits) = match arg.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, arg),
    };
    if digits.is_empty() {
        // No conversion: only an empty argument reaches the end.
        return if arg.is_empty() {
            Ok(0)
        } else {
            Err(invalid())
        };
    }
    let mut value: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return Err(invalid());
        }
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d - b'0')))
            .ok_or_else(invalid)?;
    }
    Ok(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

/// Case-insensitive comparison of an argument with an ASCII keyword.
pub fn is(arg: &[u8], keyword: &str) -> bool {
    arg.eq_ignore_ascii_case(keyword.as_bytes())
}

/// The command name in lower case, for error messages.
pub fn command_name(args: &[Bytes]) -> String {
    args.first()
        .map(|a| String::from_utf8_lossy(a).to_lowercase())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_parsing_follows_strtoul() {
        assert_eq!(cursor(b""), Ok(0));
        assert_eq!(cursor(b"0"), Ok(0));
        assert_eq!(cursor(b"+7"), Ok(7));
        assert_eq!(cursor(b"007"), Ok(7));
        assert_eq!(cursor(b"-1"), Ok(u64::MAX));
        assert_eq!(cursor(b"18446744073709551615"), Ok(u64::MAX));
        assert_eq!(cursor(b"2\0junk"), Ok(2));
        let bad: [&[u8]; 10] = [
            b"18446744073709551616",
            b"-18446744073709551616",
            b" 1",
            b"\t1",
            b"1 ",
            b"-",
            b"+",
            b"0x1",
            b"abc",
            b"1x",
        ];
        for arg in bad {
            assert!(cursor(arg).is_err(), "{arg:?}");
        }
    }

    #[test]
    fn timeouts() {
        assert_eq!(timeout_ms(b"0"), Ok(0));
        assert_eq!(timeout_ms(b"0.1"), Ok(100));
        assert_eq!(timeout_ms(b"0.0001"), Ok(0));
        assert_eq!(timeout_ms(b"-0.0001"), Ok(0));
        assert_eq!(timeout_ms(b"-1"), Err(CmdError::TimeoutNegative));
        assert_eq!(timeout_ms(b"inf"), Err(CmdError::TimeoutNegative));
        assert_eq!(timeout_ms(b"1e400"), Err(CmdError::TimeoutNegative));
        assert_eq!(timeout_ms(b"1e5000"), Err(CmdError::TimeoutNotFloat));
        assert_eq!(timeout_ms(b"1e-5000"), Err(CmdError::TimeoutNotFloat));
        assert_eq!(timeout_ms(b"0x10"), Ok(16_000));
        assert_eq!(timeout_ms(b"x"), Err(CmdError::TimeoutNotFloat));
    }
}
