//! `Pool`: hot swap of the factory under load (`set_factory`), recycling by
//! memory and by uses, and the exact accounting of `stats()`. The plugins
//! are `tests/plugins/` (upper and lower, of the interface `guest-go/plug.go`),
//! the leaking guest is `guest-go/leaky.go`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tinybind::guests::hostile::Hostile;
use tinybind::guests::leaky::Leaky;
use tinybind::guests::plug::{Plug, PlugHost, PlugPre};
use tinybind::{Error, HostError, Pool, PoolStats, Runtime};

fn file(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Counts the lines the plugin logs.
#[derive(Default)]
struct Logged(u64);

impl PlugHost for Logged {
    fn log(&mut self, _message: &str) -> Result<(), HostError> {
        self.0 += 1;
        Ok(())
    }
}

fn factory(pre: PlugPre) -> impl Fn(&Runtime) -> Result<Plug<Logged>, Error> + Send + Sync + 'static {
    move |_| pre.instantiate_with_host(Logged::default())
}

/// Calls the plugin and checks its answer against its version (1 is upper,
/// 2 lower); gives the version.
fn call(p: &mut Plug<Logged>, line: &str, borrows: u64) -> Result<i32, Error> {
    let version = p.version()?;
    let want = match version {
        1 => line.to_uppercase(),
        2 => line.to_lowercase(),
        v => panic!("unknown plugin version {v}"),
    };
    assert_eq!(p.transform(line)?, want);
    // The host value lives as long as the pooled instance.
    assert_eq!(p.host().0, borrows, "one log line per borrow");
    Ok(version)
}

#[test]
fn the_factory_is_swapped_40_times_under_load_with_every_answer_right() -> Result<(), Error> {
    let rt = Runtime::new()?;
    let plugins = [
        PlugPre::load(&rt, std::fs::read(file("tests/plugins/upper.wasm")).expect("upper.wasm"))?,
        PlugPre::load_file(&rt, file("tests/plugins/lower.wasm"))?,
    ];
    let pool = Pool::with_factory(&rt, 4, factory(plugins[0].clone()));
    let stop = AtomicBool::new(false);
    let calls = AtomicU64::new(0);
    let seen = [AtomicU64::new(0), AtomicU64::new(0)];
    std::thread::scope(|s| -> Result<(), Error> {
        for t in 0..4 {
            let (pool, stop, calls, seen) = (&pool, &stop, &calls, &seen);
            s.spawn(move || {
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let mut p = pool.get().expect("an instance");
                    let uses = p.uses();
                    let version = call(&mut p, &format!("Thread {t}, Call {i}"), uses).expect("a call");
                    seen[version as usize - 1].fetch_add(1, Ordering::Relaxed);
                    calls.fetch_add(1, Ordering::Relaxed);
                    i += 1;
                }
            });
        }
        for swap in 1..=40 {
            let next = swap % 2;
            if swap % 10 == 0 {
                // A load that fails is never swapped in: the pool keeps the
                // module it had.
                let refused = PlugPre::load_file(&rt, file("guest-go/concat.wasm"));
                assert!(matches!(refused, Err(Error::Misfit { .. })), "{refused:?}");
                let mut p = pool.get()?;
                let uses = p.uses();
                let version = call(&mut p, "Still There?", uses)?;
                assert_eq!(version, 2 - next as i32, "swap {swap}: the old module stays");
            }
            pool.set_factory(factory(plugins[next].clone()));
            // From now on every borrow is of the new module.
            let mut p = pool.get()?;
            let uses = p.uses();
            assert_eq!(call(&mut p, "Swapped, Is It?", uses)?, next as i32 + 1, "swap {swap}");
            drop(p);
            std::thread::sleep(Duration::from_millis(5));
        }
        stop.store(true, Ordering::Relaxed);
        Ok(())
    })?;
    let stats = pool.stats();
    eprintln!("{} calls, {:?} per version, {stats:?}", calls.load(Ordering::Relaxed), seen);
    assert!(seen.iter().all(|n| n.load(Ordering::Relaxed) > 0), "both modules served calls");
    assert!(stats.dropped_stale > 0, "{stats:?}");
    assert_eq!((stats.dropped_poisoned, stats.recycled_for_memory, stats.recycled_for_uses), (0, 0, 0));
    // Nothing is borrowed now: every instance made is idle or was dropped.
    assert_eq!(stats.created, stats.idle + stats.dropped_stale + stats.dropped_surplus, "{stats:?}");
    Ok(())
}

#[test]
fn stats_count_reuse_recycling_by_uses_poisoning_and_surplus_exactly() -> Result<(), Error> {
    let rt = Runtime::builder().timeout(Some(Duration::from_millis(50))).build()?;
    let pool: Pool<Hostile> = Pool::new(&rt, 1).max_uses(3);
    for _ in 0..3 {
        assert_eq!(pool.get()?.good("a")?, "ok a");
    }
    // Made once, reused twice, dropped after its third use.
    let after_uses = PoolStats {
        created: 1,
        reused: 2,
        recycled_for_uses: 1,
        ..PoolStats::default()
    };
    assert_eq!(pool.stats(), after_uses);
    {
        let mut spinning = pool.get()?;
        assert!(matches!(spinning.spin(1), Err(Error::Timeout { .. })));
    }
    {
        let (mut a, mut b) = (pool.get()?, pool.get()?);
        assert_eq!((a.good("x")?, b.good("y")?), ("ok x".to_string(), "ok y".to_string()));
    }
    // The timed-out instance was dropped poisoned; of the two borrowed
    // together one stays idle (max_idle 1), the other is surplus.
    let expected = PoolStats {
        created: 4,
        dropped_poisoned: 1,
        dropped_surplus: 1,
        idle: 1,
        ..after_uses
    };
    assert_eq!(pool.stats(), expected);
    Ok(())
}

#[test]
fn an_instance_whose_memory_passed_max_memory_is_recycled() -> Result<(), Error> {
    const LIMIT: usize = 4 << 20;
    let rt = Runtime::new()?;
    let pool: Pool<Leaky> = Pool::new(&rt, 1).max_memory(LIMIT);
    let mut largest = 0;
    for _ in 0..400 {
        let mut g = pool.get()?;
        g.keep(64 << 10)?;
        largest = largest.max(g.instance().memory_size());
    }
    let stats = pool.stats();
    // 400 × 64 KiB is 25 MiB kept: each instance keeps what fits under the
    // limit, then is replaced by a fresh one.
    assert!(stats.recycled_for_memory >= 5, "{stats:?}");
    assert_eq!(stats.created, stats.recycled_for_memory + stats.idle, "{stats:?}");
    // TinyGo grows its heap by doubling it: an instance under the limit can
    // pass it by at most that much before it comes back.
    assert!(largest <= 2 * LIMIT, "an instance reached {largest} bytes");
    // Without the limit one instance keeps it all.
    let unlimited: Pool<Leaky> = Pool::new(&rt, 1);
    for _ in 0..400 {
        unlimited.get()?.keep(64 << 10)?;
    }
    let mut g = unlimited.get()?;
    assert_eq!(g.retained()?, 400 * (64 << 10));
    assert!(g.instance().memory_size() > 25 << 20);
    assert_eq!(unlimited.stats().created, 1);
    Ok(())
}
