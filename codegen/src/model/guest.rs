//! The model of one guest, as inference leaves it: its compiler and
//! start-up kind, and for every export and host import the binding and the
//! evidence it rests on. Evidence only: the Rust a binding becomes is
//! written once, by `emit`.

use std::rc::Rc;

use tinybind_abi::Startup;

use crate::abi::lower::{Lowered, Results};
use crate::abi::repr::{Flavour, Struct};
use crate::go::TypeDecl;
use crate::wasm::FuncSig;

/// Exports that belong to the runtime, not to the guest's API.
const RUNTIME_EXPORTS: &[&str] = &[
    "malloc",
    "free",
    "calloc",
    "realloc",
    "posix_memalign",
    "aligned_alloc",
    "malloc_usable_size",
    "cabi_realloc",
    "_start",
    "_initialize",
    "resume",
    "go_scheduler",
    "__wasm_call_ctors",
    "memcpy",
    "memmove",
    "memset",
    "memcmp",
    "memchr",
    // libc helpers TinyGo's wasip1 builds export.
    "fminimum",
    "fmaximum",
    "fminimumf",
    "fmaximumf",
];

/// Method names the generated struct uses itself.
pub const RESERVED_METHODS: &[&str] = &["new", "with_host", "host", "host_mut", "reset", "runtime", "guest", "instance"];

pub fn is_runtime_export(name: &str) -> bool {
    RUNTIME_EXPORTS.contains(&name) || name.starts_with("asyncify_") || name.contains('.')
}

/// Where a binding's types came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Evidence {
    GoSource,
    /// Go source whose results come through a retptr that nothing in the
    /// binary could check (see `results_check`).
    GoSourceUnverified,
    Dwarf,
    WasmOnly,
    /// The declarations of an interface-only guest: a module loaded at run
    /// time is checked against the wasm types they lower to.
    Interface,
}

impl Evidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::GoSource => "go-source",
            Evidence::GoSourceUnverified => "go-source, unverified",
            Evidence::Dwarf => "dwarf",
            Evidence::WasmOnly => "wasm-only",
            Evidence::Interface => "interface",
        }
    }
}

/// The binding of one export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Binding {
    /// Go types, lowered and checked against the wasm type.
    Typed(Lowered),
    /// The exact wasm types, with parameter names where known.
    Raw { names: Vec<String> },
}

#[derive(Clone, Debug)]
pub struct FunctionModel {
    pub export: String,
    /// Other export names of the same function.
    pub aliases: Vec<String>,
    /// The Rust method name.
    pub method: String,
    pub wasm: FuncSig,
    /// The Go signature, when evidence gives one.
    pub go: Option<String>,
    /// Where the Go signature was read (`file:line`, or `DWARF`).
    pub go_location: Option<String>,
    /// The Go func's own doc comment, when the Go source that types it has
    /// one (empty otherwise).
    pub go_doc: String,
    pub evidence: Evidence,
    pub binding: Binding,
}

impl FunctionModel {
    /// Describes the calling convention in a few words.
    pub fn convention(&self) -> String {
        match &self.binding {
            Binding::Typed(l) => l.convention(),
            Binding::Raw { .. } => "raw wasm values".to_string(),
        }
    }

    /// The names of the method's parameters: the Go names of a typed
    /// binding, one per wasm value for a raw one.
    pub fn param_names(&self) -> Vec<&str> {
        match &self.binding {
            Binding::Typed(l) => l.params.iter().map(|p| p.name.as_str()).collect(),
            Binding::Raw { names } => names.iter().map(String::as_str).collect(),
        }
    }

    /// Whether the method returns the export's Go `error` as the inner
    /// `Result` of `Result<Result<T, GoError>, Error>`.
    pub fn returns_go_error(&self) -> bool {
        matches!(&self.binding, Binding::Typed(l) if l.go_error)
    }
}

/// The binding of one imported host function: a method of the guest's host
/// trait. `func.export` is the import's name, `func.method` the method's.
#[derive(Clone, Debug)]
pub struct ImportModel {
    pub module: String,
    pub name: String,
    /// The pragma that declared it (`go:wasmimport`, `export`, ...), when
    /// one did.
    pub pragma: Option<String>,
    /// The Go declaration as written, when there is one.
    pub declaration: Option<String>,
    pub func: FunctionModel,
}

impl ImportModel {
    /// `env.log`.
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.module, self.name)
    }

    /// Describes the calling convention in a few words.
    pub fn convention(&self) -> String {
        match &self.func.binding {
            Binding::Typed(l) => l.convention(),
            Binding::Raw { .. } => "raw wasm values; the guest's memory as the first parameter".into(),
        }
    }
}

/// A Go struct the bindings use, and its declaration.
#[derive(Clone, Debug)]
pub struct StructModel {
    pub ty: Rc<Struct>,
    /// The Go declaration as written, when the Go source has it.
    pub declaration: Option<TypeDecl>,
}

/// Everything inferred for one guest.
#[derive(Clone, Debug)]
pub struct GuestModel {
    /// The guest's name: its file stem.
    pub name: String,
    /// The guest file, as found: the module, or the Go declarations of an
    /// interface-only guest.
    pub file: String,
    /// Declarations with no module: nothing is embedded, and modules that
    /// fit are loaded at run time (`model::interface`).
    pub interface_only: bool,
    /// `snake_case` module name and `UpperCamelCase` struct name.
    pub module: String,
    pub struct_name: String,
    /// The compiler, as the `producers` section names it.
    pub compiler: String,
    pub flavour: Flavour,
    pub startup: Startup,
    pub has_malloc: bool,
    pub has_free: bool,
    pub functions: Vec<FunctionModel>,
    /// The host functions the guest imports (not WASI, not TinyGo's JS
    /// runtime), in import-section order: the methods of its host trait.
    pub imports: Vec<ImportModel>,
    /// The Go structs the typed bindings use, inner ones first: the Rust
    /// types of the guest's module.
    pub structs: Vec<StructModel>,
    /// Exports hidden from the API because the runtime owns them.
    pub runtime_exports: Vec<String>,
    pub warnings: Vec<String>,
}

impl GuestModel {
    /// Whether the compiler puts Go type names in the binary: TinyGo 0.28
    /// and later (older ones do not name themselves in `producers`).
    pub fn names_go_types(&self) -> bool {
        self.compiler
            .strip_prefix("TinyGo ")
            .is_some_and(tinybind_abi::tinygo_names_types)
    }

    /// Whether the guest has a host trait.
    pub fn has_host(&self) -> bool {
        !self.imports.is_empty()
    }

    /// The host trait's name: `GreeterHost`.
    pub fn host_trait(&self) -> String {
        self.item_name("Host")
    }

    /// The async host trait's name: `GreeterAsyncHost`.
    pub fn async_host_trait(&self) -> String {
        self.item_name("AsyncHost")
    }

    /// The name of its struct of the async API: `GreeterAsync`.
    pub fn async_struct(&self) -> String {
        self.item_name("Async")
    }

    /// The name of its `Pre`, which makes instances of a module.
    pub fn pre_struct(&self) -> String {
        self.item_name("Pre")
    }

    /// The name of its table of export indices.
    pub fn indices_struct(&self) -> String {
        self.item_name("Indices")
    }

    fn item_name(&self, suffix: &str) -> String {
        crate::names::guest_item(&self.struct_name, suffix)
    }

    /// The largest retptr area any function needs, in bytes.
    pub fn retptr_size(&self) -> u32 {
        self.functions
            .iter()
            .filter_map(|f| match &f.binding {
                Binding::Typed(Lowered {
                    results: Results::Retptr { size, .. },
                    ..
                }) => Some(*size),
                _ => None,
            })
            .max()
            .unwrap_or(0)
    }
}
