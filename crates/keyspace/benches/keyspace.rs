//! Hot keyspace operations, executed the way the server does: writes
//! through `Keyspace::apply` with an `Op`, reads through `Keyspace::read`
//! (see `src/testing.rs`). Each benchmark runs against 100k existing keys.
//!
//! `cargo bench -p keyspace`

use std::hint::black_box;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use keyspace::{table, Ctx, Keyspace, Op};
use resp::Reply;

const KEYS: u64 = 100_000;
const NOW_MS: u64 = 1_700_000_000_000;

fn args(words: &[&[u8]]) -> Vec<Bytes> {
    words.iter().map(|w| Bytes::copy_from_slice(w)).collect()
}

fn key(prefix: &str, n: u64) -> Vec<u8> {
    format!("{prefix}{n:012}").into_bytes()
}

/// Applies a write command; panics on an error reply (a broken benchmark).
fn apply(ks: &mut Keyspace, seed: u64, args: Vec<Bytes>, out: &mut Reply) {
    let op = Op::Command {
        db: 0,
        resp3: false,
        args,
    };
    ks.apply(&op, NOW_MS, seed, out);
}

/// A keyspace holding `KEYS` keys of each kind the benchmarks touch.
fn populated() -> Keyspace {
    let mut ks = Keyspace::new(16);
    let mut out = Reply::new(false);
    for n in 0..KEYS {
        apply(
            &mut ks,
            n,
            args(&[b"SET", &key("key:", n), b"xxx"]),
            &mut out,
        );
        apply(
            &mut ks,
            n,
            args(&[b"SET", &key("counter:", n), b"1"]),
            &mut out,
        );
        apply(
            &mut ks,
            n,
            args(&[b"LPUSH", &key("list:", n), b"xxx"]),
            &mut out,
        );
        apply(
            &mut ks,
            n,
            args(&[b"HSET", &key("hash:", n), b"f:0", b"xxx"]),
            &mut out,
        );
        apply(
            &mut ks,
            n,
            args(&[b"ZADD", &key("zset:", n), b"1", b"m:0"]),
            &mut out,
        );
        out.clear();
    }
    ks
}

/// Distinct prebuilt commands each benchmark cycles through, so building
/// arguments stays out of the measurement and consecutive operations touch
/// unrelated keys (as random keys would).
const PREBUILT: u64 = 4096;

/// Key numbers spread over the keyspace with a stride.
fn spread(i: u64) -> u64 {
    (i * 7_919) % KEYS
}

fn writes(c: &mut Criterion) {
    let mut ks = populated();
    let mut out = Reply::new(false);
    let mut seed = 0u64;
    let mut group = c.benchmark_group("apply");
    group.throughput(Throughput::Elements(1));
    let mut bench = |name: &str, make: &dyn Fn(u64, u64) -> Vec<Bytes>| {
        let ops: Vec<Op> = (0..PREBUILT)
            .map(|i| Op::Command {
                db: 0,
                resp3: false,
                args: make(spread(i), i),
            })
            .collect();
        let mut i = 0;
        group.bench_function(name, |b| {
            b.iter(|| {
                seed += 1;
                i = (i + 1) % ops.len();
                out.clear();
                ks.apply(&ops[i], NOW_MS, seed, &mut out);
                black_box(out.len())
            })
        });
    };
    bench("set-3b", &|n, _| args(&[b"SET", &key("key:", n), b"xxx"]));
    bench("set-1k", &|n, _| {
        args(&[b"SET", &key("key:", n), &[b'x'; 1024]])
    });
    bench("incr", &|n, _| args(&[b"INCR", &key("counter:", n)]));
    bench("lpush", &|n, _| args(&[b"LPUSH", &key("list:", n), b"xxx"]));
    bench("hset", &|n, s| {
        args(&[
            b"HSET",
            &key("hash:", n),
            format!("f:{}", s % 10).as_bytes(),
            b"xxx",
        ])
    });
    // The small rate-limiter script of issue 14's EVALSHA workload (as
    // EVAL: apply runs both the same way once the body is found).
    bench("eval-incr-expire", &|n, _| {
        args(&[
            b"EVAL",
            b"local n = redis.call('incr', KEYS[1]) redis.call('expire', KEYS[1], ARGV[1]) return n",
            b"1",
            &key("rate:", n),
            b"60",
        ])
    });
    bench("zadd", &|n, s| {
        args(&[
            b"ZADD",
            &key("zset:", n),
            (s % 1000).to_string().as_bytes(),
            format!("m:{}", s % 10).as_bytes(),
        ])
    });
    group.finish();
}

fn reads(c: &mut Criterion) {
    let ks = populated();
    let mut out = Reply::new(false);
    let mut group = c.benchmark_group("read");
    group.throughput(Throughput::Elements(1));
    let get = table::lookup(b"get").expect("GET is in the table");
    let gets: Vec<Vec<Bytes>> = (0..PREBUILT)
        .map(|i| args(&[b"GET", &key("key:", spread(i))]))
        .collect();
    let mut i = 0;
    group.bench_function("get-3b", |b| {
        b.iter(|| {
            i = (i + 1) % gets.len();
            out.clear();
            let mut ctx = Ctx::new(0, ks.read_clock(NOW_MS), 0);
            ks.read(get, &mut ctx, &gets[i], &mut out);
            black_box(out.len())
        })
    });
    let missing = args(&[b"GET", b"no-such-key"]);
    group.bench_function("get-missing", |b| {
        b.iter(|| {
            out.clear();
            let mut ctx = Ctx::new(0, ks.read_clock(NOW_MS), 0);
            ks.read(get, &mut ctx, &missing, &mut out);
            black_box(out.len())
        })
    });
    group.bench_function("resolve-get", |b| {
        let a = args(&[b"get", b"key:000000000001"]);
        b.iter(|| black_box(table::resolve(black_box(&a)).is_ok()))
    });
    group.finish();
}

criterion_group!(benches, writes, reads);
criterion_main!(benches);
