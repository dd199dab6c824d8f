//! The corpus of real modules from many TinyGo versions (and standard Go):
//! every module inspects cleanly, no runtime export leaks into the API,
//! declarations from the manifest's ground truth give `go-source` bindings
//! with the predicted lowering, a contradicting Go source is reported and not
//! trusted, and real functions that need no host import answer correctly.
//!
//! The corpus lives beside the repository (`../shared/corpus`). Without it
//! these tests fail under `CI=true` and otherwise say loudly that they skip.

use std::path::{Path, PathBuf};

use tinybind_codegen::is_runtime_export;
use tinybind_corpus_bindings::{declared, CORPUS_DIR, CORPUS_PRESENT};
use tinybind_runtime::{Error, Runtime};

/// The corpus directory, or `None` (after saying so) when it is missing.
fn corpus() -> Option<PathBuf> {
    if CORPUS_PRESENT {
        return Some(PathBuf::from(CORPUS_DIR));
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("the corpus is missing at {CORPUS_DIR}; CI needs it");
    }
    eprintln!("\n!!! SKIPPED: corpus not found at {CORPUS_DIR}; corpus tests did not run !!!\n");
    None
}

fn manifest(dir: &Path) -> Vec<serde_json::Value> {
    let bytes = std::fs::read(dir.join("manifest.json")).expect("manifest.json");
    let v: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    v.as_array().expect("a list").clone()
}

fn declarations_for(m: &serde_json::Value) -> PathBuf {
    let stem = Path::new(m["file"].as_str().expect("file"))
        .file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned();
    let tmp = std::env::temp_dir().join(format!("tinybind-corpus-decl-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let path = tmp.join(format!("{stem}.go"));
    let mut go = String::from("package main\n\n");
    for e in m["go_exports"].as_array().into_iter().flatten() {
        if e["pragma"] == "//go:wasmimport" {
            continue;
        }
        go.push_str(&format!(
            "{} {}\n{}\n\n",
            e["pragma"].as_str().unwrap_or_default(),
            e["name"].as_str().unwrap_or_default(),
            e["sig"].as_str().unwrap_or_default()
        ));
    }
    std::fs::write(&path, go).expect("write declarations");
    path
}

/// Whether a Go signature uses only types the bindings know.
fn plain(sig: &str) -> bool {
    let Some(open) = sig.find('(') else { return false };
    let rest = &sig[open..];
    let rest = rest.split('{').next().unwrap_or(rest);
    rest.split(|c: char| "(), ".contains(c))
        .filter(|w| !w.is_empty())
        .all(|w| {
            let w = w.trim_start_matches("[]").trim_start_matches('*');
            matches!(
                w,
                "int" | "int8" | "int16" | "int32" | "int64" | "uint" | "uint8" | "uint16"
                    | "uint32" | "uint64" | "uintptr" | "bool" | "byte" | "rune" | "float32"
                    | "float64" | "string" | "unsafe.Pointer"
            ) || w.chars().next().is_some_and(|c| c.is_lowercase() || c == '_')
                && !w.contains('.')
        })
}

#[test]
fn every_module_inspects_and_hides_runtime_exports() {
    let Some(dir) = corpus() else { return };
    for m in manifest(&dir) {
        let file = dir.join(m["file"].as_str().expect("file"));
        for go in [Vec::new(), vec![declarations_for(&m)]] {
            let model = tinybind_codegen::inspect_file(&file, &go)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let api: Vec<&str> = model.functions.iter().map(|f| f.export.as_str()).collect();
            for f in &model.functions {
                assert!(
                    !is_runtime_export(&f.export),
                    "{}: runtime export `{}` leaked into the API",
                    file.display(),
                    f.export
                );
            }
            // Every exported function is either in the API or hidden.
            for e in m["exports"].as_array().expect("exports") {
                if e["kind"] != "func" {
                    continue;
                }
                let name = e["name"].as_str().expect("name");
                let aliased = model.functions.iter().any(|f| f.aliases.iter().any(|a| a == name));
                assert!(
                    api.contains(&name) || aliased || model.runtime_exports.iter().any(|r| r == name),
                    "{}: export `{name}` neither bound nor hidden",
                    file.display()
                );
            }
        }
    }
}

#[test]
fn declarations_with_plain_types_give_go_source_bindings_with_the_predicted_lowering() {
    let Some(dir) = corpus() else { return };
    let mut checked = 0;
    for m in manifest(&dir) {
        let file = dir.join(m["file"].as_str().expect("file"));
        let decl = declarations_for(&m);
        let model = tinybind_codegen::inspect_file(&file, &[decl]).expect("inspects");
        for e in m["go_exports"].as_array().into_iter().flatten() {
            let name = e["name"].as_str().expect("name");
            let sig = e["sig"].as_str().expect("sig");
            if e["pragma"] == "//go:wasmimport" || is_runtime_export(name) || !plain(sig) {
                continue;
            }
            let Some(f) = model.functions.iter().find(|f| f.export == name) else {
                continue; // declared in the source, not exported by this build
            };
            let wasm = m["exports"]
                .as_array()
                .expect("exports")
                .iter()
                .find(|x| x["name"] == name)
                .and_then(|x| x["sig"].as_str())
                .expect("the manifest has the wasm type");
            assert_eq!(f.evidence, "go-source", "{}: {name}", file.display());
            assert_eq!(f.wasm.to_string(), wasm, "{}: {name}", file.display());
            let Some(lowered) = &f.lowered_wasm else {
                panic!("{}: `{sig}` should be typed: {:?}", file.display(), model.warnings);
            };
            assert_eq!(lowered, wasm, "{}: lowering of `{sig}`", file.display());
            checked += 1;
        }
    }
    eprintln!("{checked} exports checked against their declared Go signatures");
    assert!(checked >= 30, "only {checked} exports checked");
}

#[test]
fn a_contradicting_go_source_is_reported_and_not_trusted() {
    let Some(dir) = corpus() else { return };
    let file = dir.join("tg0.35.0-wasm-rmarchet-concat-RETPTR.wasm");
    let tmp = std::env::temp_dir().join(format!("tinybind-contradict-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let go = tmp.join("concat.go");
    std::fs::write(
        &go,
        "//export add\nfunc add(x int64, y int64) int64\n//export concatenate\nfunc concatenate(a string) string\n",
    )
    .expect("write");
    let model = tinybind_codegen::inspect_file(&file, &[go]).expect("inspects");
    for name in ["add", "concatenate"] {
        let f = model.functions.iter().find(|f| f.export == name).expect("bound");
        // The source is not used: the binding rests on the module's DWARF.
        assert_eq!(f.evidence, "dwarf", "{name}");
        assert_eq!(f.go_location.as_deref(), Some("DWARF"), "{name}");
        assert!(
            model
                .warnings
                .iter()
                .any(|w| w.contains(&format!("export `{name}`")) && w.contains("does not match")),
            "no warning for {name}: {:?}",
            model.warnings
        );
    }
}

#[test]
fn real_functions_answer_through_generated_bindings() -> Result<(), Error> {
    if corpus().is_none() {
        return Ok(());
    }
    use declared::tg0_20_wasi_wazero_benchcase_2021::Tg020WasiWazeroBenchcase2021 as Bench020;
    use declared::tg0_31_1_wasi_wazero_benchcase::Tg0311WasiWazeroBenchcase as Bench031;
    use declared::tg0_35_0_wasip1_wazero_add_cshared::Tg0350Wasip1WazeroAddCshared as AddCshared;
    use declared::tg0_35_0_wasm_rmarchet_concat_retptr::Tg0350WasmRmarchetConcatRetptr as Concat;
    let rt = Runtime::new()?;

    // TinyGo 0.35 browser build: no `_start`, exports run the constructors.
    let mut concat = Concat::new(&rt)?;
    assert_eq!(concat.concatenate("Hello, ", "World")?, "Hello, World");
    assert_eq!(concat.add(2, 3)?, 5);
    assert_eq!(concat.multiply(6, 7)?, 42);
    for i in 0..200 {
        let a = format!("left-{i}-");
        assert_eq!(concat.concatenate(&a, "right")?, format!("{a}right"));
    }

    // TinyGo 0.35 c-shared reactor: `_initialize`.
    let mut add = AddCshared::new(&rt)?;
    assert_eq!(add.add(2, 3)?, 5);

    // TinyGo 0.20 and 0.31 WASI commands: `_start` first.
    assert_eq!(Bench020::new(&rt)?.fibonacci(20)?, 6765);
    assert_eq!(Bench031::new(&rt)?.fibonacci(20)?, 6765);
    Ok(())
}

#[test]
fn dwarf_alone_types_parameters() -> Result<(), Error> {
    if corpus().is_none() {
        return Ok(());
    }
    use tinybind_corpus_bindings::bare::tg0_20_wasi_wazero_benchcase_2021::Tg020WasiWazeroBenchcase2021 as Bench;
    let info = &tinybind_corpus_bindings::bare::tg0_20_wasi_wazero_benchcase_2021::INFO;
    let fib = info.function("fibonacci").expect("bound");
    assert_eq!(fib.evidence, "dwarf");
    assert_eq!(fib.go, Some("func fibonacci(in uint32)"));
    // The parameter's type comes from DWARF (`uint32`); the result is the
    // raw wasm `i32`, since DWARF does not say what a function returns.
    let rt = Runtime::new()?;
    assert_eq!(Bench::new(&rt)?.fibonacci(20u32)?, 6765i32);
    Ok(())
}

#[test]
fn host_imports_without_a_host_fail_with_an_error_naming_them() -> Result<(), Error> {
    if corpus().is_none() {
        return Ok(());
    }
    use tinybind_corpus_bindings::bare::tg0_13_wasm_wazero_hostfunc_2020::Tg013WasmWazeroHostfunc2020 as HostFunc;
    let rt = Runtime::new()?;
    let mut g = HostFunc::new(&rt)?;
    let err = g.call_host_func(1).expect_err("calls an import the host lacks");
    assert!(matches!(err, Error::Host { .. }), "{err}");
    let text = err.to_string();
    for part in ["call_host_func", "`env.host_func`", "needs a host function"] {
        assert!(text.contains(part), "{text} should name {part}");
    }
    Ok(())
}

#[test]
fn every_module_instantiates_or_fails_with_a_typed_error() {
    if corpus().is_none() {
        return;
    }
    let rt = Runtime::new().expect("runtime");
    let mut started = 0;
    for entry in tinybind_corpus_bindings::bare::GUESTS {
        match (entry.instantiate)(&rt) {
            Ok(_) => started += 1,
            Err(e) => {
                // Start-up may call a host import the runtime stubs with a
                // trap; that must be a typed start-up error naming the guest.
                assert!(matches!(e, Error::Startup { .. }), "{}: {e}", entry.info.name);
                assert!(e.to_string().contains(entry.info.name), "{e}");
            }
        }
    }
    eprintln!("{started} of {} corpus modules started", tinybind_corpus_bindings::bare::GUESTS.len());
    assert!(started >= 15, "only {started} corpus modules started");
}

/// A sample argument of a binding type: small, so that every call ends.
fn sample(ty: tinybind_runtime::ValueType, i: usize) -> tinybind_runtime::Value {
    use tinybind_runtime::{Value, ValueType as T};
    let n = 3 + i as i64;
    match ty {
        T::Bool => Value::Bool(i.is_multiple_of(2)),
        T::I8 => Value::I8(n as i8),
        T::I16 => Value::I16(n as i16),
        T::I32 => Value::I32(n as i32),
        T::I64 => Value::I64(n),
        T::U8 => Value::U8(n as u8),
        T::U16 => Value::U16(n as u16),
        T::U32 => Value::U32(n as u32),
        T::U64 => Value::U64(n as u64),
        T::F32 => Value::F32(n as f32 + 0.5),
        T::F64 => Value::F64(n as f64 + 0.25),
        T::String => Value::String(format!("arg-{i}")),
        T::Bytes | T::BytesPtrLen => Value::Bytes(vec![1, 2, i as u8]),
        T::SliceOf(inner) => Value::List(vec![sample(*inner, i), sample(*inner, i + 1)]),
        T::ArrayOf(inner, n) => Value::List((0..n as usize).map(|k| sample(*inner, i + k)).collect()),
        T::Struct(s) => Value::Record(s.fields.iter().map(|(name, t)| (name.to_string(), sample(*t, i))).collect()),
        T::Interface | T::Error => Value::Interface(tinybind_runtime::GoInterface::default()),
    }
}

/// The deadline weaver changes nothing a guest does: every typed export of
/// the guest-go guests and of the corpus (with the manifest's declarations)
/// gives the same results, errors and memory size woven (default 10 s
/// deadline) and unwoven (`timeout(None)`). Guests that misbehave on purpose
/// or read clocks and randomness are left out.
#[test]
fn woven_and_unwoven_guests_answer_alike() -> Result<(), Error> {
    if corpus().is_none() {
        return Ok(());
    }
    let woven = Runtime::new()?;
    let plain = Runtime::builder().timeout(None).build()?;
    let skip = ["hostile", "sandbox", "badalloc", "fresh", "spininit"];
    let mut compared = 0;
    let tables = [tinybind_corpus_bindings::local::GUESTS, declared::GUESTS];
    for entry in tables.iter().flat_map(|t| t.iter()) {
        if skip.contains(&entry.info.name) {
            continue;
        }
        let (a, b) = ((entry.instantiate)(&woven), (entry.instantiate)(&plain));
        let (mut a, mut b) = match (a, b) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(ea), Err(eb)) => {
                assert_eq!(ea.to_string(), eb.to_string(), "{}", entry.info.name);
                continue;
            }
            (a, b) => panic!("{}: start-up differs: {:?} / {:?}", entry.info.name, a.err(), b.err()),
        };
        for f in entry.info.functions.iter().filter(|f| f.evidence != "wasm-only") {
            let args: Vec<_> = f.params.iter().enumerate().map(|(i, (_, t))| sample(*t, i)).collect();
            let ra = a.call_dynamic(f.name, &args);
            if matches!(ra, Err(Error::Timeout { .. })) {
                // It would not end unwoven either; the woven instance is
                // poisoned, so it starts again.
                a = (entry.instantiate)(&woven)?;
                continue;
            }
            let rb = b.call_dynamic(f.name, &args);
            let show = |r: &Result<Vec<tinybind_runtime::Value>, Error>| match r {
                Ok(v) => format!("{v:?}"),
                Err(e) => format!("error: {e}"),
            };
            if entry.info.name == "wasicalls" && matches!(f.name, "now" | "since_start" | "started_at" | "random") {
                // A clock reading or a random number: both answer, one value each.
                let count = |r: &Result<Vec<tinybind_runtime::Value>, Error>| r.as_ref().map(Vec::len).ok();
                assert_eq!((count(&ra), count(&rb)), (Some(1), Some(1)), "{}.{}", entry.info.name, f.name);
            } else {
                assert_eq!(show(&ra), show(&rb), "{}.{}", entry.info.name, f.name);
            }
            assert_eq!(a.instance().memory_size(), b.instance().memory_size(), "{}.{}", entry.info.name, f.name);
            if ra.is_err() {
                // A poisoned instance answers nothing more; start both again.
                a = (entry.instantiate)(&woven)?;
                b = (entry.instantiate)(&plain)?;
            }
            compared += 1;
        }
    }
    eprintln!("{compared} exports gave the same answers woven and unwoven");
    assert!(compared >= 60, "only {compared} exports compared");
    Ok(())
}
