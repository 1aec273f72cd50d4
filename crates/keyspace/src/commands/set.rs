//! Set commands (S*).

use crate::table::CommandSpec as C;

pub(crate) const COMMANDS: &[C] = &[];
