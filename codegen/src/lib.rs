//! Build-time code generator for tinybind: reads the Go (TinyGo) WebAssembly
//! guests of a directory and writes typed Rust bindings for them.
//!
//! ```no_run
//! // build.rs: `fn main` calls this.
//! if let Err(e) = tinybind_codegen::Builder::new().guest_dir("guest-go").generate() {
//!     println!("cargo::error={e}");
//!     std::process::exit(1);
//! }
//! ```
//!
//! The public API is [`Builder`] (with its [`Report`] and [`Error`]) and the
//! inspection API ([`inspect_file`], [`read_module`], [`Inspection`]) that
//! `tinybind inspect` and `tinybind call FILE.wasm` use.
//!
//! Inside, from the ground up, one job a file: `names` makes Rust
//! identifiers; the readers `wasm` (a module), `go` (Go declarations) and
//! `dwarf` (debug info); `abi` decides how a Go signature is lowered, by the
//! rules of `tinybind_abi`; `model` puts the evidence together; `emit`
//! writes Rust; `error`, `discover` (finding and reading guests), `tinygo`
//! (building Go guests, with `compile_go`), `config`
//! (the [`Builder`]) and `inspect` (what was inferred) sit on top.

mod abi;
mod config;
mod discover;
mod dwarf;
mod emit;
mod error;
mod go;
mod inspect;
mod model;
mod names;
mod retptr;
mod tinygo;
mod wasm;

pub use config::{Builder, Report};
pub use discover::go_files_beside;
pub use error::Error;
pub use inspect::{
    inspect_file, inspect_interface, read_module, FieldReport, FunctionReport, ImportReport, Inspection, Passing,
    StructReport,
};
pub use model::guest::is_runtime_export;
pub use tinygo::DEFAULT_FLAGS as DEFAULT_TINYGO_FLAGS;

/// The pieces inside, for this crate's own tests, fuzz targets and
/// benchmarks only: not an API, and it changes without notice.
#[doc(hidden)]
pub mod __internal {
    pub use crate::abi::repr::{lower_type, Flavour, Repr};
    pub use crate::emit::file::{file, file_with_runtime};
    pub use crate::emit::guest::BytesPath;
    pub use crate::go::{GoSource, GoType};
    pub use crate::model::guest::GuestModel;
    pub use crate::model::infer::infer;
    pub use crate::tinygo::find_tinygo;
    pub use crate::wasm::ModuleInfo;
}
