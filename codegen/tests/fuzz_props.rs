//! Bounded property tests of the code generator's whole pipeline on
//! generated and mutated modules: `ModuleInfo::parse`, `GoSource::parse`,
//! `model::infer` (with DWARF), `Inspection` and `emit::file` never panic,
//! and emit always produces code that parses. The same entry points are
//! fuzzed without bounds by `fuzz/` (`cargo fuzz run codegen`).
//!
//! Every case is seeded, so a failure names the seed that reproduces it.

use std::path::Path;

use arbitrary::{Arbitrary, Unstructured};
use tinybind_codegen::__internal::{self as emit, infer, BytesPath, GoSource, ModuleInfo};
use tinybind_codegen::Inspection;

/// xorshift64*: deterministic bytes for `Unstructured`.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Runs the pipeline on one module (and optional Go text); panics only if
/// emit produces code that does not parse.
fn pipeline(bytes: &[u8], go: Option<&str>) -> Option<String> {
    let info = ModuleInfo::parse(bytes).ok()?;
    let go = go.and_then(|text| GoSource::parse(&[("fuzz.go".to_string(), text.to_string())]).ok());
    let model = infer("fuzz", "fuzz.wasm", &info, go.as_ref());
    let _ = format!("{:?}", Inspection::from(&model));
    let path = BytesPath::Absolute("/nonexistent/fuzz.wasm".to_string());
    match emit::file(&[(model, path)]) {
        Ok(text) => Some(text),
        Err(e) => panic!("emit failed on a module the model accepted: {e}"),
    }
}

/// Go declarations for some of a module's exports, with types drawn from
/// what TinyGo supports and what it does not.
fn go_for(info: &ModuleInfo, rng: &mut Rng) -> String {
    const TYPES: &[&str] = &[
        "int",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "uintptr",
        "float32",
        "float64",
        "bool",
        "string",
        "[]byte",
        "[]int32",
        "[]float64",
        "[]string",
        "*int",
        "unsafe.Pointer",
        "error",
        "any",
        "interface{}",
        "map[string]int",
        "chan int",
        "struct{}",
        "[4]byte",
        "func()",
        "MyInt",
        "rune",
        "complex128",
        "",
    ];
    let mut go = String::from("package main\n\ntype MyInt int32\n\n");
    for (i, e) in info.exports.iter().enumerate() {
        if rng.below(3) == 0 || e.name.is_empty() || e.name.contains(char::is_whitespace) {
            continue;
        }
        let params: Vec<String> = (0..rng.below(5))
            .map(|j| format!("p{j} {}", TYPES[rng.below(TYPES.len())]))
            .collect();
        let results: Vec<&str> = (0..rng.below(4))
            .map(|_| TYPES[rng.below(TYPES.len())])
            .collect();
        let results = match results.as_slice() {
            [] => String::new(),
            [one] => format!(" {one}"),
            many => format!(" ({})", many.join(", ")),
        };
        let pragma = if rng.below(8) == 0 {
            "go:wasmexport"
        } else {
            "export"
        };
        go.push_str(&format!(
            "//{pragma} {}\nfunc f{i}({}){results}\n\n",
            e.name,
            params.join(", ")
        ));
    }
    go
}

fn smith_config(rng: &mut Rng) -> wasm_smith::Config {
    wasm_smith::Config {
        min_exports: 1,
        max_exports: 1 + rng.below(40),
        export_everything: rng.below(2) == 0,
        min_funcs: 1,
        max_funcs: 1 + rng.below(30),
        // Up to 24 parameters and results: past the 17 a binding takes.
        max_values: 1 + rng.below(24),
        max_type_size: 1000,
        max_instructions: 20,
        max_memories: rng.below(2),
        max_tables: 1,
        max_imports: rng.below(10),
        generate_custom_sections: rng.below(2) == 0,
        simd_enabled: rng.below(2) == 0,
        gc_enabled: rng.below(4) == 0,
        memory64_enabled: rng.below(4) == 0,
        exceptions_enabled: rng.below(4) == 0,
        threads_enabled: rng.below(4) == 0,
        tail_call_enabled: rng.below(4) == 0,
        ..wasm_smith::Config::default()
    }
}

#[test]
fn wasm_smith_modules_never_break_the_pipeline() {
    const CASES: u64 = 300;
    let mut parsed = 0;
    let mut bound = 0;
    for seed in 0..CASES {
        let outcome = std::panic::catch_unwind(|| {
            let mut rng = Rng::new(seed);
            let config = smith_config(&mut rng);
            let data = rng.bytes(4096);
            let mut u = Unstructured::new(&data);
            let module = match wasm_smith::Module::new(config, &mut u) {
                Ok(m) => m,
                Err(_) => return (false, 0),
            };
            let bytes = module.to_bytes();
            let info = ModuleInfo::parse(&bytes);
            let go = info.as_ref().ok().map(|info| go_for(info, &mut rng));
            let text = pipeline(&bytes, go.as_deref());
            let functions = text.as_ref().map_or(0, |t| t.matches("pub fn ").count());
            // The same module without Go: raw bindings only.
            pipeline(&bytes, None);
            (text.is_some(), functions)
        });
        match outcome {
            Ok((ok, functions)) => {
                parsed += ok as usize;
                bound += functions;
            }
            Err(_) => panic!("wasm-smith case with seed {seed} panicked"),
        }
    }
    eprintln!("wasm-smith: {parsed} of {CASES} modules read, {bound} methods emitted");
    assert!(
        parsed > CASES as usize / 2,
        "only {parsed} modules were read"
    );
}

#[test]
fn arbitrary_modules_from_unstructured_bytes_never_break_the_pipeline() {
    // wasm-smith's own `Arbitrary` configuration: every feature it knows.
    for seed in 0..100u64 {
        let outcome = std::panic::catch_unwind(|| {
            let mut rng = Rng::new(seed ^ 0xA5A5);
            let data = rng.bytes(2048);
            let mut u = Unstructured::new(&data);
            if let Ok(module) = wasm_smith::Module::arbitrary(&mut u) {
                pipeline(&module.to_bytes(), None);
            }
        });
        assert!(
            outcome.is_ok(),
            "arbitrary module with seed {seed} panicked"
        );
    }
}

fn guest_modules() -> Vec<(String, Vec<u8>, Option<String>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest-go");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("guest-go") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "wasm") {
            let go = std::fs::read_to_string(path.with_extension("go")).ok();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            out.push((name, std::fs::read(&path).unwrap(), go));
        }
    }
    out.sort();
    assert!(out.len() >= 3, "guest-go has no modules");
    out
}

#[test]
fn mutated_real_modules_never_break_the_pipeline() {
    let guests = guest_modules();
    for seed in 0..240u64 {
        let (name, real, go) = &guests[seed as usize % guests.len()];
        let outcome = std::panic::catch_unwind(|| {
            let mut rng = Rng::new(seed ^ 0x1234);
            let mut bytes = real.clone();
            match rng.below(4) {
                // Bit flips anywhere past the header.
                0 | 1 => {
                    for _ in 0..1 + rng.below(16) {
                        let at = 8 + rng.below(bytes.len() - 8);
                        bytes[at] ^= 1 << rng.below(8);
                    }
                }
                // Truncation.
                2 => bytes.truncate(rng.below(bytes.len())),
                // A run of random bytes spliced in.
                _ => {
                    let at = 8 + rng.below(bytes.len() - 8);
                    let n = 1 + rng.below(64);
                    let junk = rng.bytes(n);
                    bytes.splice(at..at, junk);
                }
            }
            pipeline(&bytes, go.as_deref());
        });
        assert!(outcome.is_ok(), "mutation {seed} of {name} panicked");
    }
}

#[test]
fn corrupted_debug_info_never_breaks_inference() {
    // Valid modules whose DWARF sections are damaged: the module validates,
    // so only the DWARF reader sees the damage.
    let guests = guest_modules();
    let mut with_dwarf = 0;
    for (name, real, _) in &guests {
        let info = ModuleInfo::parse(real).expect("committed guests are valid");
        if info.debug_sections.is_empty() {
            continue;
        }
        with_dwarf += 1;
        for seed in 0..40u64 {
            let outcome = std::panic::catch_unwind(|| {
                let mut rng = Rng::new(seed ^ 0xD3A7);
                let mut info = info.clone();
                let mut names: Vec<String> = info.debug_sections.keys().cloned().collect();
                names.sort();
                for _ in 0..1 + rng.below(4) {
                    let pick = rng.below(names.len());
                    let section = &names[pick];
                    let data = info.debug_sections.get_mut(section).unwrap();
                    if data.is_empty() {
                        continue;
                    }
                    match rng.below(3) {
                        0 => data.truncate(rng.below(data.len())),
                        _ => {
                            for _ in 0..1 + rng.below(32) {
                                let at = rng.below(data.len());
                                data[at] = rng.next() as u8;
                            }
                        }
                    }
                }
                let model = infer("fuzz", "fuzz.wasm", &info, None);
                let path = BytesPath::Absolute("/nonexistent/fuzz.wasm".to_string());
                emit::file(&[(model, path)]).expect("emit");
            });
            assert!(
                outcome.is_ok(),
                "DWARF corruption {seed} of {name} panicked"
            );
        }
    }
    assert!(with_dwarf > 0, "no guest has DWARF");
}

#[test]
fn arbitrary_go_text_never_breaks_the_go_reader() {
    let sources: Vec<String> = guest_modules()
        .into_iter()
        .filter_map(|(_, _, go)| go)
        .collect();
    for seed in 0..300u64 {
        let outcome = std::panic::catch_unwind(|| {
            let mut rng = Rng::new(seed ^ 0x60);
            let base = &sources[seed as usize % sources.len()];
            let mut chars: Vec<char> = base.chars().collect();
            const PIECES: &[&str] = &[
                "//export ",
                "//go:wasmexport ",
                "func ",
                "(",
                ")",
                ",",
                " ",
                "\n",
                "[]",
                "*",
                "interface{",
                "}",
                "type ",
                "struct {",
                "string",
                "int32",
                "...",
                "\"",
                "`",
                "/*",
                "*/",
                "\u{feff}",
                "é",
            ];
            for _ in 0..1 + rng.below(20) {
                let at = rng.below(chars.len() + 1);
                match rng.below(3) {
                    0 if !chars.is_empty() => {
                        let end = (at + rng.below(16)).min(chars.len());
                        chars.drain(at.min(end)..end);
                    }
                    _ => {
                        let piece = PIECES[rng.below(PIECES.len())];
                        chars.splice(at..at, piece.chars());
                    }
                }
            }
            let text: String = chars.into_iter().collect();
            let _ = GoSource::parse(&[("fuzz.go".to_string(), text)]);
        });
        assert!(outcome.is_ok(), "Go text mutation {seed} panicked");
    }
}

/// A random Go type for the struct-layout property: its Go text, and its
/// wasm32 size and alignment computed independently of the code generator,
/// with `std::alloc::Layout` (whose `extend`/`pad_to_align` are the C
/// layout algorithm that LLVM applies to Go structs on wasm32), and the
/// number of wasm values it flattens to.
fn random_type(rng: &mut Rng, depth: u32, decls: &mut Vec<String>) -> (String, std::alloc::Layout, usize) {
    use std::alloc::Layout;
    let scalar = |size: usize, align: usize| Layout::from_size_align(size, align).expect("layout");
    match rng.below(if depth > 2 { 12 } else { 16 }) {
        0 => ("bool".into(), scalar(1, 1), 1),
        1 => ("uint8".into(), scalar(1, 1), 1),
        2 => ("int16".into(), scalar(2, 2), 1),
        3 => ("int32".into(), scalar(4, 4), 1),
        4 => ("uint".into(), scalar(4, 4), 1),
        5 => ("int64".into(), scalar(8, 8), 1),
        6 => ("float32".into(), scalar(4, 4), 1),
        7 => ("float64".into(), scalar(8, 8), 1),
        8 => ("string".into(), scalar(8, 4), 2),
        9 => ("[]int64".into(), scalar(12, 4), 3),
        10 => ("*Node".into(), scalar(4, 4), 1),
        11 => ("error".into(), scalar(8, 4), 2),
        12 | 13 => {
            let (elem, layout, leaves) = random_type(rng, depth + 1, decls);
            let n = rng.below(4);
            let size = layout.pad_to_align().size() * n;
            (format!("[{n}]{elem}"), scalar(size, layout.align()), leaves * n)
        }
        _ => {
            let name = format!("S{}", decls.len());
            decls.push(String::new());
            let slot = decls.len() - 1;
            let mut layout = Layout::from_size_align(0, 1).expect("empty");
            let mut fields = Vec::new();
            let mut leaves = 0;
            for i in 0..rng.below(5) {
                let (ty, field, n) = random_type(rng, depth + 1, decls);
                layout = layout.extend(field).expect("extend").0;
                leaves += n;
                fields.push(format!("\tF{i} {ty}"));
            }
            decls[slot] = format!("type {name} struct {{\n{}\n}}", fields.join("\n"));
            (name, layout.pad_to_align(), leaves)
        }
    }
}

/// Struct layouts and flattening agree with an independent computation for
/// random nested structs, arrays and fields of every size, declared in Go
/// text and read by the Go reader.
#[test]
fn struct_layouts_agree_with_the_c_layout_algorithm() {
    use tinybind_codegen::__internal::{lower_type, Flavour, Repr};
    let mut checked = 0;
    for seed in 0..400 {
        let mut rng = Rng::new(seed);
        let mut decls = Vec::new();
        // A struct at the top, with anything inside.
        let (ty, layout, leaves) = loop {
            decls.clear();
            let t = random_type(&mut rng, 0, &mut decls);
            if t.0.starts_with('S') {
                break t;
            }
        };
        let text = format!("package main\n\n{}\n\n//export f\nfunc f(x {ty})\n", decls.join("\n\n"));
        let src = GoSource::parse(&[("t.go".into(), text.clone())]).unwrap_or_else(|e| panic!("seed {seed}: {e}\n{text}"));
        let param = &src.find("f").expect("declared").params[0].ty;
        let value = match lower_type(param, Flavour::TinyGo) {
            Ok(v) => v,
            Err(e) => panic!("seed {seed}: {e}\n{text}"),
        };
        let (size, align) = (value.layout().size, value.layout().align);
        let expected = (layout.pad_to_align().size() as u32, layout.align() as u32);
        assert_eq!((size, align), expected, "seed {seed}: layout of {ty}\n{text}");
        assert_eq!(value.flat().len(), leaves, "seed {seed}: leaves of {ty}\n{text}");
        if let Repr::Struct(s) = &value {
            for pair in s.fields.windows(2) {
                let end = pair[0].value.layout().size;
                assert!(pair[0].offset + end <= pair[1].offset, "seed {seed}: fields overlap\n{text}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 400);
}
