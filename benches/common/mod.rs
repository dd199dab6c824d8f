//! Hand-written wasmtime code, the baselines the generated bindings are
//! measured against. Nothing here uses tinybind: it is what a user would
//! write by hand on a plain `wasmtime::Engine` with a WASI preview 1 linker.

#![allow(dead_code)]

use std::time::Duration;

use criterion::Criterion;
use wasmtime::{Config, Engine, Instance, Linker, Memory, Module, Store, TypedFunc};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{I32Exit, WasiCtxBuilder};

/// Criterion settings that keep the whole `cargo bench` to a few minutes.
pub fn criterion() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(800))
        .measurement_time(Duration::from_secs(3))
        .sample_size(60)
        .noise_threshold(0.03)
}

/// Times `make` alone, `iters` times; what it made is dropped outside the
/// timing (for `iter_custom`).
pub fn ready<T>(iters: u64, mut make: impl FnMut() -> T) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let start = std::time::Instant::now();
        let made = std::hint::black_box(make());
        total += start.elapsed();
        drop(made);
    }
    total
}

/// The engines the baselines run on.
#[derive(Clone, Copy, Debug)]
pub enum EngineKind {
    /// `Engine::default()`: no interruption, what an outside harness uses.
    Default,
    /// Wasmtime's epoch interruption on, with the deadline set once: the
    /// usual hand-written way to stop a runaway guest.
    Epoch,
}

pub fn engine(kind: EngineKind) -> Engine {
    match kind {
        EngineKind::Default => Engine::default(),
        EngineKind::Epoch => {
            let mut c = Config::new();
            c.epoch_interruption(true);
            Engine::new(&c).expect("engine")
        }
    }
}

/// A WASI preview 1 linker; imports it does not know (such as `gojs`) trap.
pub fn linker(engine: &Engine, module: &Module) -> Linker<WasiP1Ctx> {
    let mut linker: Linker<WasiP1Ctx> = Linker::new(engine);
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |s| s).expect("wasi");
    linker
        .define_unknown_imports_as_traps(module)
        .expect("unknown imports");
    linker
}

pub fn store(engine: &Engine, kind: EngineKind) -> Store<WasiP1Ctx> {
    let mut store = Store::new(engine, WasiCtxBuilder::new().build_p1());
    if let EngineKind::Epoch = kind {
        store.set_epoch_deadline(u64::MAX / 2);
    }
    store
}

/// Runs `_initialize` (reactor) or `_start` (WASI command); a module that
/// imports `gojs` runs nothing.
pub fn start(store: &mut Store<WasiP1Ctx>, module: &Module, instance: &Instance) {
    if module.imports().any(|i| i.module() == "gojs") {
        return;
    }
    for entry in ["_initialize", "_start"] {
        if let Ok(f) = instance.get_typed_func::<(), ()>(&mut *store, entry) {
            match f.call(&mut *store, ()) {
                Ok(()) => {}
                Err(e) if e.downcast_ref::<I32Exit>().is_some_and(|x| x.0 == 0) => {}
                Err(e) => panic!("{entry}: {e:#}"),
            }
            return;
        }
    }
}

/// A guest instance with its exports, retptr area and argument buffer.
pub struct Hand {
    pub store: Store<WasiP1Ctx>,
    pub instance: Instance,
    pub memory: Memory,
    pub malloc: TypedFunc<i32, i32>,
    pub free: TypedFunc<i32, ()>,
    /// 8 bytes kept for results.
    pub retptr: i32,
    /// Kept for arguments.
    pub scratch: i32,
    pub scratch_len: usize,
}

impl Hand {
    pub fn new(engine: &Engine, kind: EngineKind, wasm: &[u8], scratch_len: usize) -> Hand {
        let module = Module::new(engine, wasm).expect("compile");
        let linker = linker(engine, &module);
        let mut store = store(engine, kind);
        let instance = linker.instantiate(&mut store, &module).expect("instantiate");
        start(&mut store, &module, &instance);
        let memory = instance.get_memory(&mut store, "memory").expect("memory");
        let malloc = instance
            .get_typed_func::<i32, i32>(&mut store, "malloc")
            .expect("malloc");
        let free = instance.get_typed_func::<i32, ()>(&mut store, "free").expect("free");
        let retptr = malloc.call(&mut store, 16).expect("malloc");
        let scratch = malloc.call(&mut store, scratch_len as i32).expect("malloc");
        assert!(retptr != 0 && scratch != 0);
        Hand {
            store,
            instance,
            memory,
            malloc,
            free,
            retptr,
            scratch,
            scratch_len,
        }
    }

    pub fn func<P: wasmtime::WasmParams, R: wasmtime::WasmResults>(&mut self, name: &str) -> TypedFunc<P, R> {
        self.instance
            .get_typed_func::<P, R>(&mut self.store, name)
            .unwrap_or_else(|e| panic!("{name}: {e:#}"))
    }

    /// Writes `args` one after the other into the kept buffer, straight into
    /// `Memory::data_mut`; returns (ptr, len) of each.
    #[inline]
    pub fn write_scratch<const N: usize>(&mut self, args: [&[u8]; N]) -> [(i32, i32); N] {
        let data = self.memory.data_mut(&mut self.store);
        let mut at = self.scratch as usize;
        let mut out = [(0, 0); N];
        for (slot, a) in out.iter_mut().zip(args) {
            data[at..at + a.len()].copy_from_slice(a);
            *slot = (at as i32, a.len() as i32);
            at += a.len();
        }
        assert!(at <= self.scratch as usize + self.scratch_len);
        out
    }

    /// The guest-written `{ptr, len}` at the retptr, read straight from
    /// `Memory::data`.
    #[inline]
    pub fn result_bytes(&self) -> &[u8] {
        let data = self.memory.data(&self.store);
        let r = self.retptr as usize;
        let ptr = u32::from_le_bytes(data[r..r + 4].try_into().unwrap()) as usize;
        let len = u32::from_le_bytes(data[r + 4..r + 8].try_into().unwrap()) as usize;
        &data[ptr..ptr + len]
    }

    /// The usual way: guest `malloc` per argument, `free` after the call.
    #[inline]
    pub fn malloc_args<const N: usize>(&mut self, args: [&[u8]; N]) -> [(i32, i32); N] {
        let mut out = [(0, 0); N];
        for (slot, a) in out.iter_mut().zip(args) {
            let p = self.malloc.call(&mut self.store, a.len() as i32).expect("malloc");
            self.memory.write(&mut self.store, p as usize, a).expect("write");
            *slot = (p, a.len() as i32);
        }
        out
    }

    #[inline]
    pub fn free_args<const N: usize>(&mut self, args: [(i32, i32); N]) {
        for (p, _) in args {
            self.free.call(&mut self.store, p).expect("free");
        }
    }

    /// The usual way to read a result: `Memory::read` into a new buffer.
    #[inline]
    pub fn read_result_usual(&mut self) -> Vec<u8> {
        let mut head = [0u8; 8];
        self.memory
            .read(&self.store, self.retptr as usize, &mut head)
            .expect("read");
        let ptr = u32::from_le_bytes(head[..4].try_into().unwrap()) as usize;
        let len = u32::from_le_bytes(head[4..].try_into().unwrap()) as usize;
        let mut out = vec![0u8; len];
        self.memory.read(&self.store, ptr, &mut out).expect("read");
        out
    }
}

/// The corpus module, read at run time (it is test data, not in the repo):
/// `$TINYBIND_CORPUS` or `../shared/corpus` beside the workspace.
pub fn corpus_concat() -> Option<Vec<u8>> {
    let dir = std::env::var_os("TINYBIND_CORPUS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    std::fs::read(dir.join("tg0.35.0-wasm-rmarchet-concat-RETPTR.wasm")).ok()
}
