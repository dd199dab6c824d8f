//! Per-call cost of generated bindings against hand-written wasmtime code,
//! on the same guest, in the same process and benchmark group:
//!
//! - `concat/*`: our TinyGo 0.41 guest `guest-go/concat.wasm`, through the
//!   generated `tinybind::guests::concat::Concat`.
//! - `corpus/*`: the corpus module `tg0.35.0-wasm-rmarchet-concat-RETPTR.wasm`,
//!   through bindings that `tinybind-codegen` generated for it at build time
//!   (`tinybind_bench_guests::corpus::concat::Concat`, see
//!   `benches/support/build.rs`), exactly as if it were `guest-go/concat.wasm`.
//!
//! In each `*/concatenate` group:
//! - `generated`: the generated method on `Runtime::new()` (defaults: 10 s
//!   deadline per call, enforced by checks woven into the guest's loops).
//! - `generated_no_deadline`: the same on `Runtime::builder().timeout(None)`.
//! - `hand_best`: `Engine::default()`, cached `TypedFunc`, one kept retptr
//!   area, one kept buffer written through `Memory::data_mut`, the result read
//!   from `Memory::data`.
//! - `hand_best_epoch`: the same on an engine with wasmtime's epoch
//!   interruption (the deadline set once): what a hand-written deadline
//!   costs, and what tinybind's deadlines cost before they were woven in.
//! - `hand_usual`: `Engine::default()`, guest `malloc` per argument and
//!   `free` after, `Memory::write`/`Memory::read`.
//!
//! In each `*/add` group: `generated`, `generated_no_deadline`, and a bare
//! `TypedFunc::call` on both engines.

mod common;

use std::hint::black_box;

use common::{EngineKind, Hand};
use criterion::{criterion_group, criterion_main, Criterion};
use tinybind::Runtime;

const A: &str = "Hello, ";
const B: &str = "World!";

fn runtimes() -> [(&'static str, Runtime); 2] {
    [
        ("generated", Runtime::new().expect("runtime")),
        (
            "generated_no_deadline",
            Runtime::builder().timeout(None).build().expect("runtime"),
        ),
    ]
}

/// The hand-written baselines of one guest.
fn baselines(c: &mut Criterion, prefix: &str, wasm: &[u8]) {
    let mut g = c.benchmark_group(format!("{prefix}/concatenate"));
    for (name, kind) in [("hand_best", EngineKind::Default), ("hand_best_epoch", EngineKind::Epoch)] {
        let engine = common::engine(kind);
        let mut h = Hand::new(&engine, kind, wasm, 4096);
        let f = h.func::<(i32, i32, i32, i32, i32), ()>("concatenate");
        g.bench_function(name, |b| {
            b.iter(|| {
                let [(pa, la), (pb, lb)] = h.write_scratch([black_box(A).as_bytes(), black_box(B).as_bytes()]);
                f.call(&mut h.store, (h.retptr, pa, la, pb, lb)).expect("call");
                let s = std::str::from_utf8(h.result_bytes()).expect("utf-8").to_owned();
                black_box(s)
            })
        });
    }
    {
        let engine = common::engine(EngineKind::Default);
        let mut h = Hand::new(&engine, EngineKind::Default, wasm, 4096);
        let f = h.func::<(i32, i32, i32, i32, i32), ()>("concatenate");
        g.bench_function("hand_usual", |b| {
            b.iter(|| {
                let args = h.malloc_args([black_box(A).as_bytes(), black_box(B).as_bytes()]);
                let [(pa, la), (pb, lb)] = args;
                f.call(&mut h.store, (h.retptr, pa, la, pb, lb)).expect("call");
                let s = String::from_utf8(h.read_result_usual()).expect("utf-8");
                h.free_args(args);
                black_box(s)
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group(format!("{prefix}/add"));
    for (name, kind) in [("bare_typed_func", EngineKind::Default), ("bare_typed_func_epoch", EngineKind::Epoch)] {
        let engine = common::engine(kind);
        let mut h = Hand::new(&engine, kind, wasm, 64);
        let f = h.func::<(i32, i32), i32>("add");
        g.bench_function(name, |b| {
            b.iter(|| black_box(f.call(&mut h.store, (black_box(2), black_box(40))).expect("call")))
        });
    }
    g.finish();
}

/// The generated bindings of one guest, in the groups `baselines` fills.
macro_rules! generated {
    ($c:expr, $prefix:expr, $ty:ty) => {{
        let prefix: &str = $prefix;
        for (name, rt) in runtimes() {
            let mut guest = <$ty>::new(&rt).expect("instantiate");
            assert_eq!(guest.concatenate(A, B).expect("call"), "Hello, World!");
            let mut g = $c.benchmark_group(format!("{prefix}/concatenate"));
            g.bench_function(name, |b| {
                b.iter(|| black_box(guest.concatenate(black_box(A), black_box(B)).expect("call")))
            });
            g.finish();
            let mut g = $c.benchmark_group(format!("{prefix}/add"));
            g.bench_function(name, |b| b.iter(|| black_box(guest.add(black_box(2), black_box(40)).expect("call"))));
            g.finish();
        }
    }};
}

fn ours(c: &mut Criterion) {
    let wasm = include_bytes!("../guest-go/concat.wasm");
    baselines(c, "concat", wasm);
    generated!(c, "concat", tinybind::guests::concat::Concat);
}

fn corpus(c: &mut Criterion) {
    let Some(wasm) = common::corpus_concat() else {
        eprintln!("corpus module not found: corpus/* skipped (set TINYBIND_CORPUS)");
        return;
    };
    baselines(c, "corpus", &wasm);
    if !tinybind_bench_guests::HAS_CORPUS {
        eprintln!("corpus bindings were not generated at build time: corpus/*/generated* skipped");
    }
    tinybind_bench_guests::if_corpus! {
        generated!(c, "corpus", tinybind_bench_guests::corpus::concat::Concat);
    }
}

/// The 8-byte `concatenate` taken apart, on the bench guest
/// `benches/guests/split.go` (`noop`, `first`, `concatenate`) and the same
/// source built with `-scheduler=none` (`split_nosched`). Rows:
///
/// - `wasm_noop`: a typed call of an empty wasm function (a hand-written
///   module, as no compiler emits one: no TinyGo wrapper): the floor of any
///   call, wasmtime's entry and exit.
/// - `{hand,ours}_noop[_nosched]`: TinyGo's `noop`: its export wrapper, with
///   the scheduler or without.
/// - `{hand,ours}_first[_nosched]`: `first(a, b string) string`, the calling
///   convention of `concatenate` (arguments written, the retptr read, the
///   8-byte result copied) without its work.
/// - `{hand,ours}_concatenate[_nosched]`: the whole call.
/// - `{hand,ours}_write_args` and `{hand,ours}_read_result`: the host's
///   argument writes and its result copy alone, outside any call.
///
/// `hand_*` is hand-written wasmtime as `hand_best` above; `ours_*` is
/// tinybind's generated code on `Runtime::new()`, `ours_*_no_deadline` on
/// `Runtime::builder().timeout(None)`.
fn split(c: &mut Criterion) {
    use tinybind_bench_guests::bench::{split::Split, split_nosched::SplitNosched};
    let mut g = c.benchmark_group("split");
    {
        let engine = common::engine(EngineKind::Default);
        let module = wasmtime::Module::new(&engine, r#"(module (func (export "noop")))"#).expect("wat");
        let mut store = wasmtime::Store::new(&engine, ());
        let instance = wasmtime::Instance::new(&mut store, &module, &[]).expect("instantiate");
        let f = instance.get_typed_func::<(), ()>(&mut store, "noop").expect("noop");
        g.bench_function("wasm_noop", |b| b.iter(|| f.call(&mut store, ()).expect("call")));
    }
    for (suffix, wasm) in [
        ("", &include_bytes!("guests/split.wasm")[..]),
        ("_nosched", &include_bytes!("guests/split_nosched.wasm")[..]),
    ] {
        let engine = common::engine(EngineKind::Default);
        let mut h = Hand::new(&engine, EngineKind::Default, wasm, 4096);
        let noop = h.func::<(), ()>("noop");
        let first = h.func::<(i32, i32, i32, i32, i32), ()>("first");
        let concatenate = h.func::<(i32, i32, i32, i32, i32), ()>("concatenate");
        g.bench_function(format!("hand_noop{suffix}"), |b| b.iter(|| noop.call(&mut h.store, ()).expect("call")));
        for (name, f) in [("first", &first), ("concatenate", &concatenate)] {
            g.bench_function(format!("hand_{name}{suffix}"), |b| {
                b.iter(|| {
                    let [(pa, la), (pb, lb)] = h.write_scratch([black_box(A).as_bytes(), black_box(B).as_bytes()]);
                    f.call(&mut h.store, (h.retptr, pa, la, pb, lb)).expect("call");
                    black_box(std::str::from_utf8(h.result_bytes()).expect("utf-8").to_owned())
                })
            });
        }
        if suffix.is_empty() {
            g.bench_function("hand_write_args", |b| {
                b.iter(|| black_box(h.write_scratch([black_box(A).as_bytes(), black_box(B).as_bytes()])))
            });
            g.bench_function("hand_read_result", |b| {
                b.iter(|| black_box(std::str::from_utf8(h.result_bytes()).expect("utf-8").to_owned()))
            });
        }
    }
    let runtimes = [
        ("", Runtime::new().expect("runtime")),
        ("_no_deadline", Runtime::builder().timeout(None).build().expect("runtime")),
    ];
    for (deadline, rt) in runtimes {
        let mut guest = Split::new(&rt).expect("instantiate");
        assert_eq!(guest.concatenate(A, B).expect("call"), "Hello, World!");
        assert_eq!(guest.first(A, B).expect("call"), A);
        g.bench_function(format!("ours_noop{deadline}"), |b| b.iter(|| guest.noop().expect("call")));
        g.bench_function(format!("ours_first{deadline}"), |b| {
            b.iter(|| black_box(guest.first(black_box(A), black_box(B)).expect("call")))
        });
        g.bench_function(format!("ours_concatenate{deadline}"), |b| {
            b.iter(|| black_box(guest.concatenate(black_box(A), black_box(B)).expect("call")))
        });
        if deadline.is_empty() {
            let instance = guest.instance();
            g.bench_function("ours_write_args", |b| {
                b.iter(|| {
                    let args = [black_box(A).as_bytes(), black_box(B).as_bytes()];
                    black_box(instance.write_args("first", args).expect("write"))
                })
            });
            let retptr = instance.retptr("first").expect("retptr");
            g.bench_function("ours_read_result", |b| {
                b.iter(|| black_box(instance.read_results("first", retptr, 8, |out| out.string(0)).expect("read")))
            });
        }
        let mut guest = SplitNosched::new(&rt).expect("instantiate");
        assert_eq!(guest.concatenate(A, B).expect("call"), "Hello, World!");
        g.bench_function(format!("ours_noop_nosched{deadline}"), |b| b.iter(|| guest.noop().expect("call")));
        g.bench_function(format!("ours_first_nosched{deadline}"), |b| {
            b.iter(|| black_box(guest.first(black_box(A), black_box(B)).expect("call")))
        });
        g.bench_function(format!("ours_concatenate_nosched{deadline}"), |b| {
            b.iter(|| black_box(guest.concatenate(black_box(A), black_box(B)).expect("call")))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = ours, corpus, split
}
criterion_main!(benches);
