//! kill -9 under concurrent write load: after every restart, every
//! acknowledged write is there with its value, and nothing else but the
//! writes that were in flight when the process died.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::{Rng, SeedableRng};
use resp::Frame;
use support::Keel;
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

#[test]
fn acknowledged_writes_survive_kill_9() {
    let iterations: u64 = std::env::var("KEEL_CRASH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let dir = tempfile::tempdir().expect("dir");
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x6b65656c);
    let model = Arc::new(Mutex::new(Model::default()));
    for iteration in 0..iterations {
        let keel = Keel::start(dir.path());
        let stop = Arc::new(AtomicBool::new(false));
        let threads: Vec<_> = (0..CLIENTS)
            .map(|c| {
                let (model, stop, port) = (model.clone(), stop.clone(), keel.port);
                std::thread::spawn(move || client_loop(port, c, iteration * 1_000_000, model, stop))
            })
            .collect();
        // Let the load run until a random number of writes is acknowledged.
        let target = model.lock().expect("model").acked.len() + rng.random_range(50..400);
        wait_until(Duration::from_secs(60), "writes to be acknowledged", || {
            model.lock().expect("model").acked.len() >= target
        });
        keel.kill9();
        stop.store(true, Ordering::Relaxed);
        for t in threads {
            t.join().expect("client thread");
        }
        verify(dir.path(), &model, iteration);
    }
}

/// Restarts keel and checks the dataset against the model.
fn verify(dir: &Path, model: &Arc<Mutex<Model>>, iteration: u64) {
    let keel = Keel::start(dir);
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
