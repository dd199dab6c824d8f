//! Requests per second with a fresh instance per request, as a server
//! operator would measure it: `--threads N` workers, each making requests
//! for `--seconds S`: a new instance, one `concatenate` of two 64-byte
//! strings (checked), drop. Prints one JSON line per configuration:
//! `{"peer", "config", "threads", "requests", "failures", "rps", "p50_ns", "p99_ns"}`.
//!
//!     throughput [--threads N] [--seconds S] [CONFIG...]
//!
//! Configurations: `tinybind` (default runtime), `tinybind_pooling`,
//! `tinybind_pooling_preinit`, `extism` (a new plugin per request from a
//! `CompiledPlugin`), `extism_pool` (extism's `Pool`, which hands out
//! reused plugins: not a fresh instance per request, shown for what its
//! docs offer), `component` and `component_pooling` (`InstancePre`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use tinybind_peers::component::{self, Setup};
use tinybind_peers::guests::concat::Concat;
use tinybind_peers::{extism_peer, guest, inputs};
use tinybind_runtime::Runtime;

const CONFIGS: [&str; 7] = [
    "tinybind",
    "tinybind_pooling",
    "tinybind_pooling_preinit",
    "extism",
    "extism_pool",
    "component",
    "component_pooling",
];

/// One request; `true` when its result was right.
type Request = Arc<dyn Fn(&str, &str, &str) -> bool + Send + Sync>;

fn request(config: &str, threads: usize) -> Request {
    match config {
        "tinybind" | "tinybind_pooling" | "tinybind_pooling_preinit" => {
            let mut b = Runtime::builder();
            if config != "tinybind" {
                b = b.pooling(u32::try_from(threads * 4).expect("threads").max(8));
            }
            if config == "tinybind_pooling_preinit" {
                b = b.preinitialize(true);
            }
            let rt = b.build().expect("runtime");
            drop(Concat::new(&rt).expect("compile"));
            Arc::new(move |a, b, ab| Concat::new(&rt).and_then(|mut g| g.concatenate(a, b)).is_ok_and(|s| s == ab))
        }
        "extism" => {
            let compiled = extism_peer::compiled(&guest("extism.wasm"), true);
            Arc::new(move |a, b, ab| {
                extism_peer::concatenate(&mut extism_peer::plugin(&compiled), a, b).is_ok_and(|s| s == ab)
            })
        }
        "extism_pool" => {
            let compiled = Arc::new(extism_peer::compiled(&guest("extism.wasm"), true));
            let pool = extism::PoolBuilder::new()
                .with_max_instances(threads)
                .build(move || extism::Plugin::new_from_compiled(&compiled));
            Arc::new(move |a, b, ab| {
                pool.with_plugin(Duration::from_secs(5), |p| extism_peer::concatenate(p, a, b))
                    .is_ok_and(|s| s.as_deref() == Some(ab))
            })
        }
        "component" | "component_pooling" => {
            let setup = if config == "component" { Setup::Default } else { Setup::Pooling };
            let peer = component::Peer::new(component::engine(setup), &guest("component.wasm"));
            Arc::new(move |a, b, ab| peer.instance().and_then(|mut i| i.concatenate(a, b)).is_ok_and(|s| s == ab))
        }
        other => panic!("unknown configuration {other} (one of {CONFIGS:?})"),
    }
}

fn main() {
    let mut threads = 2usize;
    let mut seconds = 5f64;
    let mut configs = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--threads" => threads = args.next().and_then(|v| v.parse().ok()).expect("--threads N"),
            "--seconds" => seconds = args.next().and_then(|v| v.parse().ok()).expect("--seconds S"),
            _ => configs.push(a),
        }
    }
    if configs.is_empty() {
        configs = CONFIGS.iter().map(|c| c.to_string()).collect();
    }
    let (a, b, ab) = inputs(64);
    for config in &configs {
        let req = request(config, threads);
        assert!(req(&a, &b, &ab), "{config}: the first request failed");
        let start = Instant::now();
        let stop = start + Duration::from_secs_f64(seconds);
        let tallies: Vec<(Vec<u64>, u64)> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    let req = req.clone();
                    let (a, b, ab) = (&a, &b, &ab);
                    s.spawn(move || {
                        let mut lat = Vec::with_capacity(1 << 20);
                        let mut failures = 0u64;
                        loop {
                            let t0 = Instant::now();
                            if t0 >= stop {
                                return (lat, failures);
                            }
                            if !req(a, b, ab) {
                                failures += 1;
                            }
                            lat.push(t0.elapsed().as_nanos() as u64);
                        }
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().expect("worker")).collect()
        });
        let elapsed = start.elapsed().as_secs_f64();
        let failures: u64 = tallies.iter().map(|t| t.1).sum();
        let mut all: Vec<u64> = tallies.into_iter().flat_map(|t| t.0).collect();
        all.sort_unstable();
        let pct = |p: f64| all.get(((p * all.len() as f64) as usize).min(all.len().saturating_sub(1))).copied();
        let peer = config.split('_').next().unwrap_or(config);
        println!(
            "{}",
            serde_json::json!({
                "peer": peer, "config": config, "threads": threads, "requests": all.len(), "failures": failures,
                "seconds": elapsed, "rps": all.len() as f64 / elapsed, "p50_ns": pct(0.5), "p99_ns": pct(0.99),
            })
        );
    }
}
