//! Command errors with Redis's exact texts.

/// An error a command replies with. `Display` gives the full Redis error
/// line (code included, no leading `-`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CmdError {
    #[error("WRONGTYPE Operation against a key holding the wrong kind of value")]
    WrongType,
    #[error("ERR value is not an integer or out of range")]
    NotInteger,
    #[error("ERR value is not a valid float")]
    NotFloat,
    #[error("ERR syntax error")]
    Syntax,
    #[error("ERR no such key")]
    NoSuchKey,
    #[error("ERR wrong number of arguments for '{0}' command")]
    Arity(String),
    #[error("ERR increment or decrement would overflow")]
    Overflow,
    #[error("ERR index out of range")]
    IndexOutOfRange,
    #[error("ERR DB index is out of range")]
    DbIndexOutOfRange,
    #[error("ERR value is out of range, must be positive")]
    NotPositive,
    #[error("ERR timeout is not a float or out of range")]
    TimeoutNotFloat,
    #[error("ERR timeout is negative")]
    TimeoutNegative,
    #[error("ERR unknown subcommand '{sub}'. Try {cmd} HELP.")]
    UnknownSubcommand { cmd: String, sub: String },
    /// Any other error; the text includes its code (`ERR ...`).
    #[error("{0}")]
    Other(String),
}

impl CmdError {
    /// An `ERR <text>` error.
    pub fn err(text: impl std::fmt::Display) -> CmdError {
        CmdError::Other(format!("ERR {text}"))
    }
}
