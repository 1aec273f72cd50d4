//! The list type.

use std::collections::VecDeque;

use crate::codec::{CodecError, Encode, Reader, Writer};
use crate::Blob;

/// A Redis list: a deque of byte strings (O(1) push/pop at both ends and
/// O(1) indexing).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct List {
    items: VecDeque<Blob>,
}

impl List {
    /// An empty list.
    pub fn new() -> List {
        List::default()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// `OBJECT ENCODING` (Redis 7.0 reports `quicklist` for every list).
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }

    /// The elements, head first.
    pub fn items(&self) -> &VecDeque<Blob> {
        &self.items
    }

    /// The elements, mutably.
    pub fn items_mut(&mut self) -> &mut VecDeque<Blob> {
        &mut self.items
    }
}

impl Encode for List {
    fn encode(&self, w: &mut Writer) {
        w.varint(self.items.len() as u64);
        for item in &self.items {
            w.bytes(item);
        }
    }

    fn decode(r: &mut Reader<'_>) -> Result<List, CodecError> {
        let n = r.count()?;
        let mut items = VecDeque::with_capacity(n);
        for _ in 0..n {
            items.push_back(Blob::from_slice(r.bytes()?));
        }
        Ok(List { items })
    }
}
