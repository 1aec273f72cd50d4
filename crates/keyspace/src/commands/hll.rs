//! HyperLogLog commands: PFADD, PFCOUNT, PFMERGE.

use crate::table::CommandSpec as C;

pub(crate) const COMMANDS: &[C] = &[];
