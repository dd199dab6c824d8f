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
