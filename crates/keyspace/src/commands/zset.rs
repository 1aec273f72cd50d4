//! Sorted set commands (Z* and BZ*).

use crate::table::CommandSpec as C;

pub(crate) const COMMANDS: &[C] = &[];
