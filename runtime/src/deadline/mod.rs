//! Deadlines woven into the guest: the one place that decides how a running
//! guest is stopped when its call takes too long.
//!
//! Wasmtime's epoch interruption checks the epoch at the entry of every
//! function and at every loop header. TinyGo guests spend a string call in
//! many small runtime functions (`runtime.alloc`, `(gcBlock).state`, ...), so
//! the entry checks cost 15–30% of a short call. [`weave`](weave::weave) instead puts
//! checks only where a long run must pass: after every `loop`, before every
//! tail call, at the entry of functions in call-graph cycles and of
//! functions whose address is taken, and inside bodies wherever the work
//! since the last check could pass a budget. [`placement`] decides where,
//! and says why that leaves no way to run long without a check. A check is
//!
//! ```wat
//! (if (i64.ge_u (i64.load $clock (i32.const 0)) (global.get $deadline))
//!   (then unreachable))
//! ```
//!
//! - `$clock` is a one-page memory whose first eight bytes count ticks
//!   (10 ms each), in one of two places ([`ClockMemory`](clock::ClockMemory)):
//!   - [`ClockMemory::Imported`](clock::ClockMemory::Imported): one shared memory per runtime, imported
//!     as [`CLOCK_IMPORT`](clock::CLOCK_IMPORT) after the module's imported memories (the
//!     module's own memories are renumbered), advanced by the runtime's
//!     ticker thread. Nothing per instance, but wasmtime builds no
//!     copy-on-write image for a module that imports a memory.
//!   - [`ClockMemory::Own`](clock::ClockMemory::Own): a memory of the module's own, after its
//!     memories, exported as [`CLOCK_EXPORT`](clock::CLOCK_EXPORT). The runtime writes the
//!     current tick there when it creates the instance, and the ticker
//!     writes every later tick into the clock of every live instance
//!     ([`Clock`](clock::Clock)). It costs a memory per instance, which a pooled
//!     instance gets from its slot, and lets wasmtime give the guest's
//!     memory a copy-on-write image.
//!
//!   Guest code cannot write the clock: only the woven checks refer to it
//!   (a module that names a memory it does not have is refused, rather
//!   than given the clock), and guests that declare shared memories are
//!   refused.
//! - `$deadline` is a mutable `i64` global appended to the module and exported
//!   as [`DEADLINE_EXPORT`](weave::DEADLINE_EXPORT); the host sets it before every call. It starts at
//!   0, already past, so nothing runs before the host arms it.
//! - A start function (run by instantiation, before the host could arm the
//!   deadline) is removed from the start section and exported as
//!   [`START_EXPORT`](weave::START_EXPORT); the runtime calls it right after instantiating, under
//!   the deadline.
//!
//! The deadline comes after the guest's globals. DWARF sections are dropped
//! (their code offsets would be wrong), the `name` section is kept.

pub(crate) mod clock;
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) mod differential;
pub(crate) mod placement;
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) mod stopping;
pub(crate) mod timer;
pub(crate) mod weave;
pub(crate) mod yielding;
