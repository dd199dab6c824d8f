//! The weaver's oracle: a woven module must behave exactly like its
//! original while the deadline is far away. [`compare`] weaves the module
//! with each clock placement, instantiates each woven form and the original
//! on one engine, runs the (deferred) start function, calls every exported
//! function with zero arguments, and compares results (bit for bit), traps,
//! and at the end every exported memory and global.
//!
//! Used by the bounded property test below and by the `weave` fuzz target
//! (`fuzz/fuzz_targets/weave.rs`). Modules must terminate on their own
//! (wasm-smith's `ensure_termination`) and have no imports.

use wasmtime::{Config, Engine, Extern, Instance, Linker, Module, SharedMemory, Store, Trap, Val, ValType};

use crate::deadline::clock::{ClockMemory, CLOCK_IMPORT};
use crate::deadline::weave::{weave, DEADLINE_EXPORT, START_EXPORT};

/// What a comparison found, when the two behaved the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compared {
    /// Both ran; this many exported functions were called in each.
    Same { calls: usize },
    /// Not compared: wasmtime refuses the original, it has imports, or the
    /// weaver refuses it (shared memories, components).
    Skipped,
}

/// How one step ended, comparably.
#[derive(Debug, PartialEq)]
enum Outcome {
    Values(Vec<Bits>),
    Trap(Option<Trap>),
    Failed(String),
}

/// A value compared by its bits (NaNs included).
#[derive(Debug, PartialEq)]
enum Bits {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(u128),
    Ref(bool),
}

fn bits(v: &Val) -> Bits {
    match v {
        Val::I32(x) => Bits::I32(*x),
        Val::I64(x) => Bits::I64(*x),
        Val::F32(x) => Bits::F32(*x),
        Val::F64(x) => Bits::F64(*x),
        Val::V128(x) => Bits::V128(x.as_u128()),
        other => Bits::Ref(other.ref_().is_some_and(|r| !r.is_null())),
    }
}

fn outcome(r: wasmtime::Result<Vec<Val>>) -> Outcome {
    match r {
        Ok(vals) => Outcome::Values(vals.iter().map(bits).collect()),
        Err(e) => match e.downcast_ref::<Trap>() {
            Some(t) => Outcome::Trap(Some(*t)),
            None => Outcome::Failed(format!("{e:#}").lines().next().unwrap_or("").to_string()),
        },
    }
}

/// The engine both run on: the runtime's features, and shared memory for
/// an imported clock.
pub fn engine() -> Engine {
    let mut config = Config::new();
    config.shared_memory(true);
    config.wasm_threads(true);
    // Unoptimised code: the same behaviour, compiled several times faster
    // (each input compiles three modules).
    config.cranelift_opt_level(wasmtime::OptLevel::None);
    Engine::new(&config).unwrap_or_else(|_| Engine::default())
}

/// Compares `wasm` with its woven forms, the clock imported and the clock
/// its own; `Err` describes the first difference.
pub fn compare(engine: &Engine, wasm: &[u8]) -> Result<Compared, String> {
    let own = compare_with(engine, wasm, ClockMemory::Own)?;
    let imported = compare_with(engine, wasm, ClockMemory::Imported)
        .map_err(|difference| format!("with the clock imported: {difference}"))?;
    if own != imported {
        return Err(format!("the two clocks compared differently: {own:?} and {imported:?}"));
    }
    Ok(own)
}

fn compare_with(engine: &Engine, wasm: &[u8], clock: ClockMemory) -> Result<Compared, String> {
    let Ok(original) = Module::new(engine, wasm) else {
        return Ok(Compared::Skipped);
    };
    if original.imports().len() > 0 {
        return Ok(Compared::Skipped);
    }
    let Ok(woven_bytes) = weave(wasm, clock) else {
        return Ok(Compared::Skipped);
    };
    let woven = Module::new(engine, &woven_bytes).map_err(|e| format!("the woven module does not compile: {e:#}"))?;

    let mut a = Store::new(engine, ());
    let mut b = Store::new(engine, ());
    let ia = Linker::new(engine).instantiate(&mut a, &original);
    // The clock stays at zero: the deadline set in `start` is the
    // farthest there is.
    let ib = clock_linker(engine, &b, clock)?.instantiate(&mut b, &woven);
    let (ia, ib) = match (ia, ib) {
        (Ok(ia), Ok(ib)) => (ia, ib),
        // Instantiation itself runs no code of either (the woven one
        // defers its start), so only the original's start can fail here.
        (Err(e), Ok(ib)) => {
            let expected = outcome(Err(e));
            let got = start(&mut b, &ib)?;
            return same("the start function", expected, got).map(|()| Compared::Same { calls: 0 });
        }
        (Ok(_), Err(e)) => return Err(format!("only the woven module fails to instantiate: {e:#}")),
        (Err(_), Err(_)) => return Ok(Compared::Skipped),
    };
    let got = start(&mut b, &ib)?;
    same("the start function", Outcome::Values(Vec::new()), got)?;

    let mut calls = 0;
    for export in original.exports() {
        let name = export.name();
        let (Some(fa), Some(fb)) = (ia.get_func(&mut a, name), ib.get_func(&mut b, name)) else {
            continue;
        };
        let ty = fa.ty(&a);
        let Some(args) = zero_args(&ty) else {
            continue;
        };
        let mut ra = vec![Val::I32(0); ty.results().len()];
        let mut rb = ra.clone();
        let oa = outcome(fa.call(&mut a, &args, &mut ra).map(|()| ra));
        let ob = outcome(fb.call(&mut b, &args, &mut rb).map(|()| rb));
        same(&format!("export `{name}`"), oa, ob)?;
        calls += 1;
    }
    for export in original.exports() {
        let name = export.name();
        match (ia.get_export(&mut a, name), ib.get_export(&mut b, name)) {
            (Some(Extern::Memory(ma)), Some(Extern::Memory(mb))) if ma.data(&a) != mb.data(&b) => {
                return Err(format!("memory `{name}` differs at the end"));
            }
            (Some(Extern::Global(ga)), Some(Extern::Global(gb))) => {
                let (va, vb) = (bits(&ga.get(&mut a)), bits(&gb.get(&mut b)));
                if va != vb {
                    return Err(format!("global `{name}` differs at the end: {va:?} and {vb:?}"));
                }
            }
            _ => {}
        }
    }
    Ok(Compared::Same { calls })
}

/// Arms the woven module's deadline far away and runs its deferred start.
fn start(store: &mut Store<()>, instance: &Instance) -> Result<Outcome, String> {
    let deadline = instance
        .get_global(&mut *store, DEADLINE_EXPORT)
        .ok_or("the woven module exports no deadline")?;
    deadline.set(&mut *store, Val::I64(-1)).map_err(|e| e.to_string())?;
    Ok(match instance.get_func(&mut *store, START_EXPORT) {
        Some(f) => outcome(f.call(&mut *store, &[], &mut []).map(|()| Vec::new())),
        None => Outcome::Values(Vec::new()),
    })
}

fn same(what: &str, original: Outcome, woven: Outcome) -> Result<(), String> {
    if original == woven {
        Ok(())
    } else {
        Err(format!("{what}: the original gives {original:?}, the woven module {woven:?}"))
    }
}

/// A linker that provides the clock a module woven with `clock` imports
/// (a one-page shared memory, at zero), or nothing for its own clock.
pub(crate) fn clock_linker(engine: &Engine, store: &Store<()>, clock: ClockMemory) -> Result<Linker<()>, String> {
    let mut linker = Linker::new(engine);
    if clock == ClockMemory::Imported {
        let memory = SharedMemory::new(engine, wasmtime::MemoryType::shared(1, 1)).map_err(|e| e.to_string())?;
        linker
            .define(store, CLOCK_IMPORT.0, CLOCK_IMPORT.1, memory)
            .map_err(|e| e.to_string())?;
    }
    Ok(linker)
}

/// Zero for each parameter of `ty` (`None`: one is a reference type that
/// cannot be made without a store, so the function is not called).
pub(crate) fn zero_args(ty: &wasmtime::FuncType) -> Option<Vec<Val>> {
    ty.params().map(|t| zero(&t)).collect()
}

/// The zero of a parameter type (`None`: a reference type that cannot be
/// made without a store).
fn zero(t: &ValType) -> Option<Val> {
    Some(match t {
        ValType::I32 => Val::I32(0),
        ValType::I64 => Val::I64(0),
        ValType::F32 => Val::F32(0),
        ValType::F64 => Val::F64(0),
        ValType::V128 => Val::V128(0u128.into()),
        ValType::Ref(r) if r.is_nullable() => Val::null_ref(r.heap_type()),
        ValType::Ref(_) => return None,
    })
}

/// A wasm-smith module made to terminate (`ensure_termination`), of the
/// kind the oracle compares: no imports, tail calls, up to two memories, a
/// start function, everything exported; without traps if `avoid_traps`.
/// `None` when `u` does not make one.
pub fn terminating_module(u: &mut arbitrary::Unstructured<'_>, avoid_traps: bool) -> Option<Vec<u8>> {
    let config = wasm_smith::Config {
        max_imports: 0,
        min_funcs: 2,
        disallow_traps: avoid_traps,
        max_memories: 2,
        max_memory32_bytes: 1 << 20,
        memory64_enabled: false,
        tail_call_enabled: true,
        export_everything: true,
        allow_start_export: true,
        gc_enabled: false,
        // The runtime's wasmtime has no collector, so no externref.
        reference_types_enabled: false,
        exceptions_enabled: false,
        threads_enabled: false,
        ..Default::default()
    };
    let mut module = wasm_smith::Module::new(config, u).ok()?;
    module.ensure_termination(1_000).ok()?;
    Some(module.to_bytes())
}

/// `cases` seeded inputs of `len` bytes each, numbered, for the oracles'
/// bounded property tests.
#[cfg(test)]
pub(crate) fn seeded_inputs(seed: u64, cases: usize, len: usize) -> impl Iterator<Item = (usize, Vec<u8>)> {
    let mut next = crate::deadline::weave::seeded(seed);
    (0..cases).map(move |case| (case, (0..len).map(|_| next() as u8).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bounded differential test: 400 wasm-smith modules made to terminate,
    /// with tail calls, several memories and start functions, behave the
    /// same woven and unwoven. Seeded, so a failure names its case.
    #[test]
    fn woven_modules_behave_exactly_like_their_originals() {
        let engine = engine();
        let (mut compared, mut calls) = (0, 0);
        for (case, bytes) in seeded_inputs(0x9E37_79B9_7F4A_7C15, 400, 8192) {
            let mut u = arbitrary::Unstructured::new(&bytes);
            // Half the cases avoid traps, so that more calls get past the
            // start function.
            let Some(wasm) = terminating_module(&mut u, case % 2 == 0) else {
                continue;
            };
            match compare(&engine, &wasm) {
                Ok(Compared::Same { calls: n }) => {
                    compared += 1;
                    calls += n;
                }
                Ok(Compared::Skipped) => {}
                Err(difference) => panic!("case {case}: {difference}"),
            }
        }
        eprintln!("{compared} modules compared, {calls} exported functions called in each form");
        assert!(compared > 150 && calls > 500, "only {compared} modules and {calls} calls compared");
    }
}
