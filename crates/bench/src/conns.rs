//! Idle connections.
