//! Standard Go guests (Go 1.26.8, `GOOS=wasip1 -buildmode=c-shared`) against
//! TinyGo ones, the same work on both:
//!
//! - `standard_go/concatenate_8`: `concatenate("abcd", "efgh")`, 8 bytes in
//!   and out. `tinygo` is `guest-go/concat.wasm` (TinyGo 0.41.1, result
//!   through the retptr); `standard_go` is `guest-go/stdgreet.wasm` (result
//!   packed into an `i64`, read, then given back to the guest's `free`),
//!   both through the generated bindings on `Runtime::new()`;
//!   `standard_go_no_deadline` on `Runtime::builder().timeout(None)`.
//!   `standard_go_hand` is the same call written by hand on
//!   `Engine::default()`: a kept argument block, `Memory::data_mut`, the
//!   packed result read from `Memory::data`, then `free`: the guest's own
//!   cost, against which the generated one's overhead is ours.
//! - `standard_go/fresh`: a fresh `stdgreet` instance per request, on
//!   `default`, `pooling` (`.pooling(16)`), and `pooling_preinit`
//!   (`.pooling(16).preinitialize(true)`): `*/ready` is "new instance" to
//!   "ready for the first call" (the drop not timed), `*/new_call_drop` a
//!   whole request (new instance, one 8-byte `concatenate`, drop). The same
//!   for TinyGo's `concat`, as `tinygo_*`.

mod common;

use std::hint::black_box;

use common::{EngineKind, Hand};
use criterion::{criterion_group, criterion_main, Criterion};
use tinybind::guests::concat::Concat;
use tinybind::guests::stdgreet::Stdgreet;
use tinybind::Runtime;

const STDGREET: &[u8] = include_bytes!("../guest-go/stdgreet.wasm");

fn concatenate_8(c: &mut Criterion) {
    let rt = Runtime::new().expect("runtime");
    let mut g = c.benchmark_group("standard_go/concatenate_8");
    let mut tinygo = Concat::new(&rt).expect("concat");
    g.bench_function("tinygo", |b| {
        b.iter(|| black_box(tinygo.concatenate(black_box("abcd"), black_box("efgh")).expect("call")))
    });
    let mut std = Stdgreet::new(&rt).expect("stdgreet");
    assert_eq!(std.concatenate("abcd", "efgh").expect("call"), "abcdefgh");
    g.bench_function("standard_go", |b| {
        b.iter(|| black_box(std.concatenate(black_box("abcd"), black_box("efgh")).expect("call")))
    });
    let rt0 = Runtime::builder().timeout(None).build().expect("runtime");
    let mut std0 = Stdgreet::new(&rt0).expect("stdgreet");
    g.bench_function("standard_go_no_deadline", |b| {
        b.iter(|| black_box(std0.concatenate(black_box("abcd"), black_box("efgh")).expect("call")))
    });
    let engine = common::engine(EngineKind::Default);
    let mut hand = Hand::new(&engine, EngineKind::Default, STDGREET, 64);
    let concatenate = hand.func::<(i32, i32, i32, i32), i64>("concatenate");
    g.bench_function("standard_go_hand", |b| {
        b.iter(|| {
            let [(a, an), (bp, bn)] = hand.write_scratch([black_box(b"abcd"), black_box(b"efgh")]);
            let packed = concatenate.call(&mut hand.store, (a, an, bp, bn)).expect("call") as u64;
            let (ptr, len) = ((packed >> 32) as usize, packed as u32 as usize);
            let out = hand.memory.data(&hand.store)[ptr..ptr + len].to_vec();
            hand.free.call(&mut hand.store, ptr as i32).expect("free");
            black_box(out)
        })
    });
    g.finish();
}

fn fresh(c: &mut Criterion) {
    let b = Runtime::builder;
    let runtimes = [
        ("default", Runtime::new().expect("runtime")),
        ("pooling", b().pooling(16).build().expect("runtime")),
        ("pooling_preinit", b().pooling(16).preinitialize(true).build().expect("runtime")),
    ];
    let mut g = c.benchmark_group("standard_go/fresh");
    for (name, rt) in &runtimes {
        let mut first = Stdgreet::new(rt).expect("compile once");
        let status = rt.preinit_status(&tinybind::guests::stdgreet::MODULE);
        assert_eq!(first.instance().preinitialized(), name.contains("preinit"), "{name}: {status:?}");
        assert_eq!(first.concatenate("abcd", "efgh").expect("call"), "abcdefgh");
        drop(first);
        g.bench_function(format!("{name}/ready"), |b| {
            b.iter_custom(|iters| common::ready(iters, || Stdgreet::new(rt).expect("new")))
        });
        g.bench_function(format!("{name}/new_call_drop"), |b| {
            b.iter(|| {
                let mut guest = Stdgreet::new(rt).expect("new");
                let out = guest.concatenate("abcd", "efgh").expect("call");
                assert_eq!(out, "abcdefgh");
                out
            })
        });
        drop(Concat::new(rt).expect("compile once"));
        g.bench_function(format!("tinygo_{name}/ready"), |b| {
            b.iter_custom(|iters| common::ready(iters, || Concat::new(rt).expect("new")))
        });
        g.bench_function(format!("tinygo_{name}/new_call_drop"), |b| {
            b.iter(|| {
                let mut guest = Concat::new(rt).expect("new");
                let out = guest.concatenate("abcd", "efgh").expect("call");
                assert_eq!(out, "abcdefgh");
                out
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = concatenate_8, fresh
}
criterion_main!(benches);
