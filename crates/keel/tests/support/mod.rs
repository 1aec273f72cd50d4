//! keel servers for the keel crate's tests: in-process ([`Keel`]) or the
//! binary on a port it picks itself ([`KeelProcess`]).

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use server::{Config, Durability, ServerHandle};
use testkit::Conn;

/// A keel server in-process on 127.0.0.1:0 (the listener's own port, never
/// one picked in advance), every write through the Raft log with fsync,
/// stopped when dropped.
pub struct Keel {
    runtime: tokio::runtime::Runtime,
    handle: Option<ServerHandle>,
    _dir: tempfile::TempDir,
}

impl Keel {
    pub fn start() -> Keel {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = Config {
            port: 0,
            dir: dir.path().to_path_buf(),
            durability: Durability::Fsync,
            ..Config::default()
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let handle = runtime
            .block_on(server::start(config))
            .expect("keel starts");
        Keel {
            runtime,
            handle: Some(handle),
            _dir: dir,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.handle.as_ref().expect("running").addr()
    }

    pub fn conn(&self) -> Conn {
        Conn::tcp(self.addr()).expect("connect to keel")
    }
}

impl Drop for Keel {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            self.runtime.block_on(handle.shutdown());
        }
    }
}

/// A running keel process.
pub struct KeelProcess {
    pub child: Child,
    pub port: u16,
}

impl KeelProcess {
    /// Starts `keel --bind 127.0.0.1 --port 0 --dir DIR ARGS…` and waits for
    /// the `keel listening on` line it prints once it accepts connections;
    /// the rest of its stdout is passed on to this process's stderr.
    pub fn start(dir: &Path, args: &[&str]) -> KeelProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_keel"))
            .args(["--bind", "127.0.0.1", "--port", "0", "--dir"])
            .arg(dir)
            .args(args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start keel");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                match line.strip_prefix("keel listening on ") {
                    Some(addr) => {
                        let _ = tx.send(addr.to_string());
                    }
                    None => eprintln!("keel: {line}"),
                }
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(addr) => addr,
            Err(e) => {
                let _ = child.kill();
                panic!("keel did not report its port ({e}): {:?}", child.wait());
            }
        };
        let port = addr
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("bad address {addr}"));
        KeelProcess { child, port }
    }

    pub fn conn(&self) -> Conn {
        Conn::tcp(("127.0.0.1", self.port)).expect("connect")
    }

    /// Kills the process with SIGKILL and reaps it.
    pub fn kill9(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reap");
    }
}

impl Drop for KeelProcess {
    /// A failing test must not leave its server running.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
