//! Go values laid out in guest memory as TinyGo lays them out on wasm32, for
//! the types the generated bindings pass by memory: structs (which the
//! bindings generate these traits for), arrays, slices of them, and what
//! they contain.
//!
//! - [`GoLayout`]: a type's size and alignment (natural alignment: a
//!   struct's is its largest field's, its size rounded up to it).
//! - [`Lift`]: reading a value the guest wrote, every pointer and length
//!   bounds-checked by [`GuestReader`].
//! - [`Lower`]: writing a value into a [`Blob`] on the host side, whose
//!   internal pointers are offsets into the blob until
//!   `Instance::relocate` makes them guest addresses, once the blob
//!   is in guest memory.

use tinybind_abi::{INTERFACE, SLICE, STRING};

use crate::error::Error;
use crate::mem::reader::GuestReader;
use crate::value::GoInterface;

/// Size and alignment in guest memory (wasm32).
pub trait GoLayout {
    const SIZE: u32;
    const ALIGN: u32;
}

/// A value the host can read back from guest memory.
pub trait Lift: GoLayout + Sized {
    /// Reads the value at `offset` from the reader's base.
    fn lift(from: &GuestReader<'_>, offset: u32) -> Result<Self, Error>;
}

/// A value the host can write into guest memory.
pub trait Lower: GoLayout {
    /// Writes the value at `at`, where [`Self::SIZE`] bytes are reserved,
    /// appending what it points to (string bytes, slice elements).
    fn lower(&self, blob: &mut Blob, at: u32);
}

/// Bytes bound for guest memory, with the places that hold pointers into
/// the blob itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Blob {
    bytes: Vec<u8>,
    relocations: Vec<u32>,
}

impl Blob {
    /// The elements of a slice, at the start of the blob (8-aligned, as the
    /// argument arena is), followed by what they point to.
    pub fn elements<T: Lower>(items: &[T]) -> Blob {
        let mut blob = Blob::default();
        blob.lower_elements(items);
        blob
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Offsets of the `u32` pointers in the blob that are relative to it.
    pub fn relocations(&self) -> &[u32] {
        &self.relocations
    }

    /// Reserves `size` bytes aligned to `align` at the end; their offset.
    pub fn reserve(&mut self, size: u32, align: u32) -> u32 {
        let at = (self.bytes.len() as u32).next_multiple_of(align.max(1));
        self.bytes.resize(at as usize + size as usize, 0);
        at
    }

    /// Writes `bytes` at `at`, inside what was reserved.
    pub fn put(&mut self, at: u32, bytes: &[u8]) {
        let at = at as usize;
        self.bytes[at..at + bytes.len()].copy_from_slice(bytes);
    }

    /// Writes a pointer to `target`, an offset in the blob, at `at`.
    pub fn pointer(&mut self, at: u32, target: u32) {
        self.put(at, &target.to_le_bytes());
        self.relocations.push(at);
    }

    /// Appends a slice's elements; their offset.
    fn lower_elements<T: Lower>(&mut self, items: &[T]) -> u32 {
        let start = self.reserve(T::SIZE.saturating_mul(items.len() as u32), T::ALIGN);
        for (i, item) in items.iter().enumerate() {
            item.lower(self, start + i as u32 * T::SIZE);
        }
        start
    }

    /// Writes a `{ptr, len}` header at `at` for `bytes`, appended.
    pub(crate) fn string(&mut self, at: u32, bytes: &[u8]) {
        let data = self.reserve(bytes.len() as u32, 1);
        self.put(data, bytes);
        self.pointer(at, data);
        self.put(at + 4, &(bytes.len() as u32).to_le_bytes());
    }

    /// Writes a `{ptr, len, cap}` header at `at` for `items`, appended.
    fn slice<T: Lower>(&mut self, at: u32, items: &[T]) {
        let data = self.lower_elements(items);
        self.slice_header(at, data, items.len());
    }

    /// Writes a `{ptr, len, cap}` header at `at` for `len` elements at
    /// `data`, an offset in the blob.
    pub(crate) fn slice_header(&mut self, at: u32, data: u32, len: usize) {
        self.pointer(at, data);
        let len = (len as u32).to_le_bytes();
        self.put(at + 4, &len);
        self.put(at + 8, &len);
    }
}

/// Makes the relocated pointers of a blob written at `base` of `data`
/// absolute; `None` when one lies outside.
pub(crate) fn relocate(data: &mut [u8], base: u32, relocations: &[u32]) -> Option<()> {
    for &at in relocations {
        let start = usize::try_from(u64::from(base) + u64::from(at)).ok()?;
        let word = data.get_mut(start..start.checked_add(4)?)?;
        let value = u32::from_le_bytes([word[0], word[1], word[2], word[3]]).wrapping_add(base);
        word.copy_from_slice(&value.to_le_bytes());
    }
    Some(())
}

macro_rules! scalar_layout {
    ($($t:ty),*) => {$(
        impl GoLayout for $t {
            const SIZE: u32 = std::mem::size_of::<$t>() as u32;
            const ALIGN: u32 = std::mem::size_of::<$t>() as u32;
        }
        impl Lift for $t {
            #[inline]
            fn lift(from: &GuestReader<'_>, offset: u32) -> Result<Self, Error> {
                from.scalar(offset)
            }
        }
        impl Lower for $t {
            #[inline]
            fn lower(&self, blob: &mut Blob, at: u32) {
                blob.put(at, &self.to_le_bytes());
            }
        }
    )*};
}

scalar_layout!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

impl GoLayout for bool {
    const SIZE: u32 = 1;
    const ALIGN: u32 = 1;
}

impl Lift for bool {
    fn lift(from: &GuestReader<'_>, offset: u32) -> Result<Self, Error> {
        from.bool(offset)
    }
}

impl Lower for bool {
    fn lower(&self, blob: &mut Blob, at: u32) {
        blob.put(at, &[u8::from(*self)]);
    }
}

impl GoLayout for GoInterface {
    const SIZE: u32 = INTERFACE.size;
    const ALIGN: u32 = INTERFACE.align;
}

impl Lift for GoInterface {
    fn lift(from: &GuestReader<'_>, offset: u32) -> Result<Self, Error> {
        from.interface(offset)
    }
}

impl Lower for GoInterface {
    fn lower(&self, blob: &mut Blob, at: u32) {
        blob.put(at, &self.typecode.to_le_bytes());
        blob.put(at + 4, &self.value.to_le_bytes());
    }
}

impl GoLayout for String {
    const SIZE: u32 = STRING.size;
    const ALIGN: u32 = STRING.align;
}

impl GoLayout for &str {
    const SIZE: u32 = STRING.size;
    const ALIGN: u32 = STRING.align;
}

impl Lift for String {
    fn lift(from: &GuestReader<'_>, offset: u32) -> Result<Self, Error> {
        from.string(offset)
    }
}

impl Lower for String {
    fn lower(&self, blob: &mut Blob, at: u32) {
        blob.string(at, self.as_bytes());
    }
}

impl Lower for &str {
    fn lower(&self, blob: &mut Blob, at: u32) {
        blob.string(at, self.as_bytes());
    }
}

impl<T> GoLayout for Vec<T> {
    const SIZE: u32 = SLICE.size;
    const ALIGN: u32 = SLICE.align;
}

impl<T: Lift> Lift for Vec<T> {
    fn lift(from: &GuestReader<'_>, offset: u32) -> Result<Self, Error> {
        from.elements(offset)
    }
}

impl<T: Lower> Lower for Vec<T> {
    fn lower(&self, blob: &mut Blob, at: u32) {
        blob.slice(at, self);
    }
}

impl<T: GoLayout, const N: usize> GoLayout for [T; N] {
    const SIZE: u32 = T::SIZE * N as u32;
    const ALIGN: u32 = T::ALIGN;
}

impl<T: Lift, const N: usize> Lift for [T; N] {
    fn lift(from: &GuestReader<'_>, offset: u32) -> Result<Self, Error> {
        let items: Vec<T> = (0..N as u32)
            .map(|i| T::lift(from, offset.wrapping_add(i * T::SIZE)))
            .collect::<Result<_, _>>()?;
        match items.try_into() {
            Ok(array) => Ok(array),
            // `items` has exactly N elements.
            Err(_) => unreachable!("an array of {N} elements"),
        }
    }
}

impl<T: Lower, const N: usize> Lower for [T; N] {
    fn lower(&self, blob: &mut Blob, at: u32) {
        for (i, item) in self.iter().enumerate() {
            item.lower(blob, at + i as u32 * T::SIZE);
        }
    }
}

/// Reading values with a Go layout (the reader knows only bytes and scalars).
impl<'a> GuestReader<'a> {
    /// A value with a Go layout at `offset`: a struct, an array, a slice.
    #[inline]
    pub fn lift<T: Lift>(&self, offset: u32) -> Result<T, Error> {
        T::lift(self, offset)
    }

    /// The elements of a Go slice of `T` at `offset`, each read in place.
    pub(crate) fn elements<T: Lift>(&self, offset: u32) -> Result<Vec<T>, Error> {
        self.elements_by(offset, T::SIZE, |items, at| T::lift(items, at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blob_lays_out_elements_then_their_strings_and_relocates() {
        let blob = Blob::elements(&["ab", "", "xyz"]);
        // Three headers, then the bytes.
        assert_eq!(blob.bytes().len(), 24 + 5);
        assert_eq!(blob.relocations(), &[0, 8, 16]);
        let mut memory = vec![0u8; 64];
        memory[16..16 + blob.bytes().len()].copy_from_slice(blob.bytes());
        relocate(&mut memory, 16, blob.relocations()).expect("inside");
        let ptr = u32::from_le_bytes(memory[16..20].try_into().expect("4 bytes"));
        assert_eq!(ptr, 16 + 24);
        assert_eq!(&memory[ptr as usize..ptr as usize + 2], b"ab");
        assert!(relocate(&mut memory, 62, &[0]).is_none());
    }

    #[test]
    fn arrays_and_nested_slices_keep_alignment() {
        let blob = Blob::elements(&[vec![1i64, 2], vec![]]);
        // Two slice headers (24 bytes), then the i64s aligned to 8.
        assert_eq!(blob.relocations(), &[0, 12]);
        assert_eq!(u32::from_le_bytes(blob.bytes()[0..4].try_into().expect("4")), 24);
        assert_eq!(<[i16; 3]>::SIZE, 6);
    }
}
