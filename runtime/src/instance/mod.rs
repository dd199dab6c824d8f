//! One guest instance: [`handle::Instance`] and its calls, creating and
//! resetting one ([`start`]), telling what a failed call was ([`failure`]),
//! and calls with values known at run time only ([`untyped`]).

mod asynchronous;
mod failure;
pub(crate) mod packed;
pub(crate) mod handle;
mod start;
mod untyped;
