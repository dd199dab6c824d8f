//! Soak under faults: 8 threads mix good calls with hostile ones (Go panics,
//! timeouts, the memory cap, bad pointers, failing host functions) on one
//! runtime, and check that every good answer is right, every bad call fails
//! with the error it should, and that threads, host memory (RSS) and guest
//! memory stay flat.
//!
//! CI runs the short form (a few seconds). The long form:
//!
//! ```sh
//! TINYBIND_SOAK_SECS=60 cargo test --release --test soak -- --nocapture
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tinybind::guests::greeter::Greeter;
use tinybind::guests::hostcalls::{Hostcalls, HostcallsHost};
use tinybind::guests::hostile::Hostile;
use tinybind::{Error, HostError, Runtime};

const THREADS: usize = 8;

/// A host whose `check` fails for negative codes.
#[derive(Default)]
struct Host;

impl HostcallsHost for Host {
    fn check(&mut self, code: i32) -> Result<i32, HostError> {
        if code < 0 {
            return Err(HostError::new("negative"));
        }
        Ok(code)
    }

    fn lookup(&mut self, key: &str) -> Result<String, HostError> {
        Ok(format!("v:{key}"))
    }
}

/// What the soak did, added up over threads.
#[derive(Default)]
struct Counts {
    good: AtomicU64,
    faults: AtomicU64,
}

/// The names of this process's threads, sorted.
fn thread_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("comm")).ok())
        .map(|n| n.trim().to_string())
        .collect();
    names.sort();
    names
}

/// A field of `/proc/self/status`, in its unit (kB for memory).
fn status(field: &str) -> u64 {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn expect_kind(what: &str, r: Result<impl std::fmt::Debug, Error>, ok: impl Fn(&Error) -> bool) {
    match r {
        Err(e) if ok(&e) => {}
        other => panic!("{what}: unexpected {other:?}"),
    }
}

/// One thread's work until `until`; returns the guest memory of its
/// long-lived host-call instance at the start and at the end.
fn worker(rt: &Runtime, id: usize, until: Instant, counts: &Counts) -> (usize, usize) {
    let mut greeter = Greeter::new(rt).expect("greeter");
    let mut hostile = Hostile::new(rt).expect("hostile");
    let mut host = Hostcalls::with_host(rt, Host).expect("hostcalls");
    let key = format!("key-{id}");
    assert_eq!(host.lookup_many(&key, 1_000).expect("warm-up"), 1_000);
    let memory_before = host.instance().memory_size();
    let mut step = 0u64;
    while Instant::now() < until {
        step += 1;
        let name = format!("guest-{id}-{step}");
        assert_eq!(greeter.greet(&name).expect("greet"), format!("Hello, {name}!"));
        assert_eq!(host.describe(&name).expect("describe"), format!("{name}=v:{name}"));
        assert_eq!(host.lookup_many(&key, 50).expect("lookup_many"), 50);
        assert_eq!(hostile.good(&name).expect("good"), format!("ok {name}"));
        counts.good.fetch_add(4, Ordering::Relaxed);
        let fault = match step % 7 {
            0 => {
                expect_kind("boom", hostile.boom(3), |e| matches!(e, Error::Trap { panic: Some(_), .. }));
                true
            }
            1 => {
                expect_kind("bad_pointer", hostile.bad_pointer(), |e| matches!(e, Error::OutOfBounds { .. }));
                false
            }
            2 => {
                expect_kind("checked", host.checked(-1), |e| matches!(e, Error::Host { .. }));
                host.reset().expect("reset hostcalls");
                false
            }
            3 if step % 35 == 3 => {
                expect_kind("spin", hostile.spin(1), |e| matches!(e, Error::Timeout { .. }));
                true
            }
            4 if step % 70 == 4 => {
                // The memory cap stops it; on a loaded machine the 400 ms
                // deadline may come first, which stops it as well.
                expect_kind("hog", hostile.hog(), |e| matches!(e, Error::Trap { .. } | Error::Timeout { .. }));
                true
            }
            5 => {
                expect_kind("divide", hostile.divide(1, 0), |e| matches!(e, Error::Trap { .. }));
                true
            }
            _ => continue,
        };
        counts.faults.fetch_add(1, Ordering::Relaxed);
        if fault {
            assert!(hostile.instance().is_poisoned());
            hostile.reset().expect("reset hostile");
        }
    }
    (memory_before, host.instance().memory_size())
}

#[test]
fn good_and_hostile_calls_from_eight_threads() {
    let secs: u64 = std::env::var("TINYBIND_SOAK_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(6);
    let rt = Runtime::builder()
        .timeout(Some(Duration::from_millis(400)))
        .memory_limit(32 << 20)
        .capture_output(64 << 10)
        .build()
        .expect("runtime");
    // A first round warms up compilation and the allocator, so that what
    // is measured after it is the soak's own growth.
    let counts = Arc::new(Counts::default());
    let warm = Instant::now() + Duration::from_millis(500);
    worker(&rt, 99, warm, &counts);
    // Three rounds: the first ones also start what a process starts once
    // and keeps (wasmtime-wasi's tokio workers, the compiler's thread
    // pool, up to one per core each); the last must not add to them.
    let mut rounds = Vec::new();
    let started = Instant::now();
    let mut memories: Vec<(usize, usize)> = Vec::new();
    for _ in 0..3 {
        let until = Instant::now() + Duration::from_secs(secs) / 3;
        let handles: Vec<_> = (0..THREADS)
            .map(|id| {
                let (rt, counts) = (rt.clone(), counts.clone());
                std::thread::spawn(move || worker(&rt, id, until, &counts))
            })
            .collect();
        memories = handles.into_iter().map(|h| h.join().expect("worker")).collect();
        rounds.push((status("Threads:"), status("VmRSS:")));
    }
    let took = started.elapsed();
    eprintln!("threads at the end: {:?}", thread_names());
    let [(threads_before, rss_before), (threads_after, rss_after)] = [rounds[1], rounds[2]];
    let (good, faults) = (counts.good.load(Ordering::Relaxed), counts.faults.load(Ordering::Relaxed));
    eprintln!(
        "soak: {THREADS} threads for {took:?}: {good} good calls, {faults} faults injected; \
         after the second and the third round: RSS {rss_before} kB and {rss_after} kB, threads \
         {threads_before} and {threads_after}; guest memory of the host-call instances {memories:?}"
    );
    assert!(good > 1_000 && faults > 100, "{good} good calls, {faults} faults");
    // Tokio's blocking pool (wasmtime-wasi's output) may still hold a
    // thread per core that it started late in the last round and lets go
    // after 10 s idle; a thread kept per instance would add thousands.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    assert!(
        threads_after <= threads_before + cores,
        "threads leaked: {threads_before} -> {threads_after} ({:?})",
        thread_names()
    );
    for (before, after) in memories {
        assert!(after <= before + (1 << 16), "guest memory grew from {before} to {after}");
    }
    // Instances are made and dropped all the time; what they leave behind
    // must not grow with the number of calls.
    assert!(
        rss_after <= rss_before + 32 * 1024,
        "RSS grew from {rss_before} kB to {rss_after} kB"
    );
}
