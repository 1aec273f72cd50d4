//! Waiting for conditions.

use std::time::{Duration, Instant};

/// Polls `condition` until it returns true; panics with `what` if it is
/// still false after `timeout`. Tests use this instead of sleeping for state
/// to settle.
pub fn wait_until(timeout: Duration, what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_micros(200);
    while !condition() {
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}
