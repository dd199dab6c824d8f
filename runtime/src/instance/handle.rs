//! [`Instance`], one running guest: its store, calls with deadlines, and
//! the guest memory it keeps for arguments and results.

use std::sync::Arc;
use std::time::Duration;

use wasmtime::{Memory, Store, TypedFunc, WasmParams, WasmResults};

use crate::blocking::{outside_async, ready_now};
use crate::compile::{CompiledGuest, Compiler, ExportIndex};
use crate::deadline::clock::Registration;
use crate::deadline::timer::Deadline;
use crate::error::Error;
use crate::mem::bounds::{self, GuestSlice};
use crate::mem::layout::relocate;
use crate::mem::reader::GuestReader;
use crate::output::OutputLog;
use crate::store::{HostLink, State};

/// A block of guest memory the instance owns, allocated with the guest's
/// `malloc` (a [`GuestSlice`] is where one argument landed, as the export
/// takes it).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Allocation {
    pub ptr: u32,
    pub size: u32,
}

/// How an instance runs guest code: through the sync API, or through the
/// async one on a runtime built with `async_support`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exec {
    Sync,
    Async,
}

/// A running guest. Not shared between threads: use one per thread, or a
/// [`crate::Pool`].
pub struct Instance {
    /// Keeps the guest's own clock memory current (`None` without one).
    /// First, so that it is dropped before the store that holds the memory.
    pub(super) clock_memory: Option<Registration>,
    /// What the runtime shares with its instances.
    pub(super) compiler: Arc<Compiler>,
    /// The guest module, compiled: what its instances share.
    pub(super) module: Arc<CompiledGuest>,
    /// How its host functions are linked (`None`: no host).
    pub(super) link: Option<HostLink>,
    pub(super) store: Store<State>,
    pub(super) instance: Option<wasmtime::Instance>,
    /// Where results come back; allocated at instantiation.
    pub(super) retptr: Option<Allocation>,
    /// Where arguments go; grows on demand, reused by every call.
    pub(super) arena: Allocation,
    pub(super) deadline: Deadline,
    /// The runtime's fuel per call, kept here for the hot path.
    pub(super) fuel: Option<u64>,
    pub(super) poisoned: bool,
    /// Of an async runtime: called through the async API only.
    pub(super) is_async: bool,
    pub(super) output: OutputLog,
    /// Started from a snapshot taken after start-up (see `preinit`).
    pub(super) preinitialized: bool,
}

impl Instance {
    /// Resolves an export once, to call it many times.
    pub fn typed_func<P: WasmParams, R: WasmResults>(
        &mut self,
        export: &'static str,
    ) -> Result<TypedFunc<P, R>, Error> {
        let instance = self.instance.ok_or_else(|| Error::MissingExport {
            guest: self.module.name.to_string(),
            export: export.to_string(),
            reason: "the instance is not set up".into(),
        })?;
        instance
            .get_typed_func::<P, R>(&mut self.store, export)
            .map_err(|e| self.missing(export, e))
    }

    /// Resolves an export found once per module ([`LoadedModule::export_index`]),
    /// without looking up its name.
    ///
    /// [`LoadedModule::export_index`]: crate::LoadedModule::export_index
    pub fn typed_func_at<P: WasmParams, R: WasmResults>(
        &mut self,
        export: &ExportIndex,
    ) -> Result<TypedFunc<P, R>, Error> {
        let instance = self.instance.ok_or_else(|| Error::MissingExport {
            guest: self.module.name.to_string(),
            export: export.name().to_string(),
            reason: "the instance is not set up".into(),
        })?;
        let func = instance
            .get_module_export(&mut self.store, export.index())
            .and_then(wasmtime::Extern::into_func)
            .ok_or_else(|| Error::MissingExport {
                guest: self.module.name.to_string(),
                export: export.name().to_string(),
                reason: "not a function of this module".into(),
            })?;
        func.typed::<P, R>(&self.store)
            .map_err(|e| self.missing(export.name(), e))
    }

    /// Calls an export with a deadline; a trap poisons the instance.
    #[inline(always)]
    pub fn call<P: WasmParams, R: WasmResults>(
        &mut self,
        export: &'static str,
        func: &TypedFunc<P, R>,
        params: P,
    ) -> Result<R, Error> {
        self.check(export)?;
        self.arm()?;
        self.output.begin_call();
        let store = &mut self.store;
        match outside_async(|| func.call(store, params)) {
            Ok(r) => Ok(r),
            Err(e) => Err(self.failed(export, e)),
        }
    }

    #[doc(hidden)]
    /// Copies arguments into guest memory, into one arena that every call
    /// reuses, and returns where each one landed.
    #[inline(always)]
    pub fn write_args<const N: usize>(
        &mut self,
        export: &'static str,
        args: [&[u8]; N],
    ) -> Result<[GuestSlice; N], Error> {
        let mut out = [GuestSlice::default(); N];
        self.write_args_into(export, &args, &mut out)?;
        Ok(out)
    }

    /// [`Self::write_args`] for a number of arguments known at run time
    /// only (the dynamic call path): `out[i]` is where `args[i]` landed.
    #[inline(always)]
    pub(crate) fn write_args_into(
        &mut self,
        export: &'static str,
        args: &[&[u8]],
        out: &mut [GuestSlice],
    ) -> Result<(), Error> {
        // No check of the instance here: writing into a poisoned one's
        // memory is harmless, and whatever runs guest code (the `malloc`
        // of a larger arena, the call that follows) refuses it.
        let total: u64 = args.iter().map(|a| bounds::padded(a.len())).sum();
        if self.needs_arena(total) {
            self.grow_arena_now(export, total)?;
        }
        self.copy_args(export, args, out)
    }

    /// Whether arguments of `total` bytes need a new arena: a larger one,
    /// or, where the guest exports no `free`, a fresh one for every call.
    /// Such a guest's blocks are its GC's (`tinybind_abi::ALLOCATORS`), and
    /// nothing in the guest refers to a block once the call that used it
    /// has returned, so a later collection may reuse it.
    #[inline(always)]
    pub(super) fn needs_arena(&self, total: u64) -> bool {
        total > u64::from(self.arena.size) || (total > 0 && self.store.data().free.is_none())
    }

    /// [`Self::grow_arena`] for the sync API, out of the hot path.
    #[cold]
    #[inline(never)]
    fn grow_arena_now(&mut self, export: &'static str, needed: u64) -> Result<(), Error> {
        ready_now(self.grow_arena(export, needed, Exec::Sync))
    }

    /// Copies `args` into the arena, which holds them all.
    #[inline(always)]
    pub(super) fn copy_args(
        &mut self,
        export: &'static str,
        args: &[&[u8]],
        out: &mut [GuestSlice],
    ) -> Result<(), Error> {
        let memory = self.memory_or(export)?;
        let data = memory.data_mut(&mut self.store);
        let mut offset = self.arena.ptr;
        for (slot, arg) in out.iter_mut().zip(args) {
            if bounds::write(data, offset, arg).is_none() {
                let guest = &self.module.name;
                return Err(argument_out_of_bounds(guest, export, offset, arg.len(), data.len()));
            }
            // The arena fits in 32-bit memory, so each length does too.
            *slot = GuestSlice {
                ptr: offset as i32,
                len: arg.len() as i32,
            };
            offset += bounds::padded(arg.len()) as u32;
        }
        Ok(())
    }

    #[doc(hidden)]
    /// Makes the internal pointers of a blob argument (`Blob`), just
    /// written at `slot`, guest addresses.
    pub fn relocate(&mut self, export: &'static str, slot: GuestSlice, relocations: &[u32]) -> Result<(), Error> {
        let memory = self.memory_or(export)?;
        let data = memory.data_mut(&mut self.store);
        let size = data.len();
        match relocate(data, slot.ptr as u32, relocations) {
            Some(()) => Ok(()),
            None => Err(argument_out_of_bounds(&self.module.name, export, slot.ptr as u32, slot.len as usize, size)),
        }
    }

    #[doc(hidden)]
    /// The retptr area for results written by the guest.
    #[inline(always)]
    pub fn retptr(&self, export: &'static str) -> Result<i32, Error> {
        match self.retptr {
            Some(b) => Ok(b.ptr as i32),
            None => Err(self.no_retptr(export)),
        }
    }

    #[doc(hidden)]
    /// Bounds-checked access to results at `retptr`.
    #[inline(always)]
    pub fn results(&self, export: &'static str, retptr: i32, size: u32) -> Result<GuestReader<'_>, Error> {
        let memory = self.memory_or(export)?;
        GuestReader::new(
            memory.data(&self.store),
            retptr as u32,
            size,
            &self.module.name,
            export,
            self.module.go_type_names,
            self.store.data().max_bytes,
        )
    }

    #[doc(hidden)]
    /// Reads the results at `retptr` with `read`, given a bounds-checked
    /// reader over the `size` bytes there: the same checks as
    /// [`Self::results`], without moving the reader around in a `Result`
    /// (what the generated methods call).
    #[inline(always)]
    pub fn read_results<T>(
        &self,
        export: &'static str,
        retptr: i32,
        size: u32,
        read: impl FnOnce(&GuestReader<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let Some(memory) = self.store.data().memory else {
            return Err(self.no_memory(export));
        };
        GuestReader::read(
            memory.data(&self.store),
            retptr as u32,
            size,
            &self.module.name,
            export,
            self.module.go_type_names,
            self.store.data().max_bytes,
            read,
        )
    }

    /// What the runtime shares with its instances.
    pub(crate) fn compiler(&self) -> &Arc<Compiler> {
        &self.compiler
    }

    /// The guest's name.
    pub fn guest(&self) -> &str {
        &self.module.name
    }

    /// Whether this instance started from a pre-initialised snapshot
    /// ([`crate::RuntimeBuilder::preinitialize`]) instead of running its
    /// start-up.
    pub fn preinitialized(&self) -> bool {
        self.preinitialized
    }

    /// Whether an earlier trap poisoned this instance.
    pub fn is_poisoned(&self) -> bool {
        self.poisoned
    }

    /// The guest's linear memory size in bytes (0 without memory).
    pub fn memory_size(&self) -> usize {
        self.store.data().memory.map(|m| m.data_size(&self.store)).unwrap_or(0)
    }

    /// Changes this instance's per-call deadline.
    ///
    /// On a runtime built without a timeout the guest has no deadline
    /// checks, and a timeout set here has no effect.
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        // Setting the global fails only for a global of another store; the
        // next call re-arms it anyway.
        let _ = self.deadline.set_timeout(&mut self.store, timeout);
    }

    /// What the guest wrote to stdout, when the runtime captures output.
    pub fn stdout(&self) -> Option<Vec<u8>> {
        self.output.stdout()
    }

    /// What the guest wrote to stderr, when the runtime captures output.
    pub fn stderr(&self) -> Option<Vec<u8>> {
        self.output.stderr()
    }

    /// Refuses a sync call on a poisoned instance or an async runtime.
    #[inline(always)]
    pub(super) fn check(&self, export: &'static str) -> Result<(), Error> {
        if self.poisoned | self.is_async {
            return Err(self.refused(export, Exec::Sync));
        }
        Ok(())
    }

    /// Refuses an async call on a poisoned instance or a sync runtime.
    #[inline(always)]
    pub(super) fn check_async(&self, export: &'static str) -> Result<(), Error> {
        if self.poisoned | !self.is_async {
            return Err(self.refused(export, Exec::Async));
        }
        Ok(())
    }

    /// Refuses a call of `exec` on a poisoned instance, or on the
    /// runtime of the other mode.
    #[inline(always)]
    pub(super) fn check_mode(&self, export: &'static str, exec: Exec) -> Result<(), Error> {
        match exec {
            Exec::Sync => self.check(export),
            Exec::Async => self.check_async(export),
        }
    }

    /// Runs `func` in this store as `exec` says, without the checks and
    /// the arming of [`Self::call`] (the caller's).
    pub(super) async fn run<P, R>(&mut self, func: &TypedFunc<P, R>, params: P, exec: Exec) -> wasmtime::Result<R>
    where
        P: WasmParams + Send + Sync,
        R: WasmResults + Send + Sync,
    {
        match exec {
            Exec::Sync => {
                let store = &mut self.store;
                outside_async(|| func.call(store, params))
            }
            Exec::Async => {
                // A call whose future is dropped before it returns leaves
                // the guest half-way: the instance stays poisoned.
                self.poisoned = true;
                let result = func.call_async(&mut self.store, params).await;
                self.poisoned = false;
                result
            }
        }
    }

    /// Calls `func` as `exec` says, with the checks and the deadline of
    /// [`Self::call`].
    pub(super) async fn call_in<P, R>(
        &mut self,
        export: &'static str,
        func: &TypedFunc<P, R>,
        params: P,
        exec: Exec,
    ) -> Result<R, Error>
    where
        P: WasmParams + Send + Sync,
        R: WasmResults + Send + Sync,
    {
        self.check_mode(export, exec)?;
        self.arm()?;
        self.output.begin_call();
        match self.run(func, params, exec).await {
            Ok(r) => Ok(r),
            Err(e) => Err(self.failed(export, e)),
        }
    }

    /// Sets the deadline and fuel for the next call.
    #[inline(always)]
    pub(super) fn arm(&mut self) -> Result<(), Error> {
        if let Err(e) = self.deadline.arm(&mut self.store) {
            return Err(Error::Engine(format!("{e:#}")));
        }
        if let Some(fuel) = self.fuel {
            self.refuel(fuel)?;
        }
        Ok(())
    }

    pub(super) fn refuel(&mut self, fuel: u64) -> Result<(), Error> {
        self.store.set_fuel(fuel).map_err(|e| Error::Engine(format!("{e:#}")))
    }

    #[inline(always)]
    pub(super) fn memory_or(&self, export: &'static str) -> Result<Memory, Error> {
        match self.store.data().memory {
            Some(m) => Ok(m),
            None => Err(self.no_memory(export)),
        }
    }

    // The errors of the hot path, out of line so that the calls stay small.
    /// Allocates guest memory with the guest's `malloc` and checks it. A
    /// failure of `malloc` (a trap, the deadline) names `export`, the call
    /// it allocates for.
    pub(super) async fn allocate(&mut self, export: &'static str, size: u32, exec: Exec) -> Result<Allocation, Error> {
        let Some(malloc) = self.store.data().malloc.clone() else {
            return Err(Error::NoAllocator {
                guest: self.module.name.to_string(),
                export: export.to_string(),
                missing: "`malloc`",
            });
        };
        let ptr = self.call_in(export, &malloc, size as i32, exec).await? as u32;
        let memory = self.memory_size();
        if !bounds::usable_block(ptr, u64::from(size), memory) {
            return Err(Error::BadAllocation {
                guest: self.module.name.to_string(),
                export: export.to_string(),
                size,
                ptr,
                memory,
            });
        }
        Ok(Allocation { ptr, size })
    }

    pub(super) async fn grow_arena(&mut self, export: &'static str, needed: u64, exec: Exec) -> Result<(), Error> {
        let limit = self.compiler.settings.memory_limit as u64;
        if needed > limit.min(u64::from(u32::MAX)) {
            return Err(Error::ArgumentsTooLarge {
                guest: self.module.name.to_string(),
                export: export.to_string(),
                len: needed,
            });
        }
        // A block the guest's GC owns serves one call: no room to spare.
        let spare = match self.store.data().free {
            Some(_) => (u64::from(self.arena.size) * 2).max(256),
            None => 0,
        };
        let size = needed.max(spare).min(limit.min(u64::from(u32::MAX))) as u32;
        self.release_arena(exec).await;
        self.arena = self.allocate(export, size, exec).await?;
        Ok(())
    }

    pub(super) async fn release_arena(&mut self, exec: Exec) {
        let old = std::mem::take(&mut self.arena);
        if old.size > 0 {
            if let Some(free) = self.store.data().free.clone() {
                // A failing `free` only leaks guest memory; the call that
                // follows reports the guest's state.
                let _ = self.call_in("free", &free, old.ptr as i32, exec).await;
            }
        }
    }
}

#[cold]
#[inline(never)]
fn argument_out_of_bounds(guest: &str, export: &str, ptr: u32, len: usize, memory: usize) -> Error {
    Error::OutOfBounds {
        guest: guest.to_string(),
        export: export.to_string(),
        what: "an argument area",
        ptr,
        len: len as u64,
        memory,
    }
}
