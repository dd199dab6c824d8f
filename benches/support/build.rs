//! Generates bindings for the bench-only guests, with the same code generator
//! and the same calls as the root crate's build script:
//!
//! - `benches/guests/*.wasm` -> `tinybind_bench_guests::bench`
//! - the corpus module `tg0.35.0-wasm-rmarchet-concat-RETPTR.wasm`, copied
//!   into `$OUT_DIR` as `concat.wasm` next to `guest-go/concat.go` (as the
//!   outside harness drops it into `guest-go/`) -> `tinybind_bench_guests::corpus`,
//!   only when it is found: `$TINYBIND_CORPUS` (a directory), else
//!   `../shared/corpus` beside the workspace.

use std::path::{Path, PathBuf};

const CORPUS_CONCAT: &str = "tg0.35.0-wasm-rmarchet-concat-RETPTR.wasm";

fn main() {
    println!("cargo::rustc-check-cfg=cfg(tinybind_corpus)");
    println!("cargo::rerun-if-env-changed=TINYBIND_CORPUS");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let root = manifest.join("../..");

    generate(&root.join("benches/guests"), &out.join("bench_guests.rs"));

    let corpus = std::env::var_os("TINYBIND_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/corpus"));
    let module = corpus.join(CORPUS_CONCAT);
    println!("cargo::rerun-if-changed={}", module.display());
    if module.is_file() {
        let dir = out.join("corpus");
        std::fs::create_dir_all(&dir).expect("create OUT_DIR/corpus");
        copy_if_changed(&module, &dir.join("concat.wasm"));
        let go = root.join("guest-go/concat.go");
        println!("cargo::rerun-if-changed={}", go.display());
        copy_if_changed(&go, &dir.join("concat.go"));
        generate(&dir, &out.join("corpus_guests.rs"));
        println!("cargo::rustc-cfg=tinybind_corpus");
    } else {
        println!(
            "cargo::warning=corpus module {} not found: the corpus benchmarks are skipped (set TINYBIND_CORPUS)",
            module.display()
        );
    }
}

fn generate(dir: &Path, out_file: &Path) {
    if let Err(e) = tinybind_codegen::Builder::new()
        .guest_dir(dir)
        .out_file(out_file)
        .generate()
    {
        println!("cargo::error=tinybind: {e}");
        std::process::exit(1);
    }
}

fn copy_if_changed(from: &Path, to: &Path) {
    let bytes = std::fs::read(from).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    if std::fs::read(to).ok().as_deref() != Some(&bytes[..]) {
        std::fs::write(to, &bytes).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
    }
}
