//! Recycling holds the process's memory flat: a guest whose heap grows with
//! every call (`guest-go/leaky.go` keeps 1 KiB per call) is called 100,000
//! times through a pool with `max_memory`, and then through one without.
//! The first keeps the resident set (RSS) flat; the second grows by about
//! the 100 MB the guest kept. Its own binary, because it reads the
//! process's RSS.

use tinybind::guests::leaky::Leaky;
use tinybind::{Error, Pool, Runtime};

const CALLS: u64 = 100_000;
const BLOCK: i32 = 1024;
const MIB: u64 = 1 << 20;

/// The process's resident set in bytes.
fn rss() -> u64 {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}

/// RSS after a tenth of the calls and after all of them.
fn run(pool: &Pool<Leaky>) -> Result<(u64, u64), Error> {
    let mut warm = 0;
    for i in 1..=CALLS {
        pool.get()?.keep(BLOCK)?;
        if i == CALLS / 10 {
            warm = rss();
        }
    }
    Ok((warm, rss()))
}

#[test]
fn max_memory_holds_rss_flat_over_100000_calls_of_a_leaking_guest() -> Result<(), Error> {
    if rss() == 0 {
        eprintln!("SKIPPED: no /proc/self/status on this system");
        return Ok(());
    }
    let rt = Runtime::new()?;
    let recycled: Pool<Leaky> = Pool::new(&rt, 1).max_memory(8 << 20);
    let (warm, end) = run(&recycled)?;
    let stats = recycled.stats();
    eprintln!("with max_memory 8 MiB: RSS {} MiB after 10,000 calls, {} MiB after {CALLS}; {stats:?}", warm / MIB, end / MIB);
    assert!(stats.recycled_for_memory >= 10, "{stats:?}");
    assert!(end <= warm + 16 * MIB, "RSS grew from {warm} to {end} bytes with recycling");
    drop(recycled);

    let kept: Pool<Leaky> = Pool::new(&rt, 1);
    let (warm, end) = run(&kept)?;
    eprintln!("without: RSS {} MiB after 10,000 calls, {} MiB after {CALLS}; {:?}", warm / MIB, end / MIB, kept.stats());
    assert_eq!(kept.stats().created, 1);
    assert!(end >= warm + 64 * MIB, "RSS grew only from {warm} to {end} bytes without recycling");
    Ok(())
}
