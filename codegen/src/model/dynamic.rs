//! A binding as owned `tinybind_abi` data, for callers that learn a
//! function's lowering at run time (the CLI's `tinybind call FILE.wasm` and
//! its import tracer): the lowering `abi` decided, only represented anew.

use tinybind_abi::{Lowering, Results, StructField, StructType, Type};

use crate::abi::lower;
use crate::abi::repr::{Repr, Struct};
use crate::model::guest::{Binding, FunctionModel};
use crate::wasm::WasmType;

/// The lowering of an export or import. A Go `error` result is the last
/// retptr field, as [`Type::Error`].
pub fn lowering(f: &FunctionModel) -> Lowering {
    let Binding::Typed(l) = &f.binding else {
        return Lowering::Raw {
            params: f.wasm.params.iter().map(|t| wasm_type(*t)).collect(),
            results: f.wasm.results.iter().map(|t| wasm_type(*t)).collect(),
        };
    };
    let results = match &l.results {
        lower::Results::None => Results::None,
        lower::Results::Direct(s) => Results::Direct(*s),
        lower::Results::Leaf { value, .. } => Results::Leaf(ty(value)),
        lower::Results::Packed(value) => Results::Packed(ty(value)),
        lower::Results::Retptr { fields, size } => {
            let last = fields.len().saturating_sub(1);
            Results::Retptr {
                fields: fields
                    .iter()
                    .enumerate()
                    .map(|(i, field)| {
                        let t = if l.go_error && i == last {
                            Type::Error
                        } else {
                            ty(&field.value)
                        };
                        (t, field.offset)
                    })
                    .collect(),
                size: *size,
            }
        }
    };
    Lowering::Typed {
        params: l.params.iter().map(|p| ty(&p.value)).collect(),
        results,
    }
}

/// The type of a lowered value.
fn ty(v: &Repr) -> Type {
    match v {
        Repr::Scalar(s) => Type::Scalar(*s),
        Repr::String => Type::String,
        Repr::Bytes => Type::BytesPtrLen,
        Repr::Slice(tinybind_abi::Scalar::U8) => Type::Bytes,
        Repr::Slice(s) => Type::SliceOf(Box::new(Type::Scalar(*s))),
        Repr::Strings => Type::SliceOf(Box::new(Type::String)),
        Repr::Interface => Type::Interface,
        Repr::Struct(s) => Type::Struct(struct_type(s)),
        Repr::Array(elem, n) => Type::ArrayOf(Box::new(ty(elem)), *n),
        Repr::List(elem) => Type::SliceOf(Box::new(ty(elem))),
    }
}

/// A struct by its Go names, laid out as the lowering decided.
fn struct_type(s: &Struct) -> StructType {
    StructType {
        name: s.go_name.clone(),
        fields: s
            .fields
            .iter()
            .map(|f| StructField {
                name: f.go_name.clone(),
                ty: ty(&f.value),
                offset: f.offset,
            })
            .collect(),
        layout: tinybind_abi::Layout {
            size: s.size,
            align: s.align,
        },
    }
}

fn wasm_type(t: WasmType) -> tinybind_abi::WasmType {
    match t {
        WasmType::I64 => tinybind_abi::WasmType::I64,
        WasmType::F32 => tinybind_abi::WasmType::F32,
        WasmType::F64 => tinybind_abi::WasmType::F64,
        // The model leaves out functions with other types.
        WasmType::I32 | WasmType::Other => tinybind_abi::WasmType::I32,
    }
}
