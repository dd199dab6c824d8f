//! Reading what a guest wrote: [`GuestReader`], a bounds-checked view of
//! guest memory at a base address (a retptr area, an element of a slice).

use crate::error::{Error, GoError};
use crate::mem::bounds::{region, Primitive};
use crate::mem::go_error::read_go_error;
use crate::value::GoInterface;

/// GuestReader written by the guest at a retptr, read with bounds checks.
#[derive(Clone, Copy)]
pub struct GuestReader<'a> {
    data: &'a [u8],
    base: u32,
    guest: &'a str,
    export: &'static str,
    /// The module's compiler names Go types (see [`Self::go_result`]).
    go_type_names: bool,
    /// The most bytes one string or slice may take (`max_result_bytes`).
    limit: u64,
}

impl<'a> GuestReader<'a> {
    #[inline(always)]
    pub(crate) fn new(
        data: &'a [u8],
        base: u32,
        size: u32,
        guest: &'a str,
        export: &'static str,
        go_type_names: bool,
        limit: u64,
    ) -> Result<Self, Error> {
        let r = GuestReader {
            data,
            base,
            guest,
            export,
            go_type_names,
            limit,
        };
        match region(data, base, u64::from(size)) {
            Some(_) => Ok(r),
            None => Err(r.out_of_bounds("the result area", base, u64::from(size))),
        }
    }

    /// Checks the result area as [`Self::new`] does, then reads it with
    /// `read`, the reader staying in place (no `Result<GuestReader, _>` moves).
    #[inline(always)]
    pub(crate) fn read<T>(
        data: &'a [u8],
        base: u32,
        size: u32,
        guest: &'a str,
        export: &'static str,
        go_type_names: bool,
        limit: u64,
        read: impl FnOnce(&GuestReader<'a>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let r = GuestReader {
            data,
            base,
            guest,
            export,
            go_type_names,
            limit,
        };
        if region(data, base, u64::from(size)).is_none() {
            return Err(r.out_of_bounds("the result area", base, u64::from(size)));
        }
        read(&r)
    }

    /// Refuses a value of `size` bytes over the limit, before it is copied.
    #[inline(always)]
    fn within_limit(&self, size: u64) -> Result<(), Error> {
        match size > self.limit {
            true => Err(self.too_large(size)),
            false => Ok(()),
        }
    }

    #[cold]
    #[inline(never)]
    fn too_large(&self, size: u64) -> Error {
        Error::ResultTooLarge {
            guest: self.guest.to_string(),
            export: self.export.to_string(),
            size,
            limit: self.limit,
        }
    }

    #[cold]
    #[inline(never)]
    fn out_of_bounds(&self, what: &'static str, ptr: u32, len: u64) -> Error {
        Error::OutOfBounds {
            guest: self.guest.to_string(),
            export: self.export.to_string(),
            what,
            ptr,
            len,
            memory: self.data.len(),
        }
    }

    #[inline(always)]
    pub(crate) fn scalar<T: Primitive>(&self, offset: u32) -> Result<T, Error> {
        let at = self.base.wrapping_add(offset);
        match region(self.data, at, T::SIZE as u64) {
            Some(bytes) => Ok(T::read(bytes)),
            None => Err(self.out_of_bounds("a result", at, T::SIZE as u64)),
        }
    }

    #[inline(always)]
    pub fn bool(&self, offset: u32) -> Result<bool, Error> {
        Ok(self.scalar::<u8>(offset)? & 1 != 0)
    }
    #[inline(always)]
    pub fn i8(&self, offset: u32) -> Result<i8, Error> {
        self.scalar(offset)
    }
    #[inline(always)]
    pub fn i16(&self, offset: u32) -> Result<i16, Error> {
        self.scalar(offset)
    }
    #[inline(always)]
    pub fn i32(&self, offset: u32) -> Result<i32, Error> {
        self.scalar(offset)
    }
    #[inline(always)]
    pub fn i64(&self, offset: u32) -> Result<i64, Error> {
        self.scalar(offset)
    }
    #[inline(always)]
    pub fn u8(&self, offset: u32) -> Result<u8, Error> {
        self.scalar(offset)
    }
    #[inline(always)]
    pub fn u16(&self, offset: u32) -> Result<u16, Error> {
        self.scalar(offset)
    }
    #[inline(always)]
    pub fn u32(&self, offset: u32) -> Result<u32, Error> {
        self.scalar(offset)
    }
    #[inline(always)]
    pub fn u64(&self, offset: u32) -> Result<u64, Error> {
        self.scalar(offset)
    }
    #[inline(always)]
    pub fn f32(&self, offset: u32) -> Result<f32, Error> {
        self.scalar(offset)
    }
    #[inline(always)]
    pub fn f64(&self, offset: u32) -> Result<f64, Error> {
        self.scalar(offset)
    }

    /// The `{ptr, len}` at `offset` and the bytes it points to.
    #[inline(always)]
    fn data_at(&self, offset: u32, elem: u64, what: &'static str) -> Result<&'a [u8], Error> {
        let ptr = self.scalar::<u32>(offset)?;
        let len = u64::from(self.scalar::<u32>(offset.wrapping_add(4))?) * elem;
        if len == 0 {
            return Ok(&[]);
        }
        // Outside memory is a bad pointer; inside but too large, refused:
        // both before any copy.
        match region(self.data, ptr, len) {
            Some(bytes) => self.within_limit(len).map(|()| bytes),
            None => Err(self.out_of_bounds(what, ptr, len)),
        }
    }

    /// A Go `string` at `offset`.
    #[inline(always)]
    pub fn string(&self, offset: u32) -> Result<String, Error> {
        let bytes = self.data_at(offset, 1, "a string")?;
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s.to_owned()),
            Err(source) => Err(self.invalid_utf8(bytes, source)),
        }
    }

    #[cold]
    #[inline(never)]
    fn invalid_utf8(&self, bytes: &[u8], source: std::str::Utf8Error) -> Error {
        Error::InvalidUtf8 {
            guest: self.guest.to_string(),
            export: self.export.to_string(),
            bytes: bytes.to_vec().into(),
            source,
        }
    }

    /// A Go `[]byte` at `offset`.
    #[inline(always)]
    pub fn bytes(&self, offset: u32) -> Result<Vec<u8>, Error> {
        Ok(self.data_at(offset, 1, "a byte slice")?.to_vec())
    }

    /// A Go `[]string` at `offset`: every header and every string checked.
    pub fn strings(&self, offset: u32) -> Result<Vec<String>, Error> {
        let headers = self.data_at(offset, 8, "a string slice")?;
        let strings = headers
            .chunks_exact(8)
            .map(|h| {
                let ptr = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
                let len = u64::from(u32::from_le_bytes([h[4], h[5], h[6], h[7]]));
                match len {
                    0 => Ok(&[][..]),
                    _ => region(self.data, ptr, len).ok_or_else(|| self.out_of_bounds("a string in a slice", ptr, len)),
                }
            })
            .collect::<Result<Vec<&[u8]>, Error>>()?;
        // The slice as a whole, headers and strings, is one value.
        self.within_limit(headers.len() as u64 + strings.iter().map(|s| s.len() as u64).sum::<u64>())?;
        strings
            .into_iter()
            .map(|bytes| match std::str::from_utf8(bytes) {
                Ok(s) => Ok(s.to_owned()),
                Err(source) => Err(self.invalid_utf8(bytes, source)),
            })
            .collect()
    }

    /// The elements of a Go slice at `offset` whose elements take `size`
    /// bytes, each read with `read` (given a reader based at the elements and
    /// the element's offset from there).
    pub(crate) fn elements_by<T>(
        &self,
        offset: u32,
        size: u32,
        mut read: impl FnMut(&GuestReader<'a>, u32) -> Result<T, Error>,
    ) -> Result<Vec<T>, Error> {
        let ptr = self.scalar::<u32>(offset)?;
        let count = self.scalar::<u32>(offset.wrapping_add(4))?;
        let len = u64::from(count) * u64::from(size);
        // Elements of no size take no memory; their count still may not
        // exceed what memory could hold, so that a guest cannot make the
        // host loop for a length it never stored.
        if region(self.data, ptr, len).is_none() || (size == 0 && count as usize > self.data.len()) {
            return Err(self.out_of_bounds("a slice", ptr, len));
        }
        self.within_limit(len)?;
        let items = GuestReader { base: ptr, ..*self };
        (0..count).map(|i| read(&items, i * size)).collect()
    }

    /// A Go slice of scalars at `offset`.
    pub fn slice<T: Primitive>(&self, offset: u32) -> Result<Vec<T>, Error> {
        let bytes = self.data_at(offset, T::SIZE as u64, "a slice")?;
        Ok(bytes.chunks_exact(T::SIZE).map(T::read).collect())
    }

    /// The Go `error` at `offset`, then the other results with `value`:
    /// `Ok(Ok(value))` for a nil error, `Ok(Err(error))` otherwise (the other
    /// results are not read: Go leaves them zero). Its message is read
    /// where the module's compiler names its types (TinyGo 0.28 and later,
    /// as the module's `producers` section says; see [`GoError`]).
    #[inline(always)]
    pub fn go_result<T>(
        &self,
        offset: u32,
        value: impl FnOnce() -> Result<T, Error>,
    ) -> Result<Result<T, GoError>, Error> {
        let typecode: u32 = self.scalar(offset)?;
        let data: u32 = self.scalar(offset.wrapping_add(4))?;
        if typecode == 0 {
            return value().map(Ok);
        }
        Ok(Err(read_go_error(self.data, typecode, data, self.go_type_names)))
    }

    /// A Go interface at `offset`.
    pub fn interface(&self, offset: u32) -> Result<GoInterface, Error> {
        Ok(GoInterface {
            typecode: self.scalar(offset)?,
            value: self.scalar(offset + 4)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::bounds::{to_le_bytes, write};

    fn results(data: &[u8]) -> GuestReader<'_> {
        GuestReader::new(data, 0, 8, "g", "f", true, u64::MAX).expect("in bounds")
    }

    fn header(ptr: u32, len: u32) -> Vec<u8> {
        let mut d = vec![0u8; 64];
        d[..4].copy_from_slice(&ptr.to_le_bytes());
        d[4..8].copy_from_slice(&len.to_le_bytes());
        d
    }

    #[test]
    fn strings_inside_memory_are_read() {
        let mut d = header(16, 5);
        d[16..21].copy_from_slice(b"hello");
        assert_eq!(results(&d).string(0).expect("string"), "hello");
    }

    #[test]
    fn huge_lengths_and_bad_pointers_are_refused() {
        for (ptr, len) in [(16, u32::MAX), (u32::MAX - 2, 8), (60, 5)] {
            let d = header(ptr, len);
            let err = results(&d).string(0).expect_err("out of bounds");
            assert!(matches!(err, Error::OutOfBounds { .. }), "{err}");
        }
    }

    #[test]
    fn invalid_utf8_keeps_the_bytes() {
        let mut d = header(16, 3);
        d[16..19].copy_from_slice(&[0xff, 0xfe, 0xfd]);
        let err = results(&d).string(0).expect_err("not UTF-8");
        assert_eq!(err.invalid_utf8_bytes(), Some(&[0xff, 0xfe, 0xfd][..]));
    }

    #[test]
    fn empty_strings_ignore_the_pointer() {
        let d = header(u32::MAX, 0);
        assert_eq!(results(&d).string(0).expect("empty"), "");
    }

    #[test]
    fn result_area_outside_memory_is_refused() {
        let d = [0u8; 16];
        assert!(GuestReader::new(&d, 12, 8, "g", "f", true, u64::MAX).is_err());
        assert!(GuestReader::new(&d, u32::MAX, 8, "g", "f", true, u64::MAX).is_err());
    }

    #[test]
    fn short_and_long_copies_copy_every_byte() {
        for n in 0..=40usize {
            let src: Vec<u8> = (1..=n as u8).collect();
            let mut data = vec![0xAAu8; 64];
            write(&mut data, 3, &src).expect("fits");
            assert_eq!(&data[3..3 + n], &src[..], "length {n}");
            assert!(data[..3].iter().chain(&data[3 + n..]).all(|&b| b == 0xAA), "length {n}");
        }
        assert!(write(&mut [0u8; 8], 4, &[1, 2, 3, 4, 5]).is_none());
        assert!(write(&mut [0u8; 8], u32::MAX, &[1]).is_none());
    }

    #[test]
    fn string_slices_round_trip_and_bad_headers_are_refused() {
        let blob = crate::mem::layout::Blob::elements(&["ab", "", "cde"]);
        let mut d = vec![0u8; 128];
        d[64..64 + blob.bytes().len()].copy_from_slice(blob.bytes());
        crate::mem::layout::relocate(&mut d, 64, blob.relocations()).expect("in memory");
        d[..12].copy_from_slice(&[64, 0, 0, 0, 3, 0, 0, 0, 3, 0, 0, 0]);
        let r = GuestReader::new(&d, 0, 12, "g", "f", true, u64::MAX).expect("area");
        assert_eq!(r.strings(0).expect("strings"), vec!["ab", "", "cde"]);
        // A header pointing outside memory, and a count past its end.
        d[64..68].copy_from_slice(&1000u32.to_le_bytes());
        let r = GuestReader::new(&d, 0, 12, "g", "f", true, u64::MAX).expect("area");
        assert!(matches!(r.strings(0), Err(Error::OutOfBounds { .. })));
        d[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        let r = GuestReader::new(&d, 0, 12, "g", "f", true, u64::MAX).expect("area");
        assert!(matches!(r.strings(0), Err(Error::OutOfBounds { .. })));
        assert!(crate::mem::layout::relocate(&mut d, 120, blob.relocations()).is_none());
    }

    #[test]
    fn a_value_over_the_limit_is_refused_before_it_is_read() {
        let blob = crate::mem::layout::Blob::elements(&["abcd", "efgh"]);
        let mut d = vec![0u8; 128];
        d[64..64 + blob.bytes().len()].copy_from_slice(blob.bytes());
        crate::mem::layout::relocate(&mut d, 64, blob.relocations()).expect("in memory");
        d[..12].copy_from_slice(&[64, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0]);
        // Two headers (16 bytes) and 8 bytes of strings: 24 in all.
        let r = GuestReader::new(&d, 0, 12, "g", "f", true, 24).expect("area");
        assert_eq!(r.strings(0).expect("at the limit"), vec!["abcd", "efgh"]);
        let r = GuestReader::new(&d, 0, 12, "g", "f", true, 23).expect("area");
        let err = r.strings(0).expect_err("over the limit");
        assert!(
            matches!(
                err,
                Error::ResultTooLarge {
                    size: 24,
                    limit: 23,
                    ..
                }
            ),
            "{err:?}"
        );
        // A string or byte slice inside memory but over the limit; one
        // outside memory is a bad pointer first.
        let d = header(16, 40);
        let r = GuestReader::new(&d, 0, 8, "g", "f", true, 32).expect("area");
        assert!(matches!(r.string(0), Err(Error::ResultTooLarge { size: 40, .. })));
        assert!(matches!(r.bytes(0), Err(Error::ResultTooLarge { .. })));
        let d = header(16, u32::MAX);
        let r = GuestReader::new(&d, 0, 8, "g", "f", true, 32).expect("area");
        assert!(matches!(r.string(0), Err(Error::OutOfBounds { .. })));
    }

    #[test]
    fn scalar_slices_round_trip() {
        let bytes = to_le_bytes(&[1i32, -2, 3]);
        let mut d = header(16, 3);
        d[16..28].copy_from_slice(&bytes);
        assert_eq!(results(&d).slice::<i32>(0).expect("slice"), vec![1, -2, 3]);
    }
}
