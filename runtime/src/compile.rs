//! Compiling guests: the value a runtime shares with its instances
//! ([`Compiler`]), and each guest compiled once per runtime and host type,
//! woven with its deadline checks, pre-initialised if asked, and linked
//! ([`Compiled`]).

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use wasmtime::{Engine, ExternType, InstancePre, Linker, Module};

use crate::cache::ModuleCache;
use crate::config::Settings;
use crate::deadline::clock::Clock;
use crate::deadline::weave::{self, START_EXPORT};
use crate::error::Error;
use crate::host::failure::unlinked;
use crate::module::GuestModule;
use crate::preinit::{self, PreinitStatus};
use crate::store::{HostLink, State};

/// Compiled guests by module bytes (address, length) and host type.
type CompiledKey = (usize, usize, Option<TypeId>);

/// One guest's place in the map: compiled once, by the first thread that
/// asks; the others wait for it instead of compiling it again.
#[derive(Default)]
pub(crate) struct Slot {
    compiled: OnceLock<Arc<Compiled>>,
    compiling: Mutex<()>,
}

/// A compiled guest, ready to instantiate in microseconds.
pub(crate) struct Compiled {
    pub pre: InstancePre<State>,
    /// The module's start function was deferred by [`weave::weave`].
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

/// What a runtime shares with its instances: the engine and the WASI
/// linker, the settings, the deadline clock, the compilation cache, and the
/// guests compiled so far.
pub(crate) struct Compiler {
    pub engine: Engine,
    pub linker: Linker<State>,
    pub settings: Settings,
    pub compiled: Mutex<HashMap<CompiledKey, Arc<Slot>>>,
    /// The deadline clock guests check (`None` without deadlines).
    pub clock: Option<Clock>,
    /// Compiled guests on disk (`None` unless asked for).
    pub cache: Option<ModuleCache>,
}

impl Compiler {
    /// Compiles a guest, once per runtime and host type: threads that ask
    /// for it while it is being compiled wait for that compilation. A failed
    /// one is not kept; the next thread tries again.
    pub(crate) fn compile(&self, module: &'static GuestModule, host: Option<HostLink>) -> Result<Arc<Compiled>, Error> {
        let key = (module.bytes.as_ptr() as usize, module.bytes.len(), host.map(|h| h.host));
        let slot = self.lock_compiled().entry(key).or_default().clone();
        if let Some(c) = slot.compiled.get() {
            return Ok(c.clone());
        }
        // A panic while compiling leaves nothing half-done in the slot.
        let _compiling = slot.compiling.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(c) = slot.compiled.get() {
            return Ok(c.clone());
        }
        let compiled = self.compile_now(module, host)?;
        Ok(slot.compiled.get_or_init(|| compiled).clone())
    }

    /// Compiles, weaves, pre-initialises and links a guest.
    fn compile_now(&self, module: &'static GuestModule, host: Option<HostLink>) -> Result<Arc<Compiled>, Error> {
        let compile_err = |e: wasmtime::Error| Error::Compile {
            guest: module.name.to_string(),
            reason: format!("{e:#}"),
        };
        let woven = self.clock.as_ref().map(Clock::memory);
        // Pre-initialisation replaces the module by its snapshot, or says
        // why it keeps the normal start-up.
        let (preinit, snapshot) = if self.settings.preinitialize {
            match preinit::snapshot(&self.engine, self.clock.as_ref(), &self.settings, module) {
                Ok(s) => (Some(PreinitStatus::Snapshot), Some(s)),
                Err(reason) => (Some(PreinitStatus::NormalPath(reason)), None),
            }
        } else {
            (None, None)
        };
        let bytes: &[u8] = snapshot.as_ref().map_or(module.bytes, |s| &s.wasm);
        // A snapshot holds a random seed of its own: it is never the same
        // twice, so it is never cached on disk.
        let cache = self.cache.as_ref().filter(|_| snapshot.is_none());
        let cached = cache.and_then(|c| c.load(&self.engine, bytes, woven));
        let wasm = match cached {
            Some(wasm) => wasm,
            None => {
                // With deadlines, the guest gets its checks woven in first.
                let wasm = if let Some(clock) = woven {
                    let bytes = weave::weave(bytes, clock).map_err(|reason| Error::Compile {
                        guest: module.name.to_string(),
                        reason,
                    })?;
                    Module::new(&self.engine, &bytes).map_err(compile_err)?
                } else {
                    Module::new(&self.engine, bytes).map_err(compile_err)?
                };
                if let Some(cache) = cache {
                    cache.store(bytes, woven, &wasm);
                }
                wasm
            }
        };
        let deferred_start = woven.is_some() && wasm.get_export_index(START_EXPORT).is_some();
        let mut linker = self.linker.clone();
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
                if let Some(tracer) = &self.settings.tracer {
                    let _ = tracer.define(&mut linker, import.module(), import.name(), ty);
                    continue;
                }
                let _ = linker.func_new(import.module(), import.name(), ty, move |_, _, _| Err(unlinked(name.clone())));
            }
        }
        linker.define_unknown_imports_as_traps(&wasm).map_err(compile_err)?;
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
        Ok(compiled)
    }

    /// Whether `module`'s instances start from a snapshot
    /// ([`RuntimeBuilder::preinitialize`]), and if not, why: `None` until
    /// the guest is first instantiated in this runtime, or when
    /// pre-initialisation is off.
    pub(crate) fn preinit_status(&self, module: &'static GuestModule) -> Option<PreinitStatus> {
        let key = (module.bytes.as_ptr() as usize, module.bytes.len());
        self.lock_compiled()
            .iter()
            .filter(|(k, _)| (k.0, k.1) == key)
            .find_map(|(_, slot)| slot.compiled.get().and_then(|c| c.preinit.clone()))
    }

    fn lock_compiled(&self) -> std::sync::MutexGuard<'_, HashMap<CompiledKey, Arc<Slot>>> {
        // A panic while holding this lock cannot leave the map inconsistent.
        self.compiled.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Barrier;

    use super::*;
    use crate::module::CONCAT;
    use crate::runtime::Runtime;

    #[test]
    fn threads_asking_for_a_guest_at_once_share_one_compilation() {
        let rt = Runtime::new().unwrap();
        let barrier = Barrier::new(4);
        let compiled: Vec<Arc<Compiled>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(|| {
                        barrier.wait();
                        rt.compiler().compile(&CONCAT, None).unwrap()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for c in &compiled[1..] {
            assert!(Arc::ptr_eq(&compiled[0], c), "a thread compiled the guest again");
        }
        assert!(Arc::ptr_eq(&compiled[0], &rt.compiler().compile(&CONCAT, None).unwrap()));
    }
}
