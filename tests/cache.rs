//! `RuntimeBuilder::compilation_cache(true)`: compiled guests (deadline
//! checks included) are kept on disk and loaded by later runtimes; a broken
//! entry is compiled again and replaced. Its own test binary, because it
//! points `TINYBIND_CACHE_DIR` at a temporary directory.

use std::time::Duration;

use tinybind::guests::concat::Concat;
use tinybind::guests::hostile::Hostile;
use tinybind::{Error, Runtime};

fn entries(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn compiled_guests_are_kept_loaded_and_replaced_when_broken() {
    let dir = std::env::temp_dir().join(format!("tinybind-cache-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // SAFETY: the only test in this binary, set before any thread reads it.
    unsafe { std::env::set_var("TINYBIND_CACHE_DIR", &dir) };
    let cached = |timeout| {
        Runtime::builder()
            .compilation_cache(true)
            .timeout(timeout)
            .build()
            .unwrap()
    };

    // First runtime: compiles and keeps the guest.
    let rt = cached(Some(Duration::from_secs(10)));
    assert_eq!(Concat::new(&rt).unwrap().concatenate("a", "b").unwrap(), "ab");
    let kept = entries(&dir);
    assert_eq!(kept.len(), 1, "{kept:?}");
    let first = std::fs::read(&kept[0]).unwrap();

    // A later runtime loads it: same answers, no new entry.
    let rt = cached(Some(Duration::from_secs(10)));
    assert_eq!(Concat::new(&rt).unwrap().add(2, 3).unwrap(), 5);
    assert_eq!(entries(&dir), kept);

    // Without deadlines the guest is not rewritten: another entry.
    let rt = cached(None);
    assert_eq!(Concat::new(&rt).unwrap().add(2, 3).unwrap(), 5);
    assert_eq!(entries(&dir).len(), 2);

    // A broken entry is compiled again and replaced.
    std::fs::write(&kept[0], b"not a compiled module").unwrap();
    let rt = cached(Some(Duration::from_secs(10)));
    assert_eq!(Concat::new(&rt).unwrap().concatenate("c", "d").unwrap(), "cd");
    assert_eq!(std::fs::read(&kept[0]).unwrap(), first);

    // The deadline checks come back from the cache too.
    let rt = cached(Some(Duration::from_millis(200)));
    drop(Hostile::new(&rt).unwrap());
    let rt = cached(Some(Duration::from_millis(200)));
    let err = Hostile::new(&rt).unwrap().spin(1).expect_err("deadline");
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");

    let _ = std::fs::remove_dir_all(&dir);
}
