//! `tinybind check`: whether a module fits a guest interface, in the words
//! of the error `<Guest>Pre::load` gives.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tinybind_abi::{Lowering, MemoryNeeds, Results, Type};
use tinybind_runtime::{Error, Expectation};

use super::builtin;

pub fn run(module: &Path, go: &[PathBuf], against: Option<&str>, json: bool) -> ExitCode {
    match check(module, go, against) {
        Ok(outcome) => {
            let problems = match &outcome {
                Err(Error::Misfit { problems, .. }) => problems.clone(),
                _ => Vec::new(),
            };
            if json {
                println!("{}", serde_json::Value::from(problems));
            } else {
                match &outcome {
                    Ok(text) => println!("{text}"),
                    Err(e) => println!("{e}"),
                }
            }
            if outcome.is_ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The check's outcome (a sentence, or the misfit), or why it could not
/// run.
fn check(module: &Path, go: &[PathBuf], against: Option<&str>) -> Result<Result<String, Error>, String> {
    let expected = match against {
        Some(name) => Expectation::of(builtin::find_interface(name)?),
        None => interface_of(go)?,
    };
    let bytes = std::fs::read(module).map_err(|e| format!("cannot read {}: {e}", module.display()))?;
    let shown = format!("`{}`", module.display());
    Ok(expected.check(&shown, &bytes).map(|startup| {
        format!("{shown} fits the guest interface `{}` (start-up: {})", expected.guest, startup.describe())
    }))
}

/// The interface Go declarations give, as the build predicts it for an
/// interface-only guest. A declaration that cannot be part of it is an
/// error here, where the build warns.
fn interface_of(go: &[PathBuf]) -> Result<Expectation, String> {
    let inspection = tinybind_codegen::inspect_interface(go).map_err(|e| e.to_string())?;
    if let Some(w) = inspection
        .warnings
        .iter()
        .find(|w| w.contains("cannot be part of the interface"))
    {
        return Err(w.clone());
    }
    if inspection.functions.is_empty() && inspection.imports.is_empty() {
        return Err(format!(
            "{} declare no export (`//export NAME`, `//go:wasmexport NAME`) and no import",
            go.iter()
                .map(|p| format!("`{}`", p.display()))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let in_memory = |lowering: &Lowering, results: bool| match lowering {
        Lowering::Raw { .. } => false,
        Lowering::Typed { params, results: r } => {
            if results {
                match r {
                    Results::Retptr { fields, .. } => fields.iter().any(|(t, _)| t.in_memory()),
                    Results::Leaf(t) => t.in_memory(),
                    // A host function's packed result is written into a
                    // block from the guest's `malloc`.
                    Results::Packed(_) => true,
                    Results::None | Results::Direct(_) => false,
                }
            } else {
                params.iter().any(Type::in_memory)
            }
        }
    };
    let needs = MemoryNeeds::of(
        inspection.retptr_size,
        inspection
            .functions
            .iter()
            .any(|f| in_memory(&f.passing.lowering, false)),
        inspection.imports.iter().any(|i| in_memory(&i.passing.lowering, false)),
        inspection.imports.iter().any(|i| in_memory(&i.passing.lowering, true)),
    );
    Ok(Expectation {
        guest: inspection.guest,
        exports: inspection
            .functions
            .iter()
            .map(|f| (f.export.clone(), f.wasm.clone()))
            .collect(),
        imports: inspection
            .imports
            .iter()
            .map(|i| (i.module.clone(), i.name.clone(), i.wasm.clone()))
            .collect(),
        memory: needs.memory,
        allocator: needs.allocator,
    })
}
