//! The async API of an instance, for runtimes built with
//! [`crate::RuntimeBuilder::async_support`]: the same calls as the sync
//! ones, through wasmtime's `call_async`, so that a host function can await
//! and a busy guest yields (see `deadline::yielding`). The generated
//! `<Guest>Async` bindings call these.

use wasmtime::{TypedFunc, WasmParams, WasmResults};

use crate::error::Error;
use crate::instance::handle::{Exec, Instance};
use crate::mem::bounds::{self, GuestSlice};

impl Instance {
    /// [`Self::call`] on an async runtime: the guest runs on a fiber, and
    /// the future is pending while a host function awaits or while the
    /// guest yields to the executor.
    ///
    /// A call whose future is dropped before it completes leaves the guest
    /// half-way through: the instance is then poisoned, as after a trap.
    #[inline]
    pub async fn call_async<P, R>(
        &mut self,
        export: &'static str,
        func: &TypedFunc<P, R>,
        params: P,
    ) -> Result<R, Error>
    where
        P: WasmParams + Send + Sync,
        R: WasmResults + Send + Sync,
    {
        self.call_in(export, func, params, Exec::Async).await
    }

    #[doc(hidden)]
    /// [`Self::write_args`] on an async runtime (growing the arena calls
    /// the guest's `malloc`).
    #[inline]
    pub async fn write_args_async<const N: usize>(
        &mut self,
        export: &'static str,
        args: [&[u8]; N],
    ) -> Result<[GuestSlice; N], Error> {
        self.check_async(export)?;
        let total: u64 = args.iter().map(|a| bounds::padded(a.len())).sum();
        if self.needs_arena(total) {
            self.grow_arena(export, total, Exec::Async).await?;
        }
        let mut out = [GuestSlice::default(); N];
        self.copy_args(export, &args, &mut out)?;
        Ok(out)
    }

    /// Whether the instance belongs to an async runtime.
    pub fn is_async(&self) -> bool {
        self.is_async
    }
}
