//! Generic key-space commands: DEL, EXISTS, TYPE, RENAME, COPY, MOVE, SCAN, OBJECT, DUMP/RESTORE, FLUSHDB, ...

use crate::table::CommandSpec as C;

pub(crate) const COMMANDS: &[C] = &[];
