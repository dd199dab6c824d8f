//! Deadlines on guests that TinyGo never produces but a `.wasm` file can
//! contain: a start function that never returns, endless tail calls, endless
//! recursion, guests that burn CPU for hours without a single loop
//! (exponential, mutual and indirect recursion, a call tree of 2^48 calls),
//! and switching a deadline off. The guests are hand-written `.wat` for that
//! reason. Loops in real TinyGo guests are covered by `hostile.rs` (`spin`).

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

/// Guests that run for hours without a loop.
const NO_LOOPS: &str = r#"(module
    (memory (export "memory") 1)
    (type $unary (func (param i64) (result i64)))
    (table 1 funcref)
    (elem (i32.const 0) $fib_indirect)
    ;; Exponential recursion of bounded depth: fib(60) has depth 60 and
    ;; makes about 2^42 calls.
    (func $fib (export "fib") (param $n i64) (result i64)
        (if (result i64) (i64.lt_u (local.get $n) (i64.const 2))
            (then (local.get $n))
            (else (i64.add
                (call $fib (i64.sub (local.get $n) (i64.const 1)))
                (call $fib (i64.sub (local.get $n) (i64.const 2)))))))
    ;; Mutual recursion: ping calls pong twice, pong calls ping.
    (func $ping (export "ping") (param $n i64) (result i64)
        (if (result i64) (i64.eqz (local.get $n))
            (then (i64.const 1))
            (else (i64.add
                (call $pong (i64.sub (local.get $n) (i64.const 1)))
                (call $pong (i64.sub (local.get $n) (i64.const 1)))))))
    (func $pong (param $n i64) (result i64) (call $ping (local.get $n)))
    ;; Recursion through the table: no static call edge at all.
    (func $fib_indirect (export "fib_indirect") (param $n i64) (result i64)
        (if (result i64) (i64.lt_u (local.get $n) (i64.const 2))
            (then (local.get $n))
            (else (i64.add
                (call_indirect (type $unary) (i64.sub (local.get $n) (i64.const 1)) (i32.const 0))
                (call_indirect (type $unary) (i64.sub (local.get $n) (i64.const 2)) (i32.const 0))))))
    CHAIN
    (func $start_fib (call $fib (i64.const 60)) (drop))
)"#;

/// `NO_LOOPS` with a chain of 48 functions, each calling the next twice
/// (2^48 calls, no recursion), exported as `chain`, and optionally a start
/// function that runs `fib(60)`.
fn no_loops(name: &'static str, start: bool) -> &'static GuestModule {
    let mut chain = String::from("(func $c0 (export \"chain\") (call $c1) (call $c1))\n");
    for i in 1..48 {
        chain.push_str(&format!("(func $c{i} (call $c{n}) (call $c{n}))\n", n = i + 1));
    }
    chain.push_str("(func $c48)\n");
    if start {
        chain.push_str("(start $start_fib)\n");
    }
    let text = NO_LOOPS.replace("CHAIN", &chain);
    let module = GuestModule {
        name,
        file: name,
        bytes: Box::leak(text.into_bytes().into_boxed_slice()),
        startup: Startup::None,
        retptr_size: 0,
    };
    Box::leak(Box::new(module))
}

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

#[test]
fn guests_that_burn_cpu_without_loops_are_stopped() {
    let rt = runtime(200);
    let guest = no_loops("no_loops", false);
    let mut inst = rt.instantiate(guest).unwrap();
    let fib = inst.typed_func::<i64, i64>("fib").unwrap();
    assert_eq!(inst.call("fib", &fib, 20).unwrap(), 6765, "short calls still answer");
    for export in ["fib", "ping", "fib_indirect"] {
        let mut inst = rt.instantiate(guest).unwrap();
        let f = inst.typed_func::<i64, i64>(export).unwrap();
        let started = Instant::now();
        let err = inst.call(export, &f, 60).expect_err("stopped");
        let took = started.elapsed();
        eprintln!("{export}(60) stopped after {took:?}");
        assert_stopped_at_200ms(took);
        assert!(matches!(err, Error::Timeout { .. }), "{export}: {err:?}");
    }
    let mut inst = rt.instantiate(guest).unwrap();
    let chain = inst.typed_func::<(), ()>("chain").unwrap();
    let started = Instant::now();
    let err = inst.call("chain", &chain, ()).expect_err("stopped");
    eprintln!("chain of 2^48 calls stopped after {:?}", started.elapsed());
    assert_stopped_at_200ms(started.elapsed());
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
}

#[test]
fn a_start_function_without_loops_is_stopped() {
    let rt = runtime(200);
    let started = Instant::now();
    let err = rt.instantiate(no_loops("no_loops_start", true)).err().expect("stopped");
    assert_stopped_at_200ms(started.elapsed());
    assert!(matches!(err, Error::Startup { .. }), "{err:?}");
    assert!(err.to_string().contains("did not finish within 200ms"), "{err}");
}

#[test]
fn recursion_through_call_ref_is_refused_or_stopped() {
    // Typed function references: this runtime's wasmtime has no collector,
    // so it may refuse the module outright; if it runs it, the target of
    // `call_ref` (named by `ref.func`) checks at its entry.
    static CALL_REF: GuestModule = wat(
        "call_ref",
        br#"(module
            (type $unary (func (param i64) (result i64)))
            (elem declare func $fib)
            (func $fib (export "fib") (type $unary)
                (if (result i64) (i64.lt_u (local.get 0) (i64.const 2))
                    (then (local.get 0))
                    (else (i64.add
                        (call_ref $unary (i64.sub (local.get 0) (i64.const 1)) (ref.func $fib))
                        (call_ref $unary (i64.sub (local.get 0) (i64.const 2)) (ref.func $fib)))))))"#,
    );
    let rt = runtime(200);
    match rt.instantiate(&CALL_REF) {
        Err(e) => {
            eprintln!("call_ref guest refused: {e}");
            assert!(matches!(e, Error::Compile { .. } | Error::Instantiate { .. }), "{e:?}");
        }
        Ok(mut inst) => {
            let fib = inst.typed_func::<i64, i64>("fib").unwrap();
            let started = Instant::now();
            let err = inst.call("fib", &fib, 60).expect_err("stopped");
            assert_stopped_at_200ms(started.elapsed());
            assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
        }
    }
}
