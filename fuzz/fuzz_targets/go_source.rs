//! Any text as Go declarations: the reader returns a result, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tinybind_codegen::__internal::GoSource;

fuzz_target!(|text: String| {
    let _ = GoSource::parse(&[("fuzz.go".into(), text)]);
});
