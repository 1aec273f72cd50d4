//! Pub/sub fan-out: one publisher, many subscribers of one channel.
//!
//! The publisher sends `PUBLISH` in batches of `pipeline`, each message
//! carrying its send time; subscribers record each message's delivery
//! latency. The figure reported is messages *delivered* per second. When
//! the publisher is done it publishes `stop`: a subscriber that reads it
//! has read everything before it (pub/sub keeps order per connection).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use hdrhistogram::Histogram;
use resp::Frame;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::client::Conn;
use crate::loadgen::{budgets, Stop};
use crate::stats::{self, Measurement};
use crate::sys;

/// The channel every subscriber listens to.
const CHANNEL: &[u8] = b"bench:fanout";
/// How long subscribers may take to drain after the publisher stopped.
const DRAIN: Duration = Duration::from_secs(5);

/// One fan-out run's shape.
#[derive(Debug, Clone)]
pub struct PubsubSpec {
    pub subscribers: usize,
    pub pipeline: usize,
    /// Requests count published messages.
    pub stop: Stop,
}

struct Received {
    messages: u64,
    hist: Histogram<u64>,
    last: Option<Instant>,
}

/// Runs the fan-out against `addr`.
pub async fn run(
    addr: SocketAddr,
    spec: &PubsubSpec,
    server_pid: Option<u32>,
) -> anyhow::Result<Measurement> {
    let mut subscribers = Vec::with_capacity(spec.subscribers);
    for _ in 0..spec.subscribers.max(1) {
        let mut conn = Conn::connect(addr)
            .await
            .with_context(|| format!("cannot connect to {addr}"))?;
        match conn.call(&[&b"SUBSCRIBE"[..], CHANNEL]).await? {
            Frame::Array(items) | Frame::Push(items) if items.len() == 3 => {}
            other => bail!("unexpected SUBSCRIBE reply: {other:?}"),
        }
        subscribers.push(conn);
    }
    let mut publisher = Conn::connect(addr).await?;
    let budget = budgets(spec.stop, 1)[0];
    let pipeline = spec.pipeline.max(1);

    let cpu_before = sys::thread_cpu();
    let server_before = server_pid.and_then(sys::process_cpu);
    let start = Instant::now();
    let (give_up, give_up_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    for conn in subscribers {
        tasks.spawn(subscriber(conn, start, give_up_rx.clone()));
    }

    // Publish.
    let deadline = match spec.stop {
        Stop::Duration(d) => Some(start + d),
        Stop::Requests(_) => None,
    };
    let mut published = 0u64;
    let mut expected = 0u64;
    let mut wire = Vec::new();
    loop {
        let batch = match budget {
            Some(b) => (b - published).min(pipeline as u64) as usize,
            None => pipeline,
        };
        if batch == 0 || deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        wire.clear();
        let stamp = start.elapsed().as_nanos() as u64;
        let mut digits = itoa::Buffer::new();
        let payload = digits.format(stamp).as_bytes();
        for _ in 0..batch {
            Frame::encode_command(&[&b"PUBLISH"[..], CHANNEL, payload], &mut wire);
        }
        publisher.send(&wire).await?;
        for _ in 0..batch {
            match publisher.read_frame().await? {
                Frame::Integer(n) => expected += n.max(0) as u64,
                other => bail!("unexpected PUBLISH reply: {other:?}"),
            }
        }
        published += batch as u64;
    }
    publisher.call(&[&b"PUBLISH"[..], CHANNEL, b"stop"]).await?;

    // Let the subscribers drain, within bounds.
    let mut delivered = 0u64;
    let mut hist = stats::histogram();
    let mut last = start;
    let drain = tokio::time::sleep(DRAIN);
    tokio::pin!(drain);
    loop {
        tokio::select! {
            joined = tasks.join_next() => match joined {
                None => break,
                Some(joined) => {
                    let r = joined.context("subscriber task failed")??;
                    delivered += r.messages;
                    let _ = hist.add(&r.hist);
                    last = r.last.map_or(last, |l| l.max(last));
                }
            },
            _ = &mut drain, if !*give_up.borrow() => {
                let _ = give_up.send(true);
            }
        }
    }
    let end = Instant::now();
    let server_cpu = match (server_before, server_pid.and_then(sys::process_cpu)) {
        (Some(a), Some(b)) => Some(b.saturating_sub(a)),
        _ => None,
    };
    Ok(Measurement {
        ops: delivered,
        errors: expected.saturating_sub(delivered),
        elapsed: last.max(start + Duration::from_micros(1)) - start,
        hist,
        loadgen_cpu: sys::thread_cpu().saturating_sub(cpu_before),
        loadgen_threads: 1,
        server_cpu: server_cpu.map(|cpu| {
            // Scale to the delivery interval the throughput is computed over.
            let total = end - start;
            let window = last.max(start) - start;
            cpu.mul_f64(ratio_or_one(window, total))
        }),
        external: None,
    })
}

fn ratio_or_one(part: Duration, whole: Duration) -> f64 {
    if whole.is_zero() {
        1.0
    } else {
        (part.as_secs_f64() / whole.as_secs_f64()).min(1.0)
    }
}

async fn subscriber(
    mut conn: Conn,
    start: Instant,
    mut give_up: watch::Receiver<bool>,
) -> anyhow::Result<Received> {
    let mut received = Received {
        messages: 0,
        hist: stats::histogram(),
        last: None,
    };
    loop {
        let payload = tokio::select! {
            payload = conn.read_raw(message_payload) => payload?,
            _ = give_up.changed() => return Ok(received),
        };
        let now = Instant::now();
        let sent = match payload? {
            Payload::Stop => return Ok(received),
            Payload::Sent(ns) => start + Duration::from_nanos(ns),
        };
        stats::record(&mut received.hist, now.saturating_duration_since(sent));
        received.messages += 1;
        received.last = Some(now);
    }
}

/// What a subscriber read.
#[derive(Debug, PartialEq, Eq)]
enum Payload {
    /// A message sent this many ns after the start.
    Sent(u64),
    /// The publisher is done.
    Stop,
}

/// The payload of a raw `message` push (`*3` in RESP2, `>3` in RESP3),
/// without building frames: our payloads are digits or `stop`, so they are
/// the bytes between the last bulk header and the final CRLF.
fn message_payload(raw: &[u8]) -> anyhow::Result<Payload> {
    let is_message = raw.len() > 2
        && (raw.starts_with(b"*3\r\n$7\r\nmessage\r\n")
            || raw.starts_with(b">3\r\n$7\r\nmessage\r\n"));
    let body = &raw[..raw.len().saturating_sub(2)];
    let payload = body
        .iter()
        .rposition(|&b| b == b'\n')
        .map(|i| &body[i + 1..])
        .filter(|_| is_message);
    match payload {
        Some(b"stop") => Ok(Payload::Stop),
        Some(digits) => match resp::parse_int(digits) {
            Some(ns) if ns >= 0 => Ok(Payload::Sent(ns as u64)),
            _ => bail!(
                "message payload is not a timestamp: {:?}",
                String::from_utf8_lossy(digits)
            ),
        },
        None => bail!("unexpected push: {:?}", String::from_utf8_lossy(raw)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_are_read_from_raw_messages() {
        assert_eq!(
            message_payload(b"*3\r\n$7\r\nmessage\r\n$12\r\nbench:fanout\r\n$5\r\n12345\r\n")
                .unwrap(),
            Payload::Sent(12345)
        );
        assert_eq!(
            message_payload(b">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$4\r\nstop\r\n").unwrap(),
            Payload::Stop
        );
        assert!(message_payload(b"*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n").is_err());
        assert!(message_payload(b"*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nx\r\n").is_err());
    }
}
