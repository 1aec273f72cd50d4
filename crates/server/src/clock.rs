//! The wall clock, in one place.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Longest wait a deadline stands for: a century is "never" for a client
/// and always representable as an [`Instant`].
const FOREVER: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// The instant `wait` from now, for a wait a client asked for. To ensure
/// no client value can overflow the clock, waits beyond [`FOREVER`] are
/// cut to it.
pub fn deadline_in(wait: Duration) -> Instant {
    Instant::now() + wait.min(FOREVER)
}

/// Unix time in microseconds.
pub fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// Unix time in milliseconds.
pub fn now_ms() -> u64 {
    now_us() / 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_wait_gives_a_deadline() {
        assert!(deadline_in(Duration::MAX) > Instant::now());
        assert!(deadline_in(Duration::from_millis(u64::MAX)) > Instant::now());
    }
}
