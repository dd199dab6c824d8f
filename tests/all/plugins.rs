//! Modules loaded at run time against a guest's interface (`<Guest>Pre`):
//! the TinyGo guests of `guest-go/` loaded from their files and bytes, other
//! modules refused with every mismatch named, and loaded instances behaving
//! as embedded ones (host functions, Go errors, deadline, memory cap,
//! poisoning, `reset`, pre-initialisation, pooling). Modules that do not fit
//! are hand-written `.wat` (what no compiler emits for this interface) or
//! other real guests.

use std::path::Path;
use std::time::Duration;

use tinybind::guests::concat::{Concat, ConcatPre};
use tinybind::guests::errorsx::ErrorsxPre;
use tinybind::guests::greeter::GreeterPre;
use tinybind::guests::hostcalls::{HostcallsHost, HostcallsPre};
use tinybind::guests::hostile::HostilePre;
use tinybind::{Error, HostError, Runtime};
use tinybind_runtime::{Pool, PreinitStatus};

fn guest_file(name: &str) -> String {
    format!("{}/guest-go/{name}.wasm", env!("CARGO_MANIFEST_DIR"))
}

fn misfit(e: Error) -> (String, String, Vec<String>, String) {
    let text = e.to_string();
    match e {
        Error::Misfit {
            guest,
            module,
            problems,
        } => (guest, module, problems, text),
        other => panic!("expected a misfit, got {other:?}"),
    }
}

#[test]
fn a_guest_loaded_from_its_file_or_bytes_answers_as_the_embedded_one() -> Result<(), Error> {
    let rt = Runtime::new()?;
    let from_file = ConcatPre::load_file(&rt, guest_file("concat"))?;
    let from_bytes = ConcatPre::load(&rt, std::fs::read(guest_file("concat")).expect("concat.wasm"))?;
    let mut embedded = Concat::new(&rt)?;
    for pre in [&from_file, &from_bytes, &ConcatPre::embedded(&rt)?] {
        let mut c = pre.instantiate()?;
        assert_eq!(c.concatenate("Grü", "ße")?, embedded.concatenate("Grü", "ße")?);
        assert_eq!(c.add(40, 2)?, embedded.add(40, 2)?);
        assert_eq!(c.multiply(-6, 7)?, -42);
    }
    // A Pre is cheap to share between threads.
    fn shareable<T: Clone + Send + Sync + 'static>(_: &T) {}
    shareable(&from_file);
    let answers: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let pre = from_file.clone();
                s.spawn(move || pre.instantiate()?.concatenate(&i.to_string(), "!"))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect::<Result<_, _>>()
    })?;
    assert_eq!(answers, ["0!", "1!", "2!", "3!"]);
    Ok(())
}

#[test]
fn a_loaded_guest_calls_a_typed_host_and_returns_go_errors() -> Result<(), Error> {
    #[derive(Default)]
    struct Logs(Vec<String>);
    impl HostcallsHost for Logs {
        fn log(&mut self, message: &str) -> Result<(), HostError> {
            self.0.push(message.to_string());
            Ok(())
        }
    }
    let rt = Runtime::new()?;
    let pre = HostcallsPre::load_file(&rt, guest_file("hostcalls"))?;
    let mut g = pre.instantiate_with_host(Logs::default())?;
    assert_eq!(g.greet("Ada")?, "Hello, Ada!");
    assert_eq!(g.host().0, ["greeting Ada"]);
    // The same module without a host: the import fails, naming itself.
    let mut bare = pre.instantiate()?;
    let e = bare.greet("Ada").expect_err("no host");
    assert!(matches!(&e, Error::Host { import, .. } if import.contains("log")), "{e}");

    let errorsx = ErrorsxPre::load_file(&rt, guest_file("errorsx"))?;
    let mut x = errorsx.instantiate()?;
    assert_eq!(x.divide(7, 2)?.map_err(|e| e.to_string()), Ok(3));
    let go_error = x.divide(7, 0)?.expect_err("a Go error");
    assert!(go_error.to_string().contains("cannot divide 7 by zero"), "{go_error}");
    Ok(())
}

#[test]
fn a_loaded_guest_keeps_the_deadline_the_memory_cap_and_reset() -> Result<(), Error> {
    let rt = Runtime::builder()
        .timeout(Some(Duration::from_millis(100)))
        .memory_limit(32 << 20)
        .build()?;
    let pre = HostilePre::load_file(&rt, guest_file("hostile"))?;
    let mut h = pre.instantiate()?;
    assert!(matches!(h.spin(1), Err(Error::Timeout { .. })));
    assert!(matches!(h.good("x"), Err(Error::Poisoned { .. })));
    h.reset()?;
    assert_eq!(h.good("x")?, "ok x");
    let hog = h.hog();
    assert!(matches!(hog, Err(Error::Trap { .. })), "{hog:?}");
    assert!(h.instance().memory_size() <= 32 << 20);
    Ok(())
}

#[test]
fn a_loaded_guest_is_pre_initialised_and_pooled() -> Result<(), Error> {
    let rt = Runtime::builder().pooling(8).preinitialize(true).build()?;
    let pre = ConcatPre::load(&rt, std::fs::read(guest_file("concat")).expect("concat.wasm"))?;
    assert_eq!(pre.module().preinit_status(), Some(PreinitStatus::Snapshot));
    let factory = pre.clone();
    let pool = Pool::with_factory(&rt, 4, move |_| factory.instantiate());
    std::thread::scope(|s| {
        for t in 0..4 {
            let pool = &pool;
            s.spawn(move || {
                for i in 0..50 {
                    let mut c = pool.get().expect("an instance");
                    let (a, b) = (t.to_string(), i.to_string());
                    assert_eq!(c.concatenate(&a, &b).expect("a call"), format!("{a}{b}"));
                }
            });
        }
    });
    Ok(())
}

#[test]
fn another_guest_is_refused_with_every_missing_export() -> Result<(), Error> {
    let rt = Runtime::new()?;
    let e = ConcatPre::load_file(&rt, guest_file("greeter")).expect_err("greeter is not concat");
    let (guest, module, problems, text) = misfit(e);
    assert_eq!(guest, "concat");
    assert!(module.contains("greeter.wasm"), "{module}");
    for export in ["add", "multiply", "concatenate"] {
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with(&format!("missing export `{export}` "))),
            "{export}: {problems:#?}"
        );
    }
    assert_eq!(problems.len(), 3, "{problems:#?}");
    // One line each, after the line that names both.
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(
        text.lines()
            .next()
            .is_some_and(|l| l.contains("`concat`") && l.contains("greeter.wasm")),
        "{text}"
    );
    Ok(())
}

#[test]
fn wrong_types_and_unknown_imports_are_named_with_both_types() -> Result<(), Error> {
    let rt = Runtime::new()?;
    // Written for this test: concat's exports with two wrong types, and an
    // import nothing provides.
    let wat = r#"(module
        (import "env" "surprise" (func (param i32)))
        (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "no_such_call" (func))
        (memory (export "memory") 1)
        (func (export "add") (param i64 i64) (result i64) (i64.const 0))
        (func (export "multiply") (param i32 i32) (result i32) (i32.const 0))
        (func (export "concatenate") (param i32 i32 i32 i32) (result i32) (i32.const 0))
        (func (export "malloc") (param i32) (result i32) (i32.const 0))
        (func (export "free") (param i32))
        (func (export "_initialize")))"#;
    let (_, _, problems, _) = misfit(ConcatPre::load(&rt, wat).expect_err("misfit"));
    let expect = [
        "export `add` has the wasm type (i64, i64) -> (i64), the interface (i32, i32) -> (i32)",
        "export `concatenate` has the wasm type (i32, i32, i32, i32) -> (i32), the interface (i32, i32, i32, i32, i32) -> ()",
        "import `env.surprise` (i32) -> () is neither a host function of the interface nor WASI's",
        "import `wasi_snapshot_preview1.no_such_call` () -> () is not a function of WASI preview 1",
    ];
    assert_eq!(problems, expect, "{problems:#?}");

    // A host import of the interface with another type.
    let hostcalls = std::fs::read(guest_file("hostcalls")).expect("hostcalls.wasm");
    let info = tinybind::guests::hostcalls::INFO;
    let log = info.imports.iter().find(|i| i.name == "log").expect("env.log");
    let wat = format!(
        r#"(module (import "{}" "log" (func (param i64))) (memory (export "memory") 1))"#,
        log.module.expect("an import")
    );
    let (_, _, problems, _) = misfit(HostcallsPre::load(&rt, wat).expect_err("misfit"));
    assert!(
        problems
            .iter()
            .any(|p| p.contains(".log` has the wasm type (i64) -> ()") && p.contains(log.wasm)),
        "{problems:#?}"
    );
    assert!(HostcallsPre::load(&rt, hostcalls).is_ok());
    Ok(())
}

#[test]
fn memory_allocator_and_start_up_are_checked() -> Result<(), Error> {
    let rt = Runtime::new()?;
    // Written for this test: concat's functions, without memory, malloc and
    // free, and with a start-up of the wrong type.
    let wat = r#"(module
        (func (export "add") (param i32 i32) (result i32) (i32.const 0))
        (func (export "multiply") (param i32 i32) (result i32) (i32.const 0))
        (func (export "concatenate") (param i32 i32 i32 i32 i32))
        (func (export "_initialize") (param i32)))"#;
    let (_, _, problems, _) = misfit(ConcatPre::load(&rt, wat).expect_err("misfit"));
    let expect = [
        "no `memory` export, which the interface's strings, slices or results need",
        "missing export `malloc` (i32) -> (i32), which the runtime needs to pass strings, slices and results",
        "missing export `free` (i32) -> (), which the runtime needs to pass strings, slices and results",
        "start-up: export `_initialize` has the wasm type (i32) -> (), the interface () -> (), so the runtime cannot run it",
    ];
    assert_eq!(problems, expect, "{problems:#?}");
    Ok(())
}

#[test]
fn exports_the_interface_does_not_declare_are_ignored() -> Result<(), Error> {
    let rt = Runtime::new()?;
    // greeter's `greet`, `shout` and `count_vowels`, each fine; the module
    // also exports what greeter does not (written for this test).
    let wat = r#"(module
        (memory (export "memory") 1)
        (global (export "greet_count") i32 (i32.const 0))
        (func (export "greet") (param i32 i32 i32) (i32.store (local.get 0) (i32.const 0)) (i32.store offset=4 (local.get 0) (i32.const 0)))
        (func (export "shout") (param i32 i32 i32) (i32.store (local.get 0) (i32.const 0)) (i32.store offset=4 (local.get 0) (i32.const 0)))
        (func (export "count_vowels") (param i32 i32) (result i32) (i32.const 5))
        (func (export "extra") (result i32) (i32.const 1))
        (func (export "malloc") (param i32) (result i32) (i32.const 1024))
        (func (export "free") (param i32)))"#;
    let mut g = GreeterPre::load(&rt, wat)?.instantiate()?;
    assert_eq!(g.count_vowels("anything")?, 5);
    assert_eq!(g.greet("Ada")?, "");
    Ok(())
}

#[test]
fn bad_input_is_a_clear_error_never_a_panic() -> Result<(), Error> {
    let rt = Runtime::new()?;
    let concat = std::fs::read(guest_file("concat")).expect("concat.wasm");
    let cases: [(&str, Vec<u8>); 4] = [
        ("garbage", b"\x00asm\x01\x00\x00\x00\xff\xff\xff".to_vec()),
        ("text that is not wat", b"hello, world".to_vec()),
        ("truncated", concat[..concat.len() / 2].to_vec()),
        ("empty", Vec::new()),
    ];
    for (what, bytes) in cases {
        let e = ConcatPre::load(&rt, &bytes).expect_err(what);
        let (_, _, problems, _) = misfit(e);
        assert!(problems.len() == 1 && problems[0].starts_with("not a WebAssembly module"), "{what}: {problems:#?}");
    }
    let missing = Path::new(env!("CARGO_MANIFEST_DIR")).join("guest-go/no-such-module.wasm");
    match ConcatPre::load_file(&rt, &missing) {
        Err(Error::ReadModule { guest, path, .. }) => {
            assert_eq!(guest, "concat");
            assert!(path.contains("no-such-module.wasm"), "{path}");
        }
        other => panic!("expected ReadModule, got {other:?}"),
    }
    Ok(())
}
