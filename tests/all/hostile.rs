//! A guest can never hurt the host: every way the `hostile` guest (TinyGo)
//! and the hand-written `badalloc` guest misbehave ends in a typed error
//! that names guest and export, never in a panic, a hang or a host
//! allocation sized by the guest. Good calls work again afterwards.

use std::time::{Duration, Instant};

use tinybind::guests::badalloc::Badalloc;
use tinybind::guests::hostile::Hostile;
use tinybind_runtime::{Error, Runtime, DEFAULT_MEMORY_LIMIT, DEFAULT_TIMEOUT};

const MIB: usize = 1 << 20;

fn runtime() -> Runtime {
    Runtime::new().expect("runtime")
}

fn hostile(runtime: &Runtime) -> Hostile {
    Hostile::new(runtime).expect("instantiate hostile")
}

/// The error names the guest and the export, on one line.
fn assert_names(err: &Error, guest: &str, export: &str) {
    let text = err.to_string();
    assert!(text.contains(&format!("`{guest}`")), "no guest in: {text}");
    assert!(
        text.contains(&format!("`{export}`")),
        "no export in: {text}"
    );
    assert!(!text.contains('\n'), "more than one line: {text:?}");
}

/// After an error, a good call on the same instance (reset first if the
/// error poisoned it) answers correctly.
fn assert_recovers(guest: &mut Hostile, err: &Error) {
    if err.poisons() {
        assert!(guest.instance().is_poisoned(), "{err} should poison");
        let again = guest
            .good("x")
            .expect_err("poisoned instance refuses calls");
        assert!(matches!(again, Error::Poisoned { .. }), "{again}");
        assert_names(&again, "hostile", "good");
        guest.reset().expect("reset");
    } else {
        assert!(!guest.instance().is_poisoned(), "{err} should not poison");
    }
    assert_eq!(
        guest.good("after").expect("good call after the failure"),
        "ok after"
    );
}

#[test]
fn defaults_are_documented_values() {
    assert_eq!(DEFAULT_TIMEOUT, Duration::from_secs(10));
    assert_eq!(DEFAULT_MEMORY_LIMIT, 1 << 30);
}

#[test]
fn pointer_outside_memory_is_refused() {
    let rt = runtime();
    let mut g = hostile(&rt);
    assert_eq!(g.good("Ada").unwrap(), "ok Ada");
    let err = g.bad_pointer().expect_err("pointer outside memory");
    match &err {
        Error::OutOfBounds {
            ptr, len, memory, ..
        } => {
            assert_eq!((*ptr, *len), (0xFFFF_FF00, 64));
            assert_eq!(*memory, g.instance().memory_size());
        }
        other => panic!("expected OutOfBounds, got {other:?}"),
    }
    assert_names(&err, "hostile", "bad_pointer");
    assert_recovers(&mut g, &err);
}

#[test]
fn huge_lengths_are_refused_before_any_host_allocation() {
    let rt = runtime();
    let mut g = hostile(&rt);
    for (export, expected) in [("huge_length", 0x7FFF_FFFFu64), ("max_length", 0xFFFF_FFFF)] {
        let started = Instant::now();
        let err = match export {
            "huge_length" => g.huge_length(),
            _ => g.max_length(),
        }
        .expect_err("length past the end of memory");
        // Copying or allocating 2-4 GiB would take far longer than this.
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "{:?}",
            started.elapsed()
        );
        match &err {
            Error::OutOfBounds { len, .. } => assert_eq!(*len, expected),
            other => panic!("expected OutOfBounds, got {other:?}"),
        }
        assert_names(&err, "hostile", export);
        assert_recovers(&mut g, &err);
    }
}

#[test]
fn invalid_utf8_is_an_error_that_keeps_the_bytes() {
    let rt = runtime();
    let mut g = hostile(&rt);
    let err = g.bad_utf8().expect_err("not UTF-8");
    assert!(matches!(err, Error::InvalidUtf8 { .. }), "{err:?}");
    assert_eq!(err.invalid_utf8_bytes(), Some(&b"\xff\xfe\xfd"[..]));
    assert_names(&err, "hostile", "bad_utf8");
    assert_recovers(&mut g, &err);
}

#[test]
fn traps_name_guest_and_export_and_poison_until_reset() {
    let rt = runtime();
    let mut g = hostile(&rt);
    // A Go panic (index out of range), an integer division by zero, and a
    // stack overflow.
    type Call = fn(&mut Hostile) -> Result<i32, Error>;
    let cases: [(&str, Call, &str); 3] = [
        // What the panic printed is in the error, output passed through.
        ("boom", |g| g.boom(3), "`boom` panicked: runtime error: index out of range (in "),
        ("divide", |g| g.divide(1, 0), "divideByZeroPanic"),
        ("recurse", |g| g.recurse(0), "call stack exhausted"),
    ];
    for (export, call, reason) in cases {
        let err = call(&mut g).expect_err("trap");
        assert!(matches!(err, Error::Trap { .. }), "{export}: {err:?}");
        assert!(err.poisons());
        assert!(err.to_string().contains(reason), "{export}: {err}");
        assert_names(&err, "hostile", export);
        // Every export, not only the one that trapped, is refused.
        let err2 = g.divide(6, 3).expect_err("poisoned");
        assert!(matches!(err2, Error::Poisoned { .. }), "{err2:?}");
        assert_names(&err2, "hostile", "divide");
        assert_recovers(&mut g, &err);
        assert_eq!(g.divide(6, 3).unwrap(), 2);
    }
}

#[test]
fn a_go_panic_message_is_in_the_error_when_output_is_captured_too() {
    let rt = Runtime::builder().capture_output(1 << 16).build().unwrap();
    let mut g = hostile(&rt);
    let err = g.boom(3).expect_err("panic");
    assert!(
        matches!(&err, Error::Trap { panic: Some(p), .. } if p == "runtime error: index out of range"),
        "{err:?}"
    );
    // A trap without a panic says nothing of the earlier one.
    g.reset().unwrap();
    let err = g.recurse(0).expect_err("overflow");
    assert!(matches!(&err, Error::Trap { panic: None, .. }), "{err:?}");
    assert!(err.to_string().contains("trapped: "), "{err}");
}

#[test]
fn proc_exit_in_a_call_is_an_error() {
    let rt = runtime();
    let mut g = hostile(&rt);
    let err = g.quit(3).expect_err("exit");
    assert!(matches!(err, Error::Exit { code: 3, .. }), "{err:?}");
    // The last line the guest printed says why.
    assert!(err.to_string().ends_with("exited with code 3: quit: giving up"), "{err}");
    assert_names(&err, "hostile", "quit");
    assert_recovers(&mut g, &err);
}

#[test]
fn endless_loop_is_stopped_by_the_deadline() {
    let rt = Runtime::builder()
        .timeout(Some(Duration::from_millis(300)))
        .build()
        .unwrap();
    let mut g = hostile(&rt);
    let started = Instant::now();
    let err = g.spin(1).expect_err("deadline");
    let took = started.elapsed();
    eprintln!("spin stopped after {took:?} (deadline 300ms)");
    assert!(took >= Duration::from_millis(290), "{took:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert!(
        matches!(err, Error::Timeout { after, .. } if after == Duration::from_millis(300)),
        "{err:?}"
    );
    assert_names(&err, "hostile", "spin");
    assert_recovers(&mut g, &err);

    // The deadline of one instance can be changed.
    g.instance().set_timeout(Some(Duration::from_millis(50)));
    let started = Instant::now();
    let err = g.spin(1).expect_err("shorter deadline");
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
}

#[test]
fn an_endless_deadline_does_not_overflow() {
    // Duration::MAX once wrapped the epoch deadline around to "now", so
    // that every call timed out at once.
    let rt = Runtime::builder()
        .timeout(Some(Duration::MAX))
        .build()
        .unwrap();
    let mut g = hostile(&rt);
    assert_eq!(g.good("forever").unwrap(), "ok forever");
    g.instance()
        .set_timeout(Some(Duration::from_secs(u64::MAX)));
    assert_eq!(g.good("still").unwrap(), "ok still");
}

#[test]
fn fuel_gives_a_deterministic_budget() {
    // No deadline at all: fuel alone stops the loop.
    let rt = Runtime::builder()
        .timeout(None)
        .fuel(Some(20_000_000))
        .build()
        .unwrap();
    let mut g = hostile(&rt);
    assert_eq!(g.good("fuel").unwrap(), "ok fuel");
    let started = Instant::now();
    let err = g.spin(1).expect_err("out of fuel");
    eprintln!("spin ran out of 20M fuel after {:?}", started.elapsed());
    assert!(
        matches!(
            err,
            Error::OutOfFuel {
                fuel: 20_000_000,
                ..
            }
        ),
        "{err:?}"
    );
    assert_names(&err, "hostile", "spin");
    assert_recovers(&mut g, &err);

    // The budget is per call: many cheap calls in a row all succeed.
    for i in 0..1000 {
        assert_eq!(g.divide(i, 1).unwrap(), i);
    }

    // The same budget stops the same work at the same point: the loop's
    // observable counter is identical in two fresh instances.
    let tight = Runtime::builder()
        .timeout(None)
        .fuel(Some(2_000_000))
        .build()
        .unwrap();
    let outcome = |rt: &Runtime| {
        let mut g = hostile(rt);
        (
            g.spin(7).map_err(|e| e.to_string()),
            g.instance().memory_size(),
        )
    };
    assert_eq!(outcome(&tight), outcome(&tight));
}

/// hog allocates 1 MiB slices forever: growth past the cap fails inside the
/// guest (TinyGo then panics "out of memory", a trap).
fn hog_until_stopped(rt: &Runtime, cap: usize) -> (Error, usize, Duration) {
    let mut g = hostile(rt);
    let started = Instant::now();
    let err = g.hog().expect_err("hog cannot succeed");
    let took = started.elapsed();
    let size = g.instance().memory_size();
    assert!(size <= cap, "memory {size} above the cap {cap}");
    assert_names(&err, "hostile", "hog");
    assert_recovers(&mut g, &err);
    (err, size, took)
}

#[test]
fn memory_growth_is_capped_where_configured() {
    let cap = 64 * MIB;
    let rt = Runtime::builder().memory_limit(cap).build().unwrap();
    let (err, size, took) = hog_until_stopped(&rt, cap);
    eprintln!("hog under a 64 MiB cap: stopped at {size} bytes after {took:?}: {err}");
    assert!(matches!(err, Error::Trap { .. }), "{err:?}");
    assert!(err.to_string().contains("alloc"), "{err}");
    assert!(size > cap / 2, "memory {size} never came near the cap");
}

#[test]
fn memory_growth_is_capped_at_one_gib_by_default() {
    // The default deadline (10 s) may stop hog before memory does; either
    // way memory never passes 1 GiB.
    let rt = runtime();
    let (err, size, took) = hog_until_stopped(&rt, DEFAULT_MEMORY_LIMIT);
    eprintln!("hog under the default cap: stopped at {size} bytes after {took:?}: {err}");
    assert!(
        matches!(err, Error::Trap { .. } | Error::Timeout { .. }),
        "{err:?}"
    );
}

#[test]
fn stdout_flooding_is_captured_in_a_bounded_buffer() {
    let cap = 64 * 1024;
    let rt = Runtime::builder().capture_output(cap).build().unwrap();
    let mut g = hostile(&rt);
    // 16 MiB of output against a 64 KiB buffer.
    let written = g
        .flood(16 * 1024)
        .expect("writes past the buffer fail inside the guest");
    let out = g.instance().stdout().expect("captured");
    eprintln!(
        "flood: guest saw {written} bytes written, host kept {}",
        out.len()
    );
    assert_eq!(out.len(), cap);
    // Once the buffer is full, writes fail inside the guest (Go's
    // os.Stdout.Write returns an error), so it sees at most the cap written.
    assert!(written as usize <= cap, "{written}");
    assert!(out.starts_with(b"abcdefghijklmnopqrstuvwxyz"));
    assert_eq!(g.instance().stderr().map(|e| e.len()), Some(0));
    assert_eq!(g.good("quiet").unwrap(), "ok quiet");
    // A fresh instance has a fresh buffer.
    g.reset().unwrap();
    assert_eq!(g.instance().stdout().map(|o| o.len()), Some(0));
    assert_eq!(g.flood(2).unwrap(), 2048);
}

#[test]
fn the_go_panic_message_is_captured_with_output() {
    let rt = Runtime::builder().capture_output(4096).build().unwrap();
    let mut g = hostile(&rt);
    g.boom(1).expect_err("trap");
    // TinyGo prints panics on stdout.
    let mut output = g.instance().stdout().unwrap();
    output.extend(g.instance().stderr().unwrap());
    let text = String::from_utf8_lossy(&output);
    assert!(text.contains("index out of range"), "{text}");
}

#[test]
fn a_malloc_that_never_returns_is_stopped_in_the_name_of_the_call() {
    // The deadline and fuel stop `malloc` while it allocates the argument
    // area; the error names the export the caller called, not `malloc`.
    let rt = Runtime::builder().timeout(Some(Duration::from_millis(100))).build().unwrap();
    let mut g = Badalloc::new(&rt).expect("instantiate badalloc");
    g.set_mode(4).unwrap();
    let err = g.echo(&"x".repeat(1000)).expect_err("deadline");
    assert!(matches!(&err, Error::Timeout { export, .. } if export == "echo"), "{err:?}");
    assert_names(&err, "badalloc", "echo");

    let rt = Runtime::builder().timeout(None).fuel(Some(1_000_000)).build().unwrap();
    let mut g = Badalloc::new(&rt).expect("instantiate badalloc");
    g.set_mode(4).unwrap();
    let err = g.echo(&"x".repeat(1000)).expect_err("out of fuel");
    assert!(matches!(&err, Error::OutOfFuel { export, .. } if export == "echo"), "{err:?}");
}

#[test]
fn malloc_returning_bad_pointers_is_refused_before_writing() {
    let rt = runtime();
    let mut g = Badalloc::new(&rt).expect("instantiate badalloc");
    let end = g.instance().memory_size() as u32;
    // Mode 1: null; mode 2: outside memory; mode 3: inside, but the block
    // runs past the end of memory.
    for (mode, expected_ptr) in [(1, 0), (2, 0xFFFF_0000), (3, end - 16)] {
        g.set_mode(mode).unwrap();
        let err = g.echo("PAYLOAD!").expect_err("bad allocation");
        match &err {
            Error::BadAllocation {
                ptr, size, memory, ..
            } => {
                assert_eq!(*ptr, expected_ptr, "mode {mode}");
                assert!(*size >= 8);
                assert_eq!(*memory, end as usize);
            }
            other => panic!("mode {mode}: expected BadAllocation, got {other:?}"),
        }
        assert_names(&err, "badalloc", "echo");
        assert!(!err.poisons());
        assert!(!g.instance().is_poisoned());
        // Nothing was written where malloc pointed.
        let at = if mode == 3 { end - 16 } else { 0 };
        assert_eq!(
            g.peek(at as i32).unwrap(),
            0,
            "mode {mode}: memory at {at:#x} was written"
        );
        if mode == 3 {
            assert_eq!(g.peek(end as i32 - 4).unwrap(), 0);
        }
    }
    // A good allocator again: the same instance works.
    g.set_mode(0).unwrap();
    assert_eq!(g.echo("PAYLOAD!").unwrap(), "PAYLOAD!");
    assert_eq!(g.echo(&"long ".repeat(1000)).unwrap(), "long ".repeat(1000));
    // A length of 0xFFFFFFFF from a non-TinyGo guest is refused too.
    let err = g.all_ones().expect_err("huge length");
    assert!(
        matches!(
            err,
            Error::OutOfBounds {
                len: 0xFFFF_FFFF,
                ..
            }
        ),
        "{err:?}"
    );
    // A load outside memory traps, naming the export.
    let err = g.peek(end as i32).expect_err("out of bounds load");
    assert!(matches!(err, Error::Trap { .. }), "{err:?}");
    assert!(err.to_string().contains("out of bounds"), "{err}");
    assert_names(&err, "badalloc", "peek");
}

#[test]
fn arguments_larger_than_the_memory_cap_are_refused() {
    let rt = Runtime::builder().memory_limit(4 * MIB).build().unwrap();
    let mut g = hostile(&rt);
    let big = "x".repeat(8 * MIB);
    let err = g.good(&big).expect_err("too large");
    assert!(matches!(err, Error::ArgumentsTooLarge { .. }), "{err:?}");
    assert_names(&err, "hostile", "good");
    assert_eq!(g.good("small").unwrap(), "ok small");
}

/// A guest with one page of memory and a bump `malloc`, for the reader
/// property test: the test writes `{ptr, len}` headers into its memory.
static READER_GUEST: tinybind_runtime::GuestModule = tinybind_runtime::GuestModule {
    name: "reader",
    file: "tests/data/bump_allocator.wat",
    bytes: include_bytes!("../data/bump_allocator.wat"),
    startup: tinybind_runtime::Startup::None,
    retptr_size: 0,
};

#[test]
fn memory_readers_check_every_header_against_memory() {
    let rt = runtime();
    let mut inst = rt.instantiate(&READER_GUEST).expect("reader guest");
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut rand = move || {
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        seed.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    const PAYLOAD: usize = 256;
    let mut buf = vec![0u8; 16 + PAYLOAD];
    let [first] = inst.write_args("reader", [&buf]).unwrap();
    let base = first.ptr as u32;
    let mem = inst.memory_size() as u64;
    let started = Instant::now();
    for case in 0..20_000u32 {
        for b in &mut buf[16..] {
            *b = rand() as u8;
        }
        let (ptr, len): (u32, u32) = match case % 5 {
            // Inside the payload: the exact bytes come back.
            0 => {
                let off = rand() as u32 % PAYLOAD as u32;
                let n = rand() as u32 % (PAYLOAD as u32 - off + 1);
                (base + 16 + off, n)
            }
            1 => (rand() as u32, rand() as u32),
            2 => (rand() as u32, 0),
            // Around the end of memory.
            3 => (
                (mem as u32).wrapping_sub(rand() as u32 % 64),
                rand() as u32 % 128,
            ),
            _ => (rand() as u32 % 1024, u32::MAX - rand() as u32 % 4),
        };
        buf[..4].copy_from_slice(&ptr.to_le_bytes());
        buf[4..8].copy_from_slice(&len.to_le_bytes());
        let [slot] = inst.write_args("reader", [&buf]).unwrap();
        assert_eq!(slot.ptr as u32, base, "the argument arena is reused");
        let r = inst.results("reader", base as i32, 8).unwrap();
        let fits = |elem: u64| len == 0 || u64::from(ptr) + u64::from(len) * elem <= mem;
        let bytes = r.bytes(0);
        assert_eq!(
            bytes.is_ok(),
            fits(1),
            "case {case}: ptr {ptr:#x} len {len}"
        );
        if let Err(e) = &bytes {
            assert!(matches!(e, Error::OutOfBounds { .. }), "{e:?}");
        }
        if case % 5 == 0 {
            let off = (ptr - base - 16) as usize;
            assert_eq!(bytes.unwrap(), &buf[16 + off..16 + off + len as usize]);
        }
        let slice = r.slice::<i32>(0);
        assert_eq!(
            slice.is_ok(),
            fits(4),
            "case {case}: ptr {ptr:#x} len {len} (i32)"
        );
        match r.string(0) {
            Ok(_) | Err(Error::InvalidUtf8 { .. }) => assert!(fits(1)),
            Err(Error::OutOfBounds { .. }) => assert!(!fits(1)),
            Err(e) => panic!("{e:?}"),
        }
    }
    // The result area itself is checked too.
    for base in [mem as u32 - 4, mem as u32, u32::MAX - 3, u32::MAX] {
        let err = inst
            .results("reader", base as i32, 8)
            .err()
            .expect("outside memory");
        assert!(matches!(err, Error::OutOfBounds { .. }), "{err:?}");
    }
    eprintln!(
        "memory readers: 20,000 headers checked in {:?}",
        started.elapsed()
    );
}

/// A hand-written guest that grows its table and has more than one memory:
/// host memory that the 1 GiB cap on linear memory alone would not bound.
static GREEDY: tinybind_runtime::GuestModule = tinybind_runtime::GuestModule {
    name: "greedy",
    file: "greedy.wat",
    bytes: br#"(module
        (memory (export "memory") 1)
        (table $t 1 funcref)
        ;; Grows the table by n elements at once; -1 when refused.
        (func (export "grow_table") (param $n i32) (result i32)
            (table.grow $t (ref.null func) (local.get $n))))"#,
    startup: tinybind_runtime::Startup::None,
    retptr_size: 0,
};

static TWO_MEMORIES: tinybind_runtime::GuestModule = tinybind_runtime::GuestModule {
    name: "two_memories",
    file: "two_memories.wat",
    bytes: br#"(module
        (memory (export "memory") 1)
        (memory $second 1)
        (func (export "grow_second") (param $pages i32) (result i32)
            (memory.grow $second (local.get $pages))))"#,
    startup: tinybind_runtime::Startup::None,
    retptr_size: 0,
};

#[test]
fn table_growth_is_capped_too() {
    let rt = runtime();
    let mut inst = rt.instantiate(&GREEDY).expect("greedy guest");
    let grow = inst.typed_func::<i32, i32>("grow_table").unwrap();
    // 100 million funcrefs would be 800 MiB or more of host memory.
    let started = Instant::now();
    let old = inst
        .call("grow_table", &grow, 100_000_000)
        .expect("no trap");
    eprintln!("table.grow by 100M: {old} after {:?}", started.elapsed());
    assert_eq!(old, -1, "the table grew by 100M elements");
    // Growth up to the cap works, one element past it does not.
    let limit = tinybind_runtime::MAX_TABLE_ELEMENTS as i32;
    assert_eq!(inst.call("grow_table", &grow, limit - 1).unwrap(), 1);
    assert_eq!(inst.call("grow_table", &grow, 1).unwrap(), -1);
    assert!(!inst.is_poisoned());
}

#[test]
fn a_guest_cannot_multiply_the_memory_cap_with_more_memories() {
    let rt = Runtime::builder().memory_limit(16 * MIB).build().unwrap();
    // The cap is per memory, so a second memory is refused at instantiation.
    let err = rt
        .instantiate(&TWO_MEMORIES)
        .err()
        .expect("two memories refused");
    assert!(matches!(err, Error::Instantiate { .. }), "{err:?}");
    assert!(err.to_string().contains("two_memories"), "{err}");
}

#[test]
fn captured_stderr_keeps_what_the_guest_wrote_before_exiting() {
    let rt = Runtime::builder().capture_output(4096).build().unwrap();
    let mut g = hostile(&rt);
    let err = g.quit(2).expect_err("exit");
    assert!(err.to_string().ends_with("quit: giving up"), "{err}");
    let captured = g.instance().stderr().expect("captured");
    assert_eq!(String::from_utf8_lossy(&captured), "quit: giving up\n");
}
