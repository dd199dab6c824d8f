//! tinybind, Extism and the component model, side by side, on one Go
//! function (`a + b`) built by one TinyGo (0.41.1). Run by `run.sh`, which
//! builds the guests first. Every timed loop checks every result.
//!
//! - `peers-call-<size>`: one call with `a` and `b` of `size` bytes each,
//!   on an instance made once: `tinybind` (generated bindings, default
//!   runtime: deadline, 1 GiB cap, WASI sandbox), `extism` (length-prefixed
//!   buffer), `extism_json` (`pdk.InputJSON`, "idiomatic"), `component`
//!   (`concatenate(a, b)`), `component_packed` (`concatenate-packed`).
//!   Each peer also as `*_nosched`: the guest built with
//!   `-scheduler=none` (see build-guests.sh).
//!   A wrong result or a trap counts as a failure and the instance is made
//!   anew (inside the timing); failures are written to `failures.json`.
//! - `peers-instantiate`: a new instance of a compiled guest, dropped.
//! - `peers-fresh-call`: a fresh instance per request: new instance, one
//!   8-byte call (checked), drop.
//! - `peers-first-start`: a new engine/runtime, compile (or load from the
//!   compilation cache, warm), instantiate, one call.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion};
use tinybind_peers::component::{self, Setup};
use tinybind_peers::extism_peer;
use tinybind_peers::guests::concat::Concat;
use tinybind_peers::guests::concat_nosched::ConcatNosched;
use tinybind_peers::{guest, inputs, SIZES};
use tinybind_runtime::Runtime;

/// Failures (wrong result or trap) out of calls, by benchmark id.
type Failures = BTreeMap<String, (u64, u64)>;

/// Times `iters` calls of `call` on an instance from `make`, checking each
/// result against `expected`; a failure is counted and the instance made
/// anew.
fn checked_loop<I, E>(
    iters: u64,
    instance: &mut I,
    make: &impl Fn() -> I,
    call: &impl Fn(&mut I) -> Result<String, E>,
    expected: &str,
    failures: &mut (u64, u64),
) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        match call(instance) {
            Ok(out) if out == expected => {}
            _ => {
                failures.0 += 1;
                *instance = make();
            }
        }
        failures.1 += 1;
    }
    start.elapsed()
}

fn calls(c: &mut Criterion, failures: &mut Failures) {
    let rt = Runtime::new().expect("runtime");
    let extism_sched = extism_peer::compiled(&guest("extism.wasm"), true);
    let extism_nosched = extism_peer::compiled(&guest("extism-nosched.wasm"), true);
    let cm_sched = component::Peer::new(component::engine(Setup::Default), &guest("component.wasm"));
    let cm_nosched = component::Peer::new(component::engine(Setup::Default), &guest("component-nosched.wasm"));
    for (label, n) in SIZES {
        let (a, b, ab) = inputs(n);
        let mut g = c.benchmark_group(format!("peers-call-{label}"));
        g.warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
        if n >= 64 << 10 {
            g.sample_size(20);
        }
        let mut bench = |name: &str, run: &mut dyn FnMut(u64, &mut (u64, u64)) -> Duration| {
            let f = failures.entry(format!("peers-call-{label}/{name}")).or_default();
            g.bench_function(name, |bencher| bencher.iter_custom(|iters| run(iters, f)));
        };
        {
            let make = || Concat::new(&rt).expect("tinybind instance");
            let mut inst = make();
            bench("tinybind", &mut |iters, f| {
                checked_loop(iters, &mut inst, &make, &|g: &mut Concat| g.concatenate(&a, &b), &ab, f)
            });
        }
        {
            let make = || ConcatNosched::new(&rt).expect("tinybind instance");
            let mut inst = make();
            bench("tinybind_nosched", &mut |iters, f| {
                checked_loop(iters, &mut inst, &make, &|g: &mut ConcatNosched| g.concatenate(&a, &b), &ab, f)
            });
        }
        for (suffix, extism, cm) in [("", &extism_sched, &cm_sched), ("_nosched", &extism_nosched, &cm_nosched)] {
            let name = |peer: &str| format!("{peer}{suffix}");
            let make = || extism_peer::plugin(extism);
            let mut inst = make();
            bench(&name("extism"), &mut |iters, f| {
                checked_loop(iters, &mut inst, &make, &|p: &mut extism::Plugin| extism_peer::concatenate(p, &a, &b), &ab, f)
            });
            let mut inst = make();
            bench(&name("extism_json"), &mut |iters, f| {
                checked_loop(iters, &mut inst, &make, &|p: &mut extism::Plugin| extism_peer::concatenate_json(p, &a, &b), &ab, f)
            });
            let make = || cm.instance().expect("component instance");
            let mut inst = make();
            bench(&name("component"), &mut |iters, f| {
                checked_loop(iters, &mut inst, &make, &|i: &mut component::Instance| i.concatenate(&a, &b), &ab, f)
            });
            let mut inst = make();
            bench(&name("component_packed"), &mut |iters, f| {
                checked_loop(iters, &mut inst, &make, &|i: &mut component::Instance| i.concatenate_packed(&a, &b), &ab, f)
            });
        }
        g.finish();
    }
}

fn startup(c: &mut Criterion) {
    let extism_wasm = guest("extism.wasm");
    let cm_wasm = guest("component.wasm");
    let rt = Runtime::new().expect("runtime");
    let fast = Runtime::builder().pooling(64).preinitialize(true).build().expect("runtime");
    drop(Concat::new(&rt).expect("compile"));
    {
        let mut g = Concat::new(&fast).expect("compile");
        assert!(g.instance().preinitialized(), "the tinybind peer is pre-initialised");
        assert_eq!(g.concatenate("a", "b").unwrap(), "ab");
    }
    let extism = extism_peer::compiled(&extism_wasm, true);
    let cm = component::Peer::new(component::engine(Setup::Default), &cm_wasm);
    let cm_pool = component::Peer::new(component::engine(Setup::Pooling), &cm_wasm);
    let (a, b, ab) = inputs(8);

    let mut g = c.benchmark_group("peers-instantiate");
    g.warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    g.bench_function("tinybind", |bch| bch.iter(|| black_box(Concat::new(&rt).expect("new"))));
    g.bench_function("tinybind_pooling_preinit", |bch| bch.iter(|| black_box(Concat::new(&fast).expect("new"))));
    g.bench_function("extism", |bch| bch.iter(|| black_box(extism_peer::plugin(&extism))));
    g.bench_function("component", |bch| bch.iter(|| black_box(cm.instance().expect("new"))));
    g.bench_function("component_pooling", |bch| bch.iter(|| black_box(cm_pool.instance().expect("new"))));
    g.finish();

    let mut g = c.benchmark_group("peers-fresh-call");
    g.warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    let check = |out: String| assert_eq!(out, ab);
    g.bench_function("tinybind", |bch| bch.iter(|| check(Concat::new(&rt).unwrap().concatenate(&a, &b).unwrap())));
    g.bench_function("tinybind_pooling_preinit", |bch| {
        bch.iter(|| check(Concat::new(&fast).unwrap().concatenate(&a, &b).unwrap()))
    });
    g.bench_function("extism", |bch| {
        bch.iter(|| check(extism_peer::concatenate(&mut extism_peer::plugin(&extism), &a, &b).unwrap()))
    });
    g.bench_function("component", |bch| bch.iter(|| check(cm.instance().unwrap().concatenate(&a, &b).unwrap())));
    g.bench_function("component_pooling", |bch| {
        bch.iter(|| check(cm_pool.instance().unwrap().concatenate(&a, &b).unwrap()))
    });
    g.finish();

    let mut g = c.benchmark_group("peers-first-start");
    g.sample_size(10).warm_up_time(Duration::from_millis(1)).measurement_time(Duration::from_secs(5));
    for cached in [false, true] {
        let id = |peer: &str| BenchmarkId::new(peer, if cached { "cached" } else { "compile" });
        if cached {
            // Fill each cache once.
            let rt = Runtime::builder().compilation_cache(true).build().unwrap();
            drop(Concat::new(&rt).unwrap());
            drop(extism_peer::plugin(&extism_peer::compiled(&extism_wasm, true)));
            drop(component::Peer::new(component::engine(Setup::Cached), &cm_wasm));
        }
        g.bench_function(id("tinybind"), |bch| {
            bch.iter(|| {
                let rt = Runtime::builder().compilation_cache(cached).build().unwrap();
                check(Concat::new(&rt).unwrap().concatenate(&a, &b).unwrap())
            })
        });
        g.bench_function(id("extism"), |bch| {
            bch.iter(|| {
                let compiled = extism_peer::compiled(&extism_wasm, cached);
                check(extism_peer::concatenate(&mut extism_peer::plugin(&compiled), &a, &b).unwrap())
            })
        });
        g.bench_function(id("component"), |bch| {
            bch.iter(|| {
                let setup = if cached { Setup::Cached } else { Setup::Default };
                let peer = component::Peer::new(component::engine(setup), &cm_wasm);
                check(peer.instance().unwrap().concatenate(&a, &b).unwrap())
            })
        });
    }
    g.finish();
}

/// The two-string component call against the packed one, outside the
/// timing: random sizes from 10 B to 100 KB, as in go-modules#348.
fn failure_pass(failures: &mut Failures) {
    let cm = component::Peer::new(component::engine(Setup::Default), &guest("component.wasm"));
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let sizes: Vec<(usize, usize)> = (0..3000)
        .map(|_| (10 + (next() % 100_000) as usize, 10 + (next() % 100_000) as usize))
        .collect();
    for packed in [false, true] {
        let name = if packed { "component_packed" } else { "component" };
        let (mut wrong, mut traps) = (0u64, 0u64);
        let mut inst = cm.instance().expect("instance");
        for &(na, nb) in &sizes {
            let a: String = (0..na).map(|i| (b'a' + (i % 26) as u8) as char).collect();
            let b: String = (0..nb).map(|i| (b'A' + (i % 26) as u8) as char).collect();
            let out = if packed { inst.concatenate_packed(&a, &b) } else { inst.concatenate(&a, &b) };
            match out {
                Ok(s) if s.len() == na + nb && s[..na] == a && s[na..] == b => {}
                Ok(_) => wrong += 1,
                Err(_) => {
                    traps += 1;
                    inst = cm.instance().expect("instance");
                }
            }
        }
        eprintln!("failure pass: {name}: {wrong} wrong, {traps} traps in {} calls (10 B-100 KB)", sizes.len());
        failures.insert(format!("random-10B-100KB/{name}/wrong"), (wrong, sizes.len() as u64));
        failures.insert(format!("random-10B-100KB/{name}/traps"), (traps, sizes.len() as u64));
    }
}

fn main() {
    let load_before = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let mut failures = Failures::new();
    let mut c = Criterion::default().configure_from_args();
    failure_pass(&mut failures);
    calls(&mut c, &mut failures);
    startup(&mut c);
    c.final_summary();
    let load_after = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let out = std::env::var("PEERS_RESULTS").unwrap_or_else(|_| "target/peers-results".into());
    std::fs::create_dir_all(&out).expect("results dir");
    let failures: BTreeMap<_, _> = failures
        .into_iter()
        .map(|(k, (f, n))| (k, serde_json::json!({ "failures": f, "calls": n })))
        .collect();
    let meta = serde_json::json!({
        "failures": failures,
        "loadavg_before": load_before.trim(),
        "loadavg_after": load_after.trim(),
    });
    std::fs::write(format!("{out}/bench-meta.json"), serde_json::to_string_pretty(&meta).unwrap()).expect("write");
}
