//! Concurrency and load: a `Runtime` is shared by threads, a `Pool` hands
//! each thread an instance of its own, and a long run of calls on one
//! instance leaks no guest memory.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tinybind::guests::greeter::Greeter;
use tinybind::guests::hostile::Hostile;
use tinybind_runtime::{Error, Pool, Runtime};

#[test]
fn runtime_and_pool_are_shareable() {
    fn send_sync_clone<T: Send + Sync + Clone + 'static>() {}
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync_clone::<Runtime>();
    send_sync::<Pool<Greeter>>();
    send::<Greeter>();
    send::<Error>();
    send_sync::<Error>();

    // A clone is the same runtime: one engine, one cache of compiled guests.
    let rt = Runtime::new().unwrap();
    let clone = rt.clone();
    assert!(wasmtime::Engine::same(rt.engine(), clone.engine()));
    let mut a = Greeter::new(&rt).unwrap();
    let started = Instant::now();
    let mut b = Greeter::new(&clone).unwrap();
    eprintln!("second instance from a clone: {:?}", started.elapsed());
    assert_eq!(a.greet("a").unwrap(), "Hello, a!");
    assert_eq!(b.greet("b").unwrap(), "Hello, b!");
}

#[test]
fn eight_threads_share_a_pool_for_100k_string_calls() {
    const THREADS: usize = 8;
    const CALLS: usize = 12_500;
    let rt = Runtime::new().unwrap();
    let pool: Pool<Greeter> = Pool::new(&rt, THREADS);
    let started = Instant::now();
    let done = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let pool = &pool;
            let done = &done;
            s.spawn(move || {
                for i in 0..CALLS {
                    // One borrow per call, so the threads contend for the
                    // pool all the time.
                    let mut g = pool.get().expect("an instance");
                    let name = format!("thread {t} call {i} {}", "é".repeat(i % 17));
                    let got = g.greet(&name).expect("greet");
                    assert_eq!(got, format!("Hello, {name}!"));
                    done.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    let took = started.elapsed();
    let total = done.load(Ordering::Relaxed);
    assert_eq!(total, THREADS * CALLS);
    assert!(total >= 100_000);
    eprintln!(
        "pool: {total} string calls on {THREADS} threads in {took:?} ({:.0} calls/s)",
        total as f64 / took.as_secs_f64()
    );
}

#[test]
fn a_pool_drops_poisoned_instances() {
    const THREADS: usize = 4;
    const CALLS: usize = 2_000;
    // Captured: each trap's Go panic message would flood the test output.
    let rt = Runtime::builder().capture_output(4096).build().unwrap();
    let pool: Pool<Hostile> = Pool::new(&rt, THREADS);
    let traps = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let pool = &pool;
            let traps = &traps;
            s.spawn(move || {
                for i in 0..CALLS {
                    let mut g = pool.get().expect("an instance");
                    // A borrowed instance is never a poisoned one.
                    assert!(!g.instance().is_poisoned());
                    if i % 100 == 7 {
                        let err = g.boom(i as i32).expect_err("trap");
                        assert!(matches!(err, Error::Trap { .. }), "{err}");
                        traps.fetch_add(1, Ordering::Relaxed);
                    } else {
                        assert_eq!(g.good(&format!("{t}/{i}")).unwrap(), format!("ok {t}/{i}"));
                    }
                }
            });
        }
    });
    assert_eq!(traps.load(Ordering::Relaxed), THREADS * CALLS / 100);
}

#[test]
fn a_million_string_calls_leave_guest_memory_flat() {
    let rt = Runtime::new().unwrap();
    let mut g = Greeter::new(&rt).unwrap();
    let names: Vec<String> = (0..64)
        .map(|i| format!("{}{i}", "n".repeat(i * 3)))
        .collect();
    let call = |g: &mut Greeter, i: usize| {
        let name = &names[i % names.len()];
        let got = g.greet(name).expect("greet");
        assert_eq!(got.len(), name.len() + 8);
    };
    // Warm-up: the argument arena reaches its size and the Go heap its
    // working size.
    for i in 0..20_000 {
        call(&mut g, i);
    }
    let warm = g.instance().memory_size();
    let started = Instant::now();
    let mut peak = warm;
    for i in 0..1_000_000 {
        call(&mut g, i);
        if i % 10_000 == 0 {
            peak = peak.max(g.instance().memory_size());
        }
    }
    let took = started.elapsed();
    let after = g.instance().memory_size();
    eprintln!(
        "leak test: guest memory {warm} bytes after warm-up, {after} after 1,000,000 calls \
         (peak {peak}), in {took:?}"
    );
    assert_eq!(after, warm, "guest memory grew");
    assert_eq!(peak, warm, "guest memory grew");
    assert!(took < Duration::from_secs(60), "{took:?}");
}
