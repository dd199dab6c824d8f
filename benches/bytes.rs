//! `[]byte` in and out, 1 MiB: through `bytesx.passthrough` (`func
//! passthrough(data []byte) []byte { return data }`: the binding's own cost)
//! in `bytes/passthrough_1MiB`, and through `bytesx.echo` (`func echo(data
//! []byte) []byte`, which copies it into a new Go slice), generated bindings against
//! hand-written wasmtime code on the same guest, in one group per payload
//! with the throughput in bytes. Two payloads, because TinyGo's conservative
//! GC scans every live object word by word and treats any word that looks
//! like a heap address as a pointer: `bytes/echo_1MiB_text` (ASCII text, no
//! word looks like one) and `bytes/echo_1MiB_binary` (pseudo-random bytes,
//! many do).
//!
//! - `generated`: `tinybind::guests::bytesx::Bytesx::echo` on `Runtime::new()`;
//!   `generated_no_deadline` on `Runtime::builder().timeout(None)`.
//! - `hand_best`: `Engine::default()`, the argument written through
//!   `Memory::data_mut` into a buffer allocated once, the result copied out of
//!   `Memory::data`.
//! - `hand_usual`: guest `malloc` for the argument and `free` after,
//!   `Memory::write`/`Memory::read`.
//! - `memcpy_floor`: the two host copies alone (1 MiB in, 1 MiB out), what
//!   no binding can beat.

mod common;

use std::hint::black_box;

use common::{EngineKind, Hand};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tinybind::guests::bytesx::Bytesx;
use tinybind::Runtime;

const MIB: usize = 1 << 20;

type Method = fn(&mut Bytesx, &[u8]) -> Result<Vec<u8>, tinybind::Error>;

fn echo(c: &mut Criterion) {
    let text: Vec<u8> = (0..MIB).map(|i| b"lorem ipsum dolor sit amet, "[i % 28]).collect();
    let binary: Vec<u8> = (0..MIB).map(|i| (i * 31 + 7) as u8).collect();
    // What the binding costs: the guest returns its argument.
    group(c, "bytes/passthrough_1MiB", "passthrough", Bytesx::passthrough, &binary);
    // What TinyGo's allocator and GC add: the guest copies it.
    for (name, data) in [("text", &text), ("binary", &binary)] {
        group(c, &format!("bytes/echo_1MiB_{name}"), "echo", Bytesx::echo, data);
    }
}

fn group(c: &mut Criterion, name: &str, export: &str, method: Method, data: &[u8]) {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(MIB as u64)).sample_size(20);

    let rt = Runtime::new().expect("runtime");
    let mut guest = Bytesx::new(&rt).expect("instantiate");
    assert_eq!(method(&mut guest, data).expect("call"), data);
    g.bench_function("generated", |b| {
        b.iter(|| black_box(method(&mut guest, black_box(data)).expect("call")))
    });
    let rt0 = Runtime::builder().timeout(None).build().expect("runtime");
    let mut guest0 = Bytesx::new(&rt0).expect("instantiate");
    g.bench_function("generated_no_deadline", |b| {
        b.iter(|| black_box(method(&mut guest0, black_box(data)).expect("call")))
    });

    let wasm = include_bytes!("../guest-go/bytesx.wasm");
    let engine = common::engine(EngineKind::Default);
    let mut h = Hand::new(&engine, EngineKind::Default, wasm, MIB);
    let f = h.func::<(i32, i32, i32, i32), ()>(export);
    g.bench_function("hand_best", |b| {
        b.iter(|| {
            let [(p, l)] = h.write_scratch([black_box(data)]);
            f.call(&mut h.store, (h.retptr, p, l, l)).expect("call");
            black_box(h.result_bytes().to_vec())
        })
    });

    let mut h = Hand::new(&engine, EngineKind::Default, wasm, 64);
    let f = h.func::<(i32, i32, i32, i32), ()>(export);
    g.bench_function("hand_usual", |b| {
        b.iter(|| {
            let args = h.malloc_args([black_box(data)]);
            let [(p, l)] = args;
            f.call(&mut h.store, (h.retptr, p, l, l)).expect("call");
            let out = h.read_result_usual();
            h.free_args(args);
            black_box(out)
        })
    });

    let mut scratch = vec![0u8; MIB];
    g.bench_function("memcpy_floor", |b| {
        b.iter(|| {
            scratch.copy_from_slice(black_box(data));
            black_box(scratch.to_vec())
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = echo
}
criterion_main!(benches);
