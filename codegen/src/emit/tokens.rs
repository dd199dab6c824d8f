//! Tokens every emitter shares: identifiers, doc attributes, and the Rust
//! and wasm types of values with their conversions.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use tinybind_abi::Scalar;

use crate::abi::repr::Repr;
use crate::wasm::WasmType;

pub fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

pub fn doc(text: &str) -> TokenStream {
    let lines = text.lines().map(|l| {
        let l = format!(" {l}");
        quote!(#[doc = #l])
    });
    quote!(#(#lines)*)
}

pub fn inner_doc(text: &str) -> TokenStream {
    let lines = text.lines().map(|l| {
        let l = format!(" {l}");
        quote!(#![doc = #l])
    });
    quote!(#(#lines)*)
}

pub fn wasm_ty(t: WasmType) -> TokenStream {
    match t {
        WasmType::I64 => quote!(i64),
        WasmType::F32 => quote!(f32),
        WasmType::F64 => quote!(f64),
        WasmType::I32 | WasmType::Other => quote!(i32),
    }
}

/// A scalar's Rust type: Rust's primitive of the scalar's name.
pub fn scalar_ty(s: Scalar) -> TokenStream {
    let t = ident(s.name());
    quote!(#t)
}

pub fn param_ty(v: &Repr) -> TokenStream {
    match v {
        Repr::Strings => quote!(&[&str]),
        Repr::Scalar(s) => scalar_ty(*s),
        Repr::String => quote!(&str),
        Repr::Bytes => quote!(&[u8]),
        Repr::Slice(s) => {
            let s = scalar_ty(*s);
            quote!(&[#s])
        }
        Repr::Interface => quote!(tinybind_runtime::GoInterface),
        Repr::Struct(_) | Repr::Array(..) => {
            let t = result_ty(v);
            quote!(&#t)
        }
        Repr::List(elem) => {
            let t = result_ty(elem);
            quote!(&[#t])
        }
    }
}

pub fn result_ty(v: &Repr) -> TokenStream {
    match v {
        Repr::Strings => quote!(::std::vec::Vec<::std::string::String>),
        Repr::Scalar(s) => scalar_ty(*s),
        Repr::String => quote!(::std::string::String),
        Repr::Bytes => quote!(::std::vec::Vec<u8>),
        Repr::Slice(s) => {
            let s = scalar_ty(*s);
            quote!(::std::vec::Vec<#s>)
        }
        Repr::Interface => quote!(tinybind_runtime::GoInterface),
        // The guest module's own struct, which keeps its Go name.
        Repr::Struct(s) => {
            let name = ident(&s.rust_name);
            quote!(#name)
        }
        Repr::Array(elem, n) => {
            let t = result_ty(elem);
            let n = proc_macro2::Literal::usize_unsuffixed(*n as usize);
            quote!([#t; #n])
        }
        Repr::List(elem) => {
            let t = result_ty(elem);
            quote!(::std::vec::Vec<#t>)
        }
    }
}

/// A scalar argument as the wasm value it is passed as.
pub fn scalar_to_wasm(s: Scalar, x: &impl quote::ToTokens) -> TokenStream {
    match s {
        Scalar::Bool | Scalar::I8 | Scalar::I16 | Scalar::U8 | Scalar::U16 => quote!(i32::from(#x)),
        Scalar::U32 => quote!(#x as i32),
        Scalar::U64 => quote!(#x as i64),
        Scalar::I32 | Scalar::I64 | Scalar::F32 | Scalar::F64 => quote!(#x),
    }
}

/// A wasm result as the scalar it stands for (TinyGo zero- or sign-extends
/// narrow values, so truncation is exact).
pub fn wasm_to_scalar(s: Scalar, x: TokenStream) -> TokenStream {
    match s {
        Scalar::Bool => quote!(#x & 1 != 0),
        Scalar::I8 | Scalar::I16 | Scalar::U8 | Scalar::U16 | Scalar::U32 | Scalar::U64 => {
            let t = scalar_ty(s);
            quote!(#x as #t)
        }
        Scalar::I32 | Scalar::I64 | Scalar::F32 | Scalar::F64 => x,
    }
}

/// `host()` and `host_mut()` of a guest struct with a host `H`, sync or
/// async.
pub fn host_accessors() -> TokenStream {
    quote! {
        /// The host value.
        pub fn host(&self) -> &H {
            self.instance.host::<H>()
        }

        /// The host value, mutably.
        pub fn host_mut(&mut self) -> &mut H {
            self.instance.host_mut::<H>()
        }
    }
}
