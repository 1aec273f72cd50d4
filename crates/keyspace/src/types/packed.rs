//! A compact sequence of byte strings in one allocation (keel's listpack).

use crate::codec::{CodecError, Encode, Reader, Writer};

/// Byte strings stored back to back in one buffer, each prefixed by its
/// length as a LEB128 varint. Small hashes, sets and sorted sets use it so a
/// collection of a few short elements costs one allocation and a few bytes
/// of overhead per element. Lookups are linear, which is why collections
/// convert to a hash table past a size threshold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Packed {
    buf: Vec<u8>,
    count: usize,
}

impl Packed {
    /// An empty sequence.
    pub fn new() -> Packed {
        Packed::default()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Bytes used by the encoded elements.
    pub fn encoded_len(&self) -> usize {
        self.buf.len()
    }

    /// Iterates over the elements in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            buf: &self.buf,
            pos: 0,
        }
    }

    /// Iterates over `(offset, element)`; offsets can be passed to
    /// [`Packed::remove_at`], [`Packed::replace_at`] and [`Packed::insert_at`].
    pub fn entries(&self) -> impl Iterator<Item = (usize, &[u8])> {
        let mut it = self.iter();
        std::iter::from_fn(move || {
            let offset = it.pos;
            it.next().map(|item| (offset, item))
        })
    }

    /// Appends an element.
    pub fn push(&mut self, item: &[u8]) {
        let at = self.buf.len();
        self.insert_at(at, item);
    }

    /// Inserts an element at a byte offset that starts an element (or the
    /// end of the buffer).
    pub fn insert_at(&mut self, offset: usize, item: &[u8]) {
        let encoded = encode(item);
        // Exact growth, like a listpack: small collections carry no slack.
        self.buf.reserve_exact(encoded.len());
        self.buf.splice(offset..offset, encoded);
        self.count += 1;
    }

    /// Removes the element starting at `offset`; returns the offset of the
    /// element that now follows (unchanged numerically).
    pub fn remove_at(&mut self, offset: usize) -> usize {
        let end = self.element_end(offset);
        self.buf.drain(offset..end);
        self.count -= 1;
        offset
    }

    /// Replaces the element starting at `offset`.
    pub fn replace_at(&mut self, offset: usize, item: &[u8]) {
        let end = self.element_end(offset);
        let encoded = encode(item);
        self.buf
            .reserve_exact(encoded.len().saturating_sub(end - offset));
        self.buf.splice(offset..end, encoded);
    }

    /// The element starting at `offset`.
    pub fn get_at(&self, offset: usize) -> &[u8] {
        let (len, header) = read_varint(&self.buf[offset..]);
        &self.buf[offset + header..offset + header + len]
    }

    /// Offset just past the element starting at `offset`.
    pub fn element_end(&self, offset: usize) -> usize {
        let (len, header) = read_varint(&self.buf[offset..]);
        offset + header + len
    }

    /// Releases spare capacity.
    pub fn shrink_to_fit(&mut self) {
        self.buf.shrink_to_fit();
    }
}

impl Encode for Packed {
    fn encode(&self, w: &mut Writer) {
        w.varint(self.count as u64);
        w.bytes(&self.buf);
    }

    /// Decodes and validates: every element header must lie inside the
    /// buffer and the element count must match.
    fn decode(r: &mut Reader<'_>) -> Result<Packed, CodecError> {
        let count = r.varint()?;
        let buf = r.bytes()?;
        let mut pos = 0;
        let mut seen = 0u64;
        while pos < buf.len() {
            let (len, header) = read_varint(&buf[pos..]);
            pos = pos
                .checked_add(header)
                .and_then(|p| p.checked_add(len))
                .filter(|end| *end <= buf.len())
                .ok_or(CodecError("packed element out of bounds"))?;
            seen += 1;
        }
        if seen != count {
            return Err(CodecError("packed count mismatch"));
        }
        Ok(Packed {
            buf: buf.to_vec(),
            count: count as usize,
        })
    }
}

/// Iterator over a [`Packed`] sequence.
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.pos >= self.buf.len() {
            return None;
        }
        let (len, header) = read_varint(&self.buf[self.pos..]);
        let start = self.pos + header;
        self.pos = start + len;
        Some(&self.buf[start..start + len])
    }
}

/// An element as stored: its varint length, then its bytes.
fn encode(item: &[u8]) -> Vec<u8> {
    let mut encoded = Vec::with_capacity(item.len() + 5);
    write_varint(&mut encoded, item.len());
    encoded.extend_from_slice(item);
    encoded
}

fn write_varint(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Reads a varint written by [`write_varint`]: `(value, bytes used)`.
fn read_varint(buf: &[u8]) -> (usize, usize) {
    let mut value = 0usize;
    for (i, byte) in buf.iter().enumerate() {
        value |= usize::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return (value, i + 1);
        }
    }
    (value, buf.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn behaves_like_a_vec(ops in proptest::collection::vec(
            (0u8..4, proptest::collection::vec(any::<u8>(), 0..300), any::<usize>()), 0..60)
        ) {
            let mut packed = Packed::new();
            let mut model: Vec<Vec<u8>> = Vec::new();
            for (kind, item, pick) in ops {
                let offsets: Vec<usize> = packed.entries().map(|(o, _)| o).collect();
                match kind {
                    0 => { packed.push(&item); model.push(item); }
                    1 if !model.is_empty() => {
                        let i = pick % model.len();
                        packed.remove_at(offsets[i]);
                        model.remove(i);
                    }
                    2 if !model.is_empty() => {
                        let i = pick % model.len();
                        packed.replace_at(offsets[i], &item);
                        model[i] = item;
                    }
                    _ => {
                        let i = if model.is_empty() { 0 } else { pick % (model.len() + 1) };
                        let at = offsets.get(i).copied().unwrap_or(packed.encoded_len());
                        packed.insert_at(at, &item);
                        model.insert(i, item);
                    }
                }
                prop_assert_eq!(packed.len(), model.len());
                let items: Vec<Vec<u8>> = packed.iter().map(<[u8]>::to_vec).collect();
                prop_assert_eq!(&items, &model);
            }
        }
    }
}
