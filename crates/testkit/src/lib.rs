//! Test support shared by keel's crates.
//!
//! * [`RedisServer`]: a private `redis-server` (the reference oracle for
//!   differential tests) on a Unix socket, stopped when dropped.
//! * [`Conn`]: a small blocking RESP client over TCP or a Unix socket.
//! * [`gen`]: seeded random command generators per command family.
//! * [`wait_until`]: wait for a condition with a deadline (never sleep for
//!   state to settle).
//!
//! This crate depends on no other keel crate but `resp`, so any crate can
//! use it as a dev-dependency.

mod conn;
pub mod gen;
mod oracle;
mod wait;

pub use conn::Conn;
pub use oracle::RedisServer;
pub use wait::wait_until;

/// Sorts the elements of an array or set reply, for commands whose reply
/// order Redis leaves undefined.
pub fn sorted(frame: resp::Frame) -> resp::Frame {
    use resp::Frame;
    fn key(f: &Frame) -> Vec<u8> {
        let mut v = Vec::new();
        f.encode(&mut v);
        v
    }
    match frame {
        Frame::Array(mut items) => {
            items.sort_by_key(key);
            Frame::Array(items)
        }
        Frame::Set(mut items) => {
            items.sort_by_key(key);
            Frame::Set(items)
        }
        other => other,
    }
}
