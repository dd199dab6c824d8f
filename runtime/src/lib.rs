//! Runtime for tinybind: runs Go (TinyGo) WebAssembly guests on wasmtime with
//! WASI preview 1, for the bindings that `tinybind-codegen` generates.
//!
//! - [`Runtime`]: the engine, settings and compiled guests; cheap to clone.
//! - [`Instance`]: one guest's store, start-up, calls with deadlines, and the
//!   guest memory kept for arguments and results.
//! - [`memory`]: bounds-checked reads of what a guest returns.
//! - [`Pool`]: an instance per thread.
//! - [`dynamic`]: calling guests by name, for tools.
//! - [`Error`]: every failure, naming guest and export.

mod cache;
mod deadline;
pub mod dynamic;
mod error;
mod instance;
pub mod memory;
mod pool;
mod runtime;

pub use dynamic::{DynGuest, FunctionInfo, GoInterface, GuestEntry, GuestInfo, Value, ValueType};
pub use error::Error;
pub use instance::{GuestModule, Instance, Startup, MAX_TABLES, MAX_TABLE_ELEMENTS};
pub use memory::{to_le_bytes, GuestSlice, Results};
pub use pool::{Bindings, Pool, Pooled};
pub use runtime::{Runtime, RuntimeBuilder, DEFAULT_MEMORY_LIMIT, DEFAULT_TIMEOUT};
pub use wasmtime::TypedFunc;
