//! Fresh instances in microseconds: `Runtime::builder().preinitialize(true)`
//! (a snapshot of the guest after its start-up, taken with wasmtime-wizer)
//! and `.pooling(n)` (wasmtime's pooling allocator, copy-on-write memory
//! images), on TinyGo guests. A pre-initialised instance gives the same
//! results and keeps every safety default (deadline, memory cap, sandbox);
//! a guest whose start-up does I/O, or a WASI command, keeps the normal
//! start-up and says why.

use std::time::{Duration, Instant};

use tinybind::guests::concat::{self, Concat};
use tinybind::guests::fresh::{self, Fresh};
use tinybind::guests::hostile::{self, Hostile};
use tinybind::guests::noisy::{self, Noisy};
use tinybind::guests::sandbox::Sandbox;
use tinybind_runtime::{Error, PreinitStatus, Runtime};

const MIB: usize = 1 << 20;

fn preinit() -> Runtime {
    Runtime::builder().preinitialize(true).build().expect("runtime")
}

#[test]
fn a_snapshot_gives_the_same_results_as_start_up() {
    for rt in [preinit(), Runtime::builder().preinitialize(true).timeout(None).build().unwrap()] {
        let mut g = Fresh::new(&rt).expect("instantiate");
        assert_eq!(rt.preinit_status(&fresh::MODULE), Some(PreinitStatus::Snapshot));
        assert!(g.instance().preinitialized());
        // Package initialisation ran in the snapshot, not here.
        assert_eq!(g.greet().unwrap(), "hello from init");
        assert_eq!(g.concatenate("foo", "bar").unwrap(), "foobar");
        // Bigger than the arena allocated in the snapshot: it grows.
        let a = "a".repeat(MIB);
        let b = "β".repeat(1000);
        assert_eq!(g.concatenate(&a, &b).unwrap(), format!("{a}{b}"));
        // Many fresh instances, each from the snapshot, each right.
        for i in 0..200 {
            let mut g = Fresh::new(&rt).unwrap();
            let (x, y) = (format!("x{i}"), "y".repeat(i));
            assert_eq!(g.concatenate(&x, &y).unwrap(), format!("{x}{y}"));
        }
    }
}

#[test]
fn the_bench_guest_concat_is_snapshotted() {
    let rt = Runtime::builder().preinitialize(true).pooling(16).build().unwrap();
    let mut g = Concat::new(&rt).unwrap();
    assert!(g.instance().preinitialized());
    assert_eq!(rt.preinit_status(&concat::MODULE), Some(PreinitStatus::Snapshot));
    assert_eq!(g.concatenate("con", "cat").unwrap(), "concat");
    assert_eq!(g.add(2, 3).unwrap(), 5);
    assert_eq!(g.multiply(6, 7).unwrap(), 42);
}

#[test]
fn the_deadline_holds_on_a_snapshotted_guest() {
    for pooling in [false, true] {
        let mut b = Runtime::builder().preinitialize(true).timeout(Some(Duration::from_millis(200)));
        if pooling {
            b = b.pooling(4);
        }
        let rt = b.build().unwrap();
        let mut g = Fresh::new(&rt).unwrap();
        assert!(g.instance().preinitialized());
        let started = Instant::now();
        let err = g.spin(1).expect_err("spin never returns");
        let took = started.elapsed();
        assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
        assert!(took >= Duration::from_millis(200), "stopped early: {took:?}");
        assert!(took < Duration::from_secs(3), "stopped late: {took:?}");
        // A fresh instance from the same snapshot works.
        let mut g = Fresh::new(&rt).unwrap();
        assert_eq!(g.concatenate("a", "b").unwrap(), "ab");
    }
}

#[test]
fn the_memory_cap_holds_on_a_snapshotted_guest() {
    let cap = 32 * MIB;
    for pooling in [false, true] {
        let mut b = Runtime::builder().preinitialize(true).memory_limit(cap);
        if pooling {
            b = b.pooling(4);
        }
        let rt = b.build().unwrap();
        let mut g = Fresh::new(&rt).unwrap();
        assert!(g.instance().preinitialized());
        let err = g.hog().expect_err("hog cannot succeed");
        let size = g.instance().memory_size();
        assert!(matches!(err, Error::Trap { .. }), "{err:?}");
        assert!(size <= cap, "memory {size} above the cap {cap}");
        assert!(size > cap / 2, "memory {size} never came near the cap");
        assert!(g.instance().is_poisoned());
        g.reset().unwrap();
        assert!(g.instance().preinitialized());
        assert_eq!(g.concatenate("again", "!").unwrap(), "again!");
    }
}

#[test]
fn a_start_up_that_does_io_keeps_the_normal_path() {
    let rt = Runtime::builder().preinitialize(true).capture_output(1 << 10).build().unwrap();
    let mut g = Noisy::new(&rt).expect("instantiate");
    assert!(!g.instance().preinitialized());
    match rt.preinit_status(&noisy::MODULE) {
        Some(PreinitStatus::NormalPath(reason)) => {
            assert!(reason.contains("wasi_snapshot_preview1.fd_write"), "{reason}")
        }
        other => panic!("noisy was snapshotted: {other:?}"),
    }
    // Its start-up ran here, in this instance, and wrote what it writes.
    assert_eq!(g.instance().stdout().unwrap(), b"noisy: starting\n");
    assert_eq!(g.hello().unwrap(), "hello");
}

#[test]
fn a_wasi_command_keeps_the_normal_path() {
    let rt = preinit();
    let mut g = Hostile::new(&rt).unwrap();
    assert!(!g.instance().preinitialized());
    match rt.preinit_status(&hostile::MODULE) {
        Some(PreinitStatus::NormalPath(reason)) => assert!(reason.contains("WASI command"), "{reason}"),
        other => panic!("hostile was snapshotted: {other:?}"),
    }
    assert_eq!(g.good("x").unwrap(), "ok x");
}

#[test]
fn the_sandbox_holds_on_a_snapshotted_guest() {
    // The sandbox guest is a command: use fresh for the snapshot, and check
    // that the sandbox guest on the same runtime still has nothing granted.
    let rt = preinit();
    let mut s = Sandbox::new(&rt).unwrap();
    assert!(s.env_var("HOME").unwrap().is_empty());
    assert!(s.read_file("/etc/passwd").unwrap().starts_with("error"));
    let mut g = Fresh::new(&rt).unwrap();
    assert!(g.instance().preinitialized());
    assert_eq!(g.greet().unwrap(), "hello from init");
}

#[test]
fn the_pool_limits_live_instances() {
    let rt = Runtime::builder().pooling(2).preinitialize(true).build().unwrap();
    let a = Fresh::new(&rt).unwrap();
    let mut b = Fresh::new(&rt).unwrap();
    let err = Fresh::new(&rt).err().expect("a third instance does not fit a pool of 2");
    assert!(matches!(err, Error::Instantiate { .. }), "{err:?}");
    drop(a);
    let mut c = Fresh::new(&rt).expect("a slot is free again");
    assert_eq!(b.concatenate("b", "1").unwrap(), "b1");
    assert_eq!(c.concatenate("c", "2").unwrap(), "c2");
}

#[test]
fn pooling_alone_runs_start_up_as_before() {
    let rt = Runtime::builder().pooling(8).build().unwrap();
    let mut g = Fresh::new(&rt).unwrap();
    assert!(!g.instance().preinitialized());
    assert_eq!(rt.preinit_status(&fresh::MODULE), None);
    assert_eq!(g.greet().unwrap(), "hello from init");
    // Reused slots start clean: a thousand instances in a pool of 8.
    for i in 0..1000 {
        let mut g = Fresh::new(&rt).unwrap();
        assert_eq!(g.concatenate(&i.to_string(), "!").unwrap(), format!("{i}!"));
    }
}

#[test]
fn a_start_up_that_reads_the_clock_keeps_the_normal_path() {
    // The 1.2 MB bench guest's start-up reads its arguments (answered as
    // the sandbox would: fixed per runtime) and then the clock
    // (`clock_time_get`), which a snapshot would freeze.
    use tinybind_bench_guests::bench::json::{self, Json};
    let rt = Runtime::builder().preinitialize(true).env("GREETING", "hi").build().unwrap();
    let mut g = Json::new(&rt).unwrap();
    match rt.preinit_status(&json::MODULE) {
        Some(PreinitStatus::NormalPath(reason)) => {
            assert!(reason.contains("wasi_snapshot_preview1.clock_time_get"), "{reason}")
        }
        other => panic!("json was snapshotted: {other:?}"),
    }
    assert!(!g.instance().preinitialized());
    assert_eq!(g.sum("1, 2.5").unwrap(), 3.5);
}

#[test]
fn an_endless_start_up_is_stopped_while_snapshotting() {
    use tinybind::guests::spininit::{self, Spininit};
    let rt = Runtime::builder()
        .preinitialize(true)
        .timeout(Some(Duration::from_millis(200)))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = Spininit::new(&rt).err().expect("the start-up never ends");
    let took = started.elapsed();
    // Stopped twice: in the snapshot run, then on the normal path.
    assert!(matches!(err, Error::Startup { .. }), "{err:?}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    match rt.preinit_status(&spininit::MODULE) {
        Some(PreinitStatus::NormalPath(reason)) => assert!(reason.contains("start-up failed"), "{reason}"),
        other => panic!("spininit was snapshotted: {other:?}"),
    }
}
