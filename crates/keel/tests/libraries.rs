//! End-to-end runs of real client libraries, installed from their
//! registries, each driving worker processes against a server: Celery
//! (Redis broker and result backend), redis-py's `Lock`, ioredis
//! `defineCommand` and a sliding-window rate limiter written in Lua. The
//! scripts live in `tests/e2e/` and print `ok <check>` lines and `PASS`
//! last; each runs against keel (in-process, on 127.0.0.1:0) and against
//! the reference `redis-server` (on a Unix socket), which proves the script
//! itself right.
//!
//! The toolchain (a Python venv and node_modules under `target/e2e`) comes
//! from `tests/e2e/setup.sh`, which `.ci/run` calls. Without it the tests
//! say so and pass, unless `KEEL_E2E=require` (set by `.ci/run`), which
//! makes a missing toolchain a failure.

use std::collections::BTreeSet;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use resp::Frame;
use support::Keel;
use testkit::{Conn, RedisServer};

mod support;

/// How long one library's run may take, worker processes included.
const DEADLINE: Duration = Duration::from_secs(180);

/// What runs a script.
#[derive(Clone, Copy)]
enum Runtime {
    Python,
    Node,
}

/// One library's end-to-end run.
struct Library {
    /// The script, relative to `tests/e2e`.
    script: &'static str,
    runtime: Runtime,
    /// Every command the run sends (as `INFO commandstats` names them),
    /// from the script, the library and the Lua scripts; checked against
    /// redis-server's statistics after each run there, so the list stays
    /// complete.
    commands: &'static [&'static str],
}

const CELERY: Library = Library {
    script: "python/celery_e2e.py",
    runtime: Runtime::Python,
    // Those seen in runs, and those kombu's and Celery's Redis code sends
    // only on some paths (restoring unacked messages, sweeping bindings).
    commands: &[
        "brpop",
        "del",
        "evalsha",
        "exec",
        "exists",
        "expire",
        "get",
        "hdel",
        "hello",
        "hget",
        "hset",
        "incr",
        "incrby",
        "llen",
        "lpush",
        "lrange",
        "mget",
        "multi",
        "ping",
        "psubscribe",
        "publish",
        "punsubscribe",
        "rpop",
        "rpush",
        "sadd",
        "script|load",
        "set",
        "setex",
        "smembers",
        "srem",
        "subscribe",
        "time",
        "unsubscribe",
        "zadd",
        "zrange",
        "zrangebyscore",
        "zrem",
    ],
};

const LOCK: Library = Library {
    script: "python/lock_e2e.py",
    runtime: Runtime::Python,
    commands: &[
        "del",
        "evalsha",
        "exists",
        "get",
        "hello",
        "pexpire",
        "pttl",
        "script|load",
        "set",
    ],
};

const RATE_LIMITER: Library = Library {
    script: "python/ratelimit_e2e.py",
    runtime: Runtime::Python,
    commands: &[
        "evalsha",
        "exists",
        "hello",
        "pexpire",
        "pttl",
        "script|flush",
        "script|load",
        "time",
        "zadd",
        "zcard",
        "zrange",
        "zremrangebyscore",
    ],
};

const IOREDIS: Library = Library {
    script: "js/define_command.js",
    runtime: Runtime::Node,
    commands: &[
        "eval",
        "evalsha",
        "exec",
        "get",
        "hello",
        "incr",
        "info",
        "multi",
        "quit",
        "script|exists",
        "script|flush",
    ],
};

const LIBRARIES: [&Library; 4] = [&CELERY, &LOCK, &RATE_LIMITER, &IOREDIS];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The interpreters and packages `tests/e2e/setup.sh` installs.
struct Toolchain {
    python: PathBuf,
    node_modules: PathBuf,
}

impl Toolchain {
    /// The toolchain, or `None` (after saying why) when it is not
    /// installed; panics instead when `KEEL_E2E=require`.
    fn find() -> Option<Toolchain> {
        let root = workspace().join("target/e2e");
        let toolchain = Toolchain {
            python: root.join("venv/bin/python"),
            node_modules: root.join("node/node_modules"),
        };
        let node = Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        let missing: Vec<String> = [
            (!toolchain.python.exists()).then(|| toolchain.python.display().to_string()),
            (!toolchain.node_modules.join("ioredis").exists())
                .then(|| toolchain.node_modules.join("ioredis").display().to_string()),
            (!node).then(|| "node on PATH".to_string()),
        ]
        .into_iter()
        .flatten()
        .collect();
        if missing.is_empty() {
            return Some(toolchain);
        }
        let why = format!(
            "the e2e toolchain is missing ({}): run tests/e2e/setup.sh",
            missing.join(", ")
        );
        assert!(
            std::env::var("KEEL_E2E").as_deref() != Ok("require"),
            "{why} (KEEL_E2E=require)"
        );
        eprintln!("skipping: {why}");
        None
    }

    fn command(&self, library: &Library) -> Command {
        let script = workspace().join("tests/e2e").join(library.script);
        let mut command = match library.runtime {
            Runtime::Python => Command::new(&self.python),
            Runtime::Node => {
                let mut node = Command::new("node");
                node.env("NODE_PATH", &self.node_modules);
                node
            }
        };
        command.arg(script);
        command
    }
}

/// The server a run targets.
enum Target {
    Keel(Keel),
    Redis(RedisServer),
}

impl Target {
    fn name(&self) -> &'static str {
        match self {
            Target::Keel(_) => "keel",
            Target::Redis(_) => "redis-server",
        }
    }

    /// `E2E_URL` for the scripts (tests/e2e/python/target.py).
    fn url(&self) -> String {
        match self {
            Target::Keel(keel) => format!("redis://{}/0", keel.addr()),
            Target::Redis(redis) => format!("unix://{}", redis.socket().display()),
        }
    }

    fn conn(&self) -> Conn {
        match self {
            Target::Keel(keel) => keel.conn(),
            Target::Redis(redis) => redis.connect(),
        }
    }
}

/// Runs `library`'s script against `target` in its own process group,
/// killed whole (worker processes too) if it passes the deadline; panics
/// unless it exits 0 with `PASS` as its last line.
fn run(toolchain: &Toolchain, library: &Library, target: &Target) {
    let mut command = toolchain.command(library);
    command
        .env("E2E_URL", target.url())
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = command.spawn().expect("start the script");
    let stdout = drain(child.stdout.take().expect("stdout"));
    let stderr = drain(child.stderr.take().expect("stderr"));
    let status = wait_or_kill(&mut child, DEADLINE);
    let stdout = stdout.join().expect("stdout reader");
    let stderr = stderr.join().expect("stderr reader");
    let what = format!("{} on {}", library.script, target.name());
    let Some(status) = status else {
        panic!("{what}: still running after {DEADLINE:?}, killed\nstdout:\n{stdout}\nstderr:\n{stderr}");
    };
    eprintln!("{what}:\n{stdout}");
    assert!(
        status.success() && stdout.lines().last() == Some("PASS"),
        "{what}: {status}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
}

fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Waits for `child` to exit; after `deadline` kills its process group and
/// returns `None`.
fn wait_or_kill(child: &mut Child, deadline: Duration) -> Option<std::process::ExitStatus> {
    let end = Instant::now() + deadline;
    let mut pause = Duration::from_millis(5);
    loop {
        if let Some(status) = child.try_wait().expect("wait for the script") {
            return Some(status);
        }
        if Instant::now() >= end {
            let group = i32::try_from(child.id()).expect("pid");
            // SAFETY: kill(2) on the process group this test created.
            unsafe { libc::kill(-group, libc::SIGKILL) };
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(100));
    }
}

/// The commands redis-server counted in `INFO commandstats`.
fn commandstats(conn: &mut Conn) -> BTreeSet<String> {
    let Frame::Bulk(info) = conn.run(&["INFO", "commandstats"]) else {
        panic!("INFO commandstats");
    };
    String::from_utf8_lossy(&info)
        .lines()
        .filter_map(|l| l.strip_prefix("cmdstat_"))
        .filter_map(|l| l.split(':').next())
        .map(str::to_string)
        .collect()
}

/// Runs `library` against redis-server, then checks that every command
/// Redis counted is in the library's list.
fn on_redis(library: &Library) {
    let Some(toolchain) = Toolchain::find() else {
        return;
    };
    let target = Target::Redis(RedisServer::start());
    run(&toolchain, library, &target);
    let mut used = commandstats(&mut target.conn());
    used.remove("info");
    let listed: BTreeSet<String> = library.commands.iter().map(|c| c.to_string()).collect();
    let unlisted: Vec<&String> = used.difference(&listed).collect();
    assert!(
        unlisted.is_empty(),
        "{} sent commands its list in libraries.rs lacks: {unlisted:?}",
        library.script
    );
}

/// Runs `library` against keel.
fn on_keel(library: &Library) {
    let Some(toolchain) = Toolchain::find() else {
        return;
    };
    run(&toolchain, library, &Target::Keel(Keel::start()));
}

#[test]
fn celery_on_redis() {
    on_redis(&CELERY);
}

#[test]
fn celery_on_keel() {
    on_keel(&CELERY);
}

#[test]
fn redis_py_lock_on_redis() {
    on_redis(&LOCK);
}

#[test]
fn redis_py_lock_on_keel() {
    on_keel(&LOCK);
}

#[test]
fn rate_limiter_on_redis() {
    on_redis(&RATE_LIMITER);
}

#[test]
fn rate_limiter_on_keel() {
    on_keel(&RATE_LIMITER);
}

#[test]
fn ioredis_define_command_on_redis() {
    on_redis(&IOREDIS);
}

#[test]
fn ioredis_define_command_on_keel() {
    on_keel(&IOREDIS);
}

/// keel knows every command the libraries send: `COMMAND INFO` describes
/// each.
#[test]
fn keel_knows_every_other_command_the_libraries_send() {
    let keel = Keel::start();
    let mut conn = keel.conn();
    let commands: BTreeSet<&str> = LIBRARIES
        .iter()
        .flat_map(|l| l.commands.iter().copied())
        .collect();
    let unknown: Vec<&str> = commands
        .into_iter()
        .filter(|c| {
            let described = match conn.run(&["COMMAND", "INFO", c]) {
                Frame::Array(items) => {
                    matches!(items.as_slice(), [Frame::Array(info)] if !info.is_empty())
                }
                _ => false,
            };
            !described
        })
        .collect();
    assert!(unknown.is_empty(), "keel lacks {unknown:?}");
}
