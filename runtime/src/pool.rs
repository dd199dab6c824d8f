//! A pool of instances of one guest, for many threads: a store is
//! single-threaded, so each caller borrows an instance of its own. The
//! factory can be replaced while the pool is in use (hot swap), and an
//! instance is recycled when its memory or its number of uses passes a limit.
//! Async guests (`<Guest>Async`) are pooled the same way, borrowed with
//! [`Pool::get_async`] from a pool made by [`Pool::new_async`] or
//! [`Pool::with_async_factory`].

use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use crate::error::Error;
use crate::instance::handle::Instance;
use crate::runtime::Runtime;

/// What a pool holds: a generated guest struct, with an embedded module or
/// loaded at run time (`<Guest>Pre::instantiate`).
pub trait PoolItem: Send + 'static {
    /// The underlying instance (its memory size and whether it is poisoned).
    fn instance(&mut self) -> &mut Instance;
}

/// Generated guest structs with an embedded module: instantiable from a
/// runtime alone, for [`Pool::new`].
pub trait Bindings: PoolItem + Sized {
    fn instantiate(runtime: &Runtime) -> Result<Self, Error>;
}

/// The async guest structs (`<Guest>Async`) with an embedded module:
/// instantiable from an async runtime alone, for [`Pool::new_async`].
pub trait AsyncBindings: PoolItem + Sized {
    fn instantiate_async(runtime: &Runtime) -> impl Future<Output = Result<Self, Error>> + Send;
}

/// A factory of instances.
type Make<T> = dyn Fn(&Runtime) -> Result<T, Error> + Send + Sync;

/// What an async factory's call gives.
type Making<T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send>>;

/// Makes one instance of a pool: `Bindings::instantiate`, or a factory
/// that gives each instance its own host value or module; for async
/// guests, one whose instances are made by a future.
enum Factory<T> {
    Sync(Arc<Make<T>>),
    Async(Arc<dyn Fn(Runtime) -> Making<T> + Send + Sync>),
}

impl<T> Clone for Factory<T> {
    fn clone(&self) -> Self {
        match self {
            Factory::Sync(f) => Factory::Sync(f.clone()),
            Factory::Async(f) => Factory::Async(f.clone()),
        }
    }
}

impl<T: 'static> Factory<T> {
    fn of_async<F>(make: impl Fn(Runtime) -> F + Send + Sync + 'static) -> Self
    where
        F: Future<Output = Result<T, Error>> + Send + 'static,
    {
        Factory::Async(Arc::new(move |rt| Box::pin(make(rt))))
    }
}

/// What became of a pool's instances, counted since it was made.
///
/// Every instance created is, at any moment, borrowed, idle, or dropped for
/// exactly one of the reasons counted here.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Instances made by the factory.
    pub created: u64,
    /// Borrows served by an idle instance instead of a new one.
    pub reused: u64,
    /// Instances dropped on return because their guest memory exceeded
    /// [`Pool::max_memory`].
    pub recycled_for_memory: u64,
    /// Instances dropped on return after [`Pool::max_uses`] borrows.
    pub recycled_for_uses: u64,
    /// Instances dropped on return because a trap poisoned them.
    pub dropped_poisoned: u64,
    /// Instances of an earlier factory, dropped after [`Pool::set_factory`].
    pub dropped_stale: u64,
    /// Instances dropped on return because `max_idle` were idle already.
    pub dropped_surplus: u64,
    /// Instances idle in the pool now.
    pub idle: u64,
}

#[derive(Default)]
struct Counters {
    created: AtomicU64,
    reused: AtomicU64,
    recycled_for_memory: AtomicU64,
    recycled_for_uses: AtomicU64,
    dropped_poisoned: AtomicU64,
    dropped_stale: AtomicU64,
    dropped_surplus: AtomicU64,
}

impl Counters {
    fn add(counter: &AtomicU64, n: usize) {
        counter.fetch_add(n as u64, Ordering::Relaxed);
    }
}

/// An instance with what the pool knows of it.
struct Slot<T> {
    item: T,
    /// The factory that made it ([`Pool::set_factory`] counts them).
    generation: u64,
    /// How many times it was borrowed.
    uses: u64,
}

/// Instances of one guest, created on demand (from the runtime's compiled
/// `InstancePre`, in microseconds) and reused. An instance poisoned by a trap
/// is dropped instead of being returned.
pub struct Pool<T: PoolItem> {
    runtime: Runtime,
    idle: Mutex<Vec<Slot<T>>>,
    max_idle: usize,
    max_memory: Option<usize>,
    max_uses: Option<u64>,
    /// The current factory.
    make: RwLock<Factory<T>>,
    /// Whether the factory is async (its instances are borrowed with
    /// `get_async` only).
    is_async: AtomicBool,
    /// How many times the factory was replaced: the generation of the
    /// instances it makes. Changed only under `make`'s write lock.
    generation: AtomicU64,
    counters: Counters,
}

impl<T: Bindings> Pool<T> {
    /// A pool that keeps up to `max_idle` idle instances, each made with
    /// [`Bindings::instantiate`] (for a guest with a host trait: with the
    /// host type's `Default`).
    pub fn new(runtime: &Runtime, max_idle: usize) -> Self {
        Self::with_factory(runtime, max_idle, T::instantiate)
    }
}

impl<T: AsyncBindings> Pool<T> {
    /// A pool of async guests (`<Guest>Async`, on a runtime built with
    /// `async_support(true)`), each made with
    /// [`AsyncBindings::instantiate_async`]; borrow them with
    /// [`Pool::get_async`].
    pub fn new_async(runtime: &Runtime, max_idle: usize) -> Self {
        Self::with_async_factory(runtime, max_idle, |rt| async move { T::instantiate_async(&rt).await })
    }
}

impl<T: PoolItem> Pool<T> {
    /// A pool whose instances are made by `make`, e.g.
    /// `|rt| Greeter::with_host(rt, MyHost::new())`, or
    /// `move |_| pre.instantiate()` for a module loaded at run time: each
    /// pooled instance has its own host value, kept while it is reused.
    pub fn with_factory(
        runtime: &Runtime,
        max_idle: usize,
        make: impl Fn(&Runtime) -> Result<T, Error> + Send + Sync + 'static,
    ) -> Self {
        Self::with(runtime, max_idle, Factory::Sync(Arc::new(make)))
    }

    /// A pool of async guests whose instances are made by the future
    /// `make` gives, e.g.
    /// `|rt| async move { GreeterAsync::with_host(&rt, MyHost::new()).await }`;
    /// borrow them with [`Pool::get_async`].
    pub fn with_async_factory<F>(
        runtime: &Runtime,
        max_idle: usize,
        make: impl Fn(Runtime) -> F + Send + Sync + 'static,
    ) -> Self
    where
        F: Future<Output = Result<T, Error>> + Send + 'static,
    {
        Self::with(runtime, max_idle, Factory::of_async(make))
    }

    fn with(runtime: &Runtime, max_idle: usize, make: Factory<T>) -> Self {
        Pool {
            runtime: runtime.clone(),
            idle: Mutex::new(Vec::new()),
            max_idle,
            max_memory: None,
            max_uses: None,
            is_async: AtomicBool::new(matches!(make, Factory::Async(_))),
            make: RwLock::new(make),
            generation: AtomicU64::new(0),
            counters: Counters::default(),
        }
    }

    /// Drops an instance, when it comes back, whose guest memory is larger
    /// than `bytes`: TinyGo's heap never shrinks, so a long-lived instance
    /// keeps the most memory it ever needed.
    pub fn max_memory(mut self, bytes: usize) -> Self {
        self.max_memory = Some(bytes);
        self
    }

    /// Drops an instance after `n` borrows (at least one).
    pub fn max_uses(mut self, n: u64) -> Self {
        self.max_uses = Some(n.max(1));
        self
    }

    /// Replaces the factory: later borrows get instances made by `make`.
    ///
    /// Calls in flight finish on their instance; every instance made by an
    /// earlier factory is dropped when it comes back, and the idle ones now.
    /// To swap in a module loaded at run time, load it first and call this
    /// only if the load succeeded, e.g.
    /// `let pre = PlugPre::load_file(&rt, path)?; pool.set_factory(move |_| pre.instantiate());`.
    pub fn set_factory(&self, make: impl Fn(&Runtime) -> Result<T, Error> + Send + Sync + 'static) {
        self.swap(Factory::Sync(Arc::new(make)));
    }

    /// [`Self::set_factory`] for a pool of async guests.
    pub fn set_async_factory<F>(&self, make: impl Fn(Runtime) -> F + Send + Sync + 'static)
    where
        F: Future<Output = Result<T, Error>> + Send + 'static,
    {
        self.swap(Factory::of_async(make));
    }

    fn swap(&self, make: Factory<T>) {
        let generation = {
            let mut current = self.make.write().unwrap_or_else(|p| p.into_inner());
            self.is_async
                .store(matches!(make, Factory::Async(_)), Ordering::Release);
            *current = make;
            self.generation.fetch_add(1, Ordering::AcqRel) + 1
        };
        let stale: Vec<Slot<T>> = {
            let mut idle = self.lock();
            let (keep, stale) = idle.drain(..).partition(|slot| slot.generation >= generation);
            *idle = keep;
            stale
        };
        Counters::add(&self.counters.dropped_stale, stale.len());
    }

    /// An instance for the caller alone, back to the pool when dropped.
    ///
    /// A pool of async guests is borrowed from with [`Self::get_async`]:
    /// here it gives [`Error::WrongMode`].
    pub fn get(&self) -> Result<Pooled<'_, T>, Error> {
        if self.is_async.load(Ordering::Acquire) {
            return Err(self.wrong_mode());
        }
        let slot = match self.take_idle() {
            Some(slot) => slot,
            None => {
                let (make, generation) = self.factory();
                let item = match make {
                    Factory::Sync(make) => make(&self.runtime)?,
                    Factory::Async(_) => return Err(self.wrong_mode()),
                };
                self.made(item, generation)
            }
        };
        Ok(self.lend(slot))
    }

    /// [`Self::get`] for async code: an instance for the caller's task
    /// alone, made by the pool's async factory when none is idle. Hold it
    /// within one task; it goes back to the pool when dropped.
    pub async fn get_async(&self) -> Result<Pooled<'_, T>, Error> {
        let slot = match self.take_idle() {
            Some(slot) => slot,
            None => {
                let (make, generation) = self.factory();
                let item = match make {
                    Factory::Sync(make) => make(&self.runtime)?,
                    Factory::Async(make) => make(self.runtime.clone()).await?,
                };
                self.made(item, generation)
            }
        };
        Ok(self.lend(slot))
    }

    #[cold]
    fn wrong_mode(&self) -> Error {
        Error::WrongMode {
            guest: "(pool)".into(),
            export: "Pool::get".into(),
            runtime_async: true,
        }
    }

    /// The factory and its generation, read together (a swap changes both
    /// under the write lock).
    fn factory(&self) -> (Factory<T>, u64) {
        let current = self.make.read().unwrap_or_else(|p| p.into_inner());
        (current.clone(), self.generation.load(Ordering::Acquire))
    }

    /// A new instance of `generation`.
    fn made(&self, item: T, generation: u64) -> Slot<T> {
        Counters::add(&self.counters.created, 1);
        Slot {
            item,
            generation,
            uses: 0,
        }
    }

    fn lend(&self, mut slot: Slot<T>) -> Pooled<'_, T> {
        slot.uses += 1;
        Pooled {
            pool: self,
            slot: Some(slot),
        }
    }

    /// An idle instance of the current factory, if any.
    fn take_idle(&self) -> Option<Slot<T>> {
        let generation = self.generation.load(Ordering::Acquire);
        let mut stale = 0;
        let idle = loop {
            // A stale slot is left by a `set_factory` racing this borrow.
            let popped = self.lock().pop();
            match popped {
                Some(slot) if slot.generation < generation => stale += 1,
                slot => break slot,
            }
        };
        Counters::add(&self.counters.dropped_stale, stale);
        if idle.is_some() {
            Counters::add(&self.counters.reused, 1);
        }
        idle
    }

    /// What became of the pool's instances so far.
    pub fn stats(&self) -> PoolStats {
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let c = &self.counters;
        PoolStats {
            created: load(&c.created),
            reused: load(&c.reused),
            recycled_for_memory: load(&c.recycled_for_memory),
            recycled_for_uses: load(&c.recycled_for_uses),
            dropped_poisoned: load(&c.dropped_poisoned),
            dropped_stale: load(&c.dropped_stale),
            dropped_surplus: load(&c.dropped_surplus),
            idle: self.lock().len() as u64,
        }
    }

    /// Keeps a returned instance, or says why it is dropped.
    fn give_back(&self, mut slot: Slot<T>) {
        let generation = self.generation.load(Ordering::Acquire);
        let instance = slot.item.instance();
        let c = &self.counters;
        let dropped_for = if instance.is_poisoned() {
            &c.dropped_poisoned
        } else if slot.generation < generation {
            &c.dropped_stale
        } else if self.max_uses.is_some_and(|n| slot.uses >= n) {
            &c.recycled_for_uses
        } else if self.max_memory.is_some_and(|bytes| instance.memory_size() > bytes) {
            &c.recycled_for_memory
        } else {
            let mut idle = self.lock();
            if idle.len() < self.max_idle {
                idle.push(slot);
                return;
            }
            &c.dropped_surplus
        };
        Counters::add(dropped_for, 1);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Slot<T>>> {
        self.idle.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// An instance borrowed from a [`Pool`].
pub struct Pooled<'a, T: PoolItem> {
    pool: &'a Pool<T>,
    slot: Option<Slot<T>>,
}

impl<T: PoolItem> Pooled<'_, T> {
    /// How many times this instance has been borrowed, this time included.
    pub fn uses(&self) -> u64 {
        self.slot().uses
    }

    fn slot(&self) -> &Slot<T> {
        // `slot` is only taken in `drop`.
        self.slot.as_ref().expect("pooled instance present until drop")
    }
}

impl<T: PoolItem> Deref for Pooled<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.slot().item
    }
}

impl<T: PoolItem> DerefMut for Pooled<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.slot.as_mut().expect("pooled instance present until drop").item
    }
}

impl<T: PoolItem> Drop for Pooled<'_, T> {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            self.pool.give_back(slot);
        }
    }
}
