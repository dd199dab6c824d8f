//! The deadline weaver on arbitrary bytes and on wasm-smith modules made to
//! terminate: weaving never panics, and a woven module behaves exactly like
//! its original (results, traps, memories and globals) while its deadline is
//! far away. The oracle is `tinybind_runtime::fuzzing::compare`, the same one
//! `cargo test` runs on 400 seeded modules.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tinybind_runtime::fuzzing::{compare, engine, terminating_module};

fuzz_target!(|data: &[u8]| {
    static ENGINE: OnceLock<wasmtime::Engine> = OnceLock::new();
    let engine = ENGINE.get_or_init(engine);
    // Raw bytes: whatever they are, comparing must not panic.
    let _ = compare(engine, data);
    let mut u = arbitrary::Unstructured::new(data);
    let Some(wasm) = terminating_module(&mut u, false) else {
        return;
    };
    if let Err(difference) = compare(engine, &wasm) {
        panic!("the woven module differs from its original: {difference}");
    }
});
