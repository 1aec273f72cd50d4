//! One client connection: read, parse every complete command, execute them
//! as a batch, write all replies with one flush.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use keyspace::{BlockRequest, Op};
use resp::{Limits, Parsed, Reply, RequestParser};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tracing::Instrument;

use crate::blocking::Waiter;
use crate::client::{ClientInfo, Control};
use crate::clock;
use crate::shared::Shared;
use crate::store::{engine_error, Batch};

/// Bytes read from the socket at a time.
const READ_CHUNK: usize = 16 * 1024;
/// Output buffer capacity kept between batches; more is released.
const KEEP_OUTPUT: usize = 64 * 1024;

/// What CLIENT REPLY asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyMode {
    On,
    Off,
    /// Skip the reply of the next command only.
    Skip,
}

/// A command queued inside MULTI.
#[derive(Debug)]
pub struct Queued {
    pub spec: &'static keyspace::CommandSpec,
    pub args: Vec<Bytes>,
    /// Database the command runs in (SELECT inside MULTI changes it).
    pub db: usize,
}

impl Queued {
    /// Queued arguments shorter than this are copied out of the read buffer
    /// they were parsed from: to ensure the queue holds what it counts, a
    /// small argument must not keep a whole read buffer alive.
    const COPY_BELOW: usize = READ_CHUNK;

    /// A queued command, holding its arguments in memory of their own.
    pub fn new(spec: &'static keyspace::CommandSpec, args: Vec<Bytes>, db: usize) -> Queued {
        let args = args
            .into_iter()
            .map(|a| {
                if a.len() < Self::COPY_BELOW {
                    Bytes::copy_from_slice(&a)
                } else {
                    a
                }
            })
            .collect();
        Queued { spec, args, db }
    }

    /// Memory this queued command holds: its arguments, their slots and
    /// the entry itself.
    pub fn size(&self) -> usize {
        std::mem::size_of::<Queued>()
            + self
                .args
                .iter()
                .map(|a| a.len() + std::mem::size_of::<Bytes>())
                .sum::<usize>()
    }
}

/// MULTI state.
#[derive(Debug, Default)]
pub struct Multi {
    pub queued: Vec<Queued>,
    /// Memory the queue holds ([`Queued::size`]); it counts against the
    /// query buffer limit, as in Redis.
    pub bytes: usize,
    /// Database for the next queued command.
    pub db: usize,
    /// A command failed to queue: EXEC answers EXECABORT.
    pub failed: bool,
}

/// Per-connection protocol state.
#[derive(Debug)]
pub struct Session {
    pub db: usize,
    pub authenticated: bool,
    pub multi: Option<Multi>,
    /// Keys are watched (an UNWATCH is owed to the log).
    pub watching: bool,
    pub channels: HashSet<Bytes>,
    pub patterns: HashSet<Bytes>,
    pub reply_mode: ReplyMode,
}

impl Session {
    /// Subscribed to anything (RESP2 restricts the commands then).
    pub fn subscribed(&self) -> bool {
        !self.channels.is_empty() || !self.patterns.is_empty()
    }
}

/// A client connection and its task's state.
pub struct Connection {
    pub shared: Arc<Shared>,
    pub info: Arc<ClientInfo>,
    stream: TcpStream,
    read_buf: BytesMut,
    parser: RequestParser,
    pub out: Reply,
    pub session: Session,
    /// Close after flushing (QUIT, protocol error, kill).
    pub closing: bool,
    /// A framing error to report before closing.
    protocol_error: Option<String>,
}

/// Serves one accepted connection until it closes.
pub async fn serve(shared: Arc<Shared>, stream: TcpStream, peer: SocketAddr, local: SocketAddr) {
    let info = shared.clients.register(peer.to_string(), local.to_string());
    if shared.is_shutting_down() {
        info.kill();
    }
    let span = tracing::debug_span!("conn", id = info.id, %peer);
    let authenticated = shared.config.read().requirepass.is_none();
    let mut conn = Connection {
        shared: shared.clone(),
        info: info.clone(),
        stream,
        read_buf: BytesMut::new(),
        parser: RequestParser::new(),
        out: Reply::new(false),
        session: Session {
            db: 0,
            authenticated,
            multi: None,
            watching: false,
            channels: HashSet::new(),
            patterns: HashSet::new(),
            reply_mode: ReplyMode::On,
        },
        closing: false,
        protocol_error: None,
    };
    async {
        tracing::debug!("connected");
        if let Err(e) = conn.run().await {
            tracing::debug!(error = %e, "connection error");
        }
        conn.unwatch().await;
        tracing::debug!("disconnected");
    }
    .instrument(span)
    .await;
}

impl Connection {
    /// To keep idle connections small, the idle wait holds only the
    /// socket's readiness, the control queue (which also carries shutdown)
    /// and the optional idle timer.
    async fn run(&mut self) -> std::io::Result<()> {
        loop {
            let (commands, more) = self.parse_commands();
            if !commands.is_empty() {
                // Boxed: the (large) execution state exists only while
                // commands run, so an idle connection's task stays small.
                Box::pin(self.execute(commands)).await;
            }
            self.flush().await?;
            if self.closing || self.info.is_killed() {
                return Ok(());
            }
            if more {
                continue;
            }
            if self.read_buf.is_empty() && !self.parser.in_progress() {
                // Idle connections keep no buffers.
                self.read_buf = BytesMut::new();
                self.out.shrink_to(0);
            }
            let idle = self.idle_timeout();
            tokio::select! {
                ready = self.stream.readable() => {
                    ready?;
                    if !self.read_some()? {
                        return Ok(());
                    }
                }
                control = self.info.next_signal() => {
                    if !Box::pin(self.on_control(control)).await? {
                        return Ok(());
                    }
                }
                _ = sleep_opt(idle) => return Ok(()),
            }
        }
    }

    /// Reads what the socket has; false on EOF. Enforces the query buffer
    /// limit.
    fn read_some(&mut self) -> std::io::Result<bool> {
        let wanted = self
            .parser
            .wanted()
            .saturating_sub(self.read_buf.len())
            .clamp(READ_CHUNK, 1024 * 1024);
        self.read_buf.reserve(wanted);
        match self.stream.try_read_buf(&mut self.read_buf) {
            Ok(0) => Ok(false),
            Ok(n) => {
                self.shared
                    .stats
                    .net_input_bytes
                    .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
                Ok(!self.over_query_buffer_limit())
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok(true),
            Err(e) => Err(e),
        }
    }

    /// True (and logged) when the client's query buffer, in Redis's broad
    /// sense, exceeds `client-query-buffer-limit`: unparsed input, the
    /// partial command the parser holds and the MULTI queue. Such a client
    /// is disconnected without a reply, as Redis does.
    pub fn over_query_buffer_limit(&self) -> bool {
        let limit = self.shared.config.read().client_query_buffer_limit;
        let queued = self.session.multi.as_ref().map_or(0, |m| m.bytes);
        let used = self.read_buf.len() + self.parser.buffered() + queued;
        let over = used as u64 > limit;
        if over {
            tracing::warn!(
                client = self.info.id,
                used,
                "closing client that reached the query buffer limit"
            );
        }
        over
    }

    /// Parses the complete commands in the read buffer; true with them if
    /// parsing stopped early and the buffer may hold more. A framing error
    /// queues `-ERR Protocol error: ...` and closes the connection.
    ///
    /// To ensure each command is parsed with the authentication state that
    /// holds when it runs, an unauthenticated client's commands are parsed
    /// one at a time: an AUTH lifts the tighter limits for the rest of its
    /// pipeline.
    fn parse_commands(&mut self) -> (Vec<Vec<Bytes>>, bool) {
        let limits = {
            let config = self.shared.config.read();
            Limits {
                max_bulk_len: usize::try_from(config.proto_max_bulk_len).unwrap_or(usize::MAX),
                ..Limits::default()
            }
        };
        let mut commands = Vec::new();
        loop {
            match self
                .parser
                .parse(&mut self.read_buf, &limits, self.session.authenticated)
            {
                Ok(Parsed::Command(args)) => {
                    commands.push(args);
                    if !self.session.authenticated {
                        return (commands, true);
                    }
                }
                Ok(Parsed::Incomplete) => break,
                Err(e) => {
                    // Commands before the bad frame still run; then close.
                    self.protocol_error = Some(e.to_string());
                    break;
                }
            }
        }
        (commands, false)
    }

    /// Writes the pending output with one write call.
    pub async fn flush(&mut self) -> std::io::Result<()> {
        if let Some(error) = self.protocol_error.take() {
            self.out.error(&format!("ERR {error}"));
            self.closing = true;
        }
        if self.out.is_empty() {
            return Ok(());
        }
        self.stream.write_all(self.out.as_bytes()).await?;
        self.shared
            .stats
            .net_output_bytes
            .fetch_add(self.out.len() as u64, std::sync::atomic::Ordering::Relaxed);
        self.out.clear();
        self.out.shrink_to(KEEP_OUTPUT);
        Ok(())
    }

    /// Handles a control signal while idle; false to close. Pushes already
    /// queued behind the first are written with it in one flush, so a busy
    /// subscriber costs one write per wake-up, not one per message.
    async fn on_control(&mut self, control: Control) -> std::io::Result<bool> {
        let mut next = Some(control);
        let mut open = true;
        while let Some(control) = next.take() {
            match control {
                Control::Push(bytes) => {
                    self.out.raw(&bytes);
                    self.info.written(bytes.len());
                }
                Control::Kill => open = false,
                Control::Unblock { .. } => {}
            }
            if open && self.out.len() < KEEP_OUTPUT {
                next = self.info.try_signal();
            }
        }
        self.flush().await?;
        Ok(open)
    }

    fn idle_timeout(&self) -> Option<Duration> {
        let secs = self.shared.config.read().timeout;
        (secs > 0 && !self.session.subscribed()).then(|| Duration::from_secs(secs))
    }

    /// Waits for a blocked command's keys, retrying the command whenever
    /// one is signalled ready, until it is served, times out, the client is
    /// unblocked or killed, or the connection closes.
    pub async fn block(&mut self, args: Vec<Bytes>, request: BlockRequest, waiter: Waiter) {
        let deadline = (request.timeout_ms > 0)
            .then(|| clock::deadline_in(Duration::from_millis(request.timeout_ms)));
        self.info.state.lock().blocked = true;
        let outcome = loop {
            tokio::select! {
                _ = waiter.notify.notified() => {
                    let batch = Batch {
                        ops: vec![Op::Command { db: self.session.db, resp3: self.out.is_resp3(), args: args.clone() }],
                        resp3: self.out.is_resp3(),
                        waiter: Some(waiter.clone()),
                    };
                    match self.shared.store.write(batch).await {
                        Ok(applied) if applied.outcomes.iter().all(|o| o.blocked.is_none()) => {
                            break Some(Ok(applied.reply));
                        }
                        Ok(_) => {}
                        Err(e) => break Some(Err(e)),
                    }
                }
                _ = sleep_until_opt(deadline) => break None,
                control = self.info.next_signal() => match control {
                    Control::Push(bytes) => {
                        if self.stream.write_all(&bytes).await.is_err() {
                            self.closing = true;
                            break None;
                        }
                        self.info.written(bytes.len());
                    }
                    Control::Unblock { error: true } => {
                        self.shared.blocking.unregister(waiter.ticket);
                        self.out.error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
                        self.info.state.lock().blocked = false;
                        return;
                    }
                    Control::Unblock { error: false } => break None,
                    Control::Kill => {
                        self.closing = true;
                        break None;
                    }
                },
                ready = self.stream.readable() => {
                    // Keep reading so a disconnect is noticed; commands wait.
                    if ready.is_err() || !matches!(self.read_some(), Ok(true)) {
                        self.closing = true;
                        break None;
                    }
                }
            }
        };
        self.info.state.lock().blocked = false;
        match outcome {
            Some(Ok(reply)) => self.out.raw(&reply),
            Some(Err(e)) => {
                self.shared.blocking.unregister(waiter.ticket);
                self.out.error(&engine_error(&e).to_string());
            }
            None => {
                self.shared.blocking.unregister(waiter.ticket);
                // A killed or disconnected client gets no reply, as in
                // Redis: a null here would read as a timeout.
                if !self.closing {
                    request.timeout_reply.write(&mut self.out);
                }
            }
        }
    }

    /// A waiter for this connection.
    pub fn waiter(&self) -> Waiter {
        Waiter {
            ticket: self.shared.blocking.ticket(),
            client_id: self.info.id,
            notify: Arc::new(Notify::new()),
        }
    }

    /// Drops this connection's WATCHes (through the log, where they live).
    pub async fn unwatch(&mut self) {
        if let Some(batch) = self.unwatch_batch() {
            if let Err(e) = self.shared.store.write(batch).await {
                tracing::warn!(error = %e, "could not drop a connection's watches");
            }
        }
    }

    /// The logged op that drops this connection's WATCHes, if it has any
    /// (it then no longer counts as watching).
    fn unwatch_batch(&mut self) -> Option<Batch> {
        std::mem::take(&mut self.session.watching).then(|| Batch {
            ops: vec![Op::Unwatch {
                session: self.session_id(),
            }],
            resp3: false,
            waiter: None,
        })
    }

    /// This connection's WATCH session id.
    pub fn session_id(&self) -> u64 {
        self.shared.store.session_id(self.info.id)
    }
}

impl Drop for Connection {
    /// To ensure a connection task that ends any way, a panic included,
    /// affects no one else, the connection releases here what it holds
    /// elsewhere: its subscriptions, its WATCH session (dropped through the
    /// log by a task of its own if the connection could not do it) and its
    /// client registry entry, i.e. its `maxclients` slot.
    fn drop(&mut self) {
        for channel in std::mem::take(&mut self.session.channels) {
            self.shared.hub.unsubscribe(self.info.id, &channel);
        }
        for pattern in std::mem::take(&mut self.session.patterns) {
            self.shared.hub.punsubscribe(self.info.id, &pattern);
        }
        if let (Some(batch), Ok(runtime)) =
            (self.unwatch_batch(), tokio::runtime::Handle::try_current())
        {
            let shared = self.shared.clone();
            runtime.spawn(async move {
                if let Err(e) = shared.store.write(batch).await {
                    tracing::warn!(error = %e, "could not drop a connection's watches");
                }
            });
        }
        self.shared.clients.unregister(self.info.id);
    }
}

/// Sleeps for `duration`, or forever. To keep idle connections small the
/// timer is boxed: a connection without a timeout carries none in its
/// future (a tokio `Sleep` is over 100 bytes).
async fn sleep_opt(duration: Option<Duration>) {
    sleep_until_opt(duration.map(clock::deadline_in)).await
}

/// Sleeps until `deadline`, or forever; boxed as in [`sleep_opt`].
async fn sleep_until_opt(deadline: Option<Instant>) {
    match deadline {
        Some(d) => Box::pin(tokio::time::sleep_until(d.into())).await,
        None => std::future::pending().await,
    }
}
