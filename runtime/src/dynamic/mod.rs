//! Calling guests by name at run time, for tools such as the `tinybind` CLI:
//! the generated guests' table ([`guest`]), calls whose lowering is data
//! ([`lowered`]), and the import tracer ([`trace`]).

mod abi;
mod aggregate;
pub(crate) mod guest;
pub(crate) mod lowered;
pub(crate) mod trace;
