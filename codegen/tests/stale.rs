//! A Go source edited after its `.wasm` was built: the build says to
//! rebuild the module, and no hint points the other way ("add Go
//! declarations") when a Go file is already there. Runs against the TinyGo
//! guest `greeter` from `guest-go/`.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use common::set_modified;

/// `greeter.wasm` and a `greeter.go` (given as text) in a fresh directory.
fn guest_dir(tag: &str, go: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix(&format!("tinybind-stale-{tag}-"))
        .tempdir()
        .expect("temp dir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest-go");
    std::fs::copy(root.join("greeter.wasm"), dir.path().join("greeter.wasm")).expect("copy module");
    std::fs::write(dir.path().join("greeter.go"), go).expect("write go");
    dir
}

fn warnings(dir: &Path) -> Vec<String> {
    let out: PathBuf = dir.join("out.rs");
    tinybind_codegen::Builder::new()
        .guest_dir(dir)
        .out_file(&out)
        .cargo_instructions(false)
        .generate()
        .expect("generates")
        .warnings
}

fn source() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest-go/greeter.go")).expect("greeter.go")
}

#[test]
fn a_go_file_newer_than_its_module_says_rebuild() {
    let dir = guest_dir("newer", &source());
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
    let edited = source().replace("func greet(name string) string", "func greet(n int64, name string) string");
    assert_ne!(edited, source(), "greeter.go declares `greet` as expected");
    let dir = guest_dir("edited", &edited);
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
