//! The streaming decoder of keyspace snapshots (format versions 1 and 2).

use super::{
    frame_header, MAGIC, MAX_DATABASES, PREFIX_LEN, TAG_END, TAG_ENTRY, TAG_HEADER, TAG_LARGE,
    TAG_PART, VERSION,
};
use crate::codec::{self, CodecError, Encode, Reader};
use crate::script::Scripts;
use crate::value::blob;
use crate::watch::Watches;
use crate::{Keyspace, Value};

/// The first format version, without large records; still read.
const VERSION_1: u32 = 1;
/// The second format version, without the scripting state; still read.
const VERSION_2: u32 = 2;

/// Streaming decoder of a keyspace snapshot: [`SnapshotLoader::feed`] the
/// chunks in order (split anywhere), then [`SnapshotLoader::finish`].
///
/// Everything is validated: magic and version, a single header first,
/// database indexes, keys not repeated within a database, values (by the
/// value codec, which checks each type's invariants), no empty
/// collections, the record count in the end record, and nothing after it.
/// A record split into parts (a large value) must arrive whole: its parts
/// in order, none missing, none extra, nothing in between, and the
/// checksum of the reassembled body must match. Corrupt input is an error,
/// never a panic, and memory grows only with the bytes actually fed (a
/// record split across chunks or into parts is buffered as it arrives;
/// declared lengths are never reserved up front). The one exception is the
/// number of databases, which the header declares and which is capped by
/// [`MAX_DATABASES`].
///
/// After an error the loader stays failed.
#[derive(Debug)]
pub struct SnapshotLoader {
    stage: Stage,
    /// The start of a unit (prefix or record) split across chunks.
    pub(super) partial: Vec<u8>,
    /// Format version, once the prefix was read.
    version: u32,
    /// A record arriving in parts.
    pub(super) large: Option<LargeRecord>,
}

#[derive(Debug)]
enum Stage {
    /// Expecting the 12-byte magic and version.
    Prefix,
    /// Expecting the header record.
    Header,
    /// Expecting entry records or the end record.
    Entries {
        ks: Keyspace,
        records: u64,
    },
    /// The end record was read.
    Done(Keyspace),
    Failed(CodecError),
}

/// A record being reassembled from its parts.
#[derive(Debug)]
pub(super) struct LargeRecord {
    tag: u8,
    /// Declared body length.
    pub(super) len: usize,
    /// Declared CRC32C of the body.
    crc: u32,
    /// CRC32C of the parts received so far.
    running_crc: u32,
    pub(super) body: Vec<u8>,
}

impl LargeRecord {
    /// Appends a part's data, growing the buffer towards the declared
    /// length but never beyond twice the bytes received, so a corrupt
    /// length cannot make it allocate.
    fn append(&mut self, data: &[u8]) {
        let needed = self.body.len() + data.len();
        if needed > self.body.capacity() {
            let target = needed.max(self.body.capacity() * 2).min(self.len);
            self.body.reserve_exact(target - self.body.len());
        }
        self.body.extend_from_slice(data);
        self.running_crc = crc32c::crc32c_append(self.running_crc, data);
    }
}

impl Default for SnapshotLoader {
    fn default() -> SnapshotLoader {
        SnapshotLoader::new()
    }
}

impl SnapshotLoader {
    /// A loader expecting the start of a snapshot.
    pub fn new() -> SnapshotLoader {
        SnapshotLoader {
            stage: Stage::Prefix,
            partial: Vec::new(),
            version: VERSION,
            large: None,
        }
    }

    /// Decodes the next piece of the snapshot.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), CodecError> {
        let result = self.feed_inner(chunk);
        if let Err(e) = &result {
            self.stage = Stage::Failed(e.clone());
            self.partial = Vec::new();
            self.large = None;
        }
        result
    }

    /// The restored keyspace, once the end record was read.
    pub fn finish(self) -> Result<Keyspace, CodecError> {
        match self.stage {
            Stage::Done(ks) => Ok(ks),
            Stage::Failed(e) => Err(e),
            Stage::Prefix if self.partial.is_empty() => Err(CodecError("empty snapshot")),
            _ => Err(CodecError("truncated snapshot")),
        }
    }

    fn feed_inner(&mut self, mut data: &[u8]) -> Result<(), CodecError> {
        if let Stage::Failed(e) = &self.stage {
            return Err(e.clone());
        }
        // Complete a unit begun in an earlier chunk, taking only its bytes.
        while !self.partial.is_empty() && !data.is_empty() {
            let want = match self.unit_len(&self.partial)? {
                None => 1,
                Some(total) => total.saturating_sub(self.partial.len()).max(1),
            };
            let take = want.min(data.len());
            self.partial.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.unit_len(&self.partial)? == Some(self.partial.len()) {
                let unit = std::mem::take(&mut self.partial);
                self.process(&unit)?;
            }
        }
        // Whole units straight from the chunk; keep an incomplete tail.
        while !data.is_empty() {
            match self.unit_len(data)? {
                Some(total) if total <= data.len() => {
                    let (unit, rest) = data.split_at(total);
                    self.process(unit)?;
                    data = rest;
                }
                _ => {
                    self.partial.extend_from_slice(data);
                    break;
                }
            }
        }
        Ok(())
    }

    /// Length of the unit starting `bytes` (not empty), if known yet.
    fn unit_len(&self, bytes: &[u8]) -> Result<Option<usize>, CodecError> {
        match &self.stage {
            Stage::Prefix => Ok(Some(PREFIX_LEN)),
            Stage::Header | Stage::Entries { .. } => {
                Ok(frame_header(bytes)?.map(|(_, total)| total))
            }
            Stage::Done(_) => Err(CodecError("data after the end record")),
            Stage::Failed(e) => Err(e.clone()),
        }
    }

    /// Decodes one complete unit.
    fn process(&mut self, unit: &[u8]) -> Result<(), CodecError> {
        if let Stage::Prefix = self.stage {
            return self.prefix(unit);
        }
        let (header, _) = frame_header(unit)?.ok_or(CodecError("truncated record"))?;
        let (Some(&tag), Some(body)) = (unit.first(), unit.get(header..)) else {
            return Err(CodecError("truncated record"));
        };
        let large_records = self.version != VERSION_1;
        match tag {
            TAG_LARGE | TAG_PART if large_records => self.large_record(tag, body),
            _ if self.large.is_some() => {
                Err(CodecError("large record interrupted before its last part"))
            }
            _ => self.record(tag, body),
        }
    }

    fn prefix(&mut self, unit: &[u8]) -> Result<(), CodecError> {
        let (magic, version) = unit.split_at(MAGIC.len().min(unit.len()));
        if magic != MAGIC {
            return Err(CodecError("not a keyspace snapshot (bad magic)"));
        }
        self.version = match <[u8; 4]>::try_from(version).map(u32::from_le_bytes) {
            Ok(v @ (VERSION_1 | VERSION_2 | VERSION)) => v,
            _ => return Err(CodecError("unsupported keyspace snapshot version")),
        };
        self.stage = Stage::Header;
        Ok(())
    }

    /// A large-record start or part (version 2).
    fn large_record(&mut self, tag: u8, body: &[u8]) -> Result<(), CodecError> {
        let mut r = Reader::new(body);
        match (tag, self.large.as_mut()) {
            (TAG_LARGE, None) => {
                let inner = r.u8()?;
                if inner != TAG_HEADER && inner != TAG_ENTRY {
                    return Err(CodecError("invalid large record type"));
                }
                let len = usize::try_from(r.varint()?)
                    .ok()
                    .filter(|&len| len > 0)
                    .ok_or(CodecError("invalid large record length"))?;
                let mut crc = [0u8; 4];
                for byte in &mut crc {
                    *byte = r.u8()?;
                }
                if r.remaining() != 0 {
                    return Err(CodecError("trailing bytes in record"));
                }
                self.large = Some(LargeRecord {
                    tag: inner,
                    len,
                    crc: u32::from_le_bytes(crc),
                    running_crc: 0,
                    body: Vec::new(),
                });
                Ok(())
            }
            (TAG_LARGE, Some(_)) => {
                Err(CodecError("large record interrupted before its last part"))
            }
            (_, None) => Err(CodecError("large record part without its start")),
            (_, Some(large)) => {
                if r.varint()? != large.body.len() as u64 {
                    return Err(CodecError("large record part out of order"));
                }
                let data = &body[body.len() - r.remaining()..];
                if data.is_empty() {
                    return Err(CodecError("empty large record part"));
                }
                if data.len() > large.len - large.body.len() {
                    return Err(CodecError("large record part exceeds its length"));
                }
                large.append(data);
                if large.body.len() < large.len {
                    return Ok(());
                }
                let Some(large) = self.large.take() else {
                    return Err(CodecError("internal loader state"));
                };
                if large.running_crc != large.crc {
                    return Err(CodecError("large record checksum mismatch"));
                }
                self.large_complete(large.tag, large.body)
            }
        }
    }

    /// A reassembled large record. An entry's value takes over the buffer
    /// (no copy of a large string).
    fn large_complete(&mut self, tag: u8, body: Vec<u8>) -> Result<(), CodecError> {
        match (&mut self.stage, tag) {
            (Stage::Entries { ks, records }, TAG_ENTRY) => {
                decode_large_entry(ks, body)?;
                *records += 1;
                Ok(())
            }
            _ => self.record(tag, &body),
        }
    }

    /// Decodes one record (header, entry or end).
    fn record(&mut self, tag: u8, body: &[u8]) -> Result<(), CodecError> {
        let mut r = Reader::new(body);
        match (&mut self.stage, tag) {
            (Stage::Header, TAG_HEADER) => {
                let ks = decode_header(&mut r, self.version)?;
                self.stage = Stage::Entries { ks, records: 0 };
            }
            (Stage::Header, _) => return Err(CodecError("missing header record")),
            (Stage::Entries { ks, records }, TAG_ENTRY) => {
                decode_entry(ks, &mut r)?;
                *records += 1;
            }
            (Stage::Entries { records, .. }, TAG_END) => {
                if r.varint()? != *records {
                    return Err(CodecError("record count mismatch (lost records)"));
                }
                let Stage::Entries { ks, .. } = std::mem::replace(&mut self.stage, Stage::Prefix)
                else {
                    return Err(CodecError("internal loader state"));
                };
                self.stage = Stage::Done(ks);
            }
            (Stage::Entries { .. }, TAG_HEADER) => {
                return Err(CodecError("duplicate header record"))
            }
            (Stage::Entries { .. }, _) => return Err(CodecError("unknown record type")),
            _ => return Err(CodecError("unexpected record")),
        }
        if r.remaining() != 0 {
            return Err(CodecError("trailing bytes in record"));
        }
        Ok(())
    }
}

fn decode_header(r: &mut Reader<'_>, version: u32) -> Result<Keyspace, CodecError> {
    let databases = usize::try_from(r.varint()?)
        .ok()
        .filter(|n| (1..=MAX_DATABASES).contains(n))
        .ok_or(CodecError("invalid number of databases"))?;
    let clock_ms = r.varint()?;
    let seq = r.varint()?;
    let watches = Watches::decode(r)?;
    let scripts = if version >= VERSION {
        Scripts::decode(r)?
    } else {
        Scripts::default()
    };
    let mut ks = Keyspace::new(databases);
    ks.scripts = scripts;
    ks.clock_ms = clock_ms;
    ks.seq = seq;
    ks.watches = watches;
    Ok(ks)
}

/// The database index, key and expiry that start an entry's body.
fn entry_head<'a>(ks: &Keyspace, r: &mut Reader<'a>) -> Result<(usize, &'a [u8], u64), CodecError> {
    let db = usize::try_from(r.varint()?)
        .ok()
        .filter(|&i| i < ks.dbs.len())
        .ok_or(CodecError("database index out of range"))?;
    Ok((db, r.bytes()?, r.varint()?))
}

fn decode_entry(ks: &mut Keyspace, r: &mut Reader<'_>) -> Result<(), CodecError> {
    let (db, key, expire_at) = entry_head(ks, r)?;
    let value = Value::decode(r)?;
    insert_entry(ks, db, key, expire_at, value)
}

/// An entry reassembled from parts: its value is decoded from (and, for
/// a string, stored in) the buffer itself.
fn decode_large_entry(ks: &mut Keyspace, body: Vec<u8>) -> Result<(), CodecError> {
    let mut r = Reader::new(&body);
    let (db, key, expire_at) = entry_head(ks, &mut r)?;
    let key = blob(key);
    let value_at = body.len() - r.remaining();
    let value = codec::decode_value_owned(body, value_at)?;
    insert_entry(ks, db, &key, expire_at, value)
}

fn insert_entry(
    ks: &mut Keyspace,
    db: usize,
    key: &[u8],
    expire_at: u64,
    value: Value,
) -> Result<(), CodecError> {
    if value.is_empty_collection() {
        return Err(CodecError("empty collection"));
    }
    let Some(db) = ks.dbs.get_mut(db) else {
        return Err(CodecError("database index out of range"));
    };
    let before = db.len();
    db.insert_with_expiry(key, value, (expire_at != 0).then_some(expire_at));
    if db.len() == before {
        return Err(CodecError("duplicate key"));
    }
    Ok(())
}
