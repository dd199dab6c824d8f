//! Results packed into one `i64`, `ptr << 32 | len`: the convention of
//! guests whose ABI has no string result (standard Go's `//go:wasmexport`,
//! and TinyGo exports written as wazero's examples are). The block is the
//! guest's `malloc`'s; once its bytes are copied out, it goes back to the
//! guest's `free`.

use crate::blocking::ready_now;
use crate::error::Error;
use crate::instance::handle::{Exec, Instance};
use crate::mem::bounds;

impl Instance {
    #[doc(hidden)]
    /// The `[]byte` a call returned packed (see the module docs): read with
    /// its bounds checked, then freed.
    pub fn take_packed_bytes(&mut self, export: &'static str, packed: i64) -> Result<Vec<u8>, Error> {
        self.check(export)?;
        ready_now(self.take_packed(export, packed, Exec::Sync))
    }

    #[doc(hidden)]
    /// [`Self::take_packed_bytes`] of a Go `string`, which must be UTF-8.
    pub fn take_packed_string(&mut self, export: &'static str, packed: i64) -> Result<String, Error> {
        let bytes = self.take_packed_bytes(export, packed)?;
        self.utf8(export, bytes)
    }

    #[doc(hidden)]
    /// [`Self::take_packed_bytes`] on an async runtime (`free` runs on the
    /// guest's fiber).
    pub async fn take_packed_bytes_async(&mut self, export: &'static str, packed: i64) -> Result<Vec<u8>, Error> {
        self.check_async(export)?;
        self.take_packed(export, packed, Exec::Async).await
    }

    #[doc(hidden)]
    /// [`Self::take_packed_string`] on an async runtime.
    pub async fn take_packed_string_async(&mut self, export: &'static str, packed: i64) -> Result<String, Error> {
        let bytes = self.take_packed_bytes_async(export, packed).await?;
        self.utf8(export, bytes)
    }

    /// Copies the packed block out, then frees it. `0` (a null pointer and
    /// no bytes) is the empty value, with nothing to free. A block outside
    /// guest memory is an error, and is not freed: it is not a block.
    pub(crate) async fn take_packed(
        &mut self,
        export: &'static str,
        packed: i64,
        exec: Exec,
    ) -> Result<Vec<u8>, Error> {
        let (ptr, len) = unpack(packed);
        if ptr == 0 && len == 0 {
            return Ok(Vec::new());
        }
        let memory = self.memory_or(export)?;
        let data = memory.data(&self.store);
        let Some(bytes) = bounds::region(data, ptr, u64::from(len)) else {
            return Err(Error::OutOfBounds {
                guest: self.module.name.to_string(),
                export: export.to_string(),
                what: "a packed result (ptr << 32 | len)",
                ptr,
                len: u64::from(len),
                memory: data.len(),
            });
        };
        // One over `max_result_bytes` is not copied, but is a block all the
        // same: it goes back to the guest too.
        let limit = self.store.data().max_bytes;
        let copied = match u64::from(len) > limit {
            true => Err(Error::ResultTooLarge {
                guest: self.module.name.to_string(),
                export: export.to_string(),
                size: u64::from(len),
                limit,
            }),
            false => Ok(bytes.to_vec()),
        };
        // `free` is part of the call that returned the block: it runs under
        // that call's deadline and fuel, without arming them again.
        if let Some(free) = self.store.data().free.clone() {
            if let Err(e) = self.run(&free, ptr as i32, exec).await {
                return Err(self.failed(export, e));
            }
        }
        copied
    }

    fn utf8(&self, export: &'static str, bytes: Vec<u8>) -> Result<String, Error> {
        String::from_utf8(bytes).map_err(|e| Error::InvalidUtf8 {
            guest: self.module.name.to_string(),
            export: export.to_string(),
            source: e.utf8_error(),
            bytes: e.into_bytes().into(),
        })
    }
}

/// `(ptr, len)` of a packed result.
pub(crate) fn unpack(packed: i64) -> (u32, u32) {
    let bits = packed as u64;
    ((bits >> 32) as u32, bits as u32)
}

#[cfg(test)]
mod tests {
    use super::unpack;

    #[test]
    fn the_pointer_is_the_high_word_and_the_length_the_low_one() {
        assert_eq!(unpack(0x0001_2345_0000_0010), (0x12345, 16));
        assert_eq!(unpack(-1), (u32::MAX, u32::MAX));
        assert_eq!(unpack(0), (0, 0));
    }
}
