//! The `keel` binary: the server (default), an interactive client, and
//! (as they arrive) the offline checker and the benchmark.

mod check;
mod cli;
mod serve;

use clap::{Parser, Subcommand};

/// keel: a Redis-compatible data store that does not lose acknowledged writes.
#[derive(Debug, Parser)]
#[command(name = "keel", version, about, args_conflicts_with_subcommands = true)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    server: serve::ServerArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (the default when no subcommand is given).
    Server(serve::ServerArgs),
    /// Interactive client, like redis-cli.
    Cli(cli::CliArgs),
    /// Verify a data directory offline (exit status 1 on damage).
    Check(check::CheckArgs),
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    match args.command {
        Some(Command::Server(server)) => serve::run(server),
        None => serve::run(args.server),
        Some(Command::Cli(cli)) => cli::run(cli),
        Some(Command::Check(check)) => {
            if !check::run(check)? {
                std::process::exit(1);
            }
            Ok(())
        }
    }
}
