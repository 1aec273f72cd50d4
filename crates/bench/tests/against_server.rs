//! The load generator, the pub/sub driver, bulk loading and the idle
//! connection pool against an in-process keel server on an ephemeral port;
//! the `evalsha` workload also against redis-server. Counts are checked,
//! never timings.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bench::client::Conn;
use bench::conns::IdlePool;
use bench::fill::{flush, load_script};
use bench::loadgen::{self, LoadSpec, Stop};
use bench::pubsub::{self, PubsubSpec};
use bench::servers::{self, Kind, Programs, Settings};
use bench::workload::Workload;
use resp::Frame;
use server::{Config, Durability, ServerHandle};

struct TestServer {
    addr: SocketAddr,
    runtime: tokio::runtime::Runtime,
    handle: Option<ServerHandle>,
    _dir: tempfile::TempDir,
}

impl TestServer {
    fn start() -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = Config {
            port: 0,
            dir: dir.path().to_path_buf(),
            durability: Durability::Memory,
            ..Config::default()
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let handle = runtime
            .block_on(server::start(config))
            .expect("server starts");
        TestServer {
            addr: handle.addr(),
            runtime,
            handle: Some(handle),
            _dir: dir,
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            self.runtime.block_on(handle.shutdown());
        }
    }
}

fn spec(workload: Workload, clients: usize, pipeline: usize, requests: u64) -> LoadSpec {
    LoadSpec {
        workload,
        clients,
        pipeline,
        stop: Stop::Requests(requests),
        keyspace: 100,
        seed: 1,
    }
}

#[test]
fn every_request_gets_a_reply_and_a_latency() {
    let server = TestServer::start();
    let rt = bench::runtime().unwrap();
    for (workload, clients, pipeline) in [
        (Workload::Set3, 3, 1),
        (Workload::Get1k, 4, 16),
        (Workload::Incr, 2, 5),
        (Workload::Hset, 2, 4),
        (Workload::Latency, 1, 1),
    ] {
        let m = rt
            .block_on(loadgen::run(
                server.addr,
                &spec(workload, clients, pipeline, 203),
                Some(std::process::id()),
            ))
            .unwrap();
        assert_eq!(m.ops, 203, "{workload:?}");
        assert_eq!(m.errors, 0, "{workload:?}");
        assert_eq!(m.hist.len(), 203, "{workload:?}");
        assert!(m.server_cpu.is_some());
    }
}

#[test]
fn several_generator_threads_share_the_clients() {
    let server = TestServer::start();
    for threads in [2, 3] {
        let m = loadgen::run_threads(server.addr, &spec(Workload::Set3, 5, 4, 301), None, threads)
            .unwrap();
        assert_eq!((m.ops, m.errors, m.hist.len()), (301, 0, 301));
        assert_eq!(m.loadgen_threads, threads);
    }
    // More threads than clients: one client per thread.
    let m = loadgen::run_threads(server.addr, &spec(Workload::Get3, 2, 1, 10), None, 8).unwrap();
    assert_eq!((m.ops, m.loadgen_threads), (10, 2));
}

#[test]
fn error_replies_are_counted() {
    let server = TestServer::start();
    let rt = bench::runtime().unwrap();
    rt.block_on(bench::fill::fill(server.addr, 10, |n, out| {
        let key = format!("counter:{n:012}");
        resp::Frame::encode_command(&["SET", &key, "not a number"], out);
    }))
    .unwrap();
    let mut incr = spec(Workload::Incr, 2, 8, 50);
    incr.keyspace = 10;
    let m = rt.block_on(loadgen::run(server.addr, &incr, None)).unwrap();
    assert_eq!((m.ops, m.errors), (50, 50));
}

#[test]
fn timed_runs_stop() {
    let server = TestServer::start();
    let rt = bench::runtime().unwrap();
    let mut timed = spec(Workload::Set3, 2, 4, 0);
    timed.stop = Stop::Duration(Duration::from_millis(50));
    let m = rt
        .block_on(loadgen::run(server.addr, &timed, None))
        .unwrap();
    assert!(m.ops > 0);
    assert_eq!(m.ops % 4, 0, "whole batches only");
}

#[test]
fn fan_out_delivers_every_message_to_every_subscriber() {
    let server = TestServer::start();
    let rt = bench::runtime().unwrap();
    let spec = PubsubSpec {
        subscribers: 5,
        pipeline: 4,
        stop: Stop::Requests(30),
    };
    let m = rt.block_on(pubsub::run(server.addr, &spec, None)).unwrap();
    assert_eq!(m.ops, 150);
    assert_eq!(m.errors, 0);
    assert_eq!(m.hist.len(), 150);
}

#[test]
fn idle_connections_are_held() {
    let server = TestServer::start();
    let rt = bench::runtime().unwrap();
    let mut pool = IdlePool::default();
    let deadline = Instant::now() + Duration::from_secs(60);
    let failure = rt.block_on(pool.grow(server.addr, 40, deadline));
    assert_eq!(failure, None);
    assert_eq!(pool.len(), 40);
    let failure = rt.block_on(pool.grow(server.addr, 60, deadline));
    assert_eq!((failure, pool.len()), (None, 60));
}

/// Runs the evalsha workload against `addr` after SCRIPT LOAD: every call
/// answers, and the counters it increments add up, each with the script's
/// TTL. Without the script cached (after SCRIPT FLUSH) every call is an
/// error (NOSCRIPT), counted as such.
fn evalsha_workload_increments_counters_with_a_ttl(addr: SocketAddr) {
    let rt = bench::runtime().unwrap();
    let (source, sha1) = Workload::Evalsha.script().unwrap();
    rt.block_on(async {
        flush(addr).await.unwrap();
        load_script(addr, source, sha1).await.unwrap();
        let m = loadgen::run(addr, &spec(Workload::Evalsha, 4, 1, 301), None)
            .await
            .unwrap();
        assert_eq!((m.ops, m.errors, m.hist.len()), (301, 0, 301));
        let mut conn = Conn::connect(addr).await.unwrap();
        let Frame::Array(keys) = conn.call(&["KEYS", "rate:*"]).await.unwrap() else {
            panic!("KEYS");
        };
        assert!(
            keys.len() > 1 && keys.len() <= 100,
            "{} counters",
            keys.len()
        );
        let mut total = 0;
        for key in keys {
            let Frame::Bulk(key) = key else {
                panic!("key {key:?}")
            };
            let Frame::Bulk(n) = conn.call(&[&b"GET"[..], &key]).await.unwrap() else {
                panic!("GET");
            };
            total += std::str::from_utf8(&n).unwrap().parse::<u64>().unwrap();
            let ttl = conn.call(&[&b"TTL"[..], &key]).await.unwrap();
            assert!(
                matches!(ttl, Frame::Integer(t) if (1..=60).contains(&t)),
                "{ttl:?}"
            );
        }
        assert_eq!(total, 301);
        conn.call(&["SCRIPT", "FLUSH"]).await.unwrap();
        let m = loadgen::run(addr, &spec(Workload::Evalsha, 2, 1, 20), None)
            .await
            .unwrap();
        assert_eq!((m.ops, m.errors), (20, 20));
    });
}

#[test]
fn evalsha_workload_on_redis() {
    let programs = Programs {
        keel: "keel".into(),
        redis: "redis-server".into(),
    };
    let settings = Settings {
        durability: servers::Durability::Memory,
        maxclients: 100,
        keel_threads: None,
    };
    let redis = servers::Server::start(Kind::Redis, &programs, settings)
        .expect("redis-server must be installed (apt-get install redis-server)");
    evalsha_workload_increments_counters_with_a_ttl(redis.addr);
}

#[test]
fn evalsha_workload_on_keel() {
    let server = TestServer::start();
    evalsha_workload_increments_counters_with_a_ttl(server.addr);
}
