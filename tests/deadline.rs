//! Deadlines on guests that TinyGo never produces but a `.wasm` file can
//! contain: a start function that never returns, endless tail calls, endless
//! recursion, and switching a deadline off. The guests are hand-written
//! `.wat` for that reason. Loops in real TinyGo guests are covered by
//! `hostile.rs` (`spin`).

use std::time::{Duration, Instant};

use tinybind_runtime::{Error, GuestModule, Runtime, Startup};

const fn wat(name: &'static str, bytes: &'static [u8]) -> GuestModule {
    GuestModule {
        name,
        file: name,
        bytes,
        startup: Startup::None,
        retptr_size: 0,
    }
}

static LOOPING_START: GuestModule = wat(
    "looping_start",
    br#"(module
        (memory (export "memory") 1)
        (func $start (loop (br 0)))
        (start $start))"#,
);

static SPINNERS: GuestModule = wat(
    "spinners",
    br#"(module
        (memory (export "memory") 1)
        ;; Calls itself in tail position: no loop, no stack growth.
        (func $tail (export "tail") (return_call $tail))
        ;; Calls itself: ends in a stack overflow.
        (func $deep (export "deep") (call $deep))
        ;; Counts n down to 0 and returns n.
        (func (export "count") (param $n i32) (result i32)
            (local $i i32)
            (local.set $i (local.get $n))
            (block $done
                (loop $again
                    (br_if $done (i32.eqz (local.get $i)))
                    (local.set $i (i32.sub (local.get $i) (i32.const 1)))
                    (br $again)))
            (local.get $n)))"#,
);

/// Stopped at a 200 ms deadline: not before it, and not long after.
fn assert_stopped_at_200ms(took: Duration) {
    assert!(took >= Duration::from_millis(190) && took < Duration::from_secs(3), "{took:?}");
}

fn runtime(ms: u64) -> Runtime {
    Runtime::builder()
        .timeout(Some(Duration::from_millis(ms)))
        .build()
        .unwrap()
}

#[test]
fn a_start_function_that_never_returns_is_stopped() {
    let rt = runtime(200);
    let started = Instant::now();
    let err = rt.instantiate(&LOOPING_START).err().expect("start-up stopped");
    let took = started.elapsed();
    eprintln!("looping start function stopped after {took:?}: {err}");
    assert_stopped_at_200ms(took);
    assert!(matches!(err, Error::Startup { .. }), "{err:?}");
    assert!(err.to_string().contains("did not finish within 200ms"), "{err}");
}

#[test]
fn endless_tail_calls_are_stopped() {
    let rt = runtime(200);
    let mut inst = rt.instantiate(&SPINNERS).unwrap();
    let tail = inst.typed_func::<(), ()>("tail").unwrap();
    let started = Instant::now();
    let err = inst.call("tail", &tail, ()).expect_err("stopped");
    assert_stopped_at_200ms(started.elapsed());
    assert!(
        matches!(err, Error::Timeout { after, .. } if after == Duration::from_millis(200)),
        "{err:?}"
    );
}

#[test]
fn endless_recursion_is_a_stack_overflow_not_a_timeout() {
    let rt = runtime(10_000);
    let mut inst = rt.instantiate(&SPINNERS).unwrap();
    let deep = inst.typed_func::<(), ()>("deep").unwrap();
    let started = Instant::now();
    let err = inst.call("deep", &deep, ()).expect_err("overflow");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert!(matches!(err, Error::Trap { .. }), "{err:?}");
    assert!(err.to_string().contains("call stack exhausted"), "{err}");
}

#[test]
fn loops_that_end_run_to_the_end_and_a_deadline_can_be_switched_off() {
    let rt = runtime(20);
    let mut inst = rt.instantiate(&SPINNERS).unwrap();
    let count = inst.typed_func::<i32, i32>("count").unwrap();
    assert_eq!(inst.call("count", &count, 1000).unwrap(), 1000);
    // Long enough to outlast 20 ms many times over on any machine.
    let long = 1_500_000_000;
    let err = inst.call("count", &count, long).expect_err("20 ms deadline");
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    // A fresh instance whose deadline was armed by a call, then switched off.
    let mut inst = rt.instantiate(&SPINNERS).unwrap();
    let count = inst.typed_func::<i32, i32>("count").unwrap();
    assert_eq!(inst.call("count", &count, 1000).unwrap(), 1000);
    inst.set_timeout(None);
    let started = Instant::now();
    assert_eq!(inst.call("count", &count, long).unwrap(), long);
    eprintln!("{long} iterations without a deadline: {:?}", started.elapsed());
}
