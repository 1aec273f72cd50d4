//! Decoding of any RESP2/RESP3 value (the client side).

use bytes::Bytes;

use crate::request::parse_int;
use crate::Frame;

/// Deepest nesting accepted, so a hostile peer cannot exhaust the stack.
const MAX_DEPTH: usize = 128;
/// Elements reserved up front, whatever count the peer declares.
const PREALLOCATED: usize = 1024;

/// Why a buffer does not hold a valid RESP value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("invalid RESP type byte {0:#04x}")]
    InvalidType(u8),
    #[error("invalid length or number in RESP header")]
    InvalidNumber,
    #[error("RESP value nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("RESP string is not valid UTF-8")]
    InvalidUtf8,
    #[error("missing CRLF after RESP bulk data")]
    MissingCrlf,
}

/// Decodes one value from the start of `buf`.
///
/// Returns `Ok(None)` when the buffer holds only part of a value, or the
/// frame and the number of bytes it used. RESP3 attributes (`|`) are read and
/// dropped, as most clients do.
pub fn decode(buf: &[u8]) -> Result<Option<(Frame, usize)>, DecodeError> {
    let mut pos = 0;
    match value(buf, &mut pos, 0)? {
        Some(frame) => Ok(Some((frame, pos))),
        None => Ok(None),
    }
}

fn value(buf: &[u8], pos: &mut usize, depth: usize) -> Result<Option<Frame>, DecodeError> {
    if depth > MAX_DEPTH {
        return Err(DecodeError::TooDeep);
    }
    let Some(&kind) = buf.get(*pos) else {
        return Ok(None);
    };
    let Some(line) = line(buf, *pos + 1) else {
        return Ok(None);
    };
    let body = &buf[*pos + 1..line];
    *pos = line + 2;
    let frame = match kind {
        b'+' => Frame::Simple(text(body)?),
        b'-' => Frame::Error(text(body)?),
        b':' => Frame::Integer(number(body)?),
        b'_' => Frame::Null,
        b'#' => Frame::Boolean(body == b"t"),
        b',' => Frame::Double(double(body)?),
        b'(' => Frame::BigNumber(text(body)?),
        b'$' | b'=' | b'!' => {
            let len = number(body)?;
            if len < 0 {
                return Ok(Some(Frame::Null));
            }
            let Some(data) = blob(buf, pos, len as usize)? else {
                return Ok(None);
            };
            match kind {
                b'$' => Frame::Bulk(data),
                b'!' => Frame::Error(text(&data)?),
                _ => verbatim(data)?,
            }
        }
        b'*' | b'~' | b'>' => {
            let len = number(body)?;
            if len < 0 {
                return Ok(Some(Frame::NullArray));
            }
            let Some(items) = elements(buf, pos, len as usize, depth)? else {
                return Ok(None);
            };
            match kind {
                b'*' => Frame::Array(items),
                b'~' => Frame::Set(items),
                _ => Frame::Push(items),
            }
        }
        b'%' | b'|' => {
            let len = usize::try_from(number(body)?).map_err(|_| DecodeError::InvalidNumber)?;
            let Some(items) = elements(buf, pos, len.saturating_mul(2), depth)? else {
                return Ok(None);
            };
            let mut pairs = Vec::with_capacity(items.len() / 2);
            let mut items = items.into_iter();
            while let (Some(k), Some(v)) = (items.next(), items.next()) {
                pairs.push((k, v));
            }
            if kind == b'|' {
                // An attribute precedes the real value.
                return value(buf, pos, depth + 1);
            }
            Frame::Map(pairs)
        }
        other => return Err(DecodeError::InvalidType(other)),
    };
    Ok(Some(frame))
}

/// One complete value found by [`skip`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Skipped {
    /// Bytes the value (with any attributes before it) occupies.
    pub len: usize,
    /// The value is an error (`-` or `!`).
    pub error: bool,
}

/// Finds the end of one value at the start of `buf` without building it.
///
/// Returns `Ok(None)` when the buffer holds only part of a value. Only the
/// framing is checked (type bytes, lengths, numbers, CRLF after bulk data),
/// not the text of simple strings, so a hot client loop (the benchmark's
/// load generator) can count replies without allocating; [`decode`] accepts
/// exactly the same frames when their text is valid UTF-8.
pub fn skip(buf: &[u8]) -> Result<Option<Skipped>, DecodeError> {
    let mut pos = 0;
    Ok(skip_value(buf, &mut pos, 0)?.map(|kind| Skipped {
        len: pos,
        error: matches!(kind, b'-' | b'!'),
    }))
}

/// Moves `pos` past one value; returns its type byte, or `None` when the
/// value is incomplete.
fn skip_value(buf: &[u8], pos: &mut usize, depth: usize) -> Result<Option<u8>, DecodeError> {
    if depth > MAX_DEPTH {
        return Err(DecodeError::TooDeep);
    }
    let Some(&kind) = buf.get(*pos) else {
        return Ok(None);
    };
    let Some(line) = line(buf, *pos + 1) else {
        return Ok(None);
    };
    let body = &buf[*pos + 1..line];
    *pos = line + 2;
    match kind {
        b'+' | b'-' | b'_' | b'#' | b'(' => {}
        b':' => {
            number(body)?;
        }
        b',' => {
            double(body)?;
        }
        b'$' | b'=' | b'!' => {
            let len = number(body)?;
            if len >= 0 {
                let end = pos
                    .checked_add(len as usize)
                    .ok_or(DecodeError::InvalidNumber)?;
                if buf.len() < end.saturating_add(2) {
                    return Ok(None);
                }
                if &buf[end..end + 2] != b"\r\n" {
                    return Err(DecodeError::MissingCrlf);
                }
                *pos = end + 2;
            }
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let len = number(body)?;
            let items = match kind {
                _ if len < 0 && matches!(kind, b'*' | b'~' | b'>') => 0,
                b'%' | b'|' => usize::try_from(len)
                    .map_err(|_| DecodeError::InvalidNumber)?
                    .saturating_mul(2),
                _ => len as usize,
            };
            for _ in 0..items {
                if skip_value(buf, pos, depth + 1)?.is_none() {
                    return Ok(None);
                }
            }
            if kind == b'|' {
                return skip_value(buf, pos, depth + 1);
            }
        }
        other => return Err(DecodeError::InvalidType(other)),
    }
    Ok(Some(kind))
}

fn elements(
    buf: &[u8],
    pos: &mut usize,
    len: usize,
    depth: usize,
) -> Result<Option<Vec<Frame>>, DecodeError> {
    let mut items = Vec::with_capacity(len.min(PREALLOCATED));
    for _ in 0..len {
        match value(buf, pos, depth + 1)? {
            Some(item) => items.push(item),
            None => return Ok(None),
        }
    }
    Ok(Some(items))
}

fn blob(buf: &[u8], pos: &mut usize, len: usize) -> Result<Option<Bytes>, DecodeError> {
    let end = pos.checked_add(len).ok_or(DecodeError::InvalidNumber)?;
    if buf.len() < end.saturating_add(2) {
        return Ok(None);
    }
    if &buf[end..end + 2] != b"\r\n" {
        return Err(DecodeError::MissingCrlf);
    }
    let data = Bytes::copy_from_slice(&buf[*pos..end]);
    *pos = end + 2;
    Ok(Some(data))
}

fn verbatim(data: Bytes) -> Result<Frame, DecodeError> {
    if data.len() < 4 || data[3] != b':' {
        return Err(DecodeError::InvalidNumber);
    }
    Ok(Frame::Verbatim {
        format: text(&data[..3])?,
        text: data.slice(4..),
    })
}

/// Index of the `\r` ending the line that starts at `from`, once `\n` is there.
fn line(buf: &[u8], from: usize) -> Option<usize> {
    let rest = buf.get(from..)?;
    let cr = rest.iter().position(|&b| b == b'\r')?;
    (from + cr + 1 < buf.len()).then_some(from + cr)
}

fn text(body: &[u8]) -> Result<String, DecodeError> {
    String::from_utf8(body.to_vec()).map_err(|_| DecodeError::InvalidUtf8)
}

fn number(body: &[u8]) -> Result<i64, DecodeError> {
    parse_int(body).ok_or(DecodeError::InvalidNumber)
}

fn double(body: &[u8]) -> Result<f64, DecodeError> {
    let s = std::str::from_utf8(body).map_err(|_| DecodeError::InvalidUtf8)?;
    s.parse().map_err(|_| DecodeError::InvalidNumber)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn arb_frame() -> impl Strategy<Value = Frame> {
        let leaf = prop_oneof![
            "[a-zA-Z0-9 ]{0,20}".prop_map(Frame::Simple),
            "ERR [a-z ]{0,20}".prop_map(Frame::Error),
            any::<i64>().prop_map(Frame::Integer),
            proptest::collection::vec(any::<u8>(), 0..64).prop_map(|v| Frame::Bulk(v.into())),
            Just(Frame::Null),
            Just(Frame::NullArray),
            any::<bool>().prop_map(Frame::Boolean),
            (-1e300f64..1e300).prop_map(Frame::Double),
            "-?[1-9][0-9]{0,40}".prop_map(Frame::BigNumber),
            ("[a-z]{3}", proptest::collection::vec(any::<u8>(), 0..32)).prop_map(
                |(format, text)| {
                    Frame::Verbatim {
                        format,
                        text: text.into(),
                    }
                }
            ),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..8).prop_map(Frame::Array),
                proptest::collection::vec(inner.clone(), 0..8).prop_map(Frame::Set),
                proptest::collection::vec(inner.clone(), 0..8).prop_map(Frame::Push),
                proptest::collection::vec((inner.clone(), inner), 0..4).prop_map(Frame::Map),
            ]
        })
    }

    proptest! {
        #[test]
        fn every_frame_round_trips(frame in arb_frame()) {
            let mut bytes = Vec::new();
            frame.encode(&mut bytes);
            let (decoded, used) = decode(&bytes).unwrap().unwrap();
            prop_assert_eq!(used, bytes.len());
            // Doubles go through their text form; compare re-encodings.
            let mut again = Vec::new();
            decoded.encode(&mut again);
            prop_assert_eq!(again, bytes.clone());
            // Every strict prefix is incomplete, never an error.
            for cut in 0..bytes.len() {
                prop_assert_eq!(decode(&bytes[..cut]).unwrap(), None);
            }
        }

        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = decode(&bytes);
            let _ = skip(&bytes);
        }

        #[test]
        fn skip_agrees_with_decode(frame in arb_frame(), tail in proptest::collection::vec(any::<u8>(), 0..8)) {
            let mut bytes = Vec::new();
            frame.encode(&mut bytes);
            let len = bytes.len();
            bytes.extend_from_slice(&tail);
            let skipped = skip(&bytes).unwrap().unwrap();
            prop_assert_eq!(skipped.len, len);
            prop_assert_eq!(skipped.error, matches!(frame, Frame::Error(_)));
            for cut in 0..len {
                prop_assert_eq!(skip(&bytes[..cut]).unwrap(), None);
            }
        }
    }

    #[test]
    fn attributes_are_skipped() {
        let input = b"|1\r\n+a\r\n:1\r\n:42\r\n";
        let (frame, used) = decode(input).unwrap().unwrap();
        assert_eq!(frame, Frame::Integer(42));
        assert_eq!(used, input.len());
    }

    #[test]
    fn deep_nesting_is_refused() {
        let input = "*1\r\n".repeat(MAX_DEPTH + 2);
        assert_eq!(decode(input.as_bytes()), Err(DecodeError::TooDeep));
        assert_eq!(skip(input.as_bytes()), Err(DecodeError::TooDeep));
    }

    #[test]
    fn skip_reports_errors_and_attributes() {
        let input = b"|1\r\n+a\r\n:1\r\n-ERR no\r\n+OK\r\n";
        let first = skip(input).unwrap().unwrap();
        assert_eq!(first.len, input.len() - 5);
        assert!(first.error);
        assert_eq!(skip(b"$-1\r\n").unwrap().unwrap().len, 5);
        assert_eq!(skip(b"$3\r\nabcde"), Err(DecodeError::MissingCrlf));
        assert_eq!(skip(b"?x\r\n"), Err(DecodeError::InvalidType(b'?')));
    }
}
