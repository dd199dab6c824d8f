//! The code generator's lowering of a function (`tinybind_abi::Lowering`,
//! from its inspection API) as the runtime's dynamic call path takes it.
//! Nothing is decided here; only the representation changes.

use tinybind_abi::{Results, Scalar, StructType, Type, WasmType};
use tinybind_runtime::{Lowering, ResultShape, ValueType};

/// The runtime's lowering of an export or import.
pub fn lowering(l: &tinybind_abi::Lowering) -> Lowering {
    match l {
        tinybind_abi::Lowering::Raw { params, results } => Lowering::Raw {
            params: params.iter().map(|t| wasm_type(*t)).collect(),
            results: results.iter().map(|t| wasm_type(*t)).collect(),
        },
        tinybind_abi::Lowering::Typed { params, results } => Lowering::Typed {
            params: params.iter().map(value_type).collect(),
            results: match results {
                Results::None => ResultShape::None,
                Results::Direct(s) => ResultShape::Direct(scalar(*s)),
                Results::Leaf(t) => ResultShape::Leaf(value_type(t)),
                Results::Retptr { fields, size } => ResultShape::Retptr {
                    fields: fields.iter().map(|(t, offset)| (value_type(t), *offset)).collect(),
                    size: *size,
                },
            },
        },
    }
}

/// The runtime's type of a lowered value.
fn value_type(t: &Type) -> ValueType {
    match t {
        Type::Scalar(s) => scalar(*s),
        Type::String => ValueType::String,
        Type::Bytes => ValueType::Bytes,
        Type::SliceOf(elem) => ValueType::SliceOf(leak(value_type(elem))),
        Type::ArrayOf(elem, n) => ValueType::ArrayOf(leak(value_type(elem)), *n),
        Type::Struct(s) => ValueType::Struct(struct_type(s)),
        Type::Interface => ValueType::Interface,
        Type::Error => ValueType::Error,
    }
}

/// A struct's runtime description. The runtime's types are `'static` (the
/// generated bindings write them as constants); a module loaded by this
/// command lives until it exits, so its types are leaked, once per call.
fn struct_type(s: &StructType) -> &'static tinybind_runtime::StructType {
    let fields: Vec<(&'static str, ValueType)> = s
        .fields
        .iter()
        .map(|f| (leak_str(&f.name), value_type(&f.ty)))
        .collect();
    let offsets: Vec<u32> = s.fields.iter().map(|f| f.offset).collect();
    Box::leak(Box::new(tinybind_runtime::StructType {
        name: leak_str(&s.name),
        fields: Box::leak(fields.into_boxed_slice()),
        offsets: Box::leak(offsets.into_boxed_slice()),
        size: s.layout.size,
        align: s.layout.align,
    }))
}

fn leak(t: ValueType) -> &'static ValueType {
    Box::leak(Box::new(t))
}

fn leak_str(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

fn scalar(s: Scalar) -> ValueType {
    match s {
        Scalar::Bool => ValueType::Bool,
        Scalar::I8 => ValueType::I8,
        Scalar::I16 => ValueType::I16,
        Scalar::I32 => ValueType::I32,
        Scalar::I64 => ValueType::I64,
        Scalar::U8 => ValueType::U8,
        Scalar::U16 => ValueType::U16,
        Scalar::U32 => ValueType::U32,
        Scalar::U64 => ValueType::U64,
        Scalar::F32 => ValueType::F32,
        Scalar::F64 => ValueType::F64,
    }
}

fn wasm_type(t: WasmType) -> ValueType {
    match t {
        WasmType::I32 => ValueType::I32,
        WasmType::I64 => ValueType::I64,
        WasmType::F32 => ValueType::F32,
        WasmType::F64 => ValueType::F64,
    }
}
