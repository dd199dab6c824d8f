//! Why a `tinybind call` failed, as a kind (for `--json`), a one-line
//! message and an exit code: 1 for a guest failure, 2 for a usage error,
//! 124 for a timeout.

use std::process::ExitCode;

use tinybind_runtime::Error;

use super::values::describe;

pub const EXIT_GUEST: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_TIMEOUT: u8 = 124;

/// A failed call: the kind, guest and export it is about, the message, and
/// the fields a kind adds.
#[derive(Debug)]
pub struct Failure {
    pub kind: &'static str,
    pub guest: Option<String>,
    pub export: Option<String>,
    pub message: String,
    /// Extra fields of the JSON object: `import`, `exit_code`, `panic`, ...
    pub extra: Vec<(&'static str, serde_json::Value)>,
    pub exit: u8,
}

impl Failure {
    /// A usage error: bad flags or arguments, an unknown function, a file
    /// that is not a module.
    pub fn usage(guest: Option<&str>, export: Option<&str>, message: impl Into<String>) -> Self {
        Failure {
            kind: "usage",
            guest: guest.map(str::to_string),
            export: export.map(str::to_string),
            message: one_line(&message.into()),
            extra: Vec::new(),
            exit: EXIT_USAGE,
        }
    }

    /// A runtime error of the call of `export` of `guest`.
    pub fn from_error(guest: &str, export: &str, e: &Error) -> Self {
        use serde_json::json;
        let mut extra = Vec::new();
        let mut exit = EXIT_GUEST;
        let mut export = export.to_string();
        let kind = match e {
            Error::Trap {
                panic,
                export: at,
                frames,
                ..
            } => {
                export = at.clone();
                if let Some(p) = panic {
                    extra.push(("panic", json!(p)));
                }
                // Innermost first; `file` and `line` are null where the
                // module carries no DWARF for the frame.
                let frames: Vec<serde_json::Value> = frames
                    .iter()
                    .map(|f| json!({ "function": f.function, "file": f.file, "line": f.line }))
                    .collect();
                extra.push(("frames", json!(frames)));
                "trap"
            }
            Error::Timeout { after, export: at, .. } => {
                export = at.clone();
                exit = EXIT_TIMEOUT;
                extra.push(("timeout_ms", json!(after.as_millis() as u64)));
                "timeout"
            }
            Error::Exit { code, export: at, .. } => {
                export = at.clone();
                extra.push(("exit_code", json!(code)));
                "exit"
            }
            Error::Host { import, export: at, .. } => {
                export = at.clone();
                extra.push(("import", json!(import)));
                "host"
            }
            Error::OutOfFuel { fuel, .. } => {
                extra.push(("fuel", json!(fuel)));
                "out-of-fuel"
            }
            Error::GoError { error, .. } => {
                if let Some(t) = error.type_name() {
                    extra.push(("go_type", json!(t)));
                }
                "go-error"
            }
            Error::OutOfBounds { .. } | Error::BadAllocation { .. } => "bad-pointer",
            Error::InvalidUtf8 { .. } => "invalid-utf8",
            Error::NoAllocator { .. } => "no-allocator",
            Error::ArgumentsTooLarge { .. } => "arguments-too-large",
            Error::ResultTooLarge { size, limit, .. } => {
                extra.push(("size", json!(size)));
                extra.push(("limit", json!(limit)));
                "result-too-large"
            }
            Error::Poisoned { .. } => "poisoned",
            Error::WrongMode { .. } => "wrong-mode",
            Error::MissingExport { .. } => "missing-export",
            Error::Compile { .. } => "compile",
            Error::Instantiate { .. } => "instantiate",
            // A start-up failure is what failed in it (a trap, a timeout,
            // an exit, ...), of the entry point, and says it was start-up.
            Error::Startup {
                export: at,
                cause: Some(cause),
                ..
            } => {
                let mut inner = Failure::from_error(guest, at, cause);
                inner.message = one_line(&describe(e));
                inner.extra.push(("startup", json!(true)));
                return inner;
            }
            Error::Startup { export: at, .. } => {
                export = at.clone();
                "startup"
            }
            Error::NoSuchFunction { .. } | Error::Arity { .. } | Error::ArgumentType { .. } => {
                exit = EXIT_USAGE;
                "usage"
            }
            Error::Wasi(_) => {
                exit = EXIT_USAGE;
                "grant"
            }
            Error::Engine(_) => "engine",
            _ => "error",
        };
        Failure {
            kind,
            guest: Some(guest.to_string()),
            export: Some(export),
            message: one_line(&describe(e)),
            extra,
            exit,
        }
    }

    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.exit)
    }

    /// The JSON object: `kind`, `guest`, `export`, `message`, then the
    /// kind's own fields.
    pub fn to_json(&self) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        map.insert("kind".into(), self.kind.into());
        map.insert("guest".into(), self.guest.clone().into());
        map.insert("export".into(), self.export.clone().into());
        map.insert("message".into(), self.message.clone().into());
        for (k, v) in &self.extra {
            map.insert((*k).into(), v.clone());
        }
        serde_json::Value::Object(map)
    }
}

/// A message on one line, whatever it holds (a wasm compile error, say).
pub fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
