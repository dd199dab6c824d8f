//! The integration tests, as one binary: each file is a module, so that
//! wasmtime and the bindings are linked once instead of once per file.
//! `soak.rs` (which counts the process's threads and memory) and `cache.rs`
//! (which sets an environment variable) stay binaries of their own.

mod asynchronous;
mod bad_guests;
mod cli;
mod cli_call;
mod concurrency;
mod configurations;
mod deadline;
mod go_types;
mod guests;
mod host;
mod hostile;
mod hostile_cli;
mod inside_tokio;
mod isolation;
mod interface;
mod plugins;
mod pool;
mod preinit;
mod reserved;
mod sandbox;
mod standard_go;
mod structs;
mod trap_lines;
