//! Starting the keel binary on a port it picks itself.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use testkit::Conn;

/// A running keel process.
pub struct Keel {
    pub child: Child,
    pub port: u16,
}

impl Keel {
    /// Starts `keel --bind 127.0.0.1 --port 0 --dir DIR ARGS…` and waits for
    /// the `keel listening on` line it prints once it accepts connections;
    /// the rest of its stdout is passed on to this process's stderr.
    pub fn start(dir: &Path, args: &[&str]) -> Keel {
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
        Keel { child, port }
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

impl Drop for Keel {
    /// A failing test must not leave its server running.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
