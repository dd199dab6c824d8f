//! `--json` output: the results of a call as one JSON list; a failure is
//! [`super::failure::Failure::to_json`].
//!
//! Numbers are JSON numbers (64-bit integers exactly), a float that is not
//! finite the string `"NaN"`, `"inf"` or `"-inf"`; `bool` a JSON boolean;
//! `string` a JSON string; `[]byte` a string of hex digits, as the text
//! output prints it; other slices JSON lists; an interface
//! `{"typecode": N, "value": N}`.

use serde_json::{json, Value as Json};
use tinybind_runtime::Value;

/// The results as one JSON list.
pub fn results(values: &[Value]) -> Json {
    Json::Array(values.iter().map(value).collect())
}

pub fn value(v: &Value) -> Json {
    match v {
        Value::Bool(x) => json!(x),
        Value::I8(x) => json!(x),
        Value::I16(x) => json!(x),
        Value::I32(x) => json!(x),
        Value::I64(x) => json!(x),
        Value::U8(x) => json!(x),
        Value::U16(x) => json!(x),
        Value::U32(x) => json!(x),
        Value::U64(x) => json!(x),
        // The shortest decimal that reads back as the same f32.
        Value::F32(x) => float(x.to_string().parse().unwrap_or(f64::from(*x))),
        Value::F64(x) => float(*x),
        Value::String(s) => json!(s),
        Value::Bytes(b) => json!(b.iter().map(|x| format!("{x:02x}")).collect::<String>()),
        Value::List(xs) => Json::Array(xs.iter().map(value).collect()),
        Value::Interface(i) => json!({"typecode": i.typecode, "value": i.value}),
        Value::Record(fields) => Json::Object(fields.iter().map(|(n, v)| (n.clone(), value(v))).collect()),
        // Values this CLI does not know yet are shown as Rust prints them.
        #[allow(unreachable_patterns)]
        other => json!(format!("{other:?}")),
    }
}

fn float(x: f64) -> Json {
    if x.is_finite() {
        json!(x)
    } else if x.is_nan() {
        json!("NaN")
    } else if x > 0.0 {
        json!("inf")
    } else {
        json!("-inf")
    }
}
