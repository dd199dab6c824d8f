//! The code generator's model of a function, as the runtime's dynamic call
//! path takes it: the lowering `tinybind_codegen::abi` decided, turned into
//! data ([`Lowering`]). Nothing is inferred here; only the representation
//! changes.

use tinybind_codegen::abi::{self, Results, Scalar};
use tinybind_codegen::model::{Binding, FunctionModel};
use tinybind_codegen::wasm::WasmType;
use tinybind_runtime::{Lowering, ResultShape, ValueType};

/// The lowering of an export or import.
pub fn lowering(f: &FunctionModel) -> Lowering {
    match &f.binding {
        Binding::Raw { .. } => Lowering::Raw {
            params: f.wasm.params.iter().map(|t| wasm_type(*t)).collect(),
            results: f.wasm.results.iter().map(|t| wasm_type(*t)).collect(),
        },
        Binding::Typed(l) => {
            let params = l.params.iter().map(|p| value_type(p.value)).collect();
            let results = match &l.results {
                Results::None => ResultShape::None,
                Results::Direct(s) => ResultShape::Direct(scalar(*s)),
                Results::Retptr { fields, size } => {
                    let last = fields.len().saturating_sub(1);
                    ResultShape::Retptr {
                        fields: fields
                            .iter()
                            .enumerate()
                            .map(|(i, field)| {
                                let t = if l.go_error && i == last {
                                    ValueType::Error
                                } else {
                                    value_type(field.value)
                                };
                                (t, field.offset)
                            })
                            .collect(),
                        size: *size,
                    }
                }
            };
            Lowering::Typed { params, results }
        }
    }
}

/// The names of the values a caller passes, one per [`Lowering::params`].
pub fn param_names(f: &FunctionModel) -> Vec<String> {
    f.rust_params().into_iter().map(|(name, _)| name).collect()
}

fn value_type(v: abi::Value) -> ValueType {
    match v {
        abi::Value::Scalar(s) => scalar(s),
        abi::Value::String => ValueType::String,
        abi::Value::Slice(Scalar::U8) => ValueType::Bytes,
        abi::Value::Slice(s) => ValueType::SliceOf(static_scalar(s)),
        abi::Value::Strings => ValueType::SliceOf(&ValueType::String),
        abi::Value::Interface => ValueType::Interface,
    }
}

fn scalar(s: Scalar) -> ValueType {
    *static_scalar(s)
}

fn static_scalar(s: Scalar) -> &'static ValueType {
    match s {
        Scalar::Bool => &ValueType::Bool,
        Scalar::I8 => &ValueType::I8,
        Scalar::I16 => &ValueType::I16,
        Scalar::I32 => &ValueType::I32,
        Scalar::I64 => &ValueType::I64,
        Scalar::U8 => &ValueType::U8,
        Scalar::U16 => &ValueType::U16,
        Scalar::U32 => &ValueType::U32,
        Scalar::U64 => &ValueType::U64,
        Scalar::F32 => &ValueType::F32,
        Scalar::F64 => &ValueType::F64,
    }
}

fn wasm_type(t: WasmType) -> ValueType {
    match t {
        WasmType::I64 => ValueType::I64,
        WasmType::F32 => ValueType::F32,
        WasmType::F64 => ValueType::F64,
        // The model leaves out functions with other types.
        WasmType::I32 | WasmType::Other => ValueType::I32,
    }
}
