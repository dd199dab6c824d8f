//! Emitting Rust, one file a job: `file` writes the whole file, `guest`
//! each guest's module, `methods` the export methods, `dynamic` the arms of
//! `call_dynamic`, `types` the Rust types of Go structs, `host` the host
//! trait and its linking, `pre` the `<Guest>Pre` that makes instances of a
//! module loaded at run time or embedded, with its export tables,
//! `async_guest` the `<Guest>Async` of the async API, `info` the
//! `INFO` tables for tools, `signature`
//! each method's signature (as tokens and as text), and `tokens` the shared
//! type and doc tokens.

pub mod async_guest;
pub mod dynamic;
pub mod file;
pub mod go_doc;
pub mod guest;
pub mod host;
pub mod info;
pub mod methods;
pub mod pre;
pub mod runtime_path;
pub mod signature;
pub mod tokens;
pub mod types;
