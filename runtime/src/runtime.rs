//! The runtime: [`Runtime`], a cheap handle to one wasmtime engine, its
//! WASI preview 1 linker, the settings every guest instance gets and the
//! guests compiled so far, and [`RuntimeBuilder`], which configures it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use wasmtime::{Config, Engine, InstanceAllocationStrategy, Linker, PoolingAllocationConfig, Store};
use wasmtime_wasi::WasiCtxBuilder;

use crate::cache::ModuleCache;
use crate::compile::Compiler;
use crate::config::{DirGrant, Settings, UnlinkedImports, MAX_TABLES};
use crate::deadline::clock::{Clock, ClockMemory, CLOCK_IMPORT};
use crate::error::Error;
use crate::instance::handle::Instance;
use crate::module::GuestModule;
use crate::preinit::PreinitStatus;
use crate::store::{HostLink, State};

/// Runs guests. Cheap to clone, `Send + Sync`; every guest is compiled once
/// per runtime and every instance gets its own store.
///
/// Defaults: WASI preview 1 with nothing granted (no directories, no
/// environment, only the guest's name as `argv[0]`), stdout and stderr passed
/// through, a deadline of 10 s per call, at most 1 GiB of linear memory per
/// instance, no fuel metering, the on-demand instance allocator, and every
/// instance running its guest's start-up.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Compiler>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

impl Runtime {
    /// What the runtime shares with its instances.
    pub(crate) fn compiler(&self) -> &Arc<Compiler> {
        &self.inner
    }

    /// The handle of a runtime's shared value.
    pub(crate) fn from_compiler(inner: Arc<Compiler>) -> Runtime {
        Runtime { inner }
    }

    /// A runtime with the default settings.
    pub fn new() -> Result<Runtime, Error> {
        Runtime::builder().build()
    }

    /// Settings for a runtime.
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder::default()
    }

    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// Instantiates a guest and runs its start-up. Its imports, other than
    /// WASI, fail when called, with an error that names them.
    pub fn instantiate(&self, module: &'static GuestModule) -> Result<Instance, Error> {
        let guest = self.inner.embedded(module)?;
        Instance::new(self.inner.clone(), guest, None, None).map_err(|(e, _)| e)
    }

    /// Instantiates a guest whose imports `link` implements with `host`,
    /// and runs its start-up (which may call the host).
    pub fn instantiate_with_host<H: Send + 'static>(
        &self,
        module: &'static GuestModule,
        host: H,
        link: HostLink,
    ) -> Result<Instance, Error> {
        let guest = self.inner.embedded(module)?;
        Instance::new(self.inner.clone(), guest, Some(link), Some(Box::new(host))).map_err(|(e, _)| e)
    }

    /// Compiles a guest for this runtime ahead of its first instance: weaves
    /// its deadline checks, compiles it (or loads it from the compilation
    /// cache) and, with [`RuntimeBuilder::preinitialize`], takes its
    /// snapshot. A server calls this at start-up so that its first requests
    /// do not wait for the compiler (about 170 ms for a 400 KB guest);
    /// instances made afterwards, with any host, start in microseconds.
    /// Compiling happens once per runtime either way: threads that need a
    /// guest while it compiles wait for that one compilation.
    ///
    /// ```no_run
    /// # fn demo(module: &'static tinybind_runtime::GuestModule) -> Result<(), tinybind_runtime::Error> {
    /// let runtime = tinybind_runtime::Runtime::builder().preinitialize(true).build()?;
    /// runtime.prepare(module)?; // e.g. &guests::concat::MODULE
    /// # Ok(())
    /// # }
    /// ```
    pub fn prepare(&self, module: &'static GuestModule) -> Result<(), Error> {
        self.inner.embedded(module).map(drop)
    }

    /// Whether `module`'s instances start from a snapshot
    /// ([`RuntimeBuilder::preinitialize`]), and if not, why: `None` until
    /// the guest is first prepared ([`Self::prepare`]) or instantiated in this runtime, or when
    /// pre-initialisation is off.
    pub fn preinit_status(&self, module: &'static GuestModule) -> Option<PreinitStatus> {
        self.inner.preinit_status(module)
    }
}

/// Settings for a [`Runtime`].
#[derive(Clone, Debug, Default)]
pub struct RuntimeBuilder {
    settings: Settings,
    cache: bool,
    pooling: Option<u32>,
    async_stack_size: Option<usize>,
}

impl RuntimeBuilder {
    /// The deadline of every call (and of start-up); `None` for none.
    /// Enforced by checks woven into the guest's loops (see
    /// `deadline.rs`): never early, and up to two ticks of the 10 ms deadline
    /// clock late (a 50 ms deadline stops a spinning guest after 60-70 ms).
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.settings.timeout = timeout;
        self
    }

    /// A fuel budget per call, for deterministic limits (off by default).
    pub fn fuel(mut self, fuel: Option<u64>) -> Self {
        self.settings.fuel = fuel;
        self
    }

    /// The cap on one instance's linear memory, in bytes (1 GiB by default).
    /// Growth past it fails inside the guest (`memory.grow` returns -1).
    pub fn memory_limit(mut self, bytes: usize) -> Self {
        self.settings.memory_limit = bytes;
        self
    }

    /// The most bytes the host copies out of guest memory for one value: a
    /// string, `[]byte` or other slice an export returns (a `[]string` as a
    /// whole, headers and strings), a packed result, or one that a guest
    /// passes to a host function. A larger one is [`crate::Error::ResultTooLarge`]
    /// (or, from a host function, a failed host call that says so), before
    /// anything is copied: a guest cannot make the host allocate as much as
    /// its memory holds. 64 MiB by default
    /// ([`crate::DEFAULT_MAX_RESULT_BYTES`]).
    pub fn max_result_bytes(mut self, bytes: usize) -> Self {
        self.settings.max_result_bytes = bytes;
        self
    }

    /// The most bytes one call (or the start-up) may pass through to each
    /// of the host's stdout and stderr, when output is not captured
    /// ([`Self::capture_output`] bounds its own buffers). Past it, the
    /// guest's writes fail, as they do to a full capture buffer, and nothing
    /// more reaches the host: a guest printing without end fills neither
    /// the host's disk nor a pipe's reader. The last bytes before it are
    /// still kept for error messages. 64 MiB by default
    /// ([`crate::DEFAULT_MAX_OUTPUT_BYTES`]).
    pub fn max_output_bytes(mut self, bytes: usize) -> Self {
        self.settings.max_output_bytes = bytes;
        self
    }

    /// Captures each instance's stdout and stderr into buffers of at most
    /// `bytes` bytes each, instead of passing them through. Once a buffer is
    /// full, the guest's writes to it fail (WASI returns an error; a Go
    /// guest's `os.Stdout.Write` reports it) and the bytes are dropped: the
    /// host keeps the first `bytes` bytes and the call goes on.
    pub fn capture_output(mut self, bytes: usize) -> Self {
        self.settings.capture_output = Some(bytes);
        self
    }

    /// Grants an environment variable.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.settings.env.push((key.into(), value.into()));
        self
    }

    /// Grants a host directory, visible to the guest as `guest_path`.
    pub fn dir(mut self, host: impl Into<PathBuf>, guest_path: impl Into<String>, read_only: bool) -> Self {
        self.settings.dirs.push(DirGrant {
            host: host.into(),
            guest: guest_path.into(),
            read_only,
        });
        self
    }

    /// Bytes the guest reads from stdin (empty by default).
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.settings.stdin = Some(bytes.into());
        self
    }

    /// Builds an async runtime: its guests are called through their
    /// `<Guest>Async` bindings, whose methods are `async fn`s and whose host
    /// trait (`<Guest>AsyncHost`) has async methods, so that a host
    /// function can await I/O while other tasks run. WASI is the async
    /// one of `wasmtime-wasi`, which never blocks the executor.
    ///
    /// A guest that computes for long does not starve the executor either:
    /// it yields to it every [`YIELD_INTERVAL`](crate::YIELD_INTERVAL) (wasmtime's
    /// epoch interruption, with `epoch_deadline_async_yield_and_update`),
    /// and is still stopped at its deadline. Every other setting applies
    /// as to a sync runtime: deadline, memory cap, fuel, sandbox, pooling,
    /// pre-initialisation, compilation cache.
    ///
    /// The sync bindings (`<Guest>`) on an async runtime, and the async ones
    /// on a sync runtime, fail with [`Error::WrongMode`]. Off by default.
    pub fn async_support(mut self, on: bool) -> Self {
        self.settings.async_support = on;
        self
    }

    /// The stack of each async call's fiber, in bytes (wasmtime's
    /// `async_stack_size`; 2 MiB by default). It holds the guest's wasm
    /// stack (at most 512 KiB, wasmtime's `max_wasm_stack`) and the host
    /// functions' frames, so it must be larger than 512 KiB; only the pages
    /// a call touches take memory. A smaller one saves address space per
    /// call in flight; a guest that recurses deeply needs the default.
    pub fn async_stack_size(mut self, bytes: usize) -> Self {
        self.async_stack_size = Some(bytes);
        self
    }

    /// Answers the imports nothing implements with `unlinked` instead of
    /// the default (see `trace_imports`).
    pub(crate) fn unlinked_imports(mut self, unlinked: Arc<dyn UnlinkedImports>) -> Self {
        self.settings.tracer = Some(unlinked);
        self
    }

    /// Keeps compiled guests on disk (in `$TINYBIND_CACHE_DIR`, else
    /// `~/.cache/tinybind/modules`), so that the first start of a big guest
    /// in a new process skips compilation. The directory must be as
    /// trusted as the program: its entries are loaded as machine code.
    pub fn compilation_cache(mut self, on: bool) -> Self {
        self.cache = on;
        self
    }

    /// Allocates instances from a pool of `max_instances` slots reserved
    /// up front (wasmtime's pooling allocator), with copy-on-write memory
    /// images: creating and dropping an instance then maps and unmaps
    /// nothing, and its memory starts as the module's image, copied only
    /// where the guest writes. At most `max_instances` instances of this
    /// runtime may be alive at once (instantiating one more fails with
    /// [`Error::Instantiate`]); each slot reserves the memory cap
    /// ([`Self::memory_limit`]) of address space (twice with deadlines:
    /// the one-page clock memory takes a slot as big), and tables of up to
    /// 65,536 elements. Off by default.
    pub fn pooling(mut self, max_instances: u32) -> Self {
        self.pooling = Some(max_instances.max(1));
        self
    }

    /// Runs each guest's start-up once, when the runtime first compiles
    /// it, and snapshots the initialised guest with `wasmtime-wizer`: new
    /// instances then start from that snapshot, ready for their first call
    /// in microseconds (TinyGo's `_initialize` takes about 80 µs), with
    /// their retptr area and a first argument arena already allocated.
    ///
    /// Only a start-up that does no I/O can be snapshotted: it may read
    /// WASI `random_get`, the arguments and environment (fixed per runtime,
    /// answered as the sandbox would), the wall clock (the time of the
    /// snapshot, as a process started then would see it: what Go's
    /// `time.Now()` in `init` gives, and what `fmt`, `time` and `os` read),
    /// the monotonic clock (0, where each instance's own monotonic clock
    /// starts) and, with no directory granted, the list of preopens (none);
    /// one that calls any other import (output, CPU clocks, files, host
    /// functions), or a WASI command's `_start`, keeps the normal path; [`Runtime::preinit_status`] says which and
    /// why. TinyGo's start-up reads 8 random bytes to seed its map hashing
    /// and `math/rand`'s unseeded functions: with a snapshot, every
    /// instance of the guest in this runtime shares that seed (a new
    /// runtime draws a new one), while `crypto/rand` still reads fresh
    /// bytes at each call. The snapshot run keeps the memory cap, the
    /// deadline and fuel; a snapshotted guest is not kept in the
    /// compilation cache. Off by default.
    pub fn preinitialize(mut self, on: bool) -> Self {
        self.settings.preinitialize = on;
        self
    }

    pub fn build(self) -> Result<Runtime, Error> {
        let engine_err = |e: wasmtime::Error| Error::Engine(format!("{e:#}"));
        let mut config = Config::new();
        // Where woven guests read the deadline clock: pooled instances have
        // a clock memory each (their slot holds it, and it leaves their
        // memory a copy-on-write image); others share one imported clock,
        // as a memory of their own would cost a map and an unmap (and a
        // cross-core TLB flush) per instance, about 15% of a new instance.
        let clock_memory = self.settings.timeout.map(|_| match self.pooling {
            Some(_) => ClockMemory::Own,
            None => ClockMemory::Imported,
        });
        if let Some(max) = self.pooling {
            let mut pool = PoolingAllocationConfig::default();
            // With deadlines, each pooled instance has a one-page clock
            // memory besides its own (see `deadline`).
            let memories = 1 + clock_memory.map_or(0, ClockMemory::added_memories);
            pool.total_core_instances(max)
                .total_memories(max.saturating_mul(memories))
                .total_tables(max)
                .max_memories_per_module(memories)
                .max_tables_per_module(MAX_TABLES as u32)
                .table_elements(POOL_TABLE_ELEMENTS)
                .max_memory_size(self.settings.memory_limit);
            // A dropped instance's memory is reset for the next one in
            // its slot. By default wasmtime `madvise`s it away, and the
            // next instance page-faults on every page it touches (a pooled,
            // pre-initialised `concat` request took 33 µs so, 9 µs with
            // this). Instead, up to 64 KiB of the pages the instance wrote
            // (found with Linux's `PAGEMAP_SCAN` where the kernel has it,
            // 6.7 and later; else the lowest 64 KiB) are copied back from
            // the image and stay mapped. Each slot may so keep 64 KiB of
            // host memory resident. The table likewise, its written pages
            // zeroed in place: decommitting the page TinyGo's table fills
            // cost an `madvise` per instance, and with two threads busy a
            // cross-core TLB flush each (pooled, pre-initialised `concat`
            // requests at 2 threads: 145,000-154,000 a second so,
            // 177,000-204,000 with the table kept).
            pool.linear_memory_keep_resident(POOL_KEEP_RESIDENT)
                .table_keep_resident(POOL_KEEP_RESIDENT)
                .pagemap_scan(wasmtime::Enabled::Auto);
            config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        }
        // The imported clock is a shared memory; guests' own shared
        // memories (wasm threads) are refused when their checks are woven.
        config.shared_memory(clock_memory == Some(ClockMemory::Imported));
        // Copy-on-write memory images, except for pre-initialised guests
        // outside a pool: their snapshot's image is mapped at each
        // instantiation and unmapped at each drop, and every page the
        // first call writes faults; copying the snapshot's data segments
        // in (a few KB for a TinyGo guest) makes a whole request faster
        // (`concat`: new + call + drop 37 µs against 54 µs). Pooled
        // instances keep their slot's image mapped, so they use it.
        config.memory_init_cow(self.pooling.is_some() || !self.settings.preinitialize);
        config.consume_fuel(self.settings.fuel.is_some());
        // Only the component model's concurrent calls need it, which
        // tinybind does not use. This build of wasmtime does not compile it
        // in (asking for it fails); off, it stays off should another crate
        // of the program turn on wasmtime's `component-model-async`.
        config.concurrency_support(false);
        let async_support = self.settings.async_support;
        // Where a busy async guest yields (see `deadline::yielding`).
        config.epoch_interruption(async_support);
        if let Some(bytes) = self.async_stack_size {
            config.async_stack_size(bytes);
        }
        if async_support && self.settings.tracer.is_some() {
            return Err(Error::Engine(
                "the import tracer answers imports synchronously: build the runtime without `async_support`".into(),
            ));
        }
        let engine = Engine::new(&config).map_err(engine_err)?;
        let mut linker: Linker<State> = Linker::new(&engine);
        if async_support {
            wasmtime_wasi::p1::add_to_linker_async(&mut linker, |s: &mut State| &mut s.wasi).map_err(engine_err)?;
            crate::deadline::yielding::start_epoch_ticker(&engine);
        } else {
            wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |s: &mut State| &mut s.wasi).map_err(engine_err)?;
        }
        let clock = match clock_memory {
            Some(clock_memory) => {
                let clock = Clock::new(&engine, clock_memory).map_err(engine_err)?;
                if let Some(memory) = clock.shared_memory() {
                    // `Linker::define` wants a store; a shared memory
                    // belongs to the engine, not to it.
                    let store = Store::new(
                        &engine,
                        State::new(WasiCtxBuilder::new().build_p1(), wasmtime::StoreLimits::default(), None),
                    );
                    let (module, name) = CLOCK_IMPORT;
                    linker
                        .define(&store, module, name, memory.clone())
                        .map_err(engine_err)?;
                }
                Some(clock)
            }
            None => None,
        };
        let cache = if self.cache { ModuleCache::new(&engine) } else { None };
        if let Some(clock) = &clock {
            clock.start_ticker();
        }
        let inner = Arc::new(Compiler::new(engine, linker, self.settings, clock, cache));
        Ok(Runtime { inner })
    }
}

/// Bytes of a pooled memory reset by copying, and of a pooled table by
/// zeroing, rather than by unmapping.
const POOL_KEEP_RESIDENT: usize = 64 << 10;

/// Most elements of a table in a pooled instance (TinyGo's table has a few
/// thousand).
const POOL_TABLE_ELEMENTS: usize = 1 << 16;

impl Instance {
    /// The runtime this instance belongs to.
    pub fn runtime(&self) -> Runtime {
        Runtime::from_compiler(self.compiler().clone())
    }
}
