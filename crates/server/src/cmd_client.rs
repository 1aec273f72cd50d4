//! CLIENT subcommands.

use std::fmt::Write;
use std::time::Duration;

use bytes::Bytes;
use keyspace::{args, CmdError};

use crate::client::{ClientInfo, Control};
use crate::clock;
use crate::connection::{Connection, ReplyMode};
use crate::registry::ServerCommand;

/// The handlers of CLIENT's subcommands.
pub(crate) const HANDLERS: &[ServerCommand] = &[
    ServerCommand::sync("client|id", |c, _| {
        c.out.int(c.info.id as i64);
        Ok(())
    }),
    ServerCommand::sync("client|setname", |c, a| {
        c.set_name(a[2].clone())?;
        c.out.ok();
        Ok(())
    }),
    ServerCommand::sync("client|getname", |c, _| {
        let name = c.info.state.lock().name.clone();
        c.out.bulk_or_null(name.as_deref());
        Ok(())
    }),
    ServerCommand::sync("client|info", |c, _| {
        let line = describe(&c.info, Some(&c.out_snapshot()));
        c.out.verbatim("txt", line.as_bytes());
        Ok(())
    }),
    ServerCommand::sync("client|list", |c, a| c.client_list(a)),
    ServerCommand::sync("client|kill", |c, a| c.client_kill(a)),
    ServerCommand::sync("client|pause", |c, a| c.client_pause(a)),
    ServerCommand::sync("client|unpause", |c, _| {
        c.shared.pause.unpause();
        c.out.ok();
        Ok(())
    }),
    ServerCommand::sync("client|reply", |c, a| c.client_reply(&a[2])),
    ServerCommand::sync("client|no-evict", |c, a| {
        let on = on_off(&a[2])?;
        c.info.state.lock().no_evict = on;
        c.out.ok();
        Ok(())
    }),
    ServerCommand::sync("client|unblock", |c, a| c.client_unblock(a)),
    ServerCommand::sync("client|help", |c, _| {
        c.help("CLIENT", CLIENT_HELP);
        Ok(())
    }),
];

impl Connection {
    /// This connection's own output sizes, for CLIENT INFO.
    fn out_snapshot(&self) -> OutputSizes {
        OutputSizes {
            output: self.out.len(),
        }
    }

    fn client_list(&mut self, args: &[Bytes]) -> Result<(), CmdError> {
        let mut clients = self.shared.clients.all();
        let mut i = 2;
        while i < args.len() {
            if args::is(&args[i], "TYPE") && i + 1 < args.len() {
                let kind = String::from_utf8_lossy(&args[i + 1]).to_lowercase();
                match kind.as_str() {
                    "normal" => clients.retain(|c| !is_pubsub(c)),
                    "pubsub" => clients.retain(|c| is_pubsub(c)),
                    "master" | "replica" | "slave" => clients.clear(),
                    _ => return Err(CmdError::err(format!("Unknown client type '{kind}'"))),
                }
                i += 2;
            } else if args::is(&args[i], "ID") && i + 1 < args.len() {
                let mut ids = Vec::new();
                for id in &args[i + 1..] {
                    let id = resp::parse_int(id)
                        .filter(|n| *n > 0)
                        .ok_or_else(|| CmdError::err("Invalid client ID"))?;
                    ids.push(id as u64);
                }
                clients.retain(|c| ids.contains(&c.id));
                i = args.len();
            } else {
                return Err(CmdError::Syntax);
            }
        }
        let own = self.out_snapshot();
        let mut text = String::new();
        for client in clients {
            let sizes = (client.id == self.info.id).then_some(&own);
            text.push_str(&describe(&client, sizes));
        }
        self.out.verbatim("txt", text.as_bytes());
        Ok(())
    }

    fn client_kill(&mut self, args: &[Bytes]) -> Result<(), CmdError> {
        if args.len() == 3 {
            let addr = String::from_utf8_lossy(&args[2]);
            let target = self
                .shared
                .clients
                .all()
                .into_iter()
                .find(|c| c.addr == addr);
            let Some(client) = target else {
                return Err(CmdError::err("No such client"));
            };
            self.kill_client(&client);
            self.out.ok();
            return Ok(());
        }
        let filter = KillFilter::parse(&args[2..])?;
        let mut killed = 0;
        for client in self.shared.clients.all() {
            if filter.matches(&client, self.info.id) {
                self.kill_client(&client);
                killed += 1;
            }
        }
        self.out.int(killed);
        Ok(())
    }

    /// Kills a client; killing ourselves closes after this reply.
    fn kill_client(&mut self, client: &ClientInfo) {
        if client.id == self.info.id {
            self.closing = true;
        } else {
            client.kill();
        }
    }

    fn client_pause(&mut self, args: &[Bytes]) -> Result<(), CmdError> {
        let ms = resp::parse_int(&args[2])
            .ok_or_else(|| CmdError::err("timeout is not an integer or out of range"))?;
        if ms < 0 {
            return Err(CmdError::TimeoutNegative);
        }
        let all = match args.get(3) {
            None => true,
            Some(mode) if args::is(mode, "ALL") => true,
            Some(mode) if args::is(mode, "WRITE") => false,
            Some(_) => return Err(CmdError::Syntax),
        };
        if args.len() > 4 {
            return Err(CmdError::Syntax);
        }
        let until = clock::deadline_in(Duration::from_millis(ms as u64));
        self.shared.pause.pause(until, all);
        self.out.ok();
        Ok(())
    }

    fn client_reply(&mut self, mode: &[u8]) -> Result<(), CmdError> {
        if args::is(mode, "ON") {
            self.session.reply_mode = ReplyMode::On;
            self.out.ok();
        } else if args::is(mode, "OFF") {
            self.session.reply_mode = ReplyMode::Off;
        } else if args::is(mode, "SKIP") {
            if self.session.reply_mode == ReplyMode::On {
                self.session.reply_mode = ReplyMode::Skip;
            }
        } else {
            return Err(CmdError::Syntax);
        }
        Ok(())
    }

    fn client_unblock(&mut self, args: &[Bytes]) -> Result<(), CmdError> {
        let id = args::int(&args[2])?;
        let error = match args.get(3) {
            None => false,
            Some(m) if args::is(m, "TIMEOUT") => false,
            Some(m) if args::is(m, "ERROR") => true,
            Some(_) => {
                return Err(CmdError::err(
                    "CLIENT UNBLOCK reason should be TIMEOUT or ERROR",
                ))
            }
        };
        let target = u64::try_from(id)
            .ok()
            .and_then(|id| self.shared.clients.get(id));
        let unblocked = match target {
            Some(client) if self.shared.blocking.is_blocked(client.id) => {
                client.signal(Control::Unblock { error });
                true
            }
            _ => false,
        };
        self.out.int(i64::from(unblocked));
        Ok(())
    }
}

/// Output sizes only the client's own task knows.
struct OutputSizes {
    output: usize,
}

fn is_pubsub(client: &ClientInfo) -> bool {
    let state = client.state.lock();
    state.subscriptions + state.patterns > 0
}

/// One CLIENT LIST line, with Redis 7.0's fields.
fn describe(client: &ClientInfo, own: Option<&OutputSizes>) -> String {
    let state = client.state.lock().clone();
    let mut flags = String::new();
    if state.subscriptions + state.patterns > 0 {
        flags.push('P');
    }
    if state.multi.is_some() {
        flags.push('x');
    }
    if state.blocked {
        flags.push('b');
    }
    if state.no_evict {
        flags.push('e');
    }
    if flags.is_empty() {
        flags.push('N');
    }
    let idle = clock::now_ms().saturating_sub(state.last_interaction_ms) / 1000;
    let omem = own.map_or(0, |o| o.output) as u64 + client.pending_output();
    let mut line = String::new();
    let _ = writeln!(
        line,
        "id={} addr={} laddr={} fd=0 name={} age={} idle={} flags={} db={} sub={} psub={} ssub=0 multi={} qbuf={} qbuf-free=0 argv-mem=0 multi-mem={} rbs=0 rbp=0 obl=0 oll=0 omem={} tot-mem={} events=r cmd={} user=default redir=-1 resp={}",
        client.id,
        client.addr,
        client.laddr,
        String::from_utf8_lossy(state.name.as_deref().unwrap_or_default()),
        client.age_secs(),
        idle,
        flags,
        state.db,
        state.subscriptions,
        state.patterns,
        state.multi.map_or(-1, |n| n as i64),
        state.query_buffer,
        state.multi_mem,
        omem,
        omem,
        state.last_command,
        if client.resp3() { 3 } else { 2 },
    );
    line
}

/// The filters of `CLIENT KILL <filter> <value> ...`.
#[derive(Default)]
struct KillFilter {
    id: Option<u64>,
    pubsub: Option<bool>,
    addr: Option<String>,
    laddr: Option<String>,
    user: Option<String>,
    max_age: Option<u64>,
    skip_me: bool,
}

impl KillFilter {
    fn parse(args: &[Bytes]) -> Result<KillFilter, CmdError> {
        let mut f = KillFilter {
            skip_me: true,
            ..KillFilter::default()
        };
        if !args.len().is_multiple_of(2) {
            return Err(CmdError::Syntax);
        }
        for pair in args.chunks(2) {
            let value = String::from_utf8_lossy(&pair[1]).into_owned();
            let name = String::from_utf8_lossy(&pair[0]).to_lowercase();
            match name.as_str() {
                "id" => {
                    let id = resp::parse_int(&pair[1])
                        .filter(|n| *n > 0)
                        .ok_or_else(|| CmdError::err("client-id should be greater than 0"))?;
                    f.id = Some(id as u64);
                }
                "type" => {
                    f.pubsub = Some(match value.to_lowercase().as_str() {
                        "normal" => false,
                        "pubsub" => true,
                        _ => return Err(CmdError::err(format!("Unknown client type '{value}'"))),
                    })
                }
                "addr" => f.addr = Some(value),
                "laddr" => f.laddr = Some(value),
                "user" => f.user = Some(value),
                "maxage" => f.max_age = Some(args::non_negative(&pair[1])?),
                "skipme" => f.skip_me = on_off_yes(&pair[1])?,
                _ => return Err(CmdError::Syntax),
            }
        }
        Ok(f)
    }

    fn matches(&self, client: &ClientInfo, me: u64) -> bool {
        (!self.skip_me || client.id != me)
            && self.id.is_none_or(|id| client.id == id)
            && self.pubsub.is_none_or(|p| is_pubsub(client) == p)
            && self.addr.as_ref().is_none_or(|a| &client.addr == a)
            && self.laddr.as_ref().is_none_or(|a| &client.laddr == a)
            && self.user.as_ref().is_none_or(|u| u == "default")
            && self.max_age.is_none_or(|age| client.age_secs() >= age)
    }
}

fn on_off(arg: &[u8]) -> Result<bool, CmdError> {
    if args::is(arg, "ON") {
        Ok(true)
    } else if args::is(arg, "OFF") {
        Ok(false)
    } else {
        Err(CmdError::Syntax)
    }
}

fn on_off_yes(arg: &[u8]) -> Result<bool, CmdError> {
    if args::is(arg, "YES") {
        Ok(true)
    } else if args::is(arg, "NO") {
        Ok(false)
    } else {
        Err(CmdError::Syntax)
    }
}

const CLIENT_HELP: &[&str] = &[
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "    * ID <client-id>",
    "      Kill connections by client id.",
    "    * MAXAGE <maxage>",
    "      Kill connections older than the specified age.",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
];
