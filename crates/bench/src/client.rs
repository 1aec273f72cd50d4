//! A small pipelined RESP client over a tokio `TcpStream`: commands are
//! encoded with `resp::Frame::encode_command`, replies are counted with
//! `resp::skip` (no allocation on the hot path) or decoded with
//! `resp::decode` when their content matters.

use std::io;
use std::net::SocketAddr;
use std::time::Instant;

use resp::Frame;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Initial read buffer; it grows when a reply does not fit.
const READ_BUFFER: usize = 16 * 1024;

/// One connection to a server.
pub struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    /// Start of the bytes not yet consumed.
    pos: usize,
    /// End of the bytes read.
    end: usize,
}

fn invalid(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("bad reply: {e}"))
}

impl Conn {
    /// Connects with TCP_NODELAY.
    pub async fn connect(addr: SocketAddr) -> io::Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        Ok(Conn::new(stream))
    }

    /// Wraps a connected stream.
    pub fn new(stream: TcpStream) -> Conn {
        let _ = stream.set_nodelay(true);
        Conn {
            stream,
            buf: vec![0; READ_BUFFER],
            pos: 0,
            end: 0,
        }
    }

    /// Sends already encoded commands.
    pub async fn send(&mut self, wire: &[u8]) -> io::Result<()> {
        self.stream.write_all(wire).await
    }

    /// Sends one command and decodes its reply.
    pub async fn call<A: AsRef<[u8]>>(&mut self, args: &[A]) -> io::Result<Frame> {
        let mut wire = Vec::new();
        Frame::encode_command(args, &mut wire);
        self.send(&wire).await?;
        self.read_frame().await
    }

    /// Reads and decodes the next reply (or push message).
    pub async fn read_frame(&mut self) -> io::Result<Frame> {
        loop {
            if let Some((frame, used)) =
                resp::decode(&self.buf[self.pos..self.end]).map_err(invalid)?
            {
                self.pos += used;
                return Ok(frame);
            }
            self.fill().await?;
        }
    }

    /// Reads the next value and hands its raw bytes to `f` (framed with
    /// `resp::skip`, not built).
    pub async fn read_raw<R>(&mut self, f: impl FnOnce(&[u8]) -> R) -> io::Result<R> {
        loop {
            if let Some(value) = resp::skip(&self.buf[self.pos..self.end]).map_err(invalid)? {
                let start = self.pos;
                self.pos += value.len;
                return Ok(f(&self.buf[start..self.pos]));
            }
            self.fill().await?;
        }
    }

    /// Reads until `count` replies have arrived, calling `each(arrival,
    /// is_error)` for every one; `arrival` is when the read that completed
    /// it returned. Replies are only framed, never built.
    pub async fn read_replies(
        &mut self,
        mut count: usize,
        mut each: impl FnMut(Instant, bool),
    ) -> io::Result<()> {
        let mut now = Instant::now();
        while count > 0 {
            match resp::skip(&self.buf[self.pos..self.end]).map_err(invalid)? {
                Some(reply) => {
                    self.pos += reply.len;
                    count -= 1;
                    each(now, reply.error);
                }
                None => {
                    self.fill().await?;
                    now = Instant::now();
                }
            }
        }
        Ok(())
    }

    /// Reads more bytes, making room first.
    async fn fill(&mut self) -> io::Result<()> {
        if self.pos == self.end {
            self.pos = 0;
            self.end = 0;
        } else if self.end == self.buf.len() {
            if self.pos > 0 {
                self.buf.copy_within(self.pos..self.end, 0);
                self.end -= self.pos;
                self.pos = 0;
            } else {
                self.buf.resize(self.buf.len() * 2, 0);
            }
        }
        let n = self.stream.read(&mut self.buf[self.end..]).await?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "server closed the connection",
            ));
        }
        self.end += n;
        Ok(())
    }
}

/// Sends one command and fails unless the reply is not an error.
pub async fn expect_ok<A: AsRef<[u8]>>(conn: &mut Conn, args: &[A]) -> anyhow::Result<Frame> {
    match conn.call(args).await? {
        Frame::Error(e) => anyhow::bail!("{e}"),
        frame => Ok(frame),
    }
}
