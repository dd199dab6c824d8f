//! The errors of the runtime: [`Error`], the one error type, whose every
//! failure names the guest and, where there is one, the export; the Go
//! `error` a guest returned ([`GoError`]); and what a host method returns to
//! stop the guest ([`HostError`]).

use std::time::Duration;

/// What went wrong with a guest.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The engine could not be created.
    #[error("cannot create the wasm engine: {0}")]
    Engine(String),
    /// The module did not compile.
    #[error("guest `{guest}`: does not compile: {reason}")]
    Compile { guest: String, reason: String },
    /// Instantiation failed (imports, start function, limits).
    #[error("guest `{guest}`: cannot instantiate: {reason}")]
    Instantiate { guest: String, reason: String },
    /// `_initialize` or `_start` failed. `cause` is the failure itself (a
    /// trap, a timeout, an exit, ...), `reason` its text.
    #[error("guest `{guest}`: start-up `{export}` failed: {reason}")]
    Startup {
        guest: String,
        export: String,
        reason: String,
        #[source]
        cause: Option<Box<Error>>,
    },
    /// The guest does not export what the bindings expect.
    #[error("guest `{guest}`: missing export `{export}`: {reason}")]
    MissingExport {
        guest: String,
        export: String,
        reason: String,
    },
    /// The guest trapped (`unreachable`, a Go panic, division by zero,
    /// stack overflow, out of memory, ...). The instance is now poisoned.
    /// After a Go panic, `panic` holds its message, read from what the guest
    /// printed (kept whether output is captured or passed through).
    /// `frames` is the backtrace, innermost first, with the Go file and
    /// line of each frame where the module carries DWARF; the message ends
    /// with the innermost frame of the guest's own code: `at main.go:12
    /// (parse)`.
    #[error("guest `{guest}`: `{export}` {}{}", trap_text(reason, panic.as_deref()), Frame::place(frames))]
    Trap {
        guest: String,
        export: String,
        reason: String,
        panic: Option<String>,
        frames: Vec<Frame>,
    },
    /// The call ran past its deadline and was interrupted.
    #[error("guest `{guest}`: `{export}` did not finish within {after:?} and was stopped")]
    Timeout {
        guest: String,
        export: String,
        after: Duration,
    },
    /// A host function the guest called failed: the host method returned
    /// an error or panicked, it is not implemented, or the guest passed it
    /// bad arguments. The guest is stopped and the instance poisoned.
    #[error("guest `{guest}`: `{export}` called the host function `{import}`, which failed: {reason}")]
    Host {
        guest: String,
        export: String,
        /// `module.name`.
        import: String,
        reason: String,
    },
    /// The call used up its fuel budget.
    #[error("guest `{guest}`: `{export}` ran out of fuel ({fuel} units)")]
    OutOfFuel { guest: String, export: String, fuel: u64 },
    /// The guest called `proc_exit` during a call; `message` is the last
    /// line it printed before, if any.
    #[error("guest `{guest}`: `{export}` exited with code {code}{}", message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    Exit {
        guest: String,
        export: String,
        code: i32,
        message: Option<String>,
    },
    /// A pointer and length from the guest lie outside its memory.
    #[error(
        "guest `{guest}`: `{export}` returned {what} at {ptr:#x} of {len} bytes, outside its \
         memory of {memory} bytes"
    )]
    OutOfBounds {
        guest: String,
        export: String,
        what: &'static str,
        ptr: u32,
        len: u64,
        memory: usize,
    },
    /// A Go string that is not UTF-8 where a Rust `String` was promised.
    /// The bytes are kept: Go strings may hold any bytes.
    #[error("guest `{guest}`: `{export}` returned a string that is not UTF-8: {source}")]
    InvalidUtf8 {
        guest: String,
        export: String,
        bytes: GuestBytes,
        #[source]
        source: std::str::Utf8Error,
    },
    /// The guest's `malloc` returned null or memory outside its memory.
    #[error(
        "guest `{guest}`: `{export}`: `malloc({size})` returned {ptr:#x}, which is not usable \
         memory of {memory} bytes"
    )]
    BadAllocation {
        guest: String,
        export: String,
        size: u32,
        ptr: u32,
        memory: usize,
    },
    /// The export needs guest memory but the guest exports no `malloc`
    /// (or no memory).
    #[error("guest `{guest}`: `{export}` needs guest memory, but the guest exports no {missing}")]
    NoAllocator {
        guest: String,
        export: String,
        missing: &'static str,
    },
    /// A string or slice larger than `max_result_bytes`
    /// ([`crate::RuntimeBuilder::max_result_bytes`]): refused before any
    /// copy.
    #[error(
        "guest `{guest}`: `{export}` returned {size} bytes in one value, more than the runtime's \
         max_result_bytes ({limit}); nothing was copied"
    )]
    ResultTooLarge {
        guest: String,
        export: String,
        size: u64,
        limit: u64,
    },
    /// Arguments larger than the guest can hold.
    #[error("guest `{guest}`: `{export}`: arguments of {len} bytes are too large for the guest")]
    ArgumentsTooLarge { guest: String, export: String, len: u64 },
    /// An earlier call trapped; the instance must be reset.
    #[error(
        "guest `{guest}`: `{export}` not called: the instance is poisoned by an earlier trap; \
         reset it"
    )]
    Poisoned { guest: String, export: String },
    /// The sync API used on a runtime built with
    /// [`crate::RuntimeBuilder::async_support`], or the async API on one
    /// built without.
    #[error(
        "guest `{guest}`: `{export}` not called: {}",
        if *runtime_async {
            "the runtime was built with `async_support(true)`, so its guests are called through their \
             `...Async` bindings (`.await`); build it without `async_support` for the sync API"
        } else {
            "the async bindings (`...Async`) need a runtime built with `Runtime::builder().async_support(true)`"
        }
    )]
    WrongMode {
        guest: String,
        export: String,
        /// Whether the runtime is an async one.
        runtime_async: bool,
    },
    /// A dynamic call's export returned a non-nil Go `error` (typed
    /// methods return it as the inner `Result` instead). Not a trap: the
    /// instance stays usable.
    #[error("guest `{guest}`: `{export}` returned a Go error: {error}")]
    GoError {
        guest: String,
        export: String,
        error: GoError,
    },
    /// A dynamic call named no function of the guest.
    #[error("guest `{guest}`: no function `{function}`")]
    NoSuchFunction { guest: String, function: String },
    /// A dynamic call had the wrong number of arguments.
    #[error("guest `{guest}`: `{function}` takes {expected} argument{}, got {got}", if *expected == 1 { "" } else { "s" })]
    Arity {
        guest: String,
        function: String,
        expected: usize,
        got: usize,
    },
    /// A dynamic call had an argument of the wrong type.
    #[error("argument of type {got} where {expected} was expected")]
    ArgumentType { expected: &'static str, got: &'static str },
    /// A WASI grant (a directory, say) could not be set up.
    #[error("WASI set-up: {0}")]
    Wasi(String),
    /// A module loaded at run time does not fit the guest interface it was
    /// loaded for: every problem, one per line.
    #[error("{module} does not fit the guest interface `{guest}`:{}", problems.iter().map(|p| format!("\n- {p}")).collect::<String>())]
    Misfit {
        guest: String,
        module: String,
        problems: Vec<String>,
    },
    /// A module file could not be read.
    #[error("guest `{guest}`: cannot read the module {path}: {reason}")]
    ReadModule { guest: String, path: String, reason: String },
}

/// `trapped: REASON`, or after a Go panic `panicked: MESSAGE (in ...)`.
fn trap_text(reason: &str, panic: Option<&str>) -> String {
    match panic {
        Some(message) => {
            let place = reason.find(" (in ").map(|i| &reason[i..]).unwrap_or("");
            format!("panicked: {message}{place}")
        }
        None => format!("trapped: {reason}"),
    }
}

/// One frame of a trap's backtrace: the Go function (its DWARF name, or the
/// wasm function's name), and its source file and line where known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub function: String,
    pub file: Option<String>,
    pub line: Option<u32>,
}

impl Frame {
    /// Whether the frame is in the guest's own code: it has a line, and is
    /// not in the Go runtime.
    pub fn is_guest_code(&self) -> bool {
        let runtime = ["runtime.", "internal/", "internal."].iter().any(|p| self.function.starts_with(p))
            || self.file.as_deref().is_some_and(|f| f.contains("/src/runtime/") || f.contains("/src/internal/"));
        self.line.is_some() && self.file.is_some() && !runtime
    }

    /// ` at FILE:LINE (FUNCTION)` for the innermost frame of the guest's
    /// own code (the file's base name, the function without its package),
    /// or nothing.
    fn place(frames: &[Frame]) -> String {
        let Some(frame) = frames.iter().find(|f| f.is_guest_code()) else {
            return String::new();
        };
        let file = frame.file.as_deref().unwrap_or_default();
        let file = file.rsplit(['/', '\\']).next().unwrap_or(file);
        let function = frame.function.rsplit('/').next().unwrap_or(&frame.function);
        let function = function.strip_prefix("main.").unwrap_or(function);
        format!(" at {file}:{} ({function})", frame.line.unwrap_or_default())
    }
}

impl Error {
    /// Whether the error left the instance poisoned.
    pub fn poisons(&self) -> bool {
        matches!(
            self,
            Error::Trap { .. }
                | Error::Timeout { .. }
                | Error::OutOfFuel { .. }
                | Error::Exit { .. }
                | Error::Host { .. }
        )
    }

    /// The bytes of a string result that was not UTF-8.
    pub fn invalid_utf8_bytes(&self) -> Option<&[u8]> {
        match self {
            Error::InvalidUtf8 { bytes, .. } => Some(bytes.as_slice()),
            _ => None,
        }
    }
}

/// Bytes a guest returned, kept whole; their `Debug` shows the first
/// [`GuestBytes::DEBUG_BYTES`] and the length, as a guest's string may be
/// megabytes long.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct GuestBytes(pub Vec<u8>);

impl GuestBytes {
    /// The most bytes `Debug` shows.
    pub const DEBUG_BYTES: usize = 64;

    pub fn as_slice(&self) -> &[u8] {
        &self.0
    }

    pub fn into_vec(self) -> Vec<u8> {
        self.0
    }
}

impl std::ops::Deref for GuestBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for GuestBytes {
    fn from(bytes: Vec<u8>) -> Self {
        GuestBytes(bytes)
    }
}

impl std::fmt::Debug for GuestBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = &self.0[..self.0.len().min(Self::DEBUG_BYTES)];
        write!(f, "b\"{}\"", shown.escape_ascii())?;
        if shown.len() < self.0.len() {
            write!(f, "... ({} bytes in all)", self.0.len())?;
        }
        Ok(())
    }
}

/// A non-nil Go `error` a guest returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoError {
    message: Option<String>,
    type_name: Option<String>,
    typecode: u32,
    value: u32,
}

impl GoError {
    /// The error's message, when its type proves where it is.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The error's Go type (`errors.errorString`, `main.codeError`), when
    /// the binary names it.
    pub fn type_name(&self) -> Option<&str> {
        self.type_name.as_deref()
    }

    /// The raw interface value.
    pub fn typecode(&self) -> u32 {
        self.typecode
    }

    pub fn value(&self) -> u32 {
        self.value
    }

    /// The error `{typecode, value}`, with what the binary proves of it.
    pub(crate) fn new(message: Option<String>, type_name: Option<String>, typecode: u32, value: u32) -> GoError {
        GoError {
            message,
            type_name,
            typecode,
            value,
        }
    }
}

impl std::fmt::Display for GoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.message, &self.type_name) {
            (Some(m), _) => f.write_str(m),
            (None, Some(t)) => write!(f, "a Go error of type {t} (its message is only known to its Error method)"),
            (None, None) => write!(f, "a Go error (typecode {:#x}; its message is unknown)", self.typecode),
        }
    }
}

impl std::error::Error for GoError {}

/// A failure of a host method, returned to stop the guest: the export call
/// fails with [`Error::Host`], which names the import and carries this
/// message, and the instance is poisoned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostError {
    message: String,
    unimplemented: bool,
}

impl HostError {
    pub fn new(message: impl Into<String>) -> Self {
        HostError {
            message: message.into(),
            unimplemented: false,
        }
    }

    /// What a host trait method that the host does not implement returns.
    pub fn unimplemented(import: &str) -> Self {
        HostError {
            message: format!("not implemented by the host; the guest needs a host function for `{import}`"),
            unimplemented: true,
        }
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// The message, moved out.
    pub(crate) fn into_message(self) -> String {
        self.message
    }

    /// Whether this is the error of an unimplemented method.
    pub fn is_unimplemented(&self) -> bool {
        self.unimplemented
    }
}

impl std::fmt::Display for HostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for HostError {}

impl From<String> for HostError {
    fn from(message: String) -> Self {
        HostError::new(message)
    }
}

impl From<&str> for HostError {
    fn from(message: &str) -> Self {
        HostError::new(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid(len: usize) -> Error {
        let mut bytes = vec![b'a'; len];
        bytes[0] = 0xff;
        let source = std::str::from_utf8(&bytes).unwrap_err();
        Error::InvalidUtf8 {
            guest: "g".into(),
            export: "f".into(),
            bytes: bytes.into(),
            source,
        }
    }

    #[test]
    fn the_debug_of_a_long_invalid_string_shows_its_start_and_length() {
        let text = format!("{:?}", invalid(500_000));
        assert!(text.len() < 600, "{} bytes of Debug", text.len());
        assert!(text.contains("\\xffaaa"), "{text}");
        assert!(text.contains("(500000 bytes in all)"), "{text}");
        // The bytes themselves stay whole.
        assert_eq!(invalid(500_000).invalid_utf8_bytes().map(<[u8]>::len), Some(500_000));
    }

    #[test]
    fn the_debug_of_a_short_invalid_string_is_whole() {
        let text = format!("{:?}", invalid(10));
        assert!(text.contains("bytes: b\"\\xffaaaaaaaaa\","), "{text}");
        assert!(!text.contains("in all"), "{text}");
    }

    #[test]
    fn arity_says_argument_or_arguments() {
        let arity = |expected| {
            Error::Arity {
                guest: "g".into(),
                function: "f".into(),
                expected,
                got: 3,
            }
            .to_string()
        };
        assert_eq!(arity(1), "guest `g`: `f` takes 1 argument, got 3");
        assert_eq!(arity(2), "guest `g`: `f` takes 2 arguments, got 3");
    }
}
