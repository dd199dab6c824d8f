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

use tinybind_codegen::Inspection;
use tinybind_runtime::{ImportShape, ImportTracer, Lowering, TracedCall};
use tinybind_runtime::Value;

use super::values::show;

/// A tracer for the imports of `model`, printing on stderr.
pub fn tracer(model: &Inspection) -> ImportTracer {
    let mut t = ImportTracer::new(|call| eprintln!("{}", line(call)));
    for i in &model.imports {
        let shape = ImportShape {
            names: i.passing.params.clone(),
            lowering: Lowering::leaked_from(&i.passing.lowering),
        };
        t = t.shape(&i.module, &i.name, shape);
    }
    t
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
        Value::List(xs) if xs.len() > SHOWN => format!(
            "[{}, ...] ({} items)",
            xs[..SHOWN].iter().map(shown).collect::<Vec<_>>().join(", "),
            xs.len()
        ),
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
