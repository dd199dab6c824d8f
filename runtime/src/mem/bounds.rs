//! The bounds primitives every access to guest memory goes through. Every
//! pointer and length comes from an untrusted guest: each is checked against
//! the memory's size before anything is read or any host memory is allocated
//! for it.

/// Where an argument landed in guest memory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GuestSlice {
    pub ptr: i32,
    /// Length in bytes.
    pub len: i32,
}

/// Arguments are 8-byte aligned in the arena.
#[inline(always)]
pub(crate) fn padded(len: usize) -> u64 {
    (len as u64).next_multiple_of(8)
}

/// Copies `bytes` to `data[at..]`, or `None` when it does not fit.
#[inline(always)]
pub(crate) fn write(data: &mut [u8], at: u32, bytes: &[u8]) -> Option<()> {
    let start = at as usize;
    let end = start.checked_add(bytes.len())?;
    copy(data.get_mut(start..end)?, bytes);
    Some(())
}

/// `dst.copy_from_slice(src)`, with short copies (most string arguments)
/// done inline with two overlapping loads and stores instead of a call to
/// `memcpy`.
#[inline(always)]
pub(crate) fn copy(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    if n != dst.len() || n > 16 {
        dst.copy_from_slice(src);
    } else if n >= 8 {
        let head = u64::from_ne_bytes(src[..8].try_into().unwrap_or_default());
        let tail = u64::from_ne_bytes(src[n - 8..].try_into().unwrap_or_default());
        dst[n - 8..].copy_from_slice(&tail.to_ne_bytes());
        dst[..8].copy_from_slice(&head.to_ne_bytes());
    } else if n >= 4 {
        let head = u32::from_ne_bytes(src[..4].try_into().unwrap_or_default());
        let tail = u32::from_ne_bytes(src[n - 4..].try_into().unwrap_or_default());
        dst[n - 4..].copy_from_slice(&tail.to_ne_bytes());
        dst[..4].copy_from_slice(&head.to_ne_bytes());
    } else {
        for (d, s) in dst.iter_mut().zip(src) {
            *d = *s;
        }
    }
}

/// The byte range `[ptr, ptr + len)` of a memory of `size` bytes, if it
/// lies inside.
#[inline(always)]
fn range(size: usize, ptr: u32, len: u64) -> Option<std::ops::Range<usize>> {
    let end = u64::from(ptr).checked_add(len)?;
    if end > size as u64 {
        return None;
    }
    Some(ptr as usize..end as usize)
}

/// The region `[ptr, ptr + len)` of memory, if it lies inside.
#[inline(always)]
pub fn region(data: &[u8], ptr: u32, len: u64) -> Option<&[u8]> {
    data.get(range(data.len(), ptr, len)?)
}

/// The region `[ptr, ptr + len)` of memory, writable, if it lies inside.
#[inline(always)]
pub(crate) fn region_mut(data: &mut [u8], ptr: u32, len: u64) -> Option<&mut [u8]> {
    data.get_mut(range(data.len(), ptr, len)?)
}

/// Whether a block a guest's `malloc` returned at `ptr` for `size` bytes is
/// usable: not null, and inside a memory of `memory` bytes.
#[inline]
pub(crate) fn usable_block(ptr: u32, size: u64, memory: usize) -> bool {
    ptr != 0 && u64::from(ptr) + size <= memory as u64
}

/// A value that has a fixed little-endian layout in guest memory.
pub trait Primitive: Copy {
    const SIZE: usize;
    fn read(bytes: &[u8]) -> Self;
    fn write(self, out: &mut Vec<u8>);
}

macro_rules! scalar {
    ($($t:ty),*) => {$(
        impl Primitive for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            #[inline(always)]
            fn read(bytes: &[u8]) -> Self {
                let mut b = [0u8; std::mem::size_of::<$t>()];
                b.copy_from_slice(&bytes[..Self::SIZE]);
                <$t>::from_le_bytes(b)
            }
            fn write(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
        }
    )*};
}

scalar!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

/// The little-endian bytes of a slice of scalars, as Go lays it out.
pub fn to_le_bytes<T: Primitive>(items: &[T]) -> Vec<u8> {
    let mut out = Vec::with_capacity(items.len() * T::SIZE);
    for x in items {
        x.write(&mut out);
    }
    out
}
