//! The arms of a guest's `call_dynamic`: each takes the dynamic values,
//! calls the typed method, and returns its results as dynamic values.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};
use tinybind_abi::Scalar;

use crate::abi::lower::Results;
use crate::abi::repr::Repr;
use crate::emit::tokens::{ident, result_ty, scalar_ty};
use crate::model::guest::{Binding, FunctionModel};

/// One `match` arm of `call_dynamic`.
pub fn dynamic_arm(f: &FunctionModel, method_names: &[&str]) -> TokenStream {
    let name = ident(&f.method);
    let method = &f.method;
    let export = &f.export;
    let pattern = if method == export || method_names.contains(&export.as_str()) {
        quote!(#method)
    } else {
        quote!(#method | #export)
    };
    let arity = f.param_names().len();
    let arity_lit = Literal::usize_unsuffixed(arity);
    let args: Vec<Ident> = (0..arity).map(|i| format_ident!("a{}", i)).collect();
    // Parameters in memory, other than strings and bytes, travel as lists
    // and records of values.
    let owned = |i: usize| -> Option<TokenStream> {
        match &f.binding {
            Binding::Typed(l) => match l.params.get(i).map(|p| &p.value) {
                Some(Repr::Slice(s)) if *s != Scalar::U8 => {
                    let t = scalar_ty(*s);
                    Some(quote!(::std::vec::Vec<#t>))
                }
                Some(Repr::Strings) => Some(quote!(::std::vec::Vec<&str>)),
                Some(v @ (Repr::Struct(_) | Repr::Array(..))) => Some(result_ty(v)),
                Some(Repr::List(elem)) => {
                    let t = result_ty(elem);
                    Some(quote!(::std::vec::Vec<#t>))
                }
                _ => None,
            },
            Binding::Raw { .. } => None,
        }
    };
    let gets: Vec<TokenStream> = args
        .iter()
        .enumerate()
        .map(|(i, a)| match owned(i) {
            Some(t) => quote!(&#a.get::<#t>()?),
            None => quote!(#a.get()?),
        })
        .collect();
    let result_count = match &f.binding {
        Binding::Typed(l) => match &l.results {
            Results::None => 0,
            Results::Direct(_) | Results::Leaf { .. } | Results::Packed(_) => 1,
            Results::Retptr { fields, .. } => fields.len().saturating_sub(usize::from(l.go_error)),
        },
        Binding::Raw { .. } => f.wasm.results.len(),
    };
    let outs: Vec<Ident> = (0..result_count).map(|i| format_ident!("r{}", i)).collect();
    // A Go error is the dynamic call's error.
    let call = if f.returns_go_error() {
        quote!(self.#name(#(#gets),*)?.map_err(|e| tinybind_runtime::Error::go_error(&INFO, function, e))?)
    } else {
        quote!(self.#name(#(#gets),*)?)
    };
    let binding = match outs.as_slice() {
        [] => quote!(#call;),
        [one] => quote!(let #one = #call;),
        many => quote!(let (#(#many),*) = #call;),
    };
    let values = result_values(f).into_iter().zip(&outs).map(|(list, r)| match list {
        true => quote!(tinybind_runtime::Value::list(#r)),
        false => quote!(tinybind_runtime::Value::from(#r)),
    });
    quote! {
        #pattern => {
            let [#(#args),*] = args else {
                return ::std::result::Result::Err(tinybind_runtime::Error::arity(&INFO, function, #arity_lit, args.len()));
            };
            #binding
            ::std::result::Result::Ok(::std::vec![#(#values),*])
        }
    }
}

/// For each result of the dynamic call, whether it becomes a list of
/// values element by element (a slice of structs).
fn result_values(f: &FunctionModel) -> Vec<bool> {
    match &f.binding {
        Binding::Typed(l) => match &l.results {
            Results::None => Vec::new(),
            Results::Direct(_) | Results::Leaf { .. } | Results::Packed(_) => vec![false],
            Results::Retptr { fields, .. } => fields[..fields.len().saturating_sub(usize::from(l.go_error))]
                .iter()
                .map(|f| matches!(f.value, Repr::List(_)))
                .collect(),
        },
        Binding::Raw { .. } => vec![false; f.wasm.results.len()],
    }
}
