//! Bindings generated for the guests of `guest-go/` and for every module of
//! the corpus, compiled with warnings denied: generated code must build
//! cleanly for any real module.
#![deny(warnings)]

include!(concat!(env!("OUT_DIR"), "/corpus.rs"));

/// The project's own guests, from `guest-go/`.
pub mod local {
    include!(concat!(env!("OUT_DIR"), "/local.rs"));
}

/// From the modules alone: DWARF where present, otherwise wasm types.
pub mod bare {
    include!(concat!(env!("OUT_DIR"), "/bare.rs"));
}

/// With declarations-only Go written from the manifest's signatures.
pub mod declared {
    include!(concat!(env!("OUT_DIR"), "/declared.rs"));
}

/// The modules whose host functions the tests implement, with the
/// declarations a user would write (see `HOSTED` in the build script).
pub mod hosted {
    include!(concat!(env!("OUT_DIR"), "/hosted.rs"));
}

/// Interface-only guests (`interfaces/`): declarations whose modules are
/// loaded at run time.
pub mod interfaces {
    include!(concat!(env!("OUT_DIR"), "/interfaces.rs"));
}

/// The warnings the code generator gave, one per line.
pub const BARE_WARNINGS: &str = include_str!(concat!(env!("OUT_DIR"), "/bare-warnings.txt"));
pub const DECLARED_WARNINGS: &str =
    include_str!(concat!(env!("OUT_DIR"), "/declared-warnings.txt"));
