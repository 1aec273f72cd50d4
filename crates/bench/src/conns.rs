//! Many idle connections to one server.
//!
//! Loopback has about 28k ephemeral ports per (source, destination) pair,
//! so connection `i` is bound to source address `127.0.0.<2 + i / 20000>`
//! (all of 127/8 is loopback) with `IP_BIND_ADDRESS_NO_PORT`, letting the
//! kernel pick the port at connect time. Each connection sends one PING and
//! waits for PONG, so the server has really accepted it.

use std::net::{Ipv4Addr, SocketAddr};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinSet;

/// Connections per source address (of ~28k ephemeral ports).
pub const PER_SOURCE: usize = 20_000;
/// Connections being set up at once.
const IN_FLIGHT: usize = 256;
/// Longest wait for one connection's PONG.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// The source address of the `index`-th connection.
pub fn source_addr(index: usize) -> Ipv4Addr {
    let n = 2 + index / PER_SOURCE;
    // 127.0.0.2 .. 127.0.0.255, then 127.0.1.0 ...: all loopback.
    Ipv4Addr::new(127, 0, (n >> 8) as u8, (n & 0xff) as u8)
}

/// Idle connections held open.
#[derive(Default)]
pub struct IdlePool {
    conns: Vec<TcpStream>,
    /// Connections ever started: the next one's source address index, so
    /// reopening after [`IdlePool::clear`] does not compete with the
    /// closed connections' TIME_WAIT ports.
    started: usize,
}

impl IdlePool {
    pub fn len(&self) -> usize {
        self.conns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.conns.is_empty()
    }

    /// Opens connections until `target` are held or `deadline` passes.
    /// Stops at the first failure and returns its message (e.g. the server
    /// refused more clients): what was opened is kept.
    pub async fn grow(
        &mut self,
        addr: SocketAddr,
        target: usize,
        deadline: Instant,
    ) -> Option<String> {
        let mut tasks = JoinSet::new();
        let mut pending = target.saturating_sub(self.conns.len());
        let mut failure = None;
        loop {
            while failure.is_none()
                && pending > 0
                && tasks.len() < IN_FLIGHT
                && Instant::now() < deadline
            {
                tasks.spawn(open(addr, source_addr(self.started)));
                self.started += 1;
                pending -= 1;
            }
            match tasks.join_next().await {
                None => break,
                Some(Ok(Ok(stream))) => self.conns.push(stream),
                Some(Ok(Err(e))) => {
                    failure.get_or_insert_with(|| format!("{e:#}"));
                }
                Some(Err(e)) => {
                    failure.get_or_insert_with(|| e.to_string());
                }
            }
        }
        if failure.is_none() && self.conns.len() < target {
            failure = Some(format!(
                "time limit reached after {} connections",
                self.conns.len()
            ));
        }
        failure
    }

    /// Closes every connection.
    pub fn clear(&mut self) {
        self.conns.clear();
    }
}

async fn open(addr: SocketAddr, source: Ipv4Addr) -> anyhow::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    let on: libc::c_int = 1;
    // SAFETY: a valid socket descriptor and an int option of the right size.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_IP,
            libc::IP_BIND_ADDRESS_NO_PORT,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        return Err(std::io::Error::last_os_error()).context("IP_BIND_ADDRESS_NO_PORT");
    }
    socket
        .bind(SocketAddr::from((source, 0)))
        .with_context(|| format!("cannot bind {source}"))?;
    let step = async {
        let mut stream = socket.connect(addr).await.context("connect")?;
        stream.write_all(b"*1\r\n$4\r\nPING\r\n").await?;
        let mut reply = [0u8; 7];
        stream
            .read_exact(&mut reply)
            .await
            .context("no reply to PING")?;
        if &reply != b"+PONG\r\n" {
            let mut rest = vec![0u8; 256];
            let n = stream.read(&mut rest).await.unwrap_or(0);
            let mut text = reply.to_vec();
            text.extend_from_slice(&rest[..n]);
            bail!("server answered {}", String::from_utf8_lossy(&text).trim());
        }
        anyhow::Ok(stream)
    };
    tokio::time::timeout(STEP_TIMEOUT, step)
        .await
        .context("connection timed out")?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_addresses_are_loopback_and_spread() {
        assert_eq!(source_addr(0), Ipv4Addr::new(127, 0, 0, 2));
        assert_eq!(source_addr(PER_SOURCE - 1), Ipv4Addr::new(127, 0, 0, 2));
        assert_eq!(source_addr(PER_SOURCE), Ipv4Addr::new(127, 0, 0, 3));
        assert_eq!(source_addr(254 * PER_SOURCE), Ipv4Addr::new(127, 0, 1, 0));
        assert!((0..2_000_000)
            .step_by(PER_SOURCE)
            .all(|i| source_addr(i).is_loopback()));
    }
}
