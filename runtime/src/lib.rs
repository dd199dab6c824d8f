//! Runtime for tinybind: runs Go (TinyGo) WebAssembly guests on wasmtime with
//! WASI preview 1, for the bindings that `tinybind-codegen` generates.
//!
//! - [`Runtime`]: the engine, settings and compiled guests; cheap to clone.
//! - [`Instance`]: one guest's store, start-up, calls with deadlines, and the
//!   guest memory kept for arguments and results.
//! - [`Pool`]: an instance per thread.
//! - [`GuestMemory`]: the calling guest's memory, for raw host methods.
//! - [`call_lowered`], [`Value`], [`GuestInfo`]: calling guests by name,
//!   for tools; [`ImportTracer`] answers and reports the imports nothing
//!   implements.
//! - [`Error`]: every failure, naming guest and export.
//!
//! The crate is in layers, each file using only files of its own layer or
//! below: the vocabulary (`value`, `module`, `error`, `config`, `store`);
//! `mem`, the one place guest memory is touched; `deadline`, the one place a
//! running guest is stopped, with `output`, `sandbox` and `cache` beside it;
//! `host`, calls into host methods; `compile` and `preinit`; `instance`;
//! `runtime` and `pool`; `dynamic`. What only generated code uses is in
//! [`__private`].

mod blocking;
mod cache;
mod compile;
mod config;
mod deadline;
mod dynamic;
mod error;
mod fit;
mod host;
mod instance;
mod loaded;
mod mem;
mod module;
mod output;
mod pool;
mod preinit;
mod runtime;
mod sandbox;
mod store;
mod symbols;
mod value;

pub use config::{DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_MAX_RESULT_BYTES, DEFAULT_MEMORY_LIMIT, DEFAULT_TIMEOUT, MAX_TABLES, MAX_TABLE_ELEMENTS};
pub use dynamic::guest::{DynGuest, GuestEntry};
pub use dynamic::lowered::{call_lowered, Lowering, ResultShape};
pub use dynamic::trace::{ImportShape, ImportTracer, TracedCall};
pub use error::{Error, Frame, GoError, GuestBytes, HostError};
pub use fit::Expectation;
pub use host::call::NoHost;
pub use instance::handle::Instance;
pub use compile::ExportIndex;
pub use loaded::LoadedModule;
pub use mem::guest_memory::GuestMemory;
pub use module::{FunctionInfo, GuestInfo, GuestModule};
/// How a guest is started (TinyGo's conventions, from `tinybind-abi`).
pub use tinybind_abi::Startup;
pub use pool::{AsyncBindings, Bindings, Pool, PoolItem, PoolStats, Pooled};
pub use preinit::PreinitStatus;
pub use deadline::yielding::YIELD_INTERVAL;
pub use runtime::{Runtime, RuntimeBuilder};
pub use value::{FromValue, GoInterface, StructType, Value, ValueType};

/// What only the generated bindings use: the glue of host functions, guest
/// memory layouts and the typed exports. Not an API: it changes with the
/// code generator.
#[doc(hidden)]
pub mod __private {
    pub use crate::host::call::{call, call_raw, Args, Caller, HostCallError, HostResult, LinkResult, Linker};
    pub use crate::host::asynchronous::{host, lend, memory, read_args, run, Lent};
    pub use crate::host::results::{write_packed, write_packed_async, write_results, write_results_async, Returned};
    pub use crate::mem::bounds::{to_le_bytes, GuestSlice, Primitive};
    pub use crate::mem::layout::{Blob, GoLayout, Lift, Lower};
    pub use crate::mem::reader::GuestReader;
    pub use crate::store::{HostLink, State};
    pub use wasmtime::TypedFunc;
}

/// The differential oracle of the deadline weaver, for the fuzz targets in
/// `fuzz/` (feature `fuzzing`); not an API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::deadline::differential::{compare, engine, terminating_module, Compared};
    pub use crate::deadline::stopping::{fuel_engine, looping_module, stops, Stopped, FUEL};
}
