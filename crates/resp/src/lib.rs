//! RESP2/RESP3 framing for keel.
//!
//! The crate has three independent parts:
//!
//! * [`RequestParser`] turns bytes received from a client into commands
//!   (multibulk arrays of bulk strings, or inline commands as typed into
//!   `telnet`). It is incremental: [`Parsed::Incomplete`] is a normal outcome
//!   and the parser resumes where it stopped when more bytes arrive.
//! * [`Reply`] encodes server replies for the client's protocol version,
//!   downgrading RESP3-only types to their RESP2 equivalents exactly like
//!   Redis does.
//! * [`decode`] parses any RESP2/RESP3 value into a [`Frame`]; it is what
//!   clients (the `keel cli`, tests, the benchmark) use to read replies.
//!
//! Nothing here allocates more than the input justifies: declared lengths are
//! checked against [`Limits`] before anything is reserved.

mod decode;
mod float;
mod frame;
mod reply;
mod request;

pub use decode::{decode, skip, DecodeError, Skipped};
pub use float::format_double;
pub use frame::Frame;
pub use reply::Reply;
pub use request::{parse_int, split_args, Limits, Parsed, ProtocolError, RequestParser};
