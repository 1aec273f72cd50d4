//! Reply encoding for RESP2 and RESP3 clients.

use crate::float::format_double;

/// A buffer of encoded replies for one client protocol version.
///
/// Command implementations write their reply straight into it, so a reply
/// costs no intermediate allocation. RESP3-only types are downgraded for RESP2
/// clients the way Redis does it: maps become flat arrays, sets and pushes
/// become arrays, doubles and big numbers become bulk strings, booleans become
/// integers, and the single RESP3 null becomes `$-1` or `*-1`.
///
/// To ensure a failed command leaves nothing half-written, callers take a
/// [`Reply::mark`] before running a command and [`Reply::truncate`] to it if
/// the command fails.
#[derive(Debug, Default, Clone)]
pub struct Reply {
    buf: Vec<u8>,
    resp3: bool,
}

impl Reply {
    /// An empty reply buffer for a RESP2 (`resp3 == false`) or RESP3 client.
    pub fn new(resp3: bool) -> Reply {
        Reply {
            buf: Vec::new(),
            resp3,
        }
    }

    /// Whether the client speaks RESP3.
    pub fn is_resp3(&self) -> bool {
        self.resp3
    }

    /// Switches the protocol for replies written from now on (HELLO).
    pub fn set_resp3(&mut self, resp3: bool) {
        self.resp3 = resp3;
    }

    /// The encoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Takes the encoded bytes, leaving the buffer empty.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }

    /// Number of encoded bytes.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True when nothing has been written.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Clears the buffer, keeping its allocation.
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    /// Releases the buffer's memory if it grew past `keep` bytes of capacity.
    pub fn shrink_to(&mut self, keep: usize) {
        if self.buf.capacity() > keep {
            self.buf = Vec::with_capacity(keep.min(self.buf.len()));
        }
    }

    /// Current position, for [`Reply::truncate`].
    pub fn mark(&self) -> usize {
        self.buf.len()
    }

    /// Discards everything written after `mark`.
    pub fn truncate(&mut self, mark: usize) {
        self.buf.truncate(mark);
    }

    /// Appends already-encoded bytes (a reply produced elsewhere for this
    /// client's protocol).
    pub fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// `+OK`
    pub fn ok(&mut self) {
        self.buf.extend_from_slice(b"+OK\r\n");
    }

    /// `+text`; the text must not contain CR or LF.
    pub fn simple(&mut self, text: &str) {
        self.line(b'+', text.as_bytes());
    }

    /// `-text`; `text` is the full error including its code, e.g.
    /// `ERR syntax error` or `WRONGTYPE Operation ...`. CR and LF are replaced
    /// by spaces, as Redis does, so the framing stays intact.
    pub fn error(&mut self, text: &str) {
        self.buf.push(b'-');
        self.buf.extend(
            text.bytes()
                .map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
        );
        self.buf.extend_from_slice(b"\r\n");
    }

    /// `:n`
    pub fn int(&mut self, n: i64) {
        self.line(b':', itoa::Buffer::new().format(n).as_bytes());
    }

    /// A bulk string.
    pub fn bulk(&mut self, data: &[u8]) {
        self.line(b'$', itoa::Buffer::new().format(data.len()).as_bytes());
        self.buf.extend_from_slice(data);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// A bulk string holding the decimal text of `n`.
    pub fn bulk_int(&mut self, n: i64) {
        self.bulk(itoa::Buffer::new().format(n).as_bytes());
    }

    /// A bulk string, or null when `data` is `None`.
    pub fn bulk_or_null(&mut self, data: Option<&[u8]>) {
        match data {
            Some(d) => self.bulk(d),
            None => self.null(),
        }
    }

    /// The null reply: `$-1` in RESP2, `_` in RESP3.
    pub fn null(&mut self) {
        self.buf
            .extend_from_slice(if self.resp3 { b"_\r\n" } else { b"$-1\r\n" });
    }

    /// The null array: `*-1` in RESP2, `_` in RESP3.
    pub fn null_array(&mut self) {
        self.buf
            .extend_from_slice(if self.resp3 { b"_\r\n" } else { b"*-1\r\n" });
    }

    /// Header of an array of `n` elements.
    pub fn array(&mut self, n: usize) {
        self.header(b'*', n);
    }

    /// Header of a map of `n` pairs (RESP2: array of `2n` elements).
    pub fn map(&mut self, n: usize) {
        if self.resp3 {
            self.header(b'%', n);
        } else {
            self.header(b'*', n * 2);
        }
    }

    /// Header of a set of `n` elements (RESP2: array).
    pub fn set(&mut self, n: usize) {
        self.header(if self.resp3 { b'~' } else { b'*' }, n);
    }

    /// Header of a push of `n` elements (RESP2: array).
    pub fn push(&mut self, n: usize) {
        self.header(if self.resp3 { b'>' } else { b'*' }, n);
    }

    /// A double (RESP2: bulk string formatted like `%.17g`).
    pub fn double(&mut self, d: f64) {
        let text = format_double(d);
        if self.resp3 {
            self.line(b',', text.as_bytes());
        } else {
            self.bulk(text.as_bytes());
        }
    }

    /// A boolean (RESP2: `:1` / `:0`).
    pub fn boolean(&mut self, b: bool) {
        if self.resp3 {
            self.buf
                .extend_from_slice(if b { b"#t\r\n" } else { b"#f\r\n" });
        } else {
            self.int(i64::from(b));
        }
    }

    /// A big number given as decimal digits (RESP2: bulk string).
    pub fn big_number(&mut self, digits: &str) {
        if self.resp3 {
            self.line(b'(', digits.as_bytes());
        } else {
            self.bulk(digits.as_bytes());
        }
    }

    /// A verbatim string with a three-letter format such as `txt`
    /// (RESP2: bulk string of the text alone).
    pub fn verbatim(&mut self, format: &str, text: &[u8]) {
        if self.resp3 {
            let len = format.len() + 1 + text.len();
            self.line(b'=', itoa::Buffer::new().format(len).as_bytes());
            self.buf.extend_from_slice(format.as_bytes());
            self.buf.push(b':');
            self.buf.extend_from_slice(text);
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(text);
        }
    }

    /// An array of bulk strings.
    pub fn bulk_array<I, T>(&mut self, items: I)
    where
        I: IntoIterator<Item = T>,
        I::IntoIter: ExactSizeIterator,
        T: AsRef<[u8]>,
    {
        let items = items.into_iter();
        self.array(items.len());
        for item in items {
            self.bulk(item.as_ref());
        }
    }

    fn header(&mut self, prefix: u8, n: usize) {
        self.line(prefix, itoa::Buffer::new().format(n).as_bytes());
    }

    fn line(&mut self, prefix: u8, body: &[u8]) {
        self.buf.push(prefix);
        self.buf.extend_from_slice(body);
        self.buf.extend_from_slice(b"\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(resp3: bool, f: impl FnOnce(&mut Reply)) -> Vec<u8> {
        let mut r = Reply::new(resp3);
        f(&mut r);
        r.take()
    }

    #[test]
    fn resp2_downgrades_resp3_types() {
        assert_eq!(encode(false, |r| r.null()), b"$-1\r\n");
        assert_eq!(encode(false, |r| r.null_array()), b"*-1\r\n");
        assert_eq!(encode(false, |r| r.map(2)), b"*4\r\n");
        assert_eq!(encode(false, |r| r.set(3)), b"*3\r\n");
        assert_eq!(encode(false, |r| r.double(1.5)), b"$3\r\n1.5\r\n");
        assert_eq!(encode(false, |r| r.boolean(true)), b":1\r\n");
        assert_eq!(encode(false, |r| r.verbatim("txt", b"hi")), b"$2\r\nhi\r\n");
    }

    #[test]
    fn resp3_native_types() {
        assert_eq!(encode(true, |r| r.null()), b"_\r\n");
        assert_eq!(encode(true, |r| r.null_array()), b"_\r\n");
        assert_eq!(encode(true, |r| r.map(2)), b"%2\r\n");
        assert_eq!(encode(true, |r| r.double(1.5)), b",1.5\r\n");
        assert_eq!(encode(true, |r| r.boolean(false)), b"#f\r\n");
        assert_eq!(
            encode(true, |r| r.verbatim("txt", b"hi")),
            b"=6\r\ntxt:hi\r\n"
        );
        assert_eq!(encode(true, |r| r.big_number("123")), b"(123\r\n");
    }

    #[test]
    fn errors_cannot_break_framing() {
        assert_eq!(encode(false, |r| r.error("ERR a\r\nb")), b"-ERR a  b\r\n");
    }
}
