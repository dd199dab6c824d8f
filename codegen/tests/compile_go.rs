//! `Builder::compile_go`: the build script runs TinyGo on a Go guest whose
//! `.wasm` is missing or older than its source, as prost-build runs
//! `protoc`. Runs the real TinyGo (`$TINYGO`, `tinygo` on PATH, or the one
//! `guest-go/toolchain.sh` installs); without one, a failure in CI and a
//! loud skip elsewhere. The compiler lookup itself is tested as the pure
//! function it is, with no process environment changed.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

mod common;

use common::set_modified;
use tinybind_codegen::__internal::find_tinygo;
use tinybind_codegen::{Builder, Error, Report};

/// A reactor guest with a typed export of each kind the source tells apart
/// from the wasm type: a string in and out, and plain integers.
const HELLO: &str = r#"package main

//export greet
func greet(name string) string { return "Hello, " + name + "!" }

//go:wasmexport add
func add(a, b int32) int32 { return a + b }

func main() {}
"#;

/// The TinyGo compiler for these tests, or `None` (after saying so loudly)
/// outside CI when there is none.
fn tinygo() -> Option<PathBuf> {
    let installed = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root"))
        .join(".cache/tinybind/tinygo/tinygo-0.41.1-llvm19/bin/tinygo");
    let found = find_tinygo(None, std::env::var_os("TINYGO").as_deref(), std::env::var_os("PATH").as_deref())
        .ok()
        .or_else(|| installed.is_file().then_some(installed));
    if found.is_none() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("no TinyGo ($TINYGO, `tinygo` on PATH, or `bash guest-go/toolchain.sh`); CI needs it");
        }
        eprintln!("!!! SKIPPED: no TinyGo ($TINYGO, `tinygo` on PATH, or `bash guest-go/toolchain.sh`) !!!");
    }
    found
}

/// A fresh guest directory holding the given files.
fn guest_dir(tag: &str, files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix(&format!("tinybind-compile-go-{tag}-"))
        .tempdir()
        .expect("temp dir");
    for (name, text) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create dir");
        }
        std::fs::write(path, text).expect("write file");
    }
    dir
}

/// The Builder of these tests: bindings into the directory, no `cargo:` lines.
fn builder(dir: &Path) -> Builder {
    Builder::new()
        .guest_dir(dir)
        .out_file(dir.join("out/bindings.rs"))
        .cargo_instructions(false)
}

/// The Builder with `compile_go(true)` and the given compiler.
fn compiling(dir: &Path, tinygo: &Path) -> Builder {
    builder(dir).compile_go(true).tinygo(tinygo)
}

/// A directory whose `hello.go` has been built: it and its two files.
fn built_hello(tag: &str, tinygo: &Path) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = guest_dir(tag, &[("hello.go", HELLO)]);
    compiling(dir.path(), tinygo).generate().expect("first build");
    let (go, wasm) = (dir.path().join("hello.go"), dir.path().join("hello.wasm"));
    (dir, go, wasm)
}

fn modified(path: &Path) -> SystemTime {
    std::fs::metadata(path).and_then(|m| m.modified()).expect("mtime")
}

/// Every entry of the directory, so that a scratch build directory left
/// behind shows.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn stale_warnings(report: &Report) -> Vec<&String> {
    report.warnings.iter().filter(|w| w.contains("changed after")).collect()
}

#[test]
fn a_go_guest_without_a_module_is_built_and_bound() {
    let Some(tinygo) = tinygo() else { return };
    let dir = guest_dir("new", &[("hello.go", HELLO)]);
    let report = compiling(dir.path(), &tinygo).generate().expect("builds and generates");
    assert_eq!(report.compiled, ["hello"]);
    let module = std::fs::read(dir.path().join("hello.wasm")).expect("hello.wasm written");
    assert!(module.starts_with(b"\0asm"), "not a wasm module");
    assert_eq!(entries(dir.path()), ["hello.go", "hello.wasm", "out"], "nothing else left behind");

    let guest = &report.guests[0];
    assert_eq!(guest.guest, "hello");
    assert!(guest.runtime_exports.iter().any(|e| e == "_initialize"), "{:?}", guest.runtime_exports);
    let greet = guest
        .functions
        .iter()
        .find(|f| f.export == "greet")
        .expect("greet bound");
    assert!(greet.rust.contains("&str") && greet.rust.contains("String"), "{}", greet.rust);
    assert_eq!(greet.evidence, "go-source");
    let add = guest.functions.iter().find(|f| f.export == "add").expect("add bound");
    assert!(add.rust.contains("i32"), "{}", add.rust);
    let text = std::fs::read_to_string(&report.out_file).expect("bindings");
    assert!(text.contains("pub fn greet("), "{text}");
    assert!(stale_warnings(&report).is_empty(), "{:#?}", report.warnings);
}

#[test]
fn a_go_file_newer_than_its_module_is_rebuilt_and_not_warned_about() {
    let Some(tinygo) = tinygo() else { return };
    let (dir, go, wasm) = built_hello("newer", &tinygo);
    let built = SystemTime::now() - Duration::from_secs(3600);
    set_modified(&wasm, built);
    set_modified(&go, built + Duration::from_secs(60));

    // Off (the default): the stale module is only warned about.
    let report = builder(dir.path()).generate().expect("generates");
    assert!(report.compiled.is_empty());
    assert_eq!(stale_warnings(&report).len(), 1, "{:#?}", report.warnings);
    assert_eq!(modified(&wasm), built);

    let report = compiling(dir.path(), &tinygo).generate().expect("rebuilds");
    assert_eq!(report.compiled, ["hello"]);
    assert!(modified(&wasm) > built + Duration::from_secs(60), "hello.wasm was not rewritten");
    assert!(stale_warnings(&report).is_empty(), "{:#?}", report.warnings);
}

#[test]
fn an_up_to_date_module_is_not_rebuilt_and_needs_no_compiler() {
    let Some(tinygo) = tinygo() else { return };
    let (dir, go, wasm) = built_hello("fresh", &tinygo);
    let built = SystemTime::now() - Duration::from_secs(3600);
    set_modified(&go, built);
    // Newer by less than the second a checkout may take counts as the same time.
    set_modified(&wasm, built - Duration::from_millis(500));
    let bytes = std::fs::read(&wasm).expect("module");

    for compiler in [tinygo.as_path(), Path::new("/nonexistent/tinygo")] {
        let report = builder(dir.path())
            .compile_go(true)
            .tinygo(compiler)
            .generate()
            .expect("generates");
        assert!(report.compiled.is_empty(), "{compiler:?}: {:?}", report.compiled);
        assert_eq!(modified(&wasm), built - Duration::from_millis(500));
        assert_eq!(std::fs::read(&wasm).expect("module"), bytes);
        assert_eq!(report.guests.len(), 1);
    }
}

#[test]
fn a_go_syntax_error_carries_tinygos_message_and_keeps_the_old_module() {
    let Some(tinygo) = tinygo() else { return };
    let (dir, go, wasm) = built_hello("syntax", &tinygo);
    let old = std::fs::read(&wasm).expect("module");
    std::fs::write(&go, HELLO.replace("return a + b", "return a +")).expect("break hello.go");
    set_modified(&wasm, SystemTime::now() - Duration::from_secs(3600));

    let err = compiling(dir.path(), &tinygo)
        .generate()
        .expect_err("a syntax error fails the build");
    let Error::TinyGo {
        guest, command, stderr, ..
    } = &err
    else {
        panic!("not Error::TinyGo: {err:?}");
    };
    assert_eq!(guest, "hello");
    assert!(command.contains(" build -target=wasip1 -buildmode=c-shared -o "), "{command}");
    assert!(command.ends_with(" ./hello.go"), "{command}");
    // Go's parser: `hello.go:7:40: expected operand, found '}'`.
    assert!(stderr.contains("hello.go:7:") && stderr.contains("expected operand"), "{stderr}");
    let message = err.to_string();
    assert!(!message.contains('\n'), "one line for cargo::error: {message}");
    assert!(message.contains("guest `hello`") && message.contains("expected operand"), "{message}");
    assert_eq!(std::fs::read(&wasm).expect("module"), old, "the old module is kept");
    assert_eq!(entries(dir.path()), ["hello.go", "hello.wasm", "out"], "no scratch left behind");
}

#[test]
fn flags_come_from_the_builder_then_the_build_line_then_the_default() {
    let Some(tinygo) = tinygo() else { return };
    let command = "// tinybind:build -target=wasip1\n\n".to_string() + HELLO;
    let dir = guest_dir("flags", &[("reactor.go", HELLO), ("declared.go", &command), ("given.go", HELLO)]);
    let report = compiling(dir.path(), &tinygo)
        .tinygo_flags("given", ["-target=wasip1"])
        .tinygo_flags("absent", ["-opt=2"])
        .generate()
        .expect("builds and generates");
    assert_eq!(report.compiled, ["declared", "given", "reactor"]);
    let start = |name: &str| {
        let g = report.guests.iter().find(|g| g.guest == name).expect("guest");
        (
            g.runtime_exports.iter().any(|e| e == "_start"),
            g.runtime_exports.iter().any(|e| e == "_initialize"),
        )
    };
    assert_eq!(start("reactor"), (false, true), "default: a reactor");
    assert_eq!(start("declared"), (true, false), "`// tinybind:build -target=wasip1`: a command");
    assert_eq!(start("given"), (true, false), "tinygo_flags: a command");
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("tinygo_flags for `absent`") && w.contains("no Go guest")),
        "{:#?}",
        report.warnings
    );
}

#[test]
fn a_package_directory_is_a_guest_and_other_go_files_are_not() {
    let Some(tinygo) = tinygo() else { return };
    let dir = guest_dir(
        "package",
        &[
            // A package directory is built in module mode, as Go needs.
            ("go.mod", "module example.com/plugins\n\ngo 1.22\n"),
            ("pkg/main.go", "package main\n\nfunc main() {}\n"),
            ("pkg/greet.go", &HELLO.replace("func main() {}\n", "")),
            // Not package main: documentation, as guest-go/doc.go.
            ("doc.go", "// Package guests is documentation.\npackage guests\n"),
            // Declarations for a hand-written module: the .wat is the guest.
            ("hand.go", "package main\n\n//export f\nfunc f() int32\n"),
            ("hand.wat", "(module (func (export \"f\") (result i32) i32.const 7))"),
        ],
    );
    let report = compiling(dir.path(), &tinygo).generate().expect("builds and generates");
    assert_eq!(report.compiled, ["pkg"]);
    assert!(dir.path().join("pkg.wasm").is_file());
    assert!(!dir.path().join("doc.wasm").exists() && !dir.path().join("hand.wasm").exists());
    let names: Vec<&str> = report.guests.iter().map(|g| g.guest.as_str()).collect();
    assert_eq!(names, ["hand", "pkg"]);
    let pkg = &report.guests[1];
    assert!(
        pkg.functions
            .iter()
            .any(|f| f.export == "greet" && f.rust.contains("&str")),
        "{:#?}",
        pkg.functions
    );
}

#[test]
fn a_missing_compiler_says_where_it_looked_and_how_to_install_one() {
    // No TinyGo needed: the compiler given does not exist.
    let dir = guest_dir("missing", &[("hello.go", HELLO)]);
    let err = builder(dir.path())
        .compile_go(true)
        .tinygo("/nonexistent/tinygo")
        .generate()
        .expect_err("no compiler");
    assert!(matches!(&err, Error::NoTinyGo { guest, .. } if guest == "hello"), "{err:?}");
    let message = err.to_string();
    for part in [
        "guest `hello`",
        "/nonexistent/tinygo",
        "bash guest-go/toolchain.sh",
        "tinygo.org",
        "TINYGO",
    ] {
        assert!(message.contains(part), "no `{part}` in: {message}");
    }
    assert!(!dir.path().join("hello.wasm").exists());
}

#[test]
fn off_by_default_nothing_is_compiled() {
    let dir = guest_dir("off", &[("hello.go", HELLO)]);
    // The compiler is never looked for: a missing one is no error.
    let report = builder(dir.path())
        .tinygo("/nonexistent/tinygo")
        .generate()
        .expect("generates");
    assert!(report.compiled.is_empty());
    // Not built, the Go file alone is an interface-only guest.
    assert_eq!(report.guests.len(), 1);
    let exports: Vec<(&str, &str)> = report.guests[0]
        .functions
        .iter()
        .map(|f| (f.export.as_str(), f.evidence.as_str()))
        .collect();
    assert_eq!(exports, [("greet", "interface"), ("add", "interface")]);
    assert!(!dir.path().join("hello.wasm").exists());
}

#[test]
fn the_compiler_is_the_given_one_then_tinygo_env_then_path() {
    let dir = guest_dir("lookup", &[("bin/tinygo", "#!/bin/sh\n"), ("other/tinygo", "#!/bin/sh\n")]);
    let bin = dir.path().join("bin");
    let other = dir.path().join("other/tinygo");
    let path = std::env::join_paths([dir.path().join("none"), bin.clone()]).expect("PATH");
    let missing = dir.path().join("none/tinygo");

    assert_eq!(find_tinygo(None, None, Some(&path)), Ok(bin.join("tinygo")));
    assert_eq!(find_tinygo(None, Some(OsStr::new("")), Some(&path)), Ok(bin.join("tinygo")), "empty TINYGO: unset");
    assert_eq!(find_tinygo(None, Some(other.as_os_str()), Some(&path)), Ok(other.clone()));
    assert_eq!(find_tinygo(Some(&other), Some(missing.as_os_str()), None), Ok(other.clone()));

    let err = find_tinygo(None, Some(missing.as_os_str()), Some(&path)).expect_err("TINYGO is not a file");
    assert!(err.contains("$TINYGO") && err.contains(&missing.display().to_string()), "{err}");
    let err = find_tinygo(Some(&missing), Some(other.as_os_str()), Some(&path)).expect_err("given is not a file");
    assert!(err.contains("Builder::tinygo") && err.contains(&missing.display().to_string()), "{err}");
    let err = find_tinygo(None, None, Some(OsStr::new(&dir.path().join("none")))).expect_err("not on PATH");
    assert!(err.contains("$TINYGO is not set") && err.contains("PATH"), "{err}");
    let err = find_tinygo(None, None, None).expect_err("no PATH");
    assert!(err.contains("PATH"), "{err}");
}

#[test]
fn declarations_without_func_main_are_an_interface_and_never_built() {
    let decls = "package main\n\n//export greet\nfunc greet(name string) string\n";
    let dir = guest_dir("iface", &[("plug.go", decls)]);
    // Nothing to build, so the missing compiler is never looked for.
    let report = builder(dir.path())
        .compile_go(true)
        .tinygo("/nonexistent/tinygo")
        .generate()
        .expect("generates");
    assert!(report.compiled.is_empty());
    assert_eq!(report.guests.len(), 1);
    assert_eq!(report.guests[0].functions[0].evidence, "interface");
    assert!(!dir.path().join("plug.wasm").exists());
}
