//! The sorted set type.
//!
//! Two encodings, like Redis 7.0:
//!
//! * `listpack` ([`SortedSet::Packed`]): alternating member and score (the
//!   score as the 8 little-endian bytes of the `f64`), kept sorted by
//!   (score, member), while the set has at most [`PACKED_MAX_ENTRIES`]
//!   members of at most [`PACKED_MAX_VALUE`] bytes. Like Redis's listpack,
//!   which stores integral scores as integers, it cannot hold `-0`: a `-0`
//!   score is stored as `0`.
//! * `skiplist` ([`SortedSet::Skiplist`]): a member table plus an
//!   order-statistics skiplist. A set converts to it when an insertion
//!   would exceed the limits, and never converts back (stores build their
//!   result in whichever encoding fits, like Redis).
//!
//! Scores are never NaN (commands reject NaN before calling in).

mod skiplist;

use std::ops::Range;

pub use skiplist::Skiplist;

use super::Packed;
use crate::codec::{CodecError, Encode, Reader, Writer};
use crate::Blob;
pub(crate) use skiplist::cmp_entry;

/// `zset-max-listpack-entries`.
pub const PACKED_MAX_ENTRIES: usize = 128;
/// `zset-max-listpack-value`.
pub const PACKED_MAX_VALUE: usize = 64;

/// A Redis sorted set: member/score pairs ordered by (score, member).
#[derive(Debug, Clone, PartialEq)]
pub enum SortedSet {
    /// Alternating member, score (as the 8 bytes of the `f64`), kept sorted.
    Packed(Packed),
    /// Member table plus skiplist.
    Skiplist(Box<Skiplist>),
}

impl Default for SortedSet {
    fn default() -> SortedSet {
        SortedSet::Packed(Packed::new())
    }
}

/// A score interval (`ZRANGEBYSCORE` syntax: `(` makes a bound exclusive).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreRange {
    pub min: f64,
    pub max: f64,
    pub min_exclusive: bool,
    pub max_exclusive: bool,
}

impl ScoreRange {
    /// True when no score can be inside.
    pub fn is_empty(&self) -> bool {
        self.min > self.max || (self.min == self.max && (self.min_exclusive || self.max_exclusive))
    }

    /// `score` is at or above the lower bound.
    pub fn above_min(&self, score: f64) -> bool {
        if self.min_exclusive {
            score > self.min
        } else {
            score >= self.min
        }
    }

    /// `score` is at or below the upper bound.
    pub fn below_max(&self, score: f64) -> bool {
        if self.max_exclusive {
            score < self.max
        } else {
            score <= self.max
        }
    }
}

/// One end of a lexicographic interval (`-`, `+`, `[member`, `(member`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LexBound {
    /// `-`: below every member.
    Min,
    /// `+`: above every member.
    Max,
    Inclusive(Vec<u8>),
    Exclusive(Vec<u8>),
}

impl LexBound {
    fn order_key(&self) -> (u8, &[u8]) {
        match self {
            LexBound::Min => (0, &[]),
            LexBound::Max => (2, &[]),
            LexBound::Inclusive(s) | LexBound::Exclusive(s) => (1, s),
        }
    }

    fn exclusive(&self) -> bool {
        !matches!(self, LexBound::Inclusive(_))
    }
}

/// A lexicographic interval (`ZRANGEBYLEX` syntax). Meaningful when all
/// members have the same score; otherwise the result follows the
/// encoding's search like Redis (but deterministically).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexRange {
    pub min: LexBound,
    pub max: LexBound,
}

impl LexRange {
    /// True when no member can be inside.
    pub fn is_empty(&self) -> bool {
        match self.min.order_key().cmp(&self.max.order_key()) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Equal => self.min.exclusive() || self.max.exclusive(),
            std::cmp::Ordering::Less => false,
        }
    }

    /// `member` is at or above the lower bound.
    pub fn above_min(&self, member: &[u8]) -> bool {
        match &self.min {
            LexBound::Min => true,
            LexBound::Max => false,
            LexBound::Inclusive(s) => member >= s.as_slice(),
            LexBound::Exclusive(s) => member > s.as_slice(),
        }
    }

    /// `member` is at or below the upper bound.
    pub fn below_max(&self, member: &[u8]) -> bool {
        match &self.max {
            LexBound::Min => false,
            LexBound::Max => true,
            LexBound::Inclusive(s) => member <= s.as_slice(),
            LexBound::Exclusive(s) => member < s.as_slice(),
        }
    }
}

/// Iterator over (member, score) pairs.
pub type Iter<'a> = Box<dyn Iterator<Item = (&'a [u8], f64)> + 'a>;

fn packed_score(bytes: &[u8]) -> f64 {
    <[u8; 8]>::try_from(bytes).map_or(0.0, f64::from_le_bytes)
}

/// The packed form of a score: `-0` is stored as `0` (Redis's listpack
/// stores integral scores as integers).
fn packed_score_bytes(score: f64) -> [u8; 8] {
    let score = if score == 0.0 { 0.0 } else { score };
    score.to_le_bytes()
}

fn packed_pairs(p: &Packed) -> impl Iterator<Item = (&[u8], f64)> {
    let mut it = p.iter();
    std::iter::from_fn(move || {
        let member = it.next()?;
        let score = it.next()?;
        Some((member, packed_score(score)))
    })
}

/// `(offset of member, offset just past the score)` of each pair.
fn packed_offsets(p: &Packed) -> impl Iterator<Item = (usize, &[u8], f64)> {
    let mut it = p.entries();
    std::iter::from_fn(move || {
        let (offset, member) = it.next()?;
        let (_, score) = it.next()?;
        Some((offset, member, packed_score(score)))
    })
}

/// First index in `0..n` where `pred` is false (`pred` true then false).
fn partition_point(n: usize, pred: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

impl SortedSet {
    /// An empty set (packed).
    pub fn new() -> SortedSet {
        SortedSet::default()
    }

    /// Builds a set from distinct members in any order, choosing the
    /// encoding that fits the result (what Redis does for stores).
    pub fn from_members(mut items: Vec<(Blob, f64)>) -> SortedSet {
        items.sort_by(|a, b| cmp_entry(a.1, &a.0, b.1, &b.0));
        let packable = items.len() <= PACKED_MAX_ENTRIES
            && items.iter().all(|(m, _)| m.len() <= PACKED_MAX_VALUE);
        if packable {
            let mut p = Packed::new();
            for (member, score) in &items {
                p.push(member);
                p.push(&packed_score_bytes(*score));
            }
            SortedSet::Packed(p)
        } else {
            SortedSet::Skiplist(Box::new(Skiplist::from_sorted(items)))
        }
    }

    /// Converts to the skiplist encoding (what Redis's SORT does to the
    /// sorted sets it sorts); the members and their order are unchanged.
    pub fn convert_to_skiplist(&mut self) {
        if let SortedSet::Packed(p) = self {
            *self = SortedSet::Skiplist(Box::new(Skiplist::from_sorted(packed_pairs(p))));
        }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        match self {
            SortedSet::Packed(p) => p.len() / 2,
            SortedSet::Skiplist(s) => s.len(),
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
            SortedSet::Skiplist(_) => "skiplist",
        }
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            SortedSet::Packed(p) => packed_pairs(p).find(|(m, _)| *m == member).map(|(_, s)| s),
            SortedSet::Skiplist(s) => s.score(member),
        }
    }

    /// Adds `member` with `score`, or changes its score. Returns the
    /// previous score. Converts to the skiplist encoding when a new member
    /// would exceed the packed limits.
    pub fn insert(&mut self, member: &[u8], score: f64) -> Option<f64> {
        debug_assert!(!score.is_nan());
        if let SortedSet::Packed(p) = self {
            let old = packed_offsets(p).find(|(_, m, _)| *m == member);
            match old {
                Some((offset, _, old_score)) => {
                    p.remove_at(offset);
                    p.remove_at(offset);
                    packed_insert(p, member, score);
                    return Some(old_score);
                }
                None if p.len() / 2 < PACKED_MAX_ENTRIES && member.len() <= PACKED_MAX_VALUE => {
                    packed_insert(p, member, score);
                    return None;
                }
                None => {
                    let converted = Skiplist::from_sorted(packed_pairs(p));
                    *self = SortedSet::Skiplist(Box::new(converted));
                }
            }
        }
        match self {
            SortedSet::Skiplist(s) => s.insert(member, score),
            SortedSet::Packed(_) => None,
        }
    }

    /// Removes `member`; returns its score.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        match self {
            SortedSet::Packed(p) => {
                let (offset, _, score) = packed_offsets(p).find(|(_, m, _)| *m == member)?;
                p.remove_at(offset);
                p.remove_at(offset);
                Some(score)
            }
            SortedSet::Skiplist(s) => s.remove(member),
        }
    }

    /// 0-based rank of `member` in ascending order.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        match self {
            SortedSet::Packed(p) => packed_pairs(p).position(|(m, _)| m == member),
            SortedSet::Skiplist(s) => s.rank(member),
        }
    }

    /// Member and score at ascending 0-based `rank`.
    pub fn at(&self, rank: usize) -> Option<(&[u8], f64)> {
        match self {
            SortedSet::Packed(p) => packed_pairs(p).nth(rank),
            SortedSet::Skiplist(s) => s.at(rank),
        }
    }

    /// All members and scores in ascending order.
    pub fn iter(&self) -> Iter<'_> {
        self.iter_from(0, false)
    }

    /// Members and scores starting at ascending rank `rank`, going up (or
    /// down when `rev`).
    pub fn iter_from(&self, rank: usize, rev: bool) -> Iter<'_> {
        match (self, rev) {
            (SortedSet::Packed(p), false) => Box::new(packed_pairs(p).skip(rank)),
            (SortedSet::Packed(p), true) => {
                let mut items: Vec<(&[u8], f64)> = if rank < self.len() {
                    packed_pairs(p).take(rank + 1).collect()
                } else {
                    Vec::new()
                };
                items.reverse();
                Box::new(items.into_iter())
            }
            (SortedSet::Skiplist(s), false) => Box::new(s.iter_from(rank)),
            (SortedSet::Skiplist(s), true) => Box::new(s.iter_back_from(rank)),
        }
    }

    /// Number of leading members whose score satisfies `before` (which
    /// must be true for low scores, then false).
    fn count_scores(&self, before: impl Fn(f64) -> bool) -> usize {
        match self {
            SortedSet::Packed(p) => packed_pairs(p).take_while(|(_, s)| before(*s)).count(),
            SortedSet::Skiplist(s) => s.count_scores(before),
        }
    }

    /// Ascending ranks of the members whose score is in `range`.
    pub fn score_span(&self, range: &ScoreRange) -> Range<usize> {
        if range.is_empty() {
            return 0..0;
        }
        let start = self.count_scores(|s| !range.above_min(s));
        let end = self.count_scores(|s| range.below_max(s));
        start..end.max(start)
    }

    /// Rank of the first member in `range`, searching upwards: for the
    /// packed encoding exactly Redis's listpack scan, for the skiplist a
    /// binary search over ranks (same result when scores are equal).
    pub fn lex_first(&self, range: &LexRange) -> Option<usize> {
        if range.is_empty() {
            return None;
        }
        match self {
            SortedSet::Packed(p) => {
                let items: Vec<&[u8]> = packed_pairs(p).map(|(m, _)| m).collect();
                if !range.above_min(items.last()?) || !range.below_max(items.first()?) {
                    return None;
                }
                let i = items.iter().position(|m| range.above_min(m))?;
                range.below_max(items[i]).then_some(i)
            }
            SortedSet::Skiplist(s) => {
                let i = partition_point(s.len(), |r| {
                    s.at(r).is_some_and(|(m, _)| !range.above_min(m))
                });
                let (m, _) = s.at(i)?;
                range.below_max(m).then_some(i)
            }
        }
    }

    /// Rank of the last member in `range`, searching downwards (see
    /// [`SortedSet::lex_first`]).
    pub fn lex_last(&self, range: &LexRange) -> Option<usize> {
        if range.is_empty() {
            return None;
        }
        match self {
            SortedSet::Packed(p) => {
                let items: Vec<&[u8]> = packed_pairs(p).map(|(m, _)| m).collect();
                if !range.above_min(items.last()?) || !range.below_max(items.first()?) {
                    return None;
                }
                let i = items.iter().rposition(|m| range.below_max(m))?;
                range.above_min(items[i]).then_some(i)
            }
            SortedSet::Skiplist(s) => {
                let end = partition_point(s.len(), |r| {
                    s.at(r).is_some_and(|(m, _)| range.below_max(m))
                });
                let i = end.checked_sub(1)?;
                let (m, _) = s.at(i)?;
                range.above_min(m).then_some(i)
            }
        }
    }

    /// Ascending ranks of the members in `range`: from
    /// [`SortedSet::lex_first`] upwards while below the maximum.
    pub fn lex_span(&self, range: &LexRange) -> Range<usize> {
        let Some(start) = self.lex_first(range) else {
            return 0..0;
        };
        let end = match self {
            SortedSet::Packed(_) => {
                start
                    + self
                        .iter_from(start, false)
                        .take_while(|(m, _)| range.below_max(m))
                        .count()
            }
            SortedSet::Skiplist(s) => partition_point(s.len(), |r| {
                s.at(r).is_some_and(|(m, _)| range.below_max(m))
            }),
        };
        start..end.max(start + 1)
    }

    /// Removes the members at ascending ranks `span`; returns how many.
    pub fn remove_span(&mut self, span: Range<usize>) -> usize {
        let span = span.start.min(self.len())..span.end.min(self.len());
        if span.is_empty() {
            return 0;
        }
        match self {
            SortedSet::Packed(p) => {
                let mut kept = Packed::new();
                for (i, item) in p.iter().enumerate() {
                    if !span.contains(&(i / 2)) {
                        kept.push(item);
                    }
                }
                *p = kept;
            }
            SortedSet::Skiplist(s) => {
                let doomed: Vec<Blob> = s
                    .iter_from(span.start)
                    .take(span.len())
                    .map(|(m, _)| Blob::from_slice(m))
                    .collect();
                for m in doomed {
                    s.remove(&m);
                }
            }
        }
        span.len()
    }

    /// Removes and returns the lowest (or highest when `max`) member.
    pub fn pop(&mut self, max: bool) -> Option<(Blob, f64)> {
        let rank = if max { self.len().checked_sub(1)? } else { 0 };
        let (member, score) = self.at(rank)?;
        let member = Blob::from_slice(member);
        self.remove(&member);
        Some((member, score))
    }

    /// One ZSCAN step over the skiplist encoding's member table (see
    /// `Db::scan`): visits about `count` positions from `cursor` and
    /// returns the next cursor (0 when done). The packed encoding is
    /// visited whole and returns 0.
    pub fn scan<'a>(
        &'a self,
        cursor: u64,
        count: usize,
        mut visit: impl FnMut(&'a [u8], f64),
    ) -> u64 {
        match self {
            SortedSet::Packed(p) => {
                for (m, s) in packed_pairs(p) {
                    visit(m, s);
                }
                0
            }
            SortedSet::Skiplist(s) => {
                let remaining = crate::db::scan_start(cursor, s.len());
                let stop = remaining.saturating_sub(count.max(1));
                for index in (stop..remaining).rev() {
                    if let Some((m, score)) = s.table_entry(index) {
                        visit(m, score);
                    }
                }
                stop as u64
            }
        }
    }

    #[cfg(test)]
    pub(crate) fn check(&self) {
        match self {
            SortedSet::Packed(p) => {
                assert_eq!(p.len() % 2, 0);
                let items: Vec<(&[u8], f64)> = packed_pairs(p).collect();
                for w in items.windows(2) {
                    assert_eq!(
                        cmp_entry(w[0].1, w[0].0, w[1].1, w[1].0),
                        std::cmp::Ordering::Less
                    );
                }
                let mut seen = std::collections::HashSet::new();
                assert!(items.iter().all(|(m, _)| seen.insert(*m)));
            }
            SortedSet::Skiplist(s) => s.check(),
        }
    }
}

/// Inserts a pair at its sorted position (the member must be absent).
fn packed_insert(p: &mut Packed, member: &[u8], score: f64) {
    let bytes = packed_score_bytes(score);
    let score = f64::from_le_bytes(bytes);
    let at = packed_offsets(p)
        .find(|(_, m, s)| cmp_entry(*s, m, score, member) == std::cmp::Ordering::Greater)
        .map_or(p.encoded_len(), |(offset, _, _)| offset);
    p.insert_at(at, member);
    let after = p.element_end(at);
    p.insert_at(after, &bytes);
}

/// Sub-tag of the packed encoding: the [`Packed`] buffer as is (member,
/// 8-byte little-endian score, ... in (score, member) order).
const PACKED: u8 = 0;
/// Sub-tag of the skiplist encoding: varint count, then `bytes` member and
/// `double` score per member in table order (the order ZSCAN walks), so a
/// decoded set scans like the original. The skiplist is rebuilt.
const SKIPLIST: u8 = 1;

impl Encode for SortedSet {
    fn encode(&self, w: &mut Writer) {
        match self {
            SortedSet::Packed(p) => {
                w.u8(PACKED);
                p.encode(w);
            }
            SortedSet::Skiplist(s) => {
                w.u8(SKIPLIST);
                w.varint(s.len() as u64);
                for (member, score) in s.table() {
                    w.bytes(member);
                    w.double(score);
                }
            }
        }
    }

    /// Validates everything: scores are never NaN, members are distinct,
    /// packed pairs are sorted with 8-byte scores.
    fn decode(r: &mut Reader<'_>) -> Result<SortedSet, CodecError> {
        match r.u8()? {
            PACKED => {
                let p = Packed::decode(r)?;
                if p.len() % 2 != 0 {
                    return Err(CodecError("odd packed sorted set"));
                }
                let mut it = p.iter();
                let mut prev: Option<(&[u8], f64)> = None;
                let mut seen = std::collections::HashSet::new();
                while let (Some(member), Some(score)) = (it.next(), it.next()) {
                    if score.len() != 8 {
                        return Err(CodecError("packed score is not 8 bytes"));
                    }
                    let score = packed_score(score);
                    if score.is_nan() {
                        return Err(CodecError("NaN score"));
                    }
                    if let Some((pm, ps)) = prev {
                        if cmp_entry(ps, pm, score, member) != std::cmp::Ordering::Less {
                            return Err(CodecError("packed sorted set out of order"));
                        }
                    }
                    if !seen.insert(member) {
                        return Err(CodecError("duplicate sorted set member"));
                    }
                    prev = Some((member, score));
                }
                Ok(SortedSet::Packed(p))
            }
            SKIPLIST => {
                let n = r.count()?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    let member = Blob::from_slice(r.bytes()?);
                    let score = r.double()?;
                    if score.is_nan() {
                        return Err(CodecError("NaN score"));
                    }
                    items.push((member, score));
                }
                Skiplist::from_table(items)
                    .map(|s| SortedSet::Skiplist(Box::new(s)))
                    .ok_or(CodecError("duplicate sorted set member"))
            }
            _ => Err(CodecError("unknown sorted set encoding")),
        }
    }
}

#[cfg(test)]
mod tests;
