//! A pool of instances of one guest, for many threads: a store is
//! single-threaded, so each caller borrows an instance of its own.

use std::ops::{Deref, DerefMut};
use std::sync::Mutex;

use crate::error::Error;
use crate::runtime::Runtime;

/// Generated guest structs: instantiable from a runtime.
pub trait Bindings: Sized + Send + 'static {
    fn instantiate(runtime: &Runtime) -> Result<Self, Error>;
    fn is_poisoned(&mut self) -> bool;
}

/// Makes one instance of a pool: `Bindings::instantiate`, or a factory
/// that gives each instance its own host value.
type Factory<T> = Box<dyn Fn(&Runtime) -> Result<T, Error> + Send + Sync>;

/// Instances of one guest, created on demand (from the runtime's compiled
/// `InstancePre`, in microseconds) and reused. An instance poisoned by a trap
/// is dropped instead of being returned.
pub struct Pool<T: Bindings> {
    runtime: Runtime,
    idle: Mutex<Vec<T>>,
    max_idle: usize,
    make: Factory<T>,
}

impl<T: Bindings> Pool<T> {
    /// A pool that keeps up to `max_idle` idle instances, each made with
    /// [`Bindings::instantiate`] (for a guest with a host trait: with the
    /// host type's `Default`).
    pub fn new(runtime: &Runtime, max_idle: usize) -> Self {
        Self::with_factory(runtime, max_idle, T::instantiate)
    }

    /// A pool whose instances are made by `make`, e.g.
    /// `|rt| Greeter::with_host(rt, MyHost::new())`: each pooled instance
    /// has its own host value, kept while the instance is reused.
    pub fn with_factory(
        runtime: &Runtime,
        max_idle: usize,
        make: impl Fn(&Runtime) -> Result<T, Error> + Send + Sync + 'static,
    ) -> Self {
        Pool {
            runtime: runtime.clone(),
            idle: Mutex::new(Vec::new()),
            max_idle,
            make: Box::new(make),
        }
    }

    /// An instance for the caller alone, back to the pool when dropped.
    pub fn get(&self) -> Result<Pooled<'_, T>, Error> {
        let idle = self.lock().pop();
        let item = match idle {
            Some(item) => item,
            None => (self.make)(&self.runtime)?,
        };
        Ok(Pooled {
            pool: self,
            item: Some(item),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<T>> {
        self.idle.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// An instance borrowed from a [`Pool`].
pub struct Pooled<'a, T: Bindings> {
    pool: &'a Pool<T>,
    item: Option<T>,
}

impl<T: Bindings> Deref for Pooled<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // `item` is only taken in `drop`.
        self.item.as_ref().expect("pooled instance present until drop")
    }
}

impl<T: Bindings> DerefMut for Pooled<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.item.as_mut().expect("pooled instance present until drop")
    }
}

impl<T: Bindings> Drop for Pooled<'_, T> {
    fn drop(&mut self) {
        if let Some(mut item) = self.item.take() {
            if !item.is_poisoned() {
                let mut idle = self.pool.lock();
                if idle.len() < self.pool.max_idle {
                    idle.push(item);
                }
            }
        }
    }
}
