//! Go structs and arrays as dynamic values, for the dynamic call path: a
//! struct is a [`Value::Record`] of its fields by Go name, an array a
//! [`Value::List`] of its length. Parameters are flattened to their parts as
//! the generated bindings flatten them; values in memory (slice elements,
//! results) follow the layout the code generator gave in [`StructType`].

use crate::error::Error;
use crate::mem::layout::{Blob, Lower};
use crate::mem::reader::GuestReader;
use crate::value::{StructType, Value, ValueType};

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

/// A retptr area of `size` bytes with `values` at their fields' offsets,
/// followed by what they point to: the results of an import answered from
/// data (the import tracer's canned results).
pub(super) fn results_blob(fields: &[(ValueType, u32)], size: u32, values: &[Value]) -> Result<Blob, Error> {
    let mut blob = Blob::default();
    blob.reserve(size, 8);
    for ((t, offset), v) in fields.iter().zip(values) {
        if u64::from(*offset) + u64::from(t.layout().0) > u64::from(size) {
            return Err(Error::ArgumentType {
                expected: "a result inside the result area",
                got: "a result beyond it",
            });
        }
        lower(&mut blob, *offset, *t, v)?;
    }
    Ok(blob)
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
        (ValueType::Bytes, Value::Bytes(b)) => Lower::lower(b, blob, at),
        (ValueType::SliceOf(elem), Value::List(items)) => {
            let data = lower_elements(blob, *elem, items)?;
            blob.slice_header(at, data, items.len());
        }
        (ValueType::Bool, Value::Bool(x)) => blob.put(at, &[u8::from(*x)]),
        (ValueType::Interface | ValueType::Error, Value::Interface(i)) => {
            blob.put(at, &i.typecode.to_le_bytes());
            blob.put(at + 4, &i.value.to_le_bytes());
        }
        (t, v) => {
            let mut bytes = Vec::new();
            scalar_le_bytes(t, v, &mut bytes)?;
            blob.put(at, &bytes);
        }
    }
    Ok(())
}

/// Reads a struct, an array or a slice of them at `offset`.
pub(super) fn read(out: &GuestReader<'_>, t: ValueType, offset: u32) -> Result<Value, Error> {
    Ok(match t {
        ValueType::Struct(s) => Value::Record(
            s.fields
                .iter()
                .zip(s.offsets)
                .map(|((name, ft), at)| Ok((name.to_string(), read_field(out, *ft, offset.wrapping_add(*at))?)))
                .collect::<Result<_, Error>>()?,
        ),
        ValueType::ArrayOf(elem, n) => {
            let (size, _) = elem.layout();
            Value::List(
                (0..n)
                    .map(|i| read_field(out, *elem, offset.wrapping_add(i * size)))
                    .collect::<Result<_, _>>()?,
            )
        }
        ValueType::SliceOf(elem) => {
            let (size, _) = elem.layout();
            Value::List(out.elements_by(offset, size, |items, at| read_field(items, *elem, at))?)
        }
        other => read_field(out, other, offset)?,
    })
}

/// The struct or array of one scalar leaf, built around that leaf's value.
pub(super) fn around_leaf(t: ValueType, leaf: Value) -> Value {
    match t {
        ValueType::Struct(s) => Value::Record(
            s.fields
                .iter()
                .map(|(name, ft)| (name.to_string(), around_leaf(*ft, leaf.clone())))
                .collect(),
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

/// Whether a slice's elements are written as a relocated blob: structs,
/// arrays and bools (numbers are plain little-endian bytes, strings their own
/// case).
pub(super) fn needs_blob(elem: ValueType) -> bool {
    is_aggregate(elem) || elem == ValueType::Bool || matches!(elem, ValueType::SliceOf(_) | ValueType::Bytes)
}

pub(super) fn read_field(out: &GuestReader<'_>, t: ValueType, off: u32) -> Result<Value, Error> {
    Ok(match t {
        ValueType::Struct(_) | ValueType::ArrayOf(..) => return read(out, t, off),
        ValueType::SliceOf(elem) if needs_blob(*elem) => return read(out, t, off),
        ValueType::Bool => Value::Bool(out.bool(off)?),
        ValueType::I8 => Value::I8(out.i8(off)?),
        ValueType::I16 => Value::I16(out.i16(off)?),
        ValueType::I32 => Value::I32(out.i32(off)?),
        ValueType::I64 => Value::I64(out.i64(off)?),
        ValueType::U8 => Value::U8(out.u8(off)?),
        ValueType::U16 => Value::U16(out.u16(off)?),
        ValueType::U32 => Value::U32(out.u32(off)?),
        ValueType::U64 => Value::U64(out.u64(off)?),
        ValueType::F32 => Value::F32(out.f32(off)?),
        ValueType::F64 => Value::F64(out.f64(off)?),
        ValueType::String => Value::String(out.string(off)?),
        ValueType::Bytes => Value::Bytes(out.bytes(off)?),
        // A parameter or a packed result, never in a retptr area.
        ValueType::BytesPtrLen => {
            return Err(Error::ArgumentType {
                expected: "a []byte field with a capacity",
                got: "a (ptr, len) []byte",
            })
        }
        ValueType::SliceOf(elem) => Value::List(match elem {
            ValueType::String => out.strings(off)?.into_iter().map(Value::String).collect(),
            ValueType::I8 => out.slice::<i8>(off)?.into_iter().map(Value::I8).collect(),
            ValueType::I16 => out.slice::<i16>(off)?.into_iter().map(Value::I16).collect(),
            ValueType::I32 => out.slice::<i32>(off)?.into_iter().map(Value::I32).collect(),
            ValueType::I64 => out.slice::<i64>(off)?.into_iter().map(Value::I64).collect(),
            ValueType::U8 => out.slice::<u8>(off)?.into_iter().map(Value::U8).collect(),
            ValueType::U16 => out.slice::<u16>(off)?.into_iter().map(Value::U16).collect(),
            ValueType::U32 => out.slice::<u32>(off)?.into_iter().map(Value::U32).collect(),
            ValueType::U64 => out.slice::<u64>(off)?.into_iter().map(Value::U64).collect(),
            ValueType::F32 => out.slice::<f32>(off)?.into_iter().map(Value::F32).collect(),
            ValueType::F64 => out.slice::<f64>(off)?.into_iter().map(Value::F64).collect(),
            other => return Err(no_binding(other)),
        }),
        ValueType::Interface | ValueType::Error => Value::Interface(out.interface(off)?),
    })
}

fn no_binding(t: &ValueType) -> Error {
    Error::ArgumentType {
        expected: "a type the dynamic call path knows",
        got: t.name(),
    }
}

/// A scalar list element's little-endian bytes, as Go lays out a slice.
pub(super) fn scalar_le_bytes(t: ValueType, v: &Value, out: &mut Vec<u8>) -> Result<(), Error> {
    match (t, v) {
        (ValueType::I8, Value::I8(x)) => out.extend(x.to_le_bytes()),
        (ValueType::I16, Value::I16(x)) => out.extend(x.to_le_bytes()),
        (ValueType::I32, Value::I32(x)) => out.extend(x.to_le_bytes()),
        (ValueType::I64, Value::I64(x)) => out.extend(x.to_le_bytes()),
        (ValueType::U8, Value::U8(x)) => out.extend(x.to_le_bytes()),
        (ValueType::U16, Value::U16(x)) => out.extend(x.to_le_bytes()),
        (ValueType::U32, Value::U32(x)) => out.extend(x.to_le_bytes()),
        (ValueType::U64, Value::U64(x)) => out.extend(x.to_le_bytes()),
        (ValueType::F32, Value::F32(x)) => out.extend(x.to_le_bytes()),
        (ValueType::F64, Value::F64(x)) => out.extend(x.to_le_bytes()),
        (t, v) => {
            return Err(Error::ArgumentType {
                expected: t.name(),
                got: v.type_name(),
            })
        }
    }
    Ok(())
}
