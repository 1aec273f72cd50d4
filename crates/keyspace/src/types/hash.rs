//! The hash type.

use super::{OrderedMap, Packed};
use crate::Blob;

/// A Redis hash: field/value pairs packed in one buffer while small
/// (`listpack`), a hash table past the thresholds (`hashtable`).
#[derive(Debug, Clone, PartialEq)]
pub enum Hash {
    /// Alternating field, value.
    Packed(Packed),
    Table(OrderedMap<Blob, Blob>),
}

impl Default for Hash {
    fn default() -> Hash {
        Hash::Packed(Packed::new())
    }
}

impl Hash {
    /// Number of fields.
    pub fn len(&self) -> usize {
        match self {
            Hash::Packed(p) => p.len() / 2,
            Hash::Table(t) => t.len(),
        }
    }

    /// True when there are no fields.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `OBJECT ENCODING`.
    pub fn encoding(&self) -> &'static str {
        match self {
            Hash::Packed(_) => "listpack",
            Hash::Table(_) => "hashtable",
        }
    }
}
