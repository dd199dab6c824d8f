//! The `tinybind` command as a user runs it: listings, calls with typed
//! arguments, inspection of any module, and errors as one line on stderr.

use std::path::PathBuf;
use std::process::{Command, Output};

fn tinybind(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tinybind"))
        .args(args)
        .output()
        .expect("runs tinybind")
}

/// A copy of a module alone in a fresh directory: no Go source beside it.
struct Alone(PathBuf);

impl Alone {
    fn new(module: &str) -> Alone {
        let name = std::path::Path::new(module).file_name().expect("a file name");
        let dir =
            std::env::temp_dir().join(format!("tinybind-cli-alone-{}-{}", std::process::id(), name.to_string_lossy()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::copy(module, dir.join(name)).expect("copies the module");
        Alone(dir.join(name))
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("UTF-8 path")
    }
}

impl Drop for Alone {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn call_parses_arguments_by_type_and_prints_results() {
    let cases: &[(&[&str], &str)] = &[
        (&["call", "greeter", "greet", "Ada"], "Hello, Ada!\n"),
        (&["call", "greeter", "count_vowels", "Ada Lovelace"], "6\n"),
        (&["call", "mathx", "add", "2", "3"], "5\n"),
        (&["call", "mathx", "divmod", "17", "5"], "3\n2\n"),
        (&["call", "mathx", "is_even", "4"], "true\n"),
        (&["call", "mathx", "neg_i8", "-100"], "100\n"),
        (&["call", "mathx", "mul_u64", "18446744073709551615", "1"], "18446744073709551615\n"),
        (&["call", "mathx", "hypot", "3", "4"], "5\n"),
        (&["call", "bytesx", "reverse", "0x010203"], "030201\n"),
        (&["call", "bytesx", "echo", "hi"], "6869\n"),
        (&["call", "bytesx", "split_name", "Ada Lovelace"], "Ada\nLovelace\n"),
        (&["call", "bytesx", "stats", "0x0a14"], "2\n30\ntrue\n"),
        (&["call", "concat", "concatenate", "Hello, ", "World"], "Hello, World\n"),
    ];
    for (args, expected) in cases {
        let o = tinybind(args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), *expected, "{args:?}");
    }
}

#[test]
fn functions_are_found_by_export_or_method_name() {
    // `count_vowels` is both; Go's own name is `countVowels`, not exported.
    let o = tinybind(&["call", "greeter", "count_vowels", "aeiou"]);
    assert_eq!(stdout(&o), "5\n");
    let o = tinybind(&["call", "greeter", "countVowels", "aeiou"]);
    assert!(!o.status.success());
}

#[test]
fn errors_are_one_line_on_stderr_with_a_non_zero_exit() {
    let cases: &[(&[&str], &str)] = &[
        (&["call", "nosuch", "f"], "no guest `nosuch`"),
        (&["call", "greeter", "nosuch"], "has no function `nosuch`"),
        (&["call", "greeter", "greet"], "takes 1 arguments"),
        (&["call", "mathx", "add", "two", "3"], "`two` is not an i32"),
        (&["call", "mathx", "clamp_u8", "70000"], "is not an i16"),
        (&["call", "bytesx", "reverse", "0xabc"], "odd number of hex digits"),
    ];
    for (args, expected) in cases {
        let o = tinybind(args);
        assert!(!o.status.success(), "{args:?} should fail");
        let err = stderr(&o);
        assert!(err.contains(expected), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(stdout(&o).is_empty(), "{args:?}");
    }
}

#[test]
fn list_shows_rust_and_go_signatures() {
    let o = tinybind(&["list"]);
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(out.contains("fn greet(&mut self, name: &str) -> Result<String, Error>"), "{out}");
    assert!(out.contains("go: func greet(name string) string"), "{out}");
    assert!(out.contains("fn divmod(&mut self, a: i32, b: i32) -> Result<(i32, i32), Error>"), "{out}");
    assert!(!out.contains("malloc"), "runtime exports are not listed: {out}");
}

/// `tinybind list FILE` lists a module file as the built-in guests are
/// listed: the same model, so hostcalls.wasm's lines are its built-in
/// entry's, imports included.
#[test]
fn list_of_a_file_matches_the_built_in_listing() {
    let built_in = stdout(&tinybind(&["list"]));
    let entry: Vec<&str> = built_in
        .lines()
        .skip_while(|l| !l.starts_with("hostcalls ("))
        .enumerate()
        .take_while(|(n, l)| *n == 0 || l.starts_with(' '))
        .map(|(_, l)| l)
        .collect();
    assert!(entry.len() > 4, "{built_in}");
    let o = tinybind(&["list", &repo("guest-go/hostcalls.wasm")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("hostcalls (") && lines[0].ends_with("hostcalls.wasm, TinyGo 0.41.1)"), "{text}");
    assert_eq!(lines[1..], entry[1..], "{text}");
    assert!(text.contains("  imports (host functions):"), "{text}");
    // --go needs a file.
    assert_eq!(tinybind(&["list", "--go", &repo("guest-go/plug.go")]).status.code(), Some(2));
}

/// `inspect` shows the Go structs the bindings use, with their Go field
/// names, types and offsets, in text and JSON.
#[test]
fn inspect_shows_struct_definitions_with_go_field_names() {
    let shapes = repo("guest-go/shapes.wasm");
    let o = tinybind(&["inspect", &shapes, "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let structs = v["structs"].as_array().expect("structs");
    let mixed = structs.iter().find(|s| s["go"] == "Mixed").expect("Mixed");
    assert_eq!((mixed["size"].as_u64(), mixed["align"].as_u64()), (Some(48), Some(8)), "{mixed}");
    let fields: Vec<(&str, &str, u64)> = mixed["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| (f["go"].as_str().unwrap_or(""), f["go_type"].as_str().unwrap_or(""), f["offset"].as_u64().unwrap_or(99)))
        .collect();
    assert_eq!(
        fields,
        [
            ("A", "uint8", 0),
            ("B", "int64", 8),
            ("C", "uint16", 16),
            ("D", "float32", 20),
            ("E", "bool", 24),
            ("F", "float64", 32),
            ("Grid", "[3]int16", 40)
        ],
        "{mixed}"
    );
    let record = structs.iter().find(|s| s["go"] == "Record").expect("Record");
    assert!(record["declaration"].as_str().is_some_and(|d| d.starts_with("type Record struct {")), "{record}");
    let points = &record["fields"][3];
    assert_eq!((&points["go"], &points["rust"], &points["go_type"]), (&"Points".into(), &"points".into(), &"[]Point".into()));
    let text = stdout(&tinybind(&["inspect", &shapes]));
    assert!(text.contains("structs:\n"), "{text}");
    assert!(text.contains("      Grid [3]int16  at 40  (rust: grid)"), "{text}");
}

#[test]
fn inspect_json_reports_what_is_inferred() {
    let root = env!("CARGO_MANIFEST_DIR");
    let o = tinybind(&[
        "inspect",
        &format!("{root}/guest-go/bytesx.wasm"),
        "--go",
        &format!("{root}/guest-go/bytesx.go"),
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The Go source beside the module is found without --go, as the build
    // finds it.
    let beside = tinybind(&["inspect", &format!("{root}/guest-go/bytesx.wasm"), "--json"]);
    assert_eq!(stdout(&beside), stdout(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["guest"], "bytesx");
    assert_eq!(v["compiler"], "TinyGo 0.41.1");
    let concat = v["functions"]
        .as_array()
        .expect("functions")
        .iter()
        .find(|f| f["export"] == "concatenate")
        .expect("concatenate");
    assert_eq!(concat["go"], "func concatenate(a string, b string) string");
    assert_eq!(concat["wasm"], "(i32, i32, i32, i32, i32) -> ()");
    assert_eq!(concat["evidence"], "go-source");
    assert_eq!(concat["rust"], "fn concatenate(&mut self, a: &str, b: &str) -> Result<String, Error>");
    let hidden = v["runtime_exports"].as_array().expect("runtime_exports");
    assert!(hidden.iter().any(|h| h == "malloc"));
    assert!(hidden.iter().any(|h| h == "_start"));
    assert!(v["warnings"].as_array().expect("warnings").is_empty());

    // Without the Go source: DWARF names the parameters, the retptr result
    // stays raw, and a warning says what to add.
    // (Alone: the build, and so `inspect`, would find bytesx.go beside it.)
    let alone = Alone::new(&format!("{root}/guest-go/bytesx.wasm"));
    let o = tinybind(&["inspect", alone.path(), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let warnings = v["warnings"].as_array().expect("warnings");
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().is_some_and(|w| w.contains("concatenate"))),
        "{warnings:?}"
    );
}

#[test]
fn inspect_refuses_a_file_that_is_not_wasm() {
    let o = tinybind(&["inspect", &format!("{}/Cargo.toml", env!("CARGO_MANIFEST_DIR"))]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("Cargo.toml"), "{err}");
    assert!(err.contains("invalid WebAssembly"), "{err}");
}

#[test]
fn the_demo_runs_every_guest() {
    let o = tinybind(&[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("greet(\"Ada\") -> \"Hello, Ada!\""), "{out}");
    assert!(out.contains("concatenate(\"Ada\", \"Lovelace\") -> \"AdaLovelace\""), "{out}");
    assert!(out.contains("divmod(7, 3) -> (2, 1)"), "{out}");
    // What a guest prints is shown under the call that printed it.
    let lines: Vec<&str> = out.lines().collect();
    let after = |call: &str| {
        let i = lines.iter().position(|l| l.trim_start().starts_with(call)).expect(call);
        lines.get(i + 1).copied().unwrap_or_default()
    };
    assert!(after("boom(").contains("(guest stdout") && after("boom(").contains("index out of range"), "{out}");
    assert!(after("hog(").contains("out of memory"), "{out}");
    assert!(after("flood(").contains("abcdefgh"), "{out}");
    assert!(!after("bad_utf8(").contains("(guest"), "{out}");
    assert!(!after("spin(").contains("(guest"), "{out}");
    assert!(!after("recurse(").contains("(guest"), "{out}");
}

#[test]
fn list_shows_each_guests_imports_with_rust_and_go_signatures() {
    let o = tinybind(&["list"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for line in [
        "env.lookup: fn lookup(&mut self, key: &str) -> Result<String, HostError>",
        "go: func lookup(key string) string   [go-source]",
        "other.log: fn other_log(&mut self, level: u32) -> Result<(), HostError>",
        "env.fill: fn fill(&mut self, memory: &mut GuestMemory<'_>, arg0: i32) -> Result<(), HostError>",
        "wasm: (i32) -> ()   [wasm-only]",
    ] {
        assert!(text.contains(line), "`tinybind list` lacks {line:?}");
    }
}

#[test]
fn inspect_json_lists_the_host_imports() {
    let module = concat!(env!("CARGO_MANIFEST_DIR"), "/guest-go/hostcalls.wasm");
    let go = concat!(env!("CARGO_MANIFEST_DIR"), "/guest-go/hostcalls.go");
    let o = tinybind(&["inspect", module, "--go", go, "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let imports = v["imports"].as_array().expect("an imports list");
    // WASI imports are the runtime's, not the host trait's.
    assert_eq!(imports.len(), 9, "{imports:?}");
    assert!(imports.iter().all(|i| i["module"] != "wasi_snapshot_preview1"));
    let pair = imports.iter().find(|i| i["name"] == "pair").expect("env.pair");
    assert_eq!(pair["module"], "env");
    assert_eq!(pair["go"], "func pair(n int32) (string, int32)");
    assert_eq!(pair["wasm"], "(i32, i32) -> ()");
    assert_eq!(pair["rust"], "fn pair(&mut self, n: i32) -> Result<(String, i32), HostError>");
    assert_eq!(pair["evidence"], "go-source");
    assert!(pair["convention"].as_str().expect("text").contains("retptr"), "{pair}");
    // Without declarations (none beside the copy): the wasm types, raw.
    let alone = Alone::new(module);
    let o = tinybind(&["inspect", alone.path(), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let log = v["imports"]
        .as_array()
        .expect("list")
        .iter()
        .find(|i| i["name"] == "log")
        .expect("log");
    assert_eq!(log["evidence"], "wasm-only");
    assert_eq!(log["go"], serde_json::Value::Null);
    assert_eq!(
        log["rust"],
        "fn log(&mut self, memory: &mut GuestMemory<'_>, arg0: i32, arg1: i32) -> Result<(), HostError>"
    );
}

#[test]
fn a_call_that_reaches_an_unimplemented_import_fails_with_one_line_naming_it() {
    let o = tinybind(&["call", "hostcalls", "describe", "k"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    for part in ["`describe`", "`env.lookup`", "needs a host function"] {
        assert!(err.contains(part), "{err} should name {part}");
    }
}

/// `tinybind list | head -1`: the reader goes away before tinybind writes.
/// tinybind ends as Unix tools do, killed by `SIGPIPE`, without a word on
/// stderr (it used to panic: "failed printing to stdout: Broken pipe").
#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_tinybind_quietly() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    let greeter = concat!(env!("CARGO_MANIFEST_DIR"), "/guest-go/greeter.wasm");
    for args in [&["list"][..], &["inspect", greeter][..]] {
        // The reading end is closed before tinybind starts: whatever it
        // writes, however fast, finds no reader.
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let child = Command::new(env!("CARGO_BIN_EXE_tinybind"))
            .args(args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .spawn()
            .expect("runs tinybind");
        let out = child.wait_with_output().expect("waits for tinybind");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
        assert_eq!(out.status.signal(), Some(libc::SIGPIPE), "{args:?}: {:?}", out.status);
    }
}

fn repo(path: &str) -> String {
    format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn check_says_whether_a_module_fits_go_declarations_with_the_load_errors_text() {
    let plug = repo("guest-go/plug.go");
    let fits = tinybind(&["check", &repo("tests/plugins/upper.wasm"), "--go", &plug]);
    assert!(fits.status.success(), "{}", stderr(&fits));
    let text = stdout(&fits);
    assert!(text.contains("upper.wasm` fits the guest interface `plug`"), "{text}");
    assert!(text.contains("start-up: reactor"), "{text}");

    // The same lines as `PlugPre::load_file`'s error.
    let concat = repo("guest-go/concat.wasm");
    let misfit = tinybind(&["check", &concat, "--go", &plug]);
    assert_eq!(misfit.status.code(), Some(1));
    let rt = tinybind::Runtime::new().expect("runtime");
    let load_error = tinybind::guests::plug::PlugPre::load_file(&rt, &concat).expect_err("misfit");
    assert_eq!(stdout(&misfit).trim_end(), load_error.to_string());
    assert!(stdout(&misfit).contains("missing export `transform` (i32, i32, i32) -> ()"), "{}", stdout(&misfit));

    let json = tinybind(&["check", &concat, "--go", &plug, "--json"]);
    assert_eq!(json.status.code(), Some(1));
    let problems: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("JSON");
    assert_eq!(
        problems,
        serde_json::json!([
            "missing export `transform` (i32, i32, i32) -> ()",
            "missing export `version` () -> (i32)"
        ])
    );
    let fits_json = tinybind(&["check", &repo("tests/plugins/lower.wasm"), "--go", &plug, "--json"]);
    assert!(fits_json.status.success());
    assert_eq!(stdout(&fits_json).trim(), "[]");
}

#[test]
fn check_against_a_built_in_guest_and_its_usage_errors() {
    let greeter = repo("guest-go/greeter.wasm");
    let fits = tinybind(&["check", &greeter, "--against", "greeter"]);
    assert!(fits.status.success(), "{}", stderr(&fits));
    let misfit = tinybind(&["check", &greeter, "--against", "concat"]);
    assert_eq!(misfit.status.code(), Some(1));
    let text = stdout(&misfit);
    assert!(text.starts_with("`") && text.contains("does not fit the guest interface `concat`:"), "{text}");
    assert_eq!(text.lines().filter(|l| l.starts_with("- missing export")).count(), 3, "{text}");
    // An interface-only guest (no module built in) is checked against too.
    let plugin = tinybind(&["check", &repo("tests/plugins/lower.wasm"), "--against", "plug"]);
    assert!(plugin.status.success(), "{}", stderr(&plugin));
    assert!(stdout(&plugin).contains("fits the guest interface `plug`"), "{}", stdout(&plugin));

    // No interface given, an unknown guest, a missing module: errors, not misfits.
    assert!(!tinybind(&["check", &greeter]).status.success());
    let unknown = tinybind(&["check", &greeter, "--against", "nosuch"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stderr(&unknown).contains("nosuch"), "{}", stderr(&unknown));
    let missing = tinybind(&["check", "/nonexistent/x.wasm", "--go", &repo("guest-go/plug.go")]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("/nonexistent/x.wasm"), "{}", stderr(&missing));
}
