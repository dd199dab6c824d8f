//! A Go source edited after its `.wasm` was built: the build says to
//! rebuild the module, and no hint points the other way ("add Go
//! declarations") when a Go file is already there; results declared
//! otherwise than the code writes them through the retptr are refused.
//! Runs against the TinyGo guests `greeter`, `errorsx` and `shapes` from
//! `guest-go/`.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use common::set_modified;

/// `NAME.wasm` of the guest `name` and a `NAME.go` (given as text) in a
/// fresh directory.
fn guest_dir(name: &str, tag: &str, go: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix(&format!("tinybind-stale-{tag}-"))
        .tempdir()
        .expect("temp dir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest-go");
    let wasm = format!("{name}.wasm");
    std::fs::copy(root.join(&wasm), dir.path().join(&wasm)).expect("copy module");
    std::fs::write(dir.path().join(format!("{name}.go")), go).expect("write go");
    dir
}

fn generate(dir: &Path) -> tinybind_codegen::Report {
    let out: PathBuf = dir.join("out.rs");
    tinybind_codegen::Builder::new()
        .guest_dir(dir)
        .out_file(&out)
        .cargo_instructions(false)
        .generate()
        .expect("generates")
}

fn warnings(dir: &Path) -> Vec<String> {
    generate(dir).warnings
}

fn source(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../guest-go/{name}.go")))
        .expect("guest source")
}

#[test]
fn a_go_file_newer_than_its_module_says_rebuild() {
    let dir = guest_dir("greeter", "newer", &source("greeter"));
    let built = SystemTime::now() - Duration::from_secs(3600);
    set_modified(&dir.path().join("greeter.wasm"), built);
    set_modified(&dir.path().join("greeter.go"), built + Duration::from_secs(60));
    let w = warnings(dir.path());
    assert!(
        w.iter()
            .any(|w| w.contains("greeter.go") && w.contains("changed after") && w.contains("rebuild the .wasm")),
        "{w:#?}"
    );

    // Written together (a checkout): no warning.
    set_modified(&dir.path().join("greeter.go"), built);
    let w = warnings(dir.path());
    assert!(!w.iter().any(|w| w.contains("changed after")), "{w:#?}");
}

#[test]
fn a_declaration_the_binary_contradicts_says_rebuild_not_add() {
    // As after editing the source without rebuilding: `greet` now takes an
    // int, which the module's `greet` does not.
    let edited = source("greeter").replace("func greet(name string) string", "func greet(n int64, name string) string");
    assert_ne!(edited, source("greeter"), "greeter.go declares `greet` as expected");
    let dir = guest_dir("greeter", "edited", &edited);
    let w = warnings(dir.path());
    let greet: Vec<&String> = w.iter().filter(|w| w.contains("`greet`")).collect();
    assert!(!greet.is_empty(), "{w:#?}");
    assert!(greet.iter().any(|w| w.contains("rebuild the .wasm")), "{greet:#?}");
    assert!(
        !greet
            .iter()
            .any(|w| w.contains("Add Go declarations") || w.contains("Add the Go source")),
        "{greet:#?}"
    );
}

/// The warnings that name `function`, and the evidence its binding ends up
/// with, when the guest's source is `go`.
fn misdeclared(name: &str, function: &str, go: &str) -> (Vec<String>, String) {
    let dir = guest_dir(name, function, go);
    let generated = generate(dir.path());
    let named = format!("`{function}`");
    let warnings = generated.warnings.into_iter().filter(|w| w.contains(&named)).collect();
    let evidence = generated
        .guests
        .iter()
        .flat_map(|g| &g.functions)
        .find(|f| f.export == function)
        .map(|f| f.evidence.clone())
        .unwrap_or_default();
    (warnings, evidence)
}

#[test]
fn a_wider_result_than_the_code_writes_is_refused() {
    // The module's `divide` returns an int32 and an error through the
    // retptr; the wasm type `(i32, i32, i32) -> ()` fits an int64 as well.
    let go = source("errorsx");
    let edited = go.replace("func divide(a, b int32) (int32, error)", "func divide(a, b int32) (int64, error)");
    assert_ne!(edited, go, "errorsx.go declares `divide` as expected");
    let (warnings, evidence) = misdeclared("errorsx", "divide", &edited);
    assert!(
        warnings.iter().any(|w| w.contains("(int64, error)") && w.contains("rebuild the .wasm")),
        "{warnings:#?}"
    );
    assert!(!evidence.starts_with("go-source"), "{evidence}");

    // As declared, the code writes every result: verified, no warning.
    let (warnings, evidence) = misdeclared("errorsx", "divide", &go);
    assert!(warnings.is_empty(), "{warnings:#?}");
    assert_eq!(evidence, "go-source");
}

#[test]
fn struct_fields_swapped_or_widened_are_refused() {
    let go = source("shapes");
    let original = "\t\tOk      bool\n\t\tCode    uint16\n";
    assert!(go.contains(original), "shapes.go declares `Result` as expected");
    for (what, fields) in [
        ("swapped", "\t\tCode    uint16\n\t\tOk      bool\n"),
        ("widened", "\t\tOk      bool\n\t\tCode    uint32\n"),
    ] {
        let (warnings, evidence) = misdeclared("shapes", "summarize", &go.replace(original, fields));
        assert!(warnings.iter().any(|w| w.contains("does not write all the bytes")), "{what}: {warnings:#?}");
        assert!(!evidence.starts_with("go-source"), "{what}: {evidence}");
    }
}
