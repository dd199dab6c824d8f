//! The `INFO` tables a generated guest describes itself with, for tools
//! (`tinybind list`, `call`, `inspect`).

use proc_macro2::TokenStream;
use quote::quote;

use tinybind_abi::Scalar;

use crate::abi::lower::Results;
use crate::abi::repr::Repr;
use crate::emit::signature;
use crate::emit::tokens::ident;
use crate::model::guest::{Binding, FunctionModel, ImportModel};
use crate::wasm::WasmType;

/// The `FunctionInfo` literal of an export.
pub fn function_info(f: &FunctionModel) -> TokenStream {
    info(quote!(None), &f.export, f, &f.aliases, &signature::export_text(f), &f.convention())
}

/// The `FunctionInfo` literal of a host import.
pub fn import_info(i: &ImportModel) -> TokenStream {
    let module = &i.module;
    info(quote!(Some(#module)), &i.name, &i.func, &[], &signature::import_text(i), &i.convention())
}

/// A `FunctionInfo` literal: `module` is `None` for an export, `name` the
/// export's or import's name.
fn info(
    module: TokenStream,
    name: &str,
    f: &FunctionModel,
    aliases: &[String],
    rust: &str,
    convention: &str,
) -> TokenStream {
    let method = &f.method;
    let go = match &f.go {
        Some(g) => quote!(Some(#g)),
        None => quote!(None),
    };
    let wasm = f.wasm.to_string();
    let evidence = f.evidence.as_str();
    let (params, results) = value_types(f);
    quote! {
        tinybind_runtime::FunctionInfo {
            module: #module,
            name: #name,
            method: #method,
            aliases: &[#(#aliases),*],
            go: #go,
            rust: #rust,
            wasm: #wasm,
            evidence: #evidence,
            convention: #convention,
            params: &[#(#params),*],
            results: &[#(#results),*],
        }
    }
}

/// The `(name, type)` of every parameter and the type of every result.
fn value_types(f: &FunctionModel) -> (Vec<TokenStream>, Vec<TokenStream>) {
    match &f.binding {
        Binding::Typed(l) => (
            l.params
                .iter()
                .map(|p| {
                    let n = &p.name;
                    let t = value_type(&p.value);
                    quote!((#n, #t))
                })
                .collect(),
            match &l.results {
                Results::None => Vec::new(),
                Results::Direct(s) => vec![scalar_value_type(*s)],
                Results::Leaf { value, .. } | Results::Packed(value) => vec![value_type(value)],
                Results::Retptr { fields, .. } => fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| match l.go_error && i + 1 == fields.len() {
                        true => quote!(tinybind_runtime::ValueType::Error),
                        false => value_type(&f.value),
                    })
                    .collect(),
            },
        ),
        Binding::Raw { names } => (
            names
                .iter()
                .zip(&f.wasm.params)
                .map(|(n, t)| {
                    let t = raw_value_type(*t);
                    quote!((#n, #t))
                })
                .collect(),
            f.wasm.results.iter().map(|t| raw_value_type(*t)).collect(),
        ),
    }
}

fn scalar_value_type(s: Scalar) -> TokenStream {
    let v = match s {
        Scalar::Bool => "Bool",
        Scalar::I8 => "I8",
        Scalar::I16 => "I16",
        Scalar::I32 => "I32",
        Scalar::I64 => "I64",
        Scalar::U8 => "U8",
        Scalar::U16 => "U16",
        Scalar::U32 => "U32",
        Scalar::U64 => "U64",
        Scalar::F32 => "F32",
        Scalar::F64 => "F64",
    };
    let v = ident(v);
    quote!(tinybind_runtime::ValueType::#v)
}

fn value_type(v: &Repr) -> TokenStream {
    match v {
        Repr::Scalar(s) => scalar_value_type(*s),
        Repr::String => quote!(tinybind_runtime::ValueType::String),
        Repr::Slice(Scalar::U8) | Repr::Bytes => quote!(tinybind_runtime::ValueType::Bytes),
        Repr::Strings => quote!(tinybind_runtime::ValueType::SliceOf(&tinybind_runtime::ValueType::String)),
        Repr::Slice(s) => {
            let inner = scalar_value_type(*s);
            quote!(tinybind_runtime::ValueType::SliceOf(&#inner))
        }
        Repr::Interface => quote!(tinybind_runtime::ValueType::Interface),
        Repr::Struct(s) => {
            let name = &s.go_name;
            let fields = s.fields.iter().map(|f| {
                let n = &f.go_name;
                let t = value_type(&f.value);
                quote!((#n, #t))
            });
            let offsets = s.fields.iter().map(|f| proc_macro2::Literal::u32_unsuffixed(f.offset));
            let (size, align) =
                (proc_macro2::Literal::u32_unsuffixed(s.size), proc_macro2::Literal::u32_unsuffixed(s.align));
            quote! {
                tinybind_runtime::ValueType::Struct(&tinybind_runtime::StructType {
                    name: #name,
                    fields: &[#(#fields),*],
                    offsets: &[#(#offsets),*],
                    size: #size,
                    align: #align,
                })
            }
        }
        Repr::Array(elem, n) => {
            let inner = value_type(elem);
            let n = proc_macro2::Literal::u32_unsuffixed(*n);
            quote!(tinybind_runtime::ValueType::ArrayOf(&#inner, #n))
        }
        Repr::List(elem) => {
            let inner = value_type(elem);
            quote!(tinybind_runtime::ValueType::SliceOf(&#inner))
        }
    }
}

fn raw_value_type(t: WasmType) -> TokenStream {
    match t {
        WasmType::I64 => quote!(tinybind_runtime::ValueType::I64),
        WasmType::F32 => quote!(tinybind_runtime::ValueType::F32),
        WasmType::F64 => quote!(tinybind_runtime::ValueType::F64),
        WasmType::I32 | WasmType::Other => quote!(tinybind_runtime::ValueType::I32),
    }
}
