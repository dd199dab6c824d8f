//! The async API (issue 22): `Runtime::builder().async_support(true)`,
//! `<Guest>Async` with `async fn` exports, `<Guest>AsyncHost` with async
//! host functions, busy guests that yield, and the refusal of the API of
//! the other mode. Guests are TinyGo's: `hostcalls`, `hostile`, `wasicalls`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tinybind::guests::hostcalls::{Hostcalls, HostcallsAsync, HostcallsAsyncHost, HostcallsHost};
use tinybind::guests::hostile::{Hostile, HostileAsync};
use tinybind::guests::wasicalls::WasicallsAsync;
use tinybind::{Error, HostError, Runtime};

fn async_runtime() -> Runtime {
    Runtime::builder().async_support(true).build().expect("async runtime")
}

fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("tokio runtime")
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("tokio runtime")
}

/// A store whose lookups await a timer, as a database or cache would, and
/// count how many are waiting at once.
#[derive(Default)]
struct Store {
    delay: Duration,
    waiting: Arc<AtomicUsize>,
    most_waiting: Arc<AtomicUsize>,
    logged: Vec<String>,
}

impl HostcallsAsyncHost for Store {
    async fn log(&mut self, message: &str) -> Result<(), HostError> {
        self.logged.push(message.to_string());
        Ok(())
    }

    async fn lookup(&mut self, key: &str) -> Result<String, HostError> {
        let now = self.waiting.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_waiting.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(self.delay).await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        Ok(format!("v:{key}"))
    }

    async fn pair(&mut self, n: i32) -> Result<(String, i32), HostError> {
        tokio::task::yield_now().await;
        Ok(("p".repeat(n as usize), n * 2))
    }

    async fn add_i64(&mut self, a: i64, b: i64) -> Result<i64, HostError> {
        Ok(a + b)
    }

    async fn check(&mut self, code: i32) -> Result<i32, HostError> {
        match code {
            0 => Err(HostError::new("the store is down")),
            1 => panic!("the store panicked"),
            c => Ok(c),
        }
    }
}

#[test]
fn exports_and_host_functions_are_awaited() {
    let rt = async_runtime();
    multi_thread().block_on(async {
        let store = Store {
            delay: Duration::from_millis(1),
            ..Store::default()
        };
        let mut g = HostcallsAsync::with_host(&rt, store).await.expect("instantiate");
        assert_eq!(g.greet("Ada").await.unwrap(), "Hello, Ada!");
        assert_eq!(g.host().logged, ["greeting Ada"]);
        assert_eq!(g.describe("k").await.unwrap(), "k=v:k");
        assert_eq!(g.pair_of(3).await.unwrap(), "ppp:6");
        assert_eq!(g.sum64(2, 40).await.unwrap(), 42);
        assert_eq!(g.checked(7).await.unwrap(), 8);
        // 300 awaited strings, with the guest's GC running between them:
        // every one intact (lookup_many re-checks its last 16).
        assert_eq!(g.lookup_many("k", 300).await.unwrap(), 300);

        // A failing or panicking async host function stops the guest with
        // a typed error naming the import; reset makes it usable again.
        let err = g.checked(0).await.unwrap_err();
        assert!(
            matches!(&err, Error::Host { import, reason, .. } if import == "env.check" && reason.contains("down")),
            "{err:?}"
        );
        assert!(matches!(g.checked(7).await, Err(Error::Poisoned { .. })));
        g.reset().await.unwrap();
        let err = g.checked(1).await.unwrap_err();
        assert!(
            matches!(&err, Error::Host { reason, .. } if reason.contains("panicked: the store panicked")),
            "{err:?}"
        );
        g.reset().await.unwrap();
        // An import the host leaves unimplemented fails as in the sync API.
        let err = g.scaled(1.5).await.unwrap_err();
        assert!(matches!(&err, Error::Host { import, .. } if import == "env.scale"), "{err:?}");
        // The host value survived every reset.
        assert_eq!(g.host().logged, ["greeting Ada"]);
    });
}

#[test]
fn five_hundred_guests_await_their_host_at_once() {
    let rt = async_runtime();
    let waiting = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let before = memory_of_process();
    let at_peak = Arc::new(std::sync::Mutex::new(None));
    let started = Instant::now();
    multi_thread().block_on(async {
        // Memory while (nearly) every guest is suspended in its host call.
        let monitor = {
            let (waiting, at_peak) = (waiting.clone(), at_peak.clone());
            tokio::spawn(async move {
                loop {
                    if waiting.load(Ordering::SeqCst) >= 450 {
                        *at_peak.lock().unwrap() = memory_of_process();
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            })
        };
        let tasks: Vec<_> = (0..500)
            .map(|i| {
                let rt = rt.clone();
                let store = Store {
                    delay: Duration::from_millis(50),
                    waiting: waiting.clone(),
                    most_waiting: most.clone(),
                    logged: Vec::new(),
                };
                // The futures are `Send`: each is a task of its own.
                tokio::spawn(async move {
                    let mut g = HostcallsAsync::with_host(&rt, store).await?;
                    g.describe(&format!("k{i}")).await
                })
            })
            .collect();
        for (i, t) in tasks.into_iter().enumerate() {
            assert_eq!(t.await.expect("task").expect("call"), format!("k{i}=v:k{i}"));
        }
        monitor.abort();
    });
    if let (Some((rss0, vm0)), Some((rss1, vm1))) = (before, *at_peak.lock().unwrap()) {
        eprintln!(
            "with 450+ guests suspended in a host call: resident memory +{} MiB, address space +{} MiB (whole process, instances included)",
            (rss1 - rss0) / 1024,
            (vm1 - vm0) / 1024
        );
    }
    // Serially this takes 500 × 50 ms = 25 s; the lookups overlap instead.
    let most = most.load(Ordering::SeqCst);
    eprintln!("500 guests, each awaiting a 50 ms lookup: {:?}, at most {most} waiting at once", started.elapsed());
    assert!(most >= 100, "only {most} lookups waited at once");
}

/// The process's resident memory and address space, in KiB (Linux).
fn memory_of_process() -> Option<(i64, i64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<i64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    Some((field("VmRSS:")?, field("VmSize:")?))
}

#[test]
fn a_busy_guest_yields_to_the_executor_and_still_meets_its_deadline() {
    let rt = Runtime::builder()
        .async_support(true)
        .timeout(Some(Duration::from_secs(1)))
        .build()
        .expect("runtime");
    current_thread().block_on(async {
        let mut g = HostileAsync::new(&rt).await.expect("instantiate");
        let ticks = Arc::new(AtomicUsize::new(0));
        let worst = Arc::new(std::sync::Mutex::new(Duration::ZERO));
        let ticker = {
            let (ticks, worst) = (ticks.clone(), worst.clone());
            tokio::spawn(async move {
                let mut last = Instant::now();
                loop {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    let now = Instant::now();
                    let mut w = worst.lock().unwrap();
                    *w = (*w).max(now - last);
                    last = now;
                    ticks.fetch_add(1, Ordering::SeqCst);
                }
            })
        };
        let started = Instant::now();
        let err = g.spin(1).await.expect_err("spin never returns");
        let spun = started.elapsed();
        ticker.abort();
        assert!(matches!(&err, Error::Timeout { export, .. } if export == "spin"), "{err:?}");
        let (ticks, worst) = (ticks.load(Ordering::SeqCst), *worst.lock().unwrap());
        eprintln!(
            "a 1 s spin on a current-thread runtime: {spun:?}; the ticker ran {ticks} times, worst stall {worst:?}"
        );
        // On this one thread the ticker runs only when the guest yields:
        // without yields it would not have run once in that second.
        assert!(ticks >= 20, "the ticker ran {ticks} times while the guest spun");
    });
}

#[test]
fn the_api_of_the_other_mode_is_refused_with_a_typed_error() {
    let sync_rt = Runtime::new().unwrap();
    let async_rt = async_runtime();
    let err = Hostile::new(&async_rt).err().expect("the sync API on an async runtime");
    assert!(
        matches!(
            err,
            Error::WrongMode {
                runtime_async: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("Async"), "{err}");
    current_thread().block_on(async {
        let err = HostileAsync::new(&sync_rt)
            .await
            .err()
            .expect("the async API on a sync runtime");
        assert!(
            matches!(
                err,
                Error::WrongMode {
                    runtime_async: false,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("async_support(true)"), "{err}");
    });
    // A fiber stack too small for the wasm stack is refused when built.
    let err = Runtime::builder()
        .async_support(true)
        .async_stack_size(64 << 10)
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Engine(_)), "{err:?}");
    // A smaller stack than the default, still above the wasm stack, works.
    let small = Runtime::builder()
        .async_support(true)
        .async_stack_size(1 << 20)
        .build()
        .unwrap();
    current_thread().block_on(async {
        let mut g = HostileAsync::new(&small).await.unwrap();
        assert_eq!(g.divide(9, 3).await.unwrap(), 3);
    });
    // The tracer answers imports synchronously: not on an async runtime.
    let tracer = tinybind_runtime::ImportTracer::new(|_| {});
    let err = Runtime::builder()
        .async_support(true)
        .trace_imports(tracer)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("async_support"), "{err}");
}

/// A sync host, used as it is by the async bindings.
struct Plain;

impl HostcallsHost for Plain {
    fn lookup(&mut self, key: &str) -> Result<String, HostError> {
        Ok(key.to_uppercase())
    }
}

#[test]
fn a_sync_host_serves_the_async_bindings() {
    let rt = async_runtime();
    current_thread().block_on(async {
        let mut g = HostcallsAsync::with_host(&rt, Plain).await.unwrap();
        assert_eq!(g.describe("abc").await.unwrap(), "abc=ABC");
    });
    // And the same host serves the sync bindings of a sync runtime.
    let mut g = Hostcalls::with_host(&Runtime::new().unwrap(), Plain).unwrap();
    assert_eq!(g.describe("abc").unwrap(), "abc=ABC");
}

#[test]
fn a_cancelled_call_poisons_the_instance_until_reset() {
    let rt = async_runtime();
    multi_thread().block_on(async {
        let store = Store {
            delay: Duration::from_secs(10),
            ..Store::default()
        };
        let mut g = HostcallsAsync::with_host(&rt, store).await.unwrap();
        let cancelled = tokio::time::timeout(Duration::from_millis(50), g.describe("k")).await;
        assert!(cancelled.is_err(), "the call should still be waiting");
        assert!(matches!(g.describe("k").await, Err(Error::Poisoned { .. })));
        g.reset().await.unwrap();
        g.host_mut().delay = Duration::ZERO;
        assert_eq!(g.describe("k").await.unwrap(), "k=v:k");
    });
}

#[test]
fn every_wasi_path_works_from_async_code() {
    let dir = tempfile::Builder::new().prefix("tinybind-async-").tempdir().unwrap();
    std::fs::write(dir.path().join("note.txt"), "a note from the host").unwrap();
    let rt = Runtime::builder()
        .async_support(true)
        .capture_output(4096)
        .dir(dir.path(), "/data", true)
        .build()
        .unwrap();
    for tokio_rt in [current_thread(), multi_thread()] {
        tokio_rt.block_on(async {
            let mut g = WasicallsAsync::new(&rt).await.expect("instantiate");
            assert_eq!(g.say("out\n").await.unwrap(), 4);
            assert_eq!(g.complain("err\n").await.unwrap(), 4);
            assert_eq!(g.instance().stdout().unwrap(), b"out\n");
            assert_eq!(g.instance().stderr().unwrap(), b"err\n");
            assert!(g.now().await.unwrap() > 0);
            assert_ne!(g.random().await.unwrap(), g.random().await.unwrap());
            assert_eq!(g.read_file("/data/note.txt").await.unwrap(), "a note from the host");
            let err = g.quit(7).await.unwrap_err();
            assert!(matches!(err, Error::Exit { code: 7, .. }), "{err:?}");
        });
    }
}

#[test]
fn async_guests_are_pooled_and_borrowed_per_task() {
    let rt = async_runtime();
    let pool = Arc::new(tinybind::Pool::<HostcallsAsync<Store>>::with_async_factory(&rt, 8, |rt| async move {
        let store = Store {
            delay: Duration::from_millis(5),
            ..Store::default()
        };
        HostcallsAsync::with_host(&rt, store).await
    }));
    multi_thread().block_on(async {
        let tasks: Vec<_> = (0..64)
            .map(|i| {
                let pool = pool.clone();
                tokio::spawn(async move {
                    let mut g = pool.get_async().await?;
                    g.describe(&format!("k{i}")).await
                })
            })
            .collect();
        for (i, t) in tasks.into_iter().enumerate() {
            assert_eq!(t.await.expect("task").expect("call"), format!("k{i}=v:k{i}"));
        }
    });
    let stats = pool.stats();
    assert_eq!(stats.created + stats.reused, 64, "{stats:?}");
    assert!(stats.idle <= 8, "{stats:?}");
    // The sync borrow of an async pool is refused, not served.
    assert!(matches!(pool.get().err(), Some(Error::WrongMode { .. })));
    // `Pool::new_async` uses the host's `Default`, and the pool reuses.
    let pool = tinybind::Pool::<HostileAsync>::new_async(&rt, 2);
    current_thread().block_on(async {
        for _ in 0..3 {
            let mut g = pool.get_async().await.unwrap();
            assert_eq!(g.divide(7, 2).await.unwrap(), 3);
        }
    });
    assert_eq!((pool.stats().created, pool.stats().reused), (1, 2));
}

#[test]
fn every_limit_applies_to_async_guests() {
    // Pooling and pre-initialisation.
    let rt = Runtime::builder()
        .async_support(true)
        .pooling(8)
        .preinitialize(true)
        .build()
        .unwrap();
    current_thread().block_on(async {
        let mut g = HostcallsAsync::with_host(&rt, Store::default()).await.unwrap();
        assert!(g.instance().preinitialized(), "{:?}", rt.preinit_status(&tinybind::guests::hostcalls::MODULE));
        assert_eq!(g.pair_of(2).await.unwrap(), "pp:4");
    });
    // Fuel.
    let rt = Runtime::builder()
        .async_support(true)
        .fuel(Some(5_000_000))
        .build()
        .unwrap();
    current_thread().block_on(async {
        let mut g = HostileAsync::new(&rt).await.unwrap();
        let err = g.spin(1).await.unwrap_err();
        assert!(matches!(&err, Error::OutOfFuel { export, .. } if export == "spin"), "{err:?}");
    });
    // The memory cap: growth past it fails inside the guest, a trap.
    let cap = 32 << 20;
    let rt = Runtime::builder()
        .async_support(true)
        .memory_limit(cap)
        .build()
        .unwrap();
    current_thread().block_on(async {
        let mut g = HostileAsync::new(&rt).await.unwrap();
        let err = g.hog().await.unwrap_err();
        assert!(matches!(err, Error::Trap { .. }), "{err:?}");
        assert!(g.instance().memory_size() <= cap);
        g.reset().await.unwrap();
        assert_eq!(g.divide(8, 2).await.unwrap(), 4);
    });
}

/// The host of the hand-written `badhost` guest, sync (served to the async
/// bindings by the blanket impl).
#[derive(Default)]
struct Bad {
    logs: Vec<String>,
}

impl tinybind::guests::badhost::BadhostHost for Bad {
    fn log(&mut self, message: &str) -> Result<(), HostError> {
        self.logs.push(message.to_string());
        Ok(())
    }

    fn lookup(&mut self, key: &str) -> Result<String, HostError> {
        Ok(format!("value of {key}"))
    }

    fn fill(&mut self, memory: &mut tinybind::GuestMemory<'_>, out: i32) -> Result<(), HostError> {
        let ptr = memory.alloc_bytes(b"filled by the host")?;
        memory.write_u32(out as u32, ptr)?;
        Ok(())
    }
}

#[test]
fn bad_guest_arguments_come_back_as_typed_errors_through_the_async_api() {
    use tinybind::guests::badhost::BadhostAsync;
    let rt = async_runtime();
    current_thread().block_on(async {
        let mut g = BadhostAsync::with_host(&rt, Bad::default()).await.unwrap();
        assert_eq!(g.lookup_len().await.unwrap(), "value of key".len() as i32);
        // Re-entered from the guest's malloc while the result is placed.
        g.lookup_reentrant().await.unwrap();
        assert_eq!(g.host_mut().logs.drain(..).collect::<Vec<_>>(), vec!["key"]);
        let cases: [(&str, &str); 4] = [
            ("log_out_of_bounds", "outside its memory"),
            ("log_not_utf8", "not UTF-8"),
            ("lookup_bad_retptr", "result area of 8 bytes at 0xfffc"),
            // A raw async method cannot allocate in the guest: a typed
            // error, not a panic.
            ("fill_len", "a raw host method of an async runtime cannot call the guest's `malloc`"),
        ];
        for (export, says) in cases {
            g.reset().await.unwrap();
            let err = match export {
                "log_out_of_bounds" => g.log_out_of_bounds().await.unwrap_err(),
                "log_not_utf8" => g.log_not_utf8().await.unwrap_err(),
                "lookup_bad_retptr" => g.lookup_bad_retptr().await.unwrap_err(),
                _ => g.fill_len().await.unwrap_err(),
            };
            let text = err.to_string();
            assert!(matches!(err, Error::Host { .. }), "{export}: {err:?}");
            assert!(text.contains(says) && text.contains(&format!("`{export}`")), "{export}: {text}");
        }
        assert!(g.host().logs.is_empty(), "no bad call reached the host method");
    });
}
