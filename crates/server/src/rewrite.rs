//! `CONFIG REWRITE`: writes the running configuration back into its TOML
//! file, keeping the file's comments, order and formatting.
//!
//! To ensure a restart reads exactly the running values: every key the file
//! has is set to its running value (or removed when the value is now unset,
//! e.g. an empty `requirepass`), and every value that differs from the
//! default is added; keys at their default that the file never had stay
//! out, like Redis's rewrite. The new text goes to a temporary file in the
//! same directory, is fsynced and renamed over the old one, so a crash
//! leaves either the old or the new file.

use std::io::Write;
use std::path::Path;

use toml_edit::{DocumentMut, Item, Table};

use crate::config::Config;

/// Why the file could not be rewritten.
#[derive(Debug, thiserror::Error)]
pub enum RewriteError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("the file is not valid TOML: {0}")]
    Parse(#[from] toml_edit::TomlError),
    #[error("cannot serialize the configuration: {0}")]
    Serialize(#[from] toml::ser::Error),
}

/// Rewrites `path` so that loading it yields `config`.
pub fn rewrite(path: &Path, config: &Config) -> Result<(), RewriteError> {
    let mut doc: DocumentMut = std::fs::read_to_string(path)?.parse()?;
    let running = toml::Table::try_from(config)?;
    let defaults = toml::Table::try_from(Config::default())?;
    merge(doc.as_table_mut(), &running, Some(&defaults))?;
    write_atomically(path, doc.to_string().as_bytes())?;
    Ok(())
}

/// Makes `table` hold `running`, recursing into sub-tables the file has.
fn merge(
    table: &mut Table,
    running: &toml::Table,
    defaults: Option<&toml::Table>,
) -> Result<(), RewriteError> {
    let stale: Vec<String> = table
        .iter()
        .map(|(k, _)| k.to_string())
        .filter(|k| !running.contains_key(k))
        .collect();
    for key in stale {
        table.remove(&key);
    }
    for (key, value) in running {
        let default = defaults.and_then(|d| d.get(key));
        match (table.get_mut(key), value) {
            (Some(Item::Table(sub)), toml::Value::Table(values)) => {
                merge(sub, values, default.and_then(toml::Value::as_table))?;
            }
            (Some(Item::Value(old)), _) => {
                // In place, so the key's comments and the value's trailing
                // comment stay.
                // (A table becomes an inline table where the file has one.)
                match to_item(key, value)?.into_value() {
                    Ok(mut new) => {
                        *new.decor_mut() = old.decor().clone();
                        *old = new;
                    }
                    Err(item) => {
                        table.insert(key, item);
                    }
                }
            }
            (Some(_), _) => {
                table.insert(key, to_item(key, value)?);
            }
            (None, _) if default != Some(value) => {
                table.insert(key, to_item(key, value)?);
            }
            (None, _) => {}
        }
    }
    Ok(())
}

/// `value` as the item TOML would write for `key = value`.
fn to_item(key: &str, value: &toml::Value) -> Result<Item, RewriteError> {
    let mut single = toml::Table::new();
    single.insert(key.to_string(), value.clone());
    let mut doc: DocumentMut = toml::to_string(&single)?.parse()?;
    Ok(doc.remove(key).unwrap_or(Item::None))
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".rewrite.tmp");
    let tmp = std::path::PathBuf::from(tmp);
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MaxmemoryPolicy;

    /// keel.example.toml rewritten with changed values loads back as the
    /// running configuration and keeps its comments.
    #[test]
    fn example_file_round_trips() {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../keel.example.toml");
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("keel.toml");
        std::fs::copy(&example, &path).expect("copy");
        let mut running = Config::load(&path).expect("load");
        running.requirepass = Some("s3cret".into());
        running.maxmemory = 1 << 30;
        running.maxmemory_policy = MaxmemoryPolicy::AllkeysLfu;
        running.client_output_buffer_limit.pubsub.hard = 1;
        running.latency_tracking_info_percentiles = vec![99.5];
        running.no_op.insert("rdbcompression".into(), "no".into());
        rewrite(&path, &running).expect("rewrite");
        assert_eq!(Config::load(&path).expect("reload"), running);
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.contains("# Memory limit and eviction"), "{text}");
        assert!(text.contains("# Slow readers are disconnected"), "{text}");

        running.requirepass = None;
        rewrite(&path, &running).expect("rewrite");
        assert_eq!(Config::load(&path).expect("reload"), running);
    }
}
