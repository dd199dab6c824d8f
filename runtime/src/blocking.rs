//! Running guest code from a thread that may be inside a tokio runtime.
//!
//! The sync WASI of `wasmtime-wasi` runs every WASI call (`fd_write`,
//! `clock_time_get`, `random_get`, files, ...) with `Handle::block_on` on
//! the ambient tokio runtime, and `block_on` panics ("Cannot start a runtime
//! from within a runtime") on a thread that is already driving one: an
//! `async fn`, a `#[tokio::main]` body, a task on a worker thread. A guest
//! that only computes never gets there, which hides it until the first
//! `println`.
//!
//! [`outside_async`] wraps every entry into guest code so that this cannot
//! happen:
//! - outside tokio, or on a thread of `spawn_blocking` (the fast way to call
//!   guests from async code), the code runs as it is;
//! - on a multi-threaded runtime, in `tokio::task::block_in_place`, which
//!   hands the worker's other tasks to another thread while the guest runs;
//! - on a current-thread runtime, where blocking in place is not possible,
//!   on a helper thread, while this one waits.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use tokio::runtime::{Handle, RuntimeFlavor};

/// Runs `f` (a call into guest code) where the sync WASI can block.
///
/// Outside tokio this costs one look at tokio's thread-local context (about
/// 2 ns, `split` in `benches/calls.rs`) and `f` runs in line: the handle is
/// only taken, and `f` moved, on the cold path.
#[inline(always)]
pub(crate) fn outside_async<R: Send>(f: impl FnOnce() -> wasmtime::Result<R> + Send) -> wasmtime::Result<R> {
    if Handle::try_current().is_err() {
        return f();
    }
    inside_tokio(f)
}

#[cold]
#[inline(never)]
fn inside_tokio<R: Send>(f: impl FnOnce() -> wasmtime::Result<R> + Send) -> wasmtime::Result<R> {
    let Ok(handle) = Handle::try_current() else {
        return f();
    };
    if handle.runtime_flavor() == RuntimeFlavor::MultiThread {
        return tokio::task::block_in_place(f);
    }
    // A thread of its own has no ambient runtime: the sync WASI uses its
    // own, as outside tokio.
    std::thread::scope(|scope| {
        match std::thread::Builder::new()
            .name("tinybind-guest".into())
            .spawn_scoped(scope, f)
        {
            Ok(thread) => thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(e) => Err(wasmtime::Error::msg(format!(
                "cannot start a thread to run the guest outside the current-thread tokio runtime ({e}); \
             call it from tokio::task::spawn_blocking"
            ))),
        }
    })
}

/// Runs a future that never waits, on this thread: code written once for
/// both the sync and the async API (instantiation, allocation), run through
/// the sync one; and wizer's snapshot, `async` only for runtimes whose state
/// reads are.
pub(crate) fn ready_now<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}
