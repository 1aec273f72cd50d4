//! `keel check --dir DATA`: offline verification of a data directory.

use std::path::PathBuf;

use clap::Args;

/// Options of `keel check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The data directory to verify (the server must not be running on it).
    #[arg(long, default_value = "data")]
    dir: PathBuf,
}

/// Verifies every log segment and snapshot, then decodes every log entry
/// and the newest snapshot. Prints what it found; returns false on damage.
pub fn run(args: CheckArgs) -> anyhow::Result<bool> {
    let vfs = storage::StdVfs::shared();
    let report = storage::check(&*vfs, &args.dir);
    print!("{report}");
    if !report.passed() {
        println!("result: DAMAGED");
        return Ok(false);
    }
    let snapshot = report.latest_snapshot().map(|s| s.path.clone());
    match replication::verify_contents(&*vfs, &args.dir, snapshot.as_deref()) {
        Ok(contents) => {
            println!("{contents}");
            println!("result: OK");
            Ok(true)
        }
        Err(e) => {
            println!("contents: {e}");
            println!("result: DAMAGED");
            Ok(false)
        }
    }
}
