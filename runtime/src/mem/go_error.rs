//! Go `error` results: an interface `{typecode, value}`, and its message
//! where the binary proves what it is.
//!
//! The host cannot call a Go `Error()` method. Since TinyGo 0.28 the
//! typecode points to a type descriptor that names named types, so the
//! message of the two error types the standard library makes can be read
//! without guessing (checked on TinyGo 0.41.1, `guest-go/errorsx.go`):
//!
//! - the typecode is a pointer type (`meta & 31 == 21`) whose element, at
//!   offset 4, is a named struct type (`meta & 31 == 26`, flag 32) named at
//!   offset 16, NUL-terminated;
//! - `errors.errorString` (`errors.New`, `fmt.Errorf` without `%w`) is
//!   `struct{ s string }`, and `fmt.wrapError` (`fmt.Errorf` with `%w`) is
//!   `struct{ msg string; err error }`: the message is the string at the
//!   value's address.
//!
//! Any other error type gives its name and no message; before TinyGo 0.28
//! typecodes are plain numbers, and nothing is read.

use crate::error::GoError;
use crate::mem::bounds::region;

/// Reads the error `{typecode, value}` in `data`; `names` says whether
/// the compiler names its types (TinyGo 0.28 and later).
pub(crate) fn read_go_error(data: &[u8], typecode: u32, value: u32, names: bool) -> GoError {
    let type_name = if names { named_pointee(data, typecode) } else { None };
    let message = match type_name.as_deref() {
        Some("errors.errorString" | "fmt.wrapError") => string_at(data, value),
        _ => None,
    };
    GoError::new(message, type_name, typecode, value)
}

fn u32_at(data: &[u8], at: u32) -> Option<u32> {
    region(data, at, 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// The name of the named type a pointer typecode points to.
fn named_pointee(data: &[u8], typecode: u32) -> Option<String> {
    const POINTER: u8 = 21;
    const STRUCT: u8 = 26;
    const NAMED: u8 = 32;
    let meta = *region(data, typecode, 1)?.first()?;
    if meta & 31 != POINTER {
        return None;
    }
    let elem = u32_at(data, typecode.checked_add(4)?)?;
    let meta = *region(data, elem, 1)?.first()?;
    if meta & 31 != STRUCT || meta & NAMED == 0 {
        return None;
    }
    let name_at = elem.checked_add(16)?;
    let available = (data.len() as u64).saturating_sub(u64::from(name_at)).min(128);
    let bytes = region(data, name_at, available)?;
    let end = bytes.iter().position(|&b| b == 0)?;
    let name = std::str::from_utf8(&bytes[..end]).ok()?;
    let plausible =
        !name.is_empty() && name.contains('.') && name.chars().all(|c| c.is_alphanumeric() || "._/-".contains(c));
    plausible.then(|| name.to_string())
}

/// The Go string `{ptr, len}` at `at`, if it is in memory and UTF-8.
fn string_at(data: &[u8], at: u32) -> Option<String> {
    let ptr = u32_at(data, at)?;
    let len = u32_at(data, at.checked_add(4)?)?;
    let bytes = region(data, ptr, u64::from(len))?;
    String::from_utf8(bytes.to_vec()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Memory laid out as TinyGo 0.41.1 lays out an `errors.New` value.
    fn memory_with(name: &str, message: &str) -> (Vec<u8>, u32, u32) {
        let mut d = vec![0u8; 512];
        d[100] = 0xd5; // *T: pointer kind, comparable, hashable
        d[104..108].copy_from_slice(&200u32.to_le_bytes());
        d[200] = 0x7a; // T: named struct
        d[216..216 + name.len()].copy_from_slice(name.as_bytes());
        d[300..308].copy_from_slice(&[0x40, 1, 0, 0, message.len() as u8, 0, 0, 0]);
        d[320..320 + message.len()].copy_from_slice(message.as_bytes());
        (d, 100, 300)
    }

    #[test]
    fn messages_of_errors_new_and_fmt_errorf_are_read() {
        let (d, t, v) = memory_with("errors.errorString", "negative input");
        let e = read_go_error(&d, t, v, true);
        assert_eq!(e.message(), Some("negative input"));
        assert_eq!(e.to_string(), "negative input");
        let (d, t, v) = memory_with("fmt.wrapError", "wrapped: inner");
        assert_eq!(read_go_error(&d, t, v, true).message(), Some("wrapped: inner"));
    }

    #[test]
    fn other_types_and_old_compilers_give_no_message() {
        let (d, t, v) = memory_with("main.codeError", "x");
        let e = read_go_error(&d, t, v, true);
        assert_eq!((e.message(), e.type_name()), (None, Some("main.codeError")));
        assert!(e.to_string().contains("main.codeError"));
        let (d, t, v) = memory_with("errors.errorString", "x");
        assert_eq!(read_go_error(&d, t, v, false).message(), None);
        // Garbage and out-of-bounds typecodes are not read past memory.
        assert_eq!(read_go_error(&d, u32::MAX - 2, 0, true).message(), None);
        assert_eq!(read_go_error(&[0xd5, 0, 0, 0, 0xff, 0xff, 0xff, 0xff], 0, 0, true).type_name(), None);
    }
}
