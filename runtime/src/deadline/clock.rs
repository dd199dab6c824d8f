//! The deadline clock: the runtime's tick counter, advanced by its ticker
//! thread, which the woven checks read (see [`super`] for where).
//!
//! - [`ClockMemory::Imported`]: the counter is the first eight bytes of a
//!   one-page shared memory that every instance imports.
//! - [`ClockMemory::Own`]: each instance has a clock memory of its own, so
//!   that wasmtime can give its memory a copy-on-write image; a tick then
//!   writes one word per live instance. An instance registers its clock
//!   when it is created and the [`Registration`] takes it off the list when
//!   dropped, before the memory goes.

use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use std::sync::Weak;
use std::time::Duration;

use wasmtime::{AsContextMut, Engine, Instance, SharedMemory};

/// How often the deadline clock ticks.
pub(crate) const TICK: Duration = Duration::from_millis(10);

/// The module and name of the imported clock ([`ClockMemory::Imported`]).
pub(crate) const CLOCK_IMPORT: (&str, &str) = ("tinybind", "clock");
/// The export of a module's own clock ([`ClockMemory::Own`]).
pub(crate) const CLOCK_EXPORT: &str = "tinybind:clock";
/// Where the woven checks find the clock (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ClockMemory {
    /// One shared memory for all instances, imported as [`CLOCK_IMPORT`].
    Imported,
    /// A memory of each instance's own, exported as [`CLOCK_EXPORT`].
    Own,
}

impl ClockMemory {
    /// The memories an instance of a woven guest has besides the guest's.
    pub(crate) fn added_memories(self) -> u32 {
        match self {
            ClockMemory::Imported => 0,
            ClockMemory::Own => 1,
        }
    }
}

/// The runtime's tick counter and the clocks of its live instances.
#[derive(Clone)]
pub(crate) struct Clock {
    shared: Arc<Shared>,
}

struct Shared {
    /// The imported clock ([`ClockMemory::Imported`] only).
    memory: Option<SharedMemory>,
    /// The count: in `memory`, or in `_own`.
    now: Counter,
    /// Where `now` points for [`ClockMemory::Own`]; read through it.
    _own: Box<AtomicU64>,
    clocks: Mutex<Clocks>,
}

// SAFETY: `now` points into `memory` or `_own`, which this value keeps
// alive and which never move (a one-page memory, minimum = maximum, and a
// box); it is only accessed as an `AtomicU64`.
unsafe impl Sync for Shared {}

/// The live instances' clocks, by slot; freed slots are reused.
#[derive(Default)]
struct Clocks {
    slots: Vec<Option<Counter>>,
    free: Vec<usize>,
}

/// The first eight bytes of an instance's clock memory.
#[derive(Clone, Copy)]
struct Counter(NonNull<AtomicU64>);

// SAFETY: a registered `Counter` is only dereferenced while its
// registration is on the list, and `Clock::register`'s caller guarantees
// the memory outlives that; the runtime's own is kept by `Shared`.
unsafe impl Send for Counter {}

impl Counter {
    fn set(self, ticks: u64) {
        // SAFETY: see `Send`; the memory is page-aligned, so aligned for an
        // `AtomicU64`, and the guest only reads it (with plain loads).
        unsafe { self.0.as_ref() }.store(ticks, Ordering::Release);
    }

    #[inline(always)]
    fn get(self) -> u64 {
        // SAFETY: as in `set`.
        unsafe { self.0.as_ref() }.load(Ordering::Acquire)
    }

    fn advance(self) -> u64 {
        // SAFETY: as in `set`.
        unsafe { self.0.as_ref() }.fetch_add(1, Ordering::AcqRel) + 1
    }
}

impl Clock {
    /// A clock at tick 0 for guests woven with `memory`.
    pub(crate) fn new(engine: &Engine, memory: ClockMemory) -> Result<Clock, wasmtime::Error> {
        let own = Box::new(AtomicU64::new(0));
        let (memory, now) = match memory {
            ClockMemory::Imported => {
                let memory = SharedMemory::new(engine, wasmtime::MemoryType::shared(1, 1))?;
                let data = memory.data();
                if data.len() < 8 {
                    return Err(wasmtime::Error::msg("the clock memory is too small"));
                }
                // Linear memory is page-aligned, so this is aligned for
                // `AtomicU64`; `UnsafeCell` makes shared mutation through
                // it allowed.
                let now = NonNull::new(data.as_ptr() as *mut AtomicU64)
                    .ok_or_else(|| wasmtime::Error::msg("the clock memory has no address"))?;
                (Some(memory), Counter(now))
            }
            ClockMemory::Own => (None, Counter(NonNull::from(&*own))),
        };
        let shared = Shared {
            memory,
            now,
            _own: own,
            clocks: Mutex::default(),
        };
        Ok(Clock {
            shared: Arc::new(shared),
        })
    }

    /// Where the guests of this clock read it.
    pub(crate) fn memory(&self) -> ClockMemory {
        match self.shared.memory {
            Some(_) => ClockMemory::Imported,
            None => ClockMemory::Own,
        }
    }

    /// The memory to define as [`CLOCK_IMPORT`](CLOCK_IMPORT)
    /// ([`ClockMemory::Imported`] only).
    pub(crate) fn shared_memory(&self) -> Option<&SharedMemory> {
        self.shared.memory.as_ref()
    }

    /// Ticks so far.
    #[inline(always)]
    pub(crate) fn now(&self) -> u64 {
        self.shared.now.get()
    }

    /// Starts the ticker thread, which advances the clock every [`TICK`]
    /// until the last handle to the clock is dropped (the runtime's and its
    /// instances').
    pub(crate) fn start_ticker(&self) {
        let clock: Weak<Shared> = Arc::downgrade(&self.shared);
        let spawned = std::thread::Builder::new()
            .name("tinybind-clock".into())
            .spawn(move || loop {
                std::thread::sleep(TICK);
                match clock.upgrade() {
                    Some(shared) => Clock { shared }.tick(),
                    None => return,
                }
            });
        // Without the thread, deadlines never fire; calls still work.
        drop(spawned);
    }

    /// Advances the clock by one tick, in every registered clock memory.
    pub(crate) fn tick(&self) {
        let clocks = self.clocks();
        let now = self.shared.now.advance();
        for counter in clocks.slots.iter().flatten() {
            counter.set(now);
        }
    }

    /// Sets the clock memory at `memory` (at least eight bytes, 8-aligned)
    /// to the current tick, and keeps it current until the registration
    /// is dropped.
    ///
    /// # Safety
    ///
    /// The eight bytes at `memory` must stay allocated, and be written by
    /// nothing else, until the returned [`Registration`] is dropped.
    pub(crate) unsafe fn register(&self, memory: NonNull<u8>) -> Registration {
        let counter = Counter(memory.cast());
        let mut clocks = self.clocks();
        counter.set(self.now());
        let slot = match clocks.free.pop() {
            Some(slot) => {
                clocks.slots[slot] = Some(counter);
                slot
            }
            None => {
                clocks.slots.push(Some(counter));
                clocks.slots.len() - 1
            }
        };
        Registration {
            clock: self.clone(),
            slot,
        }
    }

    /// Keeps `instance`'s own clock memory (exported as
    /// [`CLOCK_EXPORT`](CLOCK_EXPORT)) current, for guests woven
    /// with [`ClockMemory::Own`]; `None` for an imported clock. `Err`: the
    /// instance has no clock memory to keep.
    ///
    /// # Safety
    ///
    /// The returned registration must be dropped before `store` is.
    pub(crate) unsafe fn attach(
        &self,
        mut store: impl AsContextMut,
        instance: &Instance,
    ) -> Result<Option<Registration>, &'static str> {
        if self.memory() == ClockMemory::Imported {
            return Ok(None);
        }
        let missing = "the deadline checks are missing";
        let memory = instance.get_memory(&mut store, CLOCK_EXPORT).ok_or(missing)?;
        let base = NonNull::new(memory.data_ptr(&store))
            .filter(|_| memory.data_size(&store) >= 8)
            .ok_or(missing)?;
        // SAFETY: the clock memory is one page that cannot grow, which the
        // store keeps in place until it is dropped, after the registration
        // (the caller's promise); only the woven checks refer to it, and
        // they only read it.
        Ok(Some(unsafe { self.register(base) }))
    }

    /// How many clock memories are registered.
    #[cfg(test)]
    pub(crate) fn registered(&self) -> usize {
        self.clocks().slots.iter().flatten().count()
    }

    fn clocks(&self) -> MutexGuard<'_, Clocks> {
        // The list is consistent whatever panicked while it was held.
        self.shared.clocks.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A clock memory kept current; dropping it stops the writes.
pub(crate) struct Registration {
    clock: Clock,
    slot: usize,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut clocks = self.clock.clocks();
        if let Some(entry) = clocks.slots.get_mut(self.slot) {
            *entry = None;
            clocks.free.push(self.slot);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_clocks_follow_the_ticks_until_their_registration_is_dropped() {
        let clock = Clock::new(&Engine::default(), ClockMemory::Own).unwrap();
        clock.tick();
        let a = Box::new(AtomicU64::new(99));
        let b = Box::new(AtomicU64::new(99));
        let ptr = |c: &AtomicU64| NonNull::from(c).cast::<u8>();
        // SAFETY: the boxes outlive the registrations.
        let ra = unsafe { clock.register(ptr(&a)) };
        assert_eq!(a.load(Ordering::Acquire), 1, "set to the current tick at once");
        let rb = unsafe { clock.register(ptr(&b)) };
        clock.tick();
        assert_eq!((a.load(Ordering::Acquire), b.load(Ordering::Acquire)), (2, 2));
        drop(ra);
        clock.tick();
        assert_eq!((a.load(Ordering::Acquire), b.load(Ordering::Acquire)), (2, 3));
        assert_eq!(clock.registered(), 1);
        // The freed slot is reused.
        let ra = unsafe { clock.register(ptr(&a)) };
        assert_eq!(clock.shared.clocks.lock().map(|c| c.slots.len()).unwrap_or(0), 2);
        assert_eq!(a.load(Ordering::Acquire), 3);
        drop((ra, rb));
        assert_eq!(clock.registered(), 0);
        assert_eq!(clock.now(), 3);
    }

    #[test]
    fn an_imported_clock_counts_in_its_shared_memory() {
        let mut config = wasmtime::Config::new();
        config.shared_memory(true);
        let clock = Clock::new(&Engine::new(&config).unwrap(), ClockMemory::Imported).unwrap();
        assert_eq!(clock.memory(), ClockMemory::Imported);
        clock.tick();
        clock.tick();
        let memory = clock.shared_memory().expect("a shared memory");
        let bytes: Vec<u8> = memory.data()[..8].iter().map(|b| unsafe { *b.get() }).collect();
        assert_eq!(u64::from_le_bytes(bytes.try_into().unwrap()), 2);
        assert_eq!(clock.now(), 2);
    }
}
