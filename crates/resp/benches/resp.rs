//! RESP hot paths: parsing pipelined requests (server side), encoding
//! replies, and framing/decoding replies (client side).
//!
//! `cargo bench -p resp`

use std::hint::black_box;

use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use resp::{Frame, Limits, Parsed, Reply, RequestParser};

/// Commands in one pipelined read buffer.
const PIPELINE: usize = 16;

fn pipeline(args: &[&[u8]]) -> BytesMut {
    let mut wire = Vec::new();
    for _ in 0..PIPELINE {
        Frame::encode_command(args, &mut wire);
    }
    BytesMut::from(&wire[..])
}

fn parse_requests(c: &mut Criterion) {
    let limits = Limits::default();
    let value_1k = vec![b'x'; 1024];
    let cases: [(&str, Vec<&[u8]>); 4] = [
        ("get", vec![b"GET", b"key:000000012345"]),
        ("set-3b", vec![b"SET", b"key:000000012345", b"xxx"]),
        ("set-1k", vec![b"SET", b"key:000000012345", &value_1k]),
        (
            "hset-4-fields",
            vec![
                b"HSET", b"hash:1", b"f1", b"v1", b"f2", b"v2", b"f3", b"v3", b"f4", b"v4",
            ],
        ),
    ];
    let mut group = c.benchmark_group("parse_request");
    group.throughput(Throughput::Elements(PIPELINE as u64));
    for (name, args) in &cases {
        let wire = pipeline(args);
        group.bench_function(*name, |b| {
            b.iter_batched_ref(
                || (wire.clone(), RequestParser::new()),
                |(buf, parser)| {
                    while let Ok(Parsed::Command(args)) = parser.parse(buf, &limits, true) {
                        black_box(args);
                    }
                },
                BatchSize::SmallInput,
            )
        });
    }
    let inline = BytesMut::from(&b"GET key:000000012345\r\n".repeat(PIPELINE)[..]);
    group.bench_function("inline-get", |b| {
        b.iter_batched_ref(
            || (inline.clone(), RequestParser::new()),
            |(buf, parser)| {
                while let Ok(Parsed::Command(args)) = parser.parse(buf, &limits, true) {
                    black_box(args);
                }
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn encode_replies(c: &mut Criterion) {
    let value_1k = vec![b'x'; 1024];
    let members: Vec<Vec<u8>> = (0..10)
        .map(|i| format!("member:{i}").into_bytes())
        .collect();
    let mut group = c.benchmark_group("encode_reply");
    group.throughput(Throughput::Elements(PIPELINE as u64));
    let mut out = Reply::new(false);
    group.bench_function("ok", |b| {
        b.iter(|| {
            out.clear();
            for _ in 0..PIPELINE {
                out.ok();
            }
            black_box(out.len())
        })
    });
    group.bench_function("int", |b| {
        b.iter(|| {
            out.clear();
            for i in 0..PIPELINE {
                out.int(black_box(1_000_000 + i as i64));
            }
            black_box(out.len())
        })
    });
    group.bench_function("bulk-3b", |b| {
        b.iter(|| {
            out.clear();
            for _ in 0..PIPELINE {
                out.bulk(black_box(b"xxx"));
            }
            black_box(out.len())
        })
    });
    group.bench_function("bulk-1k", |b| {
        b.iter(|| {
            out.clear();
            for _ in 0..PIPELINE {
                out.bulk(black_box(&value_1k));
            }
            black_box(out.len())
        })
    });
    group.bench_function("array-10", |b| {
        b.iter(|| {
            out.clear();
            for _ in 0..PIPELINE {
                out.bulk_array(members.iter().map(|m| &m[..]));
            }
            black_box(out.len())
        })
    });
    let mut out3 = Reply::new(true);
    group.bench_function("double-resp3", |b| {
        b.iter(|| {
            out3.clear();
            for i in 0..PIPELINE {
                out3.double(black_box(i as f64 * 1.5));
            }
            black_box(out3.len())
        })
    });
    group.finish();
}

fn read_replies(c: &mut Criterion) {
    let mut replies = Reply::new(false);
    for _ in 0..PIPELINE {
        replies.bulk(&[b'x'; 1024]);
    }
    let wire = replies.take();
    let mut group = c.benchmark_group("read_reply");
    group.throughput(Throughput::Elements(PIPELINE as u64));
    group.bench_function("skip-bulk-1k", |b| {
        b.iter(|| {
            let mut rest = &wire[..];
            while let Ok(Some(v)) = resp::skip(rest) {
                rest = &rest[v.len..];
            }
            black_box(rest.len())
        })
    });
    group.bench_function("decode-bulk-1k", |b| {
        b.iter(|| {
            let mut rest = &wire[..];
            while let Ok(Some((frame, used))) = resp::decode(rest) {
                black_box(frame);
                rest = &rest[used..];
            }
            black_box(rest.len())
        })
    });
    group.finish();
}

criterion_group!(benches, parse_requests, encode_replies, read_replies);
criterion_main!(benches);
