//! Results of host methods that do not fit in one wasm value, written
//! through the retptr the guest passes first; strings and slices placed in
//! guest memory in a way that is safe against TinyGo's GC and leaks nothing.

use std::borrow::Cow;

use wasmtime::{AsContext, AsContextMut, TypedFunc};

use crate::host::call::{Caller, HostResult};
use crate::host::failure::fault;
use crate::mem::bounds::{self, Primitive};
use crate::mem::layout::{relocate, Blob};
use crate::value::GoInterface;

/// One result a host method gives back through the retptr.
#[derive(Clone, Debug)]
pub enum Returned<'a> {
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
    Slice {
        bytes: Cow<'a, [u8]>,
        len: u32,
    },
    /// A Go interface: `{typecode, value}`.
    Interface(GoInterface),
}

impl<'a> Returned<'a> {
    /// A slice of scalars, laid out as Go lays it out.
    pub fn slice<T: Primitive>(items: &[T]) -> Returned<'static> {
        Returned::Slice {
            bytes: Cow::Owned(bounds::to_le_bytes(items)),
            len: items.len() as u32,
        }
    }

    /// The bytes this result puts in guest memory, if any.
    fn payload(&self) -> Option<&[u8]> {
        match self {
            Returned::String(s) => Some(s.as_bytes()),
            Returned::Bytes(b) => Some(b),
            Returned::Slice { bytes, .. } => Some(bytes),
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
/// `tests/all/host.rs`). The memory view is read again after `malloc`, which may
/// grow memory.
pub fn write_results(
    caller: &mut Caller<'_>,
    import: &str,
    retptr: i32,
    size: u32,
    fields: &[(u32, Returned<'_>)],
) -> HostResult<()> {
    let total = payload_size(fields);
    let block = if total > 0 {
        Some(allocate(caller, import, total)?)
    } else {
        None
    };
    place(caller, import, retptr, size, block, fields)?;
    if let Some(ptr) = block {
        release(caller, ptr)?;
    }
    Ok(())
}

/// [`write_results`] from an async host function: `malloc` and `free`
/// are called with `call_async`.
pub async fn write_results_async(
    caller: &mut Caller<'_>,
    import: &str,
    retptr: i32,
    size: u32,
    fields: &[(u32, Returned<'_>)],
) -> HostResult<()> {
    let total = payload_size(fields);
    let block = match total {
        0 => None,
        _ => Some(allocate_async(caller, import, total).await?),
    };
    place(caller, import, retptr, size, block, fields)?;
    if let Some(ptr) = block {
        if let Some(free) = caller.data().free.clone() {
            free.call_async(caller.as_context_mut(), ptr as i32).await?;
        }
    }
    Ok(())
}

/// Writes a host method's packed result (a `string` or `[]byte` as one
/// `i64`, `ptr << 32 | len`; see `instance::packed`) into a block from the
/// guest's `malloc`, and returns it packed. The guest owns the block: its
/// `malloc` keeps it (in its map) until the guest hands it to its own
/// `free`, which is the convention's. An empty value is `0`, no block.
pub fn write_packed(caller: &mut Caller<'_>, import: &str, bytes: &[u8]) -> HostResult<i64> {
    if bytes.is_empty() {
        return Ok(0);
    }
    let ptr = allocate(caller, import, bytes.len() as u64)?;
    put_packed(caller, import, ptr, bytes)
}

/// [`write_packed`] from an async host function.
pub async fn write_packed_async(caller: &mut Caller<'_>, import: &str, bytes: &[u8]) -> HostResult<i64> {
    if bytes.is_empty() {
        return Ok(0);
    }
    let ptr = allocate_async(caller, import, bytes.len() as u64).await?;
    put_packed(caller, import, ptr, bytes)
}

/// Copies `bytes` to the block at `ptr` (checked by `usable`) and packs it.
fn put_packed(caller: &mut Caller<'_>, import: &str, ptr: u32, bytes: &[u8]) -> HostResult<i64> {
    let Some(memory) = caller.data().memory else {
        return Err(fault(import, "the guest exports no memory".into()));
    };
    let data = memory.data_mut(caller.as_context_mut());
    if bounds::write(data, ptr, bytes).is_none() {
        return Err(fault(import, format!("the block at {ptr:#x} does not hold {} bytes", bytes.len())));
    }
    Ok(((u64::from(ptr) << 32) | bytes.len() as u64) as i64)
}

/// The bytes of guest memory the strings and slices among `fields` take.
fn payload_size(fields: &[(u32, Returned<'_>)]) -> u64 {
    fields
        .iter()
        .filter_map(|(_, o)| o.payload())
        .map(|p| bounds::padded(p.len()))
        .sum()
}

/// Writes `fields` to the retptr area, their payloads to `block`.
fn place(
    caller: &mut Caller<'_>,
    import: &str,
    retptr: i32,
    size: u32,
    block: Option<u32>,
    fields: &[(u32, Returned<'_>)],
) -> HostResult<()> {
    let retptr = retptr as u32;
    let data = result_area(caller, import, retptr, size)?;
    let mut next = block.unwrap_or(0);
    for (offset, out) in fields {
        let at = retptr.wrapping_add(*offset);
        let payload = out.payload();
        if let Some(bytes) = payload {
            // Inside the block `allocate` checked against memory.
            put(data, next, bytes);
        }
        match out {
            Returned::String(s) => header(data, at, next, s.len() as u32, false),
            Returned::Bytes(b) => header(data, at, next, b.len() as u32, true),
            Returned::Slice { len, .. } => header(data, at, next, *len, true),
            Returned::Bool(v) => put(data, at, &[u8::from(*v)]),
            Returned::I8(v) => put(data, at, &v.to_le_bytes()),
            Returned::I16(v) => put(data, at, &v.to_le_bytes()),
            Returned::I32(v) => put(data, at, &v.to_le_bytes()),
            Returned::I64(v) => put(data, at, &v.to_le_bytes()),
            Returned::U8(v) => put(data, at, &v.to_le_bytes()),
            Returned::U16(v) => put(data, at, &v.to_le_bytes()),
            Returned::U32(v) => put(data, at, &v.to_le_bytes()),
            Returned::U64(v) => put(data, at, &v.to_le_bytes()),
            Returned::F32(v) => put(data, at, &v.to_le_bytes()),
            Returned::F64(v) => put(data, at, &v.to_le_bytes()),
            Returned::Interface(i) => {
                put(data, at, &i.typecode.to_le_bytes());
                put(data, at.wrapping_add(4), &i.value.to_le_bytes());
            }
        }
        if let Some(bytes) = payload {
            next = next.wrapping_add(bounds::padded(bytes.len()) as u32);
        }
    }
    Ok(())
}

/// Writes results laid out in `blob` (see
/// `dynamic::aggregate::results_blob`): its first `size` bytes go to the
/// retptr area, the rest (what they point to) to one block from the guest's
/// `malloc`, handed to its `free` as [`write_results`] does, and safe for
/// the same reasons.
pub(crate) fn write_blob(caller: &mut Caller<'_>, import: &str, retptr: i32, size: u32, blob: &Blob) -> HostResult<()> {
    let retptr = retptr as u32;
    let bytes = blob.bytes();
    if blob.relocations().is_empty() {
        let data = result_area(caller, import, retptr, size)?;
        put(data, retptr, &bytes[..size as usize]);
        return Ok(());
    }
    // The whole blob goes to the block, and is relocated there; the area
    // at its start is then copied to the retptr.
    let block = allocate(caller, import, bytes.len() as u64)?;
    let data = result_area(caller, import, retptr, size)?;
    // Inside the block `allocate` checked against memory.
    put(data, block, bytes);
    if relocate(data, block, blob.relocations()).is_none() {
        return Err(fault(import, "the results' pointers lie outside the block the guest gave".into()));
    }
    let area = block as usize..block as usize + size as usize;
    data.copy_within(area, retptr as usize);
    release(caller, block)
}

/// Guest memory, with the retptr area of `size` bytes at `retptr` checked
/// to lie inside it.
pub(crate) fn result_area<'c>(
    caller: &'c mut Caller<'_>,
    import: &str,
    retptr: u32,
    size: u32,
) -> HostResult<&'c mut [u8]> {
    let Some(mem) = caller.data().memory else {
        return Err(fault(import, "the guest exports no memory".into()));
    };
    let data = mem.data_mut(caller.as_context_mut());
    if bounds::region(data, retptr, u64::from(size)).is_none() {
        let reason = format!(
            "the guest's result area of {size} bytes at {retptr:#x} is outside its memory of {} \
             bytes",
            data.len()
        );
        return Err(fault(import, reason));
    }
    Ok(data)
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
    let _ = bounds::write(data, at, bytes);
}

/// `malloc(size)` in the calling guest, checked to lie inside its memory.
fn allocate(caller: &mut Caller<'_>, import: &str, size: u64) -> HostResult<u32> {
    let (malloc, request) = malloc_request(caller, import, size)?;
    let ptr = malloc.call(caller.as_context_mut(), request)? as u32;
    usable(caller, import, size, ptr)
}

/// [`allocate`] from an async host function.
async fn allocate_async(caller: &mut Caller<'_>, import: &str, size: u64) -> HostResult<u32> {
    let (malloc, request) = malloc_request(caller, import, size)?;
    let ptr = malloc.call_async(caller.as_context_mut(), request).await? as u32;
    usable(caller, import, size, ptr)
}

/// The guest's `malloc` and its argument for `size` bytes.
fn malloc_request(caller: &Caller<'_>, import: &str, size: u64) -> HostResult<(TypedFunc<i32, i32>, i32)> {
    let Some(malloc) = caller.data().malloc.clone() else {
        return Err(fault(
            import,
            "the host function returns a string or slice, but the guest exports no `malloc`".into(),
        ));
    };
    let Ok(request) = i32::try_from(size) else {
        return Err(fault(import, format!("a result of {size} bytes is too large for the guest")));
    };
    Ok((malloc, request))
}

/// `ptr`, the guest's `malloc(size)`, checked to lie inside its memory.
fn usable(caller: &mut Caller<'_>, import: &str, size: u64, ptr: u32) -> HostResult<u32> {
    let memory = caller
        .data()
        .memory
        .map(|m| m.data_size(caller.as_context()))
        .unwrap_or(0);
    if !bounds::usable_block(ptr, size, memory) {
        return Err(fault(
            import,
            format!("the guest's `malloc({size})` returned {ptr:#x}, which is not usable memory of {memory} bytes"),
        ));
    }
    Ok(ptr)
}

/// Hands a block to the guest's `free` (see [`write_results`]).
fn release(caller: &mut Caller<'_>, ptr: u32) -> HostResult<()> {
    if let Some(free) = caller.data().free.clone() {
        free.call(caller.as_context_mut(), ptr as i32)?;
    }
    Ok(())
}
