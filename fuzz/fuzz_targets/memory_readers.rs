//! The runtime's readers of guest results, on guest memory filled with the
//! fuzzer's bytes: every read of a `{ptr, len}` header the fuzzer wrote is
//! either in bounds or an `OutOfBounds` error, never a panic, and nothing is
//! allocated beyond the guest's memory size.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use tinybind_runtime::{Error, GuestModule, Runtime, Startup};

/// A guest with one page of memory and a bump `malloc`, in wasm text.
static MODULE: GuestModule = GuestModule {
    name: "fuzz",
    file: "tests/data/bump_allocator.wat",
    bytes: include_bytes!("../../tests/data/bump_allocator.wat"),
    startup: Startup::None,
    retptr_size: 0,
};

#[derive(Arbitrary, Debug)]
enum Read {
    String(u32),
    Bytes(u32),
    SliceI32(u32),
    SliceF64(u32),
    I64(u32),
    Bool(u32),
    Interface(u32),
}

#[derive(Arbitrary, Debug)]
struct Input {
    /// Written into guest memory (headers and data).
    memory: Vec<u8>,
    /// Where the result area starts, relative to the written bytes or not.
    base: u32,
    relative: bool,
    size: u32,
    reads: Vec<Read>,
}

fuzz_target!(|input: Input| {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    let runtime = RUNTIME.get_or_init(|| Runtime::new().expect("runtime"));
    let mut instance = runtime.instantiate(&MODULE).expect("instantiate");
    let memory = input.memory.get(..32 * 1024).unwrap_or(&input.memory);
    let [slot] = match instance.write_args("fuzz", [memory]) {
        Ok(s) => s,
        Err(_) => return,
    };
    let size = instance.memory_size();
    let base = if input.relative {
        (slot.ptr as u32).wrapping_add(input.base % 64)
    } else {
        input.base
    };
    let Ok(results) = instance.results("fuzz", base as i32, input.size % 64) else {
        return;
    };
    for read in &input.reads {
        let outcome = match *read {
            Read::String(o) => results.string(o % 64).map(|s| s.len()),
            Read::Bytes(o) => results.bytes(o % 64).map(|b| b.len()),
            Read::SliceI32(o) => results.slice::<i32>(o % 64).map(|v| v.len() * 4),
            Read::SliceF64(o) => results.slice::<f64>(o % 64).map(|v| v.len() * 8),
            Read::I64(o) => results.i64(o % 64).map(|_| 8),
            Read::Bool(o) => results.bool(o % 64).map(|_| 1),
            Read::Interface(o) => results.interface(o % 64).map(|_| 8),
        };
        match outcome {
            Ok(len) => assert!(len <= size, "read {len} bytes from a memory of {size}"),
            Err(Error::OutOfBounds { .. }) => {}
            Err(Error::InvalidUtf8 { bytes, .. }) => assert!(bytes.len() <= size),
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
});
