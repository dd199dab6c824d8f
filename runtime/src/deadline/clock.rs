//! The deadline clock: a tick counter in a one-page shared memory that every
//! woven guest imports and reads, advanced by the runtime's ticker thread.

use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};

use wasmtime::{Engine, SharedMemory};

/// The runtime's tick counter: the first eight bytes of a one-page shared
/// memory that every woven guest imports as its clock.
#[derive(Clone)]
pub(crate) struct Clock {
    memory: SharedMemory,
    counter: NonNull<AtomicU64>,
}

// SAFETY: `counter` points into `memory`, which this value keeps alive and
// which never moves (one page, minimum = maximum); it is only accessed as an
// `AtomicU64`, from the host, and read by guest code with plain loads.
unsafe impl Send for Clock {}
unsafe impl Sync for Clock {}

impl Clock {
    pub(crate) fn new(engine: &Engine) -> Result<Clock, wasmtime::Error> {
        let memory = SharedMemory::new(engine, wasmtime::MemoryType::shared(1, 1))?;
        let data = memory.data();
        if data.len() < 8 {
            return Err(wasmtime::Error::msg("the clock memory is too small"));
        }
        // Linear memory is page-aligned, so this is aligned for `AtomicU64`;
        // `UnsafeCell` makes shared mutation through it allowed.
        let counter = NonNull::new(data.as_ptr() as *mut AtomicU64)
            .ok_or_else(|| wasmtime::Error::msg("the clock memory has no address"))?;
        Ok(Clock { memory, counter })
    }

    /// The memory to define as [`CLOCK_IMPORT`](super::CLOCK_IMPORT).
    pub(crate) fn memory(&self) -> &SharedMemory {
        &self.memory
    }

    /// Ticks so far.
    #[inline(always)]
    pub(crate) fn now(&self) -> u64 {
        // SAFETY: see the `Send`/`Sync` impls.
        unsafe { self.counter.as_ref() }.load(Ordering::Acquire)
    }

    /// Advances the clock by one tick.
    pub(crate) fn tick(&self) {
        // SAFETY: see the `Send`/`Sync` impls.
        unsafe { self.counter.as_ref() }.fetch_add(1, Ordering::Release);
    }
}
