//! Calling an export whose lowering is known at run time only: a module
//! loaded from a file, typed by the code generator's model (the CLI's
//! `tinybind call FILE.wasm`). The lowering is the one the code generator
//! decided (`tinybind_codegen::abi`), given here as data; this module only
//! executes it, with the same checks as the generated methods.

use wasmtime::Val;

use crate::dynamic::aggregate::{self, needs_blob, read_field, scalar_le_bytes};
use crate::error::{Error, GoError};
use crate::instance::handle::Instance;
use crate::mem::reader::GuestReader;
use crate::value::{scalar_from_wasm, Value, ValueType};

/// How one function crosses the boundary, as the code generator lowered it.
#[derive(Clone, Debug, PartialEq)]
pub enum Lowering {
    /// The exact wasm values: each of `params` and `results` is
    /// [`ValueType::I32`], [`ValueType::I64`], [`ValueType::F32`] or
    /// [`ValueType::F64`].
    Raw {
        params: Vec<ValueType>,
        results: Vec<ValueType>,
    },
    /// Go values, lowered with TinyGo's conventions.
    Typed {
        params: Vec<ValueType>,
        results: ResultShape,
    },
}

/// How a typed function's results come back.
#[derive(Clone, Debug, PartialEq)]
pub enum ResultShape {
    None,
    /// One scalar, the wasm result.
    Direct(ValueType),
    /// A struct or array of one scalar leaf, which is the wasm result.
    Leaf(ValueType),
    /// Written through the retptr (the first wasm parameter): each field's
    /// type and offset, and the area's size. A last field of type
    /// [`ValueType::Error`] is the Go `error`.
    Retptr {
        fields: Vec<(ValueType, u32)>,
        size: u32,
    },
    /// A [`ValueType::String`] or [`ValueType::BytesPtrLen`] packed into
    /// the one `i64` result, `ptr << 32 | len`, in a block the guest's
    /// `free` takes back once it is read.
    Packed(ValueType),
}

impl Lowering {
    /// The values a caller passes.
    pub fn params(&self) -> &[ValueType] {
        match self {
            Lowering::Raw { params, .. } | Lowering::Typed { params, .. } => params,
        }
    }

    /// The types of the function's results, one per Go result (the wasm
    /// results for [`Lowering::Raw`]).
    pub fn result_types(&self) -> Vec<ValueType> {
        match self {
            Lowering::Raw { results, .. } => results.clone(),
            Lowering::Typed { results, .. } => match results {
                ResultShape::None => Vec::new(),
                ResultShape::Direct(t) | ResultShape::Leaf(t) | ResultShape::Packed(t) => vec![*t],
                ResultShape::Retptr { fields, .. } => fields.iter().map(|(t, _)| *t).collect(),
            },
        }
    }

    /// The bytes of retptr area the function needs (0: none).
    pub fn retptr_size(&self) -> u32 {
        match self {
            Lowering::Typed {
                results: ResultShape::Retptr { size, .. },
                ..
            } => *size,
            _ => 0,
        }
    }
}

/// Calls `export` of `instance` with `args` as `lowering` says. A non-nil
/// Go `error` result is [`Error::GoError`], with its message where the
/// module's compiler names Go types (TinyGo 0.28 and later).
pub fn call_lowered(
    instance: &mut Instance,
    export: &'static str,
    lowering: &Lowering,
    args: &[Value],
) -> Result<Vec<Value>, Error> {
    let arity = |expected: usize| Error::Arity {
        guest: instance.guest().to_string(),
        function: export.to_string(),
        expected,
        got: args.len(),
    };
    match lowering {
        Lowering::Raw { params, results } => {
            if params.len() != args.len() {
                return Err(arity(params.len()));
            }
            let vals = params
                .iter()
                .zip(args)
                .map(|(t, v)| scalar_to_wasm(*t, v))
                .collect::<Result<Vec<_>, _>>()?;
            let out = instance.call_untyped(export, &vals)?;
            out.iter()
                .zip(results)
                .map(|(v, t)| scalar_from_wasm(*t, v).ok_or_else(|| missing_result(instance.guest(), export)))
                .collect()
        }
        Lowering::Typed { params, results } => {
            if params.len() != args.len() {
                return Err(arity(params.len()));
            }
            let vals = lower_args(instance, export, params, args, results)?;
            let out = instance.call_untyped(export, &vals)?;
            match results {
                ResultShape::None => Ok(Vec::new()),
                ResultShape::Direct(t) => match out.first() {
                    Some(v) => {
                        Ok(vec![scalar_from_wasm(*t, v).ok_or_else(|| missing_result(instance.guest(), export))?])
                    }
                    None => Err(missing_result(instance.guest(), export)),
                },
                ResultShape::Leaf(t) => match out.first() {
                    Some(v) => {
                        let leaf = scalar_from_wasm(aggregate::leaf_type(*t), v)
                            .ok_or_else(|| missing_result(instance.guest(), export))?;
                        Ok(vec![aggregate::around_leaf(*t, leaf)])
                    }
                    None => Err(missing_result(instance.guest(), export)),
                },
                ResultShape::Packed(t) => {
                    let Some(Val::I64(packed)) = out.first() else {
                        return Err(missing_result(instance.guest(), export));
                    };
                    Ok(vec![match t {
                        ValueType::String => Value::String(instance.take_packed_string(export, *packed)?),
                        _ => Value::Bytes(instance.take_packed_bytes(export, *packed)?),
                    }])
                }
                ResultShape::Retptr { fields, size } => {
                    let retptr = match vals.first() {
                        Some(Val::I32(p)) => *p,
                        _ => return Err(missing_result(instance.guest(), export)),
                    };
                    let read =
                        instance.read_results(export, retptr, *size, |out| read_fields(out, fields))?;
                    read.map_err(|error| Error::GoError {
                        guest: instance.guest().to_string(),
                        export: export.to_string(),
                        error,
                    })
                }
            }
        }
    }
}

/// Writes the arguments that live in memory into the guest and returns the
/// flat wasm parameters, the retptr first when there is one.
fn lower_args(
    instance: &mut Instance,
    export: &'static str,
    params: &[ValueType],
    args: &[Value],
    results: &ResultShape,
) -> Result<Vec<Val>, Error> {
    // Structs and arrays travel as their parts.
    let mut parts: Vec<(ValueType, &Value)> = Vec::new();
    for (t, v) in params.iter().zip(args) {
        aggregate::flatten(*t, v, &mut parts)?;
    }
    // First the bytes of every part that lives in memory, in one arena,
    // each with the inner pointers to relocate once it is there.
    let mut blobs: Vec<(Vec<u8>, Vec<u32>)> = Vec::new();
    for (t, v) in parts.iter().copied() {
        match (&t, v) {
            (ValueType::String, Value::String(s)) => blobs.push((s.as_bytes().to_vec(), Vec::new())),
            (ValueType::Bytes | ValueType::BytesPtrLen, Value::Bytes(b)) => blobs.push((b.clone(), Vec::new())),
            // Slices of strings, structs, arrays or bools: laid out as in
            // memory, pointers and all.
            (ValueType::SliceOf(elem), Value::List(items)) if **elem == ValueType::String || needs_blob(**elem) => {
                let blob = aggregate::elements_blob(**elem, items)?;
                blobs.push((blob.bytes().to_vec(), blob.relocations().to_vec()));
            }
            (ValueType::SliceOf(elem), Value::List(items)) => {
                let mut bytes = Vec::new();
                for item in items {
                    scalar_le_bytes(**elem, item, &mut bytes)?;
                }
                blobs.push((bytes, Vec::new()));
            }
            (ValueType::String | ValueType::Bytes | ValueType::BytesPtrLen | ValueType::SliceOf(_), other) => {
                return Err(Error::ArgumentType {
                    expected: t.name(),
                    got: other.type_name(),
                })
            }
            _ => {}
        }
    }
    let views: Vec<&[u8]> = blobs.iter().map(|(bytes, _)| bytes.as_slice()).collect();
    let slots = if views.is_empty() {
        Vec::new()
    } else {
        instance.write_arg_list(export, &views)?
    };
    let mut vals = Vec::new();
    if let ResultShape::Retptr { .. } = results {
        vals.push(Val::I32(instance.retptr(export)?));
    }
    let mut slot = slots.iter().zip(&blobs);
    let mut next_slot = || {
        slot.next()
            .map(|(s, (_, relocations))| (*s, relocations.as_slice()))
            .ok_or(Error::ArgumentType {
                expected: "an argument in guest memory",
                got: "none",
            })
    };
    for (t, v) in parts.iter().copied() {
        match (&t, v) {
            (ValueType::String | ValueType::BytesPtrLen, _) => {
                let (s, _) = next_slot()?;
                vals.extend([Val::I32(s.ptr), Val::I32(s.len)]);
            }
            (ValueType::Bytes, _) => {
                let (s, _) = next_slot()?;
                vals.extend([Val::I32(s.ptr), Val::I32(s.len), Val::I32(s.len)]);
            }
            (ValueType::SliceOf(_), Value::List(items)) => {
                let (s, relocations) = next_slot()?;
                instance.relocate(export, s, relocations)?;
                let count = items.len() as i32;
                vals.extend([Val::I32(s.ptr), Val::I32(count), Val::I32(count)]);
            }
            (ValueType::Interface, Value::Interface(i)) => {
                vals.extend([Val::I32(i.typecode as i32), Val::I32(i.value as i32)]);
            }
            (ValueType::Interface, other) => {
                return Err(Error::ArgumentType {
                    expected: "interface",
                    got: other.type_name(),
                })
            }
            (ValueType::Error, _) => {
                return Err(Error::ArgumentType {
                    expected: "no error (an error is a result, never an argument)",
                    got: v.type_name(),
                })
            }
            (scalar, value) => vals.push(scalar_to_wasm(*scalar, value)?),
        }
    }
    Ok(vals)
}

/// The retptr's fields: `Ok(values)`, or `Err` for a non-nil Go error.
fn read_fields(
    out: &GuestReader<'_>,
    fields: &[(ValueType, u32)],
) -> Result<Result<Vec<Value>, GoError>, Error> {
    let (values, error) = match fields.split_last() {
        Some(((ValueType::Error, offset), values)) => (values, Some(*offset)),
        _ => (fields, None),
    };
    let read_values = || values.iter().map(|(t, off)| read_field(out, *t, *off)).collect();
    match error {
        Some(offset) => out.go_result(offset, read_values),
        None => read_values().map(Ok),
    }
}

/// A scalar argument as its wasm value (booleans and small integers are one
/// `i32`, unsigned ones keep their bits).
pub(super) fn scalar_to_wasm(t: ValueType, v: &Value) -> Result<Val, Error> {
    Ok(match (t, v) {
        (ValueType::Bool, Value::Bool(x)) => Val::I32(i32::from(*x)),
        (ValueType::I8, Value::I8(x)) => Val::I32(i32::from(*x)),
        (ValueType::I16, Value::I16(x)) => Val::I32(i32::from(*x)),
        (ValueType::I32, Value::I32(x)) => Val::I32(*x),
        (ValueType::U8, Value::U8(x)) => Val::I32(i32::from(*x)),
        (ValueType::U16, Value::U16(x)) => Val::I32(i32::from(*x)),
        (ValueType::U32, Value::U32(x)) => Val::I32(*x as i32),
        (ValueType::I64, Value::I64(x)) => Val::I64(*x),
        (ValueType::U64, Value::U64(x)) => Val::I64(*x as i64),
        (ValueType::F32, Value::F32(x)) => Val::F32(x.to_bits()),
        (ValueType::F64, Value::F64(x)) => Val::F64(x.to_bits()),
        (t, v) => {
            return Err(Error::ArgumentType {
                expected: t.name(),
                got: v.type_name(),
            })
        }
    })
}

fn missing_result(guest: &str, export: &str) -> Error {
    Error::MissingExport {
        guest: guest.to_string(),
        export: export.to_string(),
        reason: "its wasm results are not the ones its lowering expects".into(),
    }
}
