//! Fresh instances in microseconds: `Runtime::builder().preinitialize(true)`
//! (a snapshot of the guest after its start-up, taken with wasmtime-wizer)
//! and `.pooling(n)` (wasmtime's pooling allocator, copy-on-write memory
//! images), on TinyGo guests. A pre-initialised instance gives the same
//! results and keeps every safety default (deadline, memory cap, sandbox);
//! a guest whose start-up does I/O, or a WASI command, keeps the normal
//! start-up and says why. A start-up that reads the clock (every guest
//! importing `time`, `fmt` or `os`) is snapshotted, and time read in it is
//! the snapshot's.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tinybind::guests::concat::{self, Concat};
use tinybind::guests::errorsx::{self, Errorsx};
use tinybind::guests::fresh::{self, Fresh};
use tinybind::guests::hostile::{self, Hostile};
use tinybind::guests::noisy::{self, Noisy};
use tinybind::guests::sandbox::Sandbox;
use tinybind::guests::wasicalls::{self, Wasicalls};
use tinybind_runtime::{Error, GuestModule, PreinitStatus, Runtime, Startup};
use wasmtime::Val;

const MIB: usize = 1 << 20;

fn preinit() -> Runtime {
    Runtime::builder().preinitialize(true).build().expect("runtime")
}

#[test]
fn a_snapshot_gives_the_same_results_as_start_up() {
    for rt in [
        preinit(),
        Runtime::builder().preinitialize(true).timeout(None).build().unwrap(),
    ] {
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
        let mut b = Runtime::builder()
            .preinitialize(true)
            .timeout(Some(Duration::from_millis(200)));
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
    let rt = Runtime::builder()
        .preinitialize(true)
        .capture_output(1 << 10)
        .build()
        .unwrap();
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
    let err = Fresh::new(&rt)
        .err()
        .expect("a third instance does not fit a pool of 2");
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

/// A guest's snapshot status, which must be `Snapshot`.
fn assert_snapshot(rt: &Runtime, module: &'static GuestModule) {
    assert_eq!(rt.preinit_status(module), Some(PreinitStatus::Snapshot), "{}", module.name);
}

#[test]
fn a_start_up_that_reads_the_clock_is_snapshotted() {
    // Every guest that imports `time` (also through `fmt` or `os`) reads the
    // realtime clock in its start-up (Go's `time.startNano`), which the
    // snapshot answers once. The 1.2 MB bench guest imports fmt, strconv
    // and encoding/json; its start-up also reads its arguments.
    use tinybind_bench_guests::bench::json::{self, Json};
    let rt = Runtime::builder()
        .preinitialize(true)
        .env("GREETING", "hi")
        .build()
        .unwrap();
    let mut g = Json::new(&rt).unwrap();
    assert_snapshot(&rt, &json::MODULE);
    assert!(g.instance().preinitialized());
    assert_eq!(g.sum("1, 2.5").unwrap(), 3.5);
    // errorsx imports fmt: fmt.Errorf works from the snapshot.
    let mut g = Errorsx::new(&rt).unwrap();
    assert_snapshot(&rt, &errorsx::MODULE);
    assert!(g.instance().preinitialized());
    assert_eq!(g.divide(7, 2).unwrap(), Ok(3));
    let err = g.divide(7, 0).unwrap().expect_err("a Go error");
    assert_eq!(err.message(), Some("cannot divide 7 by zero"));
    for i in 1..50 {
        assert_eq!(Errorsx::new(&rt).unwrap().divide(i * 3, 3).unwrap(), Ok(i));
    }
}

/// Nanoseconds since 1970 on the host's wall clock.
fn unix_nanos() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as i64
}

#[test]
fn time_taken_in_init_is_the_snapshots_and_elapsed_time_stays_sane() {
    // wasicalls keeps `var started = time.Now()` from its package
    // initialisation: in a snapshot that is the snapshot's time, for every
    // instance ("the process started at the snapshot"), and `time.Since` of
    // it, read later in another WASI context, is never negative.
    let before = unix_nanos();
    let rt = preinit();
    let mut g = Wasicalls::new(&rt).unwrap();
    let made = unix_nanos();
    assert_snapshot(&rt, &wasicalls::MODULE);
    assert!(g.instance().preinitialized());
    let started = g.started_at().unwrap();
    assert!(before <= started && started <= made, "{before} <= {started} <= {made}");
    let first = g.since_start().unwrap();
    assert!((0..5_000_000_000).contains(&first), "time.Since(started) = {first} ns");
    let now = g.now().unwrap();
    assert!(started <= now && now <= unix_nanos(), "{started} <= {now}");

    std::thread::sleep(Duration::from_millis(50));
    let later = g.since_start().unwrap();
    assert!(later >= first + 50_000_000, "{later} ns, then {first} ns");
    // A new instance, made after the sleep: the same start, from the
    // snapshot, so elapsed time counts from the snapshot.
    let mut h = Wasicalls::new(&rt).unwrap();
    assert!(h.instance().preinitialized());
    assert_eq!(h.started_at().unwrap(), started);
    let since = h.since_start().unwrap();
    assert!(since >= 50_000_000 && since < 5_000_000_000, "{since} ns");
    assert!(since <= g.since_start().unwrap());
    // The instance's own clock and random bytes still work.
    assert_ne!(h.random().unwrap(), h.random().unwrap());

    // The normal path, for comparison: each instance starts its own clock.
    let rt = Runtime::new().unwrap();
    let mut n = Wasicalls::new(&rt).unwrap();
    assert!(!n.instance().preinitialized());
    let since = n.since_start().unwrap();
    assert!((0..1_000_000_000).contains(&since), "{since} ns");
}

#[test]
fn a_start_up_that_lists_preopens_is_snapshotted_only_without_directories() {
    // wasi-libc lists the preopened directories in the start-up of a guest
    // that opens files by name (wasicalls' `os.ReadFile`). No directory
    // granted: none is a preopen, in the snapshot as in every instance.
    let rt = Runtime::builder().preinitialize(true).capture_output(1 << 10).build().unwrap();
    let mut g = Wasicalls::new(&rt).unwrap();
    assert_snapshot(&rt, &wasicalls::MODULE);
    assert!(g.read_file("/etc/passwd").unwrap().starts_with("error"));
    assert_eq!(g.say("out\n").unwrap(), 4);
    assert_eq!(g.instance().stdout().unwrap(), b"out\n");
    // A directory granted: the preopens are the instance's, start-up runs
    // in each instance, and the file is there.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("note.txt"), "a note").unwrap();
    let rt = Runtime::builder()
        .preinitialize(true)
        .dir(dir.path(), "/data", true)
        .build()
        .unwrap();
    let mut g = Wasicalls::new(&rt).unwrap();
    assert!(!g.instance().preinitialized());
    match rt.preinit_status(&wasicalls::MODULE) {
        Some(PreinitStatus::NormalPath(reason)) => {
            assert!(reason.contains("wasi_snapshot_preview1.fd_prestat_get"), "{reason}")
        }
        other => panic!("wasicalls was snapshotted with a directory: {other:?}"),
    }
    assert_eq!(g.read_file("/data/note.txt").unwrap(), "a note");
}

/// A start-up reading WASI clock `clock` into memory at 0 (its errno at 8)
/// and the realtime clock at 16: what a snapshot answered.
const fn clock_guest(name: &'static str, bytes: &'static [u8]) -> GuestModule {
    GuestModule {
        name,
        file: name,
        bytes,
        startup: Startup::Initialize,
        retptr_size: 0,
    }
}

macro_rules! clock_wat {
    ($clock:literal) => {
        concat!(
            r#"(module
            (import "wasi_snapshot_preview1" "clock_time_get"
                (func $clock (param i32 i64 i32) (result i32)))
            (memory (export "memory") 1)
            (func (export "_initialize")
                (i32.store (i32.const 8) (call $clock (i32.const "#,
            $clock,
            r#") (i64.const 1) (i32.const 0)))
                (drop (call $clock (i32.const 0) (i64.const 1) (i32.const 16))))
            (func (export "at_start") (result i64) (i64.load (i32.const 0)))
            (func (export "errno_at_start") (result i32) (i32.load (i32.const 8)))
            (func (export "realtime_at_start") (result i64) (i64.load (i32.const 16)))
            ;; The same clock now, or -1 - errno.
            (func (export "now") (result i64)
                (local $errno i32)
                (local.set $errno (call $clock (i32.const "#,
            $clock,
            r#") (i64.const 1) (i32.const 32)))
                (if (result i64) (local.get $errno)
                    (then (i64.sub (i64.const -1) (i64.extend_i32_u (local.get $errno))))
                    (else (i64.load (i32.const 32))))))"#
        )
    };
}

static MONOTONIC_START: GuestModule = clock_guest("monotonic_start", clock_wat!("1").as_bytes());
static CPU_CLOCK_START: GuestModule = clock_guest("cpu_clock_start", clock_wat!("2").as_bytes());

fn i64_of(inst: &mut tinybind_runtime::Instance, export: &'static str) -> i64 {
    match inst.call_untyped(export, &[]).unwrap()[..] {
        [Val::I64(x)] => x,
        [Val::I32(x)] => x.into(),
        ref other => panic!("{export} returned {other:?}"),
    }
}

#[test]
fn a_monotonic_reading_in_the_snapshot_is_one_nanosecond() {
    // An instance's monotonic clock (wasmtime-wasi's, per WASI context)
    // starts near 0 when it is made: the snapshot answers a start-up's
    // reading with 1 ns, the earliest after 0 (which standard Go's runtime
    // refuses), so elapsed time is never negative.
    let before = unix_nanos();
    let rt = preinit();
    let mut g = rt.instantiate(&MONOTONIC_START).unwrap();
    assert_snapshot(&rt, &MONOTONIC_START);
    assert!(g.preinitialized());
    assert_eq!(i64_of(&mut g, "errno_at_start"), 0);
    assert_eq!(i64_of(&mut g, "at_start"), 1);
    let real = i64_of(&mut g, "realtime_at_start");
    assert!(before <= real && real <= unix_nanos(), "realtime at snapshot {real}");
    std::thread::sleep(Duration::from_millis(20));
    let mut h = rt.instantiate(&MONOTONIC_START).unwrap();
    let (g_now, h_now) = (i64_of(&mut g, "now"), i64_of(&mut h, "now"));
    // Each instance's clock counts from its own creation.
    assert!(g_now >= 20_000_000 && g_now < 5_000_000_000, "{g_now}");
    assert!((0..g_now).contains(&h_now), "{h_now} against {g_now}");
    assert_eq!(i64_of(&mut h, "at_start"), 1);
    assert_eq!(i64_of(&mut h, "realtime_at_start"), real);

    // Without a snapshot the start-up's own reading is a little above 0.
    let rt = Runtime::new().unwrap();
    let mut n = rt.instantiate(&MONOTONIC_START).unwrap();
    let at_start = i64_of(&mut n, "at_start");
    assert!((0..1_000_000_000).contains(&at_start), "{at_start}");
    assert!(i64_of(&mut n, "now") >= at_start);
}

#[test]
fn a_start_up_that_reads_a_cpu_clock_keeps_the_normal_path() {
    let rt = preinit();
    let mut g = rt.instantiate(&CPU_CLOCK_START).unwrap();
    assert!(!g.preinitialized());
    match rt.preinit_status(&CPU_CLOCK_START) {
        Some(PreinitStatus::NormalPath(reason)) => {
            assert!(reason.contains("wasi_snapshot_preview1.clock_time_get (clock 2)"), "{reason}")
        }
        other => panic!("cpu_clock_start was snapshotted: {other:?}"),
    }
    // Its start-up ran here, and got what the instance's WASI gives (8,
    // `badf`: wasmtime-wasi has no CPU-time clocks).
    assert_eq!(i64_of(&mut g, "errno_at_start"), 8);
    assert_eq!(i64_of(&mut g, "now"), -9);
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
