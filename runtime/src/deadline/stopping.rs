//! The weaver's second oracle: with its deadline past, a woven module stops.
//! [`stops`] weaves a module that may loop or recurse without end, leaves
//! the deadline at its initial value (already past), runs the deferred
//! start function and every exported function with zero arguments on a
//! fuel-metered store, and requires each to end (a value, or a trap) within
//! [`FUEL`] instructions. [`placement`](super::placement) proves that no
//! stretch between two checks does more than `BUDGET` units; a call that
//! runs out of fuel instead found a way to run long past its deadline.
//!
//! Used by the bounded property test below and by the `weave_stops` fuzz
//! target (`fuzz/fuzz_targets/weave_stops.rs`).

use wasmtime::{Config, Engine, Module, Store, Trap, Val};

use crate::deadline::clock::ClockMemory;
use crate::deadline::differential::{clock_linker, zero_args};
use crate::deadline::placement::BUDGET;
use crate::deadline::weave::{weave, START_EXPORT};

/// The fuel each call gets: twice the most work between two checks (an
/// exception landing in an ancestor's handler), and the checks' own
/// instructions on top.
pub const FUEL: u64 = 2 * BUDGET + 50_000;

/// What a run found, when every call stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stopped {
    /// This many calls (start functions included) ended within [`FUEL`].
    Ended { calls: usize },
    /// Not run: wasmtime or the weaver refuses the module, or it has
    /// imports.
    Skipped,
}

/// The engine the runs use: fuel-metered, with shared memory for an
/// imported clock.
pub fn fuel_engine() -> Engine {
    let mut config = Config::new();
    config.consume_fuel(true);
    config.shared_memory(true);
    config.wasm_threads(true);
    // Unoptimised code: the same behaviour, compiled several times faster
    // (each input compiles three modules).
    config.cranelift_opt_level(wasmtime::OptLevel::None);
    Engine::new(&config).unwrap_or_else(|_| Engine::default())
}

/// Weaves `wasm` with each clock placement and runs it past its deadline;
/// `Err` names the first call that ran out of fuel.
pub fn stops(engine: &Engine, wasm: &[u8]) -> Result<Stopped, String> {
    match Module::new(engine, wasm) {
        Ok(original) if original.imports().len() == 0 => {}
        _ => return Ok(Stopped::Skipped),
    }
    let mut total = 0;
    for clock in [ClockMemory::Own, ClockMemory::Imported] {
        let Ok(woven) = weave(wasm, clock) else {
            return Ok(Stopped::Skipped);
        };
        match run_metered(engine, &woven, clock)? {
            Stopped::Ended { calls } => total += calls,
            Stopped::Skipped => {}
        }
    }
    Ok(Stopped::Ended { calls: total })
}

/// Runs `wasm` as it is (woven or not; a woven one's deadline stays at its
/// initial value, already past): its start function, then every export
/// with zero arguments, each with [`FUEL`]. `clock` says which clock memory
/// to provide.
pub(crate) fn run_metered(engine: &Engine, wasm: &[u8], clock: ClockMemory) -> Result<Stopped, String> {
    let module = Module::new(engine, wasm).map_err(|e| format!("the woven module does not compile: {e:#}"))?;
    let mut store = Store::new(engine, ());
    let linker = clock_linker(engine, &store, clock)?;
    // An unwoven module's start function runs here, metered too.
    store.set_fuel(FUEL).map_err(|e| e.to_string())?;
    let instance = match linker.instantiate(&mut store, &module) {
        Ok(instance) => instance,
        Err(e) if is_out_of_fuel(&e) => return Err("the start function ran out of fuel".into()),
        // A segment out of bounds, a start function that traps.
        Err(_) => return Ok(Stopped::Skipped),
    };
    let mut calls = 0;
    if let Some(start) = instance.get_func(&mut store, START_EXPORT) {
        metered(&mut store, START_EXPORT, start, &[])?;
        calls += 1;
    }
    for export in module.exports() {
        let name = export.name();
        if name == START_EXPORT {
            continue;
        }
        let Some(func) = instance.get_func(&mut store, name) else {
            continue;
        };
        let Some(args) = zero_args(&func.ty(&store)) else {
            continue;
        };
        metered(&mut store, name, func, &args)?;
        calls += 1;
    }
    Ok(Stopped::Ended { calls })
}

fn metered(store: &mut Store<()>, name: &str, func: wasmtime::Func, args: &[Val]) -> Result<(), String> {
    store.set_fuel(FUEL).map_err(|e| e.to_string())?;
    let mut results = vec![Val::I32(0); func.ty(&*store).results().len()];
    match func.call(&mut *store, args, &mut results) {
        Err(e) if is_out_of_fuel(&e) => {
            Err(format!("export `{name}` ran {FUEL} instructions past its deadline without reaching a check"))
        }
        _ => Ok(()),
    }
}

fn is_out_of_fuel(e: &wasmtime::Error) -> bool {
    e.downcast_ref::<Trap>() == Some(&Trap::OutOfFuel)
}

/// A wasm-smith module that may loop and recurse without end (no
/// `ensure_termination`), of the kind the weaver takes: no imports, tail
/// calls, up to two memories, a start function, everything exported.
/// `None` when `u` does not make one.
pub fn looping_module(u: &mut arbitrary::Unstructured<'_>) -> Option<Vec<u8>> {
    let config = wasm_smith::Config {
        max_imports: 0,
        min_funcs: 1,
        max_memories: 2,
        max_memory32_bytes: 1 << 20,
        memory64_enabled: false,
        tail_call_enabled: true,
        export_everything: true,
        allow_start_export: true,
        gc_enabled: false,
        reference_types_enabled: false,
        exceptions_enabled: false,
        threads_enabled: false,
        ..Default::default()
    };
    wasm_smith::Module::new(config, u).ok().map(|m| m.to_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The oracle can fail: an endless loop, not woven, runs out of fuel;
    /// woven, with either clock, it stops.
    #[test]
    fn an_endless_loop_runs_out_of_fuel_unless_woven() {
        let engine = fuel_engine();
        let wasm = wat::parse_str(
            r#"(module
                (func (export "spin") (loop br 0))
                (func $deep (export "deep") (result i32) (call $deep))
                (func $start (loop br 0))
                (start $start))"#,
        )
        .expect("valid wat");
        let unwoven = run_metered(&engine, &wasm, ClockMemory::Own).expect_err("the start function never ends");
        assert!(unwoven.contains("out of fuel"), "{unwoven}");
        assert_eq!(stops(&engine, &wasm), Ok(Stopped::Ended { calls: 6 }));
    }

    /// Bounded property test: 300 wasm-smith modules, free to loop and
    /// recurse, each stop past their deadline in every export and start
    /// function. Seeded, so a failure names its case.
    #[test]
    fn woven_modules_stop_past_their_deadline() {
        let engine = fuel_engine();
        let (mut ran, mut calls) = (0, 0);
        for (case, bytes) in crate::deadline::differential::seeded_inputs(0x51_7CC1_B727_220A, 300, 4096) {
            let mut u = arbitrary::Unstructured::new(&bytes);
            let Some(wasm) = looping_module(&mut u) else {
                continue;
            };
            match stops(&engine, &wasm) {
                Ok(Stopped::Ended { calls: n }) => {
                    ran += 1;
                    calls += n;
                }
                Ok(Stopped::Skipped) => {}
                Err(e) => panic!("case {case}: {e}"),
            }
        }
        eprintln!("{ran} modules run past their deadline, {calls} calls stopped");
        assert!(ran > 100 && calls > 300, "only {ran} modules and {calls} calls run");
    }
}
