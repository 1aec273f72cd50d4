//! The list type: a deque of fixed-size chunks (keel's quicklist).
//!
//! Elements live in chunks of [`CHUNK`] elements. Every chunk except the
//! first and the last is full, so the chunk holding index `i` is found with
//! one division and `LINDEX` stays O(1) (plus a walk of at most `CHUNK / 2`
//! elements inside the chunk). Pushes and pops touch only the end chunks.
//!
//! A chunk whose elements are all short ([`SMALL`] bytes at most) stores them
//! packed in one buffer, each as `len, bytes, len` (one length byte on each
//! side so the chunk can be walked from both ends): a list of small elements
//! costs about two bytes per element plus the element bytes, instead of a
//! 24-byte slot per element. A chunk holding a longer element keeps its
//! elements as separate [`Blob`]s, so no operation ever moves more than a
//! few KiB of packed bytes.
//!
//! The representation is an implementation detail: equality, iteration and
//! the codec only see the sequence of elements, and decoding rebuilds the
//! canonical layout, so a replica restored from a snapshot behaves exactly
//! like one that applied the log.

use std::collections::VecDeque;
use std::fmt;

use crate::codec::{CodecError, Encode, Reader, Writer};
use crate::Blob;

/// Elements per full chunk.
const CHUNK: usize = 32;
/// Longest element stored in a packed chunk (its length fits one byte).
const SMALL: usize = 128;

/// A Redis list: O(1) push and pop at both ends, O(1) access by index,
/// O(n) insertion and removal in the middle.
#[derive(Clone, Default)]
pub struct List {
    /// Invariant: no chunk is empty, and every chunk but the first and the
    /// last holds exactly `CHUNK` elements.
    chunks: VecDeque<Chunk>,
    len: usize,
}

impl List {
    /// An empty list.
    pub fn new() -> List {
        List::default()
    }

    /// A list holding `items` in order.
    pub fn from_items<I, T>(items: I) -> List
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        let mut list = List::new();
        for item in items {
            list.push_back(item.as_ref());
        }
        list
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `OBJECT ENCODING` (Redis 7.0 reports `quicklist` for every list).
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }

    /// Approximate heap memory used by the list, in bytes.
    pub fn heap_bytes(&self) -> usize {
        let slots = self.chunks.capacity() * std::mem::size_of::<Chunk>();
        slots
            + self
                .chunks
                .iter()
                .map(|c| match c {
                    Chunk::Packed(p) => p.buf.capacity(),
                    Chunk::Boxed(items) => {
                        items.capacity() * std::mem::size_of::<Blob>()
                            + items
                                .iter()
                                .filter(|b| b.spilled())
                                .map(|b| b.capacity())
                                .sum::<usize>()
                    }
                })
                .sum::<usize>()
    }

    /// The element at `index` (0 is the head).
    pub fn get(&self, index: usize) -> Option<&[u8]> {
        let (c, i) = self.locate(index)?;
        Some(self.chunks[c].get(i))
    }

    /// Replaces the element at `index`; false if out of range.
    pub fn set(&mut self, index: usize, item: &[u8]) -> bool {
        match self.locate(index) {
            Some((c, i)) => {
                self.chunks[c].replace(i, item);
                true
            }
            None => false,
        }
    }

    /// Adds an element at the head.
    pub fn push_front(&mut self, item: &[u8]) {
        match self.chunks.front_mut() {
            Some(chunk) if chunk.len() < CHUNK => {
                chunk.insert(0, item);
                chunk.shrink_if_full();
            }
            _ => {
                self.reserve_chunk();
                self.chunks.push_front(Chunk::with(item));
            }
        }
        self.len += 1;
    }

    /// Adds an element at the tail.
    pub fn push_back(&mut self, item: &[u8]) {
        match self.chunks.back_mut() {
            Some(chunk) if chunk.len() < CHUNK => {
                let at = chunk.len();
                chunk.insert(at, item);
                chunk.shrink_if_full();
            }
            _ => {
                self.reserve_chunk();
                self.chunks.push_back(Chunk::with(item));
            }
        }
        self.len += 1;
    }

    /// Removes and returns the head element.
    pub fn pop_front(&mut self) -> Option<Blob> {
        let chunk = self.chunks.front_mut()?;
        let item = chunk.remove(0);
        if chunk.len() == 0 {
            self.chunks.pop_front();
        }
        self.len -= 1;
        Some(item)
    }

    /// Removes and returns the tail element.
    pub fn pop_back(&mut self) -> Option<Blob> {
        let chunk = self.chunks.back_mut()?;
        let item = chunk.remove(chunk.len() - 1);
        if chunk.len() == 0 {
            self.chunks.pop_back();
        }
        self.len -= 1;
        Some(item)
    }

    /// Inserts `item` so that it ends up at `index` (`index <= len`);
    /// an index past the end appends.
    pub fn insert(&mut self, index: usize, item: &[u8]) {
        if index == 0 {
            return self.push_front(item);
        }
        let Some((mut c, i)) = self.locate(index) else {
            return self.push_back(item);
        };
        self.chunks[c].insert(i, item);
        self.len += 1;
        if self.chunks[c].len() <= CHUNK {
            return;
        }
        // One chunk too many elements: shift one element per chunk towards
        // the nearer end, where the end chunk may grow or a new one starts.
        if c < self.chunks.len() / 2 {
            loop {
                let moved = self.chunks[c].remove(0);
                if c == 0 {
                    self.chunks.push_front(Chunk::with(&moved));
                    break;
                }
                c -= 1;
                let at = self.chunks[c].len();
                self.chunks[c].insert(at, &moved);
                if self.chunks[c].len() <= CHUNK {
                    break;
                }
            }
        } else {
            let last = self.chunks.len() - 1;
            loop {
                let end = self.chunks[c].len() - 1;
                let moved = self.chunks[c].remove(end);
                if c == last {
                    self.chunks.push_back(Chunk::with(&moved));
                    break;
                }
                c += 1;
                self.chunks[c].insert(0, &moved);
                if self.chunks[c].len() <= CHUNK {
                    break;
                }
            }
        }
    }

    /// Removes and returns the element at `index`.
    pub fn remove(&mut self, index: usize) -> Option<Blob> {
        let (mut c, i) = self.locate(index)?;
        if c == 0 && i == 0 {
            return self.pop_front();
        }
        if index + 1 == self.len {
            return self.pop_back();
        }
        let item = self.chunks[c].remove(i);
        self.len -= 1;
        let last = self.chunks.len() - 1;
        if c == 0 || c == last {
            // End chunks may hold fewer elements (never none: the element
            // removed was neither the head nor the tail).
            return Some(item);
        }
        // A middle chunk is one short: pull one element per chunk from the
        // nearer end, whose chunk may shrink or disappear.
        if c < self.chunks.len() / 2 {
            loop {
                let end = self.chunks[c - 1].len() - 1;
                let moved = self.chunks[c - 1].remove(end);
                self.chunks[c].insert(0, &moved);
                c -= 1;
                if c == 0 {
                    if self.chunks[0].len() == 0 {
                        self.chunks.pop_front();
                    }
                    break;
                }
            }
        } else {
            loop {
                let moved = self.chunks[c + 1].remove(0);
                let at = self.chunks[c].len();
                self.chunks[c].insert(at, &moved);
                c += 1;
                if c == last {
                    if self.chunks[last].len() == 0 {
                        self.chunks.pop_back();
                    }
                    break;
                }
            }
        }
        Some(item)
    }

    /// Removes the first `n` elements (all of them if `n >= len`).
    pub fn truncate_front(&mut self, mut n: usize) {
        n = n.min(self.len);
        self.len -= n;
        while n > 0 {
            let Some(chunk) = self.chunks.front_mut() else {
                break;
            };
            if chunk.len() <= n {
                n -= chunk.len();
                self.chunks.pop_front();
            } else {
                chunk.drain_front(n);
                break;
            }
        }
    }

    /// Removes the last `n` elements (all of them if `n >= len`).
    pub fn truncate_back(&mut self, mut n: usize) {
        n = n.min(self.len);
        self.len -= n;
        while n > 0 {
            let Some(chunk) = self.chunks.back_mut() else {
                break;
            };
            if chunk.len() <= n {
                n -= chunk.len();
                self.chunks.pop_back();
            } else {
                chunk.drain_back(n);
                break;
            }
        }
    }

    /// Removes occurrences of `item` like `LREM`: up to `limit` of them
    /// (`0` = all), scanning from the tail when `from_tail`. Returns how
    /// many were removed.
    pub fn remove_matching(&mut self, item: &[u8], limit: usize, from_tail: bool) -> usize {
        let limit = if limit == 0 { usize::MAX } else { limit };
        let mut found: Vec<usize> = Vec::new();
        if from_tail {
            for (i, e) in self.iter().enumerate().rev() {
                if found.len() == limit {
                    break;
                }
                if e == item {
                    found.push(i);
                }
            }
            found.reverse();
        } else {
            for (i, e) in self.iter().enumerate() {
                if found.len() == limit {
                    break;
                }
                if e == item {
                    found.push(i);
                }
            }
        }
        match found.len() {
            0 => {}
            // A few removals shift elements in place.
            1..=2 => {
                for &i in found.iter().rev() {
                    self.remove(i);
                }
            }
            // Many: rebuild once.
            _ => {
                let mut next = found.iter().copied().peekable();
                let mut kept = List::new();
                for (i, e) in self.iter().enumerate() {
                    if next.peek() == Some(&i) {
                        next.next();
                    } else {
                        kept.push_back(e);
                    }
                }
                *self = kept;
            }
        }
        found.len()
    }

    /// The elements, head first (double-ended).
    pub fn iter(&self) -> Iter<'_> {
        self.range(0, self.len)
    }

    /// The elements at indexes `start..end` (clamped to the list).
    pub fn range(&self, start: usize, end: usize) -> Iter<'_> {
        let end = end.min(self.len);
        if start >= end {
            return Iter {
                chunks: &self.chunks,
                front: (0, 0),
                back: (0, 0),
                remaining: 0,
            };
        }
        let front = self
            .locate(start)
            .map_or((0, 0), |(c, i)| (c, self.chunks[c].position(i)));
        let back = self
            .locate(end - 1)
            .map_or((0, 0), |(c, i)| (c, self.chunks[c].position(i + 1)));
        Iter {
            chunks: &self.chunks,
            front,
            back,
            remaining: end - start,
        }
    }

    /// Makes room for one more chunk: exactly one for a list's first chunk
    /// (most lists are short), amortized growth after that.
    fn reserve_chunk(&mut self) {
        if self.chunks.capacity() == 0 {
            self.chunks.reserve_exact(1);
        }
    }

    /// The chunk holding `index` and the index inside it.
    fn locate(&self, index: usize) -> Option<(usize, usize)> {
        if index >= self.len {
            return None;
        }
        let first = self.chunks.front()?.len();
        if index < first {
            return Some((0, index));
        }
        let rest = index - first;
        Some((1 + rest / CHUNK, rest % CHUNK))
    }

    /// Checks the layout invariants.
    #[cfg(test)]
    fn check(&self) -> Result<(), &'static str> {
        let n = self.chunks.len();
        let mut total = 0;
        for (i, chunk) in self.chunks.iter().enumerate() {
            let len = chunk.len();
            if len == 0 || len > CHUNK {
                return Err("chunk size out of bounds");
            }
            if i != 0 && i + 1 != n && len != CHUNK {
                return Err("middle chunk not full");
            }
            if let Chunk::Packed(p) = chunk {
                p.check()?;
            }
            total += len;
        }
        if total != self.len {
            return Err("length mismatch");
        }
        Ok(())
    }
}

impl PartialEq for List {
    fn eq(&self, other: &List) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl fmt::Debug for List {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(String::from_utf8_lossy))
            .finish()
    }
}

impl<'a> IntoIterator for &'a List {
    type Item = &'a [u8];
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// Encoded as the element count followed by the elements, head first; the
/// chunk layout is rebuilt on decoding.
impl Encode for List {
    fn encode(&self, w: &mut Writer) {
        w.varint(self.len as u64);
        for item in self.iter() {
            w.bytes(item);
        }
    }

    fn decode(r: &mut Reader<'_>) -> Result<List, CodecError> {
        let n = r.count()?;
        let mut list = List::new();
        for _ in 0..n {
            list.push_back(r.bytes()?);
        }
        Ok(list)
    }
}

/// Iterator over a list's elements (see [`List::iter`], [`List::range`]).
#[derive(Clone)]
pub struct Iter<'a> {
    chunks: &'a VecDeque<Chunk>,
    /// Chunk and position of the next element from the front.
    front: (usize, usize),
    /// Chunk and position just past the next element from the back.
    back: (usize, usize),
    remaining: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.remaining == 0 {
            return None;
        }
        loop {
            let chunk = self.chunks.get(self.front.0)?;
            if let Some((item, next)) = chunk.read_forward(self.front.1) {
                self.front.1 = next;
                self.remaining -= 1;
                return Some(item);
            }
            self.front = (self.front.0 + 1, 0);
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        loop {
            let chunk = self.chunks.get(self.back.0)?;
            if let Some((item, prev)) = chunk.read_backward(self.back.1) {
                self.back.1 = prev;
                self.remaining -= 1;
                return Some(item);
            }
            let c = self.back.0.checked_sub(1)?;
            self.back = (c, self.chunks.get(c)?.end_position());
        }
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// Up to [`CHUNK`] consecutive elements.
#[derive(Clone, Debug)]
enum Chunk {
    /// Every element is at most [`SMALL`] bytes long.
    Packed(Packed),
    /// At least one element was too long to pack.
    Boxed(VecDeque<Blob>),
}

impl Chunk {
    /// A chunk holding just `item`.
    fn with(item: &[u8]) -> Chunk {
        let mut chunk = Chunk::Packed(Packed::default());
        chunk.insert(0, item);
        chunk
    }

    fn len(&self) -> usize {
        match self {
            Chunk::Packed(p) => usize::from(p.len),
            Chunk::Boxed(items) => items.len(),
        }
    }

    fn get(&self, i: usize) -> &[u8] {
        match self {
            Chunk::Packed(p) => p.item_at(p.offset(i)),
            Chunk::Boxed(items) => items.get(i).map_or(&[][..], |b| b.as_slice()),
        }
    }

    fn insert(&mut self, i: usize, item: &[u8]) {
        if item.len() > SMALL {
            self.unpack();
        }
        match self {
            Chunk::Packed(p) => p.insert(i, item),
            Chunk::Boxed(items) => items.insert(i, Blob::from_slice(item)),
        }
    }

    fn remove(&mut self, i: usize) -> Blob {
        match self {
            Chunk::Packed(p) => p.remove(i),
            Chunk::Boxed(items) => {
                let item = items.remove(i).unwrap_or_default();
                if item.len() > SMALL {
                    self.repack();
                }
                item
            }
        }
    }

    fn replace(&mut self, i: usize, item: &[u8]) {
        if item.len() > SMALL {
            self.unpack();
        }
        match self {
            Chunk::Packed(p) => p.replace(i, item),
            Chunk::Boxed(items) => {
                if let Some(slot) = items.get_mut(i) {
                    let old = std::mem::replace(slot, Blob::from_slice(item));
                    if old.len() > SMALL {
                        self.repack();
                    }
                }
            }
        }
    }

    /// Removes the first `n` elements (`n < len`).
    fn drain_front(&mut self, n: usize) {
        match self {
            Chunk::Packed(p) => {
                let end = p.offset(n);
                p.buf.drain(..end);
                p.len -= n as u8;
            }
            Chunk::Boxed(items) => {
                items.drain(..n);
                self.repack();
            }
        }
    }

    /// Removes the last `n` elements (`n < len`).
    fn drain_back(&mut self, n: usize) {
        let keep = self.len() - n;
        match self {
            Chunk::Packed(p) => {
                let start = p.offset(keep);
                p.buf.truncate(start);
                p.len = keep as u8;
            }
            Chunk::Boxed(items) => {
                items.truncate(keep);
                self.repack();
            }
        }
    }

    /// Releases spare capacity once the chunk is full: it only changes
    /// again if elements are inserted in the middle of the list.
    fn shrink_if_full(&mut self) {
        if self.len() == CHUNK {
            match self {
                Chunk::Packed(p) => p.buf.shrink_to_fit(),
                Chunk::Boxed(items) => items.shrink_to_fit(),
            }
        }
    }

    /// Converts to separate elements (before storing a long one).
    fn unpack(&mut self) {
        if let Chunk::Packed(p) = self {
            let mut items = VecDeque::with_capacity(usize::from(p.len) + 1);
            items.extend(p.iter().map(Blob::from_slice));
            *self = Chunk::Boxed(items);
        }
    }

    /// Packs the elements again if none is long any more.
    fn repack(&mut self) {
        if let Chunk::Boxed(items) = self {
            if items.iter().all(|b| b.len() <= SMALL) {
                let mut p = Packed::default();
                for item in items.iter() {
                    let at = usize::from(p.len);
                    p.insert(at, item);
                }
                *self = Chunk::Packed(p);
            }
        }
    }

    /// The iterator position of element `i` (a byte offset when packed).
    fn position(&self, i: usize) -> usize {
        match self {
            Chunk::Packed(p) => p.offset(i),
            Chunk::Boxed(_) => i,
        }
    }

    /// The position past the last element.
    fn end_position(&self) -> usize {
        match self {
            Chunk::Packed(p) => p.buf.len(),
            Chunk::Boxed(items) => items.len(),
        }
    }

    /// The element at `pos` and the position after it.
    fn read_forward(&self, pos: usize) -> Option<(&[u8], usize)> {
        match self {
            Chunk::Packed(p) => {
                let len = usize::from(*p.buf.get(pos)?);
                let item = p.buf.get(pos + 1..pos + 1 + len)?;
                Some((item, pos + len + 2))
            }
            Chunk::Boxed(items) => items.get(pos).map(|b| (b.as_slice(), pos + 1)),
        }
    }

    /// The element ending at `pos` and the position where it starts.
    fn read_backward(&self, pos: usize) -> Option<(&[u8], usize)> {
        match self {
            Chunk::Packed(p) => {
                let len = usize::from(*p.buf.get(pos.checked_sub(1)?)?);
                let start = pos.checked_sub(len + 2)?;
                Some((p.buf.get(start + 1..start + 1 + len)?, start))
            }
            Chunk::Boxed(items) => {
                let prev = pos.checked_sub(1)?;
                items.get(prev).map(|b| (b.as_slice(), prev))
            }
        }
    }
}

/// Short elements stored back to back, each as `len, bytes, len`.
#[derive(Clone, Debug, Default)]
struct Packed {
    buf: Vec<u8>,
    len: u8,
}

impl Packed {
    /// Byte offset where element `i` starts (`i == len`: the end), walking
    /// from the nearer end.
    fn offset(&self, i: usize) -> usize {
        let len = usize::from(self.len);
        if i <= len / 2 {
            let mut pos = 0;
            for _ in 0..i {
                pos += usize::from(self.buf[pos]) + 2;
            }
            pos
        } else {
            let mut pos = self.buf.len();
            for _ in i..len {
                pos -= usize::from(self.buf[pos - 1]) + 2;
            }
            pos
        }
    }

    /// The element starting at byte offset `pos`.
    fn item_at(&self, pos: usize) -> &[u8] {
        let len = usize::from(self.buf[pos]);
        &self.buf[pos + 1..pos + 1 + len]
    }

    fn insert(&mut self, i: usize, item: &[u8]) {
        let at = self.offset(i);
        let add = item.len() + 2;
        let old = self.buf.len();
        self.buf.resize(old + add, 0);
        self.buf.copy_within(at..old, at + add);
        let len = item.len() as u8;
        self.buf[at] = len;
        self.buf[at + 1..at + 1 + item.len()].copy_from_slice(item);
        self.buf[at + add - 1] = len;
        self.len += 1;
    }

    fn remove(&mut self, i: usize) -> Blob {
        let at = self.offset(i);
        let item = Blob::from_slice(self.item_at(at));
        self.buf.drain(at..at + item.len() + 2);
        self.len -= 1;
        item
    }

    fn replace(&mut self, i: usize, item: &[u8]) {
        let at = self.offset(i);
        let old = usize::from(self.buf[at]);
        let len = item.len() as u8;
        let encoded = std::iter::once(len)
            .chain(item.iter().copied())
            .chain(std::iter::once(len));
        self.buf.splice(at..at + old + 2, encoded);
    }

    fn iter(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let mut pos = 0;
        std::iter::from_fn(move || {
            let len = usize::from(*self.buf.get(pos)?);
            let item = self.buf.get(pos + 1..pos + 1 + len)?;
            pos += len + 2;
            Some(item)
        })
    }

    /// Validates the framing (both length bytes of every element).
    #[cfg(test)]
    fn check(&self) -> Result<(), &'static str> {
        let mut pos = 0;
        let mut count = 0;
        while pos < self.buf.len() {
            let len = usize::from(self.buf[pos]);
            if len > SMALL || self.buf.get(pos + len + 1) != Some(&self.buf[pos]) {
                return Err("bad packed element");
            }
            pos += len + 2;
            count += 1;
        }
        if pos != self.buf.len() || count != usize::from(self.len) {
            return Err("bad packed chunk");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn items(list: &List) -> Vec<Vec<u8>> {
        list.iter().map(<[u8]>::to_vec).collect()
    }

    #[test]
    fn basic_deque_operations() {
        let mut list = List::new();
        for i in 0..100u32 {
            list.push_back(i.to_string().as_bytes());
        }
        list.push_front(b"head");
        assert_eq!(list.len(), 101);
        assert_eq!(list.get(0), Some(&b"head"[..]));
        assert_eq!(list.get(100), Some(&b"99"[..]));
        assert_eq!(list.get(101), None);
        assert_eq!(list.pop_back().as_deref(), Some(&b"99"[..]));
        assert_eq!(list.pop_front().as_deref(), Some(&b"head"[..]));
        assert_eq!(list.iter().next_back(), Some(&b"98"[..]));
        assert_eq!(list.range(10, 12).collect::<Vec<_>>(), vec![b"10", b"11"]);
        list.check().unwrap();
    }

    #[test]
    fn long_elements_are_boxed_and_repacked() {
        let long = vec![b'x'; 1000];
        let mut list = List::from_items([&b"a"[..], &long, b"b"]);
        assert!(matches!(list.chunks[0], Chunk::Boxed(_)));
        assert_eq!(list.remove(1).as_deref(), Some(&long[..]));
        assert!(matches!(list.chunks[0], Chunk::Packed(_)));
        assert_eq!(items(&list), vec![b"a".to_vec(), b"b".to_vec()]);
        list.check().unwrap();
    }

    #[test]
    fn small_elements_are_compact() {
        let list = List::from_items((0..10_000u32).map(|i| (i % 1000).to_string()));
        let per_element = list.heap_bytes() as f64 / list.len() as f64;
        assert!(per_element < 8.0, "{per_element} bytes per element");
        let one = List::from_items(["hello"]);
        assert!(one.heap_bytes() <= 64, "{} bytes", one.heap_bytes());
    }

    #[derive(Debug, Clone)]
    enum Op {
        PushFront(Vec<u8>),
        PushBack(Vec<u8>),
        PushMany(bool, u8, Vec<u8>),
        PopFront,
        PopBack,
        Insert(usize, Vec<u8>),
        Remove(usize),
        Set(usize, Vec<u8>),
        TruncateFront(usize),
        TruncateBack(usize),
        RemoveMatching(Vec<u8>, usize, bool),
        Range(usize, usize),
    }

    fn element() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            6 => proptest::collection::vec(b'a'..b'd', 0..3),
            2 => proptest::collection::vec(any::<u8>(), 0..20),
            1 => proptest::collection::vec(any::<u8>(), 120..140),
            1 => proptest::collection::vec(any::<u8>(), 200..300),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => element().prop_map(Op::PushFront),
            3 => element().prop_map(Op::PushBack),
            2 => (any::<bool>(), any::<u8>(), element()).prop_map(|(f, n, e)| Op::PushMany(f, n, e)),
            2 => Just(Op::PopFront),
            2 => Just(Op::PopBack),
            3 => (any::<usize>(), element()).prop_map(|(i, e)| Op::Insert(i, e)),
            3 => any::<usize>().prop_map(Op::Remove),
            2 => (any::<usize>(), element()).prop_map(|(i, e)| Op::Set(i, e)),
            1 => (0usize..80).prop_map(Op::TruncateFront),
            1 => (0usize..80).prop_map(Op::TruncateBack),
            2 => (element(), 0usize..5, any::<bool>()).prop_map(|(e, n, t)| Op::RemoveMatching(e, n, t)),
            2 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Op::Range(a, b)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// The list behaves like a `VecDeque` model, keeps its layout
        /// invariants and survives the codec round trip.
        #[test]
        fn behaves_like_a_deque(ops in proptest::collection::vec(op(), 0..150)) {
            let mut list = List::new();
            let mut model: VecDeque<Vec<u8>> = VecDeque::new();
            for op in ops {
                let n = model.len();
                match op {
                    Op::PushFront(e) => { list.push_front(&e); model.push_front(e); }
                    Op::PushBack(e) => { list.push_back(&e); model.push_back(e); }
                    Op::PushMany(front, count, e) => {
                        for _ in 0..count {
                            if front { list.push_front(&e); model.push_front(e.clone()); }
                            else { list.push_back(&e); model.push_back(e.clone()); }
                        }
                    }
                    Op::PopFront => prop_assert_eq!(list.pop_front().map(|b| b.to_vec()), model.pop_front()),
                    Op::PopBack => prop_assert_eq!(list.pop_back().map(|b| b.to_vec()), model.pop_back()),
                    Op::Insert(i, e) => {
                        let i = i % (n + 1);
                        list.insert(i, &e);
                        model.insert(i, e);
                    }
                    Op::Remove(i) => {
                        let i = if n == 0 { i } else { i % n };
                        prop_assert_eq!(list.remove(i).map(|b| b.to_vec()), model.remove(i));
                    }
                    Op::Set(i, e) => {
                        let i = if n == 0 { i } else { i % n };
                        prop_assert_eq!(list.set(i, &e), i < n);
                        if i < n { model[i] = e; }
                    }
                    Op::TruncateFront(k) => {
                        list.truncate_front(k);
                        model.drain(..k.min(n));
                    }
                    Op::TruncateBack(k) => {
                        list.truncate_back(k);
                        model.truncate(n - k.min(n));
                    }
                    Op::RemoveMatching(e, limit, from_tail) => {
                        let removed = list.remove_matching(&e, limit, from_tail);
                        let mut want = 0;
                        let limit = if limit == 0 { usize::MAX } else { limit };
                        let mut kept: Vec<Vec<u8>> = Vec::new();
                        let scan: Vec<Vec<u8>> = if from_tail { model.iter().rev().cloned().collect() } else { model.iter().cloned().collect() };
                        for x in scan {
                            if x == e && want < limit { want += 1; } else { kept.push(x); }
                        }
                        if from_tail { kept.reverse(); }
                        prop_assert_eq!(removed, want);
                        model = kept.into();
                    }
                    Op::Range(a, b) => {
                        let (a, b) = (a % (n + 2), b % (n + 2));
                        let got: Vec<&[u8]> = list.range(a, b).collect();
                        let want: Vec<&[u8]> = model.iter().skip(a).take(b.min(n).saturating_sub(a)).map(Vec::as_slice).collect();
                        prop_assert_eq!(&got, &want);
                        let mut back: Vec<&[u8]> = list.range(a, b).rev().collect();
                        back.reverse();
                        prop_assert_eq!(back, want);
                    }
                }
                prop_assert_eq!(list.check(), Ok(()));
                prop_assert_eq!(list.len(), model.len());
            }
            let want: Vec<Vec<u8>> = model.iter().cloned().collect();
            prop_assert_eq!(items(&list), want.clone());
            for (i, e) in want.iter().enumerate() {
                prop_assert_eq!(list.get(i), Some(e.as_slice()));
            }
            let mut rev: Vec<Vec<u8>> = list.iter().rev().map(<[u8]>::to_vec).collect();
            rev.reverse();
            prop_assert_eq!(&rev, &want);

            let mut w = Writer::new();
            list.encode(&mut w);
            let mut r = Reader::new(&w.buf);
            let decoded = List::decode(&mut r).unwrap();
            prop_assert_eq!(r.remaining(), 0);
            prop_assert_eq!(decoded.check(), Ok(()));
            prop_assert_eq!(items(&decoded), want);
            prop_assert_eq!(&decoded, &list);
        }

        /// Mixing the two ends in a single iterator never yields an element
        /// twice or skips one.
        #[test]
        fn iterator_ends_meet(n in 0usize..200, picks in proptest::collection::vec(any::<bool>(), 0..220)) {
            let list = List::from_items((0..n).map(|i| i.to_string()));
            let mut it = list.iter();
            let (mut lo, mut hi) = (0, n);
            for front in picks {
                let got = if front { it.next() } else { it.next_back() }.map(<[u8]>::to_vec);
                if lo == hi {
                    prop_assert_eq!(got, None);
                } else if front {
                    prop_assert_eq!(got, Some(lo.to_string().into_bytes()));
                    lo += 1;
                } else {
                    hi -= 1;
                    prop_assert_eq!(got, Some(hi.to_string().into_bytes()));
                }
                prop_assert_eq!(it.len(), hi - lo);
            }
        }

        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut r = Reader::new(&bytes);
            if let Ok(list) = List::decode(&mut r) {
                prop_assert_eq!(list.check(), Ok(()));
            }
        }
    }
}
