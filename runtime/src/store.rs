//! What one instance's store holds ([`State`]), and how a guest's host
//! functions are linked into it ([`HostLink`]).

use std::any::{Any, TypeId};

use wasmtime::{Linker, Memory, TypedFunc};
use wasmtime_wasi::p1::WasiP1Ctx;

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
    /// Of an async runtime (see `RuntimeBuilder::async_support`).
    pub(crate) is_async: bool,
    /// The runtime's `max_result_bytes`, for host functions' arguments.
    pub(crate) max_bytes: u64,
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
            is_async: false,
            // The runtime's setting, once the instance's store is made
            // (`instance::start`); no limit for the other stores.
            max_bytes: u64::MAX,
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
        f.debug_struct("HostLink")
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}
