//! List commands (L*, R*, and the blocking B* variants).

use crate::table::CommandSpec as C;

pub(crate) const COMMANDS: &[C] = &[];
