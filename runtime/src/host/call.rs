//! Calling a host method from a guest's import: the host value is lent out
//! of the store for the call (see [`super`]), the arguments are read from
//! guest memory with bounds checks, and a failure or a panic becomes the
//! error that stops the guest.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use wasmtime::{AsContext, AsContextMut};

use crate::error::HostError;
use crate::host::failure::fault;
use crate::mem::bounds::{self, Primitive};
use crate::mem::guest_memory::GuestMemory;
use crate::store::State;

/// The `Caller` of a host function: the calling guest's store.
pub type Caller<'a> = wasmtime::Caller<'a, State>;

/// The linker the generated `link` functions define host functions in.
pub type Linker = wasmtime::Linker<State>;

/// What a generated `link` function returns.
pub type LinkResult = wasmtime::Result<()>;

/// What a host function closure returns to wasmtime.
pub type HostResult<T> = wasmtime::Result<T>;

/// The host of a guest created without one (`Guest::new`): every method of
/// the guest's host trait keeps its default body, which fails with an
/// "unimplemented" [`HostError`] naming the import.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoHost;

/// A failed host call, as the closures of [`call`] return it: a host
/// method's [`HostError`] (converted with `?`) or a bad argument.
#[derive(Debug)]
pub struct HostCallError(Cause);

#[derive(Debug)]
enum Cause {
    Host(HostError),
    Guest(String),
}

impl From<HostError> for HostCallError {
    fn from(e: HostError) -> Self {
        HostCallError(Cause::Host(e))
    }
}

impl HostCallError {
    fn guest(reason: String) -> Self {
        HostCallError(Cause::Guest(reason))
    }

    pub(crate) fn into_reason(self) -> String {
        match self.0 {
            Cause::Host(e) => e.into_message(),
            Cause::Guest(reason) => reason,
        }
    }
}

/// The arguments of a typed host call: bounds-checked views of guest memory.
pub struct Args<'a> {
    data: &'a [u8],
    /// The most bytes one argument may take (`max_result_bytes`).
    limit: u64,
}

impl<'a> Args<'a> {
    /// The arguments found in the guest memory `data`, none larger than
    /// `limit` bytes.
    pub(crate) fn new(data: &'a [u8], limit: u64) -> Self {
        Args { data, limit }
    }

    /// Refuses an argument of `size` bytes over the limit, before it is read.
    #[inline(always)]
    fn within_limit(&self, size: u64) -> Result<(), HostCallError> {
        match size > self.limit {
            true => Err(self.too_large(size)),
            false => Ok(()),
        }
    }

    #[cold]
    #[inline(never)]
    fn too_large(&self, size: u64) -> HostCallError {
        HostCallError::guest(format!(
            "the guest passed {size} bytes in one argument, more than the runtime's max_result_bytes ({})",
            self.limit
        ))
    }
}

impl<'a> Args<'a> {
    /// The bytes `[ptr, ptr + len)`; a Go string or `[]byte` argument.
    #[inline(always)]
    pub fn bytes(&self, ptr: i32, len: i32) -> Result<&'a [u8], HostCallError> {
        let (ptr, len) = (ptr as u32, len as u32);
        if len == 0 {
            return Ok(&[]);
        }
        match bounds::region(self.data, ptr, u64::from(len)) {
            Some(bytes) => self.within_limit(u64::from(len)).map(|()| bytes),
            None => Err(self.out_of_bounds(ptr, u64::from(len))),
        }
    }

    /// A Go `string` argument; one that is not UTF-8 fails the call.
    #[inline(always)]
    pub fn str(&self, ptr: i32, len: i32) -> Result<&'a str, HostCallError> {
        let bytes = self.bytes(ptr, len)?;
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s),
            Err(e) => Err(not_utf8(e)),
        }
    }

    /// A Go `[]string` argument: each header and string checked.
    pub fn strings(&self, ptr: i32, len: i32) -> Result<Vec<&'a str>, HostCallError> {
        let (ptr, count) = (ptr as u32, u64::from(len as u32));
        let Some(headers) = bounds::region(self.data, ptr, count * 8) else {
            return Err(self.out_of_bounds(ptr, count * 8));
        };
        let strings = headers
            .chunks_exact(8)
            .map(|h| {
                let p = i32::from_le_bytes([h[0], h[1], h[2], h[3]]);
                let n = i32::from_le_bytes([h[4], h[5], h[6], h[7]]);
                self.str(p, n)
            })
            .collect::<Result<Vec<&'a str>, _>>()?;
        // The slice as a whole, headers and strings, is one argument.
        self.within_limit(count * 8 + strings.iter().map(|s| s.len() as u64).sum::<u64>())?;
        Ok(strings)
    }

    /// A Go slice of scalars, copied (guest memory need not be aligned).
    pub fn slice<T: Primitive>(&self, ptr: i32, len: i32) -> Result<Vec<T>, HostCallError> {
        let (ptr, count) = (ptr as u32, u64::from(len as u32));
        if count == 0 {
            return Ok(Vec::new());
        }
        let size = count * T::SIZE as u64;
        match bounds::region(self.data, ptr, size) {
            Some(bytes) => {
                self.within_limit(size)?;
                Ok(bytes.chunks_exact(T::SIZE).map(T::read).collect())
            }
            None => Err(self.out_of_bounds(ptr, size)),
        }
    }

    #[cold]
    #[inline(never)]
    fn out_of_bounds(&self, ptr: u32, len: u64) -> HostCallError {
        HostCallError::guest(format!(
            "the guest passed {len} bytes at {ptr:#x}, outside its memory of {} bytes",
            self.data.len()
        ))
    }
}

#[cold]
#[inline(never)]
fn not_utf8(e: std::str::Utf8Error) -> HostCallError {
    HostCallError::guest(format!("the guest passed a string that is not UTF-8: {e}"))
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
pub(crate) fn busy(import: &'static str) -> wasmtime::Error {
    fault(import, "the host is busy: the guest called a host function from inside another host call".into())
}

#[cold]
#[inline(never)]
pub(crate) fn wrong_host(import: &'static str) -> wasmtime::Error {
    fault(import, "the instance holds a host of another type".into())
}

#[cold]
#[inline(never)]
pub(crate) fn panicked(import: &'static str, payload: Box<dyn Any + Send>) -> wasmtime::Error {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_string());
    fault(import, format!("the host method panicked: {message}"))
}

#[cold]
#[inline(never)]
fn failed(import: &'static str, f: HostCallError) -> wasmtime::Error {
    fault(import, f.into_reason())
}

/// Calls a typed host method: `f` gets the host and the arguments' view of
/// guest memory. `import` is `module.name`, for errors.
#[inline(always)]
pub fn call<H: 'static, R>(
    caller: &mut Caller<'_>,
    import: &'static str,
    f: impl FnOnce(&mut H, &Args<'_>) -> Result<R, HostCallError>,
) -> HostResult<R> {
    lend_host(caller, import, |host: &mut H, caller| {
        let limit = caller.data().max_bytes;
        let data = match caller.data().memory {
            Some(m) => m.data(caller.as_context()),
            None => &[],
        };
        f(host, &Args::new(data, limit))
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
        f(host, &mut memory).map_err(HostCallError::from)
    })
}

/// Runs `f` with the host taken out of the store (see the module's docs),
/// catching a panic, and puts the host back whatever happened.
#[inline(always)]
fn lend_host<H: 'static, R>(
    caller: &mut Caller<'_>,
    import: &'static str,
    f: impl FnOnce(&mut H, &mut Caller<'_>) -> Result<R, HostCallError>,
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
