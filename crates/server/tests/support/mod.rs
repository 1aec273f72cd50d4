//! Starts a keel server in-process on an ephemeral port for a test.

#![allow(dead_code)]

use std::net::SocketAddr;

use server::{Config, Durability, ServerHandle};
use testkit::Conn;

/// A server on 127.0.0.1:0 with its own runtime and data directory,
/// stopped when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    runtime: tokio::runtime::Runtime,
    handle: Option<ServerHandle>,
    _dir: Option<tempfile::TempDir>,
}

impl TestServer {
    /// A server with default settings (memory durability).
    pub fn start() -> TestServer {
        TestServer::with(|_| {})
    }

    /// A server whose configuration `adjust` may change.
    pub fn with(adjust: impl FnOnce(&mut Config)) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut server = TestServer::in_dir(dir.path(), Durability::Memory, adjust);
        server._dir = Some(dir);
        server
    }

    /// A server with `durability` on the data directory `dir`, which
    /// outlives it (to test restarts).
    pub fn in_dir(
        dir: &std::path::Path,
        durability: Durability,
        adjust: impl FnOnce(&mut Config),
    ) -> TestServer {
        let mut config = Config {
            port: 0,
            dir: dir.to_path_buf(),
            durability,
            ..Config::default()
        };
        adjust(&mut config);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
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
            _dir: None,
        }
    }

    /// A raw RESP connection.
    pub fn conn(&self) -> Conn {
        Conn::tcp(self.addr).expect("connect")
    }

    /// A `redis` crate client.
    pub fn client(&self) -> redis::Client {
        redis::Client::open(format!("redis://{}/", self.addr)).expect("client")
    }

    /// A `redis` crate client speaking RESP3.
    pub fn client3(&self) -> redis::Client {
        redis::Client::open(format!("redis://{}/?protocol=resp3", self.addr)).expect("client")
    }

    /// Runs a future on the server's runtime (for async client tests).
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            self.runtime.block_on(handle.shutdown());
        }
    }
}

/// Shorthand for building a bulk frame.
pub fn bulk(s: &str) -> resp::Frame {
    resp::Frame::Bulk(bytes::Bytes::copy_from_slice(s.as_bytes()))
}

/// Shorthand for an OK status.
pub fn ok() -> resp::Frame {
    resp::Frame::Simple("OK".into())
}

/// Shorthand for an error frame.
pub fn err(s: &str) -> resp::Frame {
    resp::Frame::Error(s.into())
}
