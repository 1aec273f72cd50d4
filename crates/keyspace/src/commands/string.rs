//! String commands: GET, SET and friends, counters, ranges, LCS.

use crate::table::CommandSpec as C;

pub(crate) const COMMANDS: &[C] = &[];
