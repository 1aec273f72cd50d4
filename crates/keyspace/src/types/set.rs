//! The set type.

use super::OrderedSet;
use crate::codec::{CodecError, Encode, Reader, Writer};
use crate::Blob;

/// Most members an integer set holds (Redis's `set-max-intset-entries`).
pub const MAX_INTSET: usize = 512;

/// A Redis set: a sorted array of integers while every member is an integer
/// and the set is small (`intset`), a hash table otherwise (`hashtable`).
///
/// Like Redis, a set converts to the table when it receives a member that is
/// not the canonical decimal form of an `i64` or grows past [`MAX_INTSET`]
/// members, and never converts back. Iteration order is deterministic:
/// ascending for the integer form, insertion order with swap-removal for the
/// table.
#[derive(Debug, Clone)]
pub enum Set {
    Ints(Vec<i64>),
    Table(Box<OrderedSet<Blob>>),
}

/// One member of a set, borrowed: integer-set members are numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member<'a> {
    Int(i64),
    Bytes(&'a [u8]),
}

impl<'a> Member<'a> {
    /// The member as given by a client: an integer if the bytes are the
    /// canonical form of one.
    pub fn parse(bytes: &'a [u8]) -> Member<'a> {
        match resp::parse_int(bytes) {
            Some(n) => Member::Int(n),
            None => Member::Bytes(bytes),
        }
    }

    /// The member's bytes (integers are formatted into `buf`).
    pub fn as_bytes<'b>(&'b self, buf: &'b mut itoa::Buffer) -> &'b [u8] {
        match self {
            Member::Int(n) => buf.format(*n).as_bytes(),
            Member::Bytes(b) => b,
        }
    }

    /// An owned copy of the member's bytes.
    pub fn to_blob(&self) -> Blob {
        Blob::from_slice(self.as_bytes(&mut itoa::Buffer::new()))
    }

    /// The member as an integer, if it is the canonical form of one.
    fn as_int(&self) -> Option<i64> {
        match self {
            Member::Int(n) => Some(*n),
            Member::Bytes(b) => resp::parse_int(b),
        }
    }
}

impl Default for Set {
    fn default() -> Set {
        Set::Ints(Vec::new())
    }
}

/// Equal when both have the same encoding and the same members in the same
/// order (order decides SSCAN and random picks, so it is part of the state).
impl PartialEq for Set {
    fn eq(&self, other: &Set) -> bool {
        match (self, other) {
            (Set::Ints(a), Set::Ints(b)) => a == b,
            (Set::Table(a), Set::Table(b)) => a.len() == b.len() && a.iter().eq(b.iter()),
            _ => false,
        }
    }
}

impl Set {
    /// An empty (integer) set.
    pub fn new() -> Set {
        Set::default()
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        match self {
            Set::Ints(v) => v.len(),
            Set::Table(t) => t.len(),
        }
    }

    /// True when there are no members.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `OBJECT ENCODING`.
    pub fn encoding(&self) -> &'static str {
        match self {
            Set::Ints(_) => "intset",
            Set::Table(_) => "hashtable",
        }
    }

    /// True if `member` is in the set.
    pub fn contains(&self, member: &[u8]) -> bool {
        self.contains_member(Member::Bytes(member))
    }

    /// True if `member` is in the set.
    pub fn contains_member(&self, member: Member<'_>) -> bool {
        match self {
            Set::Ints(v) => member.as_int().is_some_and(|n| v.binary_search(&n).is_ok()),
            Set::Table(t) => t.contains(member.as_bytes(&mut itoa::Buffer::new())),
        }
    }

    /// Adds `member`; returns true if it was not there.
    pub fn add(&mut self, member: &[u8]) -> bool {
        self.add_member(Member::Bytes(member))
    }

    /// Adds `member`; returns true if it was not there. Converts to the
    /// table first if it is not an integer, and after inserting if the
    /// integer set grew too large.
    pub fn add_member(&mut self, member: Member<'_>) -> bool {
        if let Set::Ints(v) = self {
            match member.as_int() {
                Some(n) => {
                    let Err(at) = v.binary_search(&n) else {
                        return false;
                    };
                    v.insert(at, n);
                    if v.len() > MAX_INTSET {
                        self.convert();
                    }
                    return true;
                }
                None => self.convert(),
            }
        }
        match self {
            Set::Table(t) => t.insert(member.to_blob()),
            Set::Ints(_) => false,
        }
    }

    /// Removes `member`; returns true if it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self {
            Set::Ints(v) => match resp::parse_int(member).map(|n| v.binary_search(&n)) {
                Some(Ok(at)) => {
                    v.remove(at);
                    true
                }
                _ => false,
            },
            Set::Table(t) => t.swap_remove(member),
        }
    }

    /// The member at storage position `index`.
    pub fn get_index(&self, index: usize) -> Option<Member<'_>> {
        match self {
            Set::Ints(v) => v.get(index).map(|n| Member::Int(*n)),
            Set::Table(t) => t.get_index(index).map(|m| Member::Bytes(m)),
        }
    }

    /// Removes and returns the member at storage position `index`.
    pub fn remove_index(&mut self, index: usize) -> Option<Blob> {
        match self {
            Set::Ints(v) => (index < v.len())
                .then(|| Blob::from_slice(itoa::Buffer::new().format(v.remove(index)).as_bytes())),
            Set::Table(t) => t.swap_remove_index(index),
        }
    }

    /// The members in storage order.
    pub fn iter(&self) -> impl Iterator<Item = Member<'_>> + '_ {
        let (ints, table) = match self {
            Set::Ints(v) => (Some(v.iter().map(|n| Member::Int(*n))), None),
            Set::Table(t) => (None, Some(t.iter().map(|m| Member::Bytes(m)))),
        };
        ints.into_iter()
            .flatten()
            .chain(table.into_iter().flatten())
    }

    /// Converts the integer form to the table, keeping the order.
    fn convert(&mut self) {
        if let Set::Ints(v) = self {
            let mut table = OrderedSet::with_capacity_and_hasher(v.len() + 1, Default::default());
            let mut buf = itoa::Buffer::new();
            for n in v.iter() {
                table.insert(Blob::from_slice(buf.format(*n).as_bytes()));
            }
            *self = Set::Table(Box::new(table));
        }
    }
}

impl<'a> FromIterator<Member<'a>> for Set {
    /// Builds a set the way Redis builds a new one member by member: an
    /// integer set unless a member is not an integer or there are too many.
    fn from_iter<I: IntoIterator<Item = Member<'a>>>(members: I) -> Set {
        let mut set = Set::new();
        for member in members {
            set.add_member(member);
        }
        set
    }
}

const INTS: u8 = 0;
const TABLE: u8 = 1;

impl Encode for Set {
    fn encode(&self, w: &mut Writer) {
        match self {
            Set::Ints(v) => {
                w.u8(INTS);
                w.varint(v.len() as u64);
                for n in v {
                    w.int(*n);
                }
            }
            Set::Table(t) => {
                w.u8(TABLE);
                w.varint(t.len() as u64);
                for member in t.iter() {
                    w.bytes(member);
                }
            }
        }
    }

    /// Decodes and validates: integers must be strictly ascending and table
    /// members distinct.
    fn decode(r: &mut Reader<'_>) -> Result<Set, CodecError> {
        match r.u8()? {
            INTS => {
                let n = r.count()?;
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    v.push(r.int()?);
                }
                if !v.windows(2).all(|w| w[0] < w[1]) {
                    return Err(CodecError("intset not sorted"));
                }
                Ok(Set::Ints(v))
            }
            TABLE => {
                let n = r.count()?;
                let mut t = OrderedSet::with_capacity_and_hasher(n, Default::default());
                for _ in 0..n {
                    if !t.insert(Blob::from_slice(r.bytes()?)) {
                        return Err(CodecError("duplicate set member"));
                    }
                }
                Ok(Set::Table(Box::new(t)))
            }
            _ => Err(CodecError("unknown set encoding")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{decode_value, encode_value};
    use crate::value::Typed;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn members(set: &Set) -> Vec<Vec<u8>> {
        let mut buf = itoa::Buffer::new();
        set.iter().map(|m| m.as_bytes(&mut buf).to_vec()).collect()
    }

    #[test]
    fn intset_stays_sorted_and_converts_on_strings() {
        let mut s = Set::new();
        for m in ["5", "-3", "10", "5"] {
            s.add(m.as_bytes());
        }
        assert_eq!(s.encoding(), "intset");
        assert_eq!(
            members(&s),
            vec![b"-3".to_vec(), b"5".to_vec(), b"10".to_vec()]
        );
        assert!(s.contains(b"10"));
        assert!(!s.contains(b"010"));
        assert!(!s.remove(b"+5"));
        // Non-canonical integers are strings.
        assert!(s.add(b"-0"));
        assert_eq!(s.encoding(), "hashtable");
        assert_eq!(
            members(&s),
            vec![
                b"-3".to_vec(),
                b"5".to_vec(),
                b"10".to_vec(),
                b"-0".to_vec()
            ]
        );
        assert!(s.contains_member(Member::Int(5)));
        assert!(s.remove(b"5"));
        assert_eq!(s.remove_index(0).as_deref(), Some(&b"-3"[..]));
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn intset_converts_past_512() {
        let mut s: Set = (0..MAX_INTSET as i64).map(Member::Int).collect();
        assert_eq!(s.encoding(), "intset");
        assert!(!s.add(b"0"));
        assert_eq!(s.encoding(), "intset");
        assert!(s.add(b"-1"));
        assert_eq!(s.encoding(), "hashtable");
        // Like Redis: the new member joins the integer set, then the set
        // converts in ascending order.
        assert_eq!(s.get_index(0), Some(Member::Bytes(b"-1")));
        assert_eq!(s.get_index(MAX_INTSET), Some(Member::Bytes(b"511")));
        let mut i = Set::new();
        i.add(b"7");
        assert_eq!(i.remove_index(0).as_deref(), Some(&b"7"[..]));
        assert_eq!(i.remove_index(0), None);
    }

    #[test]
    fn decode_rejects_duplicates() {
        let mut w = Writer::new();
        w.u8(TABLE);
        w.varint(2);
        w.bytes(b"a");
        w.bytes(b"a");
        assert!(Set::decode(&mut Reader::new(&w.buf)).is_err());
        let mut w = Writer::new();
        w.u8(INTS);
        w.varint(2);
        w.int(1);
        w.int(1);
        assert!(Set::decode(&mut Reader::new(&w.buf)).is_err());
    }

    #[derive(Debug, Clone)]
    enum Op {
        Add(Vec<u8>),
        Remove(Vec<u8>),
        RemoveIndex(usize),
    }

    fn member() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            10 => (-700i64..700).prop_map(|n| n.to_string().into_bytes()),
            1 => proptest::collection::vec(any::<u8>(), 0..6),
            1 => Just(b"-0".to_vec()),
            1 => Just(b"9223372036854775808".to_vec()),
            1 => Just(i64::MIN.to_string().into_bytes()),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => member().prop_map(Op::Add),
            2 => member().prop_map(Op::Remove),
            1 => any::<usize>().prop_map(Op::RemoveIndex),
        ]
    }

    proptest! {
        /// A set behaves like a set, converts exactly when Redis would, and
        /// survives the codec with its order.
        #[test]
        fn behaves_like_a_set(ops in proptest::collection::vec(op(), 0..1500)) {
            let mut set = Set::new();
            let mut model = BTreeSet::new();
            let mut converted = false;
            for op in ops {
                match op {
                    Op::Add(m) => {
                        converted |= resp::parse_int(&m).is_none();
                        prop_assert_eq!(set.add(&m), model.insert(m.clone()));
                        converted |= model.len() > MAX_INTSET;
                        prop_assert!(set.contains(&m));
                    }
                    Op::Remove(m) => {
                        prop_assert_eq!(set.remove(&m), model.remove(&m));
                        prop_assert!(!set.contains(&m));
                    }
                    Op::RemoveIndex(i) => {
                        let i = if set.is_empty() { i } else { i % set.len() };
                        let removed = set.remove_index(i);
                        match removed {
                            Some(m) => prop_assert!(model.remove(&m[..])),
                            None => prop_assert!(model.is_empty()),
                        }
                    }
                }
                prop_assert_eq!(set.len(), model.len());
                prop_assert_eq!(set.encoding(), if converted { "hashtable" } else { "intset" });
            }
            let listed = members(&set);
            for (i, m) in listed.iter().enumerate() {
                let at = set.get_index(i).map(|m| m.to_blob().to_vec());
                prop_assert_eq!(at.as_ref(), Some(m));
            }
            let sorted: BTreeSet<Vec<u8>> = listed.iter().cloned().collect();
            prop_assert_eq!(sorted.len(), listed.len());
            prop_assert_eq!(&sorted, &model);
            if let Set::Ints(v) = &set {
                prop_assert!(v.windows(2).all(|w| w[0] < w[1]));
            }

            let rebuilt: Set = set.iter().collect();
            prop_assert_eq!(rebuilt.len(), set.len());

            let value = set.clone().wrap();
            let decoded = decode_value(&encode_value(&value));
            prop_assert_eq!(decoded, Ok(value));
        }
    }
}
