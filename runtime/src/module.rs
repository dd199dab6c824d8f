//! What generated code says of a guest: its module ([`GuestModule`], with
//! its [`Startup`]) and its functions ([`GuestInfo`]), as constants.

use tinybind_abi::Startup;

use crate::error::{Error, GoError};
use crate::value::ValueType;

/// A guest module as the generated code describes it.
#[derive(Debug)]
pub struct GuestModule {
    pub name: &'static str,
    pub file: &'static str,
    pub bytes: &'static [u8],
    pub startup: Startup,
    /// Bytes of the retptr area the bindings need (0: none).
    pub retptr_size: u32,
}

impl GuestModule {
    /// What compiling and starting it needs.
    pub(crate) fn view(&self) -> ModuleView<'_> {
        ModuleView {
            name: self.name,
            file: self.file,
            bytes: self.bytes,
            startup: self.startup,
            retptr_size: self.retptr_size,
        }
    }
}

/// What compiling and starting a guest needs of its module, embedded
/// ([`GuestModule`]) or loaded at run time.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ModuleView<'a> {
    /// The guest's name, as errors give it.
    pub name: &'a str,
    /// Where the module came from, for messages.
    pub file: &'a str,
    pub bytes: &'a [u8],
    pub startup: Startup,
    /// Bytes of the retptr area (0: none).
    pub retptr_size: u32,
}

/// What a generated guest says of one of its functions: an export (a
/// method of the guest) or an import (a method of its host trait).
#[derive(Clone, Copy, Debug)]
pub struct FunctionInfo {
    /// The import's module; `None` for an export.
    pub module: Option<&'static str>,
    /// The export's or the import's name.
    pub name: &'static str,
    /// The Rust method's name (of the guest, or of its host trait).
    pub method: &'static str,
    /// Other export names of the same function.
    pub aliases: &'static [&'static str],
    /// The Go signature, when evidence gave one.
    pub go: Option<&'static str>,
    /// The Rust method's signature.
    pub rust: &'static str,
    /// The wasm type, as `(i32, i32) -> (i32)`.
    pub wasm: &'static str,
    /// `go-source`, `dwarf` or `wasm-only`.
    pub evidence: &'static str,
    pub convention: &'static str,
    pub params: &'static [(&'static str, ValueType)],
    pub results: &'static [ValueType],
}

/// What a generated guest says of itself.
#[derive(Clone, Copy, Debug)]
pub struct GuestInfo {
    pub name: &'static str,
    pub file: &'static str,
    pub compiler: &'static str,
    pub functions: &'static [FunctionInfo],
    /// Its host functions, in import-section order (not WASI).
    pub imports: &'static [FunctionInfo],
    /// Bytes of the retptr area its functions need (0: none).
    pub retptr_size: u32,
}

impl GuestInfo {
    /// A function by export name or Rust method name.
    pub fn function(&self, name: &str) -> Option<&'static FunctionInfo> {
        self.functions
            .iter()
            .find(|f| f.name == name || f.method == name || f.aliases.contains(&name))
    }
}

/// The errors of the generated guests' dynamic calls, named by their
/// [`GuestInfo`].
impl Error {
    /// A Go error of a dynamic call.
    #[doc(hidden)]
    pub fn go_error(info: &GuestInfo, function: &str, error: GoError) -> Error {
        Error::GoError {
            guest: info.name.to_string(),
            export: function.to_string(),
            error,
        }
    }

    #[doc(hidden)]
    pub fn no_such_function(info: &GuestInfo, function: &str) -> Error {
        Error::NoSuchFunction {
            guest: info.name.to_string(),
            function: function.to_string(),
        }
    }

    #[doc(hidden)]
    pub fn arity(info: &GuestInfo, function: &str, expected: usize, got: usize) -> Error {
        Error::Arity {
            guest: info.name.to_string(),
            function: function.to_string(),
            expected,
            got,
        }
    }
}

/// A real TinyGo reactor for the unit tests: `guest-go/concat.wasm`.
#[cfg(test)]
pub(crate) static CONCAT: GuestModule = GuestModule {
    name: "concat",
    file: "guest-go/concat.wasm",
    bytes: include_bytes!("../../guest-go/concat.wasm"),
    startup: Startup::Initialize,
    retptr_size: 8,
};
