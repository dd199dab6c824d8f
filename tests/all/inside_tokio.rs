//! Calling guests with the sync API from inside a tokio runtime (issue 21).
//!
//! The sync WASI of `wasmtime-wasi` blocks on a tokio runtime for every WASI
//! call, and panicked ("Cannot start a runtime from within a runtime") when
//! the calling thread already drove one: a `#[tokio::main]` body, a task on
//! a worker thread. The `wasicalls` guest (TinyGo) takes each WASI path a
//! guest can take — stdout, stderr, the clock, random bytes, a file, and
//! `proc_exit` — and every test here runs all of them from one place a tokio
//! user calls from.

use std::time::{SystemTime, UNIX_EPOCH};

use tinybind::guests::wasicalls::Wasicalls;
use tinybind_runtime::{Error, Runtime};

/// Every WASI path, checked by its effect, from the calling thread as it is.
fn every_wasi_path(rt: &Runtime) {
    let mut g = Wasicalls::new(rt).expect("instantiate wasicalls (its start-up does WASI I/O too)");
    assert_eq!(g.say("out\n").expect("stdout"), 4);
    assert_eq!(g.complain("err\n").expect("stderr"), 4);
    assert_eq!(g.instance().stdout().expect("captured"), b"out\n");
    assert_eq!(g.instance().stderr().expect("captured"), b"err\n");

    let host_now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as i64;
    let guest_now = g.now().expect("clock");
    assert!((guest_now - host_now).abs() < 60_000_000_000, "guest clock {guest_now}, host {host_now}");

    // Eight random bytes, three times: all zero (rand.Read failed) or all
    // equal would mean no randomness came through.
    let draws: Vec<u64> = (0..3).map(|_| g.random().expect("random")).collect();
    assert!(draws.iter().all(|&d| d != 0) && draws[0] != draws[1], "{draws:?}");

    assert_eq!(g.read_file("/data/note.txt").expect("file"), "a note from the host");

    let err = g.quit(7).expect_err("proc_exit");
    assert!(matches!(err, Error::Exit { code: 7, .. }), "{err:?}");
}

fn runtime() -> (Runtime, tempfile::TempDir) {
    let dir = tempfile::Builder::new().prefix("tinybind-tokio-").tempdir().expect("temp dir");
    std::fs::write(dir.path().join("note.txt"), "a note from the host").unwrap();
    let rt = Runtime::builder()
        .capture_output(4096)
        .dir(dir.path(), "/data", true)
        .build()
        .expect("runtime");
    (rt, dir)
}

fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().expect("tokio runtime")
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().build().expect("tokio runtime")
}

#[test]
fn outside_tokio() {
    let (rt, _dir) = runtime();
    every_wasi_path(&rt);
}

#[test]
fn in_the_body_of_a_multi_thread_runtime_as_tokio_main_runs_it() {
    let (rt, _dir) = runtime();
    multi_thread().block_on(async { every_wasi_path(&rt) });
}

#[test]
fn in_a_task_on_a_worker_thread() {
    let (rt, _dir) = runtime();
    let tokio = multi_thread();
    let task = tokio.spawn(async move {
        // Other tasks keep running while the guest blocks this worker.
        let beside = tokio::spawn(async { 6 * 7 });
        every_wasi_path(&rt);
        beside.await.expect("the other task ran")
    });
    assert_eq!(tokio.block_on(task).expect("the task did not panic"), 42);
}

#[test]
fn in_the_body_of_a_current_thread_runtime() {
    let (rt, _dir) = runtime();
    current_thread().block_on(async { every_wasi_path(&rt) });
}

#[test]
fn in_a_task_of_a_current_thread_runtime() {
    let (rt, _dir) = runtime();
    let tokio = current_thread();
    let task = tokio.spawn(async move { every_wasi_path(&rt) });
    tokio.block_on(task).expect("the task did not panic");
}

#[test]
fn in_spawn_blocking_of_either_runtime() {
    for tokio in [multi_thread(), current_thread()] {
        let (rt, _dir) = runtime();
        let task = tokio.spawn_blocking(move || every_wasi_path(&rt));
        tokio.block_on(task).expect("the blocking task did not panic");
    }
}

#[test]
fn a_go_panic_on_stderr_inside_tokio_main_is_a_trap() {
    // The case a new user met: a guest that panics writes its message
    // through WASI, which used to abort the whole process here.
    let rt = Runtime::new().unwrap();
    multi_thread().block_on(async {
        let mut g = tinybind::guests::hostile::Hostile::new(&rt).expect("instantiate hostile");
        let err = g.boom(3).expect_err("panic");
        assert!(matches!(&err, Error::Trap { panic: Some(_), .. }), "{err:?}");
        g.reset().expect("reset inside tokio");
        assert_eq!(g.good("tokio").expect("call after the trap"), "ok tokio");
    });
}
