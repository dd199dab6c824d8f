//! Interface-only guests: Go declarations with no module beside them get
//! bindings that embed nothing (no `MODULE`, no `new`, no `GUESTS` entry,
//! no `Bindings`), with the wasm types their signatures lower to; Go files
//! that declare no export or import are not guests; a guest directory mixes
//! both kinds.

use std::path::Path;

fn dir_with(tag: &str, files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix(&format!("tinybind-iface-{tag}-"))
        .tempdir()
        .expect("temp dir");
    for (name, text) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, text).expect("write");
    }
    dir
}

fn generate(dir: &Path) -> (tinybind_codegen::Report, String) {
    let out = dir.join("out.rs");
    let report = tinybind_codegen::Builder::new()
        .guest_dir(dir)
        .out_file(&out)
        .cargo_instructions(false)
        .generate()
        .expect("generates");
    (report, std::fs::read_to_string(out).expect("output"))
}

const FILTER: &str = "package main\n\n\
    type Verdict struct {\n\tAllow  bool\n\tReason string\n}\n\n\
    //go:wasmimport env now\nfunc now() int64\n\n\
    //export lookup\nfunc lookup(key string) string\n\n\
    //export judge\nfunc judge(path string, size int32) (Verdict, error) {\n\treturn Verdict{}, nil\n}\n\n\
    func main() {}\n";

#[test]
fn declarations_alone_are_an_interface_that_embeds_nothing() {
    let dir = dir_with("alone", &[("filter.go", FILTER), ("doc.go", "// Package x.\npackage x\n")]);
    let (report, text) = generate(dir.path());
    assert_eq!(report.guests.len(), 1, "doc.go declares nothing: not a guest");
    let g = &report.guests[0];
    assert_eq!(g.guest, "filter");
    let exports: Vec<(&str, &str, &str)> = g
        .functions
        .iter()
        .map(|f| (f.export.as_str(), f.wasm.as_str(), f.evidence.as_str()))
        .collect();
    // A Go program (judge has a body): the body-less `//export lookup` is
    // TinyGo's legacy import spelling, as TinyGo reads it.
    assert_eq!(exports, vec![("judge", "(i32, i32, i32, i32) -> ()", "interface")]);
    let imports: Vec<(String, &str)> = g
        .imports
        .iter()
        .map(|i| (format!("{}.{}", i.module, i.name), i.wasm.as_str()))
        .collect();
    assert_eq!(
        imports,
        vec![
            ("env.now".to_string(), "() -> (i64)"),
            ("env.lookup".to_string(), "(i32, i32, i32) -> ()")
        ]
    );
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert!(text.contains("pub mod filter"), "{text}");
    assert!(text.contains("pub struct FilterPre"), "{text}");
    assert!(text.contains("pub struct Verdict"), "{text}");
    for absent in [
        "pub static MODULE",
        "pub fn new(",
        "pub fn with_host(",
        "fn embedded(",
        "tinybind_runtime::Bindings for",
    ] {
        assert!(!text.contains(absent), "an interface has no `{absent}`");
    }
    assert!(text.contains("pub static GUESTS: &[tinybind_runtime::GuestEntry] = &[];"), "{text}");
}

#[test]
fn a_package_directory_is_an_interface_too_and_mixes_with_modules() {
    let concat = Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest-go/concat.wasm");
    let dir = dir_with(
        "mixed",
        &[
            ("rules/types.go", "package main\n\ntype Score int32\n"),
            ("rules/rules.go", "package main\n\n//export score\nfunc score(word string) Score\n"),
        ],
    );
    std::fs::copy(&concat, dir.path().join("concat.wasm")).expect("copy concat");
    let (report, text) = generate(dir.path());
    let names: Vec<&str> = report.guests.iter().map(|g| g.guest.as_str()).collect();
    assert_eq!(names, vec!["concat", "rules"]);
    let rules = &report.guests[1];
    assert_eq!(rules.functions[0].wasm, "(i32, i32) -> (i32)");
    assert!(rules.file.ends_with("rules/rules.go") || rules.file.ends_with("rules/types.go"), "{}", rules.file);
    // Only the embedded guest is in GUESTS.
    assert!(text.contains("info: &concat::INFO"), "{text}");
    assert!(!text.contains("info: &rules::INFO"), "{text}");
}

#[test]
fn a_declaration_that_cannot_cross_is_left_out_with_a_warning() {
    let dir = dir_with(
        "map",
        &[(
            "bad.go",
            "package main\n\n//export count\nfunc count(m map[string]int) int32\n\n//export ok\nfunc ok() int32\n",
        )],
    );
    let (report, _) = generate(dir.path());
    let g = &report.guests[0];
    assert_eq!(g.functions.iter().map(|f| f.export.as_str()).collect::<Vec<_>>(), vec!["ok"]);
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("`func count(m map[string]int) int32`") && w.contains("left out")),
        "{:?}",
        report.warnings
    );
}
