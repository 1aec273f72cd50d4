//! Crashes under concurrent write load: after every restart, every
//! acknowledged write is there with its value, and nothing else but the
//! writes that were in flight when the process died.
//!
//! Two kinds of crash:
//!
//! * `kill -9`: the process dies, the page cache survives;
//! * power loss: keel runs with `--test-lose-unsynced` (its data directory
//!   on `storage::PowerLossVfs`), so everything it did not fsync dies with
//!   the process. Only this one proves that acknowledgements wait for
//!   `fdatasync`; `os_durability_loses_writes_on_power_loss` shows that the
//!   test would catch a keel that did not.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::{Rng, SeedableRng};
use resp::Frame;
use support::KeelProcess;
use testkit::{wait_until, Conn};

const CLIENTS: usize = 4;

/// What the clients know: acknowledged values, and the one write each
/// client had in flight when the server died.
#[derive(Default)]
struct Model {
    acked: BTreeMap<String, String>,
    in_flight: Vec<(String, String)>,
}

/// Writes `SET c<client>:<n> v<n>` until the connection breaks.
fn client_loop(
    port: u16,
    client: usize,
    start: u64,
    model: Arc<Mutex<Model>>,
    stop: Arc<AtomicBool>,
) {
    let Ok(mut conn) = Conn::tcp(("127.0.0.1", port)) else {
        return;
    };
    let mut n = start;
    while !stop.load(Ordering::Relaxed) {
        let key = format!("c{client}:{n}");
        let value = format!("v{n}");
        model
            .lock()
            .expect("model")
            .in_flight
            .push((key.clone(), value.clone()));
        let ok = conn.try_send_raw(&encode(&["SET", &key, &value])).is_ok()
            && conn.try_read() == Some(Frame::Simple("OK".into()));
        let mut m = model.lock().expect("model");
        m.in_flight.retain(|(k, _)| *k != key);
        if !ok {
            m.in_flight.push((key, value));
            return;
        }
        m.acked.insert(key, value);
        n += 1;
    }
}

fn encode(args: &[&str]) -> Vec<u8> {
    let mut wire = Vec::new();
    Frame::encode_command(args, &mut wire);
    wire
}

fn iterations(default: u64) -> u64 {
    std::env::var("KEEL_CRASH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A configuration file with small log segments and frequent snapshots,
/// so that crashes also hit segment switches, snapshots and purges.
fn small_files(dir: &Path) -> String {
    let config = dir.join("keel.toml");
    std::fs::write(
        &config,
        "log-segment-bytes = 65536\nsnapshot-entries = 2000\n",
    )
    .expect("config");
    config.to_str().expect("utf-8 path").to_string()
}

#[test]
fn acknowledged_writes_survive_kill_9() {
    let dir = tempfile::tempdir().expect("dir");
    crash_loop(dir.path(), &["--durability", "fsync"], iterations(20));
}

#[test]
fn acknowledged_writes_survive_power_loss() {
    let dir = tempfile::tempdir().expect("dir");
    let config = small_files(dir.path());
    let data = dir.path().join("data");
    let args = [
        "--durability",
        "fsync",
        "--config",
        &config,
        "--test-lose-unsynced",
    ];
    crash_loop(&data, &args, iterations(10));
    // What the power losses left is an ordinary, undamaged data directory.
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_keel"))
        .arg("check")
        .arg("--dir")
        .arg(&data)
        .output()
        .expect("keel check");
    let text = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{text}");
}

#[test]
fn os_durability_loses_writes_on_power_loss() {
    // Mode `os` acknowledges before fdatasync: a power loss must lose some
    // acknowledged writes, or the power-loss test above proves nothing.
    let dir = tempfile::tempdir().expect("dir");
    let config = small_files(dir.path());
    let data = dir.path().join("data");
    let args = [
        "--durability",
        "os",
        "--config",
        &config,
        "--test-lose-unsynced",
    ];
    for attempt in 0..5 {
        let model = Arc::new(Mutex::new(Model::default()));
        load_then_kill(&data, &args, &model, attempt, 200);
        let keel = KeelProcess::start(&data, &args);
        let mut conn = keel.conn();
        let m = model.lock().expect("model");
        let lost = m
            .acked
            .keys()
            .filter(|key| conn.run(&["GET", key]) == Frame::Null)
            .count();
        drop(conn);
        keel.kill9();
        if lost > 0 {
            return;
        }
    }
    panic!("five power losses in mode os lost no acknowledged write");
}

/// Runs `iterations` rounds of load, crash, restart and verification.
fn crash_loop(dir: &Path, args: &[&str], iterations: u64) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x6b65656c);
    let model = Arc::new(Mutex::new(Model::default()));
    for iteration in 0..iterations {
        load_then_kill(dir, args, &model, iteration, rng.random_range(50..400));
        verify(dir, args, &model, iteration);
    }
}

/// Starts keel, lets `CLIENTS` clients write until `writes` more writes
/// are acknowledged, then kills keel with SIGKILL.
fn load_then_kill(
    dir: &Path,
    args: &[&str],
    model: &Arc<Mutex<Model>>,
    iteration: u64,
    writes: usize,
) {
    let keel = KeelProcess::start(dir, args);
    let stop = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (model, stop, port) = (model.clone(), stop.clone(), keel.port);
            std::thread::spawn(move || client_loop(port, c, iteration * 1_000_000, model, stop))
        })
        .collect();
    let target = model.lock().expect("model").acked.len() + writes;
    wait_until(Duration::from_secs(60), "writes to be acknowledged", || {
        model.lock().expect("model").acked.len() >= target
    });
    keel.kill9();
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().expect("client thread");
    }
}

/// Restarts keel and checks the dataset against the model.
fn verify(dir: &Path, args: &[&str], model: &Arc<Mutex<Model>>, iteration: u64) {
    let keel = KeelProcess::start(dir, args);
    let mut conn = keel.conn();
    let mut m = model.lock().expect("model");
    for (key, value) in &m.acked {
        assert_eq!(
            conn.run(&["GET", key]),
            Frame::Bulk(value.clone().into()),
            "iteration {iteration}: acknowledged {key} lost"
        );
    }
    // In-flight writes may or may not have made it; those that did join the model.
    let in_flight = std::mem::take(&mut m.in_flight);
    for (key, value) in in_flight {
        match conn.run(&["GET", &key]) {
            Frame::Null => {}
            Frame::Bulk(v) => {
                assert_eq!(
                    v,
                    value.as_bytes(),
                    "iteration {iteration}: {key} has a value nobody wrote"
                );
                m.acked.insert(key, value);
            }
            other => panic!("iteration {iteration}: GET {key} replied {other:?}"),
        }
    }
    assert_eq!(
        conn.run(&["DBSIZE"]),
        Frame::Integer(m.acked.len() as i64),
        "iteration {iteration}: unexpected keys"
    );
    drop(conn);
    keel.kill9();
}
