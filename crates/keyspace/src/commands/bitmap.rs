//! Bitmap commands: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO.

use crate::table::CommandSpec as C;

pub(crate) const COMMANDS: &[C] = &[];
