//! Creating an instance: its store and limits, instantiation, the guest's
//! start-up (under the deadline), and `reset`, which keeps the host value.

use std::any::Any;
use std::sync::Arc;

use wasmtime::Store;
use wasmtime_wasi::I32Exit;

use crate::blocking::{outside_async, ready_now};
use crate::compile::{Compiled, CompiledGuest, Compiler};
use crate::config::store_limits;
use crate::deadline::timer::Deadline;
use crate::deadline::weave::{DEADLINE_EXPORT, START_EXPORT};
use crate::deadline::yielding::yield_at_each_tick;
use crate::error::Error;
use crate::instance::handle::{Allocation, Exec, Instance};
use tinybind_abi::Startup;

use crate::sandbox::Sandbox;
use crate::store::{HostLink, State};

impl Instance {
    /// Links (once per host type) and instantiates `module` with `host` in
    /// its store, and runs its start-up. On failure the host value comes
    /// back with the error, so that [`Self::reset`] can keep it.
    pub(crate) fn new(
        compiler: Arc<Compiler>,
        module: Arc<CompiledGuest>,
        link: Option<HostLink>,
        host: Option<Box<dyn Any + Send>>,
    ) -> Result<Instance, (Error, Option<Box<dyn Any + Send>>)> {
        ready_now(Self::create(compiler, module, link, host, Exec::Sync))
    }

    /// [`Self::new`] on an async runtime, through the async API.
    pub(crate) async fn new_async(
        compiler: Arc<Compiler>,
        module: Arc<CompiledGuest>,
        link: Option<HostLink>,
        host: Option<Box<dyn Any + Send>>,
    ) -> Result<Instance, (Error, Option<Box<dyn Any + Send>>)> {
        Self::create(compiler, module, link, host, Exec::Async).await
    }

    async fn create(
        compiler: Arc<Compiler>,
        module: Arc<CompiledGuest>,
        link: Option<HostLink>,
        host: Option<Box<dyn Any + Send>>,
        exec: Exec,
    ) -> Result<Instance, (Error, Option<Box<dyn Any + Send>>)> {
        let is_async = compiler.settings.async_support;
        if is_async != (exec == Exec::Async) {
            let error = Error::WrongMode {
                guest: module.name.to_string(),
                export: "instantiate".into(),
                runtime_async: is_async,
            };
            return Err((error, host));
        }
        let compiled = match module.linked(&compiler, link) {
            Ok(c) => c,
            Err(e) => return Err((e, host)),
        };
        let settings = &compiler.settings;
        let sandbox = match Sandbox::new(&module.name, settings) {
            Ok(s) => s,
            Err(e) => return Err((e, host)),
        };
        let clock_memories = compiler.clock.as_ref().map_or(0, |c| c.memory().added_memories());
        let limits = store_limits(settings, clock_memories);
        let mut store = Store::new(&compiler.engine, State::new(sandbox.wasi, limits, host));
        store.limiter(|s| &mut s.limits);
        store.data_mut().max_bytes = settings.max_result_bytes as u64;
        if is_async {
            yield_at_each_tick(&mut store);
            store.data_mut().is_async = true;
        }
        let deadline = Deadline::new(compiler.clock.clone(), settings.timeout);
        let fuel = settings.fuel;
        let mut inst = Instance {
            clock_memory: None,
            compiler,
            module,
            link,
            store,
            instance: None,
            retptr: None,
            arena: Allocation::default(),
            deadline,
            fuel,
            poisoned: false,
            is_async,
            output: sandbox.output,
            preinitialized: false,
        };
        match inst.start(&compiled, exec).await {
            Ok(()) => Ok(inst),
            Err(e) => {
                let host = inst.store.data_mut().host.take();
                Err((e, host))
            }
        }
    }

    /// Instantiates the compiled guest in this store and runs its start-up.
    async fn start(&mut self, compiled: &Compiled, exec: Exec) -> Result<(), Error> {
        let inst = self;
        let module = inst.module.clone();
        // Instantiation itself runs no guest code (a start function is
        // deferred), but with fuel on it needs some.
        if let Some(fuel) = inst.fuel {
            inst.refuel(fuel)?;
        }
        let instantiated = match exec {
            Exec::Sync => {
                let store = &mut inst.store;
                outside_async(|| compiled.pre.instantiate(store))
            }
            Exec::Async => compiled.pre.instantiate_async(&mut inst.store).await,
        };
        let instance = match instantiated {
            Ok(instance) => instance,
            // Guest code ran (a start function wasmtime runs itself) and
            // failed: out of fuel, a trap, an exit. That is a start-up
            // failure, of the kind of what failed.
            Err(e) if ran_guest_code(&e) => return Err(inst.startup_failed("start function", e)),
            Err(e) => {
                return Err(Error::Instantiate {
                    guest: module.name.to_string(),
                    reason: format!("{e:#}"),
                })
            }
        };
        // Host functions may run from the start function on: they find the
        // guest's memory and allocator in the store.
        let memory = instance.get_memory(&mut inst.store, "memory");
        let (malloc, free) = allocator(&mut inst.store, &instance);
        let state = inst.store.data_mut();
        state.memory = memory;
        state.malloc = malloc;
        state.free = free;
        if let Some(clock) = inst.deadline.clock().cloned() {
            let missing = || Error::Instantiate {
                guest: module.name.to_string(),
                reason: "the deadline checks are missing".into(),
            };
            let global = instance
                .get_global(&mut inst.store, DEADLINE_EXPORT)
                .ok_or_else(missing)?;
            // SAFETY: `clock_memory` is the first field of `Instance`, so
            // it is dropped before the store.
            inst.clock_memory =
                unsafe { clock.attach(&mut inst.store, &instance) }.map_err(|reason| Error::Instantiate {
                    guest: module.name.to_string(),
                    reason: reason.into(),
                })?;
            inst.deadline.attach(global);
        }
        if compiled.deferred_start {
            let start = instance
                .get_typed_func::<(), ()>(&mut inst.store, START_EXPORT)
                .map_err(|e| inst.missing("start function", e))?;
            inst.arm()?;
            if let Err(e) = inst.run(&start, (), exec).await {
                return Err(inst.startup_failed("start function", e));
            }
        }
        // A snapshot's start-up has already run (see `preinit`).
        let snapshotted = compiled.snapshotted();
        inst.preinitialized = snapshotted;
        let entry = match module.startup {
            _ if snapshotted => None,
            Startup::Initialize => Some("_initialize"),
            Startup::Command => Some("_start"),
            Startup::None => None,
        };
        if let Some(entry) = entry {
            let start = instance
                .get_typed_func::<(), ()>(&mut inst.store, entry)
                .map_err(|e| inst.missing(entry, e))?;
            inst.arm()?;
            match inst.run(&start, (), exec).await {
                Ok(()) => {}
                Err(e) if e.downcast_ref::<I32Exit>().is_some_and(|x| x.0 == 0) => {}
                Err(e) => return Err(inst.startup_failed(entry, e)),
            }
        }
        inst.instance = Some(instance);
        if let Some((ptr, size)) = compiled.arena {
            inst.arena = Allocation { ptr, size };
        }
        if let Some((ptr, size)) = compiled.retptr {
            inst.retptr = Some(Allocation { ptr, size });
        } else if module.retptr_size > 0 && inst.store.data().malloc.is_some() {
            inst.retptr = Some(inst.allocate("malloc", module.retptr_size, exec).await?);
        }
        Ok(())
    }

    /// The failure of start-up entry `entry`, of the kind of what failed.
    fn startup_failed(&mut self, entry: &str, e: wasmtime::Error) -> Error {
        let cause = self.classify(entry, e);
        Error::Startup {
            guest: self.module.name.to_string(),
            export: entry.to_string(),
            reason: cause.to_string(),
            cause: Some(Box::new(cause)),
        }
    }

    /// Replaces this instance by a fresh one of the same guest, keeping the
    /// host value. On failure this instance stays as it was, host included.
    pub fn reset(&mut self) -> Result<(), Error> {
        ready_now(self.reset_in(Exec::Sync))
    }

    /// [`Self::reset`] of an instance of an async runtime.
    pub async fn reset_async(&mut self) -> Result<(), Error> {
        self.reset_in(Exec::Async).await
    }

    async fn reset_in(&mut self, exec: Exec) -> Result<(), Error> {
        let host = self.store.data_mut().host.take();
        let fresh = Instance::create(self.compiler.clone(), self.module.clone(), self.link, host, exec).await;
        match fresh {
            Ok(fresh) => {
                *self = fresh;
                Ok(())
            }
            Err((e, host)) => {
                self.store.data_mut().host = host;
                Err(e)
            }
        }
    }

    /// The host value of the guest's host trait.
    ///
    /// # Panics
    ///
    /// If the instance has no host of type `H`. The generated bindings only
    /// ask for the type they created the instance with, and the host is in
    /// place whenever the guest is not calling it.
    pub fn host<H: 'static>(&self) -> &H {
        match self.store.data().host.as_deref().and_then(|h| h.downcast_ref()) {
            Some(h) => h,
            None => no_host::<H>(),
        }
    }

    /// The host value, mutably. Panics as [`Self::host`] does.
    pub fn host_mut<H: 'static>(&mut self) -> &mut H {
        match self.store.data_mut().host.as_deref_mut().and_then(|h| h.downcast_mut()) {
            Some(h) => h,
            None => no_host::<H>(),
        }
    }
}

/// The guest's allocator, `malloc` and `free` (`tinybind_abi::ALLOCATORS`,
/// the first one it exports with the wasm types `(i32) -> i32` and
/// `(i32) -> ()`). With no `free`, the blocks are the guest GC's: the arena
/// is then allocated anew for each call (`Instance::write_args`).
fn allocator(store: &mut Store<State>, instance: &wasmtime::Instance) -> (Option<Malloc>, Option<Free>) {
    for (malloc, free) in tinybind_abi::ALLOCATORS {
        if let Ok(malloc) = instance.get_typed_func(&mut *store, malloc) {
            let free = free.and_then(|f| instance.get_typed_func(&mut *store, f).ok());
            return (Some(malloc), free);
        }
    }
    (None, None)
}

type Malloc = wasmtime::TypedFunc<i32, i32>;
type Free = wasmtime::TypedFunc<i32, ()>;

/// Whether instantiation failed in the guest's code rather than in
/// linking or allocation.
fn ran_guest_code(e: &wasmtime::Error) -> bool {
    e.downcast_ref::<wasmtime::Trap>().is_some() || e.downcast_ref::<I32Exit>().is_some()
}

#[cold]
#[inline(never)]
fn no_host<H>() -> ! {
    panic!("tinybind: the instance holds no host of type `{}`", std::any::type_name::<H>())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::deadline::clock::{ClockMemory, CLOCK_EXPORT};
    use crate::module::CONCAT;
    use crate::runtime::Runtime;

    fn instance(rt: &Runtime) -> Instance {
        let guest = rt.compiler().embedded(&CONCAT).expect("compiles");
        match Instance::new(rt.compiler().clone(), guest, None, None) {
            Ok(i) => i,
            Err((e, _)) => panic!("{e}"),
        }
    }

    /// The tick in an instance's own clock memory.
    fn clock_of(i: &mut Instance) -> u64 {
        let memory = i.instance.and_then(|x| x.get_memory(&mut i.store, CLOCK_EXPORT));
        let bytes = memory.expect("a clock memory").data(&i.store)[..8].try_into();
        u64::from_le_bytes(bytes.expect("eight bytes"))
    }

    #[test]
    fn a_pooled_instance_has_a_clock_of_its_own_kept_current_until_it_is_dropped() {
        let rt = Runtime::builder().pooling(4).build().unwrap();
        let clock = rt.compiler().clock.clone().expect("a deadline clock");
        assert_eq!(clock.memory(), ClockMemory::Own);
        let (mut a, mut b) = (instance(&rt), instance(&rt));
        assert_eq!(clock.registered(), 2);
        let start = clock.now();
        while clock.now() < start + 3 {
            std::thread::sleep(Duration::from_millis(5));
        }
        for i in [&mut a, &mut b] {
            let before = clock.now();
            let seen = clock_of(i);
            assert!(before <= seen && seen <= clock.now(), "{before} {seen}");
        }
        // `reset` replaces the instance: its old clock goes off the list.
        a.reset().unwrap();
        assert_eq!(clock.registered(), 2);
        drop(a);
        assert_eq!(clock.registered(), 1);
        drop(b);
        assert_eq!(clock.registered(), 0);
    }

    #[test]
    fn an_instance_outside_a_pool_reads_the_runtimes_imported_clock() {
        let rt = Runtime::new().unwrap();
        let clock = rt.compiler().clock.clone().expect("a deadline clock");
        assert_eq!(clock.memory(), ClockMemory::Imported);
        let mut i = instance(&rt);
        assert_eq!(clock.registered(), 0);
        let exported = i.instance.and_then(|x| x.get_memory(&mut i.store, CLOCK_EXPORT));
        assert!(exported.is_none());
        assert!(clock.shared_memory().is_some());
    }
}
