//! Time slicing of async guests: a guest computing for long yields to the
//! async executor every [`YIELD_INTERVAL`], so that the other tasks of its
//! thread run, and resumes where it was.
//!
//! It is wasmtime's epoch interruption, on async runtimes only: the engine
//! checks the epoch at every function entry and loop header, a ticker
//! thread advances it every [`YIELD_INTERVAL`], and each async store yields
//! (`epoch_deadline_async_yield_and_update`) when the epoch has moved. The
//! woven deadline (see [`super`]) still decides when the guest is stopped:
//! a yield only pauses it, and the deadline's clock goes on meanwhile.
//! Sync runtimes compile no epoch checks and pay nothing.

use std::time::Duration;

use wasmtime::{Engine, Store};

/// How often a busy guest of an async runtime yields to the executor.
pub const YIELD_INTERVAL: Duration = Duration::from_millis(5);

/// Starts the thread that advances `engine`'s epoch every
/// [`YIELD_INTERVAL`], until the engine is dropped.
pub(crate) fn start_epoch_ticker(engine: &Engine) {
    let engine = engine.weak();
    let spawned = std::thread::Builder::new()
        .name("tinybind-yield".into())
        .spawn(move || loop {
            std::thread::sleep(YIELD_INTERVAL);
            match engine.upgrade() {
                Some(engine) => engine.increment_epoch(),
                None => return,
            }
        });
    // Without the thread a busy guest does not yield; it is still stopped
    // at its deadline.
    drop(spawned);
}

/// Makes a store of an async runtime yield at every epoch tick.
pub(crate) fn yield_at_each_tick<T>(store: &mut Store<T>) {
    store.epoch_deadline_async_yield_and_update(1);
}

/// Makes a store that runs guest code synchronously (the snapshot run of
/// pre-initialisation) never stop at an epoch tick.
pub(crate) fn never_yield<T>(store: &mut Store<T>) {
    store.set_epoch_deadline(u64::MAX / 2);
}
