//! A lowering the code generator decided (`tinybind_abi::Lowering`, owned
//! data) in the form the dynamic call path executes ([`Lowering`], whose
//! types are `'static` as the generated bindings write them). Nothing is
//! decided here; only the representation changes.

use tinybind_abi as abi;

use crate::dynamic::lowered::{Lowering, ResultShape};
use crate::value::{StructType, ValueType};

impl Lowering {
    /// `lowering` as the dynamic call path takes it. Struct descriptions
    /// become `'static` by being leaked, once per call of this function: it
    /// is for tools that load a module for the life of their process (the
    /// CLI), not for a loop.
    pub fn leaked_from(lowering: &abi::Lowering) -> Lowering {
        match lowering {
            abi::Lowering::Raw { params, results } => Lowering::Raw {
                params: params.iter().map(|t| wasm_type(*t)).collect(),
                results: results.iter().map(|t| wasm_type(*t)).collect(),
            },
            abi::Lowering::Typed { params, results } => Lowering::Typed {
                params: params.iter().map(value_type).collect(),
                results: match results {
                    abi::Results::None => ResultShape::None,
                    abi::Results::Direct(s) => ResultShape::Direct(*ValueType::of_scalar(*s)),
                    abi::Results::Leaf(t) => ResultShape::Leaf(value_type(t)),
                    abi::Results::Packed(t) => ResultShape::Packed(value_type(t)),
                    abi::Results::Retptr { fields, size } => ResultShape::Retptr {
                        fields: fields.iter().map(|(t, offset)| (value_type(t), *offset)).collect(),
                        size: *size,
                    },
                },
            },
        }
    }
}

fn value_type(t: &abi::Type) -> ValueType {
    match t {
        abi::Type::Scalar(s) => *ValueType::of_scalar(*s),
        abi::Type::String => ValueType::String,
        abi::Type::Bytes => ValueType::Bytes,
        abi::Type::BytesPtrLen => ValueType::BytesPtrLen,
        abi::Type::SliceOf(elem) => ValueType::SliceOf(static_type(elem)),
        abi::Type::ArrayOf(elem, n) => ValueType::ArrayOf(static_type(elem), *n),
        abi::Type::Struct(s) => ValueType::Struct(Box::leak(Box::new(StructType {
            name: Box::leak(s.name.clone().into_boxed_str()),
            fields: Box::leak(
                s.fields
                    .iter()
                    .map(|f| (&*Box::leak(f.name.clone().into_boxed_str()), value_type(&f.ty)))
                    .collect::<Vec<_>>()
                    .into_boxed_slice(),
            ),
            offsets: Box::leak(s.fields.iter().map(|f| f.offset).collect::<Vec<_>>().into_boxed_slice()),
            size: s.layout.size,
            align: s.layout.align,
        }))),
        abi::Type::Interface => ValueType::Interface,
        abi::Type::Error => ValueType::Error,
    }
}

/// A `'static` element type: a scalar's constant, or a leaked one.
fn static_type(t: &abi::Type) -> &'static ValueType {
    match t {
        abi::Type::Scalar(s) => ValueType::of_scalar(*s),
        abi::Type::String => &ValueType::String,
        other => Box::leak(Box::new(value_type(other))),
    }
}

fn wasm_type(t: abi::WasmType) -> ValueType {
    match t {
        abi::WasmType::I32 => ValueType::I32,
        abi::WasmType::I64 => ValueType::I64,
        abi::WasmType::F32 => ValueType::F32,
        abi::WasmType::F64 => ValueType::F64,
    }
}
