//! Values on the command line: arguments parsed by their types, results
//! printed one a line.

use tinybind_runtime::{Value, ValueType};

/// An error of a call, on one line, with the bytes of a string that was not
/// UTF-8 (a Go string may hold any bytes) as context.
pub fn describe(e: &tinybind_runtime::Error) -> String {
    match e.invalid_utf8_bytes() {
        Some(bytes) => {
            const SHOWN: usize = 64;
            let hex: String = bytes.iter().take(SHOWN).map(|b| format!("{b:02x}")).collect();
            let more = if bytes.len() > SHOWN {
                format!("... ({} bytes)", bytes.len())
            } else {
                String::new()
            };
            format!("{e}; the bytes: 0x{hex}{more}")
        }
        None => e.to_string(),
    }
}

/// A type's name with its indefinite article: "an i64", "a string".
fn a(name: &str) -> String {
    let mut chars = name.chars();
    let first = chars.next().unwrap_or(' ').to_ascii_lowercase();
    let number_type = chars.next().is_some_and(|c| c.is_ascii_digit());
    // `f32` reads "eff", `u8` "you"; other names as words.
    let vowel = if number_type {
        first == 'f' || first == 'i'
    } else {
        "aeio".contains(first)
    };
    let article = if vowel { "an" } else { "a" };
    format!("{article} {name}")
}

pub fn parse_value(ty: ValueType, text: &str) -> Result<Value, String> {
    fn num<T: std::str::FromStr>(text: &str, ty: ValueType) -> Result<T, String> {
        text.trim()
            .parse()
            .map_err(|_| format!("`{text}` is not {}", a(ty.name())))
    }
    Ok(match ty {
        ValueType::Bool => Value::Bool(match text.trim() {
            "1" => true,
            "0" => false,
            _ => num(text, ty)?,
        }),
        ValueType::I8 => Value::I8(num(text, ty)?),
        ValueType::I16 => Value::I16(num(text, ty)?),
        ValueType::I32 => Value::I32(num(text, ty)?),
        ValueType::I64 => Value::I64(num(text, ty)?),
        ValueType::U8 => Value::U8(num(text, ty)?),
        ValueType::U16 => Value::U16(num(text, ty)?),
        ValueType::U32 => Value::U32(num(text, ty)?),
        ValueType::U64 => Value::U64(num(text, ty)?),
        ValueType::F32 => Value::F32(num(text, ty)?),
        ValueType::F64 => Value::F64(num(text, ty)?),
        ValueType::String => Value::String(text.to_string()),
        ValueType::Bytes | ValueType::BytesPtrLen => match text.strip_prefix("0x") {
            Some(hex) => Value::Bytes(parse_hex(hex)?),
            None => Value::Bytes(text.as_bytes().to_vec()),
        },
        // JSON, for lists whose items hold commas (`["a,b", "c"]`) and for
        // structs (`{"X": 1, "Y": 2}`).
        ValueType::SliceOf(_) | ValueType::ArrayOf(..) | ValueType::Struct(_)
            if text.trim_start().starts_with(['[', '{']) =>
        {
            let json: serde_json::Value =
                serde_json::from_str(text).map_err(|e| format!("`{text}` is not JSON: {e}"))?;
            from_json(ty, &json)?
        }
        ValueType::Struct(s) => return Err(format!("a `{}` is given as a JSON object of its fields", s.name)),
        ValueType::ArrayOf(elem, n) => {
            let items: Vec<Value> = text
                .split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|s| parse_value(*elem, s))
                .collect::<Result<_, _>>()?;
            if items.len() != n as usize {
                return Err(format!("`{text}` has {} items; the array has {n}", items.len()));
            }
            Value::List(items)
        }
        ValueType::SliceOf(elem) => Value::List(
            text.split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|s| parse_value(*elem, s))
                .collect::<Result<_, _>>()?,
        ),
        ValueType::Error => return Err("an error is a result, never an argument".into()),
        ValueType::Interface => {
            let (t, v) = text
                .split_once(':')
                .ok_or_else(|| format!("`{text}` is not an interface value TYPECODE:VALUE"))?;
            Value::Interface(tinybind_runtime::GoInterface {
                typecode: num(t, ValueType::U32)?,
                value: num(v, ValueType::U32)?,
            })
        }
    })
}

/// A JSON value as a value of type `ty`: lists for slices and arrays,
/// objects (by Go field name) for structs, and scalars as their text.
pub fn from_json(ty: ValueType, json: &serde_json::Value) -> Result<Value, String> {
    use serde_json::Value as J;
    match (ty, json) {
        (ValueType::SliceOf(elem) | ValueType::ArrayOf(elem, _), J::Array(items)) => {
            if let ValueType::ArrayOf(_, n) = ty {
                if items.len() != n as usize {
                    return Err(format!("`{json}` has {} items; the array has {n}", items.len()));
                }
            }
            Ok(Value::List(items.iter().map(|i| from_json(*elem, i)).collect::<Result<_, _>>()?))
        }
        (ValueType::Struct(s), J::Object(fields)) => {
            if let Some(unknown) = fields.keys().find(|k| !s.fields.iter().any(|(n, _)| n == k)) {
                let hint = s
                    .fields
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(unknown))
                    .map(|(n, _)| format!("; did you mean `{n}`?"))
                    .unwrap_or_default();
                return Err(format!("`{}` has no field `{unknown}`{hint}", s.name));
            }
            let values = s
                .fields
                .iter()
                .map(|(name, t)| match fields.get(*name) {
                    Some(j) => Ok((name.to_string(), from_json(*t, j)?)),
                    None => Err(format!("`{}` needs its field `{name}`", s.name)),
                })
                .collect::<Result<_, String>>()?;
            Ok(Value::Record(values))
        }
        (ValueType::SliceOf(_) | ValueType::ArrayOf(..) | ValueType::Struct(_), other) => {
            Err(format!("`{other}` is not {}", a(ty.name())))
        }
        (_, J::String(s)) => parse_value(ty, s),
        (_, other) => parse_value(ty, &other.to_string()),
    }
}

fn parse_hex(hex: &str) -> Result<Vec<u8>, String> {
    if !hex.len().is_multiple_of(2) {
        return Err(format!("`0x{hex}` has an odd number of hex digits"));
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
                .ok_or_else(|| format!("`0x{hex}` is not hex"))
        })
        .collect()
}

/// A raw wasm number: `i32`/`i64` also take their unsigned range (an
/// address, say) and `0x` hex.
pub fn parse_raw(ty: ValueType, text: &str) -> Result<Value, String> {
    let t = text.trim();
    let hex = t.strip_prefix("0x").map(|h| u64::from_str_radix(h, 16));
    let bad = || format!("`{text}` is not a wasm {}", ty.name());
    Ok(match ty {
        ValueType::I32 => match (t.parse::<i32>(), t.parse::<u32>(), hex) {
            (Ok(x), _, _) => Value::I32(x),
            (_, Ok(x), _) => Value::I32(x as i32),
            (_, _, Some(Ok(x))) if x <= u64::from(u32::MAX) => Value::I32(x as u32 as i32),
            _ => return Err(bad()),
        },
        ValueType::I64 => match (t.parse::<i64>(), t.parse::<u64>(), hex) {
            (Ok(x), _, _) => Value::I64(x),
            (_, Ok(x), _) => Value::I64(x as i64),
            (_, _, Some(Ok(x))) => Value::I64(x as i64),
            _ => return Err(bad()),
        },
        other => parse_value(other, text)?,
    })
}

pub fn show(v: &Value) -> String {
    match v {
        Value::Bool(x) => x.to_string(),
        Value::I8(x) => x.to_string(),
        Value::I16(x) => x.to_string(),
        Value::I32(x) => x.to_string(),
        Value::I64(x) => x.to_string(),
        Value::U8(x) => x.to_string(),
        Value::U16(x) => x.to_string(),
        Value::U32(x) => x.to_string(),
        Value::U64(x) => x.to_string(),
        Value::F32(x) => x.to_string(),
        Value::F64(x) => x.to_string(),
        Value::String(s) => s.clone(),
        Value::Bytes(b) => b.iter().map(|x| format!("{x:02x}")).collect(),
        Value::List(xs) => xs.iter().map(show).collect::<Vec<_>>().join(","),
        Value::Interface(i) => format!("{}:{}", i.typecode, i.value),
        Value::Record(_) => super::json::value(v).to_string(),
    }
}

pub fn show_arg(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Bytes(b) => format!("b{:?}", String::from_utf8_lossy(b)),
        other => show(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_by_type() {
        assert_eq!(parse_value(ValueType::Bool, "1"), Ok(Value::Bool(true)));
        assert_eq!(parse_value(ValueType::Bool, "false"), Ok(Value::Bool(false)));
        assert!(parse_value(ValueType::Bool, "yes").is_err());
        let strings = ValueType::SliceOf(&ValueType::String);
        assert_eq!(
            parse_value(strings, r#"["a,b", "c"]"#),
            Ok(Value::List(vec![Value::String("a,b".into()), Value::String("c".into())]))
        );
        assert_eq!(
            parse_value(ValueType::SliceOf(&ValueType::U16), "[1, 2]"),
            Ok(Value::List(vec![Value::U16(1), Value::U16(2)]))
        );
        assert!(parse_value(ValueType::SliceOf(&ValueType::U8), "[300]").is_err());
        assert_eq!(parse_raw(ValueType::I32, "4294967295"), Ok(Value::I32(-1)));
        assert_eq!(parse_raw(ValueType::I32, "0x10"), Ok(Value::I32(16)));
        assert_eq!(parse_raw(ValueType::I64, "18446744073709551615"), Ok(Value::I64(-1)));
        assert!(parse_raw(ValueType::I32, "4294967296").is_err());
        assert!(parse_value(ValueType::I32, "4294967295").is_err());
    }

    #[test]
    fn messages_use_the_right_article_and_suggest_a_field() {
        use tinybind_runtime::StructType;
        let message = |ty, text| parse_value(ty, text).unwrap_err();
        assert_eq!(message(ValueType::I64, "abc"), "`abc` is not an i64");
        assert_eq!(message(ValueType::F32, "abc"), "`abc` is not an f32");
        assert_eq!(message(ValueType::U8, "abc"), "`abc` is not a u8");
        static DOC: StructType = StructType {
            name: "Doc",
            fields: &[("Title", ValueType::String)],
            offsets: &[0],
            size: 8,
            align: 4,
        };
        let err = parse_value(ValueType::Struct(&DOC), r#"{"title": "x"}"#).unwrap_err();
        assert_eq!(err, "`Doc` has no field `title`; did you mean `Title`?");
    }
}
