//! Pub/sub commands.

use bytes::Bytes;
use keyspace::CmdError;

use crate::connection::Connection;
use crate::registry::ServerCommand;

/// The handlers of the pub/sub family.
pub(crate) const HANDLERS: &[ServerCommand] = &[
    ServerCommand::sync("subscribe", |c, a| c.subscribe(a)),
    ServerCommand::sync("psubscribe", |c, a| c.psubscribe(a)),
    ServerCommand::sync("unsubscribe", |c, a| c.unsubscribe(a)),
    ServerCommand::sync("punsubscribe", |c, a| c.punsubscribe(a)),
    ServerCommand::sync("publish", |c, a| c.publish(a)),
    ServerCommand::sync("pubsub|channels", |c, a| c.pubsub_channels(a)),
    ServerCommand::sync("pubsub|numsub", |c, a| c.pubsub_numsub(a)),
    ServerCommand::sync("pubsub|numpat", |c, _| {
        c.out.int(c.shared.hub.numpat() as i64);
        Ok(())
    }),
    ServerCommand::sync("pubsub|help", |c, _| c.pubsub_help()),
];

/// Channels or patterns.
#[derive(Clone, Copy)]
enum Kind {
    Channel,
    Pattern,
}

impl Kind {
    fn unsubscribe_reply(self) -> &'static [u8] {
        match self {
            Kind::Channel => b"unsubscribe",
            Kind::Pattern => b"punsubscribe",
        }
    }
}

impl Connection {
    pub(crate) fn subscribe(&mut self, args: &[Bytes]) -> Result<(), CmdError> {
        for channel in &args[1..] {
            if self.shared.hub.subscribe(&self.info, channel) {
                self.session.channels.insert(channel.clone());
            }
            self.subscription_reply(b"subscribe", Some(channel));
        }
        self.sync_subscription_counts();
        Ok(())
    }

    pub(crate) fn psubscribe(&mut self, args: &[Bytes]) -> Result<(), CmdError> {
        for pattern in &args[1..] {
            if self.shared.hub.psubscribe(&self.info, pattern) {
                self.session.patterns.insert(pattern.clone());
            }
            self.subscription_reply(b"psubscribe", Some(pattern));
        }
        self.sync_subscription_counts();
        Ok(())
    }

    pub(crate) fn unsubscribe(&mut self, args: &[Bytes]) -> Result<(), CmdError> {
        if args.len() == 1 {
            self.unsubscribe_all_channels(true);
        } else {
            for channel in &args[1..] {
                self.shared.hub.unsubscribe(self.info.id, channel);
                self.session.channels.remove(channel);
                self.subscription_reply(b"unsubscribe", Some(channel));
            }
        }
        self.sync_subscription_counts();
        Ok(())
    }

    pub(crate) fn punsubscribe(&mut self, args: &[Bytes]) -> Result<(), CmdError> {
        if args.len() == 1 {
            self.unsubscribe_all_patterns(true);
        } else {
            for pattern in &args[1..] {
                self.shared.hub.punsubscribe(self.info.id, pattern);
                self.session.patterns.remove(pattern);
                self.subscription_reply(b"punsubscribe", Some(pattern));
            }
        }
        self.sync_subscription_counts();
        Ok(())
    }

    /// Leaves every channel; with `reply`, answers like UNSUBSCRIBE without
    /// arguments (one reply per channel, or one with a null channel).
    pub(crate) fn unsubscribe_all_channels(&mut self, reply: bool) {
        self.leave_all(Kind::Channel, reply);
    }

    /// Leaves every pattern (see [`Connection::unsubscribe_all_channels`]).
    pub(crate) fn unsubscribe_all_patterns(&mut self, reply: bool) {
        self.leave_all(Kind::Pattern, reply);
    }

    fn leave_all(&mut self, kind: Kind, reply: bool) {
        let set = match kind {
            Kind::Channel => &self.session.channels,
            Kind::Pattern => &self.session.patterns,
        };
        let mut names: Vec<Bytes> = set.iter().cloned().collect();
        names.sort();
        for name in &names {
            match kind {
                Kind::Channel => {
                    self.shared.hub.unsubscribe(self.info.id, name);
                    self.session.channels.remove(name);
                }
                Kind::Pattern => {
                    self.shared.hub.punsubscribe(self.info.id, name);
                    self.session.patterns.remove(name);
                }
            }
            if reply {
                self.subscription_reply(kind.unsubscribe_reply(), Some(name));
            }
        }
        if reply && names.is_empty() {
            self.subscription_reply(kind.unsubscribe_reply(), None);
        }
        self.sync_subscription_counts();
    }

    fn subscription_reply(&mut self, kind: &[u8], name: Option<&Bytes>) {
        let count = self.session.channels.len() + self.session.patterns.len();
        self.out.push(3);
        self.out.bulk(kind);
        self.out.bulk_or_null(name.map(|n| &n[..]));
        self.out.int(count as i64);
    }

    fn sync_subscription_counts(&self) {
        let mut state = self.info.state.lock();
        state.subscriptions = self.session.channels.len();
        state.patterns = self.session.patterns.len();
    }

    pub(crate) fn publish(&mut self, args: &[Bytes]) -> Result<(), CmdError> {
        let receivers = self.shared.publish(&args[1], &args[2]);
        self.out.int(receivers as i64);
        Ok(())
    }

    fn pubsub_channels(&mut self, args: &[Bytes]) -> Result<(), CmdError> {
        if args.len() > 3 {
            return Err(CmdError::Arity("pubsub|channels".into()));
        }
        let channels = self.shared.hub.channels(args.get(2).map(|p| &p[..]));
        self.out.bulk_array(channels.iter());
        Ok(())
    }

    fn pubsub_numsub(&mut self, args: &[Bytes]) -> Result<(), CmdError> {
        self.out.map(args.len() - 2);
        for channel in &args[2..] {
            self.out.bulk(channel);
            self.out.int(self.shared.hub.numsub(channel) as i64);
        }
        Ok(())
    }

    fn pubsub_help(&mut self) -> Result<(), CmdError> {
        self.help(
            "PUBSUB",
            &[
                "CHANNELS [<pattern>]",
                "    Return the currently active channels matching a <pattern> (default: '*').",
                "NUMPAT",
                "    Return number of subscriptions to patterns.",
                "NUMSUB [<channel> ...]",
                "    Return the number of subscribers for the specified channels, excluding",
                "    pattern subscriptions(default: no channels).",
            ],
        );
        Ok(())
    }

    /// Writes a `<CMD> HELP` reply in Redis's layout.
    pub(crate) fn help(&mut self, command: &str, lines: &[&str]) {
        self.out.array(lines.len() + 3);
        self.out.simple(&format!(
            "{command} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
        ));
        for line in lines {
            self.out.simple(line);
        }
        self.out.simple("HELP");
        self.out.simple("    Print this help.");
    }
}
