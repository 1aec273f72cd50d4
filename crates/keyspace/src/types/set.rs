//! The set type.

use super::OrderedSet;
use crate::codec::{CodecError, Encode, Reader, Writer};
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

const INTS: u8 = 0;
const TABLE: u8 = 1;

impl Encode for Set {
    fn encode(&self, w: &mut Writer) {
        match self {
            Set::Ints(v) => {
                w.u8(INTS);
                w.varint(v.len() as u64);
                for n in v {
                    w.int(*n);
                }
            }
            Set::Table(t) => {
                w.u8(TABLE);
                w.varint(t.len() as u64);
                for member in t {
                    w.bytes(member);
                }
            }
        }
    }

    fn decode(r: &mut Reader<'_>) -> Result<Set, CodecError> {
        match r.u8()? {
            INTS => {
                let n = r.count()?;
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    v.push(r.int()?);
                }
                if !v.windows(2).all(|w| w[0] < w[1]) {
                    return Err(CodecError("intset not sorted"));
                }
                Ok(Set::Ints(v))
            }
            TABLE => {
                let n = r.count()?;
                let mut t = OrderedSet::with_capacity_and_hasher(n, Default::default());
                for _ in 0..n {
                    t.insert(Blob::from_slice(r.bytes()?));
                }
                Ok(Set::Table(t))
            }
            _ => Err(CodecError("unknown set encoding")),
        }
    }
}
