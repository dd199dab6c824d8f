//! The runtime: one wasmtime engine, a WASI preview 1 linker, the settings
//! every guest instance gets, and the guests compiled so far.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use wasmtime::{
    Config, Engine, ExternType, InstanceAllocationStrategy, InstancePre, Linker, Memory, Module,
    PoolingAllocationConfig, Store, TypedFunc,
};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::WasiCtxBuilder;

use crate::cache::ModuleCache;
use crate::deadline::{self, Clock, ClockMemory};
use crate::preinit::{self, PreinitStatus};
use crate::{Error, GuestModule, Instance};

/// How often the deadline clock ticks.
pub(crate) const TICK: Duration = Duration::from_millis(10);

/// Default per-call deadline.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Default cap on one instance's linear memory.
pub const DEFAULT_MEMORY_LIMIT: usize = 1 << 30;

/// What one instance's store holds.
pub struct State {
    pub(crate) wasi: WasiP1Ctx,
    pub(crate) limits: wasmtime::StoreLimits,
    /// The guest's memory and allocator, for host functions (set once the
    /// guest is instantiated, before any of its code runs).
    pub(crate) memory: Option<Memory>,
    pub(crate) malloc: Option<TypedFunc<i32, i32>>,
    pub(crate) free: Option<TypedFunc<i32, ()>>,
    /// The host value of the guest's host trait (see [`crate::host`]).
    pub(crate) host: Option<Box<dyn Any + Send>>,
}

impl State {
    pub(crate) fn new(wasi: WasiP1Ctx, limits: wasmtime::StoreLimits, host: Option<Box<dyn Any + Send>>) -> Self {
        State {
            wasi,
            limits,
            memory: None,
            malloc: None,
            free: None,
            host,
        }
    }
}

/// How a guest's host functions are linked: the generated `link` function
/// of its host trait, for one host type.
#[derive(Clone, Copy)]
pub struct HostLink {
    /// The host type: one compiled guest per (module, host type).
    pub(crate) host: TypeId,
    pub(crate) link: fn(&mut Linker<State>) -> wasmtime::Result<()>,
}

impl HostLink {
    /// The link function of host type `H`.
    pub fn new<H: 'static>(link: fn(&mut Linker<State>) -> wasmtime::Result<()>) -> Self {
        HostLink {
            host: TypeId::of::<H>(),
            link,
        }
    }
}

impl std::fmt::Debug for HostLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostLink").field("host", &self.host).finish_non_exhaustive()
    }
}

/// Compiled guests by module bytes (address, length) and host type.
type CompiledKey = (usize, usize, Option<TypeId>);

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
    /// Capture stdout and stderr into buffers of this many bytes each,
    /// instead of passing them through.
    pub capture_output: Option<usize>,
    /// Imports nothing implements answer zero values and report each call
    /// here, instead of failing.
    pub tracer: Option<crate::host::ImportTracer>,
    pub env: Vec<(String, String)>,
    pub dirs: Vec<DirGrant>,
    pub stdin: Option<Vec<u8>>,
    /// Snapshot guests after their start-up (see [`crate::preinit`]).
    pub preinitialize: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            timeout: Some(DEFAULT_TIMEOUT),
            fuel: None,
            memory_limit: DEFAULT_MEMORY_LIMIT,
            capture_output: None,
            tracer: None,
            env: Vec::new(),
            dirs: Vec::new(),
            stdin: None,
            preinitialize: false,
        }
    }
}

/// A compiled guest, ready to instantiate in microseconds.
pub(crate) struct Compiled {
    pub pre: InstancePre<State>,
    /// The module's start function was deferred by [`deadline::weave`].
    pub deferred_start: bool,
    /// Whether `pre` is a snapshot taken after start-up.
    pub preinit: Option<PreinitStatus>,
    /// The retptr area and the first argument arena (pointer, size), already
    /// allocated in the snapshot.
    pub retptr: Option<(u32, u32)>,
    pub arena: Option<(u32, u32)>,
}

impl Compiled {
    /// Instances start from a snapshot: their start-up has already run.
    pub fn snapshotted(&self) -> bool {
        self.preinit.as_ref().is_some_and(PreinitStatus::is_snapshot)
    }
}

struct Inner {
    engine: Engine,
    linker: Linker<State>,
    settings: Settings,
    compiled: Mutex<HashMap<CompiledKey, Arc<Compiled>>>,
    /// The deadline clock guests check (`None` without deadlines).
    clock: Option<Clock>,
    /// Compiled guests on disk (`None` unless asked for).
    cache: Option<ModuleCache>,
}

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
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

impl Runtime {
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

    pub(crate) fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The deadline clock (see [`crate::deadline`]); `None` when the
    /// runtime has no deadlines.
    pub(crate) fn clock(&self) -> Option<&Clock> {
        self.inner.clock.as_ref()
    }

    /// Instantiates a guest and runs its start-up. Its imports, other than
    /// WASI, fail when called, with an error that names them.
    pub fn instantiate(&self, module: &'static GuestModule) -> Result<Instance, Error> {
        Instance::new(self.clone(), module, None, None).map_err(|(e, _)| e)
    }

    /// Instantiates a guest whose imports `link` implements with `host`,
    /// and runs its start-up (which may call the host).
    pub fn instantiate_with_host<H: Send + 'static>(
        &self,
        module: &'static GuestModule,
        host: H,
        link: HostLink,
    ) -> Result<Instance, Error> {
        Instance::new(self.clone(), module, Some(link), Some(Box::new(host))).map_err(|(e, _)| e)
    }

    /// Compiles a guest, once per runtime and host type.
    pub(crate) fn compile(
        &self,
        module: &'static GuestModule,
        host: Option<HostLink>,
    ) -> Result<Arc<Compiled>, Error> {
        let key = (
            module.bytes.as_ptr() as usize,
            module.bytes.len(),
            host.map(|h| h.host),
        );
        if let Some(c) = self.lock_compiled().get(&key) {
            return Ok(c.clone());
        }
        let compile_err = |e: wasmtime::Error| Error::Compile {
            guest: module.name.to_string(),
            reason: format!("{e:#}"),
        };
        let woven = self.inner.clock.as_ref().map(Clock::memory);
        // Pre-initialisation replaces the module by its snapshot, or says
        // why it keeps the normal start-up.
        let (preinit, snapshot) = if self.inner.settings.preinitialize {
            match preinit::snapshot(&self.inner.engine, self.clock(), &self.inner.settings, module) {
                Ok(s) => (Some(PreinitStatus::Snapshot), Some(s)),
                Err(reason) => (Some(PreinitStatus::NormalPath(reason)), None),
            }
        } else {
            (None, None)
        };
        let bytes: &[u8] = snapshot.as_ref().map_or(module.bytes, |s| &s.wasm);
        // A snapshot holds a random seed of its own: it is never the same
        // twice, so it is never cached on disk.
        let cache = self.inner.cache.as_ref().filter(|_| snapshot.is_none());
        let cached = cache.and_then(|c| c.load(&self.inner.engine, bytes, woven));
        let wasm = match cached {
            Some(wasm) => wasm,
            None => {
                // With deadlines, the guest gets its checks woven in first.
                let wasm = if let Some(clock) = woven {
                    let bytes = deadline::weave(bytes, clock).map_err(|reason| Error::Compile {
                        guest: module.name.to_string(),
                        reason,
                    })?;
                    Module::new(&self.inner.engine, &bytes).map_err(compile_err)?
                } else {
                    Module::new(&self.inner.engine, bytes).map_err(compile_err)?
                };
                if let Some(cache) = cache {
                    cache.store(bytes, woven, &wasm);
                }
                wasm
            }
        };
        let deferred_start = woven.is_some() && wasm.get_export_index(deadline::START_EXPORT).is_some();
        let mut linker = self.inner.linker.clone();
        if let Some(host) = host {
            (host.link)(&mut linker).map_err(|e| Error::Instantiate {
                guest: module.name.to_string(),
                reason: format!("linking its host functions: {e:#}"),
            })?;
        }
        // Imports nothing provides (TinyGo's JS runtime, a guest without a
        // host) fail when called, with an error naming them, so such a
        // guest still instantiates.
        for import in wasm.imports() {
            if let ExternType::Func(ty) = import.ty() {
                let name = format!("{}.{}", import.module(), import.name());
                // Defining fails only for an import already defined.
                if let Some(tracer) = &self.inner.settings.tracer {
                    let _ = tracer.define(&mut linker, import.module(), import.name(), ty);
                    continue;
                }
                let _ = linker.func_new(import.module(), import.name(), ty, move |_, _, _| {
                    Err(crate::host::unlinked(name.clone()))
                });
            }
        }
        linker
            .define_unknown_imports_as_traps(&wasm)
            .map_err(compile_err)?;
        let pre = linker.instantiate_pre(&wasm).map_err(|e| Error::Instantiate {
            guest: module.name.to_string(),
            reason: format!("{e:#}"),
        })?;
        let compiled = Arc::new(Compiled {
            pre,
            deferred_start,
            preinit,
            retptr: snapshot.as_ref().and_then(|s| s.retptr),
            arena: snapshot.as_ref().and_then(|s| s.arena),
        });
        self.lock_compiled().insert(key, compiled.clone());
        Ok(compiled)
    }

    /// Whether `module`'s instances start from a snapshot
    /// ([`RuntimeBuilder::preinitialize`]), and if not, why: `None` until
    /// the guest is first instantiated in this runtime, or when
    /// pre-initialisation is off.
    pub fn preinit_status(&self, module: &'static GuestModule) -> Option<PreinitStatus> {
        let key = (module.bytes.as_ptr() as usize, module.bytes.len());
        self.lock_compiled()
            .iter()
            .find(|(k, _)| (k.0, k.1) == key)
            .and_then(|(_, c)| c.preinit.clone())
    }

    fn lock_compiled(&self) -> std::sync::MutexGuard<'_, HashMap<CompiledKey, Arc<Compiled>>> {
        // A panic while holding this lock cannot leave the map inconsistent.
        self.inner
            .compiled
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Settings for a [`Runtime`].
#[derive(Clone, Debug, Default)]
pub struct RuntimeBuilder {
    settings: Settings,
    cache: bool,
    pooling: Option<u32>,
}

impl RuntimeBuilder {
    /// The deadline of every call (and of start-up); `None` for none.
    /// Enforced by checks woven into the guest's loops (see
    /// `deadline.rs`), to within 20 ms (never early).
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

    /// Answers every import that nothing implements (not WASI, not a host
    /// trait's) with zero values, reporting each call to `tracer`, instead
    /// of failing the call with an error that names the import. For
    /// exploring what a module does (`tinybind call --trace-imports`).
    pub fn trace_imports(mut self, tracer: crate::host::ImportTracer) -> Self {
        self.settings.tracer = Some(tracer);
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
    /// WASI `random_get` and the arguments and environment (fixed per
    /// runtime, answered as the sandbox would); one that calls any other
    /// import (output, clocks, files, host functions), or a WASI command's
    /// `_start`, keeps the normal path; [`Runtime::preinit_status`] says which and
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
                .max_tables_per_module(crate::MAX_TABLES as u32)
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
            // host memory resident.
            pool.linear_memory_keep_resident(POOL_KEEP_RESIDENT)
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
        let engine = Engine::new(&config).map_err(engine_err)?;
        let mut linker: Linker<State> = Linker::new(&engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |s: &mut State| &mut s.wasi).map_err(engine_err)?;
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
                    let (module, name) = deadline::CLOCK_IMPORT;
                    linker
                        .define(&store, module, name, memory.clone())
                        .map_err(engine_err)?;
                }
                Some(clock)
            }
            None => None,
        };
        let cache = if self.cache { ModuleCache::new(&engine) } else { None };
        let inner = Arc::new(Inner {
            cache,
            engine,
            linker,
            settings: self.settings,
            compiled: Mutex::new(HashMap::new()),
            clock,
        });
        if inner.clock.is_some() {
            start_ticker(Arc::downgrade(&inner));
        }
        Ok(Runtime { inner })
    }
}

/// Bytes of a pooled memory reset by copying rather than unmapping.
const POOL_KEEP_RESIDENT: usize = 64 << 10;

/// Most elements of a table in a pooled instance (TinyGo's table has a few
/// thousand).
const POOL_TABLE_ELEMENTS: usize = 1 << 16;

/// Advances the runtime's clock every tick until the runtime is dropped.
fn start_ticker(runtime: Weak<Inner>) {
    let spawned = std::thread::Builder::new()
        .name("tinybind-clock".into())
        .spawn(move || loop {
            std::thread::sleep(TICK);
            match runtime.upgrade() {
                Some(inner) => {
                    if let Some(clock) = &inner.clock {
                        clock.tick();
                    }
                }
                None => return,
            }
        });
    // Without the thread, deadlines never fire; calls still work.
    drop(spawned);
}
