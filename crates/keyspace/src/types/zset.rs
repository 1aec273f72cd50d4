//! The sorted set type.

use super::Packed;
use crate::codec::{CodecError, Encode, Reader, Writer};

/// A Redis sorted set: member/score pairs ordered by (score, member).
/// Small sets are packed (`listpack`); large ones use an index by member
/// plus an order-statistics structure by score (`skiplist`).
#[derive(Debug, Clone, PartialEq)]
pub enum SortedSet {
    /// Alternating member, score (as the 8 bytes of the `f64`), kept sorted.
    Packed(Packed),
}

impl Default for SortedSet {
    fn default() -> SortedSet {
        SortedSet::Packed(Packed::new())
    }
}

impl SortedSet {
    /// Number of members.
    pub fn len(&self) -> usize {
        match self {
            SortedSet::Packed(p) => p.len() / 2,
        }
    }

    /// True when there are no members.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `OBJECT ENCODING`.
    pub fn encoding(&self) -> &'static str {
        match self {
            SortedSet::Packed(_) => "listpack",
        }
    }
}

const PACKED: u8 = 0;

impl Encode for SortedSet {
    fn encode(&self, w: &mut Writer) {
        match self {
            SortedSet::Packed(p) => {
                w.u8(PACKED);
                p.encode(w);
            }
        }
    }

    fn decode(r: &mut Reader<'_>) -> Result<SortedSet, CodecError> {
        match r.u8()? {
            PACKED => {
                let p = Packed::decode(r)?;
                if p.len() % 2 != 0 {
                    return Err(CodecError("odd packed sorted set"));
                }
                Ok(SortedSet::Packed(p))
            }
            _ => Err(CodecError("unknown sorted set encoding")),
        }
    }
}
