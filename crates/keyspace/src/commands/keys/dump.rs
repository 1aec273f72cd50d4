//! The DUMP / RESTORE payload: keel's own format, documented byte by byte
//! in `docs/design/dump.md`.
//!
//! ```text
//! +----------------------------+-----------------+------------------+
//! | value (crate::codec)       | version: u16 LE | CRC32C: u32 LE   |
//! +----------------------------+-----------------+------------------+
//! ```
//!
//! The checksum covers the value and the version. Any payload whose length,
//! version or checksum is wrong is rejected with Redis's "DUMP payload
//! version or checksum are wrong"; a payload that passes those checks but
//! does not decode to exactly one valid, non-empty value is rejected with
//! "Bad data format". Decoding never panics and never allocates more than
//! the payload can justify (see [`crate::codec`]).

use crate::{codec, CmdError, Value};

/// Current payload format version. Bump it when the value encoding or the
/// framing changes incompatibly; RESTORE rejects every other version.
pub(crate) const VERSION: u16 = 1;

/// Bytes after the value: version (2) and checksum (4).
const TRAILER: usize = 6;

/// Serializes `value` into a DUMP payload.
pub(crate) fn encode(value: &Value) -> Vec<u8> {
    let mut buf = codec::encode_value(value);
    buf.extend_from_slice(&VERSION.to_le_bytes());
    let crc = crc32c::crc32c(&buf);
    buf.extend_from_slice(&crc.to_le_bytes());
    buf
}

/// Why a payload was rejected, as RESTORE reports it.
fn version_or_checksum() -> CmdError {
    CmdError::err("DUMP payload version or checksum are wrong")
}

/// Checks and decodes a DUMP payload.
pub(crate) fn decode(payload: &[u8]) -> Result<Value, CmdError> {
    let body_len = payload
        .len()
        .checked_sub(TRAILER)
        .ok_or_else(version_or_checksum)?;
    let (checked, crc) = payload.split_at(body_len + 2);
    let (body, version) = checked.split_at(body_len);
    let crc = u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]);
    let version = u16::from_le_bytes([version[0], version[1]]);
    if version != VERSION || crc32c::crc32c(checked) != crc {
        return Err(version_or_checksum());
    }
    let bad_format = || CmdError::err("Bad data format");
    let value = codec::decode_value(body).map_err(|_| bad_format())?;
    if value.is_empty_collection() {
        return Err(bad_format());
    }
    Ok(value)
}

/// One value of every type and representation available, so every
/// codec path goes through DUMP/RESTORE.
#[cfg(test)]
pub(crate) fn sample_values() -> Vec<Value> {
    use crate::types::{self, Hash, List, Packed, Set, SortedSet};
    use crate::value::{blob, Typed};

    let list = List::from_items([&b"a"[..], b"", &[0xff; 70]]);
    let mut packed_hash = Packed::new();
    for item in [&b"f"[..], b"v", b"g", b"12"] {
        packed_hash.push(item);
    }
    let mut table_hash = types::OrderedMap::default();
    table_hash.insert(blob(b"field"), blob(&[b'x'; 100]));
    let mut table_set = types::OrderedSet::default();
    table_set.insert(blob(b"m1"));
    table_set.insert(blob(b"m2"));
    let mut zset = Packed::new();
    zset.push(b"member");
    zset.push(&1.5f64.to_le_bytes());
    vec![
        Value::Int(0),
        Value::Int(-1),
        Value::Int(i64::MAX),
        Value::Int(i64::MIN),
        Value::string(b""),
        Value::string(b"hello"),
        Value::string(&[b'r'; 45]),
        Value::string(b"007"),
        Value::string(&[0, 1, 2, 255, b'\r', b'\n']),
        list.wrap(),
        Hash::Packed(packed_hash).wrap(),
        Hash::Table(Box::new(table_hash)).wrap(),
        Set::Ints(vec![-5, 1, 300]).wrap(),
        Set::Table(Box::new(table_set)).wrap(),
        SortedSet::Packed(zset).wrap(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_value_round_trips() {
        for value in sample_values() {
            let payload = encode(&value);
            assert_eq!(decode(&payload), Ok(value.clone()), "{value:?}");
            assert_eq!(value.encoding(), decode(&payload).unwrap().encoding());
        }
    }

    #[test]
    fn layout_is_value_version_crc() {
        let payload = encode(&Value::string(b"hi"));
        // Tag 1 (string), length 2, "hi", version 1 LE, CRC32C LE.
        assert_eq!(&payload[..6], &[1, 2, b'h', b'i', 1, 0]);
        let crc = crc32c::crc32c(&payload[..6]).to_le_bytes();
        assert_eq!(&payload[6..], &crc);
        // The checksum is CRC-32C (Castagnoli): its standard check value.
        assert_eq!(crc32c::crc32c(b"123456789"), 0xe306_9283);
    }

    #[test]
    fn wrong_version_checksum_or_length_is_rejected() {
        let wrong = Err(version_or_checksum());
        for short in [&b""[..], b"\x01", b"\x01\x00\x00\x00\x00"] {
            assert_eq!(decode(short), wrong);
        }
        let mut payload = encode(&Value::Int(7));
        let n = payload.len();
        payload[n - 6] = 2; // version 2
        let crc = crc32c::crc32c(&payload[..n - 4]).to_le_bytes();
        payload[n - 4..].copy_from_slice(&crc);
        assert_eq!(decode(&payload), wrong);
    }

    /// Re-seals a body with a valid trailer.
    fn seal(body: &[u8]) -> Vec<u8> {
        let mut buf = body.to_vec();
        buf.extend_from_slice(&VERSION.to_le_bytes());
        let crc = crc32c::crc32c(&buf);
        buf.extend_from_slice(&crc.to_le_bytes());
        buf
    }

    #[test]
    fn valid_checksum_but_bad_body_is_bad_format() {
        let bad = Err(CmdError::err("Bad data format"));
        assert_eq!(decode(&seal(&[])), bad); // no value at all
        assert_eq!(decode(&seal(&[9])), bad); // unknown type tag
        assert_eq!(decode(&seal(&[1, 5, b'a'])), bad); // truncated string
        assert_eq!(decode(&seal(&[0, 2, 0])), bad); // trailing bytes
        assert_eq!(decode(&seal(&[2, 0])), bad); // empty list
        assert_eq!(
            decode(&seal(&[
                1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01
            ])),
            bad
        );
    }

    proptest! {
        /// Any corruption confined to 4 consecutive bytes (an error burst
        /// of at most 32 bits, which CRC-32C always detects) is rejected
        /// with the checksum error, wherever it falls.
        #[test]
        fn burst_corruption_is_always_detected(
            which in 0usize..15,
            at in any::<prop::sample::Index>(),
            masks in proptest::collection::vec(any::<u8>(), 1..=4),
        ) {
            let values = sample_values();
            let value = &values[which % values.len()];
            let payload = encode(value);
            let mut changed = payload.clone();
            let start = at.index(changed.len());
            for (i, mask) in masks.iter().enumerate() {
                if let Some(b) = changed.get_mut(start + i) {
                    *b ^= mask;
                }
            }
            prop_assume!(changed != payload);
            prop_assert_eq!(decode(&changed), Err(version_or_checksum()));
        }

        /// Random byte changes anywhere, truncation and extension never
        /// panic and are rejected (a false accept would need a CRC-32C
        /// collision: probability 2^-32).
        #[test]
        fn random_corruption_is_rejected(
            which in 0usize..15,
            flips in proptest::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..8),
            cut in any::<prop::sample::Index>(),
            extra in proptest::collection::vec(any::<u8>(), 1..4),
        ) {
            let values = sample_values();
            let payload = encode(&values[which % values.len()]);
            let mut changed = payload.clone();
            for (at, mask) in &flips {
                let i = at.index(changed.len());
                changed[i] ^= mask;
            }
            if changed != payload {
                prop_assert!(decode(&changed).is_err());
            }
            prop_assert!(decode(&payload[..cut.index(payload.len())]).is_err());
            let mut longer = payload.clone();
            longer.extend_from_slice(&extra);
            prop_assert!(decode(&longer).is_err());
        }

        /// Arbitrary bytes, sealed with a valid trailer or not, never panic.
        #[test]
        fn arbitrary_payloads_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = decode(&bytes);
            let _ = decode(&seal(&bytes));
        }
    }
}
