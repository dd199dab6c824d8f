//! `--trace-imports`: the module's imports answered with zero values, each
//! call printed on stderr as one line with its typed arguments:
//!
//! ```text
//! trace: env.log(message: "Hello, Ada!") -> ()
//! trace: env.lookup(key: "k") -> ""
//! trace: env.add(arg0: 1, arg1: 2) -> 0
//! ```
//!
//! Arguments are typed by the code generator's model of the imports (Go
//! declarations); an import without one shows its raw wasm values.
//!
//! `--import-results FILE` answers imports with canned results instead: a
//! JSON object from an import's name (`module.name`, or `name` alone when
//! one module has it) to its result, or to an array of its results when it
//! has several (Go's `(T, error)`). Results are given as `tinybind call`'s
//! arguments are (numbers, strings, `0x…` bytes, arrays, objects by Go field
//! name); a Go `error` is `null` (nil).
//!
//! ```json
//! {"env.lookup": "value", "add": 3, "env.fetch": [[1, 2, 3], null]}
//! ```

use std::path::Path;

use serde_json::Value as Json;
use tinybind_codegen::Inspection;
use tinybind_runtime::{GoInterface, ImportShape, ImportTracer, Lowering, TracedCall, Value, ValueType};

use super::values::{from_json, show};

/// A tracer for the imports of `model`, printing on stderr, answering from
/// the JSON file `answers` where given (or an error saying what in it is
/// wrong).
pub fn tracer(model: &Inspection, answers: Option<&Path>) -> Result<ImportTracer, String> {
    let mut t = ImportTracer::new(|call| eprintln!("{}", line(call)));
    let lowerings: Vec<Lowering> = model
        .imports
        .iter()
        .map(|i| Lowering::leaked_from(&i.passing.lowering))
        .collect();
    for (i, lowering) in model.imports.iter().zip(&lowerings) {
        let shape = ImportShape {
            names: i.passing.params.clone(),
            lowering: lowering.clone(),
        };
        t = t.shape(&i.module, &i.name, shape);
    }
    let Some(path) = answers else { return Ok(t) };
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let in_file = |m: String| format!("{}: {m}", path.display());
    let json: Json = serde_json::from_str(&text).map_err(|e| in_file(format!("not JSON: {e}")))?;
    let Json::Object(entries) = json else {
        return Err(in_file("not a JSON object from import names to results".into()));
    };
    for (key, given) in &entries {
        let found: Vec<usize> = model
            .imports
            .iter()
            .enumerate()
            .filter(|(_, i)| format!("{}.{}", i.module, i.name) == *key || i.name == *key)
            .map(|(n, _)| n)
            .collect();
        let n = match found.as_slice() {
            [n] => *n,
            [] => {
                let known: Vec<String> = model
                    .imports
                    .iter()
                    .map(|i| format!("{}.{}", i.module, i.name))
                    .collect();
                let known = if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                };
                return Err(in_file(format!("the module has no import `{key}` (its imports: {known})")));
            }
            _ => return Err(in_file(format!("`{key}` is imported from several modules; write `module.{key}`"))),
        };
        let import = &model.imports[n];
        let values = results(&lowerings[n].result_types(), given).map_err(|m| in_file(format!("`{key}`: {m}")))?;
        t = t.answer(&import.module, &import.name, values);
    }
    Ok(t)
}

/// An import's canned results: the value itself for one result, an array
/// of them for several.
fn results(types: &[ValueType], given: &Json) -> Result<Vec<Value>, String> {
    match (types, given) {
        ([], Json::Null) => Ok(Vec::new()),
        ([], _) => Err("the import returns nothing; give it `null`".into()),
        ([one], _) => Ok(vec![result(*one, given)?]),
        (many, Json::Array(items)) if items.len() == many.len() => {
            many.iter().zip(items).map(|(t, j)| result(*t, j)).collect()
        }
        (many, _) => {
            let names: Vec<&str> = many.iter().map(|t| t.name()).collect();
            Err(format!(
                "the import has {} results ({}); give an array of {}",
                many.len(),
                names.join(", "),
                many.len()
            ))
        }
    }
}

fn result(ty: ValueType, given: &Json) -> Result<Value, String> {
    const NIL: &str = "an `error` or interface result is `null` (nil) or \"TYPECODE:VALUE\": \
                       the host cannot make a Go error value";
    match (ty, given) {
        (ValueType::Error | ValueType::Interface, Json::Null) => Ok(Value::Interface(GoInterface::default())),
        (ValueType::Error, _) => Err(NIL.into()),
        (ValueType::Interface, _) => from_json(ty, given).map_err(|e| format!("{e}; {NIL}")),
        _ => from_json(ty, given),
    }
}

/// `trace: module.name(a: 1, s: "x") -> RESULTS`.
pub fn line(call: &TracedCall<'_>) -> String {
    let args: Vec<String> = call
        .args
        .iter()
        .map(|(name, v)| match v {
            Ok(v) => format!("{name}: {}", shown(v)),
            Err(reason) => format!("{name}: <{reason}>"),
        })
        .collect();
    let results = match call.results.as_slice() {
        [] => "()".to_string(),
        [one] => shown(one),
        many => format!("({})", many.iter().map(shown).collect::<Vec<_>>().join(", ")),
    };
    format!("trace: {}({}) -> {results}", call.import, args.join(", "))
}

/// Longest string, byte slice (in bytes) or list (in items) shown whole;
/// longer ones are cut, with their length, so a line stays a line.
const SHOWN: usize = 256;

fn shown(v: &Value) -> String {
    match v {
        Value::String(s) if s.len() > SHOWN => {
            let cut: String = s.chars().take(SHOWN).collect();
            format!("{cut:?}... ({} bytes)", s.len())
        }
        Value::String(s) => format!("{s:?}"),
        Value::Bytes(b) if b.len() > SHOWN => {
            let hex: String = b[..SHOWN].iter().map(|x| format!("{x:02x}")).collect();
            format!("0x{hex}... ({} bytes)", b.len())
        }
        Value::Bytes(_) => format!("0x{}", show(v)),
        Value::List(xs) if xs.len() > SHOWN => {
            format!("[{}, ...] ({} items)", xs[..SHOWN].iter().map(shown).collect::<Vec<_>>().join(", "), xs.len())
        }
        Value::List(xs) => format!("[{}]", xs.iter().map(shown).collect::<Vec<_>>().join(", ")),
        Value::Interface(i) if i.typecode == 0 => "nil".to_string(),
        other => show(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut() {
        let long = "x".repeat(10_000);
        let call = TracedCall {
            import: "env.log",
            args: vec![
                ("message".into(), Ok(Value::String(long))),
                ("data".into(), Ok(Value::Bytes(vec![1; 300]))),
                ("bad".into(), Err("outside its memory".into())),
            ],
            results: vec![],
        };
        let line = line(&call);
        assert!(line.len() < 1500, "{}", line.len());
        assert!(line.contains("... (10000 bytes)") && line.contains("... (300 bytes)"), "{line}");
        assert!(line.ends_with("bad: <outside its memory>) -> ()"), "{line}");
    }
}
