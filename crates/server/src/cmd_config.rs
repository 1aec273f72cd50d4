//! CONFIG GET/SET/RESETSTAT/REWRITE over the table of src/params.rs.

use bytes::Bytes;
use keyspace::{glob, CmdError};
use parking_lot::RwLockUpgradableReadGuard;

use crate::connection::Connection;
use crate::params::{self, Param, PARAMS};
use crate::registry::ServerCommand;
use crate::store::storage_durability;

/// The handlers of CONFIG's subcommands.
pub(crate) const HANDLERS: &[ServerCommand] = &[
    ServerCommand::sync("config|get", |c, a| {
        c.config_get(&a[2..]);
        Ok(())
    }),
    ServerCommand::sync("config|set", |c, a| c.config_set(&a[2..])),
    ServerCommand::sync("config|resetstat", |c, _| {
        c.shared.stats.reset();
        c.shared.slowlog.reset();
        c.out.ok();
        Ok(())
    }),
    ServerCommand::sync("config|rewrite", |c, _| c.config_rewrite()),
    ServerCommand::sync("config|help", |c, _| c.config_help()),
];

impl Connection {
    fn config_help(&mut self) -> Result<(), CmdError> {
        self.help(
            "CONFIG",
            &[
                "GET <pattern>",
                "    Return parameters matching the glob-like <pattern> and their values.",
                "SET <directive> <value>",
                "    Set the configuration <directive> to <value>.",
                "RESETSTAT",
                "    Reset statistics reported by the INFO command.",
                "REWRITE",
                "    Rewrite the configuration file.",
            ],
        );
        Ok(())
    }

    /// Every parameter name or alias matching any pattern, once, with its
    /// value (Redis 7 lists an alias and its name separately).
    fn config_get(&mut self, patterns: &[Bytes]) {
        let mut config = self.shared.config.read().clone();
        // Durability as the log applies it, not as last requested.
        config.durability = self.shared.store.durability();
        let matching: Vec<(&str, &Param)> = PARAMS
            .iter()
            .flat_map(|p| {
                std::iter::once(p.name)
                    .chain(p.aliases.iter().copied())
                    .map(move |n| (n, p))
            })
            .filter(|(name, _)| {
                patterns
                    .iter()
                    .any(|pat| glob::matches(pat, name.as_bytes(), true))
            })
            .collect();
        self.out.map(matching.len());
        for (name, param) in matching {
            self.out.bulk(name.as_bytes());
            self.out.bulk(param.render(&config).as_bytes());
        }
    }

    /// Applies every pair or none (Redis 7 semantics): unknown, immutable
    /// and duplicate names are refused before anything is parsed, then each
    /// value is parsed into a copy of the configuration, then the copy's
    /// durability is applied to the log; only when all of that succeeded
    /// is the copy stored, so any error leaves the configuration as it was.
    ///
    /// To ensure no update is lost, the whole change (clone, modify,
    /// switch the log's durability, store) is one critical section: it
    /// holds the config's upgradable lock, which excludes other CONFIG SETs
    /// and REWRITEs but not readers, and upgrades it to store the result.
    fn config_set(&mut self, args: &[Bytes]) -> Result<(), CmdError> {
        if !args.len().is_multiple_of(2) {
            return Err(CmdError::Arity("config|set".into()));
        }
        let pairs = resolve(args)?;
        let current = self.shared.config.upgradable_read();
        let mut updated = current.clone();
        let applied = self.shared.store.durability();
        updated.durability = applied;
        for (name, param, value) in &pairs {
            param
                .set(&mut updated, value)
                .map_err(|why| set_failed(name, &why))?;
        }
        updated
            .validate()
            .map_err(|e| CmdError::err(format!("CONFIG SET failed - {e}")))?;
        if updated.durability != applied {
            let name = pairs
                .iter()
                .rev()
                .find(|(_, p, _)| DURABILITY_PARAMS.contains(&p.name))
                .map_or("durability", |(name, _, _)| name.as_str());
            self.shared
                .store
                .engine()
                .set_durability(storage_durability(updated.durability))
                .map_err(|why| set_failed(name, &why.to_string()))?;
        }
        *RwLockUpgradableReadGuard::upgrade(current) = updated;
        self.out.ok();
        Ok(())
    }

    /// Writes the running configuration into the file it was loaded from.
    fn config_rewrite(&mut self) -> Result<(), CmdError> {
        let current = self.shared.config.upgradable_read();
        let Some(file) = current.file.clone() else {
            return Err(CmdError::err("The server is running without a config file"));
        };
        let mut config = current.clone();
        config.durability = self.shared.store.durability();
        crate::rewrite::rewrite(&file, &config).map_err(|e| {
            tracing::warn!(file = %file.display(), error = %e, "CONFIG REWRITE failed");
            CmdError::err(format!("Rewriting config file: {e}"))
        })?;
        tracing::info!(file = %file.display(), "CONFIG REWRITE executed with success");
        self.out.ok();
        Ok(())
    }
}

/// The parameters that set the log's durability.
const DURABILITY_PARAMS: [&str; 3] = ["durability", "appendfsync", "appendonly"];

/// Looks up each `name value` pair, refusing (in Redis's order) unknown
/// names, immutable parameters and names given twice.
fn resolve(args: &[Bytes]) -> Result<Vec<(String, &'static Param, String)>, CmdError> {
    let mut pairs: Vec<(String, &'static Param, String)> = Vec::new();
    for pair in args.chunks(2) {
        // Looked up case-insensitively, reported as given (like Redis).
        let name = String::from_utf8_lossy(&pair[0]).into_owned();
        let value = String::from_utf8_lossy(&pair[1]).into_owned();
        let Some(param) = params::find(&name.to_lowercase()) else {
            return Err(CmdError::err(format!(
                "Unknown option or number of arguments for CONFIG SET - '{name}'"
            )));
        };
        if !param.mutable {
            return Err(set_failed(&name, "can't set immutable config"));
        }
        if pairs
            .iter()
            .any(|(seen, _, _)| seen.eq_ignore_ascii_case(&name))
        {
            return Err(set_failed(&name, "duplicate parameter"));
        }
        pairs.push((name, param, value));
    }
    Ok(pairs)
}

fn set_failed(name: &str, why: &str) -> CmdError {
    CmdError::err(format!(
        "CONFIG SET failed (possibly related to argument '{name}') - {why}"
    ))
}
