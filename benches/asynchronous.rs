//! The async API against the sync one, on the same guest (`hostcalls`), per
//! call (criterion's throughput: `CALLS` calls per iteration):
//!
//! - `async/export_divide`: the scalar export `divide(a, b)` of the
//!   `hostile` guest (no host call), called `CALLS` times: `sync` on
//!   `Runtime::new()`, `async` awaited on a runtime built with
//!   `async_support(true)`, all inside one `block_on` of a current-thread
//!   tokio runtime (so the figure is the call, not tokio's start-up);
//! - `async/export_describe`: `describe(key)`, a string in, a host call
//!   (`lookup`, whose string result the host places in guest memory), a
//!   string out; `async_pooled` on a runtime with `pooling(4)`;
//! - `async/host_log`: one call of `log_many(msg, CALLS)`, whose guest calls
//!   the string import `env.log` `CALLS` times: per host call, a
//!   `HostcallsHost` against a `HostcallsAsyncHost` whose `async fn log`
//!   does not wait.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tinybind::guests::hostcalls::{Hostcalls, HostcallsAsync, HostcallsAsyncHost, HostcallsHost};
use tinybind::guests::hostile::{Hostile, HostileAsync};
use tinybind::{HostError, Runtime};

const CALLS: i32 = 1000;
const MESSAGE: &str = "a log line of forty-two bytes, give or ta";

#[derive(Default)]
struct Sync {
    bytes: usize,
}

impl HostcallsHost for Sync {
    fn log(&mut self, message: &str) -> Result<(), HostError> {
        self.bytes += message.len();
        Ok(())
    }

    fn lookup(&mut self, key: &str) -> Result<String, HostError> {
        Ok(format!("v:{key}"))
    }
}

#[derive(Default)]
struct Async {
    bytes: usize,
}

impl HostcallsAsyncHost for Async {
    async fn log(&mut self, message: &str) -> Result<(), HostError> {
        self.bytes += message.len();
        Ok(())
    }

    async fn lookup(&mut self, key: &str) -> Result<String, HostError> {
        Ok(format!("v:{key}"))
    }
}

fn async_calls(c: &mut Criterion) {
    let sync_rt = Runtime::new().expect("runtime");
    let async_rt = Runtime::builder().async_support(true).build().expect("async runtime");
    let tokio_rt = tokio::runtime::Builder::new_current_thread().build().expect("tokio");
    let mut sync_guest = Hostcalls::with_host(&sync_rt, Sync::default()).expect("instantiate");
    let mut async_guest = tokio_rt
        .block_on(HostcallsAsync::with_host(&async_rt, Async::default()))
        .expect("instantiate");

    let mut sync_plain = Hostile::new(&sync_rt).expect("instantiate");
    let mut async_plain = tokio_rt.block_on(HostileAsync::new(&async_rt)).expect("instantiate");
    let mut g = c.benchmark_group("async/export_divide");
    g.throughput(Throughput::Elements(CALLS as u64));
    g.bench_function("sync", |b| {
        b.iter(|| {
            for i in 0..CALLS {
                black_box(sync_plain.divide(black_box(i), 3).expect("call"));
            }
        })
    });
    g.bench_function("async", |b| {
        b.iter(|| {
            tokio_rt.block_on(async {
                for i in 0..CALLS {
                    black_box(async_plain.divide(black_box(i), 3).await.expect("call"));
                }
            })
        })
    });
    g.finish();

    let mut g = c.benchmark_group("async/export_describe");
    g.throughput(Throughput::Elements(CALLS as u64));
    g.bench_function("sync", |b| {
        b.iter(|| {
            for _ in 0..CALLS {
                black_box(sync_guest.describe(black_box("key")).expect("call"));
            }
        })
    });
    g.bench_function("async", |b| {
        b.iter(|| {
            tokio_rt.block_on(async {
                for _ in 0..CALLS {
                    black_box(async_guest.describe(black_box("key")).await.expect("call"));
                }
            })
        })
    });
    // The host's `malloc` and `free` from inside the async host function
    // each run on a fiber of their own; with pooling, its stack comes from
    // the pool instead of a new mapping.
    let pooled_rt = Runtime::builder()
        .async_support(true)
        .pooling(4)
        .build()
        .expect("async runtime");
    let mut pooled_guest = tokio_rt
        .block_on(HostcallsAsync::with_host(&pooled_rt, Async::default()))
        .expect("instantiate");
    g.bench_function("async_pooled", |b| {
        b.iter(|| {
            tokio_rt.block_on(async {
                for _ in 0..CALLS {
                    black_box(pooled_guest.describe(black_box("key")).await.expect("call"));
                }
            })
        })
    });
    g.finish();

    let mut g = c.benchmark_group("async/host_log");
    g.throughput(Throughput::Elements(CALLS as u64));
    g.bench_function("sync", |b| b.iter(|| sync_guest.log_many(black_box(MESSAGE), black_box(CALLS)).expect("call")));
    g.bench_function("async", |b| {
        b.iter(|| {
            tokio_rt
                .block_on(async_guest.log_many(black_box(MESSAGE), black_box(CALLS)))
                .expect("call")
        })
    });
    g.finish();
    assert!(sync_guest.host().bytes > 0 && async_guest.host().bytes > 0);
}

criterion_group! {
    name = benches;
    config = criterion::Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(800))
        .measurement_time(std::time::Duration::from_secs(3))
        .sample_size(30);
    targets = async_calls
}
criterion_main!(benches);
