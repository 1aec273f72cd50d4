//! Test support shared by keel's crates.
//!
//! * [`RedisServer`]: a private `redis-server` (the reference oracle for
//!   differential tests) on a Unix socket, stopped when dropped.
//! * [`Conn`]: a small blocking RESP client over TCP or a Unix socket.
//! * [`compare`]: the rules differential tests judge keel's replies by
//!   (identical, or sorted, random-pick or time-tolerant where Redis leaves
//!   the reply open), over any two [`compare::Side`]s.
//! * [`gen`]: seeded random command generators per command family.
//! * [`wait_until`]: wait for a condition with a deadline (never sleep for
//!   state to settle).
//!
//! This crate depends on no other keel crate but `resp`, so any crate can
//! use it as a dev-dependency.

pub mod compare;
mod conn;
pub mod gen;
mod oracle;
mod wait;

pub use compare::sorted;
pub use conn::Conn;
pub use oracle::RedisServer;
pub use wait::wait_until;
