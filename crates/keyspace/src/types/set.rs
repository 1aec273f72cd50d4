//! The set type.

use super::OrderedSet;
use crate::Blob;

/// A Redis set: a sorted array of integers while every member is an integer
/// and the set is small (`intset`), a hash table otherwise (`hashtable`).
#[derive(Debug, Clone, PartialEq)]
pub enum Set {
    Ints(Vec<i64>),
    Table(OrderedSet<Blob>),
}

impl Default for Set {
    fn default() -> Set {
        Set::Ints(Vec::new())
    }
}

impl Set {
    /// Number of members.
    pub fn len(&self) -> usize {
        match self {
            Set::Ints(v) => v.len(),
            Set::Table(t) => t.len(),
        }
    }

    /// True when there are no members.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `OBJECT ENCODING`.
    pub fn encoding(&self) -> &'static str {
        match self {
            Set::Ints(_) => "intset",
            Set::Table(_) => "hashtable",
        }
    }
}
