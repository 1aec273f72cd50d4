//! `redis.call` / `redis.pcall`: running commands of the table from a
//! script, with Redis's rules for what a script may call.

use std::rc::Rc;

use bytes::Bytes;
use mlua::{Lua, MultiValue, Value};
use resp::Reply;

use super::convert;
use super::vm::Shared;
use crate::table::{self, CommandSpec, Flags, Handler};
use crate::{CmdError, Ctx, Keyspace};

/// The keyspace a script runs against: shared for read-only scripts run as
/// reads, exclusive for scripts applied from the log.
pub(crate) enum Target<'a> {
    Read(&'a Keyspace),
    Write(&'a mut Keyspace),
}

/// The command runner behind `redis.call` for one script call.
pub(crate) struct Host<'a> {
    target: Target<'a>,
    ctx: &'a mut Ctx,
    read_only: bool,
    shared: Rc<Shared>,
}

impl<'a> Host<'a> {
    pub(crate) fn new(
        target: Target<'a>,
        ctx: &'a mut Ctx,
        read_only: bool,
        shared: Rc<Shared>,
    ) -> Host<'a> {
        Host {
            target,
            ctx,
            read_only,
            shared,
        }
    }

    /// Gives the context back once the script is over.
    pub(crate) fn into_ctx(self) -> &'a mut Ctx {
        self.ctx
    }

    /// Runs one command: `(true, reply)` or `(false, error object)`; the
    /// Lua side raises the error for `redis.call`.
    pub(crate) fn call(&mut self, lua: &Lua, args: MultiValue) -> mlua::Result<(bool, Value)> {
        match self.execute(lua, args)? {
            Ok(frame) => Ok((
                true,
                convert::frame_to_lua(lua, frame, self.shared.resp3.get())?,
            )),
            Err(text) => Ok((false, Value::Table(convert::error_table(lua, &text)?))),
        }
    }

    /// The reply frame, or the error text (code included).
    fn execute(
        &mut self,
        lua: &Lua,
        args: MultiValue,
    ) -> mlua::Result<Result<resp::Frame, String>> {
        let args = match command_args(lua, args)? {
            Ok(args) => args,
            Err(e) => return Ok(Err(e.to_string())),
        };
        let spec = match self.check(&args) {
            Ok(spec) => spec,
            Err(e) => return Ok(Err(e.to_string())),
        };
        let mut out = Reply::new(self.shared.resp3.get());
        if let Err(e) = self.dispatch(spec, &args, &mut out) {
            return Ok(Err(e.to_string()));
        }
        Ok(match resp::decode(out.as_bytes()) {
            Ok(Some((resp::Frame::Error(e), _))) => Err(e),
            Ok(Some((frame, _))) => Ok(frame),
            _ => Err("ERR the command wrote no reply".into()),
        })
    }

    /// Redis's checks before a script may run a command.
    fn check(&self, args: &[Bytes]) -> Result<&'static CommandSpec, CmdError> {
        let spec = table::resolve(args).map_err(|e| match e {
            CmdError::Arity(_) => {
                CmdError::err("Wrong number of args calling Redis command from script")
            }
            _ => CmdError::err("Unknown Redis command called from script"),
        })?;
        if spec.flags.contains(Flags::NOSCRIPT) || !script_may_call(spec) {
            return Err(CmdError::err(
                "This Redis command is not allowed from script",
            ));
        }
        if spec.is_write() && self.read_only {
            return Err(CmdError::err(
                "Write commands are not allowed from read-only scripts.",
            ));
        }
        Ok(spec)
    }

    fn dispatch(
        &mut self,
        spec: &'static CommandSpec,
        args: &[Bytes],
        out: &mut Reply,
    ) -> Result<(), CmdError> {
        match (spec.handler, &mut self.target) {
            (Handler::Server, _) => self.server_command(spec, args, out),
            (Handler::Read(_), Target::Read(ks)) => {
                table::run_read(spec, ks, self.ctx, args, out);
                Ok(())
            }
            (_, Target::Write(ks)) => {
                table::run(spec, ks, self.ctx, args, out);
                Ok(())
            }
            (_, Target::Read(_)) => Err(CmdError::err(
                "Write commands are not allowed from read-only scripts.",
            )),
        }
    }

    /// The few connection and server commands scripts use, answered from
    /// the script's context.
    fn server_command(
        &mut self,
        spec: &CommandSpec,
        args: &[Bytes],
        out: &mut Reply,
    ) -> Result<(), CmdError> {
        match spec.name {
            "ping" => match args.get(1) {
                Some(message) => out.bulk(message),
                None => out.simple("PONG"),
            },
            "time" => {
                out.array(2);
                out.bulk_int((self.ctx.now_ms / 1000) as i64);
                out.bulk_int(((self.ctx.now_ms % 1000) * 1000) as i64);
            }
            "select" => {
                let index = crate::args::int(&args[1]).map_err(|_| CmdError::NotInteger)?;
                let count = match &self.target {
                    Target::Read(ks) => ks.databases(),
                    Target::Write(ks) => ks.databases(),
                };
                self.ctx.db = usize::try_from(index)
                    .ok()
                    .filter(|i| *i < count)
                    .ok_or(CmdError::DbIndexOutOfRange)?;
                out.ok();
            }
            "publish" => {
                self.ctx.publish(args[1].clone(), args[2].clone());
                out.int(0);
            }
            _ => {
                return Err(CmdError::err(
                    "This Redis command is not allowed from script",
                ))
            }
        }
        Ok(())
    }
}

/// Server commands a script may call (answered by [`Host::server_command`]).
fn script_may_call(spec: &CommandSpec) -> bool {
    !matches!(spec.handler, Handler::Server | Handler::Container)
        || matches!(spec.name, "ping" | "time" | "select" | "publish")
}

/// The arguments of `redis.call`: strings or numbers (numbers as Lua
/// prints them).
fn command_args(lua: &Lua, args: MultiValue) -> mlua::Result<Result<Vec<Bytes>, CmdError>> {
    if args.is_empty() {
        return Ok(Err(CmdError::err(
            "Please specify at least one argument for this redis lib call",
        )));
    }
    let mut out = Vec::with_capacity(args.len());
    for arg in args {
        match arg {
            Value::String(s) => out.push(Bytes::copy_from_slice(&s.as_bytes())),
            Value::Integer(_) | Value::Number(_) => match lua.coerce_string(arg)? {
                Some(s) => out.push(Bytes::copy_from_slice(&s.as_bytes())),
                None => return Ok(Err(not_string())),
            },
            _ => return Ok(Err(not_string())),
        }
    }
    Ok(Ok(out))
}

fn not_string() -> CmdError {
    CmdError::err("Lua redis lib command arguments must be strings or integers")
}
