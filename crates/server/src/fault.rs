//! Fault injection for tests (feature `fault-injection`, enabled only by
//! the server's own test builds, never in a release build).
//!
//! `KEEL.PANIC` makes the connection task that receives it panic, so tests
//! can check that one task's panic affects no other client and frees the
//! slot it held.

use bytes::Bytes;

/// Panics if `args` is the fault-injection command.
pub(crate) fn inject(args: &[Bytes]) {
    if args[0].eq_ignore_ascii_case(b"keel.panic") {
        panic!("KEEL.PANIC: injected fault");
    }
}
