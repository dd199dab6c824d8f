//! Arming the deadline of one instance's calls: the guest's woven checks
//! trap once the runtime's clock reaches the value of its deadline global,
//! and [`Deadline`] sets that global before each call.

use std::time::Duration;

use wasmtime::{AsContextMut, Global, Val};

use crate::deadline::clock::{Clock, TICK};

/// The deadline of an instance's calls (or of a pre-initialisation run).
pub(crate) struct Deadline {
    /// The runtime's clock (`None`: the runtime has no deadlines, and the
    /// guest no checks).
    clock: Option<Clock>,
    /// The guest's deadline global, once it is instantiated.
    global: Option<Global>,
    timeout: Option<Duration>,
    /// The timeout in ticks (`None`: calls have no deadline).
    ticks: Option<u64>,
    /// The clock's value when the deadline was last armed (`u64::MAX`:
    /// never, or the timeout changed).
    armed_at: u64,
}

impl Deadline {
    /// A deadline of `timeout` per call on `clock`, not yet attached to a
    /// guest.
    pub(crate) fn new(clock: Option<Clock>, timeout: Option<Duration>) -> Deadline {
        Deadline {
            clock,
            global: None,
            timeout,
            ticks: timeout.map(ticks),
            armed_at: u64::MAX,
        }
    }

    /// The runtime's clock, for a guest woven with one.
    pub(crate) fn clock(&self) -> Option<&Clock> {
        self.clock.as_ref()
    }

    /// Sets the guest's deadline global, found once it is instantiated.
    pub(crate) fn attach(&mut self, global: Global) {
        self.global = Some(global);
        self.armed_at = u64::MAX;
    }

    /// The timeout of each call.
    pub(crate) fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// Sets the deadline for the next call.
    ///
    /// The deadline is the clock's value when armed plus the timeout in
    /// ticks, plus one: the guest's checks trap once the clock reaches it.
    /// Setting the guest's global costs more than a short call itself, so it
    /// is re-armed only when the clock moved since the last arming: at most
    /// once per 10 ms tick, one atomic load otherwise. A deadline armed
    /// earlier in the same tick is still at least the timeout away from any
    /// moment in that tick, so a deadline never fires before the timeout
    /// (but up to two ticks after).
    #[inline(always)]
    pub(crate) fn arm(&mut self, store: impl AsContextMut) -> wasmtime::Result<()> {
        if let (Some(t), Some(clock)) = (self.ticks, &self.clock) {
            let now = clock.now();
            if now != self.armed_at {
                self.rearm(store, now, t)?;
            }
        }
        Ok(())
    }

    #[inline(never)]
    fn rearm(&mut self, store: impl AsContextMut, now: u64, ticks: u64) -> wasmtime::Result<()> {
        self.set(store, now.saturating_add(ticks).saturating_add(1))?;
        self.armed_at = now;
        Ok(())
    }

    /// Changes the timeout of the next calls. `None` disarms the deadline:
    /// one armed before never fires.
    pub(crate) fn set_timeout(&mut self, store: impl AsContextMut, timeout: Option<Duration>) -> wasmtime::Result<()> {
        self.timeout = timeout;
        self.ticks = timeout.map(ticks);
        self.armed_at = u64::MAX;
        match timeout {
            None => self.set(store, u64::MAX),
            Some(_) => Ok(()),
        }
    }

    fn set(&mut self, mut store: impl AsContextMut, at: u64) -> wasmtime::Result<()> {
        if let Some(global) = self.global {
            // The guest compares it unsigned: the bits are what count.
            global.set(store.as_context_mut(), Val::I64(at as i64))?;
        }
        Ok(())
    }

    /// Whether the clock has reached the deadline in the guest's global.
    pub(crate) fn passed(&self, mut store: impl AsContextMut) -> bool {
        let (Some(clock), Some(global)) = (&self.clock, self.global) else {
            return false;
        };
        match global.get(store.as_context_mut()) {
            Val::I64(at) => clock.now() >= at as u64,
            _ => false,
        }
    }
}

/// A timeout in clock ticks. Saturates far below `u64::MAX`: it is added to
/// the clock's value, and a wrapped sum would be a deadline in the past
/// (`Duration::MAX` once timed out at once).
fn ticks(timeout: Duration) -> u64 {
    let ticks = (timeout.as_nanos() / TICK.as_nanos()).clamp(1, u128::from(u64::MAX / 4));
    ticks as u64 + 1
}
