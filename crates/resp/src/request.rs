//! Incremental parsing of client requests.

use bytes::{Buf, Bytes, BytesMut};

/// Longest inline command or `*`/`$` header line accepted (Redis:
/// `PROTO_INLINE_MAX_SIZE`).
const MAX_LINE: usize = 64 * 1024;
/// Multibulk count allowed before the client authenticated.
const UNAUTHENTICATED_MULTIBULK: i64 = 10;
/// Bulk length allowed before the client authenticated.
const UNAUTHENTICATED_BULK: i64 = 16 * 1024;
/// Most arguments reserved up front, whatever count the client declares.
const PREALLOCATED_ARGS: usize = 1024;
/// Fewest bytes one argument takes on the wire (`$0\r\n\r\n`): to ensure
/// a declared count cannot reserve memory the client has not sent, no more
/// arguments are reserved than the bytes that arrived could hold.
const MIN_ARG_WIRE_BYTES: usize = 6;

/// Hard limits applied while parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest bulk string (`proto-max-bulk-len`, default 512 MiB).
    pub max_bulk_len: usize,
    /// Largest number of arguments in one command.
    pub max_multibulk_len: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bulk_len: 512 * 1024 * 1024,
            max_multibulk_len: i32::MAX as usize,
        }
    }
}

/// A framing error: the connection cannot continue and is closed after
/// replying `-ERR Protocol error: <text>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("Protocol error: too big inline request")]
    InlineTooBig,
    #[error("Protocol error: unbalanced quotes in request")]
    UnbalancedQuotes,
    #[error("Protocol error: too big mbulk count string")]
    MultibulkLineTooBig,
    #[error("Protocol error: invalid multibulk length")]
    InvalidMultibulkLength,
    #[error("Protocol error: unauthenticated multibulk length")]
    UnauthenticatedMultibulkLength,
    #[error("Protocol error: too big bulk count string")]
    BulkLineTooBig,
    #[error("Protocol error: expected '$', got '{0}'")]
    ExpectedBulk(char),
    #[error("Protocol error: invalid bulk length")]
    InvalidBulkLength,
    #[error("Protocol error: unauthenticated bulk length")]
    UnauthenticatedBulkLength,
}

/// Outcome of [`RequestParser::parse`].
#[derive(Debug, PartialEq)]
pub enum Parsed {
    /// A complete command: its name and arguments, never empty.
    Command(Vec<Bytes>),
    /// More bytes are needed; the parser keeps what it consumed so far.
    Incomplete,
}

/// Parses commands out of a connection's read buffer.
///
/// Complete arguments are split off the buffer as soon as they arrive, so a
/// large command received in many reads is never re-scanned. Empty commands
/// (`*0`, `*-1`, blank inline lines) are skipped like Redis does.
#[derive(Debug, Default)]
pub struct RequestParser {
    pending: Option<Multibulk>,
}

#[derive(Debug)]
struct Multibulk {
    remaining: usize,
    args: Vec<Bytes>,
    /// Wire bytes of this command consumed so far (header included): the
    /// arguments share the read buffers they were split from, so this is
    /// what they keep alive.
    consumed: usize,
    /// Length of the bulk whose header was consumed but whose data has not
    /// fully arrived.
    bulk_len: Option<usize>,
}

impl RequestParser {
    /// A parser with no partial command.
    pub fn new() -> RequestParser {
        RequestParser::default()
    }

    /// True when a command has started but is not complete.
    pub fn in_progress(&self) -> bool {
        self.pending.is_some()
    }

    /// Memory held by the partial command: the bytes it consumed from the
    /// read buffer plus its argument slots. The reader counts it, with what
    /// is still unparsed, against the query buffer limit, so a command
    /// received in pieces cannot escape the limit.
    pub fn buffered(&self) -> usize {
        self.pending.as_ref().map_or(0, |p| {
            p.consumed + p.args.capacity() * std::mem::size_of::<Bytes>()
        })
    }

    /// Bytes the parser needs in the buffer before it can make progress on a
    /// bulk argument whose header it has read (a reservation hint for the
    /// reader; 0 when unknown).
    pub fn wanted(&self) -> usize {
        match &self.pending {
            Some(Multibulk {
                bulk_len: Some(len),
                ..
            }) => len + 2,
            _ => 0,
        }
    }

    /// Parses the next command from `buf`, consuming its bytes.
    ///
    /// `authenticated` applies Redis's tighter limits to clients that still
    /// have to AUTH.
    pub fn parse(
        &mut self,
        buf: &mut BytesMut,
        limits: &Limits,
        authenticated: bool,
    ) -> Result<Parsed, ProtocolError> {
        loop {
            if self.pending.is_none() {
                let Some(&first) = buf.first() else {
                    return Ok(Parsed::Incomplete);
                };
                if first != b'*' {
                    match parse_inline(buf)? {
                        Some(args) if args.is_empty() => continue,
                        Some(args) => return Ok(Parsed::Command(args)),
                        None => return Ok(Parsed::Incomplete),
                    }
                }
                match start_multibulk(buf, limits, authenticated)? {
                    None => return Ok(Parsed::Incomplete),
                    Some((0, _)) => continue,
                    Some((count, header)) => {
                        let reserve = count
                            .min(buf.len() / MIN_ARG_WIRE_BYTES)
                            .min(PREALLOCATED_ARGS);
                        self.pending = Some(Multibulk {
                            remaining: count,
                            args: Vec::with_capacity(reserve),
                            consumed: header,
                            bulk_len: None,
                        })
                    }
                }
            }
            let Some(pending) = self.pending.as_mut() else {
                continue;
            };
            if !pending.read_args(buf, limits, authenticated)? {
                return Ok(Parsed::Incomplete);
            }
            if let Some(done) = self.pending.take() {
                return Ok(Parsed::Command(done.args));
            }
        }
    }
}

impl Multibulk {
    /// Reads as many arguments as the buffer holds; true once all arrived.
    fn read_args(
        &mut self,
        buf: &mut BytesMut,
        limits: &Limits,
        authenticated: bool,
    ) -> Result<bool, ProtocolError> {
        while self.remaining > 0 {
            let len = match self.bulk_len {
                Some(len) => len,
                None => match read_bulk_header(buf, limits, authenticated)? {
                    Some((len, header)) => {
                        self.bulk_len = Some(len);
                        self.consumed += header;
                        len
                    }
                    None => return Ok(false),
                },
            };
            if buf.len() < len + 2 {
                return Ok(false);
            }
            let arg = buf.split_to(len).freeze();
            buf.advance(2);
            self.consumed += len + 2;
            self.args.push(arg);
            self.bulk_len = None;
            self.remaining -= 1;
        }
        Ok(true)
    }
}

/// Finds the end of a header line starting at the buffer's beginning:
/// the position of its `\r`, once the `\n` after it has arrived too.
fn header_line(buf: &[u8], too_big: ProtocolError) -> Result<Option<usize>, ProtocolError> {
    match memchr(b'\r', buf) {
        Some(cr) if cr + 1 < buf.len() => Ok(Some(cr)),
        Some(_) => Ok(None),
        None if buf.len() > MAX_LINE => Err(too_big),
        None => Ok(None),
    }
}

/// Reads a `*<count>` header: the count and the header's length.
fn start_multibulk(
    buf: &mut BytesMut,
    limits: &Limits,
    authenticated: bool,
) -> Result<Option<(usize, usize)>, ProtocolError> {
    let Some(cr) = header_line(buf, ProtocolError::MultibulkLineTooBig)? else {
        return Ok(None);
    };
    let count = parse_int(&buf[1..cr])
        .filter(|n| *n <= limits.max_multibulk_len as i64)
        .ok_or(ProtocolError::InvalidMultibulkLength)?;
    if !authenticated && count > UNAUTHENTICATED_MULTIBULK {
        return Err(ProtocolError::UnauthenticatedMultibulkLength);
    }
    buf.advance(cr + 2);
    Ok(Some((count.max(0) as usize, cr + 2)))
}

/// Reads a `$<len>` header: the length and the header's length.
fn read_bulk_header(
    buf: &mut BytesMut,
    limits: &Limits,
    authenticated: bool,
) -> Result<Option<(usize, usize)>, ProtocolError> {
    let Some(&first) = buf.first() else {
        return Ok(None);
    };
    if first != b'$' {
        return Err(ProtocolError::ExpectedBulk(first as char));
    }
    let Some(cr) = header_line(buf, ProtocolError::BulkLineTooBig)? else {
        return Ok(None);
    };
    let len = parse_int(&buf[1..cr])
        .filter(|n| *n >= 0 && *n as u64 <= limits.max_bulk_len as u64)
        .ok_or(ProtocolError::InvalidBulkLength)?;
    if !authenticated && len > UNAUTHENTICATED_BULK {
        return Err(ProtocolError::UnauthenticatedBulkLength);
    }
    buf.advance(cr + 2);
    Ok(Some((len as usize, cr + 2)))
}

/// Parses one inline command line; `Some(vec![])` for a blank line.
fn parse_inline(buf: &mut BytesMut) -> Result<Option<Vec<Bytes>>, ProtocolError> {
    let Some(nl) = memchr(b'\n', buf) else {
        if buf.len() > MAX_LINE {
            return Err(ProtocolError::InlineTooBig);
        }
        return Ok(None);
    };
    let line = buf.split_to(nl + 1);
    let line = line.strip_suffix(b"\n").unwrap_or(&line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    split_args(line)
        .map(|args| Some(args.into_iter().map(Bytes::from).collect()))
        .ok_or(ProtocolError::UnbalancedQuotes)
}

/// Splits a line into arguments the way `redis-cli` and Redis's inline
/// protocol do: whitespace separates, `"..."` supports `\n \r \t \b \a \\ \"`
/// and `\xHH` escapes, `'...'` supports `\'`. A closing quote must be
/// followed by whitespace or the end of the line. Returns `None` on
/// unbalanced quotes.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut args = Vec::new();
    let mut i = 0;
    loop {
        while i < line.len() && line[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= line.len() {
            return Some(args);
        }
        let (arg, next) = split_one(line, i)?;
        args.push(arg);
        i = next;
    }
}

fn split_one(line: &[u8], mut i: usize) -> Option<(Vec<u8>, usize)> {
    let mut arg = Vec::new();
    let mut quote: Option<u8> = None;
    loop {
        let Some(&c) = line.get(i) else {
            return if quote.is_some() {
                None
            } else {
                Some((arg, i))
            };
        };
        match quote {
            None if c.is_ascii_whitespace() => return Some((arg, i)),
            None if c == b'"' || c == b'\'' => quote = Some(c),
            None => arg.push(c),
            Some(q) if c == q => {
                // A closing quote must end the argument.
                if line.get(i + 1).is_some_and(|n| !n.is_ascii_whitespace()) {
                    return None;
                }
                return Some((arg, i + 1));
            }
            Some(b'"') if c == b'\\' && i + 1 < line.len() => {
                let (byte, used) = unescape(&line[i + 1..]);
                arg.push(byte);
                i += used;
            }
            Some(b'\'') if c == b'\\' && line.get(i + 1) == Some(&b'\'') => {
                arg.push(b'\'');
                i += 1;
            }
            Some(_) => arg.push(c),
        }
        i += 1;
    }
}

/// Decodes the escape after a backslash inside double quotes; returns the
/// byte and how many bytes of `rest` it used.
fn unescape(rest: &[u8]) -> (u8, usize) {
    if rest[0] == b'x' && rest.len() >= 3 {
        if let (Some(h), Some(l)) = (hex(rest[1]), hex(rest[2])) {
            return (h * 16 + l, 3);
        }
    }
    let byte = match rest[0] {
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'b' => 8,
        b'a' => 7,
        other => other,
    };
    (byte, 1)
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

/// Parses a signed decimal integer exactly like Redis's `string2ll`: optional
/// `-`, no `+`, no leading zeros, no spaces, no overflow.
pub fn parse_int(s: &[u8]) -> Option<i64> {
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    match digits {
        [] => return None,
        [b'0'] => return if negative { None } else { Some(0) },
        [b'0', ..] => return None,
        _ => {}
    }
    let mut value: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        let digit = i64::from(d - b'0');
        value = value.checked_mul(10)?;
        value = if negative {
            value.checked_sub(digit)?
        } else {
            value.checked_add(digit)?
        };
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(input: &[u8]) -> Result<Vec<Vec<Bytes>>, ProtocolError> {
        let mut parser = RequestParser::new();
        let mut buf = BytesMut::from(input);
        let mut out = Vec::new();
        while let Parsed::Command(args) = parser.parse(&mut buf, &Limits::default(), true)? {
            out.push(args);
        }
        Ok(out)
    }

    #[test]
    fn pipelined_multibulk_and_inline() {
        let cmds =
            parse_all(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n*0\r\n\r\nECHO \"a b\"\n").unwrap();
        assert_eq!(cmds.len(), 3);
        assert_eq!(cmds[0], vec![Bytes::from("GET"), Bytes::from("k")]);
        assert_eq!(cmds[1], vec![Bytes::from("PING")]);
        assert_eq!(cmds[2], vec![Bytes::from("ECHO"), Bytes::from("a b")]);
    }

    #[test]
    fn resumes_across_reads() {
        let input = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
        let mut parser = RequestParser::new();
        let mut buf = BytesMut::new();
        for (i, byte) in input.iter().enumerate() {
            buf.extend_from_slice(&[*byte]);
            let parsed = parser.parse(&mut buf, &Limits::default(), true).unwrap();
            if i + 1 < input.len() {
                assert_eq!(parsed, Parsed::Incomplete, "at byte {i}");
            } else {
                assert_eq!(
                    parsed,
                    Parsed::Command(vec!["SET".into(), "key".into(), "value".into()])
                );
            }
        }
        assert!(buf.is_empty());
    }

    #[test]
    fn framing_errors_use_redis_texts() {
        let err = |input: &[u8]| parse_all(input).unwrap_err().to_string();
        assert_eq!(
            err(b"*2\r\n+GET\r\n"),
            "Protocol error: expected '$', got '+'"
        );
        assert_eq!(err(b"*x\r\n"), "Protocol error: invalid multibulk length");
        assert_eq!(err(b"*1\r\n$-5\r\n"), "Protocol error: invalid bulk length");
        assert_eq!(
            err(b"*1\r\n$536870913\r\n"),
            "Protocol error: invalid bulk length"
        );
        assert_eq!(
            err(b"SET \"a\"b c\r\n"),
            "Protocol error: unbalanced quotes in request"
        );
        let long = vec![b'a'; MAX_LINE + 1];
        assert_eq!(err(&long), "Protocol error: too big inline request");
    }

    #[test]
    fn unauthenticated_limits() {
        let mut parser = RequestParser::new();
        let mut buf = BytesMut::from(&b"*11\r\n"[..]);
        let err = parser
            .parse(&mut buf, &Limits::default(), false)
            .unwrap_err();
        assert_eq!(err, ProtocolError::UnauthenticatedMultibulkLength);
        let mut buf = BytesMut::from(&b"*1\r\n$20000\r\n"[..]);
        let err = RequestParser::new()
            .parse(&mut buf, &Limits::default(), false)
            .unwrap_err();
        assert_eq!(err, ProtocolError::UnauthenticatedBulkLength);
    }

    #[test]
    fn a_declared_count_reserves_only_what_arrived() {
        let mut parser = RequestParser::new();
        let mut buf = BytesMut::from(&b"*2147483647\r\n"[..]);
        let parsed = parser.parse(&mut buf, &Limits::default(), true).unwrap();
        assert_eq!(parsed, Parsed::Incomplete);
        assert_eq!(parser.pending.as_ref().map(|p| p.args.capacity()), Some(0));
        assert_eq!(parser.buffered(), b"*2147483647\r\n".len());
        // Arguments that arrive later are reserved as they come.
        buf.extend_from_slice(&b"$0\r\n\r\n".repeat(10));
        parser.parse(&mut buf, &Limits::default(), true).unwrap();
        let capacity = parser.pending.as_ref().map_or(0, |p| p.args.capacity());
        assert!((10..=16).contains(&capacity), "capacity {capacity}");
    }

    #[test]
    fn buffered_counts_every_parsed_argument() {
        let mut parser = RequestParser::new();
        let header = b"*1000000\r\n";
        let empty = b"$0\r\n\r\n";
        let mut buf = BytesMut::from(&header[..]);
        for _ in 0..1000 {
            buf.extend_from_slice(empty);
        }
        parser.parse(&mut buf, &Limits::default(), true).unwrap();
        assert!(buf.is_empty());
        let wire = header.len() + 1000 * empty.len();
        let slots = 1000 * std::mem::size_of::<Bytes>();
        assert!(parser.buffered() >= wire + slots, "{}", parser.buffered());
        // A completed command holds nothing any more.
        let mut buf = BytesMut::from(&b"*1\r\n$1\r\nx\r\n"[..]);
        let mut parser = RequestParser::new();
        parser.parse(&mut buf, &Limits::default(), true).unwrap();
        assert_eq!(parser.buffered(), 0);
    }

    #[test]
    fn inline_quoting() {
        let args = split_args(br#"set "a\x41\n" 'it\'s' plain"#).unwrap();
        assert_eq!(
            args,
            vec![
                b"set".to_vec(),
                b"aA\n".to_vec(),
                b"it's".to_vec(),
                b"plain".to_vec()
            ]
        );
        assert!(split_args(b"\"open").is_none());
    }

    proptest::proptest! {
        #[test]
        fn commands_round_trip_in_any_split(
            cmds in proptest::collection::vec(
                proptest::collection::vec(proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40), 1..6),
                1..5,
            ),
            cut in 0usize..400,
        ) {
            let mut wire = Vec::new();
            for cmd in &cmds {
                crate::Frame::encode_command(cmd, &mut wire);
            }
            let cut = cut.min(wire.len());
            let mut parser = RequestParser::new();
            let mut buf = BytesMut::from(&wire[..cut]);
            let mut got = Vec::new();
            while let Parsed::Command(args) = parser.parse(&mut buf, &Limits::default(), true).unwrap() {
                got.push(args);
            }
            buf.extend_from_slice(&wire[cut..]);
            while let Parsed::Command(args) = parser.parse(&mut buf, &Limits::default(), true).unwrap() {
                got.push(args);
            }
            let expected: Vec<Vec<Bytes>> = cmds
                .iter()
                .map(|c| c.iter().map(|a| Bytes::copy_from_slice(a)).collect())
                .collect();
            proptest::prop_assert_eq!(got, expected);
        }

        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let mut parser = RequestParser::new();
            let mut buf = BytesMut::from(&bytes[..]);
            for _ in 0..64 {
                match parser.parse(&mut buf, &Limits::default(), false) {
                    Ok(Parsed::Command(args)) => proptest::prop_assert!(!args.is_empty()),
                    Ok(Parsed::Incomplete) | Err(_) => break,
                }
            }
        }
    }

    #[test]
    fn strict_integers() {
        assert_eq!(parse_int(b"0"), Some(0));
        assert_eq!(parse_int(b"-12"), Some(-12));
        assert_eq!(parse_int(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_int(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            &b""[..],
            b"-",
            b"+1",
            b"01",
            b"-0",
            b"1 ",
            b"9223372036854775808",
        ] {
            assert_eq!(parse_int(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
