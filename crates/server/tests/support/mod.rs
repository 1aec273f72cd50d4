//! Starts a keel server in-process on an ephemeral port for a test.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use server::Vfs;
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
    /// A server with default settings.
    pub fn start() -> TestServer {
        TestServer::with(|_| {})
    }

    /// A server whose configuration `adjust` may change, on a fresh data
    /// directory, with the engine `KEEL_TEST_ENGINE` names: `raft` (the
    /// default: every write through the Raft log, fsynced) or `local`
    /// (`durability = memory`, applied directly). CI runs the suites with
    /// both.
    pub fn with(adjust: impl FnOnce(&mut Config)) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut server = TestServer::in_dir(dir.path(), test_durability(), adjust);
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
        TestServer::on_vfs(server::StdVfs::shared(), dir, durability, adjust)
    }

    /// A server whose data directory `dir` lives on `vfs` (failure and
    /// crash injection).
    pub fn on_vfs(
        vfs: Arc<dyn Vfs>,
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
            .block_on(server::start_on(config, vfs))
            .expect("server starts");
        TestServer {
            addr: handle.addr(),
            runtime,
            handle: Some(handle),
            _dir: None,
        }
    }

    /// Waits (up to `timeout`) until the server stops by itself and says
    /// why.
    pub fn stopped_within(&self, timeout: std::time::Duration) -> Option<server::Stop> {
        let handle = self.handle.as_ref()?;
        self.runtime
            .block_on(async { tokio::time::timeout(timeout, handle.stopped()).await })
            .ok()
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

/// The durability of test servers: `KEEL_TEST_ENGINE=local` runs them on
/// the local engine (memory), anything else through Raft with fsync.
pub fn test_durability() -> Durability {
    match std::env::var("KEEL_TEST_ENGINE").as_deref() {
        Ok("local") => Durability::Memory,
        Ok("raft") | Err(_) => Durability::Fsync,
        Ok(other) => panic!("KEEL_TEST_ENGINE must be raft or local, not {other}"),
    }
}
