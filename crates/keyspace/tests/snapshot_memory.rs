//! Heap use of a running snapshot, measured with a counting allocator: it is
//! bounded by the chunk size and by what changes during the snapshot, never
//! by the size of the dataset (invariant 7, docs/design/architecture.md).
//!
//! One test only: the allocator counts the whole process.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use keyspace::{Bytes, Keyspace, Op, SnapshotLoader};
use resp::Reply;

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; the
// counters are only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = System.alloc(layout);
        if !ptr.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Relaxed) + layout.size();
            PEAK.fetch_max(now, Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        CURRENT.fetch_sub(layout.size(), Relaxed);
    }

    // Counted by its change of size: the system allocator grows large
    // blocks in place or by remapping them (glibc's `mremap`), not by
    // holding two copies.
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = System.realloc(ptr, layout, new_size);
        if !new.is_null() {
            if new_size >= layout.size() {
                let now = CURRENT.fetch_add(new_size - layout.size(), Relaxed)
                    + (new_size - layout.size());
                PEAK.fetch_max(now, Relaxed);
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Relaxed);
            }
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Starts measuring: the peak is reset to the current use, which is
/// returned.
fn baseline() -> usize {
    let now = CURRENT.load(Relaxed);
    PEAK.store(now, Relaxed);
    now
}

/// Bytes allocated at the peak since `baseline` returned `base`.
fn extra_peak(base: usize) -> usize {
    PEAK.load(Relaxed).saturating_sub(base)
}

fn apply(ks: &mut Keyspace, db: usize, args: &[&[u8]], out: &mut Reply) {
    let op = Op::Command {
        db,
        resp3: false,
        args: args.iter().map(|a| Bytes::copy_from_slice(a)).collect(),
    };
    ks.apply(&op, 1, 1, out);
    out.clear();
}

/// Pulls chunks of `max` bytes, dropping each (as a writer that streams
/// them to disk does), calling `between` before each; returns the total
/// snapshot size.
fn stream(ks: &mut Keyspace, max: usize, mut between: impl FnMut(&mut Keyspace, usize)) -> usize {
    let mut total = 0;
    let mut n = 0;
    ks.begin_snapshot().unwrap();
    loop {
        between(ks, n);
        n += 1;
        match ks.snapshot_chunk(max) {
            Some(chunk) => total += chunk.len(),
            None => return total,
        }
    }
}

#[test]
fn snapshot_memory_is_bounded_by_chunks_and_changes_not_by_the_dataset() {
    const KEYS: usize = 40_000;
    const CHUNK: usize = 64 << 10;
    let mut ks = Keyspace::new(16);
    let mut out = Reply::new(false);
    let value = [b'v'; 100];
    for i in 0..KEYS {
        let key = format!("key:{i:08}");
        apply(&mut ks, i % 4, &[b"SET", key.as_bytes(), &value], &mut out);
    }

    // No writes: only the chunk being built.
    let base = baseline();
    let size = stream(&mut ks, CHUNK, |_, _| {});
    let extra = extra_peak(base);
    eprintln!("no writes: {extra} bytes at peak for a {size}-byte snapshot");
    assert!(size > KEYS * 100, "snapshot of {size} bytes");
    assert!(
        extra < CHUNK + (8 << 10),
        "{extra} bytes for a {size}-byte snapshot"
    );

    // Writes to 1000 keys during the snapshot, 100 between chunks: plus
    // the pre-images of one batch (about 120 bytes each, emitted by the
    // next chunk) and the marks, not more.
    let base = baseline();
    let mut out = Reply::new(false);
    stream(&mut ks, CHUNK, |ks, n| {
        for i in 0..100 {
            let key = format!("key:{:08}", (n * 100 + i) * 4 % KEYS);
            apply(ks, 0, &[b"SET", key.as_bytes(), b"new value"], &mut out);
        }
    });
    let extra = extra_peak(base);
    eprintln!("writes to 1000 keys: {extra} bytes at peak");
    assert!(extra < CHUNK + 100 * 200 + (8 << 10), "{extra} bytes");

    // FLUSHALL during the snapshot hands the entries over without copying
    // them: memory does not grow, and falls as the snapshot drains them.
    let base = baseline();
    stream(&mut ks, CHUNK, |ks, n| {
        if n == 1 {
            apply(ks, 0, &[b"FLUSHALL"], &mut Reply::new(false));
        }
    });
    let extra = extra_peak(base);
    eprintln!("FLUSHALL: {extra} bytes at peak");
    assert!(extra < CHUNK + (8 << 10), "{extra} bytes");
    assert_eq!((0..16).map(|i| ks.db(i).len()).sum::<usize>(), 0);

    // A value far larger than a chunk is serialised once, handed out in
    // parts, and loaded into the buffer that reassembled it.
    const LARGE: usize = 8 << 20;
    let large: Vec<u8> = (0..LARGE).map(|i| (i % 251) as u8).collect();
    apply(&mut ks, 0, &[b"SET", b"large", &large], &mut out);
    drop(large);
    let base = baseline();
    let size = stream(&mut ks, CHUNK, |_, _| {});
    let writing = extra_peak(base);
    eprintln!("{LARGE}-byte value: {writing} bytes at peak writing a {size}-byte snapshot");
    assert!(writing < LARGE + 2 * CHUNK + (8 << 10), "{writing} bytes");
    ks.begin_snapshot().unwrap();
    let chunks: Vec<Vec<u8>> = std::iter::from_fn(|| ks.snapshot_chunk(CHUNK)).collect();
    assert!(chunks.len() > LARGE / CHUNK);
    assert!(chunks.iter().all(|c| c.len() <= 2 * CHUNK + 64));
    let base = baseline();
    let mut loader = SnapshotLoader::new();
    for chunk in chunks {
        loader.feed(&chunk).unwrap();
    }
    let restored = loader.finish().unwrap();
    let loading = extra_peak(base);
    eprintln!("{LARGE}-byte value: {loading} bytes at peak loading");
    // The chunks are freed as they are fed and the value stays in the
    // buffer that reassembled it: a second copy would take the peak past
    // the whole value.
    assert!(loading < LARGE * 3 / 4, "{loading} bytes");
    assert!(restored.logically_equal(&ks));
}
