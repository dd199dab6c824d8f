//! Guest modules as values: [`LoadedModule`], a module compiled for a
//! runtime and checked against a guest interface, loaded at run time from
//! bytes or a file, or the one a guest embeds, whose exports are found once
//! ([`ExportIndex`]).

use std::any::Any;
use std::path::Path;
use std::sync::Arc;

use crate::compile::{CompiledGuest, ExportIndex};
use crate::error::Error;
use crate::fit::{self, Expectation};
use crate::instance::handle::Instance;
use crate::module::{GuestInfo, GuestModule, ModuleView};
use crate::preinit::PreinitStatus;
use crate::runtime::Runtime;
use crate::store::HostLink;

/// A guest module compiled for a runtime (woven with its deadline checks,
/// pre-initialised if the runtime asks, from the compilation cache if it
/// has one) and checked against the guest interface it was loaded for.
/// Cheap to clone: an `Arc`. Instances made from it behave exactly as those
/// of an embedded guest: deadline, memory cap, sandbox, host functions,
/// `reset`, poisoning, pooling.
///
/// The generated `<Guest>Pre` types wrap it; use those.
#[derive(Clone)]
pub struct LoadedModule {
    runtime: Runtime,
    guest: Arc<CompiledGuest>,
}

impl std::fmt::Debug for LoadedModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedModule")
            .field("guest", &self.guest.name)
            .field("file", &self.guest.file)
            .field("startup", &self.guest.startup)
            .finish_non_exhaustive()
    }
}

impl LoadedModule {
    /// Checks `bytes` against `interface`, then compiles them for
    /// `runtime`. A module that does not fit is refused with
    /// [`Error::Misfit`], which lists every problem; `module` names it in
    /// messages (a path, say).
    pub fn load(runtime: &Runtime, interface: &'static GuestInfo, module: &str, bytes: &[u8]) -> Result<Self, Error> {
        let startup = Expectation::of(interface).check(module, bytes)?;
        let bytes = fit::binary(bytes).map_err(|why| Error::Compile {
            guest: interface.name.to_string(),
            reason: why,
        })?;
        let view = ModuleView {
            name: interface.name,
            file: module,
            bytes: &bytes,
            startup,
            retptr_size: interface.retptr_size,
        };
        let guest = runtime.compiler().compile_guest(view)?;
        Ok(LoadedModule {
            runtime: runtime.clone(),
            guest: Arc::new(guest),
        })
    }

    /// [`Self::load`] from a file.
    pub fn load_file(runtime: &Runtime, interface: &'static GuestInfo, path: &Path) -> Result<Self, Error> {
        let shown = format!("`{}`", path.display());
        let bytes = std::fs::read(path).map_err(|e| Error::ReadModule {
            guest: interface.name.to_string(),
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        Self::load(runtime, interface, &shown, &bytes)
    }

    /// The module a guest embeds, compiled once per runtime (it was
    /// generated from this module, so it fits).
    pub fn embedded(runtime: &Runtime, module: &'static GuestModule) -> Result<Self, Error> {
        Ok(LoadedModule {
            runtime: runtime.clone(),
            guest: runtime.compiler().embedded(module)?,
        })
    }

    /// The runtime it was compiled for.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// The guest interface's name.
    pub fn guest(&self) -> &str {
        &self.guest.name
    }

    /// Whether its instances start from a snapshot, and if not, why
    /// (`None` when pre-initialisation is off).
    pub fn preinit_status(&self) -> Option<PreinitStatus> {
        self.guest.preinit_status()
    }

    /// Finds export `name`, for [`Instance::typed_func_at`].
    pub fn export_index(&self, name: &'static str) -> Result<ExportIndex, Error> {
        match self.guest.module().get_export_index(name) {
            Some(index) => Ok(ExportIndex::new(name, index)),
            None => Err(Error::MissingExport {
                guest: self.guest.name.clone(),
                export: name.to_string(),
                reason: "the module does not export it".into(),
            }),
        }
    }

    /// The table of type `T` that `make` builds from this module (the
    /// generated `<Guest>Indices`), built once per module.
    pub fn indices<T: Any + Send + Sync>(&self, make: impl FnOnce(&Self) -> Result<T, Error>) -> Result<Arc<T>, Error> {
        self.guest.indices(|| make(self))
    }

    /// An instance with no host: its imports, other than WASI, fail when
    /// called, with an error that names them.
    pub fn instantiate(&self) -> Result<Instance, Error> {
        Instance::new(self.runtime.compiler().clone(), self.guest.clone(), None, None).map_err(|(e, _)| e)
    }

    /// An instance whose imports `link` implements with `host`.
    pub fn instantiate_with_host<H: Send + 'static>(&self, host: H, link: HostLink) -> Result<Instance, Error> {
        Instance::new(self.runtime.compiler().clone(), self.guest.clone(), Some(link), Some(Box::new(host)))
            .map_err(|(e, _)| e)
    }

    /// [`Self::instantiate`] on an async runtime
    /// ([`crate::RuntimeBuilder::async_support`]).
    pub async fn instantiate_async(&self) -> Result<Instance, Error> {
        Instance::new_async(self.runtime.compiler().clone(), self.guest.clone(), None, None)
            .await
            .map_err(|(e, _)| e)
    }

    /// [`Self::instantiate_with_host`] on an async runtime, `link` being the
    /// generated async host trait's.
    pub async fn instantiate_with_host_async<H: Send + 'static>(
        &self,
        host: H,
        link: HostLink,
    ) -> Result<Instance, Error> {
        Instance::new_async(self.runtime.compiler().clone(), self.guest.clone(), Some(link), Some(Box::new(host)))
            .await
            .map_err(|(e, _)| e)
    }
}
