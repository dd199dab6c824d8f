//! Per-call cost of host functions: the `hostcalls` guest's `log_many(msg,
//! n)` export calls the typed string import `env.log` n = 1000 times, and the
//! host adds up the lengths of the strings it receives.
//!
//! In the `hostcalls/log` group (per host call, criterion's throughput):
//! - `generated`: `Hostcalls::with_host` with a `HostcallsHost` on
//!   `Runtime::new()` (default 10 s deadline).
//! - `generated_no_deadline`: the same on `Runtime::builder().timeout(None)`.
//! - `hand_best`: hand-written wasmtime on `Engine::default()`:
//!   `Linker::func_wrap("env", "log", ..)` reading the string from a
//!   `Memory` kept in the store data, `str::from_utf8`, the host's counter
//!   in the store data.
//! - `hand_usual`: the same, with the memory found through
//!   `Caller::get_export("memory")` on every call, as most examples do.
//!
//! In `hostcalls/lookup`, `lookup_many(key, 1000)` calls the legacy import
//! `env.lookup(key string) string`, whose result the host places in guest
//! memory: `generated` against `hand_best`, hand-written `malloc`, write,
//! retptr and `free`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tinybind::guests::hostcalls::{Hostcalls, HostcallsHost};
use tinybind::{HostError, Runtime};
use wasmtime::{Caller, Engine, Extern, Linker, Memory, Module, Store, TypedFunc};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::WasiCtxBuilder;

const CALLS: i32 = 1000;
const MESSAGE: &str = "a log line of forty-two bytes, give or ta";
const KEY: &str = "the-key";

#[derive(Default)]
struct Counter {
    bytes: usize,
}

impl HostcallsHost for Counter {
    fn log(&mut self, message: &str) -> Result<(), HostError> {
        self.bytes += message.len();
        Ok(())
    }

    fn lookup(&mut self, key: &str) -> Result<String, HostError> {
        Ok(format!("v:{key}"))
    }
}

/// What the hand-written host keeps in its store.
struct HandState {
    wasi: WasiP1Ctx,
    memory: Option<Memory>,
    malloc: Option<TypedFunc<i32, i32>>,
    free: Option<TypedFunc<i32, ()>>,
    bytes: usize,
}

struct Hand {
    store: Store<HandState>,
    log_many: TypedFunc<(i32, i32, i32), ()>,
    lookup_many: TypedFunc<(i32, i32, i32), i32>,
    scratch: i32,
}

fn read_str(data: &[u8], ptr: i32, len: i32) -> wasmtime::Result<&str> {
    let (ptr, len) = (ptr as u32 as usize, len as u32 as usize);
    let bytes = data
        .get(ptr..ptr.checked_add(len).ok_or_else(|| wasmtime::Error::msg("overflow"))?)
        .ok_or_else(|| wasmtime::Error::msg("out of bounds"))?;
    Ok(std::str::from_utf8(bytes)?)
}

impl Hand {
    fn new(engine: &Engine, wasm: &[u8], usual: bool) -> Hand {
        let module = Module::new(engine, wasm).expect("compile");
        let mut linker: Linker<HandState> = Linker::new(engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |s| &mut s.wasi).expect("wasi");
        if usual {
            linker
                .func_wrap("env", "log", |mut caller: Caller<'_, HandState>, ptr: i32, len: i32| {
                    let Some(Extern::Memory(memory)) = caller.get_export("memory") else {
                        return Err(wasmtime::Error::msg("no memory"));
                    };
                    let n = read_str(memory.data(&caller), ptr, len)?.len();
                    caller.data_mut().bytes += n;
                    Ok(())
                })
                .expect("log");
        } else {
            linker
                .func_wrap("env", "log", |mut caller: Caller<'_, HandState>, ptr: i32, len: i32| {
                    let memory = caller.data().memory.ok_or_else(|| wasmtime::Error::msg("no memory"))?;
                    let n = read_str(memory.data(&caller), ptr, len)?.len();
                    caller.data_mut().bytes += n;
                    Ok(())
                })
                .expect("log");
        }
        linker
            .func_wrap(
                "env",
                "lookup",
                |mut caller: Caller<'_, HandState>, retptr: i32, ptr: i32, len: i32| {
                    let memory = caller.data().memory.ok_or_else(|| wasmtime::Error::msg("no memory"))?;
                    let value = format!("v:{}", read_str(memory.data(&caller), ptr, len)?);
                    let malloc = caller.data().malloc.clone().ok_or_else(|| wasmtime::Error::msg("no malloc"))?;
                    let block = malloc.call(&mut caller, value.len() as i32)?;
                    let data = memory.data_mut(&mut caller);
                    let (b, r) = (block as u32 as usize, retptr as u32 as usize);
                    data.get_mut(b..b + value.len())
                        .ok_or_else(|| wasmtime::Error::msg("out of bounds"))?
                        .copy_from_slice(value.as_bytes());
                    let header = data.get_mut(r..r + 8).ok_or_else(|| wasmtime::Error::msg("out of bounds"))?;
                    header[..4].copy_from_slice(&(block as u32).to_le_bytes());
                    header[4..].copy_from_slice(&(value.len() as u32).to_le_bytes());
                    let free = caller.data().free.clone().ok_or_else(|| wasmtime::Error::msg("no free"))?;
                    free.call(&mut caller, block)?;
                    Ok(())
                },
            )
            .expect("lookup");
        linker.define_unknown_imports_as_traps(&module).expect("unknown imports");
        let state = HandState {
            wasi: WasiCtxBuilder::new().build_p1(),
            memory: None,
            malloc: None,
            free: None,
            bytes: 0,
        };
        let mut store = Store::new(engine, state);
        let instance = linker.instantiate(&mut store, &module).expect("instantiate");
        let memory = instance.get_memory(&mut store, "memory").expect("memory");
        let malloc = instance.get_typed_func::<i32, i32>(&mut store, "malloc").expect("malloc");
        let free = instance.get_typed_func::<i32, ()>(&mut store, "free").expect("free");
        store.data_mut().memory = Some(memory);
        store.data_mut().malloc = Some(malloc.clone());
        store.data_mut().free = Some(free);
        instance
            .get_typed_func::<(), ()>(&mut store, "_initialize")
            .expect("_initialize")
            .call(&mut store, ())
            .expect("start-up");
        let scratch = malloc.call(&mut store, 256).expect("malloc");
        let log_many = instance.get_typed_func(&mut store, "log_many").expect("log_many");
        let lookup_many = instance.get_typed_func(&mut store, "lookup_many").expect("lookup_many");
        Hand {
            store,
            log_many,
            lookup_many,
            scratch,
        }
    }

    /// Writes `text` to the kept argument buffer.
    fn arg(&mut self, text: &str) -> (i32, i32) {
        let memory = self.store.data().memory.expect("memory");
        let at = self.scratch as usize;
        memory.data_mut(&mut self.store)[at..at + text.len()].copy_from_slice(text.as_bytes());
        (self.scratch, text.len() as i32)
    }
}

fn host_calls(c: &mut Criterion) {
    let wasm = include_bytes!("../guest-go/hostcalls.wasm");
    let runtimes = [
        ("generated", Runtime::new().expect("runtime")),
        ("generated_no_deadline", Runtime::builder().timeout(None).build().expect("runtime")),
    ];

    let mut g = c.benchmark_group("hostcalls/log");
    g.throughput(Throughput::Elements(CALLS as u64));
    for (name, rt) in &runtimes {
        let mut guest = Hostcalls::with_host(rt, Counter::default()).expect("instantiate");
        g.bench_function(*name, |b| {
            b.iter(|| guest.log_many(black_box(MESSAGE), black_box(CALLS)).expect("call"))
        });
        assert!(guest.host().bytes >= MESSAGE.len() * CALLS as usize);
    }
    for (name, usual) in [("hand_best", false), ("hand_usual", true)] {
        let engine = Engine::default();
        let mut h = Hand::new(&engine, wasm, usual);
        let (ptr, len) = h.arg(MESSAGE);
        let f = h.log_many.clone();
        g.bench_function(name, |b| {
            b.iter(|| f.call(&mut h.store, (black_box(ptr), black_box(len), black_box(CALLS))).expect("call"))
        });
        assert!(h.store.data().bytes >= MESSAGE.len() * CALLS as usize);
    }
    g.finish();

    let mut g = c.benchmark_group("hostcalls/lookup");
    g.throughput(Throughput::Elements(CALLS as u64));
    for (name, rt) in &runtimes[..1] {
        let mut guest = Hostcalls::with_host(rt, Counter::default()).expect("instantiate");
        g.bench_function(*name, |b| {
            b.iter(|| assert_eq!(guest.lookup_many(black_box(KEY), black_box(CALLS)).expect("call"), CALLS))
        });
    }
    {
        let engine = Engine::default();
        let mut h = Hand::new(&engine, wasm, false);
        let (ptr, len) = h.arg(KEY);
        let f = h.lookup_many.clone();
        g.bench_function("hand_best", |b| {
            b.iter(|| assert_eq!(f.call(&mut h.store, (black_box(ptr), black_box(len), black_box(CALLS))).expect("call"), CALLS))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = criterion::Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(800))
        .measurement_time(std::time::Duration::from_secs(3))
        .sample_size(40);
    targets = host_calls
}
criterion_main!(benches);
