//! Any bytes as a guest module: reading, inference (with DWARF), inspection
//! and emitting never panic, and emitted code always parses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tinybind_codegen::__internal::{self as emit, infer, BytesPath, ModuleInfo};
use tinybind_codegen::Inspection;

fuzz_target!(|bytes: &[u8]| {
    let Ok(info) = ModuleInfo::parse(bytes) else {
        return;
    };
    let model = infer("fuzz", "fuzz.wasm", &info, None);
    let _ = format!("{:?}", Inspection::from(&model));
    let path = BytesPath::Absolute("/nonexistent/fuzz.wasm".into());
    emit::file(&[(model, path)]).expect("emitted code parses");
});
