//! `tinybind call` against hostile guests, through the built binary: every
//! failure exits non-zero within seconds with one `error:` line on stderr
//! naming what happened, and no Rust panic or backtrace text.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

/// Runs `tinybind ARGS`, killing it (and failing) after `limit`.
fn tinybind(args: &[&str], limit: Duration) -> Outcome {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tinybind"))
        .args(args)
        // Even with backtraces asked for, none may reach the user.
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run tinybind");
    // Drain both pipes on threads so that a chatty guest cannot block.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`tinybind {}` still running after {limit:?}",
                args.join(" ")
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Outcome {
        code: status.code(),
        stdout: String::from_utf8_lossy(&out.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
        took: started.elapsed(),
    }
}

/// A failure: non-zero exit, and stderr is exactly one `error:` line that
/// contains every one of `words`, without panic or backtrace text.
fn assert_fails(args: &[&str], limit: Duration, words: &[&str]) -> Outcome {
    let o = tinybind(args, limit);
    let cmd = format!("tinybind {}", args.join(" "));
    assert!(
        o.code.is_some_and(|c| c != 0),
        "{cmd}: exit {:?}\nstdout: {}\nstderr: {}",
        o.code,
        o.stdout,
        o.stderr
    );
    // The CLI's error is one line, the last; lines before it are what the
    // guest itself wrote to its (passed-through) stderr.
    let lines: Vec<&str> = o.stderr.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(
        lines.len(),
        1,
        "{cmd}: not one error line on stderr: {:?}",
        o.stderr
    );
    assert_eq!(o.stderr.lines().last(), Some(lines[0]), "{cmd}: {:?}", o.stderr);
    for w in words {
        assert!(lines[0].contains(w), "{cmd}: {w:?} not in {:?}", lines[0]);
    }
    // A Rust panic of the CLI (a guest's Go panic is reported as
    // "`boom` panicked: ...", which is fine).
    for bad in [
        "panicked at",
        "RUST_BACKTRACE",
        "stack backtrace",
        "internal error",
    ] {
        let all = format!("{}{}", o.stdout, o.stderr);
        assert!(!all.contains(bad), "{cmd}: {bad:?} in output: {all}");
    }
    eprintln!("{cmd}: exit {:?} after {:?}: {}", o.code, o.took, lines[0]);
    o
}

const QUICK: Duration = Duration::from_secs(10);

#[test]
fn good_calls_succeed() {
    let o = tinybind(&["call", "hostile", "good", "Ada"], QUICK);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert_eq!(o.stdout, "ok Ada\n");
    assert_eq!(o.stderr, "");
    let o = tinybind(&["call", "badalloc", "peek", "0"], QUICK);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
}

#[test]
fn bad_results_fail_cleanly() {
    assert_fails(
        &["call", "hostile", "bad_pointer"],
        QUICK,
        &[
            "`hostile`",
            "`bad_pointer`",
            "0xffffff00",
            "outside its memory",
        ],
    );
    assert_fails(
        &["call", "hostile", "huge_length"],
        QUICK,
        &["`huge_length`", "2147483647 bytes", "outside its memory"],
    );
    assert_fails(
        &["call", "hostile", "max_length"],
        QUICK,
        &["`max_length`", "4294967295 bytes", "outside its memory"],
    );
    assert_fails(
        &["call", "badalloc", "all_ones"],
        QUICK,
        &["`badalloc`", "`all_ones`", "4294967295 bytes"],
    );
    // The bytes of a string that is not UTF-8 are shown.
    assert_fails(
        &["call", "hostile", "bad_utf8"],
        QUICK,
        &["`bad_utf8`", "not UTF-8", "0xfffefd"],
    );
}

#[test]
fn traps_fail_cleanly() {
    // TinyGo prints its panic message on the guest's stdout, which the CLI
    // passes through.
    let o = assert_fails(
        &["call", "hostile", "boom", "3"],
        QUICK,
        &["`hostile`", "`boom` panicked: runtime error: index out of range", "(in runtime.runtimePanicAt"],
    );
    assert!(o.stdout.contains("index out of range"), "{}", o.stdout);
    assert_fails(
        &["call", "hostile", "divide", "1", "0"],
        QUICK,
        &["`divide` panicked: runtime error: divide by zero", "divideByZeroPanic"],
    );
    assert_fails(
        &["call", "hostile", "recurse", "0"],
        QUICK,
        &["`recurse` trapped", "call stack exhausted"],
    );
    assert_fails(
        &["call", "badalloc", "peek", "1000000"],
        QUICK,
        &["`badalloc`", "`peek` trapped", "out of bounds"],
    );
    assert_fails(
        &["call", "hostile", "quit", "3"],
        QUICK,
        &["`quit` exited with code 3"],
    );
}

#[test]
fn an_endless_loop_stops_at_the_timeout() {
    let o = assert_fails(
        &["call", "hostile", "spin", "1", "--timeout", "2s"],
        Duration::from_secs(15),
        &["`hostile`", "`spin` did not finish within 2s"],
    );
    assert!(o.took >= Duration::from_secs(2), "{:?}", o.took);
    assert!(
        o.took < Duration::from_secs(6),
        "stopped only after {:?}",
        o.took
    );
    let o = assert_fails(
        &["call", "hostile", "spin", "1", "--fuel", "10000000"],
        Duration::from_secs(15),
        &["`spin` ran out of fuel (10000000 units)"],
    );
    assert!(o.took < Duration::from_secs(5), "{:?}", o.took);
}

#[test]
fn memory_growth_stops_at_the_cap() {
    let o = assert_fails(
        &["call", "hostile", "hog", "--memory-limit-mib", "64"],
        Duration::from_secs(20),
        &["`hog` panicked: runtime error: out of memory", "runtime.alloc"],
    );
    assert!(o.stdout.contains("out of memory"), "{}", o.stdout);
    // The default cap is 1 GiB: hog reaches it in about a second, well
    // before the default 10 s deadline.
    let o = assert_fails(
        &["call", "hostile", "hog", "--timeout", "60s"],
        Duration::from_secs(60),
        &["`hog` panicked: runtime error: out of memory", "runtime.alloc"],
    );
    assert!(o.stdout.contains("out of memory"), "{}", o.stdout);
}

#[test]
fn bad_allocations_fail_cleanly() {
    // badalloc's malloc returns 0xFFFF0000 for the argument area.
    assert_fails(
        &["call", "badalloc", "echo", "hello"],
        QUICK,
        &[
            "`badalloc`",
            "`echo`",
            "malloc(",
            "0xffff0000",
            "not usable memory",
        ],
    );
}

#[test]
fn usage_errors_fail_cleanly() {
    assert_fails(
        &["call", "nosuchguest", "f"],
        QUICK,
        &["no guest `nosuchguest`", "hostile"],
    );
    assert_fails(
        &["call", "hostile", "nosuch"],
        QUICK,
        &["no function `nosuch`", "good"],
    );
    assert_fails(
        &["call", "hostile", "divide", "1"],
        QUICK,
        &["takes 2 arguments", "got 1"],
    );
    assert_fails(
        &["call", "hostile", "divide", "x", "1"],
        QUICK,
        &["argument `a`", "`x`"],
    );
    assert_fails(
        &["call", "hostile", "good", "x", "--memory-limit-mib", "0"],
        QUICK,
        &["`hostile`", "cannot instantiate", "memory"],
    );
}

#[test]
fn inspecting_a_broken_module_fails_cleanly() {
    let dir = std::env::temp_dir().join(format!("tinybind-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let junk = dir.join("junk.wasm");
    std::fs::write(&junk, b"\0asm\x01\0\0\0\x01\xff\xff\xff\xff\x0f").unwrap();
    let path = junk.display().to_string();
    assert_fails(&["inspect", &path], QUICK, &[&path, "invalid WebAssembly"]);
    let missing = dir.join("missing.wasm").display().to_string();
    assert_fails(&["inspect", &missing], QUICK, &[&missing]);
    let _ = std::fs::remove_dir_all(&dir);
}
