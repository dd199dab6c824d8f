//! Go structs and arrays as dynamic values, for the dynamic call path: a
//! struct is a [`Value::Record`] of its fields by Go name, an array a
//! [`Value::List`] of its length. Parameters are flattened to their parts as
//! the generated bindings flatten them; values in memory (slice elements,
//! results) follow the layout the code generator gave in [`StructType`].

use super::{StructType, Value, ValueType};
use crate::layout::Blob;
use crate::memory::Results;
use crate::Error;

/// Whether a type is passed in parts: a struct or an array.
pub(super) fn is_aggregate(t: ValueType) -> bool {
    matches!(t, ValueType::Struct(_) | ValueType::ArrayOf(..))
}

/// The parts of a parameter, down to the values that are not structs or
/// arrays, in flattening order.
pub(super) fn flatten<'v>(t: ValueType, v: &'v Value, out: &mut Vec<(ValueType, &'v Value)>) -> Result<(), Error> {
    match t {
        ValueType::Struct(s) => {
            for (name, ft) in s.fields {
                flatten(*ft, field(s, v, name)?, out)?;
            }
        }
        ValueType::ArrayOf(elem, n) => {
            for item in items(v, n)? {
                flatten(*elem, item, out)?;
            }
        }
        other => out.push((other, v)),
    }
    Ok(())
}

fn field<'v>(s: &StructType, v: &'v Value, name: &str) -> Result<&'v Value, Error> {
    match v {
        Value::Record(fields) => match fields.iter().find(|(n, _)| n == name) {
            Some((_, value)) => Ok(value),
            None => Err(Error::ArgumentType {
                expected: s.name,
                got: "a struct without one of its fields",
            }),
        },
        other => Err(Error::ArgumentType {
            expected: s.name,
            got: other.type_name(),
        }),
    }
}

fn items(v: &Value, n: u32) -> Result<&[Value], Error> {
    match v {
        Value::List(items) if items.len() == n as usize => Ok(items),
        Value::List(_) => Err(Error::ArgumentType {
            expected: "a list of the array's length",
            got: "a list of another length",
        }),
        other => Err(Error::ArgumentType {
            expected: "array",
            got: other.type_name(),
        }),
    }
}

/// The elements of a slice of `elem` as a blob, laid out in guest memory's
/// form, with what they point to after them.
pub(super) fn elements_blob(elem: ValueType, items: &[Value]) -> Result<Blob, Error> {
    let mut blob = Blob::default();
    lower_elements(&mut blob, elem, items)?;
    Ok(blob)
}

fn lower_elements(blob: &mut Blob, elem: ValueType, items: &[Value]) -> Result<u32, Error> {
    let (size, align) = elem.layout();
    let start = blob.reserve(size.saturating_mul(items.len() as u32), align);
    for (i, item) in items.iter().enumerate() {
        lower(blob, start + i as u32 * size, elem, item)?;
    }
    Ok(start)
}

/// Writes `v` of type `t` at `at` of the blob.
fn lower(blob: &mut Blob, at: u32, t: ValueType, v: &Value) -> Result<(), Error> {
    match (t, v) {
        (ValueType::Struct(s), _) => {
            for ((name, ft), offset) in s.fields.iter().zip(s.offsets) {
                lower(blob, at + offset, *ft, field(s, v, name)?)?;
            }
        }
        (ValueType::ArrayOf(elem, n), _) => {
            let (size, _) = elem.layout();
            for (i, item) in items(v, n)?.iter().enumerate() {
                lower(blob, at + i as u32 * size, *elem, item)?;
            }
        }
        (ValueType::String, Value::String(s)) => blob.string(at, s.as_bytes()),
        (ValueType::Bytes, Value::Bytes(b)) => crate::layout::Lower::lower(b, blob, at),
        (ValueType::SliceOf(elem), Value::List(items)) => {
            let data = lower_elements(blob, *elem, items)?;
            blob.slice_header(at, data, items.len());
        }
        (ValueType::Bool, Value::Bool(x)) => blob.put(at, &[u8::from(*x)]),
        (ValueType::Interface, Value::Interface(i)) => {
            blob.put(at, &i.typecode.to_le_bytes());
            blob.put(at + 4, &i.value.to_le_bytes());
        }
        (t, v) => {
            let mut bytes = Vec::new();
            super::lowered::scalar_le_bytes(t, v, &mut bytes)?;
            blob.put(at, &bytes);
        }
    }
    Ok(())
}

/// Reads a struct, an array or a slice of them at `offset`.
pub(super) fn read(out: &Results<'_>, t: ValueType, offset: u32) -> Result<Value, Error> {
    Ok(match t {
        ValueType::Struct(s) => Value::Record(
            s.fields
                .iter()
                .zip(s.offsets)
                .map(|((name, ft), at)| Ok((name.to_string(), super::lowered::read_field(out, *ft, offset.wrapping_add(*at))?)))
                .collect::<Result<_, Error>>()?,
        ),
        ValueType::ArrayOf(elem, n) => {
            let (size, _) = elem.layout();
            Value::List(
                (0..n)
                    .map(|i| super::lowered::read_field(out, *elem, offset.wrapping_add(i * size)))
                    .collect::<Result<_, _>>()?,
            )
        }
        ValueType::SliceOf(elem) => {
            let (size, _) = elem.layout();
            Value::List(out.elements_by(offset, size, |items, at| super::lowered::read_field(items, *elem, at))?)
        }
        other => super::lowered::read_field(out, other, offset)?,
    })
}

/// The struct or array of one scalar leaf, built around that leaf's value.
pub(super) fn around_leaf(t: ValueType, leaf: Value) -> Value {
    match t {
        ValueType::Struct(s) => Value::Record(
            s.fields.iter().map(|(name, ft)| (name.to_string(), around_leaf(*ft, leaf.clone()))).collect(),
        ),
        ValueType::ArrayOf(elem, _) => Value::List(vec![around_leaf(*elem, leaf)]),
        _ => leaf,
    }
}

/// The scalar type of the one leaf of a struct or array of one scalar.
pub(super) fn leaf_type(t: ValueType) -> ValueType {
    match t {
        ValueType::Struct(s) => s.fields.first().map_or(t, |(_, ft)| leaf_type(*ft)),
        ValueType::ArrayOf(elem, _) => leaf_type(*elem),
        other => other,
    }
}
