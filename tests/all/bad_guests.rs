//! Bad guest files never make the code generator panic: a file that is not
//! a usable module is an error naming the file, and a valid but absurd
//! module (no memory, 200 parameters, v128, multi-value, hostile names) gets
//! bindings that compile, or is left out with a warning.
//!
//! The generated code is type-checked by running `rustc --emit=metadata` on
//! it against the `tinybind_runtime` this test was built with (no cargo, so
//! no second build of the dependencies). One test runs a real
//! `cargo build --release` of a throwaway crate with the repo's `build.rs`.

use std::path::{Path, PathBuf};
use std::process::Command;

use tinybind_codegen::Builder;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A fresh directory, removed on drop.
fn temp_dir(tag: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("tinybind-bad-guests-{tag}-"))
        .tempdir()
        .expect("temp dir")
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Runs the generator on one guest directory, catching panics.
fn generate(guests: &Path, out: &Path) -> Result<tinybind_codegen::Report, String> {
    let b = Builder::new()
        .guest_dir(guests)
        .out_file(out.join("tinybind_guests.rs"))
        .cargo_instructions(false);
    match std::panic::catch_unwind(move || b.generate()) {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(_) => panic!("the code generator panicked on {}", guests.display()),
    }
}

/// A guest directory holding only `name` with `bytes`: generation must fail
/// with an error that names the file.
fn assert_rejected(name: &str, bytes: &[u8]) -> String {
    let dir = temp_dir("reject");
    let guests = dir.path().join("guests");
    std::fs::create_dir_all(&guests).unwrap();
    let file = guests.join(name);
    std::fs::write(&file, bytes).unwrap();
    let err = match generate(&guests, dir.path()) {
        Ok(_) => panic!("{name}: accepted {} bytes", bytes.len()),
        Err(e) => e,
    };
    assert!(
        err.contains(&file.display().to_string()),
        "{name}: the error does not name the file: {err}"
    );
    assert!(!err.contains('\n'), "{name}: not one line: {err:?}");
    err
}

#[test]
fn random_bytes_are_rejected_naming_the_file() {
    let mut rng = Rng(0x5EED);
    for i in 0..200 {
        let len = rng.below(512);
        let mut bytes = rng.bytes(len);
        // Half of them start like a module, to get past the magic number.
        if i % 2 == 0 && bytes.len() >= 8 {
            bytes[..8].copy_from_slice(b"\0asm\x01\0\0\0");
        }
        assert_rejected("junk.wasm", &bytes);
    }
    assert_rejected("empty.wasm", b"");
    assert_rejected("text.wasm", b"this is not a module");
    // A component, not a core module.
    let err = assert_rejected("component.wasm", b"\0asm\x0d\0\x01\0");
    eprintln!("component: {err}");
}

#[test]
fn truncated_real_modules_are_rejected_naming_the_file() {
    let real = std::fs::read(Path::new(ROOT).join("guest-go/hostile.wasm")).unwrap();
    // (Eight bytes, the header alone, are a valid empty module.)
    let mut cuts: Vec<usize> = vec![1, 4, 7, 9, 20, 100, 1000, real.len() / 2, real.len() - 1];
    let mut rng = Rng(42);
    cuts.extend((0..40).map(|_| 9 + rng.below(real.len() - 10)));
    let engine = wasmtime::Engine::default();
    for cut in cuts {
        let bytes = &real[..cut];
        // A cut that lands exactly between two trailing custom sections
        // leaves a valid module; wasmtime's validator is the judge.
        if wasmtime::Module::validate(&engine, bytes).is_ok() {
            continue;
        }
        let err = assert_rejected("truncated.wasm", bytes);
        assert!(err.contains("WebAssembly"), "cut {cut}: {err}");
    }
    // Flipped bytes inside a real module: rejected, or (where the flip
    // lands in a name or custom section) accepted, never a panic.
    for _ in 0..60 {
        let mut bytes = real.clone();
        for _ in 0..1 + rng.below(8) {
            let at = 8 + rng.below(bytes.len() - 8);
            bytes[at] ^= 1 << rng.below(8);
        }
        let dir = temp_dir("flip");
        let guests = dir.path().join("guests");
        std::fs::create_dir_all(&guests).unwrap();
        std::fs::write(guests.join("flipped.wasm"), &bytes).unwrap();
        if let Err(e) = generate(&guests, dir.path()) {
            assert!(e.contains("flipped.wasm"), "{e}");
        }
    }
}

#[test]
fn broken_text_and_go_files_are_rejected_naming_the_file() {
    assert_rejected(
        "broken.wat",
        b"(module (func (export \"f\") (param i32) (result i32)",
    );
    assert_rejected("notutf8.wat", b"(module)\xff");

    // A good module with a Go file that is not UTF-8.
    let dir = temp_dir("go");
    let guests = dir.path().join("guests");
    std::fs::create_dir_all(&guests).unwrap();
    std::fs::write(guests.join("g.wat"), "(module (func (export \"f\")))").unwrap();
    let go = guests.join("g.go");
    std::fs::write(&go, b"package main\n//export f\nfunc f()\xff\n").unwrap();
    let err = generate(&guests, dir.path()).expect_err("Go file is not UTF-8");
    assert!(err.contains(&go.display().to_string()), "{err}");
    // A pragma with no function after it is a comment to Go and TinyGo: a
    // warning, as is one cut off from its func by a blank line.
    std::fs::write(&go, "package main\n\n//export f\n\nfunc f() {}\n").unwrap();
    let report = generate(&guests, dir.path()).expect("a stray pragma is a comment");
    assert!(
        report.warnings.iter().any(|w| w.contains("g.go:3") && w.contains("TinyGo ignores it")),
        "{:?}",
        report.warnings
    );
}

/// The `tinybind_runtime` rlibs next to this test binary, newest first, and
/// the directory of their dependencies. (Another build into the same target
/// directory, such as `fuzz/`'s, can leave a second one.)
fn runtime_rlibs() -> (Vec<PathBuf>, PathBuf) {
    let deps = std::env::current_exe()
        .unwrap()
        .parent()
        .expect("deps dir")
        .to_path_buf();
    let mut rlibs: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(&deps)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.starts_with("libtinybind_runtime-") && n.ends_with(".rlib")
        })
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    rlibs.sort();
    rlibs.reverse();
    assert!(
        !rlibs.is_empty(),
        "no libtinybind_runtime-*.rlib in {}",
        deps.display()
    );
    (rlibs.into_iter().map(|(_, p)| p).collect(), deps)
}

/// The rustc of the toolchain that runs this test: `$RUSTC`, or the one
/// beside `$CARGO`, or `rustc` on the PATH.
fn rustc() -> PathBuf {
    if let Some(r) = std::env::var_os("RUSTC") {
        return r.into();
    }
    if let Some(cargo) = std::env::var_os("CARGO") {
        let beside = Path::new(&cargo).with_file_name("rustc");
        if beside.is_file() {
            return beside;
        }
    }
    "rustc".into()
}

/// Type-checks a generated file with rustc, as `src/lib.rs` includes it,
/// with warnings denied.
fn rustc_check(generated: &Path, scratch: &Path) {
    let (rlibs, deps) = runtime_rlibs();
    let lib = scratch.join("check.rs");
    std::fs::write(
        &lib,
        format!(
            "#![deny(warnings)]\npub mod guests {{ include!({:?}); }}\n",
            generated.display().to_string()
        ),
    )
    .unwrap();
    let mut first_error = None;
    for rlib in &rlibs {
        let out = Command::new(rustc())
            .args([
                "--edition",
                "2021",
                "--crate-type",
                "lib",
                "--crate-name",
                "bad_guests_check",
            ])
            .args(["--emit", "metadata"])
            .arg("-o")
            .arg(scratch.join("check.rmeta"))
            .arg("-L")
            .arg(format!("dependency={}", deps.display()))
            .arg("--extern")
            .arg(format!("tinybind_runtime={}", rlib.display()))
            .arg(&lib)
            .output()
            .expect("run rustc");
        if out.status.success() {
            return;
        }
        first_error.get_or_insert_with(|| String::from_utf8_lossy(&out.stderr).into_owned());
    }
    panic!(
        "the generated code does not compile:\n{}\n(generated file kept at {})",
        first_error.unwrap_or_default(),
        keep(generated).display()
    );
}

/// Copies a generated file somewhere it survives the test, for a failure
/// message.
fn keep(generated: &Path) -> PathBuf {
    let kept = std::env::temp_dir().join(format!(
        "tinybind-bad-guests-failed-{}.rs",
        std::process::id()
    ));
    let _ = std::fs::copy(generated, &kept);
    kept
}

fn wat_types(types: &[&str]) -> String {
    types.join(" ")
}

#[test]
fn absurd_but_valid_modules_get_bindings_that_compile() {
    let dir = temp_dir("absurd");
    let guests = dir.path().join("guests");
    std::fs::create_dir_all(&guests).unwrap();
    let many = wat_types(&["i32"; 200]);
    let wide = wat_types(&["i64"; 17]);
    let too_wide = wat_types(&["f64"; 18]);
    let results17 = wat_types(&["i32"; 17]);
    let consts17 = "(i32.const 0) ".repeat(17);
    // No memory, no malloc: typed string functions must fail at run time,
    // not at build time.
    std::fs::write(
        guests.join("absurd.wat"),
        format!(
            r#"(module
  (func (export "many") (param {many}) (result i32) (local.get 199))
  (func (export "wide") (param {wide}) (result i64) (local.get 16))
  (func (export "too_wide") (param {too_wide}))
  (func (export "results17") (result {results17}) {consts17})
  (func (export "simd") (param v128) (result i32) (i32.const 1))
  (func (export "simd_result") (result v128) (v128.const i64x2 0 0))
  (func (export "externref") (param externref))
  (func (export "multi") (param i32) (result i32 i64 f32 f64)
    (local.get 0) (i64.const 2) (f32.const 3) (f64.const 4))
  (func (export "shout") (param i32 i32 i32))
  (func $f (export "instance") (export "new") (export "reset") (export "is_poisoned")
    (param i32) (result i32) (local.get 0))
  (func (export "info") (export "call_dynamic") (export "instantiate") (export "runtime"))
  (func (export "self") (export "Self") (export "type") (export "") (export "9") (export "a b")
    (export "r#x") (export "ünïcödé") (export "*/") (export "\0d") (export "\e2\80\a8")
    (export "\e2\80\aeevil"))
  (global (export "g") i32 (i32.const 0))
  (table (export "t") 1 funcref)
)"#
        ),
    )
    .unwrap();
    std::fs::write(
        guests.join("absurd.go"),
        "package main\n\n//export shout\nfunc shout(s string) string\n\n\
         //export multi\nfunc multi(x int32) (int32, int64, float32, float64)\n",
    )
    .unwrap();
    // Guest names that are also names the generated code uses.
    for name in [
        "error",
        "result",
        "instance",
        "string",
        "exports",
        "tinybind_runtime",
        "self",
        "std",
        "core",
    ] {
        std::fs::write(
            guests.join(format!("{name}.wat")),
            "(module (memory (export \"memory\") 1) (func (export \"f\") (param i32) (result i32) (local.get 0)))",
        )
        .unwrap();
    }
    let report = generate(&guests, dir.path()).expect("valid modules generate");
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    let absurd = report.guests.iter().find(|g| g.guest == "absurd").unwrap();
    let exported: Vec<&str> = absurd.functions.iter().map(|f| f.export.as_str()).collect();
    for left_out in ["many", "too_wide", "simd", "simd_result", "externref"] {
        assert!(!exported.contains(&left_out), "{left_out} has a binding");
        assert!(
            report
                .warnings
                .iter()
                .any(|w| w.contains(&format!("`{left_out}`")) && w.contains("left out")),
            "no warning for {left_out}"
        );
    }
    for kept in [
        "wide",
        "results17",
        "multi",
        "shout",
        "instance",
        "info",
        "self",
    ] {
        assert!(exported.contains(&kept), "{kept} lost: {exported:?}");
    }
    rustc_check(&report.out_file, dir.path());
}

/// Go struct names that Rust's prelude or the guest's module also use keep
/// their names (`Result`, `Option`, `Vec`, `String`, `Box`, `Error`,
/// lower-case `point`), one that an item of the module takes is renamed, and
/// field names that are Rust keywords or collide are made unique: the
/// generated code compiles with warnings denied. (Hand-written wat for the
/// signatures, whose bodies, never called, only store each result word
/// through the retptr, as the build checks that TinyGo's do.)
#[test]
fn go_struct_names_that_rust_uses_compile() {
    let dir = temp_dir("names");
    let guests = dir.path().join("guests");
    std::fs::create_dir_all(&guests).unwrap();
    let params = |n: usize| "(param i32)".repeat(n);
    // Each word of the results, stored through the retptr as TinyGo does.
    let stores = |size: u32| {
        (0..size / 4).map(|i| format!("(i32.store offset={} (local.get 0) (i32.const 0))", 4 * i)).collect::<String>()
    };
    let wat = format!(
        "(module (memory (export \"memory\") 1)
           (func (export \"f\") {} (result i32) (i32.const 0))
           (func (export \"g\") {} {})
           (func (export \"h\") {} {}))",
        params(10),
        params(4),
        stores(24),
        params(5),
        stores(12),
    );
    std::fs::write(guests.join("guest.wat"), wat).unwrap();
    std::fs::write(
        guests.join("guest.go"),
        "package main

type (
	Result struct{ Ok bool }
	Option struct{ Some int32 }
	Vec    struct{ Len int32 }
	String struct{ S string }
	Box    struct{ B [2]uint8 }
	Error  struct {
		Msg  string
		Code int32
	}
	point struct{ X int32 }
	Self  struct {
		Type   int32
		ID, Id int32
	}
	Guest struct{ N int32 }
)

//export f
func f(r Result, o Option, v Vec, s String, b Box, e Error) point

//export g
func g(p Self) (Self, Guest, error)

//export h
func h(items []Error, more []Box) []point
",
    )
    .unwrap();
    let report = generate(&guests, dir.path()).expect("generates");
    let names: Vec<&str> = report.guests[0].structs.iter().map(|s| s.rust.as_str()).collect();
    for name in ["Result", "Option", "Vec", "String", "Box", "Error", "point", "Self_", "GoGuest"] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    assert!(report.warnings.iter().any(|w| w.contains("`Guest`") && w.contains("`GoGuest`")), "{:?}", report.warnings);
    let text = std::fs::read_to_string(&report.out_file).unwrap();
    assert!(text.contains("pub r#type: i32") || text.contains("pub type_: i32"), "{text}");
    rustc_check(&report.out_file, dir.path());
}

/// Random modules in wasm text: random signatures (multi-value, many
/// parameters, v128), memories and allocators or not, aliases, Go
/// declarations that match or not, and names that are awkward in Rust.
fn random_guest(rng: &mut Rng, index: usize) -> (String, String, Option<String>) {
    const NAMES: &[&str] = &[
        "f",
        "new",
        "reset",
        "instance",
        "runtime",
        "guest",
        "info",
        "call_dynamic",
        "instantiate",
        "is_poisoned",
        "exports",
        "MODULE",
        "INFO",
        "self",
        "Self",
        "type",
        "fn",
        "r#x",
        "",
        "0",
        "9lives",
        "a b",
        "a-b",
        "a_b",
        "A_B",
        "ünï",
        "日本",
        "*/",
        "/*",
        "//",
        "\\",
        "\"",
        "\r",
        "\n",
        "\u{2028}",
        "\t",
        "\0",
        "e\u{301}",
        "\u{202e}evil",
        "\u{2066}",
        "_",
        "__",
        "Ok",
        "Err",
        "None",
        "String",
        "Result",
        "Value",
        "Error",
        "args",
        "function",
        "retptr",
        "out",
        "result",
        "a0",
        "r0",
    ];
    const GUEST_NAMES: &[&str] = &[
        "error",
        "result",
        "option",
        "string",
        "vec",
        "box",
        "value",
        "instance",
        "runtime",
        "exports",
        "guests",
        "tinybind_runtime",
        "std",
        "core",
        "alloc",
        "self",
        "super",
        "crate",
        "Self",
        "type",
        "9",
        "a b",
        "ünï",
        "we\"ird",
        "back\\slash",
        "dyn_guest",
        "guest_info",
        "typed_func",
        "MODULE",
        "INFO",
        "GUESTS",
    ];
    const TYPES: &[&str] = &["i32", "i32", "i32", "i64", "f32", "f64"];
    // Go declarations and the wasm types they lower to.
    const TYPED: &[(&str, &str, &str)] = &[
        ("(s string) string", "i32 i32 i32", ""),
        ("(a, b int32) int32", "i32 i32", "i32"),
        ("(b []byte) []byte", "i32 i32 i32 i32", ""),
        ("(x float64) (int, bool)", "i32 f64", ""),
        ("(n uint64) uint8", "i64", "i32"),
        ("()", "", ""),
        (
            "(x []float32, y []int16) (string, []uint64, int8)",
            "i32 i32 i32 i32 i32 i32 i32",
            "",
        ),
        ("(v interface{}) error", "i32 i32 i32", ""),
    ];
    let guest = if index < GUEST_NAMES.len() {
        GUEST_NAMES[index].to_string()
    } else {
        format!("g{index}")
    };
    let escape = |s: &str| s.bytes().map(|b| format!("\\{b:02x}")).collect::<String>();
    let mut wat = String::from("(module\n");
    let with_memory = rng.below(3) > 0;
    if with_memory {
        wat.push_str("  (memory (export \"memory\") 1)\n");
        if rng.below(2) == 0 {
            wat.push_str(
                "  (func (export \"malloc\") (param i32) (result i32) (i32.const 1024))\n",
            );
            wat.push_str("  (func (export \"free\") (param i32))\n");
        }
    }
    match rng.below(4) {
        0 => wat.push_str("  (func (export \"_start\"))\n"),
        1 => wat.push_str("  (func (export \"_initialize\"))\n"),
        _ => {}
    }
    let mut go = String::from("package main\n\n");
    let mut declared = false;
    let mut taken = std::collections::HashSet::new();
    for f in 0..rng.below(9) {
        let mut name = rng.pick(NAMES).to_string();
        if rng.below(3) == 0 {
            name.push_str(&rng.below(3).to_string());
        }
        // Export names are unique in a module.
        if !taken.insert(name.clone()) {
            name = format!("{name}#{f}");
            taken.insert(name.clone());
        }
        // Go's `//export NAME` takes one word.
        let go_name =
            !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c.is_control());
        let (params, results) = match rng.below(10) {
            0..=3 if go_name => {
                let (decl, params, results) = *rng.pick(TYPED);
                // The declaration matches the wasm type, or (one in four)
                // belongs to another function's type.
                let decl = if rng.below(4) == 0 {
                    rng.pick(TYPED).0
                } else {
                    decl
                };
                go.push_str(&format!("//export {name}\nfunc f{f}{decl}\n\n"));
                declared = true;
                (params.to_string(), results.to_string())
            }
            4 => (wat_types(&vec!["i32"; 15 + rng.below(6)]), String::new()),
            5 => (String::new(), wat_types(&vec!["i64"; 2 + rng.below(18)])),
            6 => ("v128".to_string(), "i32".to_string()),
            _ => {
                let p: Vec<&str> = (0..rng.below(6)).map(|_| *rng.pick(TYPES)).collect();
                let r: Vec<&str> = (0..rng.below(3)).map(|_| *rng.pick(TYPES)).collect();
                (p.join(" "), r.join(" "))
            }
        };
        let params = if params.is_empty() {
            String::new()
        } else {
            format!("(param {params})")
        };
        let results = if results.is_empty() {
            String::new()
        } else {
            format!("(result {results})")
        };
        let alias_name = format!("{name}_alias{f}");
        let alias = if rng.below(5) == 0 && taken.insert(alias_name.clone()) {
            format!(" (export \"{}\")", escape(&alias_name))
        } else {
            String::new()
        };
        wat.push_str(&format!(
            "  (func (export \"{}\"){alias} {params} {results} unreachable)\n",
            escape(&name)
        ));
    }
    wat.push_str(")\n");
    (guest, wat, declared.then_some(go))
}

#[test]
fn random_modules_with_awkward_names_get_bindings_that_compile() {
    let mut rng = Rng(0xB1D5);
    // Several directories of many guests each: one rustc run per directory.
    for round in 0..3 {
        let dir = temp_dir("random");
        let guests = dir.path().join("guests");
        std::fs::create_dir_all(&guests).unwrap();
        for i in 0..40 {
            let (name, wat, go) = random_guest(&mut rng, i);
            std::fs::write(guests.join(format!("{name}.wat")), &wat).unwrap();
            if let Some(go) = go {
                std::fs::write(guests.join(format!("{name}.go")), go).unwrap();
            }
        }
        let report = match generate(&guests, dir.path()) {
            Ok(r) => r,
            // Duplicate export names can come out of the generator; the
            // error must still name a file.
            Err(e) => panic!("round {round}: {e}"),
        };
        assert_eq!(report.guests.len(), 40);
        rustc_check(&report.out_file, dir.path());
    }
}

/// `cargo build --release` of a throwaway crate whose `build.rs` is this
/// repo's, with a broken module in its `guest-go/`: the build fails with one
/// error naming the file and no panic. It uses a target directory of its
/// own (the main one is locked by the `cargo test` running this), next to
/// the main one, so that its few build dependencies compile once.
#[test]
fn cargo_build_fails_cleanly_on_a_broken_module() {
    let dir = temp_dir("crate");
    let krate = dir.path();
    std::fs::create_dir_all(krate.join("src")).unwrap();
    std::fs::create_dir_all(krate.join("guest-go")).unwrap();
    std::fs::copy(Path::new(ROOT).join("build.rs"), krate.join("build.rs")).unwrap();
    std::fs::copy(Path::new(ROOT).join("Cargo.lock"), krate.join("Cargo.lock")).unwrap();
    std::fs::write(krate.join("src/lib.rs"), "").unwrap();
    std::fs::write(
        krate.join("Cargo.toml"),
        format!(
            "[package]\nname = \"tinybind-bad-guest-check\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\
             build = \"build.rs\"\n\n[build-dependencies]\ntinybind-codegen = {{ path = {:?} }}\n\n[workspace]\n",
            Path::new(ROOT).join("codegen").display().to_string()
        ),
    )
    .unwrap();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(ROOT).join("target"))
        .join("bad-guest-check");
    let real = std::fs::read(Path::new(ROOT).join("guest-go/hostile.wasm")).unwrap();
    let cases: [(&str, Vec<u8>); 2] = [
        ("random.wasm", Rng(7).bytes(300)),
        ("truncated.wasm", real[..real.len() / 3].to_vec()),
    ];
    // The cargo running this test, else the one that built it, else PATH's.
    let cargo = std::env::var("CARGO")
        .ok()
        .or(option_env!("CARGO").map(String::from))
        .unwrap_or_else(|| "cargo".into());
    for (name, bytes) in cases {
        for f in std::fs::read_dir(krate.join("guest-go")).unwrap() {
            std::fs::remove_file(f.unwrap().path()).unwrap();
        }
        std::fs::write(krate.join("guest-go").join(name), bytes).unwrap();
        let started = std::time::Instant::now();
        let out = Command::new(&cargo)
            .args(["build", "--release", "--offline", "--quiet"])
            .current_dir(krate)
            .env("CARGO_TARGET_DIR", &target)
            .env("RUST_BACKTRACE", "1")
            .env_remove("CARGO_MANIFEST_DIR")
            .env_remove("OUT_DIR")
            .output()
            .expect("run cargo");
        let stderr = String::from_utf8_lossy(&out.stderr);
        eprintln!(
            "cargo build with guest-go/{name}: {:?}\n{stderr}",
            started.elapsed()
        );
        assert!(!out.status.success(), "{name}: the build succeeded");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        let line = stderr
            .lines()
            .find(|l| l.contains("error: tinybind:"))
            .unwrap_or_else(|| panic!("{name}: no `error: tinybind:` line in\n{stderr}"));
        assert!(line.contains(&format!("guest-go/{name}")), "{name}: {line}");
        assert!(line.contains("WebAssembly"), "{name}: {line}");
    }
}

/// The corpus of real third-party modules (shared/corpus beside the repo,
/// or `$TINYBIND_CORPUS`). Missing: a failure in CI, a loud skip elsewhere.
fn corpus() -> Option<Vec<PathBuf>> {
    let dir = std::env::var_os("TINYBIND_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(ROOT).join("../shared/corpus"));
    let mut modules: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
                .collect()
        })
        .unwrap_or_default();
    if modules.is_empty() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("the corpus is missing at {}; CI needs it", dir.display());
        }
        eprintln!("!!! SKIPPED: corpus not found at {} !!!", dir.display());
        return None;
    }
    modules.sort();
    Some(modules)
}

#[test]
fn truncated_and_damaged_corpus_modules_never_panic() {
    let Some(modules) = corpus() else { return };
    let mut rng = Rng(0xC0DE);
    let mut rejected = 0;
    for module in &modules {
        let real = std::fs::read(module).unwrap();
        let name = module.file_name().unwrap().to_string_lossy().into_owned();
        // The real module itself generates.
        let dir = temp_dir("corpus");
        let guests = dir.path().join("guests");
        std::fs::create_dir_all(&guests).unwrap();
        std::fs::write(guests.join("real.wasm"), &real).unwrap();
        generate(&guests, dir.path()).unwrap_or_else(|e| panic!("{name}: {e}"));
        // Truncations: rejected naming the file, unless still valid.
        let engine = wasmtime::Engine::default();
        for _ in 0..8 {
            let cut = 1 + rng.below(real.len() - 1);
            if wasmtime::Module::validate(&engine, &real[..cut]).is_err() {
                assert_rejected("truncated.wasm", &real[..cut]);
                rejected += 1;
            }
        }
        // Damage: whatever the generator says, it says it without panicking.
        for _ in 0..8 {
            let mut bytes = real.clone();
            for _ in 0..1 + rng.below(8) {
                let at = 8 + rng.below(bytes.len() - 8);
                bytes[at] = rng.next() as u8;
            }
            std::fs::write(guests.join("real.wasm"), &bytes).unwrap();
            if let Err(e) = generate(&guests, dir.path()) {
                assert!(e.contains("real.wasm"), "{name}: {e}");
            }
        }
    }
    eprintln!(
        "corpus: {} modules, {rejected} truncations rejected",
        modules.len()
    );
}

/// The bindings of every guest in `guest-go/` (structs, host traits, Go
/// errors, string slices) type-check with warnings denied, as a user's
/// crate with `#![deny(warnings)]` would include them.
#[test]
fn the_guest_go_bindings_compile_with_warnings_denied() {
    let dir = temp_dir("guest-go");
    let report = generate(&Path::new(ROOT).join("guest-go"), dir.path()).expect("generates");
    assert!(report.guests.iter().any(|g| !g.structs.is_empty()), "no guest with structs");
    rustc_check(&report.out_file, dir.path());
}
