//! What a failed call was: a trap, a timeout, an exit, running out of fuel
//! or a host function's failure, classified into the error that says so and
//! names guest and export.

use wasmtime::Trap;
use wasmtime_wasi::I32Exit;

use crate::error::{Error, Frame};
use crate::host::failure::HostFailure;
use crate::instance::handle::{Exec, Instance};
use crate::symbols;

impl Instance {
    #[cold]
    #[inline(never)]
    pub(super) fn refused(&self, export: &'static str, exec: Exec) -> Error {
        if self.is_async != (exec == Exec::Async) {
            return Error::WrongMode {
                guest: self.module.name.to_string(),
                export: export.to_string(),
                runtime_async: self.is_async,
            };
        }
        self.poisoned_error(export)
    }

    #[cold]
    #[inline(never)]
    pub(super) fn poisoned_error(&self, export: &'static str) -> Error {
        Error::Poisoned {
            guest: self.module.name.to_string(),
            export: export.to_string(),
        }
    }

    #[cold]
    #[inline(never)]
    pub(super) fn no_memory(&self, export: &'static str) -> Error {
        Error::NoAllocator {
            guest: self.module.name.to_string(),
            export: export.to_string(),
            missing: "memory",
        }
    }

    #[cold]
    #[inline(never)]
    pub(super) fn no_retptr(&self, export: &'static str) -> Error {
        Error::NoAllocator {
            guest: self.module.name.to_string(),
            export: export.to_string(),
            missing: if self.store.data().memory.is_none() {
                "memory"
            } else {
                "`malloc`"
            },
        }
    }

    /// A failed call: the instance is poisoned and the error says why.
    #[cold]
    #[inline(never)]
    pub(super) fn failed(&mut self, export: &'static str, e: wasmtime::Error) -> Error {
        self.poisoned = true;
        self.classify(export, e)
    }

    pub(super) fn missing(&self, export: &str, e: wasmtime::Error) -> Error {
        Error::MissingExport {
            guest: self.module.name.to_string(),
            export: export.to_string(),
            reason: format!("{e:#}"),
        }
    }

    /// Turns a failed call into the error that says what happened.
    pub(super) fn classify(&mut self, export: &str, e: wasmtime::Error) -> Error {
        let guest = self.module.name.to_string();
        let export = export.to_string();
        if let Some(exit) = e.downcast_ref::<I32Exit>() {
            return Error::Exit {
                guest,
                export,
                code: exit.0,
                message: self.output.last_words_of_call().map(|(words, _)| words),
            };
        }
        if let Some(fault) = e.downcast_ref::<HostFailure>() {
            return Error::Host {
                guest,
                export,
                import: fault.import.clone(),
                reason: fault.reason.clone(),
            };
        }
        match e.downcast_ref::<Trap>() {
            // The woven checks trap with `unreachable` once the deadline
            // passed; a guest's own `unreachable` at that moment is
            // reported as the timeout it also is.
            Some(Trap::UnreachableCodeReached) if self.deadline.passed(&mut self.store) => Error::Timeout {
                guest,
                export,
                after: self.deadline.timeout().unwrap_or_default(),
            },
            Some(Trap::OutOfFuel) => Error::OutOfFuel {
                guest,
                export,
                fuel: self.compiler.settings.fuel.unwrap_or_default(),
            },
            Some(trap) => Error::Trap {
                guest,
                export,
                reason: with_backtrace(trap.to_string(), &e),
                frames: self.frames(&e),
                panic: self
                    .output
                    .last_words_of_call()
                    .and_then(|(words, panic)| panic.then_some(words)),
            },
            None => Error::Trap {
                guest,
                export,
                reason: format!("{e:#}").replace('\n', " "),
                panic: None,
                frames: Vec::new(),
            },
        }
    }

    /// The backtrace of a trap, with Go files and lines where the guest
    /// has DWARF (read now, on the failure path only).
    fn frames(&self, e: &wasmtime::Error) -> Vec<Frame> {
        let Some(backtrace) = e.downcast_ref::<wasmtime::WasmBacktrace>() else {
            return Vec::new();
        };
        match self.module.debug() {
            Some(debug) => debug.frames(backtrace),
            None => symbols::names_only(backtrace),
        }
    }
}

/// A trap's message with the Go functions it happened in, innermost first:
/// `wasm \`unreachable\` instruction executed (in runtime.runtimePanicAt <
/// runtime.lookupPanic < main.boom)`.
fn with_backtrace(message: String, e: &wasmtime::Error) -> String {
    let Some(bt) = e.downcast_ref::<wasmtime::WasmBacktrace>() else {
        return message;
    };
    let frames: Vec<&str> = bt.frames().iter().filter_map(|f| f.func_name()).take(6).collect();
    if frames.is_empty() {
        message
    } else {
        format!("{message} (in {})", frames.join(" < "))
    }
}
