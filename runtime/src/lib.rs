//! Runtime for tinybind: runs Go (TinyGo) WebAssembly guests on wasmtime with
//! WASI preview 1, for the bindings that `tinybind-codegen` generates.
//!
//! - [`Runtime`]: the engine, settings and compiled guests; cheap to clone.
//! - [`Instance`]: one guest's store, start-up, calls with deadlines, and the
//!   guest memory kept for arguments and results.
//! - [`memory`]: bounds-checked reads of what a guest returns.
//! - [`layout`]: Go structs, arrays and slices in guest memory.
//! - [`host`]: host functions, the guest's imports implemented in Rust
//!   through the generated host traits; [`GuestMemory`] for raw ones.
//! - [`Pool`]: an instance per thread.
//! - [`dynamic`]: calling guests by name, for tools.
//! - [`Error`]: every failure, naming guest and export.

mod cache;
mod deadline;

/// Internals exposed for the fuzz targets in `fuzz/`; not an API.
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::deadline::differential::{compare, engine, Compared};
}
pub mod dynamic;
mod error;
mod go_error;
mod guest_memory;
pub mod host;
mod instance;
pub mod layout;
pub mod memory;
mod output;
mod pool;
mod preinit;
mod runtime;
mod sandbox;

pub use dynamic::{
    call_lowered, DynGuest, FromValue, FunctionInfo, GoInterface, GuestEntry, GuestInfo, ImportInfo,
    Lowering, ResultShape, StructType, Value, ValueType,
};
pub use error::Error;
pub use go_error::GoError;
pub use guest_memory::GuestMemory;
pub use host::{HostError, NoHost};
pub use instance::{GuestModule, Instance, Startup, MAX_TABLES, MAX_TABLE_ELEMENTS};
pub use layout::{Blob, GoLayout, Lift, Lower};
pub use memory::{to_le_bytes, GuestSlice, Results};
pub use pool::{Bindings, Pool, Pooled};
pub use preinit::PreinitStatus;
pub use runtime::{HostLink, Runtime, RuntimeBuilder, State, DEFAULT_MEMORY_LIMIT, DEFAULT_TIMEOUT};
pub use wasmtime::TypedFunc;
