//! tinybind: typed Rust bindings for Go (TinyGo) WebAssembly guests.
//!
//! Every guest in `guest-go/` gets a module in [`guests`], generated at build
//! time by `tinybind-codegen`:
//!
//! ```no_run
//! let runtime = tinybind::Runtime::new()?;
//! let mut greeter = tinybind::guests::greeter::Greeter::new(&runtime)?;
//! assert_eq!(greeter.greet("Ada")?, "Hello, Ada!");
//! # Ok::<(), tinybind::Error>(())
//! ```

pub use tinybind_runtime::{
    AsyncBindings, Error, GoError, GuestMemory, HostError, NoHost, Pool, PoolStats, Pooled, Runtime, YIELD_INTERVAL,
};

/// The generated bindings, one module per guest.
pub mod guests {
    include!(concat!(env!("OUT_DIR"), "/tinybind_guests.rs"));
}
