//! Valid modules from wasm-smith (every feature it knows), with Go
//! declarations made of the rest of the input: the pipeline never panics
//! and emitted code always parses.
#![no_main]

use libfuzzer_sys::arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use tinybind_codegen::__internal::{self as emit, infer, BytesPath, GoSource, ModuleInfo};

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(module) = wasm_smith::Module::arbitrary(&mut u) else {
        return;
    };
    let go_text: String = u.arbitrary().unwrap_or_default();
    let Ok(info) = ModuleInfo::parse(&module.to_bytes()) else {
        return;
    };
    let go = GoSource::parse(&[("fuzz.go".into(), go_text)]).ok();
    let model = infer("fuzz", "fuzz.wasm", &info, go.as_ref());
    let path = BytesPath::Absolute("/nonexistent/fuzz.wasm".into());
    emit::file(&[(model, path)]).expect("emitted code parses");
});
