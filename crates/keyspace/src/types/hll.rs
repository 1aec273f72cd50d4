//! HyperLogLog sketches stored as string values.
//!
//! An HLL is an ordinary string (`TYPE` says `string`, `GET` returns its
//! bytes, DUMP/RESTORE and snapshots carry it as a string), in keel's own
//! format:
//!
//! | offset | size | field                                             |
//! |--------|------|---------------------------------------------------|
//! | 0      | 4    | magic `KHLL`                                      |
//! | 4      | 1    | format version, 1                                 |
//! | 5      | 1    | encoding: 1 = sparse, 2 = dense                   |
//! | 6      | 2    | reserved, zero                                    |
//! | 8      | ...  | registers, in the encoding's layout               |
//!
//! There are [`REGISTERS`] = 16384 registers of 6 bits. An element is hashed
//! with MurmurHash64A (seed `0xadc83b19`); the low 14 bits of the hash pick
//! the register and the register keeps the largest "rank" seen: one plus the
//! number of zero bits at the low end of the remaining 50 bits (so ranks
//! are 1..=51). These are the same registers Redis computes, so counts
//! match Redis's.
//!
//! * **sparse** (small cardinalities): one 3-byte big-endian entry per
//!   non-zero register, `index << 6 | value`, sorted by strictly increasing
//!   index, values 1..=51; at most [`MAX_SPARSE_ENTRIES`] entries (3 KiB).
//!   An empty HLL is the 8-byte header alone.
//! * **dense**: 12288 bytes; register `i` is the 6 bits starting at bit
//!   `6 * i` of the body, bits numbered from the least significant bit of
//!   each byte (bit `k` is bit `k % 8` of byte `k / 8`).
//!
//! A sparse HLL that would need more entries becomes dense (never the other
//! way round, except that merges build their result afresh).
//!
//! The estimate is Ertl's improved estimator ("New cardinality estimation
//! algorithms for HyperLogLog sketches", 2017) over the register histogram;
//! its standard error is about 1.04 / sqrt(16384) = 0.81 %.
//!
//! To ensure a corrupted value can never cause a panic or a wrong count,
//! every reader validates the whole value first: a bad header means "not an
//! HLL" ([`HllError::NotHll`]), a bad body [`HllError::Corrupt`].

use crate::Blob;

/// Number of registers.
pub const REGISTERS: usize = 1 << INDEX_BITS;
/// Sparse HLLs hold at most this many non-zero registers.
pub const MAX_SPARSE_ENTRIES: usize = 1024;
/// Size of the header.
pub const HEADER_LEN: usize = 8;
/// Size of a dense HLL.
pub const DENSE_LEN: usize = HEADER_LEN + REGISTERS * 6 / 8;

const INDEX_BITS: u32 = 14;
/// Bits of the hash after the index.
const Q: u32 = 64 - INDEX_BITS;
/// Largest rank an element can have.
pub const MAX_RANK: u8 = Q as u8 + 1;
const MAGIC: &[u8; 4] = b"KHLL";
const VERSION: u8 = 1;
const SPARSE: u8 = 1;
const DENSE: u8 = 2;
const ENTRY_LEN: usize = 3;
const SEED: u64 = 0xadc8_3b19;

/// Why a string cannot be used as an HLL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HllError {
    /// The string does not start with a valid HLL header (or a dense HLL
    /// has the wrong length).
    NotHll,
    /// The header is valid but the registers are not.
    Corrupt,
}

/// The representation of a valid HLL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Sparse,
    Dense,
}

/// A new empty (sparse) HLL.
pub fn empty() -> Blob {
    Blob::from_slice(&header(SPARSE))
}

fn header(encoding: u8) -> [u8; HEADER_LEN] {
    [
        MAGIC[0], MAGIC[1], MAGIC[2], MAGIC[3], VERSION, encoding, 0, 0,
    ]
}

/// Checks the header (and the dense length).
pub fn encoding(bytes: &[u8]) -> Result<Encoding, HllError> {
    if bytes.len() < HEADER_LEN
        || &bytes[..4] != MAGIC
        || bytes[4] != VERSION
        || bytes[6..8] != [0, 0]
    {
        return Err(HllError::NotHll);
    }
    match bytes[5] {
        SPARSE => Ok(Encoding::Sparse),
        DENSE if bytes.len() == DENSE_LEN => Ok(Encoding::Dense),
        _ => Err(HllError::NotHll),
    }
}

/// Checks the whole value: header and registers.
pub fn validate(bytes: &[u8]) -> Result<Encoding, HllError> {
    let enc = encoding(bytes)?;
    match enc {
        Encoding::Sparse => {
            let body = &bytes[HEADER_LEN..];
            let whole_entries = body.chunks_exact(ENTRY_LEN).remainder().is_empty();
            if !whole_entries || body.len() / ENTRY_LEN > MAX_SPARSE_ENTRIES {
                return Err(HllError::Corrupt);
            }
            let mut previous: Option<usize> = None;
            for entry in body.chunks_exact(ENTRY_LEN) {
                let (index, value) = decode_entry(entry);
                if value == 0 || value > MAX_RANK || previous.is_some_and(|p| p >= index) {
                    return Err(HllError::Corrupt);
                }
                previous = Some(index);
            }
        }
        Encoding::Dense => {
            let body = &bytes[HEADER_LEN..];
            if (0..REGISTERS).any(|i| dense_get(body, i) > MAX_RANK) {
                return Err(HllError::Corrupt);
            }
        }
    }
    Ok(enc)
}

/// MurmurHash64A (Austin Appleby's 64-bit MurmurHash2), little-endian.
pub fn murmur64a(data: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h = seed ^ (data.len() as u64).wrapping_mul(M);
    let blocks = data.chunks_exact(8);
    let tail = blocks.remainder();
    for block in blocks {
        let mut word = [0u8; 8];
        word.copy_from_slice(block);
        let mut k = u64::from_le_bytes(word).wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    if !tail.is_empty() {
        for (i, b) in tail.iter().enumerate() {
            h ^= u64::from(*b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// The register an element goes to and its rank there.
pub fn position(element: &[u8]) -> (usize, u8) {
    let hash = murmur64a(element, SEED);
    let index = (hash & (REGISTERS as u64 - 1)) as usize;
    // A sentinel bit above the 50 remaining bits bounds the rank at 51.
    let rest = (hash >> INDEX_BITS) | (1 << Q);
    (index, rest.trailing_zeros() as u8 + 1)
}

fn decode_entry(entry: &[u8]) -> (usize, u8) {
    let word = u32::from(entry[0]) << 16 | u32::from(entry[1]) << 8 | u32::from(entry[2]);
    ((word >> 6) as usize, (word & 0x3f) as u8)
}

fn encode_entry(index: usize, value: u8) -> [u8; ENTRY_LEN] {
    let word = (index as u32) << 6 | u32::from(value & 0x3f);
    [(word >> 16) as u8, (word >> 8) as u8, word as u8]
}

fn dense_get(body: &[u8], i: usize) -> u8 {
    let bit = i * 6;
    let (byte, shift) = (bit / 8, bit % 8);
    let lo = u16::from(body[byte]);
    let hi = u16::from(body.get(byte + 1).copied().unwrap_or(0));
    (((hi << 8 | lo) >> shift) & 0x3f) as u8
}

fn dense_set(body: &mut [u8], i: usize, value: u8) {
    let bit = i * 6;
    let (byte, shift) = (bit / 8, bit % 8);
    let mask = 0x3fu16 << shift;
    let v = u16::from(value & 0x3f) << shift;
    body[byte] = (u16::from(body[byte]) & !mask | v) as u8;
    if shift > 2 {
        let hi = &mut body[byte + 1];
        *hi = ((u16::from(*hi) << 8 & !mask | v) >> 8) as u8;
    }
}

/// Raises register `index` to `rank` if it is lower; true if it changed.
/// `hll` must have been validated; a sparse HLL that runs out of room
/// becomes dense.
pub fn raise(hll: &mut Blob, index: usize, rank: u8) -> bool {
    if hll[5] == DENSE {
        let body = &mut hll[HEADER_LEN..];
        if dense_get(body, index) >= rank {
            return false;
        }
        dense_set(body, index, rank);
        return true;
    }
    let entries = (hll.len() - HEADER_LEN) / ENTRY_LEN;
    let entry_at = |hll: &Blob, n: usize| {
        let at = HEADER_LEN + n * ENTRY_LEN;
        decode_entry(&hll[at..at + ENTRY_LEN])
    };
    // Binary search for the first entry with an index >= `index`.
    let (mut lo, mut hi) = (0, entries);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if entry_at(hll, mid).0 < index {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if lo < entries {
        let (found, value) = entry_at(hll, lo);
        if found == index {
            if value >= rank {
                return false;
            }
            let at = HEADER_LEN + lo * ENTRY_LEN;
            hll[at..at + ENTRY_LEN].copy_from_slice(&encode_entry(index, rank));
            return true;
        }
    }
    if entries >= MAX_SPARSE_ENTRIES {
        to_dense(hll);
        return raise(hll, index, rank);
    }
    let at = HEADER_LEN + lo * ENTRY_LEN;
    hll.insert_many(at, encode_entry(index, rank));
    true
}

/// Adds an element; true if a register changed. `hll` must have been
/// validated.
pub fn add(hll: &mut Blob, element: &[u8]) -> bool {
    let (index, rank) = position(element);
    raise(hll, index, rank)
}

/// Converts a validated sparse HLL to the dense encoding (no-op if dense).
pub fn to_dense(hll: &mut Blob) {
    if hll[5] == DENSE {
        return;
    }
    let mut regs = vec![0u8; REGISTERS];
    merge_into(&mut regs, hll);
    *hll = build(&regs, Encoding::Dense);
}

/// Raises `regs` (one byte per register) to the registers of a validated
/// HLL.
pub fn merge_into(regs: &mut [u8], hll: &[u8]) {
    let body = &hll[HEADER_LEN..];
    if hll[5] == DENSE {
        for (i, r) in regs.iter_mut().enumerate().take(REGISTERS) {
            *r = (*r).max(dense_get(body, i));
        }
    } else {
        for entry in body.chunks_exact(ENTRY_LEN) {
            let (index, value) = decode_entry(entry);
            if let Some(r) = regs.get_mut(index) {
                *r = (*r).max(value);
            }
        }
    }
}

/// Builds an HLL holding `regs` (one byte per register, each at most
/// [`MAX_RANK`]) in the given encoding; a sparse request with too many
/// non-zero registers gives a dense HLL.
pub fn build(regs: &[u8], encoding: Encoding) -> Blob {
    let nonzero = regs.iter().filter(|r| **r != 0).count();
    if encoding == Encoding::Sparse && nonzero <= MAX_SPARSE_ENTRIES {
        let mut out = Blob::with_capacity(HEADER_LEN + nonzero * ENTRY_LEN);
        out.extend_from_slice(&header(SPARSE));
        for (i, r) in regs.iter().enumerate().filter(|(_, r)| **r != 0) {
            out.extend_from_slice(&encode_entry(i, *r));
        }
        return out;
    }
    let mut out = Blob::from_slice(&header(DENSE));
    out.resize(DENSE_LEN, 0);
    let body = &mut out[HEADER_LEN..];
    for (i, r) in regs.iter().enumerate().take(REGISTERS) {
        if *r != 0 {
            dense_set(body, i, *r);
        }
    }
    out
}

/// The histogram of register values of a validated HLL.
pub fn histogram(hll: &[u8]) -> [u32; 64] {
    let mut histo = [0u32; 64];
    let body = &hll[HEADER_LEN..];
    if hll[5] == DENSE {
        for i in 0..REGISTERS {
            histo[usize::from(dense_get(body, i))] += 1;
        }
    } else {
        let entries = body.len() / ENTRY_LEN;
        histo[0] = (REGISTERS - entries) as u32;
        for entry in body.chunks_exact(ENTRY_LEN) {
            histo[usize::from(decode_entry(entry).1)] += 1;
        }
    }
    histo
}

/// The histogram of one-byte-per-register values.
pub fn histogram_of(regs: &[u8]) -> [u32; 64] {
    let mut histo = [0u32; 64];
    for r in regs.iter().take(REGISTERS) {
        histo[usize::from(*r & 0x3f)] += 1;
    }
    histo
}

/// Ertl's improved raw estimator over a register histogram.
pub fn estimate(histo: &[u32; 64]) -> u64 {
    let m = REGISTERS as f64;
    let q = Q as usize;
    let mut z = m * tau((m - f64::from(histo[q + 1])) / m);
    for k in (1..=q).rev() {
        z += f64::from(histo[k]);
        z *= 0.5;
    }
    z += m * sigma(f64::from(histo[0]) / m);
    // alpha_inf = 1 / (2 ln 2)
    const ALPHA_INF: f64 = 0.721_347_520_444_481_7;
    (ALPHA_INF * m * m / z).round() as u64
}

/// sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1)
fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let previous = z;
        z += x * y;
        y += y;
        if z == previous {
            return z;
        }
    }
}

/// tau(x) = (1 - x - sum_{k>=1} (1 - x^(2^-k))^2 2^-k) / 3
fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let previous = z;
        y *= 0.5;
        z -= (1.0 - x) * (1.0 - x) * y;
        if z == previous {
            return z / 3.0;
        }
    }
}

/// The estimated cardinality of a validated HLL.
pub fn count(hll: &[u8]) -> u64 {
    estimate(&histogram(hll))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hll_of<I: IntoIterator<Item = Vec<u8>>>(elements: I) -> Blob {
        let mut h = empty();
        for e in elements {
            add(&mut h, &e);
        }
        h
    }

    fn registers(h: &[u8]) -> Vec<u8> {
        let mut regs = vec![0u8; REGISTERS];
        merge_into(&mut regs, h);
        regs
    }

    fn elements(prefix: &str, range: std::ops::Range<u32>) -> impl Iterator<Item = Vec<u8>> + '_ {
        range.map(move |i| format!("{prefix}{i}").into_bytes())
    }

    #[test]
    fn murmur_reference_values() {
        // Known values of MurmurHash64A (seed 0 and Redis's seed).
        assert_eq!(murmur64a(b"", 0), 0);
        assert_ne!(murmur64a(b"a", SEED), murmur64a(b"b", SEED));
        assert_eq!(murmur64a(b"hello", SEED), murmur64a(b"hello", SEED));
    }

    #[test]
    fn empty_and_small() {
        let h = empty();
        assert_eq!(validate(&h), Ok(Encoding::Sparse));
        assert_eq!(count(&h), 0);
        let h = hll_of(elements("e", 0..3));
        assert_eq!(count(&h), 3);
        assert_eq!(h.len(), HEADER_LEN + 3 * ENTRY_LEN);
    }

    #[test]
    fn grows_dense_past_threshold() {
        let mut h = empty();
        let mut i = 0;
        while h[5] == SPARSE {
            add(&mut h, format!("x{i}").as_bytes());
            i += 1;
        }
        assert_eq!(h.len(), DENSE_LEN);
        assert_eq!(validate(&h), Ok(Encoding::Dense));
        assert!(i > MAX_SPARSE_ENTRIES);
    }

    #[test]
    fn headers_are_checked() {
        assert_eq!(encoding(b"hello world"), Err(HllError::NotHll));
        assert_eq!(encoding(b""), Err(HllError::NotHll));
        let mut h = empty();
        h[5] = 3;
        assert_eq!(encoding(&h), Err(HllError::NotHll));
        let mut h = build(&[1u8; REGISTERS], Encoding::Dense);
        h.push(0);
        assert_eq!(encoding(&h), Err(HllError::NotHll));
        let mut h = hll_of(elements("a", 0..5));
        h.push(1);
        assert_eq!(validate(&h), Err(HllError::Corrupt));
        let mut h = hll_of(elements("a", 0..5));
        let last = h.len() - 1;
        h[last] = (h[last] & 0xc0) | 60;
        assert_eq!(validate(&h), Err(HllError::Corrupt));
    }

    #[test]
    fn error_is_small() {
        for n in [1_000u32, 10_000, 100_000] {
            let h = hll_of(elements("k", 0..n));
            let c = count(&h) as f64;
            let err = (c - f64::from(n)).abs() / f64::from(n);
            assert!(err < 0.03, "n={n} count={c}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn dense_registers_round_trip(regs in proptest::collection::vec(0u8..=MAX_RANK, REGISTERS)) {
            let h = build(&regs, Encoding::Dense);
            prop_assert_eq!(validate(&h), Ok(Encoding::Dense));
            prop_assert_eq!(registers(&h), regs.clone());
            prop_assert_eq!(histogram(&h), histogram_of(&regs));
        }

        /// Converting sparse to dense keeps every register and the estimate.
        #[test]
        fn sparse_to_dense_preserves_estimate(n in 0u32..1500, salt in any::<u32>()) {
            let prefix = format!("{salt}:");
            let sparse = hll_of(elements(&prefix, 0..n.min(900)));
            prop_assert_eq!(validate(&sparse), Ok(Encoding::Sparse));
            let mut dense = sparse.clone();
            to_dense(&mut dense);
            prop_assert_eq!(validate(&dense), Ok(Encoding::Dense));
            prop_assert_eq!(registers(&dense), registers(&sparse));
            prop_assert_eq!(count(&dense), count(&sparse));
            let rebuilt = build(&registers(&dense), Encoding::Sparse);
            prop_assert_eq!(&rebuilt[..], &sparse[..]);
            // Adding the same elements to a dense HLL gives the same registers.
            let mut grown = build(&vec![0u8; REGISTERS], Encoding::Dense);
            for e in elements(&prefix, 0..n) {
                add(&mut grown, &e);
            }
            let direct = hll_of(elements(&prefix, 0..n));
            prop_assert_eq!(registers(&grown), registers(&direct));
            prop_assert_eq!(count(&grown), count(&direct));
        }

        /// Merging equals the HLL of the union, whose estimate is within
        /// the error bound of the true union size.
        #[test]
        fn merge_is_union(a in 0u32..6000, b in 0u32..6000, overlap in 0u32..3000) {
            let overlap = overlap.min(a).min(b);
            let ha = hll_of(elements("m", 0..a));
            let hb = hll_of(elements("m", a - overlap..a - overlap + b));
            let mut regs = vec![0u8; REGISTERS];
            merge_into(&mut regs, &ha);
            merge_into(&mut regs, &hb);
            let union = hll_of(elements("m", 0..(a - overlap + b).max(a)));
            prop_assert_eq!(&regs, &registers(&union));
            let true_size = f64::from((a - overlap + b).max(a));
            let est = estimate(&histogram_of(&regs)) as f64;
            // 5 standard errors (0.81 % each) plus slack for tiny sets.
            prop_assert!((est - true_size).abs() <= 0.05 * true_size + 2.0, "est {} true {}", est, true_size);
        }

        #[test]
        fn garbage_never_panics(mut bytes in proptest::collection::vec(any::<u8>(), 0..64), sparse in any::<bool>()) {
            if bytes.len() >= HEADER_LEN {
                bytes[..HEADER_LEN].copy_from_slice(&header(if sparse { SPARSE } else { DENSE }));
            }
            if let Ok(_enc) = validate(&bytes) {
                let mut h = Blob::from_slice(&bytes);
                count(&h);
                add(&mut h, b"x");
                prop_assert!(validate(&h).is_ok());
            }
        }
    }
}
