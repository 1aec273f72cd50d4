//! `keel bench memory` (in progress).
use crate::args::MemoryArgs;
use crate::servers::Programs;
pub fn run(_args: &MemoryArgs, _programs: &Programs) -> anyhow::Result<serde_json::Value> {
    anyhow::bail!("not yet")
}
