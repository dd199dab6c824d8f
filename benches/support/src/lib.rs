//! Bench-only bindings, generated at build time by `tinybind-codegen` with
//! the same builder the root crate uses for `guest-go/` (see `build.rs`). Not
//! part of the product.

/// Bindings of `benches/guests/`: `text` (about 400 KB) and `json` (about
/// 1.2 MB).
pub mod bench {
    include!(concat!(env!("OUT_DIR"), "/bench_guests.rs"));
}

/// Bindings generated for the corpus module
/// `tg0.35.0-wasm-rmarchet-concat-RETPTR.wasm`, as if it were
/// `guest-go/concat.wasm`: `corpus::concat::Concat`.
#[cfg(tinybind_corpus)]
pub mod corpus {
    include!(concat!(env!("OUT_DIR"), "/corpus_guests.rs"));
}

/// Whether the corpus module was found at build time.
pub const HAS_CORPUS: bool = cfg!(tinybind_corpus);

/// Expands to its input only when the corpus bindings exist.
#[cfg(tinybind_corpus)]
#[macro_export]
macro_rules! if_corpus {
    ($($t:tt)*) => { $($t)* };
}

/// Expands to its input only when the corpus bindings exist.
#[cfg(not(tinybind_corpus))]
#[macro_export]
macro_rules! if_corpus {
    ($($t:tt)*) => {};
}

/// `wasm` without its DWARF (`.debug_*` custom sections), everything else
/// byte for byte: a module as `tinygo -no-debug` would leave it, for the
/// trap benchmarks and tests. `wasm` must be a well-formed binary module.
pub fn without_dwarf(wasm: &[u8]) -> Vec<u8> {
    fn leb(bytes: &[u8], at: &mut usize) -> usize {
        let (mut value, mut shift) = (0usize, 0);
        loop {
            let byte = bytes[*at];
            *at += 1;
            value |= usize::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                return value;
            }
        }
    }
    let mut out = wasm[..8].to_vec();
    let mut at = 8;
    while at < wasm.len() {
        let start = at;
        let id = wasm[at];
        at += 1;
        let size = leb(wasm, &mut at);
        let end = at + size;
        let debug = id == 0 && {
            let mut name_at = at;
            let len = leb(wasm, &mut name_at);
            wasm[name_at..name_at + len].starts_with(b".debug_")
        };
        if !debug {
            out.extend_from_slice(&wasm[start..end]);
        }
        at = end;
    }
    out
}
