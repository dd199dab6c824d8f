//! What a runtime is configured with: the settings every instance starts
//! with, their defaults, and the store limits they give.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use wasmtime::{FuncType, Linker};

use crate::store::State;

/// Default per-call deadline.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Default cap on one instance's linear memory.
pub const DEFAULT_MEMORY_LIMIT: usize = 1 << 30;

/// The most bytes one string or slice a guest returns, or passes to a host
/// function, may take by default (64 MiB); see
/// [`crate::RuntimeBuilder::max_result_bytes`].
pub const DEFAULT_MAX_RESULT_BYTES: usize = 64 << 20;

/// The most bytes one call may pass through to each of the host's stdout
/// and stderr by default (64 MiB); see
/// [`crate::RuntimeBuilder::max_output_bytes`].
pub const DEFAULT_MAX_OUTPUT_BYTES: usize = 64 << 20;

/// A directory granted to guests.
#[derive(Clone, Debug)]
pub(crate) struct DirGrant {
    pub host: PathBuf,
    pub guest: String,
    pub read_only: bool,
}

/// The settings every instance of this runtime starts with.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub timeout: Option<Duration>,
    pub fuel: Option<u64>,
    pub memory_limit: usize,
    /// See [`crate::RuntimeBuilder::max_result_bytes`].
    pub max_result_bytes: usize,
    /// See [`crate::RuntimeBuilder::max_output_bytes`].
    pub max_output_bytes: usize,
    /// Capture stdout and stderr into buffers of this many bytes each,
    /// instead of passing them through.
    pub capture_output: Option<usize>,
    /// Imports nothing implements answer zero values and report each call
    /// here, instead of failing.
    pub tracer: Option<Arc<dyn UnlinkedImports>>,
    pub env: Vec<(String, String)>,
    pub dirs: Vec<DirGrant>,
    pub stdin: Option<Vec<u8>>,
    /// Snapshot guests after their start-up (see [`crate::preinit`]).
    pub preinitialize: bool,
    /// Guests are called through the async API only (see
    /// [`crate::RuntimeBuilder::async_support`]).
    pub async_support: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            timeout: Some(DEFAULT_TIMEOUT),
            fuel: None,
            memory_limit: DEFAULT_MEMORY_LIMIT,
            max_result_bytes: DEFAULT_MAX_RESULT_BYTES,
            max_output_bytes: DEFAULT_MAX_OUTPUT_BYTES,
            capture_output: None,
            tracer: None,
            env: Vec::new(),
            dirs: Vec::new(),
            stdin: None,
            preinitialize: false,
            async_support: false,
        }
    }
}

/// Defines the imports that nothing implements (not WASI, not a host
/// trait's) in a guest's linker, instead of the default that fails the call
/// with an error naming the import: the import tracer of the dynamic call
/// path (`RuntimeBuilder::trace_imports`).
pub(crate) trait UnlinkedImports: std::fmt::Debug + Send + Sync {
    /// Defines `module.name` of type `ty` in `linker`.
    fn define(&self, linker: &mut Linker<State>, module: &str, name: &str, ty: FuncType) -> wasmtime::Result<()>;
}

/// Most tables an instance may have.
pub const MAX_TABLES: usize = 4;

/// Most elements one table may grow to (about 1 M: 8-16 MiB of host memory).
pub const MAX_TABLE_ELEMENTS: usize = 1 << 20;

/// The store limits of a guest under `settings`' memory cap. The cap is
/// per memory: one memory of the guest's own makes it the instance's cap
/// (the deadline clock's memory is one page that cannot grow). Tables
/// are host memory too (8+ bytes an element), so they are capped as well;
/// TinyGo needs one table of a few thousand.
pub(crate) fn store_limits(settings: &Settings, clock_memories: u32) -> wasmtime::StoreLimits {
    // A guest woven with a clock of its own has a one-page clock memory too.
    let memories = 1 + clock_memories as usize;
    wasmtime::StoreLimitsBuilder::new()
        .memory_size(settings.memory_limit)
        .memories(memories)
        .tables(MAX_TABLES)
        .table_elements(MAX_TABLE_ELEMENTS)
        .instances(1)
        .trap_on_grow_failure(false)
        .build()
}
