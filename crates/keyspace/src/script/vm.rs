//! Sandboxed Lua 5.1 states for script calls.
//!
//! A state holds the standard libraries Redis exposes, keel's `redis`,
//! `cjson`, `cmsgpack`, `bit` and `struct` tables, the prelude
//! (`prelude.lua`) and read-only globals (`protect.lua`).
//!
//! To ensure a script cannot carry state from one call to the next (which
//! would make replicas diverge after a restart or a snapshot install), a
//! state is only used again ([`with_script_vm`]) when it is provably the
//! state a new one would be: every call starts with the same counters,
//! generator seed and `tostring` numbering ([`Vm::prepare`]), and after
//! the call `host.pristine` checks that the globals, the library tables
//! and the string metatable hold exactly what they held when the state was
//! built; a state that fails the check, ran out of budget or holds more
//! than [`REUSE_MEMORY`] is dropped and the next call builds a new one.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use bytes::Bytes;
use mlua::{
    ChunkMode, Function, HookTriggers, Lua, LuaOptions, MultiValue, StdLib, Table, Value, VmState,
};
use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use resp::Reply;

use super::call::{Host, Target};
use super::function::{self, Registered};
use super::{convert, libs, native, BUDGET_ERROR, INSTRUCTION_BUDGET, MEMORY_LIMIT};
use crate::{CmdError, CmdResult, Ctx};

/// Instructions between two budget checks.
const HOOK_STEP: u32 = 10_000;
/// A state that holds more memory than this after a call is not reused,
/// so the garbage of earlier calls takes at most this much of the next
/// call's memory limit.
const REUSE_MEMORY: usize = 1 << 20;
/// Compiled scripts a reused state keeps (all are dropped when full).
const COMPILED_SCRIPTS: usize = 512;
/// Lua's base functions Redis does not expose.
const REMOVED_GLOBALS: &[&str] = &[
    "dofile", "loadfile", "print", "setfenv", "getfenv", "newproxy",
];

/// What one script call works on.
pub(crate) struct Invocation<'a> {
    /// The name error trailers use: the script's SHA1 or the function's name.
    pub name: &'a str,
    pub keys: &'a [Bytes],
    pub args: &'a [Bytes],
    /// EVAL_RO, FCALL_RO or a `no-writes` function: writes are refused.
    pub read_only: bool,
}

/// A script state.
pub(crate) struct Vm {
    lua: Lua,
    /// `host` table of the prelude: the raw functions behind `redis.call`.
    host: Table,
    /// The chunk name of user code (`@user_script` or `@user_function`).
    source: &'static str,
    shared: Rc<Shared>,
    /// EVAL bodies compiled in this state, by SHA1.
    compiled: RefCell<HashMap<String, Function>>,
}

/// State the Rust functions of one VM share.
pub(crate) struct Shared {
    /// The budget ran out: the error is final.
    pub budget_hit: Cell<bool>,
    /// Lua instructions executed so far (in steps of `HOOK_STEP`).
    pub used: Cell<u64>,
    /// `redis.setresp`: the protocol `redis.call` replies are converted from.
    pub resp3: Cell<bool>,
    /// `math.random`'s generator.
    pub rng: RefCell<Xoshiro256PlusPlus>,
}

thread_local! {
    /// The EVAL state of this thread, kept between calls while it stays
    /// pristine.
    static SCRIPT_VM: RefCell<Option<Vm>> = const { RefCell::new(None) };
}

/// Runs `f` on this thread's EVAL state (`@user_script`), prepared for a
/// call seeded with `seed`; builds the state if there is none, and keeps
/// it for the next call only if it is still pristine afterwards.
pub(crate) fn with_script_vm<R>(seed: u64, f: impl FnOnce(&Vm) -> R) -> Result<R, CmdError> {
    let vm = match SCRIPT_VM.with(|slot| slot.borrow_mut().take()) {
        Some(vm) => vm,
        None => Vm::new("@user_script", seed)?,
    };
    vm.prepare(seed).map_err(internal)?;
    let result = f(&vm);
    if vm.reusable() {
        SCRIPT_VM.with(|slot| *slot.borrow_mut() = Some(vm));
    }
    Ok(result)
}

impl Vm {
    /// A sandboxed state for user code named `source`; `seed` seeds
    /// `math.random`.
    pub(crate) fn new(source: &'static str, seed: u64) -> Result<Vm, CmdError> {
        let lua = Lua::new_with(
            StdLib::TABLE | StdLib::STRING | StdLib::MATH,
            LuaOptions::new(),
        )
        .map_err(internal)?;
        let shared = Rc::new(Shared {
            budget_hit: Cell::new(false),
            used: Cell::new(0),
            resp3: Cell::new(false),
            rng: RefCell::new(Xoshiro256PlusPlus::seed_from_u64(seed)),
        });
        install_budget(&lua, &shared).map_err(internal)?;
        let host = build(&lua, source, &shared).map_err(internal)?;
        lua.set_memory_limit(MEMORY_LIMIT).map_err(internal)?;
        Ok(Vm {
            lua,
            host,
            source,
            shared,
            compiled: RefCell::new(HashMap::new()),
        })
    }

    /// Starts a call as a new state would: no instructions used, RESP2
    /// conversions, the generator seeded with `seed`, `tostring` numbering
    /// from 1.
    fn prepare(&self, seed: u64) -> mlua::Result<()> {
        self.shared.budget_hit.set(false);
        self.shared.used.set(0);
        self.shared.resp3.set(false);
        *self.shared.rng.borrow_mut() = Xoshiro256PlusPlus::seed_from_u64(seed);
        self.host.raw_get::<Function>("reset")?.call(())
    }

    /// True if the next call may run in this state (see the module docs).
    fn reusable(&self) -> bool {
        !self.shared.budget_hit.get()
            && self.lua.used_memory() <= REUSE_MEMORY
            && self
                .host
                .raw_get::<Function>("pristine")
                .and_then(|pristine| pristine.call::<bool>(()))
                .unwrap_or(false)
    }

    /// The compiled form of EVAL `body` (whose SHA1 is `sha`), compiled
    /// once per state.
    pub(crate) fn compiled(&self, sha: &str, body: &[u8]) -> Result<Function, CmdError> {
        if let Some(f) = self.compiled.borrow().get(sha) {
            return Ok(f.clone());
        }
        let f = self.compile(body)?;
        let mut compiled = self.compiled.borrow_mut();
        if compiled.len() >= COMPILED_SCRIPTS {
            compiled.clear();
        }
        compiled.insert(sha.to_string(), f.clone());
        Ok(f)
    }

    /// Compiles user code, with Redis's error text on a syntax error.
    pub(crate) fn compile(&self, code: &[u8]) -> Result<Function, CmdError> {
        self.lua
            .load(code)
            .set_name(self.source)
            .set_mode(ChunkMode::Text)
            .into_function()
            .map_err(|e| {
                CmdError::Other(format!(
                    "ERR Error compiling script (new function): {}",
                    error_text(&e)
                ))
            })
    }

    /// Loads library code (the header line already parsed, so compiled as
    /// a blank line to keep line numbers) with the load-time API, and
    /// returns the functions it registered, with Redis's errors.
    pub(crate) fn load_library(
        &self,
        code: &[u8],
        body_start: usize,
    ) -> Result<Vec<Registered>, CmdError> {
        let f = self
            .lua
            .load(&code[body_start..])
            .set_name(self.source)
            .set_mode(ChunkMode::Text)
            .into_function()
            .map_err(|e| {
                CmdError::Other(format!("ERR Error compiling function: {}", error_text(&e)))
            })?;
        let registered = Rc::new(RefCell::new(Vec::new()));
        let outcome = (|| -> mlua::Result<MultiValue> {
            let register = function::register_function(&self.lua, Rc::clone(&registered))?;
            let register =
                native::guarded(&self.lua, register, &self.host.raw_get("errmsg")?, false)?;
            let (env, open): (Table, Function) =
                trusted_chunk(&self.lua, "library", include_str!("library.lua"))?.call(register)?;
            f.set_environment(env)?;
            let run: Function = self.host.raw_get("run")?;
            let values = run.call::<MultiValue>(f)?;
            open.call::<()>(())?;
            Ok(values)
        })();
        if self.shared.budget_hit.get() {
            return Err(CmdError::Other(BUDGET_ERROR.into()));
        }
        let mut values = outcome.map_err(internal)?.into_iter();
        if !matches!(values.next(), Some(Value::Boolean(true))) {
            let err = match values.next() {
                Some(Value::Table(t)) => t.raw_get::<Option<mlua::String>>("err").ok().flatten(),
                _ => None,
            };
            let err = err
                .map(|s| s.to_string_lossy())
                .unwrap_or_else(|| "ERR unknown error".into());
            return Err(CmdError::Other(format!(
                "ERR Error registering functions: {err}"
            )));
        }
        let registered = registered.take();
        if registered.is_empty() {
            return Err(CmdError::err("No functions registered"));
        }
        Ok(registered)
    }

    /// Runs EVAL code `f` with `KEYS` and `ARGV` against `target`, writing
    /// the converted result (or Redis's error) to `out`.
    pub(crate) fn run(
        &self,
        f: &Function,
        target: Target<'_>,
        ctx: &mut Ctx,
        inv: &Invocation<'_>,
        out: &mut Reply,
    ) -> CmdResult {
        let globals = self.lua.globals();
        globals
            .raw_set("KEYS", self.list(inv.keys).map_err(internal)?)
            .map_err(internal)?;
        globals
            .raw_set("ARGV", self.list(inv.args).map_err(internal)?)
            .map_err(internal)?;
        self.execute(target, ctx, inv, out, || {
            let run: Function = self.host.raw_get("run")?;
            run.call::<MultiValue>(f.clone())
        })
    }

    /// Runs a library function: `callback(keys, args)`.
    pub(crate) fn run_function(
        &self,
        callback: &Function,
        target: Target<'_>,
        ctx: &mut Ctx,
        inv: &Invocation<'_>,
        out: &mut Reply,
    ) -> CmdResult {
        let (keys, args) = (
            self.list(inv.keys).map_err(internal)?,
            self.list(inv.args).map_err(internal)?,
        );
        self.execute(target, ctx, inv, out, || {
            let fcall: Function = self.host.raw_get("fcall")?;
            fcall.call::<MultiValue>((callback.clone(), keys, args))
        })
    }

    fn list(&self, items: &[Bytes]) -> mlua::Result<Table> {
        let list = self.lua.create_table_with_capacity(items.len(), 0)?;
        for (i, item) in items.iter().enumerate() {
            list.raw_set(i + 1, self.lua.create_string(item)?)?;
        }
        Ok(list)
    }

    /// Runs `invoke` with `redis.call` bound to `target` and `ctx` (blocking
    /// commands do not block; SELECT lasts for the script only).
    fn execute(
        &self,
        target: Target<'_>,
        ctx: &mut Ctx,
        inv: &Invocation<'_>,
        out: &mut Reply,
        invoke: impl FnOnce() -> mlua::Result<MultiValue>,
    ) -> CmdResult {
        let no_block = std::mem::replace(&mut ctx.no_block, true);
        let in_script = std::mem::replace(&mut ctx.in_script, true);
        let db = ctx.db;
        let host = RefCell::new(Host::new(
            target,
            ctx,
            inv.read_only,
            Rc::clone(&self.shared),
        ));
        let result = self.lua.scope(|scope| {
            let call =
                scope.create_function(|lua, args: MultiValue| match host.try_borrow_mut() {
                    Ok(mut host) => host.call(lua, args),
                    Err(_) => Err(mlua::Error::runtime("redis.call re-entered")),
                })?;
            self.host.raw_set("call", call)?;
            invoke()
        });
        let ctx = host.into_inner().into_ctx();
        ctx.no_block = no_block;
        ctx.in_script = in_script;
        ctx.db = db;
        match result {
            Ok(values) => self.finish(values, inv, out),
            Err(_) if self.shared.budget_hit.get() => Err(CmdError::Other(BUDGET_ERROR.into())),
            Err(e) => Err(CmdError::err(error_text(&e))),
        }
    }

    /// Converts the outcome of `host.run`: `true, result` or `false, error`.
    fn finish(&self, values: MultiValue, inv: &Invocation<'_>, out: &mut Reply) -> CmdResult {
        let mut values = values.into_iter();
        let ok = matches!(values.next(), Some(Value::Boolean(true)));
        let value = values.next().unwrap_or(Value::Nil);
        if ok {
            convert::write_reply(&value, out, self.shared.resp3.get());
            return Ok(());
        }
        if self.shared.budget_hit.get() {
            return Err(CmdError::Other(BUDGET_ERROR.into()));
        }
        Err(CmdError::Other(script_error(&value, inv.name)))
    }
}

/// Redis's text for an error object that escaped the script:
/// `<err> script: <name>, on <source>:<line>.`
fn script_error(value: &Value, name: &str) -> String {
    let Value::Table(t) = value else {
        return "ERR unknown error".into();
    };
    let text = |key: &str| -> Option<String> {
        match t.raw_get::<Value>(key).ok()? {
            Value::String(s) => Some(s.to_string_lossy()),
            Value::Integer(n) => Some(n.to_string()),
            Value::Number(n) => Some((n as i64).to_string()),
            _ => None,
        }
    };
    let mut msg = text("err").unwrap_or_else(|| "ERR unknown error".into());
    if let (Some(source), Some(line)) = (text("source"), text("line")) {
        msg.push_str(&format!(" script: {name}, on {source}:{line}."));
    }
    msg
}

/// The message of a Lua error without mlua's decorations.
pub(crate) fn error_text(e: &mlua::Error) -> String {
    match e {
        mlua::Error::SyntaxError { message, .. } => message.clone(),
        mlua::Error::RuntimeError(message) => message.clone(),
        mlua::Error::MemoryError(_) => "not enough memory".into(),
        mlua::Error::CallbackError { cause, .. } => error_text(cause),
        mlua::Error::WithContext { cause, .. } => error_text(cause),
        other => other.to_string(),
    }
}

fn internal(e: mlua::Error) -> CmdError {
    CmdError::err(format!("script engine failure: {}", error_text(&e)))
}

/// Counts instructions; past the budget every check fails, and the
/// prelude makes the error final. Coroutines count against the same
/// budget: `coroutine.create` is replaced by one that hooks each new
/// thread (Lua 5.1 threads made by mlua do not inherit the main hook).
fn install_budget(lua: &Lua, shared: &Rc<Shared>) -> mlua::Result<()> {
    lua.set_hook(triggers(), budget_hook(shared));
    let shared = Rc::clone(shared);
    let create = lua.create_function(move |lua, f: Function| {
        let thread = lua.create_thread(f)?;
        thread.set_hook(triggers(), budget_hook(&shared));
        Ok(thread)
    })?;
    let coroutine: Table = lua.globals().raw_get("coroutine")?;
    coroutine.raw_set("create", create)
}

fn triggers() -> HookTriggers {
    HookTriggers {
        every_nth_instruction: Some(HOOK_STEP),
        ..HookTriggers::default()
    }
}

fn budget_hook(
    shared: &Rc<Shared>,
) -> impl Fn(&Lua, mlua::Debug) -> mlua::Result<VmState> + 'static {
    let shared = Rc::clone(shared);
    move |_, _| {
        shared.used.set(shared.used.get() + u64::from(HOOK_STEP));
        if shared.used.get() > INSTRUCTION_BUDGET {
            shared.budget_hit.set(true);
            return Err(mlua::Error::runtime(BUDGET_ERROR));
        }
        Ok(VmState::Continue)
    }
}

/// Installs the sandboxed globals, the libraries, the prelude and the
/// read-only protection; returns the prelude's `host` table.
fn build(lua: &Lua, source: &'static str, shared: &Rc<Shared>) -> mlua::Result<Table> {
    let globals = lua.globals();
    for name in REMOVED_GLOBALS {
        globals.raw_set(*name, Value::Nil)?;
    }
    libs::install(lua, shared)?;
    let errmsg = lua.create_function(|_, v: Value| {
        Ok(match v {
            Value::Error(e) => error_text(&e),
            Value::String(s) => s.to_string_lossy(),
            other => other.type_name().to_string(),
        })
    })?;
    for lib in ["redis", "cjson", "cmsgpack", "bit", "struct"] {
        native::guard_library(lua, &globals.raw_get(lib)?, &errmsg, lib != "redis")?;
    }
    let host = lua.create_table()?;
    host.raw_set("errmsg", errmsg)?;
    let redis: Table = globals.raw_get("redis")?;
    redis.raw_set("call", native::command_function(lua, &host, true)?)?;
    redis.raw_set("pcall", native::command_function(lua, &host, false)?)?;
    let where_fn = lua.create_function(move |lua, ()| Ok(user_frame(lua, source)))?;
    let hit = Rc::clone(shared);
    let budget_hit = lua.create_function(move |_, ()| Ok(hit.budget_hit.get()))?;
    trusted_chunk(lua, "prelude", include_str!("prelude.lua"))?.call::<()>((
        host.clone(),
        where_fn,
        budget_hit,
    ))?;
    trusted_chunk(lua, "protect", include_str!("protect.lua"))?.call::<()>(host.clone())?;
    Ok(host)
}

thread_local! {
    /// keel's own Lua chunks, compiled once per thread: loading bytecode
    /// is cheaper than parsing the source in every fresh state.
    static TRUSTED: RefCell<Vec<(&'static str, Vec<u8>)>> = const { RefCell::new(Vec::new()) };
}

/// One of keel's own chunks (never user code, which is always compiled
/// as text) loaded from its cached bytecode.
pub(crate) fn trusted_chunk(
    lua: &Lua,
    name: &'static str,
    source: &'static str,
) -> mlua::Result<Function> {
    let cached = TRUSTED.with(|t| {
        t.borrow()
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, b)| b.clone())
    });
    let bytecode = match cached {
        Some(bytecode) => bytecode,
        None => {
            let bytecode = lua
                .load(source)
                .set_name("=keel")
                .into_function()?
                .dump(false);
            TRUSTED.with(|t| t.borrow_mut().push((name, bytecode.clone())));
            bytecode
        }
    };
    lua.load(&bytecode[..])
        .set_name("=keel")
        .set_mode(ChunkMode::Binary)
        .into_function()
}

/// Source and current line of the innermost frame running user code.
fn user_frame(lua: &Lua, source: &str) -> (Option<String>, Option<i32>) {
    for level in 1..200 {
        let Some(frame) = lua.inspect_stack(level) else {
            break;
        };
        if frame.source().source.as_deref() == Some(source) {
            return (Some(source.to_string()), Some(frame.curr_line()));
        }
    }
    (None, None)
}
