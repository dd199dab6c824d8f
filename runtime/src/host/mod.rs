//! Host functions: what the generated host-trait glue calls when a guest
//! calls one of its imports.
//!
//! The generated code links one closure per import (see `link` in a guest's
//! module). Each closure reads its arguments from guest memory through
//! [`call::call`] (typed methods) or hands the method a `GuestMemory` through
//! [`call::call_raw`] (raw methods), and writes results that do not fit in one
//! wasm value through [`results::write_results`].
//!
//! The host value lives in the store (so that the closures reach it through
//! the `Caller`). For the length of one host call it is taken out of the
//! store and put back afterwards, so that a raw method can hold both the host
//! (`&mut self`) and the guest's memory, which can call the guest's
//! `malloc`. A guest that re-enters the host from inside that `malloc` gets a
//! "host is busy" error instead of a second `&mut` to the host.
//!
//! A host method that panics does not unwind through the guest: the panic is
//! caught, the guest call fails with `Error::Host` ("panicked: ..."),
//! the instance is poisoned as after a trap, and the host value is kept as it
//! was when the panic happened (as `std::sync::Mutex` poisoning does, the
//! host's own invariants are the host's to check; `reset()` keeps it).

pub(crate) mod asynchronous;
pub(crate) mod call;
pub(crate) mod failure;
pub(crate) mod results;
