//! Listening sockets and connection admission.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use crate::config::ConfigError;
use crate::connection;
use crate::shared::Shared;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot open the data directory: {0}")]
    Storage(#[from] replication::ReplicationError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

const PROTECTED: &[u8] = b"-DENIED keel is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. To accept other clients set a password (requirepass) or disable protected mode (CONFIG SET protected-mode no, or protected-mode = false in the config file).\r\n";

/// Binds every configured address. With port 0 the first bind picks a free
/// port and the others reuse it.
pub async fn bind(
    config: &crate::Config,
) -> Result<(Vec<TcpListener>, Vec<SocketAddr>), ServerError> {
    let mut listeners = Vec::new();
    let mut addrs: Vec<SocketAddr> = Vec::new();
    let mut port = config.port;
    for host in &config.bind {
        let addr = format!("{host}:{port}");
        let listener = TcpListener::bind(&addr)
            .await
            .map_err(|source| ServerError::Bind {
                addr: addr.clone(),
                source,
            })?;
        let local = listener
            .local_addr()
            .map_err(|source| ServerError::Bind { addr, source })?;
        port = local.port();
        addrs.push(local);
        listeners.push(listener);
    }
    Ok((listeners, addrs))
}

/// Accepts connections until shutdown, then waits for them to close.
pub async fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    if let Some(stream) = admit(&shared, stream, peer).await {
                        let local = stream.local_addr().unwrap_or(peer);
                        connections.spawn(connection::serve(shared.clone(), stream, peer, local));
                    }
                }
                Err(e) => {
                    // Out of file descriptors and the like: back off briefly.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            Some(joined) = connections.join_next(), if !connections.is_empty() => {
                report_panic(joined);
            }
            _ = shared.shutting_down() => break,
        }
    }
    while let Some(joined) = connections.join_next().await {
        report_panic(joined);
    }
}

/// Logs a connection task that panicked. The panic ended that connection
/// only; the connection released what it held when it was dropped.
fn report_panic(joined: Result<(), tokio::task::JoinError>) {
    if let Err(e) = joined {
        if e.is_panic() {
            tracing::error!(error = %e, "a connection task panicked; its client was disconnected");
        }
    }
}

/// Applies maxclients and protected mode; sets socket options.
async fn admit(shared: &Shared, mut stream: TcpStream, peer: SocketAddr) -> Option<TcpStream> {
    shared
        .stats
        .connections_received
        .fetch_add(1, Ordering::Relaxed);
    let (maxclients, protected, keepalive) = {
        let config = shared.config.read();
        (
            config.maxclients,
            config.protected_mode && config.requirepass.is_none(),
            config.tcp_keepalive,
        )
    };
    let refusal: Option<&[u8]> = if shared.clients.len() >= maxclients {
        Some(b"-ERR max number of clients reached\r\n")
    } else if protected && !peer.ip().is_loopback() {
        Some(PROTECTED)
    } else {
        None
    };
    if let Some(message) = refusal {
        shared
            .stats
            .rejected_connections
            .fetch_add(1, Ordering::Relaxed);
        let _ = stream.write_all(message).await;
        return None;
    }
    let _ = stream.set_nodelay(true);
    if keepalive > 0 {
        let params = socket2::TcpKeepalive::new().with_time(Duration::from_secs(keepalive));
        let _ = socket2::SockRef::from(&stream).set_tcp_keepalive(&params);
    }
    Some(stream)
}
