//! Stored values.

use smallvec::SmallVec;

use crate::types::{Hash, List, Set, SortedSet};

/// A binary-safe byte string stored inline when it is at most 16 bytes long
/// (24 bytes in total), on the heap otherwise. Used for keys, string values
/// and collection elements so small data costs no extra allocation.
pub type Blob = SmallVec<[u8; 16]>;

/// Makes a [`Blob`] from a byte slice.
pub fn blob(bytes: &[u8]) -> Blob {
    Blob::from_slice(bytes)
}

/// The value stored under a key.
///
/// Collections are boxed so that a `Value` stays 32 bytes: most keys hold
/// small strings and pay only for those.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string that is the canonical decimal form of a 64-bit integer
    /// (Redis's `int` encoding).
    Int(i64),
    /// Any other string.
    Str(Blob),
    List(Box<List>),
    Hash(Box<Hash>),
    Set(Box<Set>),
    SortedSet(Box<SortedSet>),
}

impl Value {
    /// Stores a string, using the integer form when the bytes are exactly
    /// the canonical decimal text of an `i64` (so `GET` returns them
    /// unchanged).
    pub fn string(bytes: &[u8]) -> Value {
        match resp::parse_int(bytes) {
            Some(n) if bytes.len() <= 20 => Value::Int(n),
            _ => Value::Str(blob(bytes)),
        }
    }

    /// The name `TYPE` reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Int(_) | Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::SortedSet(_) => "zset",
        }
    }

    /// The encoding `OBJECT ENCODING` reports.
    pub fn encoding(&self) -> &'static str {
        match self {
            Value::Int(_) => "int",
            Value::Str(s) if s.len() <= 44 => "embstr",
            Value::Str(_) => "raw",
            Value::List(l) => l.encoding(),
            Value::Hash(h) => h.encoding(),
            Value::Set(s) => s.encoding(),
            Value::SortedSet(z) => z.encoding(),
        }
    }

    /// The string bytes, or `None` if this is not a string. Integers are
    /// formatted into `buf`.
    pub fn as_bytes<'a>(&'a self, buf: &'a mut itoa::Buffer) -> Option<&'a [u8]> {
        match self {
            Value::Int(n) => Some(buf.format(*n).as_bytes()),
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// True for a collection with no elements (such keys are removed).
    pub fn is_empty_collection(&self) -> bool {
        match self {
            Value::Int(_) | Value::Str(_) => false,
            Value::List(l) => l.is_empty(),
            Value::Hash(h) => h.is_empty(),
            Value::Set(s) => s.is_empty(),
            Value::SortedSet(z) => z.is_empty(),
        }
    }
}

/// A key's value and its absolute expiry time.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub(crate) value: Value,
    /// Unix time in milliseconds at which the key expires; 0 means never.
    pub(crate) expire_at: u64,
}

impl Entry {
    /// The stored value.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The absolute expiry time in Unix milliseconds, if any.
    pub fn expire_at(&self) -> Option<u64> {
        (self.expire_at != 0).then_some(self.expire_at)
    }

    /// True when the key is logically gone at `now_ms`.
    pub fn is_expired(&self, now_ms: u64) -> bool {
        self.expire_at != 0 && self.expire_at <= now_ms
    }
}

/// Converts between [`Value`] and one concrete collection type, so typed
/// access helpers can check the type once.
pub trait Typed: Sized {
    /// Borrows the collection if `value` holds this type.
    fn get(value: &Value) -> Option<&Self>;
    /// Mutably borrows the collection if `value` holds this type.
    fn get_mut(value: &mut Value) -> Option<&mut Self>;
    /// Wraps a collection into a value.
    fn wrap(self) -> Value;
}

macro_rules! typed {
    ($ty:ident, $variant:ident) => {
        impl Typed for $ty {
            fn get(value: &Value) -> Option<&Self> {
                match value {
                    Value::$variant(v) => Some(v),
                    _ => None,
                }
            }
            fn get_mut(value: &mut Value) -> Option<&mut Self> {
                match value {
                    Value::$variant(v) => Some(v),
                    _ => None,
                }
            }
            fn wrap(self) -> Value {
                Value::$variant(Box::new(self))
            }
        }
    };
}

typed!(List, List);
typed!(Hash, Hash);
typed!(Set, Set);
typed!(SortedSet, SortedSet);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values_stay_small() {
        assert_eq!(std::mem::size_of::<Blob>(), 24);
        assert_eq!(std::mem::size_of::<Value>(), 32);
        assert_eq!(std::mem::size_of::<Entry>(), 40);
    }

    #[test]
    fn integer_strings_use_int_encoding_only_when_canonical() {
        assert_eq!(Value::string(b"123"), Value::Int(123));
        assert_eq!(Value::string(b"-5"), Value::Int(-5));
        assert_eq!(Value::string(b"0123").encoding(), "embstr");
        assert_eq!(Value::string(b"+1").encoding(), "embstr");
        assert_eq!(Value::string(&[b'a'; 45]).encoding(), "raw");
    }
}
