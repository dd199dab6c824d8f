//! The deadline weaver on arbitrary bytes and on wasm-smith modules made to
//! terminate: weaving never panics, and a woven module behaves exactly like
//! its original (results, traps, memories and globals) while its deadline is
//! far away. The oracle is `tinybind_runtime::fuzzing::compare`, the same one
//! `cargo test` runs on 400 seeded modules.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tinybind_runtime::fuzzing::{compare, engine};

fuzz_target!(|data: &[u8]| {
    static ENGINE: OnceLock<wasmtime::Engine> = OnceLock::new();
    let engine = ENGINE.get_or_init(engine);
    // Raw bytes: whatever they are, comparing must not panic.
    let _ = compare(engine, data);
    let mut u = arbitrary::Unstructured::new(data);
    let config = wasm_smith::Config {
        max_imports: 0,
        max_memories: 2,
        max_memory32_bytes: 1 << 20,
        memory64_enabled: false,
        export_everything: true,
        gc_enabled: false,
        reference_types_enabled: false,
        exceptions_enabled: false,
        threads_enabled: false,
        ..Default::default()
    };
    let Ok(mut module) = wasm_smith::Module::new(config, &mut u) else {
        return;
    };
    if module.ensure_termination(1_000).is_err() {
        return;
    }
    if let Err(difference) = compare(engine, &module.to_bytes()) {
        panic!("the woven module differs from its original: {difference}");
    }
});
