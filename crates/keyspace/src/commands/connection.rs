//! Connection, transaction, pub/sub and server administration commands.
//!
//! Apart from ECHO these act on the connection or the server process, so the
//! table marks them [`Handler::Server`] and the server executes them; they
//! are listed here so that arity checks, `COMMAND` and key extraction treat
//! every command alike.

use bytes::Bytes;
use resp::Reply;

use crate::table::{CommandSpec as C, Flags as F, Group as G, Handler as H};
use crate::{CmdResult, Ctx, Keyspace};

const ADMIN: &[F] = &[F::ADMIN, F::NOSCRIPT, F::LOADING, F::STALE];
const CONN: &[F] = &[F::NOSCRIPT, F::LOADING, F::STALE];
const TX: &[F] = &[F::NOSCRIPT, F::LOADING, F::STALE, F::FAST, F::ALLOW_BUSY];
const PUBSUB: &[F] = &[F::PUBSUB, F::NOSCRIPT, F::LOADING, F::STALE];
const AUTH: &[F] = &[
    F::NOSCRIPT,
    F::LOADING,
    F::STALE,
    F::FAST,
    F::NO_AUTH,
    F::ALLOW_BUSY,
];

pub(crate) const COMMANDS: &[C] = &[
    C::new("ping", -1, G::Connection, H::Server)
        .flags(&[F::FAST])
        .doc("Returns the server's liveliness response.", "1.0.0", "O(1)"),
    C::new("echo", 2, G::Connection, H::Read(echo))
        .flags(&[F::FAST])
        .doc("Returns the given string.", "1.0.0", "O(1)"),
    C::new("select", 2, G::Connection, H::Server)
        .flags(&[F::LOADING, F::STALE, F::FAST])
        .doc("Changes the selected database.", "1.0.0", "O(1)"),
    C::new("auth", -2, G::Connection, H::Server)
        .flags(AUTH)
        .doc("Authenticates the connection.", "1.0.0", "O(N) where N is the number of passwords defined for the user"),
    C::new("hello", -1, G::Connection, H::Server)
        .flags(AUTH)
        .doc("Handshakes with the Redis server.", "6.0.0", "O(1)"),
    C::new("quit", -1, G::Connection, H::Server)
        .flags(AUTH)
        .doc("Closes the connection.", "1.0.0", "O(1)"),
    C::new("reset", 1, G::Connection, H::Server)
        .flags(AUTH)
        .doc("Resets the connection.", "6.2.0", "O(1)"),
    C::new("client", -2, G::Connection, H::Container)
        .doc("A container for client connection commands.", "2.4.0", "Depends on subcommand.")
        .subcommands(CLIENT),
    C::new("multi", 1, G::Transactions, H::Server)
        .flags(TX)
        .doc("Starts a transaction.", "1.2.0", "O(1)"),
    C::new("exec", 1, G::Transactions, H::Server)
        .flags(&[F::NOSCRIPT, F::LOADING, F::STALE, F::SKIP_SLOWLOG])
        .doc("Executes all commands in a transaction.", "1.2.0", "Depends on commands in the transaction"),
    C::new("discard", 1, G::Transactions, H::Server)
        .flags(TX)
        .doc("Discards a transaction.", "2.0.0", "O(N), when N is the number of queued commands"),
    C::new("watch", -2, G::Transactions, H::Server)
        .flags(TX)
        .keys(1, -1, 1)
        .doc("Monitors changes to keys to determine the execution of a transaction.", "2.2.0", "O(1) for every key."),
    C::new("unwatch", 1, G::Transactions, H::Server)
        .flags(TX)
        .doc("Forgets about watched keys of a transaction.", "2.2.0", "O(1)"),
    C::new("subscribe", -2, G::PubSub, H::Server)
        .flags(PUBSUB)
        .doc("Listens for messages published to channels.", "2.0.0", "O(N) where N is the number of channels to subscribe to."),
    C::new("psubscribe", -2, G::PubSub, H::Server)
        .flags(PUBSUB)
        .doc("Listens for messages published to channels that match one or more patterns.", "2.0.0", "O(N) where N is the number of patterns to subscribe to."),
    C::new("unsubscribe", -1, G::PubSub, H::Server)
        .flags(PUBSUB)
        .doc("Stops listening to messages posted to channels.", "2.0.0", "O(N) where N is the number of channels to unsubscribe."),
    C::new("punsubscribe", -1, G::PubSub, H::Server)
        .flags(PUBSUB)
        .doc("Stops listening to messages published to channels that match one or more patterns.", "2.0.0", "O(N) where N is the number of patterns to unsubscribe."),
    C::new("publish", 3, G::PubSub, H::Server)
        .flags(&[F::PUBSUB, F::LOADING, F::STALE, F::FAST, F::MAY_REPLICATE])
        .doc("Posts a message to a channel.", "2.0.0", "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client)."),
    C::new("pubsub", -2, G::PubSub, H::Container)
        .doc("A container for Pub/Sub commands.", "2.8.0", "Depends on subcommand.")
        .subcommands(PUBSUB_SUBS),
    C::new("info", -1, G::Server, H::Server)
        .flags(&[F::LOADING, F::STALE])
        .doc("Returns information and statistics about the server.", "1.0.0", "O(1)"),
    C::new("config", -2, G::Server, H::Container)
        .doc("A container for server configuration commands.", "2.0.0", "Depends on subcommand.")
        .subcommands(CONFIG),
    C::new("time", 1, G::Server, H::Server)
        .flags(&[F::LOADING, F::STALE, F::FAST])
        .doc("Returns the server time.", "2.6.0", "O(1)"),
    C::new("shutdown", -1, G::Server, H::Server)
        .flags(&[F::ADMIN, F::NOSCRIPT, F::LOADING, F::STALE, F::NO_MULTI, F::ALLOW_BUSY])
        .doc("Synchronously saves the database(s) to disk and shuts down the Redis server.", "1.0.0", "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)"),
    C::new("slowlog", -2, G::Server, H::Container)
        .doc("A container for slow log commands.", "2.2.12", "Depends on subcommand.")
        .subcommands(SLOWLOG),
    C::new("command", -1, G::Server, H::Server)
        .flags(&[F::LOADING, F::STALE])
        .doc("Returns detailed information about all commands.", "2.8.13", "O(N) where N is the total number of Redis commands")
        .subcommands(COMMAND),
    C::new("save", 1, G::Server, H::Server)
        .flags(&[F::ADMIN, F::NOSCRIPT, F::NO_MULTI])
        .doc("Synchronously saves the database(s) to disk.", "1.0.0", "O(N) where N is the total number of keys in all databases"),
    C::new("bgsave", -1, G::Server, H::Server)
        .flags(&[F::ADMIN, F::NOSCRIPT])
        .doc("Asynchronously saves the database(s) to disk.", "1.0.0", "O(1)"),
    C::new("lastsave", 1, G::Server, H::Server)
        .flags(&[F::LOADING, F::STALE, F::FAST])
        .doc("Returns the Unix timestamp of the last successful save to disk.", "1.0.0", "O(1)"),
];

const CLIENT: &[C] = &[
    C::new("client|id", 2, G::Connection, H::Server)
        .flags(CONN)
        .doc(
            "Returns the unique client ID of the connection.",
            "5.0.0",
            "O(1)",
        ),
    C::new("client|setname", 3, G::Connection, H::Server)
        .flags(CONN)
        .doc("Sets the connection name.", "2.6.9", "O(1)"),
    C::new("client|getname", 2, G::Connection, H::Server)
        .flags(CONN)
        .doc("Returns the name of the connection.", "2.6.9", "O(1)"),
    C::new("client|list", -2, G::Connection, H::Server)
        .flags(ADMIN)
        .doc(
            "Lists open connections.",
            "2.4.0",
            "O(N) where N is the number of client connections",
        ),
    C::new("client|info", 2, G::Connection, H::Server)
        .flags(CONN)
        .doc("Returns information about the connection.", "6.2.0", "O(1)"),
    C::new("client|kill", -3, G::Connection, H::Server)
        .flags(ADMIN)
        .doc(
            "Terminates open connections.",
            "2.4.0",
            "O(N) where N is the number of client connections",
        ),
    C::new("client|pause", -3, G::Connection, H::Server)
        .flags(ADMIN)
        .doc("Suspends commands processing.", "3.0.0", "O(1)"),
    C::new("client|unpause", 2, G::Connection, H::Server)
        .flags(ADMIN)
        .doc(
            "Resumes processing commands from paused clients.",
            "6.2.0",
            "O(N) Where N is the number of paused clients",
        ),
    C::new("client|reply", 3, G::Connection, H::Server)
        .flags(CONN)
        .doc(
            "Instructs the server whether to reply to commands.",
            "3.2.0",
            "O(1)",
        ),
    C::new("client|no-evict", 3, G::Connection, H::Server)
        .flags(ADMIN)
        .doc(
            "Sets the client eviction mode of the connection.",
            "7.0.0",
            "O(1)",
        ),
    C::new("client|unblock", -3, G::Connection, H::Server)
        .flags(ADMIN)
        .doc(
            "Unblocks a client blocked by a blocking command from a different connection.",
            "5.0.0",
            "O(log N) where N is the number of client connections",
        ),
    C::new("client|help", 2, G::Connection, H::Server)
        .flags(&[F::LOADING, F::STALE])
        .doc(
            "Returns helpful text about the different subcommands.",
            "5.0.0",
            "O(1)",
        ),
];

const CONFIG: &[C] = &[
    C::new("config|get", -3, G::Server, H::Server)
        .flags(ADMIN)
        .doc(
            "Returns the effective values of configuration parameters.",
            "2.0.0",
            "O(N) when N is the number of configuration parameters provided",
        ),
    C::new("config|set", -4, G::Server, H::Server)
        .flags(ADMIN)
        .doc(
            "Sets configuration parameters in-flight.",
            "2.0.0",
            "O(N) when N is the number of configuration parameters provided",
        ),
    C::new("config|resetstat", 2, G::Server, H::Server)
        .flags(ADMIN)
        .doc("Resets the server's statistics.", "2.0.0", "O(1)"),
    C::new("config|rewrite", 2, G::Server, H::Server)
        .flags(ADMIN)
        .doc(
            "Persists the effective configuration to file.",
            "2.8.0",
            "O(1)",
        ),
    C::new("config|help", 2, G::Server, H::Server)
        .flags(&[F::LOADING, F::STALE])
        .doc(
            "Returns helpful text about the different subcommands.",
            "5.0.0",
            "O(1)",
        ),
];

const PUBSUB_SUBS: &[C] = &[
    C::new("pubsub|channels", -2, G::PubSub, H::Server).flags(&[F::PUBSUB, F::LOADING, F::STALE]).doc("Returns the active channels.", "2.8.0", "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)"),
    C::new("pubsub|numsub", -2, G::PubSub, H::Server).flags(&[F::PUBSUB, F::LOADING, F::STALE]).doc("Returns a count of subscribers to channels.", "2.8.0", "O(N) for the NUMSUB subcommand, where N is the number of requested channels"),
    C::new("pubsub|numpat", 2, G::PubSub, H::Server).flags(&[F::PUBSUB, F::LOADING, F::STALE]).doc("Returns a count of unique pattern subscriptions.", "2.8.0", "O(1)"),
    C::new("pubsub|help", 2, G::PubSub, H::Server).flags(&[F::LOADING, F::STALE]).doc("Returns helpful text about the different subcommands.", "6.2.0", "O(1)"),
];

const SLOWLOG: &[C] = &[
    C::new("slowlog|get", -2, G::Server, H::Server)
        .flags(&[F::ADMIN, F::LOADING, F::STALE])
        .doc(
            "Returns the slow log's entries.",
            "2.2.12",
            "O(N) where N is the number of entries returned",
        ),
    C::new("slowlog|len", 2, G::Server, H::Server)
        .flags(&[F::ADMIN, F::LOADING, F::STALE])
        .doc(
            "Returns the number of entries in the slow log.",
            "2.2.12",
            "O(1)",
        ),
    C::new("slowlog|reset", 2, G::Server, H::Server)
        .flags(&[F::ADMIN, F::LOADING, F::STALE])
        .doc(
            "Clears all entries from the slow log.",
            "2.2.12",
            "O(N) where N is the number of entries in the slowlog",
        ),
    C::new("slowlog|help", 2, G::Server, H::Server)
        .flags(&[F::LOADING, F::STALE])
        .doc(
            "Show helpful text about the different subcommands",
            "6.2.0",
            "O(1)",
        ),
];

const COMMAND: &[C] = &[
    C::new("command|count", 2, G::Server, H::Server)
        .flags(&[F::LOADING, F::STALE])
        .doc("Returns a count of commands.", "2.8.13", "O(1)"),
    C::new("command|info", -2, G::Server, H::Server)
        .flags(&[F::LOADING, F::STALE])
        .doc(
            "Returns information about one, multiple or all commands.",
            "2.8.13",
            "O(N) where N is the number of commands to look up",
        ),
    C::new("command|docs", -2, G::Server, H::Server)
        .flags(&[F::LOADING, F::STALE])
        .doc(
            "Returns documentary information about one, multiple or all commands.",
            "7.0.0",
            "O(N) where N is the number of commands to look up",
        ),
    C::new("command|getkeys", -3, G::Server, H::Server)
        .flags(&[F::LOADING, F::STALE])
        .doc(
            "Extracts the key names from an arbitrary command.",
            "2.8.13",
            "O(N) where N is the number of arguments to the command",
        ),
    C::new("command|list", -2, G::Server, H::Server)
        .flags(&[F::LOADING, F::STALE])
        .doc(
            "Returns a list of command names.",
            "7.0.0",
            "O(N) where N is the total number of Redis commands",
        ),
    C::new("command|help", 2, G::Server, H::Server)
        .flags(&[F::LOADING, F::STALE])
        .doc(
            "Returns helpful text about the different subcommands.",
            "5.0.0",
            "O(1)",
        ),
];

fn echo(_: &Keyspace, _: &mut Ctx, args: &[Bytes], out: &mut Reply) -> CmdResult {
    out.bulk(&args[1]);
    Ok(())
}
