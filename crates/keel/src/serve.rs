//! `keel` / `keel server`: run the server until SIGINT, SIGTERM or SHUTDOWN.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use server::{Config, Durability, Stop};
use tracing_subscriber::EnvFilter;

/// Server options; flags override the config file.
#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// TOML configuration file (see keel.example.toml).
    #[arg(long, short = 'c')]
    config: Option<PathBuf>,
    /// TCP port; 0 picks a free one. Once listening, keel prints
    /// `keel listening on ADDRESS` on stdout for every address it bound.
    #[arg(long)]
    port: Option<u16>,
    /// Address to listen on (repeat for several).
    #[arg(long)]
    bind: Vec<String>,
    /// Data directory.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Password clients must AUTH with.
    #[arg(long)]
    requirepass: Option<String>,
    /// What an acknowledged write survives: fsync, os or memory.
    #[arg(long, value_parser = parse_durability)]
    durability: Option<Durability>,
    /// Threads serving connections (0: one per CPU core).
    #[arg(long)]
    threads: Option<usize>,
    /// Testing only: keep writes that were not synced in this process's
    /// memory, so that killing it loses them as a power loss would (see
    /// storage::PowerLossVfs and docs/design/wal.md). Never use in
    /// production: it holds the whole data directory in memory.
    #[arg(long, hide = true)]
    test_lose_unsynced: bool,
}

fn parse_durability(s: &str) -> Result<Durability, String> {
    match s {
        "fsync" => Ok(Durability::Fsync),
        "os" => Ok(Durability::Os),
        "memory" => Ok(Durability::Memory),
        _ => Err("expected fsync, os or memory".into()),
    }
}

impl ServerArgs {
    /// The configuration: defaults, then the file, then the flags.
    fn config(&self) -> anyhow::Result<Config> {
        let mut config = match &self.config {
            Some(path) => Config::load(path)?,
            None => Config::default(),
        };
        if let Some(port) = self.port {
            config.port = port;
        }
        if !self.bind.is_empty() {
            config.bind = self.bind.clone();
        }
        if let Some(dir) = &self.dir {
            config.dir = dir.clone();
        }
        if let Some(pass) = &self.requirepass {
            config.requirepass = Some(pass.clone());
        }
        if let Some(durability) = self.durability {
            config.durability = durability;
        }
        if let Some(threads) = self.threads {
            config.threads = threads;
        }
        config.validate()?;
        Ok(config)
    }
}

/// Runs the server in the foreground.
pub fn run(args: ServerArgs) -> anyhow::Result<()> {
    let config = args.config()?;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.log_level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .init();
    raise_open_files_limit(config.maxclients);
    std::fs::create_dir_all(&config.dir)
        .with_context(|| format!("cannot create data directory {}", config.dir.display()))?;
    let vfs = if args.test_lose_unsynced {
        tracing::warn!("testing mode: writes that are not synced are lost when the process dies");
        storage::PowerLossVfs::load(&config.dir)
            .with_context(|| format!("cannot load {}", config.dir.display()))?
            .shared()
    } else {
        storage::StdVfs::shared()
    };
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if config.threads > 0 {
        runtime.worker_threads(config.threads);
    }
    let runtime = runtime
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let dir = config.dir.display();
        let handle = server::start_on(config.clone(), vfs)
            .await
            .with_context(|| {
                format!("keel cannot start (`keel check --dir {dir}` explains any damage to the data directory)")
            })?;
        report_addresses(handle.addrs());
        tracing::info!(dir = %config.dir.display(), durability = ?config.durability, "keel started");
        let stop = tokio::select! {
            _ = stop_signal() => {
                tracing::info!("signal received, shutting down");
                Stop::Requested
            }
            stop = handle.stopped() => stop,
        };
        if stop == Stop::Requested {
            tracing::info!("shutting down");
        }
        handle.shutdown().await;
        match stop {
            Stop::Requested => {
                tracing::info!("keel stopped");
                anyhow::Ok(())
            }
            // Fail-stop: exit non-zero so a supervisor notices; restart
            // recovers from the data directory.
            Stop::Failed(cause) => Err(anyhow::anyhow!("keel stopped after a fatal failure: {cause}")),
        }
    })
}

/// Prints the addresses the server listens on, one line each, so that
/// whoever started it with `--port 0` learns the port without racing for
/// it. A closed stdout does not stop the server.
fn report_addresses(addrs: &[std::net::SocketAddr]) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let written = addrs
        .iter()
        .try_for_each(|addr| writeln!(out, "keel listening on {addr}"))
        .and_then(|()| out.flush());
    if let Err(e) = written {
        tracing::warn!(error = %e, "cannot print the listening addresses on stdout");
    }
}

/// Raises the soft limit on open files so `maxclients` connections fit
/// (plus files for the log and snapshots), up to the hard limit, like
/// Redis does at startup; logs a warning if the hard limit is too low.
fn raise_open_files_limit(maxclients: usize) {
    let wanted = maxclients as u64 + 64;
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read or write the struct we pass.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 || limit.rlim_cur >= wanted
    {
        return;
    }
    let target = wanted.min(limit.rlim_max);
    let raised = libc::rlimit {
        rlim_cur: target,
        rlim_max: limit.rlim_max,
    };
    // SAFETY: as above.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } != 0 || target < wanted {
        tracing::warn!(
            maxclients,
            open_files = target,
            "the open files limit is too low for maxclients"
        );
    }
}

/// SIGINT or SIGTERM.
async fn stop_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
