//! `keel cli`: a small redis-cli style client.

use std::io::{BufRead, IsTerminal, Read, Write};
use std::net::TcpStream;

use anyhow::{bail, Context};
use clap::Args;
use resp::Frame;

/// Client options.
#[derive(Debug, Args)]
pub struct CliArgs {
    /// Server host.
    #[arg(short = 'H', long, default_value = "127.0.0.1")]
    host: String,
    /// Server port.
    #[arg(short, long, default_value_t = 6379)]
    port: u16,
    /// Password (AUTH) to use.
    #[arg(short = 'a', long)]
    password: Option<String>,
    /// Database number.
    #[arg(short = 'n', long, default_value_t = 0)]
    db: u32,
    /// Speak RESP3.
    #[arg(short = '3', long)]
    resp3: bool,
    /// Print replies raw, without types and quotes (default when not a terminal).
    #[arg(long)]
    raw: bool,
    /// A command to run instead of the interactive prompt.
    command: Vec<String>,
}

struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    fn connect(host: &str, port: u16) -> anyhow::Result<Client> {
        let stream = TcpStream::connect((host, port))
            .with_context(|| format!("Could not connect to keel at {host}:{port}"))?;
        stream.set_nodelay(true)?;
        Ok(Client {
            stream,
            buf: Vec::new(),
        })
    }

    fn call<A: AsRef<[u8]>>(&mut self, args: &[A]) -> anyhow::Result<Frame> {
        let mut wire = Vec::new();
        Frame::encode_command(args, &mut wire);
        self.stream.write_all(&wire)?;
        loop {
            if let Some((frame, used)) = resp::decode(&self.buf)? {
                self.buf.drain(..used);
                // Out-of-band pushes (pub/sub) are printed as they come.
                return Ok(frame);
            }
            let mut chunk = [0u8; 16 * 1024];
            let n = self.stream.read(&mut chunk)?;
            if n == 0 {
                bail!("Server closed the connection");
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

/// Runs one command, or the interactive prompt.
pub fn run(args: CliArgs) -> anyhow::Result<()> {
    let mut client = Client::connect(&args.host, args.port)?;
    let raw = args.raw || !std::io::stdout().is_terminal();
    if let Some(password) = &args.password {
        check(client.call(&["AUTH", password.as_str()])?)?;
    }
    if args.resp3 {
        check(client.call(&["HELLO", "3"])?)?;
    }
    if args.db != 0 {
        check(client.call(&["SELECT".to_string(), args.db.to_string()])?)?;
    }
    if !args.command.is_empty() {
        let reply = client.call(&args.command)?;
        print!("{}", format(&reply, raw));
        return Ok(());
    }
    interactive(&mut client, &args, raw)
}

fn check(reply: Frame) -> anyhow::Result<()> {
    match reply {
        Frame::Error(e) => bail!("{e}"),
        _ => Ok(()),
    }
}

fn interactive(client: &mut Client, args: &CliArgs, raw: bool) -> anyhow::Result<()> {
    let stdin = std::io::stdin();
    let mut db = args.db;
    loop {
        let prompt = if db == 0 {
            format!("{}:{}> ", args.host, args.port)
        } else {
            format!("{}:{}[{db}]> ", args.host, args.port)
        };
        print!("{prompt}");
        std::io::stdout().flush()?;
        let mut line = String::new();
        if stdin.lock().read_line(&mut line)? == 0 {
            return Ok(());
        }
        let Some(words) = resp::split_args(line.trim().as_bytes()) else {
            println!("Invalid argument(s)");
            continue;
        };
        let Some(first) = words.first() else {
            continue;
        };
        if first.eq_ignore_ascii_case(b"quit") || first.eq_ignore_ascii_case(b"exit") {
            return Ok(());
        }
        let reply = client.call(&words)?;
        if first.eq_ignore_ascii_case(b"select") && matches!(reply, Frame::Simple(_)) {
            db = words
                .get(1)
                .and_then(|w| std::str::from_utf8(w).ok()?.parse().ok())
                .unwrap_or(db);
        }
        print!("{}", format(&reply, raw));
    }
}

/// Formats a reply like redis-cli: typed and quoted on a terminal, raw
/// otherwise.
pub fn format(frame: &Frame, raw: bool) -> String {
    let mut out = String::new();
    if raw {
        format_raw(frame, &mut out);
    } else {
        format_tty(frame, 0, &mut out);
    }
    out
}

fn format_raw(frame: &Frame, out: &mut String) {
    match frame {
        Frame::Array(items) | Frame::Set(items) | Frame::Push(items) => {
            items.iter().for_each(|item| format_raw(item, out));
            return;
        }
        Frame::Map(pairs) => {
            for (k, v) in pairs {
                format_raw(k, out);
                format_raw(v, out);
            }
            return;
        }
        Frame::Simple(s) | Frame::Error(s) | Frame::BigNumber(s) => out.push_str(s),
        Frame::Integer(n) => out.push_str(&n.to_string()),
        Frame::Bulk(b) | Frame::Verbatim { text: b, .. } => {
            out.push_str(&String::from_utf8_lossy(b))
        }
        Frame::Null | Frame::NullArray => {}
        Frame::Double(d) => out.push_str(&resp::format_double(*d)),
        Frame::Boolean(b) => out.push_str(if *b { "1" } else { "0" }),
    }
    out.push('\n');
}

fn format_tty(frame: &Frame, indent: usize, out: &mut String) {
    match frame {
        Frame::Simple(s) => out.push_str(s),
        Frame::Error(e) => out.push_str(&format!("(error) {e}")),
        Frame::Integer(n) => out.push_str(&format!("(integer) {n}")),
        Frame::Bulk(b) => out.push_str(&quote(b)),
        Frame::Verbatim { text, .. } => out.push_str(&String::from_utf8_lossy(text)),
        Frame::Null | Frame::NullArray => out.push_str("(nil)"),
        Frame::Double(d) => out.push_str(&format!("(double) {}", resp::format_double(*d))),
        Frame::Boolean(b) => out.push_str(if *b { "(true)" } else { "(false)" }),
        Frame::BigNumber(n) => out.push_str(&format!("(big number) {n}")),
        Frame::Array(items) | Frame::Push(items) => {
            return format_items(items.iter(), ")", indent, out)
        }
        Frame::Set(items) => return format_items(items.iter(), "~", indent, out),
        Frame::Map(pairs) => {
            if pairs.is_empty() {
                out.push_str("(empty hash)\n");
                return;
            }
            let width = pairs.len().to_string().len();
            for (i, (k, v)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push_str(&" ".repeat(indent));
                }
                let label = format!("{:>width$}# ", i + 1);
                out.push_str(&label);
                let mut key = String::new();
                format_tty(k, 0, &mut key);
                out.push_str(key.trim_end());
                out.push_str(" => ");
                format_tty(v, indent + label.len() + key.trim_end().len() + 4, out);
            }
            return;
        }
    }
    out.push('\n');
}

fn format_items<'a>(
    items: impl ExactSizeIterator<Item = &'a Frame>,
    mark: &str,
    indent: usize,
    out: &mut String,
) {
    if items.len() == 0 {
        out.push_str(if mark == "~" {
            "(empty set)\n"
        } else {
            "(empty array)\n"
        });
        return;
    }
    let width = items.len().to_string().len();
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push_str(&" ".repeat(indent));
        }
        let label = format!("{:>width$}{mark} ", i + 1);
        out.push_str(&label);
        format_tty(item, indent + label.len(), out);
    }
}

/// Quotes a bulk string like redis-cli, escaping what is not printable.
fn quote(bytes: &[u8]) -> String {
    let mut s = String::from("\"");
    for &b in bytes {
        match b {
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            7 => s.push_str("\\a"),
            8 => s.push_str("\\b"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s.push('"');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tty_format_matches_redis_cli() {
        let nested = Frame::Array(vec![
            Frame::Array(vec![Frame::bulk("a"), Frame::bulk("b")]),
            Frame::bulk("c\n"),
            Frame::Integer(3),
            Frame::Null,
        ]);
        assert_eq!(
            format(&nested, false),
            "1) 1) \"a\"\n   2) \"b\"\n2) \"c\\n\"\n3) (integer) 3\n4) (nil)\n"
        );
        assert_eq!(format(&Frame::Array(vec![]), false), "(empty array)\n");
        assert_eq!(
            format(&Frame::Error("ERR x".into()), false),
            "(error) ERR x\n"
        );
        assert_eq!(format(&Frame::Simple("OK".into()), false), "OK\n");
    }

    #[test]
    fn raw_format() {
        let reply = Frame::Array(vec![Frame::bulk("a"), Frame::Integer(1)]);
        assert_eq!(format(&reply, true), "a\n1\n");
    }
}
