//! The servers under test: keel (this very binary, `keel server ...`) and
//! `redis-server`, each started on an ephemeral loopback port with its own
//! temporary data directory, stopped when dropped.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde::Serialize;

use crate::sys;

/// How long a server may take to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(15);

/// Which server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Keel,
    Redis,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Keel => "keel",
            Kind::Redis => "redis",
        }
    }
}

/// A durability setting and its Redis counterpart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Durability {
    /// keel `fsync` vs Redis `appendonly yes, appendfsync always`.
    Fsync,
    /// keel `os` vs Redis `appendonly yes, appendfsync everysec`.
    Os,
    /// keel `memory` vs Redis without AOF (and no RDB snapshots).
    Memory,
}

impl Durability {
    pub const ALL: [Durability; 3] = [Durability::Fsync, Durability::Os, Durability::Memory];

    /// keel's `--durability` value.
    pub fn keel(self) -> &'static str {
        match self {
            Durability::Fsync => "fsync",
            Durability::Os => "os",
            Durability::Memory => "memory",
        }
    }

    /// The matching redis-server arguments. RDB snapshots stay off in
    /// every mode so only the AOF setting differs.
    pub fn redis_args(self) -> &'static [&'static str] {
        match self {
            Durability::Fsync => &["--appendonly", "yes", "--appendfsync", "always"],
            Durability::Os => &["--appendonly", "yes", "--appendfsync", "everysec"],
            Durability::Memory => &["--appendonly", "no"],
        }
    }
}

/// Where the server programs are.
#[derive(Debug, Clone)]
pub struct Programs {
    /// The keel binary (normally `std::env::current_exe()`).
    pub keel: PathBuf,
    /// `redis-server`.
    pub redis: PathBuf,
}

/// Settings shared by both servers.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub durability: Durability,
    /// Accept at least this many clients.
    pub maxclients: usize,
    /// keel's `threads` setting (None: keel's default).
    pub keel_threads: Option<usize>,
}

/// A running server process.
pub struct Server {
    pub kind: Kind,
    pub addr: SocketAddr,
    child: Child,
    dir: tempfile::TempDir,
}

impl Server {
    /// Starts `kind` on a free loopback port and waits until it answers PING.
    pub fn start(kind: Kind, programs: &Programs, settings: Settings) -> anyhow::Result<Server> {
        // The port is found by binding port 0 and releasing it; another
        // process may take it meanwhile, so retry a few times.
        let mut last_error = None;
        for _ in 0..3 {
            match Server::try_start(kind, programs, settings) {
                Ok(server) => return Ok(server),
                // A missing program will not appear on retry.
                Err(e)
                    if e.chain().any(|c| {
                        c.downcast_ref::<std::io::Error>()
                            .is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound)
                    }) =>
                {
                    return Err(e)
                }
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow::anyhow!("cannot start {}", kind.name())))
    }

    fn try_start(kind: Kind, programs: &Programs, settings: Settings) -> anyhow::Result<Server> {
        let dir = tempfile::Builder::new()
            .prefix(&format!("keel-bench-{}-", kind.name()))
            .tempdir()
            .context("cannot create a temporary directory")?;
        let port = free_port()?;
        let log = std::fs::File::create(dir.path().join("server.log"))?;
        let mut command = match kind {
            Kind::Keel => keel_command(&programs.keel, dir.path(), port, settings)?,
            Kind::Redis => redis_command(&programs.redis, dir.path(), port, settings),
        };
        let child = command
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| {
                let program = command.get_program().to_string_lossy().into_owned();
                match kind {
                    Kind::Redis => format!(
                        "cannot run {program} (install it with apt-get install redis-server, or pass --redis-server PATH)"
                    ),
                    Kind::Keel => format!("cannot run {program}"),
                }
            })?;
        let mut server = Server {
            kind,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            child,
            dir,
        };
        server.wait_ready()?;
        Ok(server)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory in bytes.
    pub fn rss(&self) -> Option<u64> {
        sys::rss_bytes(self.pid())
    }

    /// The last lines of the server's log (for error messages).
    pub fn log_tail(&self) -> String {
        log_tail(&self.dir.path().join("server.log"))
    }

    fn wait_ready(&mut self) -> anyhow::Result<()> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "{} exited at startup ({status}):\n{}",
                    self.kind.name(),
                    self.log_tail()
                );
            }
            if ping(self.addr).is_ok() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!(
                    "{} did not answer PING within {READY_TIMEOUT:?}:\n{}",
                    self.kind.name(),
                    self.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn keel_command(
    program: &Path,
    dir: &Path,
    port: u16,
    settings: Settings,
) -> anyhow::Result<Command> {
    // Settings without a flag go through a config file.
    let config = dir.join("keel.toml");
    std::fs::write(
        &config,
        format!(
            "maxclients = {}\nlog-level = \"warn\"\n",
            settings.maxclients
        ),
    )?;
    let data = dir.join("data");
    let mut command = Command::new(program);
    command
        .arg("server")
        .arg("--config")
        .arg(&config)
        .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
        .arg("--dir")
        .arg(&data)
        .args(["--durability", settings.durability.keel()]);
    if let Some(threads) = settings.keel_threads {
        command.args(["--threads", &threads.to_string()]);
    }
    Ok(command)
}

fn redis_command(program: &Path, dir: &Path, port: u16, settings: Settings) -> Command {
    let mut command = Command::new(program);
    command
        .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
        .arg("--dir")
        .arg(dir)
        .args(["--save", "", "--daemonize", "no", "--logfile", ""])
        // Bound to 127.0.0.1 only; protected mode would refuse the idle
        // connections that come from 127.0.0.2 and up.
        .args(["--protected-mode", "no"])
        .args(["--maxclients", &settings.maxclients.to_string()])
        .args(settings.durability.redis_args());
    command
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot find a free port")?;
    Ok(listener.local_addr()?.port())
}

/// Sends PING and expects +PONG (blocking, with timeouts).
fn ping(addr: SocketAddr) -> std::io::Result<()> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(200))?;
    stream.set_read_timeout(Some(Duration::from_millis(500)))?;
    stream.write_all(b"*1\r\n$4\r\nPING\r\n")?;
    let mut reply = [0u8; 7];
    stream.read_exact(&mut reply)?;
    if &reply == b"+PONG\r\n" {
        Ok(())
    } else {
        Err(std::io::Error::other("unexpected PING reply"))
    }
}

fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durability_pairs_match_redis_settings() {
        assert_eq!(Durability::Fsync.keel(), "fsync");
        assert!(Durability::Fsync.redis_args().contains(&"always"));
        assert!(Durability::Os.redis_args().contains(&"everysec"));
        assert_eq!(Durability::Memory.redis_args(), ["--appendonly", "no"]);
    }

    #[test]
    fn a_missing_redis_server_is_explained() {
        let programs = Programs {
            keel: PathBuf::from("/nonexistent/keel"),
            redis: PathBuf::from("/nonexistent/redis-server"),
        };
        let settings = Settings {
            durability: Durability::Memory,
            maxclients: 100,
            keel_threads: None,
        };
        let Err(e) = Server::start(Kind::Redis, &programs, settings) else {
            panic!("started a server that does not exist");
        };
        assert!(
            format!("{e:#}").contains("apt-get install redis-server"),
            "{e:#}"
        );
    }

    #[test]
    fn keel_gets_the_settings() {
        let dir = tempfile::tempdir().expect("tempdir");
        let settings = Settings {
            durability: Durability::Fsync,
            maxclients: 123,
            keel_threads: Some(2),
        };
        let command =
            keel_command(Path::new("keel"), dir.path(), 7000, settings).expect("keel command");
        let joined = command
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(joined.contains("--port 7000"), "{joined}");
        assert!(joined.contains("--durability fsync"), "{joined}");
        assert!(joined.contains("--threads 2"), "{joined}");
        let config = std::fs::read_to_string(dir.path().join("keel.toml")).expect("config");
        assert!(config.contains("maxclients = 123"), "{config}");
    }

    #[test]
    fn redis_gets_the_settings() {
        let command = redis_command(
            Path::new("redis-server"),
            Path::new("/tmp/x"),
            7000,
            Settings {
                durability: Durability::Os,
                maxclients: 123,
                keel_threads: None,
            },
        );
        let args: Vec<String> = command
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let joined = args.join(" ");
        assert!(joined.contains("--port 7000"), "{joined}");
        assert!(joined.contains("--maxclients 123"), "{joined}");
        assert!(joined.contains("--appendfsync everysec"), "{joined}");
        assert!(joined.contains("--save  "), "RDB snapshots off: {joined}");
    }
}
