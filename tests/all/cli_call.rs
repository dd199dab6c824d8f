//! `tinybind call FILE.wasm FUNCTION ...`: modules called straight from
//! their files (guest-go builds and the corpus of third-party modules), with
//! and without Go declarations; every grant and limit one by one; the
//! `--json` shapes; exit codes; and `--trace-imports`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{json, Value as Json};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn guest(name: &str) -> String {
    format!("{ROOT}/guest-go/{name}.wasm")
}

fn tinybind(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tinybind"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("runs tinybind")
}

fn tinybind_with_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tinybind"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs tinybind");
    child.stdin.take().expect("stdin").write_all(input).expect("writes stdin");
    child.wait_with_output().expect("waits")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs a `--json` call and parses its stdout, which must be one JSON value.
fn json_call(args: &[&str]) -> (Output, Json) {
    let mut all = args.to_vec();
    all.push("--json");
    let o = tinybind(&all);
    let v: Json = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: stdout is not one JSON value ({e}): {}", stdout(&o)));
    (o, v)
}

/// Asserts the error object's shape: kind, guest, export, message.
fn assert_error(v: &Json, kind: &str, guest: &str, export: &str) {
    assert_eq!(v["kind"], kind, "{v}");
    assert_eq!(v["guest"], guest, "{v}");
    assert_eq!(v["export"], export, "{v}");
    let message = v["message"].as_str().unwrap_or_else(|| panic!("no message: {v}"));
    assert!(!message.is_empty() && !message.contains('\n'), "{v}");
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(tempfile::TempDir);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir = tempfile::Builder::new()
            .prefix(&format!("tinybind-cli-call-{tag}-"))
            .tempdir()
            .expect("temp dir");
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    fn file(&self, name: &str, contents: &[u8]) -> String {
        let p = self.path().join(name);
        std::fs::write(&p, contents).expect("writes");
        p.to_str().expect("UTF-8").to_string()
    }

    /// A copy of a module here, with no Go source beside it.
    fn copy(&self, module: &str) -> String {
        let name = Path::new(module).file_name().expect("name");
        let p = self.path().join(name);
        std::fs::copy(module, &p).expect("copies");
        p.to_str().expect("UTF-8").to_string()
    }

    fn str(&self) -> &str {
        self.path().to_str().expect("UTF-8")
    }
}

/// A module of the corpus (`$TINYBIND_CORPUS`, or shared/corpus beside the
/// repository). Missing: a failure in CI, a loud skip elsewhere.
fn corpus(name: &str) -> Option<String> {
    let dir = std::env::var_os("TINYBIND_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(ROOT).join("../shared/corpus"));
    let path = dir.join(name);
    if path.is_file() {
        return Some(path.to_str().expect("UTF-8").to_string());
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("the corpus module {} is missing; CI needs it", path.display());
    }
    eprintln!("!!! SKIPPED: corpus module not found at {} !!!", path.display());
    None
}

#[test]
fn a_file_is_typed_by_the_go_source_beside_it() {
    let cases: &[(&str, &[&str], &str)] = &[
        ("greeter", &["greet", "Ada"], "Hello, Ada!\n"),
        ("greeter", &["count_vowels", "Ada Lovelace"], "6\n"),
        ("mathx", &["divmod", "17", "5"], "3\n2\n"),
        ("mathx", &["is_even", "4"], "true\n"),
        ("mathx", &["neg_i8", "-100"], "100\n"),
        ("mathx", &["mul_u64", "18446744073709551615", "1"], "18446744073709551615\n"),
        ("mathx", &["hypot", "3", "4"], "5\n"),
        ("bytesx", &["reverse", "0x010203"], "030201\n"),
        ("bytesx", &["split_name", "Ada Lovelace"], "Ada\nLovelace\n"),
        ("bytesx", &["stats", "0x0a14"], "2\n30\ntrue\n"),
        ("concat", &["concatenate", "Hello, ", "World"], "Hello, World\n"),
        ("errorsx", &["join", "a,b,c", "-"], "a-b-c\n"),
        ("errorsx", &["join", r#"["a,b", "c"]"#, "+"], "a,b+c\n"),
        ("errorsx", &["divide", "7", "2"], "3\n"),
    ];
    for (name, args, expected) in cases {
        let module = guest(name);
        let mut all = vec!["call", module.as_str()];
        all.extend_from_slice(args);
        let o = tinybind(&all);
        assert!(o.status.success(), "{all:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), *expected, "{all:?}");
        // The built-in guest of the same name gives the same.
        let mut builtin = vec!["call", *name];
        builtin.extend_from_slice(args);
        assert_eq!(stdout(&tinybind(&builtin)), *expected, "{builtin:?}");
    }
}

#[test]
fn without_go_source_a_file_takes_raw_wasm_values_and_with_go_it_is_typed() {
    let dir = TempDir::new("raw");
    let mathx = dir.copy(&guest("mathx"));
    // Alone, mathx's `add` is typed by DWARF (a scalar result is its wasm
    // result).
    let (o, v) = json_call(&["call", &mathx, "add", "2", "3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(v, json!([5]));
    // greeter's `greet` writes through a retptr, which DWARF does not say:
    // raw, it takes three wasm numbers.
    let greeter = dir.copy(&guest("greeter"));
    let (o, v) = json_call(&["call", &greeter, "greet", "Ada"]);
    assert_eq!(o.status.code(), Some(2));
    assert_error(&v, "usage", "greeter", "greet");
    assert!(v["message"].as_str().unwrap_or_default().contains("3 arguments"), "{v}");
    // A raw i32 takes its unsigned range too (an address): here a retptr
    // outside memory, which traps in the guest, a guest failure.
    let (o, v) = json_call(&["call", &greeter, "greet", "4294967295", "0", "0"]);
    assert_eq!(o.status.code(), Some(1), "{v}");
    assert_error(&v, "trap", "greeter", "greet");
    // Declarations only, given with --go, type it.
    let decls = dir.file("decls.go", b"package main\n\n//export greet\nfunc greet(name string) string\n");
    let (o, v) = json_call(&["call", &greeter, "greet", "Ada", "--go", &decls]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(v, json!(["Hello, Ada!"]));
    // ... and so do declarations beside it, NAME.go, as the build finds them.
    dir.file("greeter.go", b"package main\n\n//export greet\nfunc greet(name string) string\n");
    let (o, v) = json_call(&["call", &greeter, "greet", "Ada"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(v, json!(["Hello, Ada!"]));
    // A declaration that contradicts the binary is not used: raw again.
    let wrong = dir.file("wrong.go", b"package main\n\n//export greet\nfunc greet(a, b int32) int32\n");
    let o = tinybind(&["call", &greeter, "greet", "Ada", "--go", &wrong]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn corpus_modules_are_called_from_their_files() {
    let Some(add) = corpus("tg0.35.0-wasip1-wazero-add-cshared.wasm") else { return };
    let (o, v) = json_call(&["call", &add, "add", "2", "40"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(v, json!([42]));

    let Some(bench) = corpus("tg0.20-wasi-wazero-benchcase-2021.wasm") else { return };
    let o = tinybind(&["call", &bench, "fibonacci", "20"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "6765\n");

    // A browser build with a retptr string result: DWARF names the
    // parameters only, so it is raw without declarations and typed with.
    let Some(concat) = corpus("tg0.35.0-wasm-rmarchet-concat-RETPTR.wasm") else { return };
    let dir = TempDir::new("corpus");
    let decls = dir.file(
        "concat.go",
        b"package main\n\n//export concatenate\nfunc concatenate(a string, b string) string\n",
    );
    let (o, v) = json_call(&["call", &concat, "concatenate", "Ada ", "Lovelace", "--go", &decls]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(v, json!(["Ada Lovelace"]));
    let (o, v) = json_call(&["call", &concat, "concatenate", "Ada ", "Lovelace"]);
    assert_eq!(o.status.code(), Some(2));
    assert_error(&v, "usage", "tg0.35.0-wasm-rmarchet-concat-RETPTR", "concatenate");

    // A standard Go command: calling `_start` runs it.
    let Some(hello) = corpus("go1.21.1-wasip1-command-hello.wasm") else { return };
    let o = tinybind(&["call", &hello, "_start"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("Hello world!"), "{}", stdout(&o));
}

#[test]
fn nothing_is_granted_unless_asked_and_each_grant_works() {
    let sandbox = guest("sandbox");
    let dir = TempDir::new("grants");
    std::fs::write(dir.path().join("note.txt"), "hello from the host").expect("writes");
    let host = dir.str();

    // Directories: none by default; --dir read-write; --dir-ro and
    // HOST::GUEST::ro read-only.
    let read = tinybind(&["call", &sandbox, "read_file", "/data/note.txt"]);
    assert!(stdout(&read).starts_with("error: "), "{}", stdout(&read));
    let mapped = format!("{host}::/data");
    let read = tinybind(&["call", &sandbox, "read_file", "/data/note.txt", "--dir", &mapped]);
    assert_eq!(stdout(&read), "hello from the host\n", "{}", stderr(&read));
    let write = tinybind(&["call", &sandbox, "write_file", "/data/new.txt", "x", "--dir", &mapped]);
    assert_eq!(stdout(&write), "ok\n", "{}", stderr(&write));
    assert!(dir.path().join("new.txt").is_file());
    let ro = format!("{host}::/data::ro");
    for flags in [["--dir-ro", mapped.as_str()], ["--dir", ro.as_str()]] {
        let mut args = vec!["call", &sandbox, "write_file", "/data/other.txt", "x"];
        args.extend_from_slice(&flags);
        let o = tinybind(&args);
        assert!(stdout(&o).starts_with("error: "), "{flags:?}: {}", stdout(&o));
        assert!(!dir.path().join("other.txt").exists(), "{flags:?}");
        let mut args = vec!["call", &sandbox, "read_file", "/data/note.txt"];
        args.extend_from_slice(&flags);
        assert_eq!(stdout(&tinybind(&args)), "hello from the host\n", "{flags:?}");
    }
    let o = tinybind(&["call", &sandbox, "read_file", "/x", "--dir", "/no/such/dir::/x"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));

    // Environment: none by default; --env KEY=VALUE, repeatable.
    let o = tinybind(&["call", &sandbox, "env_list"]);
    assert_eq!(stdout(&o), "\n", "{}", stderr(&o));
    let o = tinybind(&["call", &sandbox, "env_list", "--env", "A=1", "--env", "B=two words"]);
    assert_eq!(stdout(&o), "A=1\nB=two words\n", "{}", stderr(&o));
    let o = tinybind(&["call", &sandbox, "env_var", "B", "--env", "B=2"]);
    assert_eq!(stdout(&o), "2\n");

    // Stdin: empty by default; a file; `-` for ours.
    let o = tinybind(&["call", &sandbox, "read_stdin"]);
    assert_eq!(stdout(&o), "\n");
    let input = dir.file("input.txt", b"from a file");
    let o = tinybind(&["call", &sandbox, "read_stdin", "--stdin", &input]);
    assert_eq!(stdout(&o), "from a file\n", "{}", stderr(&o));
    let o = tinybind_with_stdin(&["call", &sandbox, "read_stdin", "--stdin", "-"], b"piped in");
    assert_eq!(stdout(&o), "piped in\n", "{}", stderr(&o));
    // Without --stdin, our own stdin is not the guest's.
    let o = tinybind_with_stdin(&["call", &sandbox, "read_stdin"], b"not for the guest");
    assert_eq!(stdout(&o), "\n");
}

#[test]
fn limits_stop_the_guest_with_their_own_kind_and_exit_code() {
    let hostile = guest("hostile");
    let (o, v) = json_call(&["call", &hostile, "spin", "1", "--timeout", "300ms"]);
    assert_eq!(o.status.code(), Some(124), "{}", stderr(&o));
    assert_error(&v, "timeout", "hostile", "spin");
    assert_eq!(v["timeout_ms"], 300);

    let (o, v) = json_call(&["call", &hostile, "spin", "1", "--fuel", "50000000"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_error(&v, "out-of-fuel", "hostile", "spin");
    assert_eq!(v["fuel"], 50000000);

    // A limit reached in start-up (a command's `_start`) is that limit's
    // failure, of the entry point, marked as start-up.
    let (o, v) = json_call(&["call", &hostile, "spin", "1", "--fuel", "100000"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_error(&v, "out-of-fuel", "hostile", "_start");
    assert_eq!(v["startup"], true);

    // The memory cap: the Go runtime runs out of memory and panics.
    let (o, v) = json_call(&["call", &hostile, "hog", "--memory-limit", "16MiB"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_error(&v, "trap", "hostile", "hog");
    assert!(v["panic"].as_str().unwrap_or_default().contains("out of memory"), "{v}");
    let o = tinybind(&["call", &hostile, "hog", "--memory-limit", "lots"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn capture_shows_guest_output_only_on_failure() {
    let hostile = guest("hostile");
    // Passed through by default.
    let o = tinybind(&["call", &hostile, "flood", "2"]);
    assert!(o.status.success());
    assert_eq!(stdout(&o).lines().filter(|l| l.starts_with("abcdef")).count(), 2, "{}", stdout(&o));
    // Captured and not shown when the call succeeds.
    let o = tinybind(&["call", &hostile, "flood", "2", "--capture"]);
    assert!(o.status.success());
    assert_eq!(stdout(&o), "2048\n");
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    // Shown (on stderr) when it fails.
    let o = tinybind(&["call", &hostile, "boom", "1", "--capture"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("panic: runtime error: index out of range"), "{err}");
    assert!(err.lines().last().unwrap_or_default().starts_with("error: "), "{err}");
    // With --json, stdout holds the JSON only; the guest's output is on stderr.
    let (o, v) = json_call(&["call", &hostile, "flood", "1"]);
    assert_eq!(v, json!([1024]));
    assert!(stderr(&o).contains("abcdef"), "{}", stderr(&o));
}

#[test]
fn passed_through_output_stops_at_max_output_bytes() {
    let hostile = guest("hostile");
    // 64 MiB of lines against a 64 KiB cap: the host's stdout gets at most
    // the cap, the guest's further writes fail, and the call ends normally.
    let o = tinybind(&["call", &hostile, "flood", "65536", "--max-output-bytes", "64KiB"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let (guest_output, result) = out.trim_end().rsplit_once('\n').unwrap_or_else(|| panic!("{out:.200}"));
    assert_eq!(guest_output.len() + 1, 64 * 1024, "the bytes passed through");
    // What the guest counted: 64 writes of 1 KiB, then failures, each of
    // which TinyGo's `os.Stdout.Write` counts as -1.
    assert_eq!(result, (64 * 1024 - (65536 - 64)).to_string(), "what the guest saw written");
    // The same cap, per call, on the default's passthrough with --json
    // (the guest's output goes to stderr there).
    let (o, v) = json_call(&["call", &hostile, "flood", "1000", "--max-output-bytes", "10KiB"]);
    assert_eq!(v, json!([10 * 1024 - (1000 - 10)]));
    assert_eq!(o.stderr.len(), 10240);
}

#[test]
fn json_error_objects_name_kind_guest_export_and_message() {
    let hostile = guest("hostile");
    let (o, v) = json_call(&["call", &hostile, "boom", "1"]);
    assert_eq!(o.status.code(), Some(1));
    assert_error(&v, "trap", "hostile", "boom");
    assert_eq!(v["panic"], "runtime error: index out of range");
    // The frames, innermost first, with the Go file and line of each.
    let frames = v["frames"].as_array().unwrap_or_else(|| panic!("no frames: {v}"));
    assert!(frames[0]["function"].as_str().is_some_and(|f| f.starts_with("runtime.")), "{v}");
    let boom = frames.iter().find(|f| f["function"] == "boom").unwrap_or_else(|| panic!("{v}"));
    assert!(boom["file"].as_str().is_some_and(|f| f.ends_with("hostile.go")), "{v}");
    assert_eq!(boom["line"], 66, "{v}");
    assert!(v["message"].as_str().is_some_and(|m| m.ends_with(" at hostile.go:66 (boom)")), "{v}");

    let (o, v) = json_call(&["call", &hostile, "quit", "3"]);
    assert_eq!(o.status.code(), Some(1));
    assert_error(&v, "exit", "hostile", "quit");
    assert_eq!(v["exit_code"], 3);

    let (_, v) = json_call(&["call", &hostile, "bad_pointer"]);
    assert_error(&v, "bad-pointer", "hostile", "bad_pointer");

    let (o, v) = json_call(&["call", &guest("errorsx"), "divide", "7", "0"]);
    assert_eq!(o.status.code(), Some(1));
    assert_error(&v, "go-error", "errorsx", "divide");
    assert!(v["message"].as_str().unwrap_or_default().contains("cannot divide 7 by zero"), "{v}");
    assert_eq!(v["go_type"], "errors.errorString");

    let (o, v) = json_call(&["call", &guest("hostcalls"), "describe", "k"]);
    assert_eq!(o.status.code(), Some(1));
    assert_error(&v, "host", "hostcalls", "describe");
    assert_eq!(v["import"], "env.lookup");

    // Usage errors: exit 2, kind `usage`.
    let (o, v) = json_call(&["call", &hostile, "nosuch"]);
    assert_eq!(o.status.code(), Some(2));
    assert_error(&v, "usage", "hostile", "nosuch");
    let (o, v) = json_call(&["call", &guest("mathx"), "add", "two", "3"]);
    assert_eq!(o.status.code(), Some(2));
    assert_error(&v, "usage", "mathx", "add");
    let (o, v) = json_call(&["call", &format!("{ROOT}/Cargo.toml"), "f"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(v["kind"], "usage", "{v}");
    assert_eq!(v["guest"], Json::Null, "{v}");
    let (o, v) = json_call(&["call", "/no/such/module.wasm", "f"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(v["kind"], "usage", "{v}");

    // Results: one list, whatever their number and types.
    let (_, v) = json_call(&["call", &guest("mathx"), "divmod", "17", "5"]);
    assert_eq!(v, json!([3, 2]));
    let (_, v) = json_call(&["call", &guest("bytesx"), "stats", "0x0a14"]);
    assert_eq!(v, json!([2, 30, true]));
    let (_, v) = json_call(&["call", &guest("bytesx"), "reverse", "0x0102ff"]);
    assert_eq!(v, json!(["ff0201"]));
    let (_, v) = json_call(&["call", &guest("errorsx"), "check", "1"]);
    assert_eq!(v, json!([]));
}

#[test]
fn exit_codes_distinguish_usage_guest_failure_and_timeout() {
    let hostile = guest("hostile");
    let cases: &[(&[&str], i32)] = &[
        (&["call", &hostile, "good", "x"], 0),
        (&["call", &hostile, "boom", "1"], 1),
        (&["call", &hostile, "quit", "7"], 1),
        (&["call", &hostile, "spin", "1", "--timeout", "200ms"], 124),
        (&["call", &hostile, "nosuch"], 2),
        (&["call", &hostile, "boom"], 2),
        (&["call", &hostile, "boom", "1", "--no-such-flag"], 2),
        (&["call", &hostile, "boom", "1", "--timeout", "soon"], 2),
        (&["call"], 2),
    ];
    for (args, code) in cases {
        let o = tinybind(args);
        assert_eq!(o.status.code(), Some(*code), "{args:?}: {}", stderr(&o));
        if *code != 0 {
            // One line on stderr, no panic.
            let err = stderr(&o);
            assert!(!err.contains("internal error"), "{args:?}: {err}");
        }
    }
}

#[test]
fn trace_imports_answers_zero_values_and_prints_each_call() {
    let hostcalls = guest("hostcalls");
    // Without it: one line naming the import.
    let o = tinybind(&["call", &hostcalls, "greet", "Ada"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("`env.log`"), "{err}");

    let o = tinybind(&["call", &hostcalls, "greet", "Ada", "--trace-imports"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "Hello, Ada!\n");
    assert_eq!(stderr(&o), "trace: env.log(message: \"greeting Ada\") -> ()\n");

    let cases: &[(&[&str], &str, &str)] = &[
        (&["describe", "k"], "k=\n", "trace: env.lookup(key: \"k\") -> \"\"\n"),
        (&["pair_of", "3"], ":0\n", "trace: env.pair(n: 3) -> (\"\", 0)\n"),
        (&["sum64", "1", "2"], "0\n", "trace: env.add_i64(a: 1, b: 2) -> 0\n"),
        (&["even", "4"], "false\n", "trace: env.is_even(n: 4) -> false\n"),
        (
            &["lookup_many", "k", "2"],
            "0\n",
            "trace: env.lookup(key: \"k\") -> \"\"\ntrace: env.lookup(key: \"k\") -> \"\"\n",
        ),
    ];
    for (args, out, trace) in cases {
        let mut all = vec!["call", hostcalls.as_str()];
        all.extend_from_slice(args);
        all.push("--trace-imports");
        let o = tinybind(&all);
        assert!(o.status.success(), "{all:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), *out, "{all:?}");
        assert_eq!(stderr(&o), *trace, "{all:?}");
    }

    // Without declarations the import's raw wasm values are shown.
    let dir = TempDir::new("trace");
    let alone = dir.copy(&hostcalls);
    let decls = dir.file("exports.go", b"package main\n\n//export greet\nfunc greet(name string) string\n");
    let o = tinybind(&["call", &alone, "greet", "Ada", "--go", &decls, "--trace-imports"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.starts_with("trace: env.log(arg0: ") && err.contains(", arg1: 12) -> ()"), "{err}");
}

#[test]
fn an_import_called_in_start_up_fails_it_unless_traced() {
    // hoststart.wat (hand-written) calls env.ready from `_initialize`.
    let module = format!("{ROOT}/guest-go/hoststart.wat");
    let (o, v) = json_call(&["call", &module, "state"]);
    assert_eq!(o.status.code(), Some(1));
    assert_error(&v, "host", "hoststart", "_initialize");
    assert_eq!(v["import"], "env.ready");
    assert_eq!(v["startup"], true);
    let (o, v) = json_call(&["call", &module, "state", "--trace-imports"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(v, json!([0]));
    assert_eq!(stderr(&o), "trace: env.ready() -> 0\n");
}

#[test]
fn trace_imports_on_a_corpus_module() {
    let Some(greet) = corpus("tg0.35.0-wasip1-wazero-greet-cshared.wasm") else { return };
    let o = tinybind(&["call", &greet, "greet", "0", "0"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("`env.log`"), "{}", stderr(&o));
    // wazero's `func _log(ptr, size uint32)` declared as a string.
    let dir = TempDir::new("corpus-trace");
    let decls = dir.file(
        "greet.go",
        b"package main\n\n//go:wasmimport env log\nfunc log(message string)\n\n//export greet\nfunc greet(name string)\n",
    );
    let o = tinybind(&["call", &greet, "greet", "Ada", "--go", &decls, "--trace-imports"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stderr(&o), "trace: env.log(message: \"wasm >> Hello, Ada!\") -> ()\n");
}

#[test]
fn help_shows_an_example_and_the_exit_codes() {
    for args in [&["--help"][..], &["-h"], &["call", "--help"], &["call", "-h"], &["inspect", "-h"], &["list", "-h"]] {
        let o = tinybind(args);
        assert!(o.status.success(), "{args:?}");
        assert!(stdout(&o).contains("Example:\n  tinybind "), "{args:?}: {}", stdout(&o));
    }
    let text = stdout(&tinybind(&["call", "--help"]));
    for part in ["124", "usage error", "--dir <HOST[::GUEST]>", "--dir-ro", "--env", "--stdin", "--trace-imports"] {
        assert!(text.contains(part), "`call --help` lacks {part:?}");
    }
}

/// Hand-written wat, for what no compiler emits: a guest that passes an
/// import a bad string pointer, and a result area outside its memory.
const BAD_IMPORT_ARGS: &str = r#"(module
  (import "env" "log" (func $log (param i32 i32)))
  (import "env" "pair" (func $pair (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "bad_string") (call $log (i32.const 0xffff0000) (i32.const 10)))
  (func (export "bad_retptr") (call $pair (i32.const 0xfffffff0) (i32.const 3)))
  (func (export "good_retptr") (result i32)
    (i32.store (i32.const 16) (i32.const 7))
    (call $pair (i32.const 16) (i32.const 3))
    (i32.load (i32.const 16))))
"#;

#[test]
fn trace_imports_survives_bad_arguments_from_the_guest() {
    let dir = TempDir::new("bad-import-args");
    let module = dir.file("badargs.wat", BAD_IMPORT_ARGS.as_bytes());
    dir.file(
        "badargs.go",
        b"package main\n\n//go:wasmimport env log\nfunc log(message string)\n\n\
          //go:wasmimport env pair\nfunc pair(n int32) (string, int32)\n\n\
          //export bad_string\nfunc badString()\n\n//export bad_retptr\nfunc badRetptr()\n\n\
          //export good_retptr\nfunc goodRetptr() int32\n",
    );
    // A string argument outside memory is shown as such; the call goes on.
    let o = tinybind(&["call", &module, "bad_string", "--trace-imports"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.starts_with("trace: env.log(message: <") && err.contains("outside its memory"), "{err}");
    // A result area outside memory fails the call with one typed error.
    let (o, v) = json_call(&["call", &module, "bad_retptr", "--trace-imports"]);
    assert_eq!(o.status.code(), Some(1));
    assert_error(&v, "host", "badargs", "bad_retptr");
    assert_eq!(v["import"], "env.pair");
    // A good one is zero-filled: the 7 written before the call is gone.
    let (o, v) = json_call(&["call", &module, "good_retptr", "--trace-imports"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(v, json!([0]));
    assert_eq!(stderr(&o), "trace: env.pair(n: 3) -> (\"\", 0)\n");
}

#[test]
fn import_results_answer_traced_imports_with_canned_values() {
    let hostcalls = guest("hostcalls");
    let dir = TempDir::new("canned");
    let answers = dir.file(
        "answers.json",
        br#"{"env.lookup": "v:k", "pair": ["ab", 7], "add_i64": -5, "env.is_even": true}"#,
    );
    let cases: &[(&[&str], &str, &str)] = &[
        (&["describe", "k"], "k=v:k\n", "trace: env.lookup(key: \"k\") -> \"v:k\"\n"),
        (&["pair_of", "3"], "ab:7\n", "trace: env.pair(n: 3) -> (\"ab\", 7)\n"),
        (&["sum64", "1", "2"], "-5\n", "trace: env.add_i64(a: 1, b: 2) -> -5\n"),
        (&["even", "4"], "true\n", "trace: env.is_even(n: 4) -> true\n"),
    ];
    for (args, out, trace) in cases {
        let mut all = vec!["call", hostcalls.as_str()];
        all.extend_from_slice(args);
        all.extend(["--trace-imports", "--import-results", answers.as_str()]);
        let o = tinybind(&all);
        assert!(o.status.success(), "{all:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), *out, "{all:?}");
        assert_eq!(stderr(&o), *trace, "{all:?}");
    }
    // 500 canned strings in one call, with the guest's GC running between
    // them: each stays intact (lookup_many re-checks its last 16).
    let (o, v) = json_call(&[
        "call", &hostcalls, "lookup_many", "k", "500", "--trace-imports", "--import-results", &answers,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(v, json!([500]));

    // Mistakes in the file are usage errors that say what is wrong.
    let wrong: &[(&str, &str)] = &[
        (r#"{"log": null}"#, "`log` is imported from several modules; write `module.log`"),
        (r#"{"nope": 1}"#, "the module has no import `nope` (its imports: env.log, "),
        (r#"{"pair": "x"}"#, "`pair`: the import has 2 results (string, i32); give an array of 2"),
        (r#"{"add_i64": "abc"}"#, "`add_i64`: `abc` is not an i64"),
        (r#"{"env.log": 1}"#, "`env.log`: the import returns nothing; give it `null`"),
        ("[1]", "not a JSON object from import names to results"),
        ("{", "not JSON"),
    ];
    for (text, message) in wrong {
        let file = dir.file("wrong.json", text.as_bytes());
        let o = tinybind(&["call", &hostcalls, "describe", "k", "--trace-imports", "--import-results", &file]);
        assert_eq!(o.status.code(), Some(2), "{text}: {}", stderr(&o));
        assert!(stderr(&o).contains(message), "{text}: {}", stderr(&o));
    }
    // It answers traced imports only.
    let o = tinybind(&["call", &hostcalls, "describe", "k", "--import-results", &answers]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--trace-imports"), "{}", stderr(&o));
}

/// Hand-written wat, as no TinyGo guest here imports a slice or an error
/// result: exports that call `env.nums` (`([]int32, string)`) and
/// `env.try` (`(int32, error)`) with a result area at 64 and read it; a
/// bump `malloc` and a `free` that does nothing.
const SLICE_IMPORTS: &str = r#"(module
  (import "env" "nums" (func $nums (param i32)))
  (import "env" "try" (func $try (param i32)))
  (memory (export "memory") 1)
  (global $next (mut i32) (i32.const 1024))
  (func (export "malloc") (param $n i32) (result i32)
    (global.get $next)
    (global.set $next (i32.add (global.get $next) (i32.and (i32.add (local.get $n) (i32.const 7)) (i32.const -8)))))
  (func (export "free") (param i32))
  (func (export "nums_len") (result i32) (call $nums (i32.const 64)) (i32.load (i32.const 68)))
  (func (export "nums_last") (result i32)
    (call $nums (i32.const 64))
    (i32.load (i32.add (i32.load (i32.const 64)) (i32.mul (i32.sub (i32.load (i32.const 68)) (i32.const 1)) (i32.const 4)))))
  (func (export "name_len") (result i32) (call $nums (i32.const 64)) (i32.load (i32.const 80)))
  (func (export "name_last") (result i32)
    (call $nums (i32.const 64))
    (i32.load8_u (i32.sub (i32.add (i32.load (i32.const 76)) (i32.load (i32.const 80))) (i32.const 1))))
  (func (export "try_value") (result i32) (call $try (i32.const 64)) (i32.load (i32.const 64)))
  (func (export "try_error") (result i32) (call $try (i32.const 64)) (i32.load (i32.const 68))))
"#;

#[test]
fn import_results_lay_out_slices_and_errors() {
    let dir = TempDir::new("canned-slices");
    let module = dir.file("shaped.wat", SLICE_IMPORTS.as_bytes());
    dir.file(
        "shaped.go",
        b"package main\n\n//go:wasmimport env nums\nfunc nums() ([]int32, string)\n\n\
          //go:wasmimport env try\nfunc try() (int32, error)\n\n\
          //export nums_len\nfunc numsLen() int32\n\n//export nums_last\nfunc numsLast() int32\n\n\
          //export name_len\nfunc nameLen() int32\n\n//export name_last\nfunc nameLast() int32\n\n\
          //export try_value\nfunc tryValue() int32\n\n//export try_error\nfunc tryError() int32\n",
    );
    let answers = dir.file("answers.json", br#"{"nums": [[1, 2, 3], "hey"], "try": [42, null]}"#);
    for (export, expected) in [
        ("nums_len", 3),
        ("nums_last", 3),
        ("name_len", 3),
        ("name_last", i32::from(b'y')),
        ("try_value", 42),
        ("try_error", 0),
    ] {
        let (o, v) = json_call(&["call", &module, export, "--trace-imports", "--import-results", &answers]);
        assert!(o.status.success(), "{export}: {}", stderr(&o));
        assert_eq!(v, json!([expected]), "{export}");
    }
    let err = stderr(&tinybind(&["call", &module, "nums_len", "--trace-imports", "--import-results", &answers]));
    assert_eq!(err, "trace: env.nums() -> ([1, 2, 3], \"hey\")\n");
    // A non-nil error cannot be made by the host.
    let file = dir.file("wrong.json", br#"{"try": [1, "boom"]}"#);
    let o = tinybind(&["call", &module, "try_value", "--trace-imports", "--import-results", &file]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("an `error` or interface result is `null` (nil)"), "{}", stderr(&o));
}

/// An argument of each type, as the command line takes it: structs, arrays
/// and slices of them as JSON.
fn sample(t: tinybind_runtime::ValueType) -> String {
    use tinybind_runtime::ValueType as T;
    match t {
        T::Struct(_) | T::ArrayOf(..) | T::SliceOf(T::Struct(_) | T::ArrayOf(..)) => sample_json(t).to_string(),
        T::Bool => "true".into(),
        T::I8 | T::I16 => "-3".into(),
        T::F32 | T::F64 => "2.5".into(),
        T::String => "Ada".into(),
        T::Bytes | T::BytesPtrLen => "0x0a14ff".into(),
        T::SliceOf(T::String) => "a,b".into(),
        T::SliceOf(_) => "1,2".into(),
        T::Interface => "0:0".into(),
        _ => "7".into(),
    }
}

/// A sample of each type as a JSON value, inside structs and arrays.
fn sample_json(t: tinybind_runtime::ValueType) -> serde_json::Value {
    use tinybind_runtime::ValueType as T;
    match t {
        T::Struct(s) => serde_json::Value::Object(s.fields.iter().map(|(n, ft)| (n.to_string(), sample_json(*ft))).collect()),
        T::ArrayOf(elem, n) => serde_json::Value::Array((0..n).map(|_| sample_json(*elem)).collect()),
        T::SliceOf(elem) => serde_json::Value::Array(vec![sample_json(*elem), sample_json(*elem)]),
        T::Bool => json!(true),
        T::I8 | T::I16 => json!(-3),
        T::F32 | T::F64 => json!(2.5),
        T::String => json!("Ada"),
        T::Bytes | T::BytesPtrLen => json!("0x0a14ff"),
        _ => json!(7),
    }
}

/// The functions whose answer is a clock reading or a random number, so two
/// calls agree on its type only.
fn reads_the_world(guest: &str, function: &str) -> bool {
    guest == "wasicalls" && matches!(function, "now" | "since_start" | "started_at" | "random")
}

/// The JSON type of a value, for comparing answers that vary from call to call.
fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Number(n) if n.is_u64() => "unsigned",
        serde_json::Value::Number(n) if n.is_i64() => "signed",
        serde_json::Value::Number(_) => "float",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// The file path (the codegen's model, run by the runtime's dynamic call
/// path) answers as the generated bindings do, for every typed function of
/// every guest built into the binary: the same results, or the same kind of
/// failure and exit code.
#[test]
fn every_built_in_function_answers_the_same_from_its_file() {
    let mut compared = 0;
    for entry in tinybind::guests::GUESTS {
        let info = entry.info;
        let file = format!("{ROOT}/{}", info.file);
        for f in info.functions.iter().filter(|f| f.evidence != "wasm-only") {
            let args: Vec<String> = f.params.iter().map(|(_, t)| sample(*t)).collect();
            let limits = ["--timeout", "1s", "--memory-limit", "64MiB"];
            let run = |target: &str| {
                let mut all = vec!["call", target, f.name];
                all.extend(args.iter().map(String::as_str));
                all.extend_from_slice(&limits);
                json_call(&all)
            };
            let (by_name, named) = run(info.name);
            let (by_file, filed) = run(&file);
            let what = format!("{}.{}({args:?})", info.name, f.name);
            assert_eq!(by_name.status.code(), by_file.status.code(), "{what}: {named} vs {filed}");
            if named.is_array() && reads_the_world(info.name, f.name) {
                // A clock or random number: the same shape, not the same value.
                let shape = |v: &serde_json::Value| v.as_array().map(|a| a.iter().map(json_kind).collect::<Vec<_>>());
                assert_eq!(shape(&named), shape(&filed), "{what}: {named} vs {filed}");
            } else if named.is_array() {
                assert_eq!(named, filed, "{what}");
            } else {
                assert_eq!(named["kind"], filed["kind"], "{what}: {named} vs {filed}");
                assert_eq!(named["guest"], filed["guest"], "{what}");
                assert_eq!(named["export"], filed["export"], "{what}");
            }
            compared += 1;
        }
    }
    assert!(compared > 40, "only {compared} functions compared");
}

/// Every function of every corpus module, called from its file with zeros
/// for its wasm values, imports traced: whatever the module does with them,
/// the answer is one JSON value and a documented exit code, never a crash.
#[test]
fn every_corpus_function_called_with_zeros_fails_cleanly_or_answers() {
    let dir = std::env::var_os("TINYBIND_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(ROOT).join("../shared/corpus"));
    let Some(_) = corpus("tg0.35.0-wasip1-wazero-add-cshared.wasm") else { return };
    let mut modules: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
        .collect();
    modules.sort();
    let calls = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for chunk in modules.chunks(modules.len().div_ceil(2).max(1)) {
            let calls = &calls;
            s.spawn(move || {
                for m in chunk {
                    let m = m.to_str().expect("UTF-8");
                    let (o, report) = json_call(&["inspect", m]);
                    assert!(o.status.success(), "{m}: {}", stderr(&o));
                    for f in report["functions"].as_array().expect("functions") {
                        let export = f["export"].as_str().expect("export");
                        let wasm = f["wasm"].as_str().expect("wasm");
                        // Typed parameters take "0" too: numbers, strings, bools.
                        let count = match wasm.split(" -> ").next().unwrap_or("()") {
                            "()" => 0,
                            params => params.matches(',').count() + 1,
                        };
                        let count = if f["evidence"] == "wasm-only" {
                            count
                        } else {
                            f["rust"].as_str().unwrap_or_default().matches(": ").count()
                        };
                        let mut args = vec!["call", m, export];
                        args.extend(std::iter::repeat_n("0", count));
                        args.extend(["--trace-imports", "--timeout", "2s"]);
                        let (o, v) = json_call(&args);
                        let code = o.status.code();
                        assert!(matches!(code, Some(0 | 1 | 2 | 124)), "{args:?}: {code:?} {v}");
                        assert_eq!(v.is_array(), code == Some(0), "{args:?}: {v}");
                        assert!(!stderr(&o).contains("internal error"), "{args:?}: {}", stderr(&o));
                        calls.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    assert!(calls.into_inner() > 40);
}

/// Go structs from a module file: JSON objects in and out by Go field name,
/// arrays as lists, a struct of one field, and a struct argument that lacks
/// a field is a usage error naming it.
#[test]
fn structs_come_in_and_out_as_json_from_a_file() {
    let module = format!("{ROOT}/guest-go/shapes.wasm");
    let (o, v) = json_call(&["call", &module, "make_box", "1", "2", "3", "4", "crate"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(v, json!([{"Min": {"X": 1, "Y": 2}, "Max": {"X": 4, "Y": 6}, "Label": "CRATE"}]));
    let mixed = r#"{"A":1,"B":-2,"C":3,"D":1.5,"E":true,"F":2.5,"Grid":[1,2,3]}"#;
    let (_, v) = json_call(&["call", &module, "echo_mixed", mixed]);
    assert_eq!(v, json!([{"A": 2, "B": 2, "C": 6, "D": 2.0, "E": false, "F": 7.5, "Grid": [3, 2, 1]}]));
    let (_, v) = json_call(&["call", &module, "single", "4"]);
    assert_eq!(v, json!([{"N": 12}]));
    let points = r#"[{"X":2,"Y":2},{"X":4,"Y":6}]"#;
    let (_, v) = json_call(&["call", &module, "centroid", points]);
    assert_eq!(v, json!([{"X": 3, "Y": 4}]));
    let (o, v) = json_call(&["call", &module, "area", r#"{"Min":{"X":1}}"#]);
    assert_eq!(o.status.code(), Some(2));
    assert_error(&v, "usage", "shapes", "area");
    assert!(v["message"].as_str().is_some_and(|m| m.contains("`Point` needs its field `Y`")), "{v}");
}

/// Fuel that runs out while the module starts gives the kind of what
/// failed (`out-of-fuel`), the entry point as `export` and
/// `"startup": true`, as the README's table says (it was `instantiate`).
#[test]
fn fuel_spent_at_start_up_is_out_of_fuel_at_start_up() {
    let (o, v) = json_call(&["call", &guest("concat"), "concatenate", "a", "b", "--fuel", "100"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_error(&v, "out-of-fuel", "concat", "start function");
    assert_eq!(v["startup"], json!(true), "{v}");
    assert_eq!(v["fuel"], json!(100), "{v}");
    // With enough fuel the same call answers.
    let (o, v) = json_call(&["call", &guest("concat"), "concatenate", "a", "b", "--fuel", "100000000"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(v, json!(["ab"]));
}

/// wazero's TinyGo `greeting` (corpus, TinyGo 0.35.0) returns its string
/// packed into a `uint64`, `ptr << 32 | len`, of a block from `malloc`:
/// with a declaration beside the module that says `string`, the file is
/// typed as packed, read, and the block freed; the Go source's own
/// `(ptr, size uint32) uint64` stays raw numbers.
#[test]
fn a_declared_string_types_a_tinygo_packed_result() {
    let Some(module) = corpus("tg0.35.0-wasip1-wazero-greet-cshared.wasm") else {
        return;
    };
    let dir = TempDir::new("packed");
    let wasm = dir.copy(&module);
    dir.file(
        "tg0.35.0-wasip1-wazero-greet-cshared.go",
        b"package main\n\n//go:wasmexport greeting\nfunc greeting(name string) string\n",
    );
    let out = tinybind(&["call", &wasm, "greeting", "Ada"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "Hello, Ada!\n");
    let out = tinybind(&["inspect", &wasm]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("packed into an i64"), "{text}");
}

/// A standard Go guest from its file: strings in, packed strings out,
/// traced host functions, a deadline; and the warning of a module with
/// string parameters and no allocator, from `inspect` as from the build.
#[test]
fn standard_go_guests_are_called_from_their_files() {
    let stdgreet = format!("{ROOT}/guest-go/stdgreet.wasm");
    let cases: &[(&[&str], &str)] = &[
        (&["greet", "Ada"], "Hello, Ada!\n"),
        (&["concatenate", "foo", "bar"], "foobar\n"),
        (&["reverse", "0x010203"], "030201\n"),
        (&["count", "a,b,c", ","], "2\n"),
        (&["add", "40", "2"], "42\n"),
    ];
    for (args, expected) in cases {
        let mut all = vec!["call", stdgreet.as_str()];
        all.extend_from_slice(args);
        let out = tinybind(&all);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout), *expected, "{args:?}");
    }
    let out = tinybind(&["call", &stdgreet, "shout", "hi", "--trace-imports"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains(r#"env.log(message: "HI!")"#));
    let answers = TempDir::new("std-answers");
    let file = answers.file("answers.json", br#"{"lookup": "forty-two"}"#);
    let out = tinybind(&["call", &stdgreet, "describe", "k", "--trace-imports", "--import-results", &file]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "k=forty-two\n");
    let (o, v) = json_call(&["call", &stdgreet, "repeat", "ab", "1048576", "--max-result-bytes", "1MiB"]);
    assert_eq!(o.status.code(), Some(1), "{v}");
    assert_error(&v, "result-too-large", "stdgreet", "repeat");
    assert_eq!(v["size"], 2_097_152, "{v}");
    let (o, v) = json_call(&["call", &stdgreet, "spin", "--timeout", "300ms"]);
    assert_eq!(o.status.code(), Some(124), "{v}");
    assert_error(&v, "timeout", "stdgreet", "spin");

    let out = tinybind(&["inspect", &format!("{ROOT}/guest-go/stdnoalloc.wasm")]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("compiler: Go go1."), "{text}");
    let all = format!("{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(all.contains("exports none") && all.contains("//go:wasmexport malloc"), "{all}");
}
