//! The hash type.

use super::{packed, OrderedMap, Packed};
use crate::codec::{CodecError, Encode, Reader, Writer};
use crate::Blob;

/// Most fields a packed hash holds (Redis's `hash-max-listpack-entries`).
pub const MAX_PACKED_FIELDS: usize = 128;
/// Longest field or value a packed hash holds (`hash-max-listpack-value`).
pub const MAX_PACKED_VALUE: usize = 64;

/// A Redis hash: field/value pairs packed in one buffer while small
/// (`listpack`), a hash table past the thresholds (`hashtable`).
///
/// Like Redis, a hash converts to the table once it holds more than
/// [`MAX_PACKED_FIELDS`] fields or receives a field or value longer than
/// [`MAX_PACKED_VALUE`] bytes, and never converts back.
///
/// Iteration order is deterministic: the packed form keeps insertion order
/// (an update keeps the field in place, a removal closes the gap, exactly
/// like a listpack), and the table keeps insertion order with swap-removal.
#[derive(Debug, Clone)]
pub enum Hash {
    /// Alternating field, value.
    Packed(Packed),
    Table(Box<OrderedMap<Blob, Blob>>),
}

impl Default for Hash {
    fn default() -> Hash {
        Hash::Packed(Packed::new())
    }
}

impl Hash {
    /// An empty (packed) hash.
    pub fn new() -> Hash {
        Hash::default()
    }

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

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match self {
            Hash::Packed(p) => find_packed(p, field).map(|(_, value)| p.get_at(value)),
            Hash::Table(t) => t.get(field).map(|v| v.as_slice()),
        }
    }

    /// True if `field` exists.
    pub fn contains(&self, field: &[u8]) -> bool {
        match self {
            Hash::Packed(p) => find_packed(p, field).is_some(),
            Hash::Table(t) => t.contains_key(field),
        }
    }

    /// Sets `field` to `value`; returns true if the field is new. An existing
    /// field keeps its position. Converts to the table first if either is
    /// too long for the packed form, and after inserting if there are too
    /// many fields.
    pub fn set(&mut self, field: &[u8], value: &[u8]) -> bool {
        if matches!(self, Hash::Packed(_))
            && (field.len() > MAX_PACKED_VALUE || value.len() > MAX_PACKED_VALUE)
        {
            self.convert();
        }
        match self {
            Hash::Packed(p) => {
                if let Some((_, at)) = find_packed(p, field) {
                    p.replace_at(at, value);
                    return false;
                }
                p.push(field);
                p.push(value);
                if p.len() / 2 > MAX_PACKED_FIELDS {
                    self.convert();
                }
                true
            }
            Hash::Table(t) => t
                .insert(Blob::from_slice(field), Blob::from_slice(value))
                .is_none(),
        }
    }

    /// Removes `field`; returns true if it existed.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match self {
            Hash::Packed(p) => match find_packed(p, field) {
                Some((at, _)) => {
                    let at = p.remove_at(at);
                    p.remove_at(at);
                    true
                }
                None => false,
            },
            Hash::Table(t) => t.swap_remove(field).is_some(),
        }
    }

    /// The `(field, value)` pairs in storage order.
    pub fn iter(&self) -> Iter<'_> {
        match self {
            Hash::Packed(p) => Iter::Packed(p.iter()),
            Hash::Table(t) => Iter::Table(t.iter()),
        }
    }

    /// The pair at storage position `index` (O(1) for the table, a walk for
    /// the packed form).
    pub fn get_index(&self, index: usize) -> Option<(&[u8], &[u8])> {
        match self {
            Hash::Packed(_) => self.iter().nth(index),
            Hash::Table(t) => t
                .get_index(index)
                .map(|(f, v)| (f.as_slice(), v.as_slice())),
        }
    }

    /// Converts the packed form to the table, keeping the order.
    fn convert(&mut self) {
        if let Hash::Packed(p) = self {
            let mut table = OrderedMap::with_capacity_and_hasher(p.len() / 2, Default::default());
            let mut items = p.iter();
            while let (Some(field), Some(value)) = (items.next(), items.next()) {
                table.insert(Blob::from_slice(field), Blob::from_slice(value));
            }
            *self = Hash::Table(Box::new(table));
        }
    }
}

/// Equal when both have the same encoding and the same pairs in the same
/// order (order decides HSCAN and random picks, so it is part of the state).
impl PartialEq for Hash {
    fn eq(&self, other: &Hash) -> bool {
        match (self, other) {
            (Hash::Packed(a), Hash::Packed(b)) => a == b,
            (Hash::Table(a), Hash::Table(b)) => a.len() == b.len() && a.iter().eq(b.iter()),
            _ => false,
        }
    }
}

/// Offsets of `field` and of its value in a packed hash.
fn find_packed(p: &Packed, field: &[u8]) -> Option<(usize, usize)> {
    let mut entries = p.entries();
    while let Some((at, f)) = entries.next() {
        let (value_at, _) = entries.next()?;
        if f == field {
            return Some((at, value_at));
        }
    }
    None
}

/// Iterator over the `(field, value)` pairs of a [`Hash`].
#[derive(Debug, Clone)]
pub enum Iter<'a> {
    Packed(packed::Iter<'a>),
    Table(indexmap::map::Iter<'a, Blob, Blob>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<(&'a [u8], &'a [u8])> {
        match self {
            Iter::Packed(items) => {
                let field = items.next()?;
                let value = items.next()?;
                Some((field, value))
            }
            Iter::Table(items) => items.next().map(|(f, v)| (f.as_slice(), v.as_slice())),
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
                for (field, value) in t.iter() {
                    w.bytes(field);
                    w.bytes(value);
                }
            }
        }
    }

    /// Decodes and validates: the packed form must hold whole pairs and no
    /// field may appear twice in either form.
    fn decode(r: &mut Reader<'_>) -> Result<Hash, CodecError> {
        match r.u8()? {
            PACKED => {
                let p = Packed::decode(r)?;
                if p.len() % 2 != 0 {
                    return Err(CodecError("odd packed hash"));
                }
                let mut seen = std::collections::HashSet::with_capacity(p.len() / 2);
                let mut items = p.iter();
                while let (Some(field), Some(_)) = (items.next(), items.next()) {
                    if !seen.insert(field) {
                        return Err(CodecError("duplicate hash field"));
                    }
                }
                drop(seen);
                Ok(Hash::Packed(p))
            }
            TABLE => {
                let n = r.count()?;
                let mut t = OrderedMap::with_capacity_and_hasher(n, Default::default());
                for _ in 0..n {
                    let field = Blob::from_slice(r.bytes()?);
                    let value = Blob::from_slice(r.bytes()?);
                    if t.insert(field, value).is_some() {
                        return Err(CodecError("duplicate hash field"));
                    }
                }
                Ok(Hash::Table(Box::new(t)))
            }
            _ => Err(CodecError("unknown hash encoding")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{decode_value, encode_value};
    use crate::value::Typed;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    #[test]
    fn packed_keeps_listpack_order() {
        let mut h = Hash::new();
        assert!(h.set(b"a", b"1"));
        assert!(h.set(b"b", b"2"));
        assert!(h.set(b"c", b"3"));
        assert!(!h.set(b"a", b"10"));
        assert!(h.remove(b"b"));
        assert!(!h.remove(b"b"));
        let pairs: Vec<_> = h.iter().collect();
        assert_eq!(pairs, vec![(&b"a"[..], &b"10"[..]), (b"c", b"3")]);
        assert_eq!(h.get_index(1), Some((&b"c"[..], &b"3"[..])));
        assert_eq!(h.get_index(2), None);
        assert_eq!(h.encoding(), "listpack");
    }

    #[test]
    fn converts_past_thresholds_and_never_back() {
        let mut h = Hash::new();
        for i in 0..MAX_PACKED_FIELDS {
            h.set(format!("f{i}").as_bytes(), b"v");
        }
        assert_eq!(h.encoding(), "listpack");
        h.set(b"f0", b"again");
        assert_eq!(h.encoding(), "listpack");
        h.set(b"one-more", b"v");
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.iter().next(), Some((&b"f0"[..], &b"again"[..])));
        while let Some((f, _)) = h.get_index(0).map(|(f, v)| (f.to_vec(), v.to_vec())) {
            h.remove(&f);
        }
        assert!(h.is_empty());
        assert_eq!(h.encoding(), "hashtable");

        let mut h = Hash::new();
        h.set(b"a", &[b'x'; MAX_PACKED_VALUE]);
        assert_eq!(h.encoding(), "listpack");
        h.set(&[b'x'; MAX_PACKED_VALUE + 1], b"1");
        assert_eq!(h.encoding(), "hashtable");
        let mut h = Hash::new();
        h.set(b"a", &[b'x'; MAX_PACKED_VALUE + 1]);
        assert_eq!(h.encoding(), "hashtable");
    }

    #[test]
    fn decode_rejects_duplicates() {
        let mut p = Packed::new();
        for item in [&b"a"[..], b"1", b"a", b"2"] {
            p.push(item);
        }
        let mut w = Writer::new();
        Hash::Packed(p).encode(&mut w);
        assert!(Hash::decode(&mut Reader::new(&w.buf)).is_err());

        let mut w = Writer::new();
        w.u8(TABLE);
        w.varint(2);
        for item in [&b"a"[..], b"1", b"a", b"2"] {
            w.bytes(item);
        }
        assert!(Hash::decode(&mut Reader::new(&w.buf)).is_err());
    }

    #[derive(Debug, Clone)]
    enum Op {
        Set(Vec<u8>, Vec<u8>),
        Remove(Vec<u8>),
    }

    fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            8 => (0u8..40).prop_map(|i| format!("f{i}").into_bytes()),
            1 => proptest::collection::vec(any::<u8>(), 0..max),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => (bytes(80), bytes(80)).prop_map(|(f, v)| Op::Set(f, v)),
            1 => bytes(80).prop_map(Op::Remove),
        ]
    }

    proptest! {
        /// A hash behaves like a map, converts exactly when Redis would,
        /// and survives the codec with its order.
        #[test]
        fn behaves_like_a_map(
            ops in proptest::collection::vec(op(), 0..400),
            bulk in 0usize..200,
        ) {
            let mut hash = Hash::new();
            let mut model = BTreeMap::new();
            let mut converted = false;
            for i in 0..bulk {
                let field = format!("bulk{i}").into_bytes();
                prop_assert!(hash.set(&field, b"v"));
                model.insert(field, b"v".to_vec());
                converted |= model.len() > MAX_PACKED_FIELDS;
            }
            for op in ops {
                match op {
                    Op::Set(f, v) => {
                        converted |= f.len() > MAX_PACKED_VALUE || v.len() > MAX_PACKED_VALUE;
                        let new = model.insert(f.clone(), v.clone()).is_none();
                        prop_assert_eq!(hash.set(&f, &v), new);
                        converted |= model.len() > MAX_PACKED_FIELDS;
                        prop_assert_eq!(hash.get(&f), Some(&v[..]));
                    }
                    Op::Remove(f) => {
                        prop_assert_eq!(hash.remove(&f), model.remove(&f).is_some());
                        prop_assert!(!hash.contains(&f));
                    }
                }
                prop_assert_eq!(hash.len(), model.len());
                prop_assert_eq!(hash.encoding(), if converted { "hashtable" } else { "listpack" });
            }
            let mut pairs: Vec<(Vec<u8>, Vec<u8>)> =
                hash.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect();
            for (i, pair) in pairs.iter().enumerate() {
                let at = hash.get_index(i).map(|(f, v)| (f.to_vec(), v.to_vec()));
                prop_assert_eq!(at.as_ref(), Some(pair));
            }
            pairs.sort();
            let expected: Vec<(Vec<u8>, Vec<u8>)> = model.into_iter().collect();
            prop_assert_eq!(&pairs, &expected);

            let value = hash.clone().wrap();
            let decoded = decode_value(&encode_value(&value));
            prop_assert_eq!(decoded, Ok(value));
        }
    }
}
