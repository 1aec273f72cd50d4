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
