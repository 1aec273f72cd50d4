//! The data structures behind each Redis type.
//!
//! Every collection has a compact encoding for small sizes (like Redis's
//! listpack and intset) and a hash-table or tree encoding past the size
//! thresholds. Iteration order is a function of the operations applied
//! (insertion order with swap-removal), never of hash seeds, so replicas that
//! apply the same log iterate — and pick random elements — identically.

mod hash;
pub mod hll;
mod list;
pub mod packed;
mod set;
mod zset;

pub use hash::Hash;
pub use list::List;
pub use packed::Packed;
pub use set::{Member, Set};
pub(crate) use zset::cmp_entry;
pub use zset::{
    LexBound, LexRange, ScoreRange, Skiplist, SortedSet, PACKED_MAX_ENTRIES, PACKED_MAX_VALUE,
};

/// Hash-table with insertion-ordered, index-addressable entries.
pub type OrderedMap<K, V> = indexmap::IndexMap<K, V, foldhash::fast::RandomState>;
/// Hash-set with insertion-ordered, index-addressable members.
pub type OrderedSet<T> = indexmap::IndexSet<T, foldhash::fast::RandomState>;
