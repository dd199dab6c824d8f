//! A trap names where it happened in the Go source: the message ends with
//! `at FILE.go:LINE (function)` and `Error::Trap` carries the frames, on
//! every runtime configuration (the woven module's offsets map back to the
//! original's DWARF, through a pre-initialised snapshot too).

use tinybind::guests::hostile::{Hostile, HostilePre};
use tinybind_runtime::{Error, Frame, Runtime};

use crate::configurations::configurations;

fn frames(err: &Error) -> &[Frame] {
    match err {
        Error::Trap { frames, .. } => frames,
        other => panic!("not a trap: {other:?}"),
    }
}

fn is_at(frame: &Frame, function: &str, file: &str, line: u32) -> bool {
    frame.function == function && frame.file.as_deref().is_some_and(|f| f.ends_with(file)) && frame.line == Some(line)
}

#[test]
fn a_go_panic_ends_with_its_go_file_and_line_on_every_configuration() {
    for (name, runtime) in configurations() {
        let mut hostile = Hostile::new(&runtime).expect("instantiate hostile");
        let err = hostile.boom(3).expect_err("index out of range");
        let text = err.to_string();
        assert!(
            text.ends_with("panicked: runtime error: index out of range (in runtime.runtimePanicAt < runtime.lookupPanic < boom) at hostile.go:66 (boom)"),
            "{name}: {text}"
        );
        let frames = frames(&err);
        assert!(frames.iter().any(|f| is_at(f, "boom", "hostile.go", 66)), "{name}: {frames:#?}");
        // The Go runtime's frames come first, with their own files.
        assert!(frames[0].function.starts_with("runtime."), "{name}: {frames:#?}");
        assert!(!frames[0].is_guest_code());
    }
}

#[test]
fn a_panic_below_the_export_names_the_go_function_it_is_in() {
    let runtime = Runtime::builder().timeout(None).build().expect("runtime");
    let mut hostile = Hostile::new(&runtime).expect("instantiate hostile");
    assert_eq!(hostile.nth_line("a\nbc\nd", 1).expect("line 1"), "bc");
    let err = hostile.nth_line("a\nb", 5).expect_err("index out of range");
    let text = err.to_string();
    // nthLine is inlined into the export; its bounds check's call is
    // attributed to the line of the call (`return nthLine(...)`), as
    // wasmtime's own reader of the same DWARF says too (below).
    assert!(text.ends_with(" at hostile.go:166 (nthLine)"), "{text}");
    let frames = frames(&err);
    let at = frames.iter().position(|f| is_at(f, "main.nthLine", "hostile.go", 166));
    let export = frames.iter().position(|f| is_at(f, "nth_line", "hostile.go", 166));
    assert!(matches!((at, export), (Some(a), Some(e)) if a + 1 == e), "{frames:#?}");
}

#[test]
fn a_frame_without_a_line_keeps_its_function_name() {
    let runtime = Runtime::new().expect("runtime");
    let mut hostile = Hostile::new(&runtime).expect("instantiate hostile");
    // A stack overflow traps in the prologue of the innermost call, which
    // has no line; the message names the innermost frame that has one.
    let err = hostile.recurse(0).expect_err("stack overflow");
    let frames = frames(&err);
    assert!(frames.len() >= 16, "{frames:#?}");
    assert_eq!((frames[0].function.as_str(), frames[0].line), ("recurse", None));
    assert!(frames[1..].iter().all(|f| is_at(f, "recurse", "hostile.go", 115)), "{frames:#?}");
    assert!(err.to_string().contains("call stack exhausted"), "{err}");
    assert!(err.to_string().ends_with(" at hostile.go:115 (recurse)"), "{err}");
}

/// The frames wasmtime itself names, with its own DWARF reader
/// (`wasm_backtrace_details`), for a call of the unwoven module: the
/// oracle of the lines the runtime reports.
fn wasmtime_frames(export: &str, args: &[wasmtime::Val]) -> Vec<(String, Option<String>, Option<u32>)> {
    use wasmtime::{Config, Engine, Linker, Module, Store, WasmBacktrace, WasmBacktraceDetails};
    let mut config = Config::new();
    config.wasm_backtrace_details(WasmBacktraceDetails::Enable);
    let engine = Engine::new(&config).expect("engine");
    let wasm = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/guest-go/hostile.wasm")).expect("hostile.wasm");
    let module = Module::new(&engine, wasm).expect("compiles");
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |s| s).expect("wasi");
    let mut store = Store::new(&engine, wasmtime_wasi::WasiCtxBuilder::new().build_p1());
    let instance = linker.instantiate(&mut store, &module).expect("instantiates");
    // A TinyGo command: `_start` runs `main` (empty), then exits with 0.
    let start = instance.get_typed_func::<(), ()>(&mut store, "_start").expect("_start");
    if let Err(e) = start.call(&mut store, ()) {
        assert_eq!(e.downcast_ref::<wasmtime_wasi::I32Exit>().map(|e| e.0), Some(0), "{e:?}");
    }
    let f = instance.get_func(&mut store, export).expect("export");
    let mut results = vec![wasmtime::Val::I32(0); f.ty(&store).results().len()];
    let err = f.call(&mut store, args, &mut results).expect_err("traps");
    let backtrace = err.downcast_ref::<WasmBacktrace>().expect("a backtrace");
    backtrace
        .frames()
        .iter()
        .flat_map(|frame| {
            let symbols = frame.symbols().iter().map(|s| {
                let name = s.name().unwrap_or_default().to_string();
                (name, s.file().map(str::to_string), s.line())
            });
            let mut symbols: Vec<_> = symbols.collect();
            // A frame without a line (a stack overflow in a prologue) is
            // its function's name alone.
            if symbols.is_empty() {
                symbols.push((frame.func_name().unwrap_or_default().to_string(), None, None));
            }
            symbols
        })
        .collect()
}

#[test]
fn the_lines_are_those_wasmtime_reads_from_the_same_dwarf() {
    use wasmtime::Val;
    for (name, runtime) in configurations() {
        let mut hostile = Hostile::new(&runtime).expect("instantiate hostile");
        let err = hostile.boom(3).expect_err("index out of range");
        assert_eq!(triples(&err), wasmtime_frames("boom", &[Val::I32(3)]), "{name}: boom");
        hostile.reset().expect("reset");
        let err = hostile.divide(1, 0).expect_err("divide by zero");
        assert_eq!(triples(&err), wasmtime_frames("divide", &[Val::I32(1), Val::I32(0)]), "{name}: divide");
        hostile.reset().expect("reset");
        // The empty string, line 5: (retptr, ptr, len, n).
        let err = hostile.nth_line("", 5).expect_err("index out of range");
        let args = [Val::I32(16), Val::I32(0), Val::I32(0), Val::I32(5)];
        assert_eq!(triples(&err), wasmtime_frames("nth_line", &args), "{name}: nth_line");
        hostile.reset().expect("reset");
        let err = hostile.recurse(0).expect_err("stack overflow");
        let mut theirs = wasmtime_frames("recurse", &[Val::I32(0)]);
        theirs.truncate(triples(&err).len());
        assert_eq!(triples(&err), theirs, "{name}: recurse");
    }
}

fn triples(err: &Error) -> Vec<(String, Option<String>, Option<u32>)> {
    frames(err)
        .iter()
        .map(|f| (f.function.clone(), f.file.clone(), f.line))
        .collect()
}

#[test]
fn without_dwarf_the_frames_have_names_and_the_message_no_place() {
    let runtime = Runtime::new().expect("runtime");
    let wasm = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/guest-go/hostile.wasm")).expect("hostile.wasm");
    let stripped = tinybind_bench_guests::without_dwarf(&wasm);
    assert!(stripped.len() < wasm.len() / 2, "{} of {} bytes", stripped.len(), wasm.len());
    let pre = HostilePre::load(&runtime, stripped).expect("loads");
    let mut hostile = pre.instantiate().expect("instantiates");
    let err = hostile.boom(3).expect_err("index out of range");
    let names: Vec<_> = frames(&err)
        .iter()
        .map(|f| (f.function.as_str(), f.file.is_none(), f.line))
        .collect();
    assert_eq!(
        names[..3],
        [
            ("runtime.runtimePanicAt", true, None),
            ("runtime.lookupPanic", true, None),
            ("boom", true, None)
        ]
    );
    assert!(
        err.to_string()
            .ends_with("(in runtime.runtimePanicAt < runtime.lookupPanic < boom)"),
        "{err}"
    );
}
