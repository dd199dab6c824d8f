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
        Binding::Raw { .. } => raw(f),
        Binding::Typed(l) => {
            let fields: &[abi::Field] = match &l.results {
                Results::Retptr { fields, .. } => fields,
                _ => &[],
            };
            let mut values = l.params.iter().map(|p| &p.value).chain(fields.iter().map(|f| &f.value));
            if values.any(|v| value_type(v).is_none()) {
                // A type this CLI cannot pass yet: the exact wasm values.
                return raw(f);
            }
            let params = l.params.iter().filter_map(|p| value_type(&p.value)).collect();
            let results = match &l.results {
                Results::None => ResultShape::None,
                Results::Direct(s) => ResultShape::Direct(scalar(*s)),
                Results::Leaf { value, .. } => match value_type(value) {
                    Some(t) => ResultShape::Leaf(t),
                    None => return raw(f),
                },
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
                                    value_type(&field.value).unwrap_or(ValueType::I32)
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

/// The exact wasm values of `f`.
fn raw(f: &FunctionModel) -> Lowering {
    Lowering::Raw {
        params: f.wasm.params.iter().map(|t| wasm_type(*t)).collect(),
        results: f.wasm.results.iter().map(|t| wasm_type(*t)).collect(),
    }
}

/// The names of the values a caller passes, one per [`Lowering::params`].
pub fn param_names(f: &FunctionModel) -> Vec<String> {
    let names: Vec<String> = f.rust_params().into_iter().map(|(name, _)| name).collect();
    let count = lowering(f).params().len();
    if names.len() == count {
        names
    } else {
        (0..count).map(|i| format!("arg{i}")).collect()
    }
}

/// The runtime's type of a lowered value; `None` for one the dynamic call
/// path cannot pass yet.
fn value_type(v: &abi::Value) -> Option<ValueType> {
    Some(match v {
        abi::Value::Scalar(s) => scalar(*s),
        abi::Value::String => ValueType::String,
        abi::Value::Slice(Scalar::U8) => ValueType::Bytes,
        abi::Value::Slice(s) => ValueType::SliceOf(static_scalar(*s)),
        abi::Value::Strings => ValueType::SliceOf(&ValueType::String),
        abi::Value::Interface => ValueType::Interface,
        abi::Value::Struct(s) => ValueType::Struct(struct_type(s)?),
        abi::Value::Array(elem, n) => ValueType::ArrayOf(leak(value_type(elem)?), *n),
        abi::Value::List(elem) => ValueType::SliceOf(leak(value_type(elem)?)),
    })
}

/// A struct's runtime description, from the layout the code generator
/// decided. The runtime's types are `'static` (the generated bindings write
/// them as constants); a module loaded by this command lives until it exits,
/// so its types are leaked, once per call.
fn struct_type(s: &tinybind_codegen::types::Struct) -> Option<&'static tinybind_runtime::StructType> {
    let fields = s
        .fields
        .iter()
        .map(|f| Some((&*Box::leak(f.go_name.clone().into_boxed_str()), value_type(&f.value)?)))
        .collect::<Option<Vec<_>>>()?;
    Some(Box::leak(Box::new(tinybind_runtime::StructType {
        name: Box::leak(s.go_name.clone().into_boxed_str()),
        fields: Box::leak(fields.into_boxed_slice()),
        offsets: Box::leak(s.fields.iter().map(|f| f.offset).collect::<Vec<_>>().into_boxed_slice()),
        size: s.size,
        align: s.align,
    })))
}

fn leak(t: ValueType) -> &'static ValueType {
    Box::leak(Box::new(t))
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
