//! Preparing a run, unmeasured: bulk loading (GET needs its keys; the
//! memory benchmark its datasets) with many pipelined writes over a few
//! connections, and caching the script EVALSHA calls.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{bail, Context};
use tokio::task::JoinSet;

use crate::client::{expect_ok, Conn};

/// Commands in flight per connection while loading.
const PIPELINE: u64 = 512;
/// Connections used to load.
const CONNECTIONS: u64 = 4;

/// Empties the server (FLUSHALL).
pub async fn flush(addr: SocketAddr) -> anyhow::Result<()> {
    let mut conn = Conn::connect(addr).await?;
    expect_ok(&mut conn, &["FLUSHALL"]).await?;
    Ok(())
}

/// Caches `source` on the server with SCRIPT LOAD and checks that the
/// server names it `sha1`, the digest the workload's EVALSHA sends; fails
/// with the server's reply otherwise (a server without scripting answers
/// with an error).
pub async fn load_script(addr: SocketAddr, source: &str, sha1: &str) -> anyhow::Result<()> {
    let mut conn = Conn::connect(addr)
        .await
        .with_context(|| format!("cannot connect to {addr}"))?;
    match conn.call(&["SCRIPT", "LOAD", source]).await? {
        resp::Frame::Bulk(digest) if digest == sha1.as_bytes() => Ok(()),
        resp::Frame::Error(e) => bail!("SCRIPT LOAD of the workload's script failed: {e}"),
        other => bail!("SCRIPT LOAD of the workload's script answered {other:?}, expected {sha1}"),
    }
}

/// Sends `count` commands, the `i`-th written by `write(i, out)`, and fails
/// if any reply is an error.
pub async fn fill<F>(addr: SocketAddr, count: u64, write: F) -> anyhow::Result<()>
where
    F: Fn(u64, &mut Vec<u8>) + Send + Sync + 'static,
{
    let write = Arc::new(write);
    let mut tasks = JoinSet::new();
    let per_conn = count.div_ceil(CONNECTIONS);
    for c in 0..CONNECTIONS {
        let range = (c * per_conn).min(count)..((c + 1) * per_conn).min(count);
        if range.is_empty() {
            continue;
        }
        let write = write.clone();
        tasks.spawn(async move {
            let mut conn = Conn::connect(addr)
                .await
                .with_context(|| format!("cannot connect to {addr}"))?;
            let mut wire = Vec::new();
            let mut errors = 0u64;
            let mut first_error = None;
            let mut i = range.start;
            while i < range.end {
                let end = (i + PIPELINE).min(range.end);
                wire.clear();
                for n in i..end {
                    write(n, &mut wire);
                }
                conn.send(&wire).await?;
                conn.read_replies((end - i) as usize, |_, error| errors += u64::from(error))
                    .await?;
                if errors > 0 && first_error.is_none() {
                    // Ask again, one command, to say why.
                    wire.clear();
                    write(i, &mut wire);
                    conn.send(&wire).await?;
                    first_error = Some(conn.read_frame().await?);
                }
                i = end;
            }
            if errors > 0 {
                let why = match first_error {
                    Some(resp::Frame::Error(e)) => e,
                    other => format!("{other:?}"),
                };
                bail!("{errors} loading commands failed: {why}");
            }
            anyhow::Ok(())
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.context("loading task failed")??;
    }
    Ok(())
}
