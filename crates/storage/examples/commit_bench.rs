//! Group commit throughput on real files.
//!
//! ```text
//! cargo run -p storage --example commit_bench -- [threads] [seconds] [entry bytes] [fsync|os] [fallocate|zeroes|none] [dir]
//! ```
//!
//! Each thread appends one entry at a time and waits for its
//! acknowledgement (like a client waiting for its reply), so throughput
//! shows how well concurrent appends share fsyncs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use storage::{Bytes, Durability, GroupCommit, Preallocate, StdVfs, Wal, WalOptions};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.to_string());
    let threads: usize = arg(0, "16").parse().expect("threads");
    let seconds: f64 = arg(1, "3").parse().expect("seconds");
    let size: usize = arg(2, "128").parse().expect("entry bytes");
    let durability = match arg(3, "fsync").as_str() {
        "os" => Durability::Os,
        _ => Durability::Fsync,
    };
    let preallocate = match arg(4, "fallocate").as_str() {
        "zeroes" => Preallocate::Zeroes,
        "none" => Preallocate::None,
        _ => Preallocate::Fallocate,
    };
    let base = args.get(5).cloned().unwrap_or_else(|| ".".into());
    let tmp = tempfile::tempdir_in(base).expect("tempdir");
    let opts = WalOptions {
        segment_size: 64 << 20,
        preallocate,
    };
    let (wal, _) = Wal::open(Arc::new(StdVfs), tmp.path().join("wal"), opts).expect("open");
    let gc = Arc::new(GroupCommit::start(wal, durability).expect("start"));
    let next = Arc::new(Mutex::new(1u64));
    let stop = Arc::new(AtomicBool::new(false));
    let entry = Bytes::from(vec![0x5A; size]);
    let started = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (gc, next, stop, entry) = (
                Arc::clone(&gc),
                Arc::clone(&next),
                Arc::clone(&stop),
                entry.clone(),
            );
            std::thread::spawn(move || {
                let mut latencies = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let (tx, rx) = mpsc::sync_channel(1);
                    let t = Instant::now();
                    {
                        let mut next = next.lock();
                        gc.append(vec![(*next, entry.clone())], move |r| {
                            let _ = tx.send(r);
                        })
                        .expect("append");
                        *next += 1;
                    }
                    rx.recv().expect("ack").expect("durable");
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs_f64(seconds));
    stop.store(true, Ordering::Relaxed);
    let mut latencies: Vec<Duration> = workers
        .into_iter()
        .flat_map(|w| w.join().expect("worker"))
        .collect();
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize];
    let s = gc.stats();
    println!(
        "threads {threads}, entry {size} B, {durability:?}, {preallocate:?}: {:.0} appends/s, {} records in {} batches, {} fsyncs ({:.1} records/fsync), fsync avg {:?} max {:?}, ack p50 {:?} p99 {:?}",
        s.records as f64 / elapsed,
        s.records,
        s.batches,
        s.fsyncs,
        s.records as f64 / s.fsyncs.max(1) as f64,
        s.total_fsync / s.fsyncs.max(1) as u32,
        s.max_fsync,
        pct(0.5),
        pct(0.99),
    );
}
