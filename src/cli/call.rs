//! `tinybind call`: resolves the target, parses the arguments by the
//! function's types, runs the call in a runtime with the asked-for grants,
//! and prints the results (or the failure) as text or JSON.

use std::io::Write;
use std::process::ExitCode;

use tinybind_runtime::{call_lowered, Error, Instance, Value, ValueType};

use super::args::CallArgs;
use super::failure::Failure;
use super::target::{resolve, FileGuest, Target};
use super::values::{parse_raw, parse_value, show};
use super::{grants, json, trace};

pub fn run(args: &CallArgs) -> ExitCode {
    let capture = args.grants.capture || args.json;
    let mut output = Output::default();
    let outcome = call(args, capture, &mut output);
    if capture {
        // The guest's output, which passed through otherwise: on stderr
        // (stdout holds the JSON), always with --json, on failure only with
        // --capture.
        if outcome.is_err() || !args.grants.capture {
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(&output.stdout);
            let _ = err.write_all(&output.stderr);
        }
    }
    match outcome {
        Ok(values) => {
            if args.json {
                println!("{}", json::results(&values));
            } else {
                for v in &values {
                    println!("{}", show(v));
                }
            }
            ExitCode::SUCCESS
        }
        Err(f) => {
            if args.json {
                println!("{}", f.to_json());
            } else if f.kind == "host" && !args.trace_imports {
                eprintln!("error: {} (--trace-imports answers such imports with zero values, or with --import-results FILE)", f.message);
            } else {
                eprintln!("error: {}", f.message);
            }
            f.exit_code()
        }
    }
}

/// What the guest printed, when captured.
#[derive(Default)]
struct Output {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

impl Output {
    fn take(&mut self, instance: &Instance) {
        self.stdout = instance.stdout().unwrap_or_default();
        self.stderr = instance.stderr().unwrap_or_default();
    }
}

fn call(args: &CallArgs, capture: bool, output: &mut Output) -> Result<Vec<Value>, Failure> {
    let target = resolve(&args.target, &args.go).map_err(|m| Failure::usage(None, None, m))?;
    match target {
        Target::File(guest) => call_file(&guest, args, capture, output),
        Target::Builtin(entry) => {
            let name = entry.info.name;
            let usage = |m: String| Failure::usage(Some(name), Some(&args.function), m);
            if args.trace_imports {
                return Err(usage(
                    "--trace-imports needs a module file; a built-in guest's imports are its host trait's".into(),
                ));
            }
            let f = entry.info.function(&args.function).ok_or_else(|| {
                let names: Vec<&str> = entry.info.functions.iter().map(|f| f.name).collect();
                usage(format!(
                    "guest `{name}` has no function `{}`; it has: {}",
                    args.function,
                    names.join(", ")
                ))
            })?;
            let types: Vec<ValueType> = f.params.iter().map(|(_, t)| *t).collect();
            let names: Vec<String> = f.params.iter().map(|(n, _)| n.to_string()).collect();
            let values = parse_args(f.name, &names, &types, false, &args.args).map_err(usage)?;
            let runtime = grants::builder(&args.grants, capture)
                .map_err(usage)?
                .build()
                .map_err(|e| Failure::from_error(name, f.name, &e))?;
            let mut guest = (entry.instantiate)(&runtime).map_err(|e| Failure::from_error(name, f.name, &e))?;
            let result = guest.call_dynamic(f.name, &values);
            output.take(guest.instance());
            result.map_err(|e| Failure::from_error(name, f.name, &e))
        }
    }
}

fn call_file(guest: &FileGuest, args: &CallArgs, capture: bool, output: &mut Output) -> Result<Vec<Value>, Failure> {
    let name = guest.model.guest.as_str();
    let usage = |m: String| Failure::usage(Some(name), Some(&args.function), m);
    let failed = |export: &str, e: &Error| Failure::from_error(name, export, e);
    let mut builder = grants::builder(&args.grants, capture).map_err(usage)?;
    if args.trace_imports {
        let tracer = trace::tracer(&guest.model, args.import_results.as_deref()).map_err(usage)?;
        builder = builder.trace_imports(tracer);
    }
    // Calling the start-up entry runs the module (a command's `main`).
    if guest.is_entry(&args.function) {
        if !args.args.is_empty() {
            return Err(usage(format!("`{}` takes no arguments", args.function)));
        }
        let runtime = builder.build().map_err(|e| failed(&args.function, &e))?;
        let instance = runtime
            .instantiate(guest.module)
            .map_err(|e| failed(&args.function, &e))?;
        output.take(&instance);
        return Ok(Vec::new());
    }
    let f = guest.function(&args.function).map_err(usage)?;
    let raw = matches!(f.lowering, tinybind_runtime::Lowering::Raw { .. });
    let values = parse_args(f.export, &f.names, f.lowering.params(), raw, &args.args).map_err(usage)?;
    let runtime = builder.build().map_err(|e| failed(f.export, &e))?;
    let mut instance = runtime.instantiate(guest.module).map_err(|e| failed(f.export, &e))?;
    let result = call_lowered(&mut instance, f.export, &f.lowering, &values);
    output.take(&instance);
    result.map_err(|e| failed(f.export, &e))
}

/// The arguments parsed by their types (raw wasm numbers for a function
/// without Go types).
fn parse_args(
    export: &str,
    names: &[String],
    types: &[ValueType],
    raw: bool,
    texts: &[String],
) -> Result<Vec<Value>, String> {
    if texts.len() != types.len() {
        return Err(format!(
            "`{export}` takes {} arguments ({}), got {}",
            types.len(),
            names
                .iter()
                .zip(types)
                .map(|(n, t)| format!("{n}: {}", t.name()))
                .collect::<Vec<_>>()
                .join(", "),
            texts.len()
        ));
    }
    names
        .iter()
        .zip(types)
        .zip(texts)
        .map(|((name, ty), text)| {
            let parsed = if raw { parse_raw(*ty, text) } else { parse_value(*ty, text) };
            parsed.map_err(|e| format!("argument `{name}`: {e}"))
        })
        .collect()
}
