//! The deadline weaver on wasm-smith modules free to loop and recurse
//! without end: woven, with the deadline past, every export and start
//! function stops within `FUEL` instructions (a trap or a value), with the
//! clock imported and the clock its own. The oracle is
//! `tinybind_runtime::fuzzing::stops`, the one `cargo test` runs on 300
//! seeded modules.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tinybind_runtime::fuzzing::{fuel_engine, looping_module, stops};

fuzz_target!(|data: &[u8]| {
    static ENGINE: OnceLock<wasmtime::Engine> = OnceLock::new();
    let engine = ENGINE.get_or_init(fuel_engine);
    let mut u = arbitrary::Unstructured::new(data);
    let Some(wasm) = looping_module(&mut u) else {
        return;
    };
    if let Err(e) = stops(engine, &wasm) {
        panic!("a woven module ran on past its deadline: {e}");
    }
});
