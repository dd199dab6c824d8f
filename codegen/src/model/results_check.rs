//! Checking results that come back through a retptr, which the wasm type
//! says nothing about, against what the export's code writes there
//! ([`crate::retptr`]): the one evidence a TinyGo binary holds for them
//! (its DWARF gives no result types).

use crate::abi::lower::{Lowered, Results};
use crate::abi::repr::Repr;
use crate::wasm::ExportedFunc;

/// What the export's code says of the declared results.
#[derive(Debug, PartialEq, Eq)]
pub enum ResultsCheck {
    /// No retptr: the wasm type checks the results.
    ByWasmType,
    /// Every declared result is written, and nothing beyond them.
    Verified,
    /// Nothing contradicts them, but not every store is visible (the
    /// pointer is passed on, or the code could not be read).
    Unverified,
    /// The code writes elsewhere than the declared results: why.
    Contradicted(String),
}

/// Checks the retptr results of `lowered` against `export`'s code.
pub fn check(lowered: &Lowered, export: &ExportedFunc) -> ResultsCheck {
    let Results::Retptr { fields, size } = &lowered.results else {
        return ResultsCheck::ByWasmType;
    };
    let Some(writes) = &export.retptr_writes else {
        return ResultsCheck::Unverified;
    };
    let mut words = Vec::new();
    for f in fields {
        leaves(&f.value, f.offset, &mut words);
    }
    match writes.contradiction(&words, *size) {
        Some(why) => ResultsCheck::Contradicted(why),
        None if writes.escapes => ResultsCheck::Unverified,
        None => ResultsCheck::Verified,
    }
}

/// The (offset, size) of each scalar or word a value is made of, as the
/// code writes them one store at a time.
fn leaves(value: &Repr, at: u32, out: &mut Vec<(u32, u32)>) {
    let words = |n: u32, out: &mut Vec<(u32, u32)>| out.extend((0..n).map(|i| (at + 4 * i, 4)));
    match value {
        Repr::Scalar(s) => out.push((at, s.layout().size)),
        Repr::String | Repr::Bytes | Repr::Interface => words(2, out),
        Repr::Slice(_) | Repr::Strings | Repr::List(_) => words(3, out),
        Repr::Struct(s) => {
            for f in &s.fields {
                leaves(&f.value, at + f.offset, out);
            }
        }
        Repr::Array(elem, n) => {
            let size = elem.layout().size;
            if *n <= 64 {
                for i in 0..*n {
                    leaves(elem, at + i * size, out);
                }
            } else {
                out.push((at, size.saturating_mul(*n)));
            }
        }
    }
    out.retain(|&(_, size)| size > 0);
}
