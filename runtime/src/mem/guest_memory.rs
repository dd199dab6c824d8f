//! The guest-memory handle that raw host methods get: bounds-checked reads
//! and writes of the calling guest's linear memory, and allocation through
//! its `malloc`, so that out-pointer ABIs (proxy-wasm's
//! `proxy_get_buffer_bytes(.., **data, *size)`, wazero's
//! `get_random_string(**byte, *int)`) can be written in Rust.

use crate::error::HostError;
use crate::mem::bounds::{self, Primitive};
use crate::store::State;

/// The calling guest's memory, for raw host methods: bounds-checked reads
/// and writes, and allocation through the guest's `malloc`.
///
/// Every pointer comes from the guest: each access is checked against the
/// memory's current size and fails with a [`HostError`] (which stops the
/// guest when returned) instead of panicking. Memory may grow when
/// [`GuestMemory::alloc`] calls into the guest; offsets stay valid.
pub struct GuestMemory<'a> {
    store: wasmtime::StoreContextMut<'a, State>,
    import: &'static str,
}

impl<'a> GuestMemory<'a> {
    pub(crate) fn new(store: wasmtime::StoreContextMut<'a, State>, import: &'static str) -> Self {
        GuestMemory { store, import }
    }

    /// The import this call is for (`module.name`).
    pub fn import(&self) -> &'static str {
        self.import
    }

    /// The memory's size in bytes (0 when the guest exports none).
    pub fn size(&self) -> usize {
        self.data().len()
    }

    fn data(&self) -> &[u8] {
        match self.store.data().memory {
            Some(m) => m.data(&self.store),
            None => &[],
        }
    }

    fn data_mut(&mut self) -> &mut [u8] {
        match self.store.data().memory {
            Some(m) => m.data_mut(&mut self.store),
            None => &mut [],
        }
    }

    #[cold]
    #[inline(never)]
    fn out_of_bounds(&self, what: &str, ptr: u32, len: u64) -> HostError {
        HostError::new(format!("{what} {len} bytes at {ptr:#x}: outside the guest's memory of {} bytes", self.size()))
    }

    /// The bytes `[ptr, ptr + len)`, borrowed.
    pub fn bytes(&self, ptr: u32, len: u32) -> Result<&[u8], HostError> {
        match bounds::region(self.data(), ptr, u64::from(len)) {
            Some(b) => Ok(b),
            None => Err(self.out_of_bounds("reading", ptr, u64::from(len))),
        }
    }

    /// The bytes `[ptr, ptr + len)`, copied.
    pub fn read(&self, ptr: u32, len: u32) -> Result<Vec<u8>, HostError> {
        self.bytes(ptr, len).map(<[u8]>::to_vec)
    }

    /// The UTF-8 string at `[ptr, ptr + len)`.
    pub fn read_str(&self, ptr: u32, len: u32) -> Result<&str, HostError> {
        std::str::from_utf8(self.bytes(ptr, len)?)
            .map_err(|e| HostError::new(format!("the string at {ptr:#x} is not UTF-8: {e}")))
    }

    /// A little-endian scalar at `ptr`.
    pub fn read_scalar<T: Primitive>(&self, ptr: u32) -> Result<T, HostError> {
        Ok(T::read(self.bytes(ptr, T::SIZE as u32)?))
    }

    pub fn read_u32(&self, ptr: u32) -> Result<u32, HostError> {
        self.read_scalar(ptr)
    }

    pub fn read_i32(&self, ptr: u32) -> Result<i32, HostError> {
        self.read_scalar(ptr)
    }

    pub fn read_u64(&self, ptr: u32) -> Result<u64, HostError> {
        self.read_scalar(ptr)
    }

    pub fn read_i64(&self, ptr: u32) -> Result<i64, HostError> {
        self.read_scalar(ptr)
    }

    /// Copies `bytes` to `ptr`.
    pub fn write(&mut self, ptr: u32, bytes: &[u8]) -> Result<(), HostError> {
        if bounds::write(self.data_mut(), ptr, bytes).is_none() {
            return Err(self.out_of_bounds("writing", ptr, bytes.len() as u64));
        }
        Ok(())
    }

    /// Writes a little-endian scalar at `ptr`.
    pub fn write_scalar<T: Primitive>(&mut self, ptr: u32, value: T) -> Result<(), HostError> {
        let mut bytes = Vec::with_capacity(T::SIZE);
        value.write(&mut bytes);
        self.write(ptr, &bytes)
    }

    pub fn write_u32(&mut self, ptr: u32, value: u32) -> Result<(), HostError> {
        self.write_scalar(ptr, value)
    }

    pub fn write_i32(&mut self, ptr: u32, value: i32) -> Result<(), HostError> {
        self.write_scalar(ptr, value)
    }

    pub fn write_u64(&mut self, ptr: u32, value: u64) -> Result<(), HostError> {
        self.write_scalar(ptr, value)
    }

    pub fn write_i64(&mut self, ptr: u32, value: i64) -> Result<(), HostError> {
        self.write_scalar(ptr, value)
    }

    /// `malloc(size)` in the guest, checked to lie inside its memory.
    ///
    /// Who frees the block is the import's ABI: with TinyGo 0.26 and later a
    /// block stays allocated until the guest's `free` ([`Self::free`]).
    ///
    /// On an async runtime it fails: a raw async host method cannot call
    /// into the guest (declare the import in Go for a typed method, whose
    /// string and slice results the runtime places).
    pub fn alloc(&mut self, size: u32) -> Result<u32, HostError> {
        self.sync_only("malloc")?;
        let Some(malloc) = self.store.data().malloc.clone() else {
            return Err(HostError::new("the guest exports no `malloc`"));
        };
        let ptr = malloc
            .call(&mut self.store, size as i32)
            .map_err(|e| HostError::new(format!("the guest's `malloc({size})` failed: {e:#}")))?
            as u32;
        if !bounds::usable_block(ptr, u64::from(size), self.size()) {
            return Err(HostError::new(format!(
                "the guest's `malloc({size})` returned {ptr:#x}, which is not usable memory of {} \
                 bytes",
                self.size()
            )));
        }
        Ok(ptr)
    }

    /// Allocates a block for `bytes` with [`Self::alloc`] and copies them in.
    pub fn alloc_bytes(&mut self, bytes: &[u8]) -> Result<u32, HostError> {
        let ptr = self.alloc(bytes.len().max(1) as u32)?;
        self.write(ptr, bytes)?;
        Ok(ptr)
    }

    /// The guest's `free(ptr)` (nothing when it exports none).
    pub fn free(&mut self, ptr: u32) -> Result<(), HostError> {
        self.sync_only("free")?;
        if let Some(free) = self.store.data().free.clone() {
            free.call(&mut self.store, ptr as i32)
                .map_err(|e| HostError::new(format!("the guest's `free` failed: {e:#}")))?;
        }
        Ok(())
    }

    /// Refuses a call into the guest from a raw host method of an async
    /// runtime, which runs on a fiber where only `call_async` is allowed.
    fn sync_only(&self, export: &str) -> Result<(), HostError> {
        if self.store.data().is_async {
            return Err(HostError::new(format!(
                "a raw host method of an async runtime cannot call the guest's `{export}`: declare the \
                 import in Go beside the module for a typed method, whose results the runtime places"
            )));
        }
        Ok(())
    }
}
