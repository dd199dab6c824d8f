//! Async host functions: what the generated `link_async` of a guest's
//! `<Guest>AsyncHost` trait calls (see [`super`] for the sync ones).
//!
//! A typed async host call reads its arguments from guest memory first, as
//! owned values, then awaits the host method with the host borrowed from
//! the store (the guest does not run meanwhile, so nothing else can reach
//! it), then writes the results with the guest's `malloc` called through
//! `call_async`. A raw method needs the host and the guest's memory at
//! once: its host is taken out of the store for the call and put back
//! after it. A panic in a host method's future is caught as in the sync
//! path and fails the guest call.

use std::any::Any;
use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::task::Poll;

use wasmtime::AsContextMut;

use crate::error::HostError;
use crate::host::call::{busy, panicked, wrong_host, Args, Caller, HostCallError, HostResult};
use crate::host::failure::fault;
use crate::mem::guest_memory::GuestMemory;

/// Reads the arguments of an async host call with `f`, which copies them
/// out of guest memory (a bad pointer or invalid UTF-8 fails the call).
#[inline]
pub fn read_args<R>(
    caller: &mut Caller<'_>,
    import: &'static str,
    f: impl FnOnce(&Args<'_>) -> Result<R, HostCallError>,
) -> HostResult<R> {
    let limit = caller.data().max_bytes;
    let data = match caller.data().memory {
        Some(m) => m.data(caller.as_context_mut()),
        None => &[],
    };
    f(&Args::new(data, limit)).map_err(|e| fault(import, e.into_reason()))
}

/// The host of type `H`, borrowed from the store while its method runs.
#[inline]
pub fn host<'c, H: 'static>(caller: &'c mut Caller<'_>, import: &'static str) -> HostResult<&'c mut H> {
    match caller.data_mut().host.as_deref_mut() {
        Some(host) => match host.downcast_mut::<H>() {
            Some(h) => Ok(h),
            None => Err(wrong_host(import)),
        },
        None => Err(busy(import)),
    }
}

/// Awaits a host method's future; its error or a panic fails the call.
#[inline]
pub async fn run<R>(import: &'static str, future: impl Future<Output = Result<R, HostError>>) -> HostResult<R> {
    let mut future = pin!(future);
    let outcome = poll_fn(|cx| match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
        Ok(Poll::Pending) => Poll::Pending,
        Ok(Poll::Ready(r)) => Poll::Ready(Ok(r)),
        Err(payload) => Poll::Ready(Err(payload)),
    })
    .await;
    match outcome {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(e)) => Err(fault(import, e.into_message())),
        Err(payload) => Err(panicked(import, payload)),
    }
}

/// The host of a raw async host call, taken out of the store for the call
/// (its method holds the host and the guest's memory at once) until
/// [`Lent::give_back`]. If the call's future is dropped while the method
/// awaits, the host value is dropped with it (and the instance is poisoned,
/// as every cancelled call leaves it).
pub struct Lent(Box<dyn Any + Send>);

/// Takes the host out of the store.
#[inline]
pub fn lend(caller: &mut Caller<'_>, import: &'static str) -> HostResult<Lent> {
    match caller.data_mut().host.take() {
        Some(host) => Ok(Lent(host)),
        None => Err(busy(import)),
    }
}

impl Lent {
    /// The host, of type `H`.
    #[inline]
    pub fn host<H: 'static>(&mut self, import: &'static str) -> HostResult<&mut H> {
        self.0.downcast_mut::<H>().ok_or_else(|| wrong_host(import))
    }

    /// Puts the host back in the store.
    #[inline]
    pub fn give_back(self, caller: &mut Caller<'_>) {
        caller.data_mut().host = Some(self.0);
    }
}

/// The calling guest's memory, for a raw async host method.
#[inline]
pub fn memory<'c>(caller: &'c mut Caller<'_>, import: &'static str) -> GuestMemory<'c> {
    GuestMemory::new(caller.as_context_mut(), import)
}
