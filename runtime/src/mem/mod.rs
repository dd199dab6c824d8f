//! The one place guest memory is touched: every pointer and length a guest
//! gives is checked here before anything is read, written or allocated.
//!
//! - [`bounds`]: the primitives (regions, copies, scalars' bytes);
//! - [`reader`]: [`reader::GuestReader`], reading what a guest wrote;
//! - [`layout`]: Go structs, arrays and slices in guest memory;
//! - [`guest_memory`]: the handle raw host methods get;
//! - [`go_error`]: reading a Go `error` a guest returned.

pub(crate) mod bounds;
pub(crate) mod go_error;
pub(crate) mod guest_memory;
pub(crate) mod layout;
pub(crate) mod reader;
