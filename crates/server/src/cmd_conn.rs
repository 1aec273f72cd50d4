//! Connection commands: PING, SELECT, AUTH, HELLO, QUIT, RESET, TIME.

use bytes::Bytes;
use keyspace::{args, CmdError};

use crate::clock;
use crate::connection::{Connection, ReplyMode};
use crate::registry::ServerCommand;

/// The Redis version keel reports, so clients enable every feature they
/// know from Redis 7.
pub const REDIS_VERSION: &str = "7.0.15";

/// The handlers of the connection family.
pub(crate) const HANDLERS: &[ServerCommand] = &[
    ServerCommand::sync("ping", |c, a| c.ping(a)),
    ServerCommand::sync("select", |c, a| c.select(a)),
    ServerCommand::sync("auth", |c, a| c.auth(a)),
    ServerCommand::sync("hello", |c, a| c.hello(a)),
    ServerCommand::sync("quit", |c, _| c.quit()),
    ServerCommand::waits("reset", |c, _| Box::pin(c.reset())),
    ServerCommand::sync("time", |c, _| c.time()),
];

const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";

impl Connection {
    pub(crate) fn ping(&mut self, args: &[Bytes]) -> Result<(), CmdError> {
        if args.len() > 2 {
            return Err(CmdError::Arity("ping".into()));
        }
        if self.session.subscribed() && !self.out.is_resp3() {
            self.out.array(2);
            self.out.bulk(b"pong");
            self.out.bulk(args.get(1).map_or(&b""[..], |a| a));
        } else if let Some(message) = args.get(1) {
            self.out.bulk(message);
        } else {
            self.out.simple("PONG");
        }
        Ok(())
    }

    pub(crate) fn select(&mut self, args: &[Bytes]) -> Result<(), CmdError> {
        let index = args::int(&args[1])?;
        let databases = self.shared.config.read().databases;
        let db = usize::try_from(index)
            .ok()
            .filter(|i| *i < databases)
            .ok_or(CmdError::DbIndexOutOfRange)?;
        self.session.db = db;
        self.info.state.lock().db = db;
        self.out.ok();
        Ok(())
    }

    pub(crate) fn auth(&mut self, args: &[Bytes]) -> Result<(), CmdError> {
        let (user, password) = match args.len() {
            2 => (&b"default"[..], &args[1]),
            3 => (&args[1][..], &args[2]),
            _ => return Err(CmdError::Syntax),
        };
        if self.shared.config.read().requirepass.is_none() && args.len() == 2 {
            return Err(CmdError::err(
                "AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
            ));
        }
        self.authenticate(user, password)?;
        self.out.ok();
        Ok(())
    }

    /// Checks credentials of the `default` user (the only user until ACLs
    /// exist) and marks the connection authenticated.
    fn authenticate(&mut self, user: &[u8], password: &[u8]) -> Result<(), CmdError> {
        let ok = user == b"default"
            && match &self.shared.config.read().requirepass {
                Some(expected) => constant_time_eq(expected.as_bytes(), password),
                None => true,
            };
        if !ok {
            return Err(CmdError::Other(WRONGPASS.into()));
        }
        self.session.authenticated = true;
        Ok(())
    }

    pub(crate) fn hello(&mut self, args: &[Bytes]) -> Result<(), CmdError> {
        let mut protocol = None;
        let mut i = 1;
        if let Some(version) = args.get(1) {
            let v = resp::parse_int(version).ok_or_else(|| {
                CmdError::err("Protocol version is not an integer or out of range")
            })?;
            if !(2..=3).contains(&v) {
                return Err(CmdError::Other(
                    "NOPROTO unsupported protocol version".into(),
                ));
            }
            protocol = Some(v == 3);
            i = 2;
        }
        let mut name = None;
        let mut credentials = None;
        while i < args.len() {
            let more = args.len() - i - 1;
            if args::is(&args[i], "AUTH") && more >= 2 {
                credentials = Some((args[i + 1].clone(), args[i + 2].clone()));
                i += 3;
            } else if args::is(&args[i], "SETNAME") && more >= 1 {
                name = Some(args[i + 1].clone());
                i += 2;
            } else {
                return Err(CmdError::err(format!(
                    "Syntax error in HELLO option '{}'",
                    String::from_utf8_lossy(&args[i])
                )));
            }
        }
        if let Some((user, password)) = credentials {
            self.authenticate(&user, &password)?;
        }
        if !self.session.authenticated {
            return Err(CmdError::Other(
                "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time".into(),
            ));
        }
        if let Some(name) = name {
            self.set_name(name)?;
        }
        if let Some(resp3) = protocol {
            self.out.set_resp3(resp3);
            self.info.set_resp3(resp3);
        }
        self.out.map(7);
        self.out.bulk(b"server");
        self.out.bulk(b"redis");
        self.out.bulk(b"version");
        self.out.bulk(REDIS_VERSION.as_bytes());
        self.out.bulk(b"proto");
        self.out.int(if self.out.is_resp3() { 3 } else { 2 });
        self.out.bulk(b"id");
        self.out.int(self.info.id as i64);
        self.out.bulk(b"mode");
        self.out.bulk(b"standalone");
        self.out.bulk(b"role");
        self.out.bulk(b"master");
        self.out.bulk(b"modules");
        self.out.array(0);
        Ok(())
    }

    pub(crate) fn quit(&mut self) -> Result<(), CmdError> {
        self.out.ok();
        self.closing = true;
        Ok(())
    }

    pub(crate) async fn reset(&mut self) -> Result<(), CmdError> {
        self.end_multi();
        self.unwatch().await;
        self.unsubscribe_all_channels(false);
        self.unsubscribe_all_patterns(false);
        self.session.db = 0;
        self.session.reply_mode = ReplyMode::On;
        self.session.authenticated = self.shared.config.read().requirepass.is_none();
        self.out.set_resp3(false);
        self.info.set_resp3(false);
        {
            let mut state = self.info.state.lock();
            state.db = 0;
            state.name = None;
        }
        self.out.simple("RESET");
        Ok(())
    }

    pub(crate) fn time(&mut self) -> Result<(), CmdError> {
        let us = clock::now_us();
        self.out.array(2);
        self.out.bulk_int((us / 1_000_000) as i64);
        self.out.bulk_int((us % 1_000_000) as i64);
        Ok(())
    }

    /// Validates and sets the connection name (CLIENT SETNAME, HELLO SETNAME).
    pub(crate) fn set_name(&mut self, name: Bytes) -> Result<(), CmdError> {
        if name.iter().any(|b| *b <= b' ' || *b > b'~') {
            return Err(CmdError::err(
                "Client names cannot contain spaces, newlines or special characters.",
            ));
        }
        self.info.state.lock().name = (!name.is_empty()).then_some(name);
        Ok(())
    }
}

/// Compares secrets without an early exit on the first differing byte.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
