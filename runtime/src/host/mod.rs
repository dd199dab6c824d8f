//! Host functions: what the generated host-trait glue calls when a guest
//! calls one of its imports.
//!
//! The generated code links one closure per import (see `link` in a guest's
//! module). Each closure reads its arguments from guest memory through
//! [`call`] (typed methods) or hands the method a [`GuestMemory`] through
//! [`call_raw`] (raw methods), and writes results that do not fit in one
//! wasm value through [`write_results`] (in `results.rs`).
//!
//! The host value lives in the store (so that the closures reach it through
//! the `Caller`). For the length of one host call it is taken out of the
//! store and put back afterwards, so that a raw method can hold both the host
//! (`&mut self`) and the guest's memory, which can call the guest's
//! `malloc`. A guest that re-enters the host from inside that `malloc` gets a
//! "host is busy" error instead of a second `&mut` to the host.
//!
//! A host method that panics does not unwind through the guest: the panic is
//! caught, the guest call fails with [`crate::Error::Host`] ("panicked: ..."),
//! the instance is poisoned as after a trap, and the host value is kept as it
//! was when the panic happened (as `std::sync::Mutex` poisoning does, the
//! host's own invariants are the host's to check; `reset()` keeps it).

mod results;
mod trace;

use std::any::Any;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

use wasmtime::{AsContext, AsContextMut};

pub use results::{write_results, Out};
pub use trace::{ImportShape, ImportTracer, TracedCall};

use crate::memory::{self, Scalar};
use crate::runtime::State;
use crate::GuestMemory;

/// The `Caller` of a host function: the calling guest's store.
pub type Caller<'a> = wasmtime::Caller<'a, State>;

/// The linker the generated `link` functions define host functions in.
pub type Linker = wasmtime::Linker<State>;

/// What a generated `link` function returns.
pub type LinkResult = wasmtime::Result<()>;

/// What a host function closure returns to wasmtime.
pub type HostResult<T> = wasmtime::Result<T>;

/// A failure of a host method, returned to stop the guest: the export call
/// fails with [`crate::Error::Host`], which names the import and carries this
/// message, and the instance is poisoned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostError {
    message: String,
    unimplemented: bool,
}

impl HostError {
    pub fn new(message: impl Into<String>) -> Self {
        HostError {
            message: message.into(),
            unimplemented: false,
        }
    }

    /// What a host trait method that the host does not implement returns.
    pub fn unimplemented(import: &str) -> Self {
        HostError {
            message: format!(
                "not implemented by the host; the guest needs a host function for `{import}`"
            ),
            unimplemented: true,
        }
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether this is the error of an unimplemented method.
    pub fn is_unimplemented(&self) -> bool {
        self.unimplemented
    }
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for HostError {}

impl From<String> for HostError {
    fn from(message: String) -> Self {
        HostError::new(message)
    }
}

impl From<&str> for HostError {
    fn from(message: &str) -> Self {
        HostError::new(message)
    }
}

/// The host of a guest created without one (`Guest::new`): every method of
/// the guest's host trait keeps its default body, which fails with an
/// "unimplemented" [`HostError`] naming the import.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoHost;

/// Why a host call stopped the guest. Carried inside the wasmtime error
/// that the host function returns, and turned into [`crate::Error::Host`]
/// by the instance.
#[derive(Debug)]
pub(crate) struct HostFault {
    /// `module.name`.
    pub import: String,
    pub reason: String,
}

impl fmt::Display for HostFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "host function `{}`: {}", self.import, self.reason)
    }
}

impl std::error::Error for HostFault {}

/// A failed host call, as the closures of [`call`] return it: a host
/// method's [`HostError`] (converted with `?`) or a bad argument.
#[derive(Debug)]
pub struct Fault(Reason);

#[derive(Debug)]
enum Reason {
    Host(HostError),
    Guest(String),
}

impl From<HostError> for Fault {
    fn from(e: HostError) -> Self {
        Fault(Reason::Host(e))
    }
}

impl Fault {
    fn guest(reason: String) -> Self {
        Fault(Reason::Guest(reason))
    }

    fn into_reason(self) -> String {
        match self.0 {
            Reason::Host(e) => e.message,
            Reason::Guest(reason) => reason,
        }
    }
}

#[cold]
#[inline(never)]
pub(crate) fn fault(import: &str, reason: String) -> wasmtime::Error {
    wasmtime::Error::new(HostFault {
        import: import.to_string(),
        reason,
    })
}

/// The error of an import that nothing implements (not in the guest's host
/// trait: TinyGo's JS runtime imports, imports of unusable types).
pub(crate) fn unlinked(import: String) -> wasmtime::Error {
    wasmtime::Error::new(HostFault {
        import,
        reason: "no host function is linked for it (it is not part of the guest's host trait); \
                 the guest needs a host function here"
            .into(),
    })
}

/// The arguments of a typed host call: bounds-checked views of guest memory.
pub struct Args<'a> {
    data: &'a [u8],
}

impl<'a> Args<'a> {
    /// The bytes `[ptr, ptr + len)`; a Go string or `[]byte` argument.
    #[inline(always)]
    pub fn bytes(&self, ptr: i32, len: i32) -> Result<&'a [u8], Fault> {
        let (ptr, len) = (ptr as u32, len as u32);
        if len == 0 {
            return Ok(&[]);
        }
        match memory::region(self.data, ptr, u64::from(len)) {
            Some(bytes) => Ok(bytes),
            None => Err(self.out_of_bounds(ptr, u64::from(len))),
        }
    }

    /// A Go `string` argument; one that is not UTF-8 fails the call.
    #[inline(always)]
    pub fn str(&self, ptr: i32, len: i32) -> Result<&'a str, Fault> {
        let bytes = self.bytes(ptr, len)?;
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s),
            Err(e) => Err(not_utf8(e)),
        }
    }

    /// A Go `[]string` argument: each header and string checked.
    pub fn strings(&self, ptr: i32, len: i32) -> Result<Vec<&'a str>, Fault> {
        let (ptr, count) = (ptr as u32, u64::from(len as u32));
        let Some(headers) = memory::region(self.data, ptr, count * 8) else {
            return Err(self.out_of_bounds(ptr, count * 8));
        };
        headers
            .chunks_exact(8)
            .map(|h| {
                let p = i32::from_le_bytes([h[0], h[1], h[2], h[3]]);
                let n = i32::from_le_bytes([h[4], h[5], h[6], h[7]]);
                self.str(p, n)
            })
            .collect()
    }

    /// A Go slice of scalars, copied (guest memory need not be aligned).
    pub fn slice<T: Scalar>(&self, ptr: i32, len: i32) -> Result<Vec<T>, Fault> {
        let (ptr, count) = (ptr as u32, u64::from(len as u32));
        if count == 0 {
            return Ok(Vec::new());
        }
        let size = count * T::SIZE as u64;
        match memory::region(self.data, ptr, size) {
            Some(bytes) => Ok(bytes.chunks_exact(T::SIZE).map(T::read).collect()),
            None => Err(self.out_of_bounds(ptr, size)),
        }
    }

    #[cold]
    #[inline(never)]
    fn out_of_bounds(&self, ptr: u32, len: u64) -> Fault {
        Fault::guest(format!(
            "the guest passed {len} bytes at {ptr:#x}, outside its memory of {} bytes",
            self.data.len()
        ))
    }
}

#[cold]
#[inline(never)]
fn not_utf8(e: std::str::Utf8Error) -> Fault {
    Fault::guest(format!("the guest passed a string that is not UTF-8: {e}"))
}

/// Takes the host out of the store for one call.
#[inline(always)]
fn take_host(caller: &mut Caller<'_>, import: &'static str) -> wasmtime::Result<Box<dyn Any + Send>> {
    match caller.data_mut().host.take() {
        Some(host) => Ok(host),
        None => Err(busy(import)),
    }
}

#[cold]
#[inline(never)]
fn busy(import: &'static str) -> wasmtime::Error {
    fault(
        import,
        "the host is busy: the guest called a host function from inside another host call"
            .into(),
    )
}

#[cold]
#[inline(never)]
fn wrong_host(import: &'static str) -> wasmtime::Error {
    fault(import, "the instance holds a host of another type".into())
}

#[cold]
#[inline(never)]
fn panicked(import: &'static str, payload: Box<dyn Any + Send>) -> wasmtime::Error {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_string());
    fault(import, format!("the host method panicked: {message}"))
}

#[cold]
#[inline(never)]
fn failed(import: &'static str, f: Fault) -> wasmtime::Error {
    fault(import, f.into_reason())
}

/// Calls a typed host method: `f` gets the host and the arguments' view of
/// guest memory. `import` is `module.name`, for errors.
#[inline(always)]
pub fn call<H: 'static, R>(
    caller: &mut Caller<'_>,
    import: &'static str,
    f: impl FnOnce(&mut H, &Args<'_>) -> Result<R, Fault>,
) -> HostResult<R> {
    lend_host(caller, import, |host: &mut H, caller| {
        let data = match caller.data().memory {
            Some(m) => m.data(caller.as_context()),
            None => &[],
        };
        f(host, &Args { data })
    })
}

/// Calls a raw host method: `f` gets the host and the calling guest's
/// memory, with its allocator.
pub fn call_raw<H: 'static, R>(
    caller: &mut Caller<'_>,
    import: &'static str,
    f: impl FnOnce(&mut H, &mut GuestMemory<'_>) -> Result<R, HostError>,
) -> HostResult<R> {
    lend_host(caller, import, |host: &mut H, caller| {
        let mut memory = GuestMemory::new(caller.as_context_mut(), import);
        f(host, &mut memory).map_err(Fault::from)
    })
}

/// Runs `f` with the host taken out of the store (see the module's docs),
/// catching a panic, and puts the host back whatever happened.
#[inline(always)]
fn lend_host<H: 'static, R>(
    caller: &mut Caller<'_>,
    import: &'static str,
    f: impl FnOnce(&mut H, &mut Caller<'_>) -> Result<R, Fault>,
) -> HostResult<R> {
    let mut host = take_host(caller, import)?;
    let outcome = match host.downcast_mut::<H>() {
        Some(h) => catch_unwind(AssertUnwindSafe(|| f(h, caller))),
        None => {
            caller.data_mut().host = Some(host);
            return Err(wrong_host(import));
        }
    };
    caller.data_mut().host = Some(host);
    match outcome {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(e)) => Err(failed(import, e)),
        Err(payload) => Err(panicked(import, payload)),
    }
}
