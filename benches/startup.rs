//! Start-up costs, generated bindings against hand-written wasmtime code:
//!
//! - `startup/instance_concat`, `startup/instance_json`: a new instance of a
//!   guest that is already compiled, created and dropped. `generated` is
//!   `Concat::new(&rt)` / `Json::new(&rt)` (the runtime's cached
//!   `InstancePre`, a WASI context, `_initialize`, the exports resolved, the
//!   retptr area allocated); `generated_no_deadline` the same on
//!   `Runtime::builder().timeout(None)`; `hand` does the same with an
//!   `InstancePre` on `Engine::default()`.
//! - `startup/first_start_json`: the first start of the 1.2 MB bench guest
//!   `benches/guests/json.wasm` in a fresh runtime, up to its first call:
//!   `compile` (`Runtime::new()`: compiles with Cranelift), `compilation_cache`
//!   (`Runtime::builder().compilation_cache(true)`, the cache warm: what a new
//!   process sees after the first one; entries in `~/.cache/tinybind/modules`), and by hand `hand_compile`
//!   (`Module::new`) and `hand_deserialize` (`Module::deserialize` of
//!   `Module::serialize`d bytes held in memory, no I/O); `load` and
//!   `load_compilation_cache` are `compile` and `compilation_cache` for the
//!   same module loaded at run time (`JsonPre::load`: the check against the
//!   interface, then the same compilation).
//! - `startup/fresh_concat`, `startup/fresh_json`: a fresh instance per
//!   request, for each way of making one: `default` (`Runtime::new()`),
//!   `pooling` (`.pooling(64)`), `preinit` (`.preinitialize(true)`) and
//!   `pooling_preinit` (both), and both without deadlines
//!   (`pooling_preinit_no_deadline`, `.timeout(None)`). `*/ready` is "new instance" to "ready for the
//!   first call", the drop not timed (`iter_custom`); `*/loaded_ready` the
//!   same for `concat` loaded at run time (`ConcatPre::load`, then
//!   `instantiate`); `*/new_call_drop` is a
//!   whole request: new instance, one call (result checked), drop. `json`
//!   imports `fmt` (so `time`, whose initialisation reads the clock): the
//!   realistic guest, snapshotted since the snapshot takes the clock.

mod common;

use std::hint::black_box;
use std::time::Duration;

use common::EngineKind;
use criterion::{criterion_group, criterion_main, Criterion};
use tinybind::guests::concat::{Concat, ConcatPre};
use tinybind::Runtime;
use tinybind_bench_guests::bench::json::{Json, JsonPre};
use wasmtime::{Engine, Func, InstancePre, Module, Store};
use wasmtime_wasi::p1::WasiP1Ctx;

const CONCAT: &[u8] = include_bytes!("../guest-go/concat.wasm");
const JSON: &[u8] = include_bytes!("guests/json.wasm");

/// What a hand-written instance holds after start-up.
#[allow(dead_code)]
struct HandInstance {
    store: Store<WasiP1Ctx>,
    exports: Vec<Func>,
    retptr: i32,
}

/// A new instance from an `InstancePre`: WASI context, `_initialize`, each
/// export resolved once, an 8-byte retptr area from `malloc`.
fn hand_instance(engine: &Engine, pre: &InstancePre<WasiP1Ctx>, exports: &[&str]) -> HandInstance {
    let mut store = common::store(engine, EngineKind::Default);
    let instance = pre.instantiate(&mut store).expect("instantiate");
    let init = instance
        .get_typed_func::<(), ()>(&mut store, "_initialize")
        .expect("_initialize");
    init.call(&mut store, ()).expect("_initialize");
    let exports = exports
        .iter()
        .map(|name| instance.get_func(&mut store, name).expect(name))
        .collect();
    let malloc = instance
        .get_typed_func::<i32, i32>(&mut store, "malloc")
        .expect("malloc");
    let retptr = malloc.call(&mut store, 8).expect("malloc");
    HandInstance { store, exports, retptr }
}

fn pre(engine: &Engine, wasm: &[u8]) -> InstancePre<WasiP1Ctx> {
    let module = Module::new(engine, wasm).expect("compile");
    common::linker(engine, &module).instantiate_pre(&module).expect("instantiate_pre")
}

fn instances(c: &mut Criterion) {
    let rt = Runtime::new().expect("runtime");
    let engine = common::engine(EngineKind::Default);

    let rt0 = Runtime::builder().timeout(None).build().expect("runtime");

    let mut g = c.benchmark_group("startup/instance_concat");
    drop(Concat::new(&rt).expect("compile once"));
    drop(Concat::new(&rt0).expect("compile once"));
    g.bench_function("generated", |b| b.iter(|| black_box(Concat::new(&rt).expect("new"))));
    g.bench_function("generated_no_deadline", |b| b.iter(|| black_box(Concat::new(&rt0).expect("new"))));
    let concat = pre(&engine, CONCAT);
    g.bench_function("hand", |b| {
        b.iter(|| black_box(hand_instance(&engine, &concat, &["add", "multiply", "concatenate"])))
    });
    g.finish();

    let mut g = c.benchmark_group("startup/instance_json");
    drop(Json::new(&rt).expect("compile once"));
    drop(Json::new(&rt0).expect("compile once"));
    g.bench_function("generated", |b| b.iter(|| black_box(Json::new(&rt).expect("new"))));
    g.bench_function("generated_no_deadline", |b| b.iter(|| black_box(Json::new(&rt0).expect("new"))));
    let json = pre(&engine, JSON);
    g.bench_function("hand", |b| {
        b.iter(|| {
            black_box(hand_instance(
                &engine,
                &json,
                &["pretty", "describe", "sum", "quote", "count_fields"],
            ))
        })
    });
    g.finish();
}

/// The runtimes a fresh instance per request can come from.
fn fresh_runtimes() -> Vec<(&'static str, Runtime)> {
    let b = Runtime::builder;
    vec![
        ("default", Runtime::new().expect("runtime")),
        ("pooling", b().pooling(64).build().expect("runtime")),
        ("preinit", b().preinitialize(true).build().expect("runtime")),
        ("pooling_preinit", b().pooling(64).preinitialize(true).build().expect("runtime")),
        (
            "pooling_preinit_no_deadline",
            b().pooling(64).preinitialize(true).timeout(None).build().expect("runtime"),
        ),
    ]
}

fn fresh(c: &mut Criterion) {
    let runtimes = fresh_runtimes();
    let mut g = c.benchmark_group("startup/fresh_concat");
    for (name, rt) in &runtimes {
        let mut first = Concat::new(rt).expect("compile once");
        assert_eq!(first.instance().preinitialized(), name.contains("preinit"), "{name}");
        drop(first);
        g.bench_function(format!("{name}/ready"), |b| {
            b.iter_custom(|iters| common::ready(iters, || Concat::new(rt).expect("new")))
        });
        g.bench_function(format!("{name}/new_call_drop"), |b| {
            b.iter(|| {
                let mut guest = Concat::new(rt).expect("new");
                let out = guest.concatenate("abcd", "efgh").expect("call");
                assert_eq!(out, "abcdefgh");
                out
            })
        });
        // The same module loaded at run time, from its bytes.
        let loaded = ConcatPre::load(rt, CONCAT).expect("load");
        assert_eq!(loaded.instantiate().expect("new").instance().preinitialized(), name.contains("preinit"));
        g.bench_function(format!("{name}/loaded_ready"), |b| {
            b.iter_custom(|iters| common::ready(iters, || loaded.instantiate().expect("new")))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("startup/fresh_json");
    for (name, rt) in &runtimes {
        let mut first = Json::new(rt).expect("compile once");
        // Its start-up reads the clock (Go's `time`, through `fmt`): the
        // snapshot takes that reading (see `Runtime::preinit_status`).
        let status = rt.preinit_status(&tinybind_bench_guests::bench::json::MODULE);
        assert_eq!(first.instance().preinitialized(), name.contains("preinit"), "{name}: {status:?}");
        drop(first);
        g.bench_function(format!("{name}/ready"), |b| {
            b.iter_custom(|iters| common::ready(iters, || Json::new(rt).expect("new")))
        });
        g.bench_function(format!("{name}/new_call_drop"), |b| {
            b.iter(|| {
                let mut guest = Json::new(rt).expect("new");
                let out = guest.sum("1, 2.5").expect("call");
                assert_eq!(out, 3.5);
                out
            })
        });
    }
    g.finish();
}

fn first_start(c: &mut Criterion) {
    let mut g = c.benchmark_group("startup/first_start_json");
    g.sample_size(10).measurement_time(Duration::from_secs(8)).warm_up_time(Duration::from_millis(1));
    g.bench_function("compile", |b| {
        b.iter(|| {
            let rt = Runtime::new().expect("runtime");
            black_box(Json::new(&rt).expect("new").sum("1, 2.5").expect("call"))
        })
    });
    {
        // Fills the cache.
        let rt = Runtime::builder().compilation_cache(true).build().expect("runtime");
        drop(Json::new(&rt).expect("new"));
    }
    g.bench_function("compilation_cache", |b| {
        b.iter(|| {
            let rt = Runtime::builder().compilation_cache(true).build().expect("runtime");
            black_box(Json::new(&rt).expect("new").sum("1, 2.5").expect("call"))
        })
    });
    g.bench_function("load", |b| {
        b.iter(|| {
            let rt = Runtime::new().expect("runtime");
            let pre = JsonPre::load(&rt, JSON).expect("load");
            black_box(pre.instantiate().expect("new").sum("1, 2.5").expect("call"))
        })
    });
    g.bench_function("load_compilation_cache", |b| {
        b.iter(|| {
            let rt = Runtime::builder().compilation_cache(true).build().expect("runtime");
            let pre = JsonPre::load(&rt, JSON).expect("load");
            black_box(pre.instantiate().expect("new").sum("1, 2.5").expect("call"))
        })
    });
    g.bench_function("hand_compile", |b| {
        b.iter(|| {
            let engine = common::engine(EngineKind::Default);
            let pre = pre(&engine, JSON);
            black_box(hand_instance(&engine, &pre, &["sum"]).retptr)
        })
    });
    let serialized = {
        let engine = common::engine(EngineKind::Default);
        Module::new(&engine, JSON).expect("compile").serialize().expect("serialize")
    };
    g.bench_function("hand_deserialize", |b| {
        b.iter(|| {
            let engine = common::engine(EngineKind::Default);
            // SAFETY: the bytes come from `Module::serialize` on an engine
            // with the same configuration, just above.
            let module = unsafe { Module::deserialize(&engine, &serialized) }.expect("deserialize");
            let pre = common::linker(&engine, &module)
                .instantiate_pre(&module)
                .expect("instantiate_pre");
            black_box(hand_instance(&engine, &pre, &["sum"]).retptr)
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = instances, fresh, first_start
}
criterion_main!(benches);
