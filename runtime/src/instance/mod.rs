//! One guest instance: its store, calls with deadlines, and the guest memory
//! it keeps for arguments and results. Creating one is in [`start`], telling
//! what a failed call was in [`failure`].

mod failure;
mod start;
mod untyped;

pub(crate) use untyped::zero as zero_val;

use std::time::Duration;

use wasmtime::{Global, Memory, Store, TypedFunc, Val, WasmParams, WasmResults};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;

use crate::deadline::{Clock, Registration};
use crate::memory::{self, GuestSlice, Results};
use crate::output::Tail;
use crate::runtime::{HostLink, Settings, State, TICK};
use crate::{Error, Runtime};

/// Most tables an instance may have.
pub const MAX_TABLES: usize = 4;

/// Most elements one table may grow to (about 1 M: 8-16 MiB of host memory).
pub const MAX_TABLE_ELEMENTS: usize = 1 << 20;

/// The store limits of a guest under `settings`' memory cap. The cap is
/// per memory: one memory of the guest's own makes it the instance's cap
/// (the deadline clock's memory is one page that cannot grow). Tables
/// are host memory too (8+ bytes an element), so they are capped as well;
/// TinyGo needs one table of a few thousand.
pub(crate) fn store_limits(settings: &Settings, clock: Option<&Clock>) -> wasmtime::StoreLimits {
    // A guest woven with a clock of its own has a one-page clock memory too.
    let memories = 1 + clock.map_or(0, |c| c.memory().added_memories()) as usize;
    wasmtime::StoreLimitsBuilder::new()
        .memory_size(settings.memory_limit)
        .memories(memories)
        .tables(MAX_TABLES)
        .table_elements(MAX_TABLE_ELEMENTS)
        .instances(1)
        .trap_on_grow_failure(false)
        .build()
}

/// How a guest is started before its exports are called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Startup {
    /// A reactor: `_initialize` runs once.
    Initialize,
    /// A WASI command: `_start` runs once; `proc_exit(0)` there is success.
    Command,
    /// Nothing to run.
    None,
}

/// A guest module as the generated code describes it.
#[derive(Debug)]
pub struct GuestModule {
    pub name: &'static str,
    pub file: &'static str,
    pub bytes: &'static [u8],
    pub startup: Startup,
    /// Bytes of the retptr area the bindings need (0: none).
    pub retptr_size: u32,
}

/// Guest memory the instance owns, allocated with the guest's `malloc`.
#[derive(Clone, Copy, Debug, Default)]
struct Block {
    ptr: u32,
    size: u32,
}

/// A running guest. Not shared between threads: use one per thread, or a
/// [`crate::Pool`].
pub struct Instance {
    /// Keeps the guest's own clock memory current (`None` without one).
    /// First, so that it is dropped before the store that holds the memory.
    clock_memory: Option<Registration>,
    runtime: Runtime,
    module: &'static GuestModule,
    /// How its host functions are linked (`None`: no host).
    link: Option<HostLink>,
    store: Store<State>,
    instance: Option<wasmtime::Instance>,
    /// Where results come back; allocated at instantiation.
    retptr: Option<Block>,
    /// Where arguments go; grows on demand, reused by every call.
    arena: Block,
    deadline_ticks: Option<u64>,
    timeout: Option<Duration>,
    /// The runtime's deadline clock and the guest's deadline global (both
    /// `None` without deadlines), and the clock's value when the deadline
    /// was last armed (`u64::MAX`: never, or the timeout changed).
    clock: Option<Clock>,
    deadline: Option<Global>,
    armed_at: u64,
    /// The runtime's fuel per call, kept here for the hot path.
    fuel: Option<u64>,
    poisoned: bool,
    stdout: Option<MemoryOutputPipe>,
    stderr: Option<MemoryOutputPipe>,
    /// The last bytes of stdout and stderr, and how much of each had been
    /// written when the current call began: what the guest said during it.
    tails: [Tail; 2],
    marks: [u64; 2],
    /// Started from a snapshot taken after start-up (see `preinit`).
    preinitialized: bool,
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
        self.marks = [self.tails[0].mark(), self.tails[1].mark()];
        match func.call(&mut self.store, params) {
            Ok(r) => Ok(r),
            Err(e) => Err(self.failed(export, e)),
        }
    }

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
        self.check(export)?;
        let total: u64 = args.iter().map(|a| memory::padded(a.len())).sum();
        if total > u64::from(self.arena.size) {
            self.grow_arena(export, total)?;
        }
        let memory = self.memory_or(export)?;
        let data = memory.data_mut(&mut self.store);
        let mut offset = self.arena.ptr;
        for (slot, arg) in out.iter_mut().zip(args) {
            if memory::write(data, offset, arg).is_none() {
                let guest = self.module.name;
                return Err(argument_out_of_bounds(guest, export, offset, arg.len(), data.len()));
            }
            // The arena fits in 32-bit memory, so each length does too.
            *slot = GuestSlice {
                ptr: offset as i32,
                len: arg.len() as i32,
            };
            offset += memory::padded(arg.len()) as u32;
        }
        Ok(())
    }

    /// Makes the internal pointers of a [`crate::Blob`] argument, just
    /// written at `slot`, guest addresses.
    pub fn relocate(&mut self, export: &'static str, slot: GuestSlice, relocations: &[u32]) -> Result<(), Error> {
        let memory = self.memory_or(export)?;
        let data = memory.data_mut(&mut self.store);
        let size = data.len();
        match crate::layout::relocate(data, slot.ptr as u32, relocations) {
            Some(()) => Ok(()),
            None => Err(argument_out_of_bounds(self.module.name, export, slot.ptr as u32, slot.len as usize, size)),
        }
    }

    /// The retptr area for results written by the guest.
    #[inline(always)]
    pub fn retptr(&self, export: &'static str) -> Result<i32, Error> {
        match self.retptr {
            Some(b) => Ok(b.ptr as i32),
            None => Err(self.no_retptr(export)),
        }
    }

    /// Bounds-checked access to results at `retptr`.
    #[inline(always)]
    pub fn results(&self, export: &'static str, retptr: i32, size: u32) -> Result<Results<'_>, Error> {
        let memory = self.memory_or(export)?;
        Results::new(
            memory.data(&self.store),
            retptr as u32,
            size,
            self.module.name,
            export,
        )
    }

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
        read: impl FnOnce(&Results<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let Some(memory) = self.store.data().memory else {
            return Err(self.no_memory(export));
        };
        Results::read(
            memory.data(&self.store),
            retptr as u32,
            size,
            self.module.name,
            export,
            read,
        )
    }

    /// The runtime this instance belongs to.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// The guest's name.
    pub fn guest(&self) -> &'static str {
        self.module.name
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
        self.timeout = timeout;
        self.deadline_ticks = timeout.map(ticks);
        self.armed_at = u64::MAX;
        if timeout.is_none() {
            // A deadline armed before must not fire any more.
            let _ = self.set_deadline(u64::MAX);
        }
    }

    /// What the guest wrote to stdout, when the runtime captures output.
    pub fn stdout(&self) -> Option<Vec<u8>> {
        self.stdout.as_ref().map(|p| p.contents().to_vec())
    }

    /// What the guest wrote to stderr, when the runtime captures output.
    pub fn stderr(&self) -> Option<Vec<u8>> {
        self.stderr.as_ref().map(|p| p.contents().to_vec())
    }

    #[inline(always)]
    fn check(&self, export: &'static str) -> Result<(), Error> {
        if self.poisoned {
            return Err(self.poisoned_error(export));
        }
        Ok(())
    }

    /// Sets the deadline and fuel for the next call.
    ///
    /// The deadline is the clock's value when armed plus the timeout in
    /// ticks, plus one: the guest's checks trap once the clock reaches it.
    /// Setting the guest's global costs more than a short call itself, so it
    /// is re-armed only when the clock moved since the last arming: at most
    /// once per 10 ms tick, one atomic load otherwise. A deadline armed
    /// earlier in the same tick is still at least the timeout away from any
    /// moment in that tick, so a deadline never fires before the timeout
    /// (but up to two ticks after).
    #[inline(always)]
    fn arm(&mut self) -> Result<(), Error> {
        if let (Some(t), Some(clock)) = (self.deadline_ticks, &self.clock) {
            let now = clock.now();
            if now != self.armed_at {
                self.rearm(now, t)?;
            }
        }
        if let Some(fuel) = self.fuel {
            self.refuel(fuel)?;
        }
        Ok(())
    }

    #[inline(never)]
    fn rearm(&mut self, now: u64, ticks: u64) -> Result<(), Error> {
        self.set_deadline(now.saturating_add(ticks).saturating_add(1))?;
        self.armed_at = now;
        Ok(())
    }

    fn set_deadline(&mut self, at: u64) -> Result<(), Error> {
        if let Some(global) = self.deadline {
            // The guest compares it unsigned: the bits are what count.
            global
                .set(&mut self.store, Val::I64(at as i64))
                .map_err(|e| Error::Engine(format!("{e:#}")))?;
        }
        Ok(())
    }

    /// The clock has reached the deadline in the guest's global.
    fn deadline_passed(&mut self) -> bool {
        let (Some(clock), Some(global)) = (&self.clock, self.deadline) else {
            return false;
        };
        match global.get(&mut self.store) {
            Val::I64(at) => clock.now() >= at as u64,
            _ => false,
        }
    }

    fn refuel(&mut self, fuel: u64) -> Result<(), Error> {
        self.store
            .set_fuel(fuel)
            .map_err(|e| Error::Engine(format!("{e:#}")))
    }

    #[inline(always)]
    fn memory_or(&self, export: &'static str) -> Result<Memory, Error> {
        match self.store.data().memory {
            Some(m) => Ok(m),
            None => Err(self.no_memory(export)),
        }
    }

    // The errors of the hot path, out of line so that the calls stay small.
    /// Allocates guest memory with the guest's `malloc` and checks it.
    fn allocate(&mut self, export: &'static str, size: u32) -> Result<Block, Error> {
        let Some(malloc) = self.store.data().malloc.clone() else {
            return Err(Error::NoAllocator {
                guest: self.module.name.to_string(),
                export: export.to_string(),
                missing: "`malloc`",
            });
        };
        let ptr = self.call("malloc", &malloc, size as i32)? as u32;
        let memory = self.memory_size();
        if !memory::usable_block(ptr, u64::from(size), memory) {
            return Err(Error::BadAllocation {
                guest: self.module.name.to_string(),
                export: export.to_string(),
                size,
                ptr,
                memory,
            });
        }
        Ok(Block { ptr, size })
    }

    fn grow_arena(&mut self, export: &'static str, needed: u64) -> Result<(), Error> {
        let limit = self.runtime.settings().memory_limit as u64;
        if needed > limit.min(u64::from(u32::MAX)) {
            return Err(Error::ArgumentsTooLarge {
                guest: self.module.name.to_string(),
                export: export.to_string(),
                len: needed,
            });
        }
        let size = needed
            .max(u64::from(self.arena.size) * 2)
            .max(256)
            .min(limit.min(u64::from(u32::MAX))) as u32;
        self.release_arena();
        self.arena = self.allocate(export, size)?;
        Ok(())
    }

    fn release_arena(&mut self) {
        let old = std::mem::take(&mut self.arena);
        if old.size > 0 {
            if let Some(free) = self.store.data().free.clone() {
                // A failing `free` only leaks guest memory; the call that
                // follows reports the guest's state.
                let _ = self.call("free", &free, old.ptr as i32);
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

/// A timeout in clock ticks. Saturates far below `u64::MAX`: it is added to
/// the clock's value, and a wrapped sum would be a deadline in the past
/// (`Duration::MAX` once timed out at once).
pub(crate) fn ticks(timeout: Duration) -> u64 {
    let ticks = (timeout.as_nanos() / TICK.as_nanos()).clamp(1, u128::from(u64::MAX / 4));
    ticks as u64 + 1
}
