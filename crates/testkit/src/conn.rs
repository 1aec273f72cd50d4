//! A blocking RESP client for tests.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use resp::Frame;

trait Stream: Read + Write + Send {}
impl<T: Read + Write + Send> Stream for T {}

/// One client connection. Replies are decoded into [`Frame`]s; RESP3 push
/// messages are returned like any other reply, in order.
pub struct Conn {
    stream: Box<dyn Stream>,
    buf: Vec<u8>,
}

impl Conn {
    /// Connects over TCP.
    pub fn tcp(addr: impl std::net::ToSocketAddrs) -> io::Result<Conn> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Conn::wrap(stream))
    }

    /// Connects over a Unix socket.
    pub fn unix(path: &Path) -> io::Result<Conn> {
        let stream = UnixStream::connect(path)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Conn::wrap(stream))
    }

    fn wrap(stream: impl Read + Write + Send + 'static) -> Conn {
        Conn {
            stream: Box::new(stream),
            buf: Vec::new(),
        }
    }

    /// Sends a command and reads its reply.
    pub fn run<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Frame {
        self.send(args);
        self.read()
    }

    /// Sends a command without reading the reply (pipelining).
    pub fn send<A: AsRef<[u8]>>(&mut self, args: &[A]) {
        let mut wire = Vec::new();
        Frame::encode_command(args, &mut wire);
        self.send_raw(&wire);
    }

    /// Sends raw bytes.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.try_send_raw(bytes).expect("write to server");
    }

    /// Sends raw bytes, reporting a closed connection instead of panicking.
    pub fn try_send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Reads one reply; panics if the connection closes or times out.
    pub fn read(&mut self) -> Frame {
        self.try_read().expect("server closed the connection")
    }

    /// Reads one reply, or `None` once the server closed the connection
    /// (a reset counts as closed).
    pub fn try_read(&mut self) -> Option<Frame> {
        loop {
            if let Some((frame, used)) = resp::decode(&self.buf).expect("valid RESP from server") {
                self.buf.drain(..used);
                return Some(frame);
            }
            let mut chunk = [0u8; 65536];
            let n = match self.stream.read(&mut chunk) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => 0,
                Err(e) => panic!("read from server: {e}"),
            };
            if n == 0 {
                return None;
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Command arguments from string slices.
    pub fn args(args: &[&str]) -> Vec<Bytes> {
        args.iter()
            .map(|a| Bytes::copy_from_slice(a.as_bytes()))
            .collect()
    }
}
