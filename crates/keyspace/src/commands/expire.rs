//! Expiry commands: EXPIRE family, TTL family, PERSIST.

use crate::table::CommandSpec as C;

pub(crate) const COMMANDS: &[C] = &[];
