//! Unit tests of the sorted set commands.
