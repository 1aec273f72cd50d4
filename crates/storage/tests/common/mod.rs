//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use storage::{Bytes, CrashVfs, MemVfs, Preallocate, StdVfs, Vfs, Wal, WalOptions};

/// The WAL directory used with in-memory file systems.
pub const DIR: &str = "/data/wal";

pub fn dir() -> PathBuf {
    PathBuf::from(DIR)
}

/// Options with tiny segments, so tests cross segment boundaries often.
pub fn tiny(segment_size: u64) -> WalOptions {
    WalOptions {
        segment_size,
        preallocate: Preallocate::Fallocate,
    }
}

/// A deterministic entry for `index` in generation `generation` (bumped
/// when a truncation rewrites indexes), of varying length.
pub fn entry(index: u64, generation: u64) -> Bytes {
    let len = ((index * 7 + generation * 13) % 41) as usize;
    let mut v = format!("{index}:{generation}:").into_bytes();
    v.extend((0..len).map(|i| (index as usize + i) as u8));
    Bytes::from(v)
}

pub fn open(vfs: &Arc<dyn Vfs>, opts: &WalOptions) -> Wal {
    Wal::open(Arc::clone(vfs), DIR, opts.clone())
        .expect("open")
        .0
}

/// Every readable entry.
pub fn all(wal: &Wal) -> Vec<(u64, Bytes)> {
    wal.read_range(..).expect("read")
}

/// Runs `f` once per file system kind: real files in a temporary
/// directory, memory, and the crash-injecting one.
pub fn with_each_vfs(mut f: impl FnMut(&str, Arc<dyn Vfs>, &Path)) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let real = tmp.path().join("wal");
    f("std", Arc::new(StdVfs), &real);
    f("mem", Arc::new(MemVfs::new()), Path::new(DIR));
    f("crash", CrashVfs::new().shared(), Path::new(DIR));
}

/// The path of the segment starting at `first`.
pub fn segment_path(first: u64) -> PathBuf {
    dir().join(format!("{first:020}.wal"))
}

/// Segment paths in the directory, sorted.
pub fn segments(vfs: &MemVfs) -> Vec<PathBuf> {
    vfs.paths()
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "wal"))
        .collect()
}

/// Record start offsets and ends in a segment file's bytes.
pub fn record_bounds(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 32;
    while at + 8 <= bytes.len() {
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        if len == 0 {
            break;
        }
        out.push((at, at + 8 + len));
        at += 8 + len;
    }
    out
}

/// A small deterministic generator for workloads.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}
