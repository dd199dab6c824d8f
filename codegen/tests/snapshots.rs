//! Snapshots of the generated code, one guest at a time: what a user reads
//! in the generated file stays reviewed. Update with `cargo insta review`
//! (or `INSTA_UPDATE=always`) after an intended change.

use std::path::{Path, PathBuf};

fn generate_one(module: &Path, go: Option<&Path>) -> String {
    let name = module.file_name().expect("file name");
    // One directory per test: two tests of one module run in parallel. The
    // process id is padded so that the path, and so how the formatter wraps
    // the lines that name it, does not depend on it.
    // A fixed root for the same reason (`$TMPDIR` may differ).
    let dir = Path::new("/tmp").join(format!(
        "tinybind-snap-{:010}-{}-{}",
        std::process::id(),
        name.to_string_lossy(),
        if go.is_some() { "go" } else { "bare" }
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::copy(module, dir.join(name)).expect("copy module");
    if let Some(go) = go {
        let stem = module.file_stem().expect("stem").to_string_lossy();
        std::fs::copy(go, dir.join(format!("{stem}.go"))).expect("copy go");
    }
    let out = dir.join("out.rs");
    tinybind_codegen::Builder::new()
        .guest_dir(&dir)
        .out_file(&out)
        .cargo_instructions(false)
        .generate()
        .expect("generates");
    let text = std::fs::read_to_string(&out).expect("read output");
    let _ = std::fs::remove_dir_all(&dir);
    // The embedded module's path depends on where the test ran.
    text.replace(&dir.display().to_string(), "<guest-dir>")
}

fn guest(name: &str) -> (PathBuf, PathBuf) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest-go");
    (root.join(format!("{name}.wasm")), root.join(format!("{name}.go")))
}

#[test]
fn greeter_strings_and_a_command() {
    let (wasm, go) = guest("greeter");
    insta::assert_snapshot!(generate_one(&wasm, Some(&go)));
}

#[test]
fn mathx_numbers_and_a_reactor() {
    let (wasm, go) = guest("mathx");
    insta::assert_snapshot!(generate_one(&wasm, Some(&go)));
}

#[test]
fn bytesx_slices_and_several_results() {
    let (wasm, go) = guest("bytesx");
    insta::assert_snapshot!(generate_one(&wasm, Some(&go)));
}

#[test]
fn bytesx_without_go_source_uses_dwarf_for_parameters() {
    let (wasm, _) = guest("bytesx");
    insta::assert_snapshot!(generate_one(&wasm, None));
}

#[test]
fn hostcalls_host_trait_typed_and_legacy_imports() {
    let (wasm, go) = guest("hostcalls");
    insta::assert_snapshot!(generate_one(&wasm, Some(&go)));
}

#[test]
fn badhost_raw_import_beside_typed_ones() {
    let (_, go) = guest("badhost");
    let wat = go.with_extension("wat");
    insta::assert_snapshot!(generate_one(&wat, Some(&go)));
}

#[test]
fn errorsx_go_error_results() {
    let (wasm, go) = guest("errorsx");
    insta::assert_snapshot!(generate_one(&wasm, Some(&go)));
}

#[test]
fn shapes_structs_arrays_and_slices_of_structs() {
    let (wasm, go) = guest("shapes");
    insta::assert_snapshot!(generate_one(&wasm, Some(&go)));
}

#[test]
fn stdgreet_standard_go_packed_results_and_host_strings() {
    let (wasm, go) = guest("stdgreet");
    insta::assert_snapshot!(generate_one(&wasm, Some(&go)));
}

#[test]
fn plug_interface_only() {
    // Declarations alone: no module is embedded, and there is no `new`.
    let dir = Path::new("/tmp").join(format!("tinybind-snap-{:010}-plug-interface", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (_, go) = guest("plug");
    std::fs::copy(&go, dir.join("plug.go")).expect("copy go");
    let out = dir.join("out.rs");
    tinybind_codegen::Builder::new()
        .guest_dir(&dir)
        .out_file(&out)
        .cargo_instructions(false)
        .generate()
        .expect("generates");
    let text = std::fs::read_to_string(&out).expect("read output");
    let _ = std::fs::remove_dir_all(&dir);
    insta::assert_snapshot!(text.replace(&dir.display().to_string(), "<guest-dir>"));
}
