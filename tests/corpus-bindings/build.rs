//! Generates bindings for the guests of `guest-go/`, and for every module of the corpus (`../shared/corpus`
//! beside the repository, or `$TINYBIND_CORPUS`) twice: once from the module
//! alone (DWARF or wasm types), once with declarations-only Go written from
//! the signatures in the corpus's `manifest.json`. A third set, `hosted`,
//! holds the modules whose host functions the tests implement, with the
//! declarations a user would write for them (`HOSTED`). The modules are
//! copied into `OUT_DIR`, never into the repository.

use std::path::{Path, PathBuf};

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR is set by cargo"));
    // The project's own guests too, so that their generated code is also
    // compiled with warnings denied.
    let local = manifest_dir().join("../../guest-go");
    println!("cargo:rerun-if-changed={}", local.display());
    tinybind_codegen::Builder::new()
        .guest_dir(&local)
        .out_file(out.join("local.rs"))
        .cargo_instructions(false)
        .generate()
        .unwrap_or_else(|e| panic!("guest-go bindings: {e}"));
    // Interface-only guests: declarations, no modules (they are loaded at run time).
    let interfaces = manifest_dir().join("interfaces");
    println!("cargo:rerun-if-changed={}", interfaces.display());
    tinybind_codegen::Builder::new()
        .guest_dir(&interfaces)
        .out_file(out.join("interfaces.rs"))
        .cargo_instructions(false)
        .generate()
        .unwrap_or_else(|e| panic!("interface bindings: {e}"));
    let corpus = corpus_dir();
    println!("cargo:rerun-if-env-changed=TINYBIND_CORPUS");
    println!("cargo:rerun-if-changed={}", corpus.display());
    let present = corpus.join("manifest.json").is_file();
    std::fs::write(
        out.join("corpus.rs"),
        format!(
            "/// Whether the corpus was found when this crate was built.\n\
             pub const CORPUS_PRESENT: bool = {present};\n\
             /// Where it was looked for.\n\
             pub const CORPUS_DIR: &str = {:?};\n",
            corpus.display().to_string()
        ),
    )
    .expect("write corpus.rs");
    if !present {
        println!(
            "cargo:warning=corpus not found at {}: its bindings are empty and the corpus tests will skip (or fail under CI=true)",
            corpus.display()
        );
        for name in ["bare.rs", "declared.rs", "hosted.rs"] {
            std::fs::write(
                out.join(name),
                "pub static GUESTS: &[tinybind_runtime::GuestEntry] = &[];\n",
            )
            .expect("write empty bindings");
        }
        return;
    }
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(corpus.join("manifest.json")).expect("read manifest.json"),
    )
    .expect("manifest.json is JSON");
    let modules = manifest.as_array().expect("manifest.json is a list");
    for flavour in ["bare", "declared", "hosted"] {
        let dir = out.join(flavour);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create guest dir");
        for m in modules {
            let file = m["file"].as_str().expect("file");
            let stem = Path::new(file).file_stem().expect("stem").to_string_lossy();
            let go = match flavour {
                "bare" => None,
                "declared" => Some(declarations(m)),
                _ => match HOSTED.iter().find(|(prefix, _)| file.starts_with(prefix)) {
                    Some((_, go)) => Some(go.to_string()),
                    None => continue,
                },
            };
            std::fs::copy(corpus.join(file), dir.join(file)).expect("copy module");
            if let Some(go) = go {
                std::fs::write(dir.join(format!("{stem}.go")), go).expect("write declarations");
            }
        }
        let report = tinybind_codegen::Builder::new()
            .guest_dir(&dir)
            .out_file(out.join(format!("{flavour}.rs")))
            .cargo_instructions(false)
            .generate()
            .unwrap_or_else(|e| panic!("corpus bindings ({flavour}): {e}"));
        std::fs::write(
            out.join(format!("{flavour}-warnings.txt")),
            report.warnings.join("\n"),
        )
        .expect("write warnings");
    }
}

fn corpus_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("TINYBIND_CORPUS") {
        return PathBuf::from(dir);
    }
    manifest_dir().join("../../../shared/corpus")
}

/// Declarations a user writes for the modules whose hosts the tests
/// implement, by file-name prefix: wazero's greet examples with `env.log`
/// typed as `func log(message string)` (the source says `_log(ptr, size
/// uint32)`), in the spelling of their TinyGo version; TinyGo 0.13's
/// `host_func`; http-wasm routers with their exports only, so that their
/// `http_handler` imports stay raw.
const HOSTED: &[(&str, &str)] = &[
    ("tg0.22-wasi-wazero-greet", GREET_LEGACY),
    ("tg0.25-wasi-wazero-greet", GREET_LEGACY),
    ("tg0.27-wasi-wazero-greet", GREET_LEGACY),
    ("tg0.28.1-wasi-wazero-greet", GREET_WASMIMPORT),
    ("tg0.31.1-wasi-wazero-greet", GREET_WASMIMPORT),
    ("tg0.35.0-wasip1-wazero-greet-cshared", GREET_WASMIMPORT),
    (
        "tg0.13-wasm-wazero-hostfunc",
        "package main\n\n//export host_func\nfunc hostFunc()\n\n//export call_host_func\nfunc callHostFunc(cnt int32)\n",
    ),
    (
        "tg0.20-wasi-wazero-benchcase",
        "package main\n\n//export base64\nfunc base64OnString(num uint32)\n",
    ),
    ("tg0.28.1-wasi-httpwasm-router", ROUTER),
    ("tg0.34.0-wasi-dapr-httpwasm-router", ROUTER),
];

const GREET_LEGACY: &str = "package main\n\n//go:wasm-module env\n//export log\nfunc log(message string)\n\n//export greet\nfunc greet(name string)\n";
const GREET_WASMIMPORT: &str = "package main\n\n//go:wasmimport env log\nfunc log(message string)\n\n//export greet\nfunc greet(name string)\n";
const ROUTER: &str = "package main\n\n//export handle_request\nfunc handleRequest() (ctxNext uint64)\n\n//export handle_response\nfunc handleResponse(reqCtx uint32, isError uint32)\n";

/// Declarations-only Go for one module: each exported and imported
/// function's signature as its source has it, under its pragma (an import's
/// module comes from the module's import section).
fn declarations(module: &serde_json::Value) -> String {
    let mut go = String::from("package main\n\n");
    for e in module["go_exports"].as_array().into_iter().flatten() {
        let pragma = e["pragma"].as_str().unwrap_or_default();
        let name = e["name"].as_str().unwrap_or_default();
        let sig = e["sig"].as_str().unwrap_or_default();
        if pragma == "//go:wasmimport" {
            let imported = module["imports"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|i| i["name"] == name && i["kind"] == "func");
            if let Some(m) = imported.and_then(|i| i["module"].as_str()) {
                go.push_str(&format!("//go:wasmimport {m} {name}\n{sig}\n\n"));
            }
            continue;
        }
        go.push_str(&format!("{pragma} {name}\n{sig}\n\n"));
    }
    go
}

/// This crate's directory, read when the script runs: a build script
/// compiled in another checkout sharing the target directory may be reused.
fn manifest_dir() -> PathBuf {
    PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is set by cargo"))
}
