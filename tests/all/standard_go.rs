//! Standard Go guests (Go 1.24+ `GOOS=wasip1 -buildmode=c-shared`, built
//! with Go 1.26.8 by `guest-go/build.sh`): `stdgreet` exports its own
//! `malloc`/`free` (a map keeps every block until `free`) and returns
//! strings packed into a `uint64`, `ptr << 32 | len`, which its
//! declarations (`guest-go/stdgreet.go`) type as `string`; `stdnoalloc`
//! exports no allocator, so its string function stays raw.

use std::time::{Duration, Instant};

use tinybind::guests::stdgreet::{Stdgreet, StdgreetAsync, StdgreetHost};
use tinybind::guests::stdnoalloc::Stdnoalloc;
use tinybind::{Error, HostError, Runtime};

fn runtime() -> Runtime {
    Runtime::new().expect("runtime")
}

/// Records the guest's log lines and answers its lookups.
#[derive(Default)]
struct Recorder {
    logs: Vec<String>,
}

impl StdgreetHost for Recorder {
    fn log(&mut self, message: &str) -> Result<(), HostError> {
        self.logs.push(message.to_string());
        Ok(())
    }

    fn lookup(&mut self, key: &str) -> Result<String, HostError> {
        match key {
            "missing" => Err(HostError::new("no such key")),
            "big" => Ok("v".repeat(200_000)),
            _ => Ok(format!("value-of-{key}")),
        }
    }
}

#[test]
fn strings_go_in_and_packed_strings_come_back() {
    let rt = runtime();
    let mut g = Stdgreet::new(&rt).expect("instantiate");
    assert_eq!(g.greet("Ada").expect("greet"), "Hello, Ada!");
    assert_eq!(g.concatenate("foo", "bar").expect("concatenate"), "foobar");
    assert_eq!(g.concatenate("", "").expect("empty"), "");
    assert_eq!(g.count("a,b,,c", ",").expect("count"), 3);
    assert_eq!(g.add(40, 2).expect("add"), 42);
    assert_eq!(g.reverse(&[1, 2, 3, 250]).expect("reverse"), vec![250, 3, 2, 1]);
    assert_eq!(g.greet("żółw 🐢").expect("utf-8"), "Hello, żółw 🐢!");
    // Every result block went back to the guest's `free`, and the arena is
    // the one block the host keeps.
    assert!(g.pinned().expect("pinned") <= 1);
}

#[test]
fn two_hundred_kilobytes_in_and_out() {
    let rt = runtime();
    let mut g = Stdgreet::with_host(&rt, Recorder::default()).expect("instantiate");
    let big = "x".repeat(200_000);
    let out = g.concatenate(&big, "!").expect("concatenate");
    assert_eq!(out.len(), 200_001);
    assert!(out.ends_with("x!"));
    let out = g.repeat("ab", 100_000).expect("repeat");
    assert_eq!(out.len(), 200_000);
    let data: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
    let mut expected = data.clone();
    expected.reverse();
    assert_eq!(g.reverse(&data).expect("reverse"), expected);
    // The host's answer of 200 KB, into a block from the guest's malloc.
    let out = g.describe("big").expect("describe");
    assert_eq!(out.len(), "big=".len() + 200_000);
    assert!(g.pinned().expect("pinned") <= 1);
}

#[test]
fn typed_host_functions_take_and_return_strings() {
    let rt = runtime();
    let mut g = Stdgreet::with_host(&rt, Recorder::default()).expect("instantiate");
    g.shout("hello").expect("shout");
    assert_eq!(g.host().logs, vec!["HELLO!".to_string()]);
    assert_eq!(g.describe("k").expect("describe"), "k=value-of-k");
    // The guest freed the host's block itself.
    assert!(g.pinned().expect("pinned") <= 1);
    let err = g.describe("missing").expect_err("the host fails");
    assert!(err.to_string().contains("no such key"), "{err}");
}

#[test]
fn forty_thousand_calls_keep_memory_flat_and_free_every_block() {
    let rt = runtime();
    let mut g = Stdgreet::with_host(&rt, Recorder::default()).expect("instantiate");
    // Names of about 100 bytes: a block kept per call would pin 2.5 MB and
    // more over the second half, well past the bound below.
    let pad = "x".repeat(100);
    let mut halfway = 0;
    for i in 0..40_000u32 {
        let name = format!("guest-{i}-{pad}");
        let out = g.greet(&name).expect("greet");
        assert_eq!(out, format!("Hello, {name}!"));
        if i % 3 == 0 {
            assert_eq!(g.describe(&name).expect("describe"), format!("{name}=value-of-{name}"));
        }
        if i == 20_000 {
            halfway = g.instance().memory_size();
        }
    }
    let pinned = g.pinned().expect("pinned");
    assert!(pinned <= 1, "{pinned} blocks still pinned");
    // Go's heap settles in the first half; after that memory stays within
    // a page or so of where it was.
    let end = g.instance().memory_size();
    assert!(end <= halfway + (1 << 20), "memory grew from {halfway} to {end} bytes in the second half");
}

#[test]
fn a_spinning_export_is_stopped_at_its_deadline_and_poisons() {
    let rt = Runtime::builder()
        .timeout(Some(Duration::from_millis(500)))
        .build()
        .expect("runtime");
    let mut g = Stdgreet::new(&rt).expect("instantiate");
    let start = Instant::now();
    let err = g.spin().expect_err("spin never returns");
    assert!(matches!(&err, Error::Timeout { export, .. } if export == "spin"), "{err:?}");
    assert!(start.elapsed() < Duration::from_secs(5), "{:?}", start.elapsed());
    assert!(g.instance().is_poisoned());
    g.reset().expect("reset");
    assert_eq!(g.greet("again").expect("greet"), "Hello, again!");
}

#[test]
fn a_go_panic_is_a_typed_error_with_its_message() {
    let rt = runtime();
    let mut g = Stdgreet::new(&rt).expect("instantiate");
    let err = g.boom("bang").expect_err("panics");
    assert!(err.to_string().contains("bang"), "{err}");
    assert!(g.instance().is_poisoned());
}

#[test]
fn a_packed_result_outside_memory_is_an_error_not_a_read() {
    // What the generated `greet` does with the i64 it gets back, given
    // values no honest guest returns: a block past the end of memory, and
    // bytes that are not UTF-8. Neither is freed (the first is no block).
    let rt = runtime();
    let mut g = Stdgreet::new(&rt).expect("instantiate");
    let err = g
        .instance()
        .take_packed_bytes("greet", i64::MAX)
        .expect_err("out of bounds");
    assert!(matches!(err, Error::OutOfBounds { ref export, .. } if export == "greet"), "{err:?}");
    let beyond = ((g.instance().memory_size() as i64 - 4) << 32) | 8;
    let err = g
        .instance()
        .take_packed_string("greet", beyond)
        .expect_err("out of bounds");
    assert!(matches!(err, Error::OutOfBounds { .. }), "{err:?}");
    assert_eq!(g.greet("still").expect("greet"), "Hello, still!");
}

#[test]
fn a_module_without_an_allocator_keeps_raw_string_functions() {
    let rt = runtime();
    let mut g = Stdnoalloc::new(&rt).expect("instantiate");
    assert_eq!(g.add(2, 3).expect("add"), 5);
    // `size(s string)` is raw: (ptr, len) as i32s, read from memory the
    // guest owns (its data at 0 is whatever is there; length 0 is safe).
    assert_eq!(g.size(0, 0).expect("size"), 0);
    let text = tinybind::guests::stdnoalloc::INFO
        .functions
        .iter()
        .find(|f| f.name == "size")
        .map(|f| f.convention)
        .expect("size");
    assert!(text.contains("raw"), "{text}");
}

#[test]
fn the_go_runtime_start_up_is_snapshotted_and_each_instance_starts_clean() {
    let rt = Runtime::builder()
        .pooling(4)
        .preinitialize(true)
        .build()
        .expect("runtime");
    let mut first = Stdgreet::with_host(&rt, Recorder::default()).expect("instantiate");
    let status = rt.preinit_status(&tinybind::guests::stdgreet::MODULE);
    assert!(first.instance().preinitialized(), "{status:?}");
    assert_eq!(first.greet("Ada").expect("greet"), "Hello, Ada!");
    assert_eq!(first.describe("k").expect("describe"), "k=value-of-k");
    // A block the first instance leaves pinned is not the next one's.
    let leaked = first
        .instance()
        .take_packed_bytes("pinned", 0)
        .expect("nothing to take");
    assert!(leaked.is_empty());
    let before = first.pinned().expect("pinned");
    drop(first);
    for _ in 0..3 {
        let mut next = Stdgreet::with_host(&rt, Recorder::default()).expect("instantiate");
        assert!(next.instance().preinitialized());
        assert_eq!(next.pinned().expect("pinned"), before.min(1), "a fresh instance starts clean");
        assert_eq!(next.concatenate("ab", "cd").expect("concatenate"), "abcd");
    }
}

#[test]
fn the_async_api_calls_a_standard_go_guest_too() {
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("tokio runtime");
    let rt = Runtime::builder().async_support(true).build().expect("async runtime");
    tokio.block_on(async move {
        let task = tokio::spawn(async move {
            let mut g = StdgreetAsync::with_host(&rt, Recorder::default())
                .await
                .expect("instantiate");
            assert_eq!(g.greet("Ada").await.expect("greet"), "Hello, Ada!");
            assert_eq!(g.describe("k").await.expect("describe"), "k=value-of-k");
            g.shout("hey").await.expect("shout");
            assert_eq!(g.host().logs, vec!["HEY!".to_string()]);
            assert_eq!(g.reverse(b"abc").await.expect("reverse"), b"cba".to_vec());
            assert!(g.pinned().await.expect("pinned") <= 1);
        });
        task.await.expect("the task");
    });
}

/// A bump allocator that counts its calls, with or without a `free` (the
/// shape of proxy-wasm's `proxy_on_memory_allocate` and of a Go `malloc`
/// that only does `make([]byte, n)`). Hand-written `.wat`: no compiler here
/// emits an allocator without `free` beside one with it.
macro_rules! bump {
    ($malloc:literal, $free:literal) => {
        concat!(
            r#"(module
            (memory (export "memory") 1)
            (global $next (mut i32) (i32.const 1024))
            (global $mallocs (mut i32) (i32.const 0))
            (func (export ""#,
            $malloc,
            r#"") (param $n i32) (result i32)
                (global.set $mallocs (i32.add (global.get $mallocs) (i32.const 1)))
                (global.get $next)
                (global.set $next (i32.add (global.get $next) (i32.add (local.get $n) (i32.const 8)))))
            (func (export "mallocs") (result i32) (global.get $mallocs))"#,
            $free,
            ")"
        )
    };
}

static GC_OWNED: tinybind_runtime::GuestModule = tinybind_runtime::GuestModule {
    name: "gc_owned",
    file: "gc_owned.wat",
    bytes: bump!("proxy_on_memory_allocate", "").as_bytes(),
    startup: tinybind_runtime::Startup::None,
    retptr_size: 0,
};

static PINNED: tinybind_runtime::GuestModule = tinybind_runtime::GuestModule {
    name: "pinned",
    file: "pinned.wat",
    bytes: bump!("malloc", r#"(func (export "free") (param i32))"#).as_bytes(),
    startup: tinybind_runtime::Startup::None,
    retptr_size: 0,
};

#[test]
fn an_allocator_without_free_gets_a_fresh_block_for_every_call() {
    let rt = runtime();
    let mallocs = |inst: &mut tinybind_runtime::Instance| match inst.call_untyped("mallocs", &[]).expect("mallocs")[..]
    {
        [wasmtime::Val::I32(n)] => n,
        ref other => panic!("{other:?}"),
    };
    // Without `free` the guest's GC owns each block once the call is
    // over: every call's arguments go to a new one.
    let mut gc = rt.instantiate(&GC_OWNED).expect("instantiate");
    let [first] = gc.write_args("f", [b"abc".as_slice()]).expect("write");
    let [second] = gc.write_args("f", [b"abc".as_slice()]).expect("write");
    assert_ne!(first.ptr, second.ptr);
    assert_eq!(mallocs(&mut gc), 2);
    // With `free` the block is the host's until it frees it: kept.
    let mut pinned = rt.instantiate(&PINNED).expect("instantiate");
    let [first] = pinned.write_args("f", [b"abc".as_slice()]).expect("write");
    let [second] = pinned.write_args("f", [b"abc".as_slice()]).expect("write");
    assert_eq!(first.ptr, second.ptr);
    assert_eq!(mallocs(&mut pinned), 1);
}

#[test]
fn a_result_or_host_argument_over_max_result_bytes_is_refused_before_any_copy() {
    let rt = Runtime::builder().max_result_bytes(1 << 20).build().expect("runtime");
    let mut g = Stdgreet::with_host(&rt, Recorder::default()).expect("instantiate");
    // A packed result of 2 MiB: refused, and its block freed all the same.
    let err = g.repeat("ab", 1 << 20).expect_err("2 MiB");
    assert!(
        matches!(&err, Error::ResultTooLarge { export, size: 2_097_152, limit: 1_048_576, .. } if export == "repeat"),
        "{err:?}"
    );
    assert!(g.pinned().expect("pinned") <= 1);
    assert_eq!(g.repeat("ab", 1 << 19).expect("1 MiB fits").len(), 1 << 20);
    // A string of 2 MiB the guest passes to the host's `log`.
    let err = g.shout(&"x".repeat(2 << 20)).expect_err("2 MiB to the host");
    assert!(err.to_string().contains("max_result_bytes"), "{err}");
    assert!(g.host().logs.is_empty());
    // A TinyGo string result through the retptr, the same.
    let mut c = tinybind::guests::concat::Concat::new(&rt).expect("concat");
    let half = "y".repeat(600_000);
    let err = c.concatenate(&half, &half).expect_err("1.2 MB");
    assert!(matches!(&err, Error::ResultTooLarge { size: 1_200_000, .. }), "{err:?}");
}
