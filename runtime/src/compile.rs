//! Compiling guests: the value a runtime shares with its instances
//! ([`Compiler`]), each guest module compiled once, woven with its deadline
//! checks and pre-initialised if asked ([`CompiledGuest`]), and linked once
//! per host type ([`Compiled`]).

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use wasmtime::{Engine, ExternType, InstancePre, Linker, Module, ModuleExport};

use crate::cache::ModuleCache;
use crate::config::Settings;
use crate::deadline::clock::Clock;
use crate::deadline::weave::{self, START_EXPORT};
use crate::error::Error;
use crate::host::failure::unlinked;
use crate::module::{GuestModule, ModuleView};
use crate::preinit::{self, PreinitStatus};
use crate::store::{HostLink, State};
use crate::symbols::DebugSource;
use tinybind_abi::Startup;

/// Embedded guests by module bytes (address, length).
type ModuleKey = (usize, usize);

/// One entry of a map of [`Compiler`]: made once, by the first thread that
/// asks; the others wait for it instead of making it again. A failure is
/// not kept; the next thread tries again.
pub(crate) struct Slot<T> {
    value: OnceLock<Arc<T>>,
    making: Mutex<()>,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Slot {
            value: OnceLock::new(),
            making: Mutex::new(()),
        }
    }
}

impl<T> Slot<T> {
    fn get_or_make(&self, make: impl FnOnce() -> Result<T, Error>) -> Result<Arc<T>, Error> {
        if let Some(v) = self.value.get() {
            return Ok(v.clone());
        }
        // A panic while making leaves nothing half-done in the slot.
        let _making = self.making.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(v) = self.value.get() {
            return Ok(v.clone());
        }
        let made = Arc::new(make()?);
        Ok(self.value.get_or_init(|| made).clone())
    }
}

/// A guest compiled for this runtime: woven with its deadline checks and
/// pre-initialised if asked, not yet linked (the same for every host type).
pub(crate) struct Prepared {
    wasm: Module,
    /// The module's start function was deferred by [`weave::weave`].
    deferred_start: bool,
    preinit: Option<PreinitStatus>,
    retptr: Option<(u32, u32)>,
    arena: Option<(u32, u32)>,
    /// Its DWARF, read when a call traps (`None`: it has none).
    debug: Option<DebugSource>,
}

/// A guest module compiled for a runtime, embedded or loaded at run time:
/// what every instance of it shares. It is linked once per host type, and
/// the export indices of each interface bound to it are resolved once.
pub(crate) struct CompiledGuest {
    /// The guest's name, as errors give it.
    pub name: String,
    /// Where the module came from, for messages.
    pub file: String,
    pub startup: Startup,
    /// Bytes of the retptr area its bindings need (0: none).
    pub retptr_size: u32,
    /// Its compiler puts Go type names in the binary (TinyGo 0.28 and
    /// later), from which Go error messages are read: found from the
    /// module, whatever built the interface's.
    pub go_type_names: bool,
    prepared: Prepared,
    linked: Mutex<HashMap<Option<TypeId>, Arc<Slot<Compiled>>>>,
    /// Tables of export indices, one per type of table.
    indices: Mutex<Vec<(TypeId, Arc<dyn Any + Send + Sync>)>>,
}

impl CompiledGuest {
    /// The compiled module (woven, or the snapshot).
    pub fn module(&self) -> &Module {
        &self.prepared.wasm
    }

    /// Where its traps happened in its Go source, when it carries DWARF.
    pub fn debug(&self) -> Option<&DebugSource> {
        self.prepared.debug.as_ref()
    }

    pub fn preinit_status(&self) -> Option<PreinitStatus> {
        self.prepared.preinit.clone()
    }

    /// The guest linked with WASI and the host functions of `host`, once
    /// per host type.
    pub fn linked(&self, compiler: &Compiler, host: Option<HostLink>) -> Result<Arc<Compiled>, Error> {
        let slot = lock(&self.linked).entry(host.map(|h| h.host)).or_default().clone();
        slot.get_or_make(|| compiler.link(self, host))
    }

    /// The table of type `T` made by `make`, once per guest.
    pub fn indices<T: Any + Send + Sync>(&self, make: impl FnOnce() -> Result<T, Error>) -> Result<Arc<T>, Error> {
        let found = |tables: &[(TypeId, Arc<dyn Any + Send + Sync>)]| {
            tables
                .iter()
                .find(|(id, _)| *id == TypeId::of::<T>())
                .and_then(|(_, table)| table.clone().downcast::<T>().ok())
        };
        if let Some(table) = found(&self.indices.lock().unwrap_or_else(|p| p.into_inner())) {
            return Ok(table);
        }
        let made = Arc::new(make()?);
        let mut tables = self.indices.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(table) = found(&tables) {
            return Ok(table);
        }
        tables.push((TypeId::of::<T>(), made.clone()));
        Ok(made)
    }
}

/// Whether the `producers` section names TinyGo 0.28 or later.
fn names_go_types(bytes: &[u8]) -> bool {
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        let Ok(wasmparser::Payload::CustomSection(section)) = payload else {
            continue;
        };
        let wasmparser::KnownCustom::Producers(reader) = section.as_known() else {
            continue;
        };
        return reader
            .into_iter()
            .flatten()
            .filter(|field| field.name == "processed-by")
            .flat_map(|field| field.values.into_iter().flatten())
            .any(|value| value.name == "TinyGo" && tinybind_abi::tinygo_names_types(value.version));
    }
    false
}

/// An export of a compiled module, found once
/// ([`crate::LoadedModule::export_index`]), to look up in each instance
/// without its name ([`crate::Instance::typed_func_at`]).
#[derive(Clone)]
pub struct ExportIndex {
    name: &'static str,
    index: ModuleExport,
}

impl std::fmt::Debug for ExportIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ExportIndex").field(&self.name).finish()
    }
}

impl ExportIndex {
    pub(crate) fn new(name: &'static str, index: ModuleExport) -> Self {
        ExportIndex { name, index }
    }

    /// The export's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    pub(crate) fn index(&self) -> &ModuleExport {
        &self.index
    }
}

/// A compiled guest linked for one host type, ready to instantiate in
/// microseconds.
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
/// guests compiled and linked so far.
pub(crate) struct Compiler {
    pub engine: Engine,
    pub linker: Linker<State>,
    pub settings: Settings,
    /// The embedded guests compiled so far (those loaded at run time belong
    /// to their `LoadedModule`).
    embedded: Mutex<HashMap<ModuleKey, Arc<Slot<CompiledGuest>>>>,
    /// The deadline clock guests check (`None` without deadlines).
    pub clock: Option<Clock>,
    /// Compiled guests on disk (`None` unless asked for).
    pub cache: Option<ModuleCache>,
}

impl Compiler {
    pub(crate) fn new(
        engine: Engine,
        linker: Linker<State>,
        settings: Settings,
        clock: Option<Clock>,
        cache: Option<ModuleCache>,
    ) -> Compiler {
        Compiler {
            engine,
            linker,
            settings,
            embedded: Mutex::default(),
            clock,
            cache,
        }
    }

    /// Compiles, weaves and pre-initialises an embedded guest, once per
    /// runtime: threads that ask for it meanwhile wait for that one
    /// compilation.
    pub(crate) fn embedded(&self, module: &'static GuestModule) -> Result<Arc<CompiledGuest>, Error> {
        let key = (module.bytes.as_ptr() as usize, module.bytes.len());
        let slot = lock(&self.embedded).entry(key).or_default().clone();
        slot.get_or_make(|| self.compile_guest(module.view()))
    }

    /// An embedded guest compiled and linked, once per runtime and host type.
    #[cfg(test)]
    pub(crate) fn compile(&self, module: &'static GuestModule, host: Option<HostLink>) -> Result<Arc<Compiled>, Error> {
        self.embedded(module)?.linked(self, host)
    }

    /// Compiles, weaves and pre-initialises a guest module, for a
    /// [`CompiledGuest`] of its own.
    pub(crate) fn compile_guest(&self, module: ModuleView<'_>) -> Result<CompiledGuest, Error> {
        Ok(CompiledGuest {
            name: module.name.to_string(),
            file: module.file.to_string(),
            startup: module.startup,
            retptr_size: module.retptr_size,
            go_type_names: names_go_types(module.bytes),
            prepared: self.prepare_now(module)?,
            linked: Mutex::default(),
            indices: Mutex::default(),
        })
    }

    /// Compiles, weaves and pre-initialises a guest.
    fn prepare_now(&self, module: ModuleView<'_>) -> Result<Prepared, Error> {
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
        let debug = DebugSource::of(module.bytes, woven.map(|clock| (snapshot.as_ref().map(|s| &s.wasm[..]), clock)));
        Ok(Prepared {
            wasm,
            deferred_start,
            preinit,
            retptr: snapshot.as_ref().and_then(|s| s.retptr),
            arena: snapshot.as_ref().and_then(|s| s.arena),
            debug,
        })
    }

    /// Links a compiled guest with WASI and the host functions of `host`.
    fn link(&self, module: &CompiledGuest, host: Option<HostLink>) -> Result<Compiled, Error> {
        let prepared = &module.prepared;
        let wasm = &prepared.wasm;
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
        let instantiate_err = |e: wasmtime::Error| Error::Instantiate {
            guest: module.name.to_string(),
            reason: format!("{e:#}"),
        };
        linker
            .define_unknown_imports_as_traps(wasm)
            .map_err(|e| Error::Compile {
                guest: module.name.to_string(),
                reason: format!("{e:#}"),
            })?;
        let pre = linker.instantiate_pre(wasm).map_err(instantiate_err)?;
        Ok(Compiled {
            pre,
            deferred_start: prepared.deferred_start,
            preinit: prepared.preinit.clone(),
            retptr: prepared.retptr,
            arena: prepared.arena,
        })
    }

    /// Whether `module`'s instances start from a snapshot
    /// ([`RuntimeBuilder::preinitialize`]), and if not, why: `None` until
    /// the guest is first prepared in this runtime, or when
    /// pre-initialisation is off.
    pub(crate) fn preinit_status(&self, module: &'static GuestModule) -> Option<PreinitStatus> {
        let key = (module.bytes.as_ptr() as usize, module.bytes.len());
        lock(&self.embedded)
            .get(&key)
            .and_then(|slot| slot.value.get())
            .and_then(|g| g.preinit_status())
    }
}

fn lock<K, T>(map: &Mutex<HashMap<K, Arc<Slot<T>>>>) -> std::sync::MutexGuard<'_, HashMap<K, Arc<Slot<T>>>> {
    // A panic while holding this lock cannot leave the map inconsistent.
    map.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
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

    #[test]
    fn a_prepared_guest_is_compiled_once_for_every_host_type() {
        let rt = Runtime::builder().preinitialize(true).build().unwrap();
        assert_eq!(rt.preinit_status(&CONCAT), None, "nothing is compiled before it is asked for");
        rt.prepare(&CONCAT).unwrap();
        assert_eq!(rt.preinit_status(&CONCAT), Some(PreinitStatus::Snapshot));
        let prepared = rt.compiler().embedded(&CONCAT).unwrap();
        // Linking for a host type reuses the compiled module: no second
        // `Module` (its code would be a second copy in the engine).
        let unhosted = rt.compiler().compile(&CONCAT, None).unwrap();
        assert!(Arc::ptr_eq(&prepared, &rt.compiler().embedded(&CONCAT).unwrap()));
        assert!(Module::same(unhosted.pre.module(), prepared.module()));
        assert!(unhosted.snapshotted());
    }
}
