//! Pre-initialisation (`Runtime::builder().preinitialize(true)`): a guest's
//! start-up is run once, at compile time, and its memory and globals are
//! snapshotted with `wasmtime-wizer` into a new module whose instances start
//! already initialised. TinyGo's `_initialize` (about 80 µs for a small
//! guest) then runs once per runtime instead of once per instance.
//!
//! Only a start-up whose effects are all inside the module can be
//! snapshotted. It runs here in a probe store whose imports are:
//!
//! - `wasi_snapshot_preview1.random_get`, filled from the OS. TinyGo's
//!   start-up reads 8 bytes of it to seed its map hashing and its runtime
//!   `fastrand` (which backs `math/rand`'s unseeded top-level functions).
//!   The snapshot keeps those bytes: every instance of a pre-initialised
//!   guest in one runtime has the same seed, and a new runtime (a new
//!   process) gets a new one. `crypto/rand` still reads `random_get` at each
//!   call, so it is not affected.
//! - WASI's `args_*` and `environ_*`, answered as the instance's sandbox
//!   would: the guest's name as `argv[0]` and the runtime's granted
//!   environment. Both are fixed per runtime, so the snapshot (one per
//!   runtime) holds what each instance's start-up would have read. Go's
//!   `os` package reads the arguments at start-up.
//! - WASI's `clock_time_get` for the two clocks a WASI instance has, each
//!   answered with a reading that every later reading of an instance made
//!   from the snapshot comes after (see "The clock" below):
//!   - `realtime` (clock 0): the host's wall clock, read now;
//!   - `monotonic` (clock 1): 1 (one nanosecond).
//!
//!   The CPU-time clocks (2 and 3) and unknown ones are refused.
//! - WASI's `fd_prestat_get`, when the runtime grants no directory: errno 8
//!   (`badf`, "not a preopen"), as every instance's sandbox answers then.
//!   wasi-libc lists the preopened directories at start-up in any guest that
//!   opens files by name (Go's `os.ReadFile`, `os.Open`). With a directory
//!   granted the call is refused: the preopens are the instance's.
//! - every other import (WASI or the guest's host functions) refusing the
//!   call: a start-up that writes output, reads files, or calls the host,
//!   cannot be replayed from a snapshot. Such a guest is kept on the normal
//!   path, and `Runtime::preinit_status` says which import it called.
//!
//! The probe run keeps the safety defaults: the memory cap is its store's
//! limit, and with deadlines the instrumented module is woven like any other
//! and its start-up runs under the runtime's timeout (fuel too, when on). A
//! start-up that fails, traps or runs out of time is not snapshotted: the
//! normal path then reports that failure at each instantiation as before.
//!
//! The snapshot also holds the instance's retptr area and a first argument
//! arena, allocated with the guest's `malloc` after start-up: a new instance
//! is then ready for its first call without any guest code running.
//!
//! # The clock
//!
//! Every TinyGo guest that imports `time` (also through `fmt` or `os`) reads
//! the clock in its start-up: Go's `time` package initialises
//! `var startNano int64 = runtimeNano() - 1` (Go 1.26 `src/time/time.go`
//! line 1341), the base of the monotonic readings in `time.Time`. On wasip1
//! TinyGo 0.41.1 has one clock: `runtimeNano` is `nanotime()`
//! (`src/runtime/time.go:4`), which is `ticks()` (`src/runtime/runtime.go:89`),
//! which is `clock_time_get(0, ...)`, the *realtime* clock
//! (`src/runtime/runtime_wasip1.go:86-89`); `time.now()` takes both its wall
//! and its "monotonic" reading from the same call
//! (`src/runtime/runtime_tinygowasm.go:68-74`). Nothing else in TinyGo's
//! start-up keeps a clock reading (its timers read the clock when they are
//! set).
//!
//! Answering that read once, at snapshot time, is sound:
//!
//! - The wall clock is the host's (`SystemTime` in wasmtime-wasi 48's
//!   `WallClock`, shared by every WASI context), and the snapshot is taken
//!   in this process before any of its instances exist (a snapshot is never
//!   put in the compilation cache). Each later reading is therefore at or
//!   after the snapshot's, as with wizer's users, for whom the process
//!   started when the snapshot was taken. Go measures elapsed time by
//!   subtracting two readings, so `startNano` cancels out; a value taken in
//!   `init` (`var started = time.Now()`) holds the snapshot's time, and
//!   `time.Since(started)` is the time since the snapshot. Only a host clock
//!   set backwards makes it negative, as it does on the normal path, where
//!   TinyGo's monotonic readings are wall-clock readings too.
//! - The monotonic clock of wasmtime-wasi 48 (`MonotonicClock`) counts from
//!   the creation of each WASI context, i.e. from 0 in each instance: a
//!   reading from the probe store would be meaningless to an instance, and
//!   could be later than the instance's own readings. One nanosecond is
//!   the earliest reading an instance's clock gives once it has run at all
//!   (0 would be the earliest, but standard Go's runtime refuses it at
//!   start-up: "fatal error: nanotime returning zero"), so elapsed time from
//!   a start-up reading is never negative and is measured from the
//!   instance's creation, within microseconds of what its own start-up would
//!   have read. Standard Go keeps such a reading (`runtimeInitTime`, the
//!   scheduler's clocks); TinyGo reads only the realtime clock.

use std::future::Future;
use std::time::{SystemTime, UNIX_EPOCH};

use wasmtime::{Caller, Engine, Extern, ExternType, Instance, Linker, Module, Store, StoreLimits, Val};
use wasmtime_wizer::{InstanceState, SnapshotVal, ValType, Wizer};

use crate::blocking::ready_now;
use crate::config::{store_limits, Settings};
use crate::deadline::clock::{Clock, CLOCK_IMPORT};
use crate::deadline::timer::Deadline;
use crate::deadline::weave::{weave, DEADLINE_EXPORT, START_EXPORT};
use crate::mem::bounds;
use tinybind_abi::Startup;

use crate::module::ModuleView;

/// Whether a guest's instances start from a snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PreinitStatus {
    /// Instances start from the snapshot taken after the guest's start-up.
    Snapshot,
    /// The guest runs its start-up in every instance, for this reason.
    NormalPath(String),
}

impl PreinitStatus {
    /// The guest's instances start from a snapshot.
    pub fn is_snapshot(&self) -> bool {
        matches!(self, PreinitStatus::Snapshot)
    }
}

/// A pre-initialised module and the guest memory it already holds.
pub(crate) struct Snapshot {
    pub wasm: Vec<u8>,
    /// The retptr area, allocated in the snapshot (`None`: none needed).
    pub retptr: Option<(u32, u32)>,
    /// A first argument arena, allocated in the snapshot.
    pub arena: Option<(u32, u32)>,
}

/// Bytes of the argument arena allocated in the snapshot (what the first
/// call would allocate anyway).
pub(crate) const ARENA: u32 = 256;

/// What the probe store holds.
struct Probe {
    limits: StoreLimits,
    /// What `args_get` and `environ_get` give, NUL-terminated.
    args: Vec<Vec<u8>>,
    env: Vec<Vec<u8>>,
    /// The first import start-up called that a snapshot cannot replay.
    refused: Option<String>,
}

/// Runs `module`'s start-up once and snapshots it, or says why it must stay
/// on the normal path.
pub(crate) fn snapshot(
    engine: &Engine,
    clock: Option<&Clock>,
    settings: &Settings,
    module: ModuleView<'_>,
) -> Result<Snapshot, String> {
    match module.startup {
        Startup::Initialize => {}
        Startup::Command => return Err("a WASI command: its start-up (`_start`) is the program itself".into()),
        Startup::None => return Err("it has no start-up (`_initialize`) to snapshot".into()),
    }
    let wasm = wat::parse_bytes(module.bytes).map_err(|e| format!("not a module: {e}"))?;
    let mut wizer = Wizer::new();
    wizer.init_func("_initialize");
    let (cx, instrumented) = wizer
        .instrument(&wasm)
        .map_err(|e| format!("wizer cannot snapshot it: {e:#}"))?;
    let instrumented = match clock {
        Some(clock) => weave(&instrumented, clock.memory())?,
        None => instrumented,
    };
    let compiled = Module::new(engine, &instrumented).map_err(|e| format!("compiling for the snapshot: {e:#}"))?;

    let limits = store_limits(settings, clock.map_or(0, |c| c.memory().added_memories()));
    let nul = |s: String| {
        let mut b = s.into_bytes();
        b.push(0);
        b
    };
    let probe = Probe {
        limits,
        args: vec![nul(module.name.to_string())],
        env: settings.env.iter().map(|(k, v)| nul(format!("{k}={v}"))).collect(),
        refused: None,
    };
    let mut store = Store::new(engine, probe);
    store.limiter(|p| &mut p.limits);
    crate::deadline::yielding::never_yield(&mut store);
    if let Some(fuel) = settings.fuel {
        store.set_fuel(fuel).map_err(|e| format!("{e:#}"))?;
    }
    let linker = probe_linker(engine, &store, clock, settings.dirs.is_empty(), &compiled)?;
    let instance = linker
        .instantiate(&mut store, &compiled)
        .map_err(|e| format!("instantiating for the snapshot: {e:#}"))?;
    // Kept current until the snapshot is taken; dropped before the store.
    let mut _clock_memory = None;
    if let Some(clock) = clock {
        let global = instance
            .get_global(&mut store, DEADLINE_EXPORT)
            .ok_or("the deadline checks are missing")?;
        // SAFETY: declared after `store`, so dropped before it.
        _clock_memory = unsafe { clock.attach(&mut store, &instance) }?;
        let mut deadline = Deadline::new(Some(clock.clone()), settings.timeout);
        deadline.attach(global);
        deadline.arm(&mut store).map_err(|e| format!("{e:#}"))?;
    }
    let run = |store: &mut Store<Probe>, export: &str| -> Result<(), String> {
        let func = instance
            .get_typed_func::<(), ()>(&mut *store, export)
            .map_err(|e| format!("`{export}`: {e:#}"))?;
        func.call(&mut *store, ()).map_err(|e| refusal(store, export, e))
    };
    if instance.get_export(&mut store, START_EXPORT).is_some() {
        run(&mut store, START_EXPORT)?;
    }
    run(&mut store, "_initialize")?;

    let allocate = |store: &mut Store<Probe>, size: u32| -> Result<Option<(u32, u32)>, String> {
        let Ok(malloc) = instance.get_typed_func::<i32, i32>(&mut *store, "malloc") else {
            return Ok(None);
        };
        let ptr = malloc
            .call(&mut *store, size as i32)
            .map_err(|e| refusal(store, "malloc", e))? as u32;
        let memory = instance
            .get_memory(&mut *store, "memory")
            .map_or(0, |m| m.data_size(&*store));
        if !bounds::usable_block(ptr, u64::from(size), memory) {
            return Err(format!("`malloc({size})` returned {ptr:#x}, outside its {memory}-byte memory"));
        }
        Ok(Some((ptr, size)))
    };
    let retptr = match module.retptr_size {
        0 => None,
        size => allocate(&mut store, size)?,
    };
    let arena = allocate(&mut store, ARENA)?;

    let mut state = ProbeState {
        store: &mut store,
        instance,
    };
    let wasm = ready_now(wizer.snapshot(&cx, &mut state)).map_err(|e| format!("snapshot: {e:#}"))?;
    Ok(Snapshot { wasm, retptr, arena })
}

/// Why running `export` failed: the import it called that a snapshot cannot
/// replay, or its own failure.
fn refusal(store: &mut Store<Probe>, export: &str, e: wasmtime::Error) -> String {
    match store.data_mut().refused.take() {
        Some(import) => format!("its start-up calls `{import}`, which a snapshot cannot replay"),
        None => format!("its start-up failed in `{export}`: {e:#}"),
    }
}

/// Imports of the probe run: `random_get`, the arguments and environment,
/// the realtime and monotonic clocks, the preopens when there are none, an
/// imported deadline clock, and a refusal for everything else.
fn probe_linker(
    engine: &Engine,
    store: &Store<Probe>,
    clock: Option<&Clock>,
    no_dirs: bool,
    module: &Module,
) -> Result<Linker<Probe>, String> {
    let mut linker = Linker::new(engine);
    let err = |e: wasmtime::Error| format!("{e:#}");
    if let Some(memory) = clock.and_then(Clock::shared_memory) {
        let (m, n) = CLOCK_IMPORT;
        linker.define(store, m, n, memory.clone()).map_err(err)?;
    }
    for import in module.imports() {
        let (m, n) = (import.module(), import.name());
        if (m, n) == CLOCK_IMPORT && clock.is_some() {
            continue;
        }
        let ExternType::Func(ty) = import.ty() else {
            return Err(format!("it imports `{m}.{n}`, which is not a function"));
        };
        if m == "wasi_snapshot_preview1" {
            let defined =
                match n {
                    "random_get" => Some(linker.func_wrap(m, n, random_get)),
                    "clock_time_get" => Some(linker.func_wrap(m, n, clock_time_get)),
                    // No directory granted: no descriptor is a preopen, in
                    // the probe as in every instance's sandbox (errno 8,
                    // `badf`, as wasmtime-wasi answers).
                    "fd_prestat_get" if no_dirs => Some(linker.func_wrap(m, n, |_: i32, _: i32| 8i32)),
                    "args_sizes_get" => Some(linker.func_wrap(m, n, |c: Caller<'_, Probe>, count: i32, size: i32| {
                        sizes(c, |p| &p.args, count, size)
                    })),
                    "args_get" => Some(linker.func_wrap(m, n, |c: Caller<'_, Probe>, ptrs: i32, buf: i32| {
                        strings(c, |p| &p.args, ptrs, buf)
                    })),
                    "environ_sizes_get" => {
                        Some(linker.func_wrap(m, n, |c: Caller<'_, Probe>, count: i32, size: i32| {
                            sizes(c, |p| &p.env, count, size)
                        }))
                    }
                    "environ_get" => Some(linker.func_wrap(m, n, |c: Caller<'_, Probe>, ptrs: i32, buf: i32| {
                        strings(c, |p| &p.env, ptrs, buf)
                    })),
                    _ => None,
                };
            if let Some(defined) = defined {
                defined.map_err(err)?;
                continue;
            }
        }
        let name = format!("{m}.{n}");
        linker
            .func_new(m, n, ty, move |mut caller, _, _| {
                caller.data_mut().refused = Some(name.clone());
                Err(wasmtime::Error::msg(format!("`{name}` is refused while pre-initialising")))
            })
            .map_err(err)?;
    }
    Ok(linker)
}

/// WASI's `random_get`, from the OS: errno 0, or 21 (`fault`) for a buffer
/// outside memory, 29 (`io`) if the OS has no randomness to give.
fn random_get(mut caller: Caller<'_, Probe>, buf: i32, len: i32) -> i32 {
    let Some(Extern::Memory(memory)) = caller.get_export("memory") else {
        return 21;
    };
    let data = memory.data_mut(&mut caller);
    let Some(dest) = bounds::region_mut(data, buf as u32, u64::from(len as u32)) else {
        return 21;
    };
    match getrandom::getrandom(dest) {
        Ok(()) => 0,
        Err(_) => 29,
    }
}

/// WASI's clock ids that the probe answers.
const REALTIME: i32 = 0;
const MONOTONIC: i32 = 1;

/// WASI's `clock_time_get` while pre-initialising (why these answers: the
/// module docs, "The clock"): the host's wall clock now for `realtime`, 0
/// for `monotonic`, errno 21 (`fault`) for a result outside memory; any
/// other clock is refused.
fn clock_time_get(mut caller: Caller<'_, Probe>, id: i32, _precision: i64, time: i32) -> wasmtime::Result<i32> {
    let now = match id {
        REALTIME => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .ok()
            .and_then(|d| u64::try_from(d.as_nanos()).ok()),
        MONOTONIC => Some(1),
        _ => None,
    };
    let Some(now) = now else {
        let name = match id {
            REALTIME => "wasi_snapshot_preview1.clock_time_get (realtime, before 1970)".to_string(),
            _ => format!("wasi_snapshot_preview1.clock_time_get (clock {id})"),
        };
        let err = wasmtime::Error::msg(format!("`{name}` is refused while pre-initialising"));
        caller.data_mut().refused = Some(name);
        return Err(err);
    };
    let Some((data, _)) = guest_memory(&mut caller) else {
        return Ok(21);
    };
    match bounds::write(data, time as u32, &now.to_le_bytes()) {
        Some(_) => Ok(0),
        None => Ok(21),
    }
}

/// The guest's memory, from inside a host function.
fn guest_memory<'a>(caller: &'a mut Caller<'_, Probe>) -> Option<(&'a mut [u8], &'a Probe)> {
    let Some(Extern::Memory(memory)) = caller.get_export("memory") else {
        return None;
    };
    let (data, probe) = memory.data_and_store_mut(caller);
    Some((data, &*probe))
}

/// Writes a little-endian `u32` at `at`; `false` if out of bounds.
fn put_u32(data: &mut [u8], at: u32, value: u32) -> bool {
    bounds::write(data, at, &value.to_le_bytes()).is_some()
}

/// WASI's `*_sizes_get`: how many strings, and their bytes with NULs.
fn sizes(mut caller: Caller<'_, Probe>, list: fn(&Probe) -> &Vec<Vec<u8>>, count: i32, size: i32) -> i32 {
    let Some((data, probe)) = guest_memory(&mut caller) else {
        return 21;
    };
    let list = list(probe);
    let bytes: usize = list.iter().map(Vec::len).sum();
    let ok = put_u32(data, count as u32, list.len() as u32) && put_u32(data, size as u32, bytes as u32);
    if ok {
        0
    } else {
        21
    }
}

/// WASI's `args_get` / `environ_get`: a pointer to each string at `ptrs`,
/// the NUL-terminated strings at `buf`.
fn strings(mut caller: Caller<'_, Probe>, list: fn(&Probe) -> &Vec<Vec<u8>>, ptrs: i32, buf: i32) -> i32 {
    let Some((data, probe)) = guest_memory(&mut caller) else {
        return 21;
    };
    let (mut at, mut ptr) = (buf as u32, ptrs as u32);
    for s in list(probe) {
        if bounds::write(data, at, s).is_none() || !put_u32(data, ptr, at) {
            return 21;
        }
        at += s.len() as u32;
        ptr += 4;
    }
    0
}

/// The probe instance's state, as wizer reads it.
struct ProbeState<'a> {
    store: &'a mut Store<Probe>,
    instance: Instance,
}

impl InstanceState for ProbeState<'_> {
    fn global_get(&mut self, name: &str, _: ValType) -> impl Future<Output = SnapshotVal> + Send {
        let value = match self
            .instance
            .get_global(&mut *self.store, name)
            .map(|g| g.get(&mut *self.store))
        {
            Some(Val::I32(x)) => SnapshotVal::I32(x),
            Some(Val::I64(x)) => SnapshotVal::I64(x),
            Some(Val::F32(x)) => SnapshotVal::F32(x),
            Some(Val::F64(x)) => SnapshotVal::F64(x),
            Some(Val::V128(x)) => SnapshotVal::V128(x.as_u128()),
            // Wizer exports only the numeric globals it asks for.
            _ => panic!("wizer asked for global `{name}`, which is not a numeric export"),
        };
        std::future::ready(value)
    }

    fn memory_contents(&mut self, name: &str, contents: impl FnOnce(&[u8]) + Send) -> impl Future<Output = ()> + Send {
        match self.instance.get_memory(&mut *self.store, name) {
            Some(memory) => contents(memory.data(&*self.store)),
            None => panic!("wizer asked for memory `{name}`, which is not exported"),
        }
        std::future::ready(())
    }
}
