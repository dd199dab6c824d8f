//! What Go file:line in traps costs, and where (`cargo bench --bench traps`).
//! The `hostile` guest (TinyGo 0.41.1, with DWARF) against the same module
//! without its DWARF (`tinybind_bench_guests::without_dwarf`), both loaded
//! at run time, on `.pooling(16).preinitialize(true)`, a fresh instance per
//! request:
//!
//! - `traps/ok/{dwarf,no_dwarf}`: new instance, one successful call
//!   (`good("x")`), drop: the success path, which the line tables must not
//!   touch;
//! - `traps/boom/{dwarf,no_dwarf}`: new instance, a Go panic (`boom(3)`),
//!   drop: a trap with its frames, the guest's line table already read;
//! - `traps/first/dwarf`: the first trap of a freshly compiled guest, which
//!   reads the DWARF and re-weaves for the offsets (compiling not timed).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use tinybind::guests::hostile::HostilePre;
use tinybind::Runtime;

const HOSTILE: &[u8] = include_bytes!("../guest-go/hostile.wasm");

fn traps(c: &mut Criterion) {
    let rt = Runtime::builder().pooling(16).preinitialize(true).build().expect("runtime");
    let dwarf = HostilePre::load(&rt, HOSTILE.to_vec()).expect("hostile");
    let bare = HostilePre::load(&rt, tinybind_bench_guests::without_dwarf(HOSTILE)).expect("hostile");
    for (name, pre) in [("dwarf", &dwarf), ("no_dwarf", &bare)] {
        let mut g = c.benchmark_group("traps/ok");
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut h = pre.instantiate().expect("instance");
                black_box(h.good(black_box("x")).expect("call"))
            })
        });
        g.finish();
        let mut g = c.benchmark_group("traps/boom");
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut h = pre.instantiate().expect("instance");
                black_box(h.boom(black_box(3)).expect_err("panics"))
            })
        });
        g.finish();
    }
    let mut g = c.benchmark_group("traps/first");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("dwarf", |b| {
        b.iter_batched(
            || {
                let pre = HostilePre::load(&rt, HOSTILE.to_vec()).expect("hostile");
                let h = pre.instantiate().expect("instance");
                (pre, h)
            },
            |(pre, mut h)| black_box((h.boom(3).expect_err("panics"), pre)),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, traps);
criterion_main!(benches);
