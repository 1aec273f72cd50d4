//! The `keel` binary: the server (default), an interactive client, the
//! benchmark (`keel bench`, implemented in the `bench` crate) and (as it
//! arrives) the offline checker.

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
    /// Benchmark keel, side by side with redis-server (--compare).
    Bench(Box<bench::BenchArgs>),
    /// Verify a data directory offline (exit status 1 on damage).
    Check(check::CheckArgs),
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    match args.command {
        Some(Command::Server(server)) => serve::run(server),
        None => serve::run(args.server),
        Some(Command::Cli(cli)) => cli::run(cli),
        Some(Command::Bench(args)) => {
            let exe = std::env::current_exe()
                .map_err(|e| anyhow::anyhow!("cannot find the keel binary to benchmark: {e}"))?;
            bench::run(*args, exe)
        }
        Some(Command::Check(check)) => {
            if !check::run(check)? {
                std::process::exit(1);
            }
            Ok(())
        }
    }
}
