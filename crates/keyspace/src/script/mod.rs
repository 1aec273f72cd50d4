//! Lua scripting: EVAL scripts and FUNCTION libraries, run inside apply.
//!
//! To ensure deterministic apply (invariant 1), a script runs as part of
//! the logged command that invoked it, on every replica, in a fresh Lua
//! 5.1 state built for that one call ([`vm`]): nothing survives between
//! calls except what the script wrote to the keyspace, time comes from
//! [`crate::Ctx::now_ms`], `math.random` is seeded from the entry's seed,
//! and an instruction budget stops runaway scripts at the same
//! instruction on every replica. The script cache and the function
//! libraries are replicated state ([`Scripts`]), in the snapshot.
//! docs/design/scripting.md explains the design.

mod call;
mod convert;
mod function;
mod libs;
mod native;
mod vm;

use std::collections::BTreeMap;

use bytes::Bytes;
use sha1::{Digest, Sha1};

use crate::codec::{CodecError, Reader, Writer};
use crate::CmdError;

pub(crate) use call::Target;
pub(crate) use function::parse_header as parse_library_header;
pub use function::{FunctionFlags, FunctionMeta, Library, FLAG_NAMES};
pub(crate) use vm::{with_script_vm, Invocation, Vm};

/// The Redis version scripts see (`redis.REDIS_VERSION`).
pub const REDIS_VERSION: &str = "7.0.15";
/// `redis.REDIS_VERSION_NUM`: 0x00MMmmpp.
pub const REDIS_VERSION_NUM: i64 = 0x07_00_0f;

/// Lua instructions one script call may execute before it fails with
/// [`BUDGET_ERROR`]; counted by a VM hook, so identical on every replica.
pub const INSTRUCTION_BUDGET: u64 = 200_000_000;
/// Bytes of Lua heap one script call may allocate.
pub const MEMORY_LIMIT: usize = 256 << 20;
/// The error of a script that used up [`INSTRUCTION_BUDGET`].
pub const BUDGET_ERROR: &str =
    "ERR Script exceeded the instruction budget of keel (runaway script stopped on every replica)";

/// The lower-case hex SHA1 of `data`, as `redis.sha1hex` and EVAL compute it.
pub fn sha1hex(data: &[u8]) -> String {
    let digest = Sha1::digest(data);
    let mut hex = String::with_capacity(40);
    for byte in digest {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// The replicated scripting state: the EVAL/SCRIPT LOAD cache (scripts by
/// SHA1) and the FUNCTION libraries (by name, with an index of their
/// functions).
///
/// All maps are ordered so that SCRIPT/FUNCTION replies and the snapshot
/// are the same on every replica.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scripts {
    cache: BTreeMap<String, Bytes>,
    libraries: BTreeMap<String, Library>,
    /// Function name to the library that registered it.
    functions: BTreeMap<String, String>,
}

impl Scripts {
    /// Caches `body`, whose SHA1 (lower-case hex) is `sha`.
    pub(crate) fn cache(&mut self, sha: &str, body: &Bytes) {
        if !self.cache.contains_key(sha) {
            self.cache.insert(sha.to_string(), body.clone());
        }
    }

    /// The cached script with this SHA1 (any case), if any, with its SHA1
    /// in lower case.
    pub(crate) fn cached(&self, sha: &[u8]) -> Option<(&String, &Bytes)> {
        if sha.len() != 40 {
            return None;
        }
        let lower = String::from_utf8_lossy(sha).to_ascii_lowercase();
        self.cache.get_key_value(&lower)
    }

    /// Number of cached scripts.
    pub fn cached_scripts(&self) -> usize {
        self.cache.len()
    }

    /// Bytes of cached script bodies.
    pub fn cached_bytes(&self) -> usize {
        self.cache.values().map(Bytes::len).sum()
    }

    /// Empties the script cache.
    pub(crate) fn flush_cache(&mut self) {
        self.cache.clear();
    }

    /// The libraries, by name.
    pub fn libraries(&self) -> &BTreeMap<String, Library> {
        &self.libraries
    }

    /// Number of functions of all libraries.
    pub fn function_count(&self) -> usize {
        self.functions.len()
    }

    /// The library holding function `name`.
    pub(crate) fn library_of(&self, name: &str) -> Option<&Library> {
        self.libraries.get(self.functions.get(name)?)
    }

    /// The library registering function `name`, if it is not `except`.
    pub(crate) fn owner_of(&self, name: &str, except: &str) -> Option<&str> {
        self.functions
            .get(name)
            .map(String::as_str)
            .filter(|lib| *lib != except)
    }

    /// Adds (or replaces) library `name`.
    pub(crate) fn insert_library(&mut self, name: String, library: Library) {
        self.remove_library(&name);
        for function in library.functions.keys() {
            self.functions.insert(function.clone(), name.clone());
        }
        self.libraries.insert(name, library);
    }

    /// Removes library `name`; false if there was none.
    pub(crate) fn remove_library(&mut self, name: &str) -> bool {
        let Some(old) = self.libraries.remove(name) else {
            return false;
        };
        for function in old.functions.keys() {
            self.functions.remove(function);
        }
        true
    }

    /// Removes every library.
    pub(crate) fn flush_libraries(&mut self) {
        self.libraries.clear();
        self.functions.clear();
    }

    /// Serialises the cache and the library code (snapshot header,
    /// version 3).
    pub(crate) fn encode(&self, w: &mut Writer) {
        w.varint(self.cache.len() as u64);
        for body in self.cache.values() {
            w.bytes(body);
        }
        w.varint(self.libraries.len() as u64);
        for library in self.libraries.values() {
            w.bytes(&library.code);
        }
    }

    /// Reads what [`Scripts::encode`] wrote: SHA1s are recomputed and the
    /// libraries loaded again (deterministic: no randomness or keyspace is
    /// reachable while a library loads).
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Scripts, CodecError> {
        let mut scripts = Scripts::default();
        for _ in 0..r.count()? {
            let body = Bytes::copy_from_slice(r.bytes()?);
            if scripts.cache.insert(sha1hex(&body), body).is_some() {
                return Err(CodecError("duplicate cached script"));
            }
        }
        for _ in 0..r.count()? {
            let code = Bytes::copy_from_slice(r.bytes()?);
            let (name, library) =
                load_library(&code).map_err(|_| CodecError("invalid function library"))?;
            if scripts.libraries.contains_key(&name)
                || library
                    .functions
                    .keys()
                    .any(|f| scripts.functions.contains_key(f))
            {
                return Err(CodecError("duplicate function library"));
            }
            scripts.insert_library(name, library);
        }
        Ok(scripts)
    }
}

/// Parses and loads library `code` (FUNCTION LOAD, RESTORE, snapshots):
/// its name and what it registered.
pub(crate) fn load_library(code: &Bytes) -> Result<(String, Library), CmdError> {
    let (name, body_start) = function::parse_header(code)?;
    let vm = Vm::new("@user_function", 0)?;
    let functions = vm
        .load_library(code, body_start)?
        .into_iter()
        .map(|r| (r.name, r.meta))
        .collect();
    Ok((
        name,
        Library {
            code: code.clone(),
            functions,
        },
    ))
}

#[cfg(test)]
mod tests;
