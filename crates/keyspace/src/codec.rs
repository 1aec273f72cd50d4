//! Binary encoding of values, shared by DUMP/RESTORE and snapshots.
//!
//! A value is encoded as a type tag followed by the type's own encoding
//! (each type implements [`Encode`] in its own file). Primitives:
//!
//! | item    | encoding                                   |
//! |---------|--------------------------------------------|
//! | varint  | unsigned LEB128, at most 10 bytes          |
//! | int     | `i64` zigzag-mapped, then varint           |
//! | bytes   | varint length, then the bytes              |
//! | double  | 8 bytes, IEEE-754 little endian            |
//!
//! Collections are encoded in storage order with their encoding
//! (packed/table), so decoding reproduces the same iteration order: a
//! replica restored from a snapshot picks the same random members and walks
//! SCAN the same way as one that applied the log.
//!
//! Decoding never panics and never allocates more than the input can
//! justify: every declared length is checked against the bytes left.

use crate::types::{Hash, List, Set, SortedSet};
use crate::Value;

/// Why bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid encoded value: {0}")]
pub struct CodecError(pub &'static str);

/// Appends primitives to a buffer.
#[derive(Debug, Default)]
pub struct Writer {
    pub buf: Vec<u8>,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Writer {
        Writer::default()
    }

    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    pub fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    pub fn int(&mut self, v: i64) {
        self.varint(((v << 1) ^ (v >> 63)) as u64);
    }

    pub fn bytes(&mut self, v: &[u8]) {
        self.varint(v.len() as u64);
        self.buf.extend_from_slice(v);
    }

    pub fn double(&mut self, v: f64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
}

/// Reads primitives from the front of a byte slice.
#[derive(Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf }
    }

    /// Bytes not consumed yet.
    pub fn remaining(&self) -> usize {
        self.buf.len()
    }

    /// Skips `n` bytes.
    pub fn skip(&mut self, n: usize) -> Result<(), CodecError> {
        self.buf = self.buf.get(n..).ok_or(CodecError("truncated"))?;
        Ok(())
    }

    pub fn u8(&mut self) -> Result<u8, CodecError> {
        let (&first, rest) = self.buf.split_first().ok_or(CodecError("truncated"))?;
        self.buf = rest;
        Ok(first)
    }

    pub fn varint(&mut self) -> Result<u64, CodecError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.u8()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(CodecError("varint too long"))
    }

    pub fn int(&mut self) -> Result<i64, CodecError> {
        let v = self.varint()?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }

    /// A count of items that each take at least one byte: checked against
    /// the input so a corrupt count cannot trigger a huge allocation.
    pub fn count(&mut self) -> Result<usize, CodecError> {
        let n = self.varint()?;
        if n > self.buf.len() as u64 {
            return Err(CodecError("count exceeds data"));
        }
        Ok(n as usize)
    }

    pub fn bytes(&mut self) -> Result<&'a [u8], CodecError> {
        let n = self.varint()?;
        if n > self.buf.len() as u64 {
            return Err(CodecError("length exceeds data"));
        }
        let (head, rest) = self.buf.split_at(n as usize);
        self.buf = rest;
        Ok(head)
    }

    pub fn double(&mut self) -> Result<f64, CodecError> {
        if self.buf.len() < 8 {
            return Err(CodecError("truncated"));
        }
        let (head, rest) = self.buf.split_at(8);
        self.buf = rest;
        let mut raw = [0u8; 8];
        raw.copy_from_slice(head);
        Ok(f64::from_le_bytes(raw))
    }
}

/// A type's own binary encoding.
pub trait Encode: Sized {
    /// Appends the encoding of `self`.
    fn encode(&self, w: &mut Writer);
    /// Decodes a value written by [`Encode::encode`].
    fn decode(r: &mut Reader<'_>) -> Result<Self, CodecError>;
}

const TAG_INT: u8 = 0;
const TAG_STR: u8 = 1;
const TAG_LIST: u8 = 2;
const TAG_HASH: u8 = 3;
const TAG_SET: u8 = 4;
const TAG_ZSET: u8 = 5;

impl Encode for Value {
    fn encode(&self, w: &mut Writer) {
        match self {
            Value::Int(n) => {
                w.u8(TAG_INT);
                w.int(*n);
            }
            Value::Str(s) => {
                w.u8(TAG_STR);
                w.bytes(s);
            }
            Value::List(l) => {
                w.u8(TAG_LIST);
                l.encode(w);
            }
            Value::Hash(h) => {
                w.u8(TAG_HASH);
                h.encode(w);
            }
            Value::Set(s) => {
                w.u8(TAG_SET);
                s.encode(w);
            }
            Value::SortedSet(z) => {
                w.u8(TAG_ZSET);
                z.encode(w);
            }
        }
    }

    fn decode(r: &mut Reader<'_>) -> Result<Value, CodecError> {
        Ok(match r.u8()? {
            TAG_INT => Value::Int(r.int()?),
            TAG_STR => Value::Str(crate::value::blob(r.bytes()?)),
            TAG_LIST => Value::List(Box::new(List::decode(r)?)),
            TAG_HASH => Value::Hash(Box::new(Hash::decode(r)?)),
            TAG_SET => Value::Set(Box::new(Set::decode(r)?)),
            TAG_ZSET => Value::SortedSet(Box::new(SortedSet::decode(r)?)),
            _ => return Err(CodecError("unknown value type")),
        })
    }
}

/// Encodes a value into a new buffer.
pub fn encode_value(value: &Value) -> Vec<u8> {
    let mut w = Writer::new();
    value.encode(&mut w);
    w.buf
}

/// Decodes a value that must fill `bytes` exactly.
pub fn decode_value(bytes: &[u8]) -> Result<Value, CodecError> {
    let mut r = Reader::new(bytes);
    let value = Value::decode(&mut r)?;
    if r.remaining() != 0 {
        return Err(CodecError("trailing bytes"));
    }
    Ok(value)
}

/// Decodes a value that must fill `buf[start..]` exactly, like
/// [`decode_value`], taking ownership of `buf`: a string longer than a
/// [`crate::Blob`]'s inline capacity keeps `buf`'s allocation (its bytes
/// are moved to the front) instead of being copied, so a value of hundreds
/// of MiB is not held twice while it is decoded.
pub fn decode_value_owned(mut buf: Vec<u8>, start: usize) -> Result<Value, CodecError> {
    let rest = buf.get(start..).ok_or(CodecError("truncated"))?;
    let mut r = Reader::new(rest);
    if r.u8()? == TAG_STR {
        let len = r.varint()?;
        let at = buf.len() - r.remaining();
        if len == r.remaining() as u64 && r.remaining() > crate::Blob::new().inline_size() {
            buf.drain(..at);
            return Ok(Value::Str(crate::Blob::from_vec(buf)));
        }
    }
    decode_value(&buf[start..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn primitives_round_trip(a in any::<u64>(), b in any::<i64>(), c in proptest::collection::vec(any::<u8>(), 0..100), d in any::<f64>()) {
            let mut w = Writer::new();
            w.varint(a);
            w.int(b);
            w.bytes(&c);
            w.double(d);
            let mut r = Reader::new(&w.buf);
            prop_assert_eq!(r.varint().unwrap(), a);
            prop_assert_eq!(r.int().unwrap(), b);
            prop_assert_eq!(r.bytes().unwrap(), &c[..]);
            prop_assert_eq!(r.double().unwrap().to_bits(), d.to_bits());
            prop_assert_eq!(r.remaining(), 0);
        }

        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = decode_value(&bytes);
        }

        #[test]
        fn owned_decoding_agrees_with_borrowed(bytes in proptest::collection::vec(any::<u8>(), 0..100), start in 0usize..4) {
            let mut prefixed = vec![9u8; start];
            prefixed.extend_from_slice(&bytes);
            prop_assert_eq!(decode_value_owned(prefixed, start), decode_value(&bytes));
        }
    }

    #[test]
    fn owned_decoding_of_a_long_string_reuses_the_buffer() {
        let value = Value::string(&[b'x'; 1000]);
        let mut buf = b"head".to_vec();
        buf.extend_from_slice(&encode_value(&value));
        let allocation = buf.as_ptr();
        let decoded = decode_value_owned(buf, 4).unwrap();
        assert_eq!(decoded, value);
        let Value::Str(bytes) = decoded else {
            panic!("a string")
        };
        assert_eq!(bytes.as_ptr(), allocation);
        let mut trailing = encode_value(&value);
        trailing.push(0);
        assert_eq!(
            decode_value_owned(trailing, 0),
            Err(CodecError("trailing bytes"))
        );
        assert_eq!(decode_value_owned(vec![1], 2), Err(CodecError("truncated")));
    }

    #[test]
    fn strings_round_trip() {
        for v in [
            Value::Int(-42),
            Value::string(b"hello"),
            Value::string(&[7u8; 100]),
        ] {
            assert_eq!(decode_value(&encode_value(&v)), Ok(v));
        }
    }
}
