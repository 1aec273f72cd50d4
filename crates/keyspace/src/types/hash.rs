//! The hash type.

use super::{OrderedMap, Packed};
use crate::codec::{CodecError, Encode, Reader, Writer};
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

const PACKED: u8 = 0;
const TABLE: u8 = 1;

impl Encode for Hash {
    fn encode(&self, w: &mut Writer) {
        match self {
            Hash::Packed(p) => {
                w.u8(PACKED);
                p.encode(w);
            }
            Hash::Table(t) => {
                w.u8(TABLE);
                w.varint(t.len() as u64);
                for (field, value) in t {
                    w.bytes(field);
                    w.bytes(value);
                }
            }
        }
    }

    fn decode(r: &mut Reader<'_>) -> Result<Hash, CodecError> {
        match r.u8()? {
            PACKED => {
                let p = Packed::decode(r)?;
                if p.len() % 2 != 0 {
                    return Err(CodecError("odd packed hash"));
                }
                Ok(Hash::Packed(p))
            }
            TABLE => {
                let n = r.count()?;
                let mut t = OrderedMap::with_capacity_and_hasher(n, Default::default());
                for _ in 0..n {
                    let field = Blob::from_slice(r.bytes()?);
                    t.insert(field, Blob::from_slice(r.bytes()?));
                }
                Ok(Hash::Table(t))
            }
            _ => Err(CodecError("unknown hash encoding")),
        }
    }
}
