//! Host functions: what the generated host-trait glue calls when a guest
//! calls one of its imports.
//!
//! The generated code links one closure per import (see `link` in a guest's
//! module). Each closure reads its arguments from guest memory through
//! [`call`] (typed methods) or hands the method a [`GuestMemory`] through
//! [`call_raw`] (raw methods), and writes results that do not fit in one
//! wasm value through [`write_results`].
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

use std::any::Any;
use std::borrow::Cow;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

use wasmtime::{AsContext, AsContextMut};

use crate::memory::{self, Scalar};
use crate::runtime::State;
use crate::{GoInterface, GuestMemory};

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
fn fault(import: &str, reason: String) -> wasmtime::Error {
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
    let mut host = take_host(caller, import)?;
    let memory = caller.data().memory;
    let outcome = match host.downcast_mut::<H>() {
        Some(h) => {
            let data = match &memory {
                Some(m) => m.data(caller.as_context()),
                None => &[],
            };
            let args = Args { data };
            catch_unwind(AssertUnwindSafe(|| f(h, &args)))
        }
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

/// Calls a raw host method: `f` gets the host and the calling guest's
/// memory, with its allocator.
pub fn call_raw<H: 'static, R>(
    caller: &mut Caller<'_>,
    import: &'static str,
    f: impl FnOnce(&mut H, &mut GuestMemory<'_>) -> Result<R, HostError>,
) -> HostResult<R> {
    let mut host = take_host(caller, import)?;
    let outcome = match host.downcast_mut::<H>() {
        Some(h) => {
            let mut memory = GuestMemory::new(caller.as_context_mut(), import);
            catch_unwind(AssertUnwindSafe(|| f(h, &mut memory)))
        }
        None => {
            caller.data_mut().host = Some(host);
            return Err(wrong_host(import));
        }
    };
    caller.data_mut().host = Some(host);
    match outcome {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(e)) => Err(failed(import, e.into())),
        Err(payload) => Err(panicked(import, payload)),
    }
}

/// One result a host method gives back through the retptr.
#[derive(Clone, Debug)]
pub enum Out<'a> {
    Bool(bool),
    I8(i8),
    I16(i16),
    I32(i32),
    I64(i64),
    U8(u8),
    U16(u16),
    U32(u32),
    U64(u64),
    F32(f32),
    F64(f64),
    /// A Go `string`: `{ptr, len}`, the bytes in guest memory.
    String(&'a str),
    /// A Go `[]byte`: `{ptr, len, cap}`.
    Bytes(&'a [u8]),
    /// A Go slice of other scalars: `{ptr, len, cap}` of `len` elements.
    Slice { bytes: Cow<'a, [u8]>, len: u32 },
    /// A Go interface: `{typecode, value}`.
    Interface(GoInterface),
}

impl<'a> Out<'a> {
    /// A slice of scalars, laid out as Go lays it out.
    pub fn slice<T: Scalar>(items: &[T]) -> Out<'static> {
        Out::Slice {
            bytes: Cow::Owned(memory::to_le_bytes(items)),
            len: items.len() as u32,
        }
    }

    /// The bytes this result puts in guest memory, if any.
    fn payload(&self) -> Option<&[u8]> {
        match self {
            Out::String(s) => Some(s.as_bytes()),
            Out::Bytes(b) => Some(b),
            Out::Slice { bytes, .. } => Some(bytes),
            _ => None,
        }
    }
}

/// Writes a host method's results to the guest's retptr area of `size`
/// bytes, each field at its offset.
///
/// Strings and slices need guest memory that outlives the call. They are
/// placed in ONE block from the guest's exported `malloc`, the headers are
/// written to the retptr, and the block is then passed to the guest's
/// `free`. Why this is safe against TinyGo's garbage collector, and leaks
/// nothing:
///
/// - TinyGo 0.26 and later keep every `malloc` block in a map (a GC root)
///   until `free`. While the host writes, the block is held by that map. One
///   block for all results means no second `malloc` (which may collect) runs
///   while an earlier result is held by the host alone.
/// - `free` only deletes the map entry (it does not allocate, so no
///   collection runs during it). From then on the block is reachable from
///   the retptr area, which is the caller's frame on the guest's stack in
///   linear memory, scanned conservatively by TinyGo's GC, and once the guest
///   has loaded the `{ptr, len}` it is an ordinary Go value, kept alive like
///   any string a Go function returns. No guest code runs between `free` and
///   the guest's load.
/// - Before TinyGo 0.26, `malloc` returns memory the GC owns from the start
///   and `free` does nothing: the block is reachable from the retptr the same
///   way, and is collected once the guest drops it.
///
/// So the block becomes garbage when the guest drops the value: 100,000 such
/// results in one export call leave guest memory flat (tested in
/// `tests/host.rs`). The memory view is read again after `malloc`, which may
/// grow memory.
pub fn write_results(
    caller: &mut Caller<'_>,
    import: &'static str,
    retptr: i32,
    size: u32,
    fields: &[(u32, Out<'_>)],
) -> HostResult<()> {
    let retptr = retptr as u32;
    let total: u64 = fields
        .iter()
        .filter_map(|(_, o)| o.payload())
        .map(|p| memory::padded(p.len()))
        .sum();
    let block = if total > 0 { Some(allocate(caller, import, total)?) } else { None };
    let Some(mem) = caller.data().memory else {
        return Err(fault(import, "the guest exports no memory".into()));
    };
    let data = mem.data_mut(caller.as_context_mut());
    if memory::region(data, retptr, u64::from(size)).is_none() {
        let reason = format!(
            "the guest's result area of {size} bytes at {retptr:#x} is outside its memory of {} \
             bytes",
            data.len()
        );
        return Err(fault(import, reason));
    }
    let mut next = block.unwrap_or(0);
    for (offset, out) in fields {
        let at = retptr.wrapping_add(*offset);
        let payload = out.payload();
        if let Some(bytes) = payload {
            // Inside the block `allocate` checked against memory.
            put(data, next, bytes);
        }
        match out {
            Out::String(s) => header(data, at, next, s.len() as u32, false),
            Out::Bytes(b) => header(data, at, next, b.len() as u32, true),
            Out::Slice { len, .. } => header(data, at, next, *len, true),
            Out::Bool(v) => put(data, at, &[u8::from(*v)]),
            Out::I8(v) => put(data, at, &v.to_le_bytes()),
            Out::I16(v) => put(data, at, &v.to_le_bytes()),
            Out::I32(v) => put(data, at, &v.to_le_bytes()),
            Out::I64(v) => put(data, at, &v.to_le_bytes()),
            Out::U8(v) => put(data, at, &v.to_le_bytes()),
            Out::U16(v) => put(data, at, &v.to_le_bytes()),
            Out::U32(v) => put(data, at, &v.to_le_bytes()),
            Out::U64(v) => put(data, at, &v.to_le_bytes()),
            Out::F32(v) => put(data, at, &v.to_le_bytes()),
            Out::F64(v) => put(data, at, &v.to_le_bytes()),
            Out::Interface(i) => {
                put(data, at, &i.typecode.to_le_bytes());
                put(data, at.wrapping_add(4), &i.value.to_le_bytes());
            }
        }
        if let Some(bytes) = payload {
            next = next.wrapping_add(memory::padded(bytes.len()) as u32);
        }
    }
    if let Some(ptr) = block {
        release(caller, import, ptr)?;
    }
    Ok(())
}

/// Writes a `{ptr, len}` header (and `cap`, the same as `len`) at `at`.
fn header(data: &mut [u8], at: u32, ptr: u32, len: u32, cap: bool) {
    put(data, at, &ptr.to_le_bytes());
    put(data, at.wrapping_add(4), &len.to_le_bytes());
    if cap {
        put(data, at.wrapping_add(8), &len.to_le_bytes());
    }
}

/// Copies `bytes` to `data[at..]`; the caller checked the region (fields
/// lie inside the checked retptr area, payloads inside the checked block).
#[inline(always)]
fn put(data: &mut [u8], at: u32, bytes: &[u8]) {
    // A field beyond the area would be a bug of the generated offsets; it
    // is dropped rather than written out of place.
    let _ = memory::write(data, at, bytes);
}

/// `malloc(size)` in the calling guest, checked to lie inside its memory.
fn allocate(caller: &mut Caller<'_>, import: &'static str, size: u64) -> HostResult<u32> {
    let Some(malloc) = caller.data().malloc.clone() else {
        return Err(fault(
            import,
            "the host function returns a string or slice, but the guest exports no `malloc`"
                .into(),
        ));
    };
    let Ok(request) = i32::try_from(size) else {
        return Err(fault(import, format!("a result of {size} bytes is too large for the guest")));
    };
    let ptr = malloc.call(caller.as_context_mut(), request)? as u32;
    let memory = caller.data().memory.map(|m| m.data_size(caller.as_context())).unwrap_or(0);
    if ptr == 0 || u64::from(ptr) + size > memory as u64 {
        return Err(fault(
            import,
            format!("the guest's `malloc({size})` returned {ptr:#x}, which is not usable memory of {memory} bytes"),
        ));
    }
    Ok(ptr)
}

/// Hands a block to the guest's `free` (see [`write_results`]).
fn release(caller: &mut Caller<'_>, _import: &'static str, ptr: u32) -> HostResult<()> {
    if let Some(free) = caller.data().free.clone() {
        free.call(caller.as_context_mut(), ptr as i32)?;
    }
    Ok(())
}
