//! The reference `redis-server`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::{wait_until, Conn};

/// A private `redis-server` (Debian package `redis-server`, Redis 7) that
/// listens only on a Unix socket in its own temporary directory: no TCP port
/// is used, so tests can run in parallel. Stopped when dropped.
pub struct RedisServer {
    child: Child,
    socket: PathBuf,
    dir: tempfile::TempDir,
}

impl RedisServer {
    /// Starts a server with persistence off and the encoding thresholds of
    /// the shipped redis.conf. Panics with a clear message if
    /// `redis-server` is not installed (`.ci/run` installs it).
    pub fn start() -> RedisServer {
        RedisServer::start_with(&[])
    }

    /// Starts a server with extra `--name value` arguments.
    pub fn start_with(extra: &[&str]) -> RedisServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let socket = dir.path().join("redis.sock");
        let child = Command::new("redis-server")
            .args(["--port", "0", "--save", "", "--appendonly", "no"])
            // redis.conf's value (the binary's built-in default is 512); keel uses it too.
            .args(["--hash-max-listpack-entries", "128"])
            .arg("--unixsocket")
            .arg(&socket)
            .arg("--dir")
            .arg(dir.path())
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be installed (apt-get install redis-server) for differential tests");
        wait_until(
            Duration::from_secs(10),
            "redis-server to accept connections",
            || Conn::unix(&socket).is_ok(),
        );
        RedisServer { child, socket, dir }
    }

    /// A new connection.
    pub fn connect(&self) -> Conn {
        Conn::unix(&self.socket).expect("connect to redis-server")
    }

    /// The Unix socket it listens on (for clients other than [`Conn`]).
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// The server's data directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
