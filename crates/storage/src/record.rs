//! WAL records.
//!
//! ```text
//! offset  size  field
//! 0       4     len: payload length in bytes, u32 little endian (>= 8)
//! 4       4     crc: CRC32C of the 4 len bytes followed by the payload
//! 8       8     payload[0..8]: log index, u64 little endian
//! 16      len-8 payload[8..]: the entry, opaque bytes
//! ```
//!
//! An all-zero header (`len = 0, crc = 0`) is never a record: it is what the
//! preallocated, never written part of a segment reads as.

/// Bytes of `len` and `crc`.
pub(crate) const HEADER_LEN: u64 = 8;
/// Bytes a record adds to its entry (header and index).
pub(crate) const OVERHEAD: u64 = 16;
/// The largest entry a record can hold.
pub const MAX_ENTRY_LEN: usize = u32::MAX as usize - 8;

/// The encoded size of a record holding `entry_len` bytes.
pub(crate) fn encoded_len(entry_len: usize) -> u64 {
    OVERHEAD + entry_len as u64
}

/// Appends the record for (`index`, `entry`) to `buf`. The caller has
/// checked `entry.len() <= MAX_ENTRY_LEN`.
pub(crate) fn encode(buf: &mut Vec<u8>, index: u64, entry: &[u8]) {
    let len = (entry.len() + 8) as u32;
    let len_bytes = len.to_le_bytes();
    let index_bytes = index.to_le_bytes();
    let crc = crc32c::crc32c_append(
        crc32c::crc32c_append(crc32c::crc32c(&len_bytes), &index_bytes),
        entry,
    );
    buf.reserve(entry.len() + OVERHEAD as usize);
    buf.extend_from_slice(&len_bytes);
    buf.extend_from_slice(&crc.to_le_bytes());
    buf.extend_from_slice(&index_bytes);
    buf.extend_from_slice(entry);
}

/// A record header as read from disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub len: u32,
    pub crc: u32,
}

impl Header {
    /// Parses the first 8 bytes of `bytes` (which must hold at least 8).
    pub(crate) fn parse(bytes: &[u8]) -> Header {
        Header {
            len: u32_at(bytes, 0),
            crc: u32_at(bytes, 4),
        }
    }

    /// The never-written marker.
    pub(crate) fn is_zero(&self) -> bool {
        self.len == 0 && self.crc == 0
    }

    /// Total record size on disk.
    pub(crate) fn record_len(&self) -> u64 {
        HEADER_LEN + u64::from(self.len)
    }

    /// Checks `payload` (exactly `len` bytes) against the header and returns
    /// the log index it carries.
    pub(crate) fn verify(&self, payload: &[u8]) -> Result<u64, &'static str> {
        if self.len < 8 {
            return Err("record length below the minimum of 8");
        }
        if payload.len() != self.len as usize {
            return Err("record length does not match");
        }
        let crc = crc32c::crc32c_append(crc32c::crc32c(&self.len.to_le_bytes()), payload);
        if crc != self.crc {
            return Err("record checksum mismatch");
        }
        Ok(u64_at(payload, 0))
    }
}

/// Little-endian u32 at `at`; the caller guarantees the bytes exist.
pub(crate) fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(b)
}

/// Little-endian u64 at `at`; the caller guarantees the bytes exist.
pub(crate) fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut buf = Vec::new();
        encode(&mut buf, 42, b"hello");
        assert_eq!(buf.len() as u64, encoded_len(5));
        let header = Header::parse(&buf);
        assert_eq!(header.len, 13);
        assert_eq!(header.verify(&buf[8..]), Ok(42));
        assert_eq!(&buf[16..], b"hello");
    }

    #[test]
    fn any_flipped_bit_is_detected() {
        let mut buf = Vec::new();
        encode(&mut buf, 7, b"payload");
        for byte in 0..buf.len() {
            for bit in 0..8 {
                let mut bad = buf.clone();
                bad[byte] ^= 1 << bit;
                let header = Header::parse(&bad);
                let payload = &bad[8..];
                let ok = payload.len() == header.len as usize && header.verify(payload) == Ok(7);
                assert!(!ok, "flip at byte {byte} bit {bit} undetected");
            }
        }
    }
}
