//! An owned RESP value, as read by a client.

use bytes::Bytes;

/// Any RESP2 or RESP3 value.
///
/// Servers never build `Frame`s on their hot path (they write replies
/// straight into a [`crate::Reply`] buffer); clients and tests decode replies
/// into this type with [`crate::decode`].
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// `+text`
    Simple(String),
    /// `-text` (the text includes the error code, e.g. `ERR ...`).
    Error(String),
    /// `:n`
    Integer(i64),
    /// `$len` followed by the bytes.
    Bulk(Bytes),
    /// `$-1` (RESP2 null bulk) or `_` (RESP3 null).
    Null,
    /// `*-1` (RESP2 null array). RESP3 has a single null, decoded as [`Frame::Null`].
    NullArray,
    /// `*n`
    Array(Vec<Frame>),
    /// `,d` (RESP3)
    Double(f64),
    /// `#t` / `#f` (RESP3)
    Boolean(bool),
    /// `(digits` (RESP3)
    BigNumber(String),
    /// `=len` with a three-letter format such as `txt` (RESP3).
    Verbatim { format: String, text: Bytes },
    /// `%n` key/value pairs (RESP3).
    Map(Vec<(Frame, Frame)>),
    /// `~n` (RESP3)
    Set(Vec<Frame>),
    /// `>n` out-of-band data such as pub/sub messages (RESP3).
    Push(Vec<Frame>),
}

impl Frame {
    /// A bulk string frame from anything byte-like.
    pub fn bulk(data: impl Into<Bytes>) -> Frame {
        Frame::Bulk(data.into())
    }

    /// Returns the error text if this frame is an error.
    pub fn as_error(&self) -> Option<&str> {
        match self {
            Frame::Error(e) => Some(e),
            _ => None,
        }
    }

    /// Encodes the frame in RESP3 (or RESP2 where the type exists there),
    /// exactly as a server would send it. Used by tests and by the client to
    /// send commands.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Frame::Simple(s) => line(out, b'+', s.as_bytes()),
            Frame::Error(s) => line(out, b'-', s.as_bytes()),
            Frame::Integer(n) => line(out, b':', itoa::Buffer::new().format(*n).as_bytes()),
            Frame::Bulk(b) => {
                line(out, b'$', itoa::Buffer::new().format(b.len()).as_bytes());
                out.extend_from_slice(b);
                out.extend_from_slice(b"\r\n");
            }
            Frame::Null => out.extend_from_slice(b"_\r\n"),
            Frame::NullArray => out.extend_from_slice(b"*-1\r\n"),
            Frame::Array(items) => aggregate(out, b'*', items),
            Frame::Set(items) => aggregate(out, b'~', items),
            Frame::Push(items) => aggregate(out, b'>', items),
            Frame::Double(d) => line(out, b',', crate::format_double(*d).as_bytes()),
            Frame::Boolean(b) => out.extend_from_slice(if *b { b"#t\r\n" } else { b"#f\r\n" }),
            Frame::BigNumber(n) => line(out, b'(', n.as_bytes()),
            Frame::Verbatim { format, text } => {
                let len = format.len() + 1 + text.len();
                line(out, b'=', itoa::Buffer::new().format(len).as_bytes());
                out.extend_from_slice(format.as_bytes());
                out.push(b':');
                out.extend_from_slice(text);
                out.extend_from_slice(b"\r\n");
            }
            Frame::Map(pairs) => {
                line(
                    out,
                    b'%',
                    itoa::Buffer::new().format(pairs.len()).as_bytes(),
                );
                for (k, v) in pairs {
                    k.encode(out);
                    v.encode(out);
                }
            }
        }
    }

    /// Encodes a command (array of bulk strings), the form clients send.
    pub fn encode_command<A: AsRef<[u8]>>(args: &[A], out: &mut Vec<u8>) {
        line(out, b'*', itoa::Buffer::new().format(args.len()).as_bytes());
        for arg in args {
            let arg = arg.as_ref();
            line(out, b'$', itoa::Buffer::new().format(arg.len()).as_bytes());
            out.extend_from_slice(arg);
            out.extend_from_slice(b"\r\n");
        }
    }
}

fn line(out: &mut Vec<u8>, prefix: u8, body: &[u8]) {
    out.push(prefix);
    out.extend_from_slice(body);
    out.extend_from_slice(b"\r\n");
}

fn aggregate(out: &mut Vec<u8>, prefix: u8, items: &[Frame]) {
    line(
        out,
        prefix,
        itoa::Buffer::new().format(items.len()).as_bytes(),
    );
    for item in items {
        item.encode(out);
    }
}
