//! The methods of a guest's struct: one per export, lowering Rust values to
//! wasm, calling, and reading results back; and the arms of `call_dynamic`.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use super::tokens::{doc, ident, param_ty, result_ty, scalar_to_wasm, scalar_ty, wasm_to_scalar, wasm_ty};
use crate::abi::{Results, Scalar, Value};
use crate::model::{Binding, FunctionModel};
use crate::names::Scope;

/// The `TypedFunc<Params, Results>` type arguments of an export.
pub fn typed_func_types(f: &FunctionModel) -> (TokenStream, TokenStream) {
    let params = f.wasm.params.iter().map(|t| wasm_ty(*t));
    let results: Vec<_> = f.wasm.results.iter().map(|t| wasm_ty(*t)).collect();
    let params = quote!((#(#params,)*));
    let results = match results.as_slice() {
        [one] => one.clone(),
        many => quote!((#(#many,)*)),
    };
    (params, results)
}

fn method_doc(f: &FunctionModel) -> TokenStream {
    let mut text = String::new();
    match &f.go {
        Some(go) => {
            let from = f.go_location.as_deref().unwrap_or("");
            text.push_str(&format!("Calls `{go}`.\n\n- Go signature from: {from}\n"));
        }
        None => text.push_str(&format!("Calls the export `{}`.\n\n", f.export)),
    }
    text.push_str(&format!(
        "- Export: `{}` with wasm type `{}`\n- Evidence: {}\n- Convention: {}\n",
        f.export,
        f.wasm,
        f.evidence.as_str(),
        f.convention()
    ));
    if f.evidence == crate::model::Evidence::Dwarf {
        text.push_str("- DWARF names no result type: the result is the raw wasm value\n");
    }
    if matches!(f.binding, Binding::Raw { .. }) {
        text.push_str("- Raw binding: parameters and results are the exact wasm values\n");
    }
    if !f.aliases.is_empty() {
        text.push_str(&format!(
            "- Also exported as: {}\n",
            f.aliases
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    doc(text.trim_end())
}

pub fn method(f: &FunctionModel) -> TokenStream {
    let name = ident(&f.method);
    let field = ident(&f.method);
    let export = &f.export;
    let docs = method_doc(f);
    match &f.binding {
        Binding::Raw { names } => {
            let params: Vec<Ident> = names.iter().map(|n| ident(n)).collect();
            let tys = f.wasm.params.iter().map(|t| wasm_ty(*t));
            let (_, results) = typed_func_types(f);
            quote! {
                #docs
                #[inline]
                pub fn #name(&mut self, #(#params: #tys),*) -> Result<#results, Error> {
                    self.instance.call(#export, &self.exports.#field, (#(#params,)*))
                }
            }
        }
        Binding::Typed(l) => {
            let mut locals = Scope::with_reserved(&[]);
            let params: Vec<Ident> = l.params.iter().map(|p| ident(&p.name)).collect();
            for p in &l.params {
                locals.unique(p.name.clone());
            }
            let tys = l.params.iter().map(|p| param_ty(p.value));
            let memory_params: Vec<(&Ident, Value)> = params
                .iter()
                .zip(&l.params)
                .filter(|(_, p)| !matches!(p.value, Value::Scalar(_) | Value::Interface))
                .map(|(i, p)| (i, p.value))
                .collect();
            let mut body = Vec::new();
            // Arguments that live in memory are copied into the guest first.
            let mut slots: Vec<Ident> = Vec::new();
            if !memory_params.is_empty() {
                let views = memory_params.iter().map(|(i, v)| match v {
                    Value::Slice(Scalar::U8) => quote!(#i),
                    Value::String => quote!(#i.as_bytes()),
                    Value::Strings => quote!(&tinybind_runtime::strings_blob(#i)),
                    _ => quote!(&tinybind_runtime::to_le_bytes(#i)),
                });
                for (i, _) in &memory_params {
                    slots.push(format_ident!("{}", locals.unique(format!("{i}_in"))));
                }
                let slot_pat = slots.iter();
                body.push(quote! {
                    let [#(#slot_pat),*] = self.instance.write_args(#export, [#(#views),*])?;
                });
                // String headers point into the blob: make them absolute.
                for ((i, v), slot) in memory_params.iter().zip(&slots) {
                    if *v == Value::Strings {
                        body.push(quote!(self.instance.relocate_strings(#export, #slot, #i.len())?;));
                    }
                }
            }
            let retptr = match &l.results {
                Results::Retptr { .. } => {
                    let r = format_ident!("{}", locals.unique("retptr".to_string()));
                    body.push(quote!(let #r = self.instance.retptr(#export)?;));
                    Some(r)
                }
                _ => None,
            };
            let mut wasm_args = Vec::new();
            if let Some(r) = &retptr {
                wasm_args.push(quote!(#r));
            }
            let mut slot_iter = slots.iter();
            for (i, p) in params.iter().zip(&l.params) {
                match p.value {
                    Value::Scalar(s) => wasm_args.push(scalar_to_wasm(s, i)),
                    Value::Interface => {
                        wasm_args.push(quote!(#i.typecode as i32));
                        wasm_args.push(quote!(#i.value as i32));
                    }
                    Value::String => {
                        let slot = slot_iter.next();
                        wasm_args.push(quote!(#slot.ptr));
                        wasm_args.push(quote!(#slot.len));
                    }
                    Value::Strings => {
                        let slot = slot_iter.next();
                        wasm_args.push(quote!(#slot.ptr));
                        wasm_args.push(quote!(#i.len() as i32));
                        wasm_args.push(quote!(#i.len() as i32));
                    }
                    Value::Slice(s) => {
                        let slot = slot_iter.next();
                        let size = Literal::i32_unsuffixed(s.size() as i32);
                        let count = if s.size() == 1 {
                            quote!(#slot.len)
                        } else {
                            quote!(#slot.len / #size)
                        };
                        wasm_args.push(quote!(#slot.ptr));
                        wasm_args.push(count.clone());
                        wasm_args.push(count);
                    }
                }
            }
            let invoke = quote!(self.instance.call(#export, &self.exports.#field, (#(#wasm_args,)*)));
            let call = quote!(#invoke?);
            let (result_ty, tail) = match &l.results {
                Results::None => (quote!(()), quote! { #call; Ok(()) }),
                // A result that is its own wasm value is the call's result.
                Results::Direct(s @ (Scalar::I32 | Scalar::I64 | Scalar::F32 | Scalar::F64)) => {
                    (scalar_ty(*s), invoke)
                }
                Results::Direct(s) => {
                    let r = format_ident!("{}", locals.unique("result".to_string()));
                    let conv = wasm_to_scalar(*s, quote!(#r));
                    (scalar_ty(*s), quote! { let #r = #call; Ok(#conv) })
                }
                Results::Retptr { fields, size } if l.go_error && !fields.is_empty() => {
                    let r = retptr.clone();
                    let out = format_ident!("{}", locals.unique("out".to_string()));
                    let (error, values) = (&fields[fields.len() - 1], &fields[..fields.len() - 1]);
                    let tys: Vec<TokenStream> = values.iter().map(|f| result_ty(f.value)).collect();
                    let value_ty = match tys.as_slice() {
                        [one] => one.clone(),
                        many => quote!((#(#many),*)),
                    };
                    let value = match values {
                        [] => quote!(Ok(())),
                        [one] => read_tail(&out, one),
                        many => {
                            let reads = many.iter().map(|f| {
                                let r = read_tail(&out, f);
                                quote!(#r?)
                            });
                            quote!(Ok((#(#reads),*)))
                        }
                    };
                    let off = Literal::u32_unsuffixed(error.offset);
                    let size = Literal::u32_unsuffixed(*size);
                    (
                        quote!(Result<#value_ty, tinybind_runtime::GoError>),
                        quote! {
                            #call;
                            self.instance.read_results(#export, #r, #size, |#out| {
                                #out.go_result(#off, GO_ERROR_NAMES, || #value)
                            })
                        },
                    )
                }
                Results::Retptr { fields, size } => {
                    let r = retptr.clone();
                    let out = format_ident!("{}", locals.unique("out".to_string()));
                    let reads: Vec<TokenStream> = fields
                        .iter()
                        .map(|fld| {
                            let read = read_tail(&out, fld);
                            quote!(#read?)
                        })
                        .collect();
                    let tys: Vec<TokenStream> = fields.iter().map(|f| result_ty(f.value)).collect();
                    // A single read is the method's tail: it returns the
                    // reader's `Result` as it is.
                    let (ty, value) = match (tys.as_slice(), reads.as_slice()) {
                        ([t], [_]) => {
                            let v = read_tail(&out, &fields[0]);
                            (t.clone(), v)
                        }
                        _ => (quote!((#(#tys),*)), quote!(Ok((#(#reads),*)))),
                    };
                    let size = Literal::u32_unsuffixed(*size);
                    (
                        ty,
                        quote! {
                            #call;
                            self.instance.read_results(#export, #r, #size, |#out| #value)
                        },
                    )
                }
            };
            quote! {
                #docs
                #[inline]
                pub fn #name(&mut self, #(#params: #tys),*) -> Result<#result_ty, Error> {
                    #(#body)*
                    #tail
                }
            }
        }
    }
}

/// Reads the only result field, as the method's tail expression.
fn read_tail(out: &Ident, field: &crate::abi::Field) -> TokenStream {
    let off = Literal::u32_unsuffixed(field.offset);
    match field.value {
        Value::Scalar(s) => {
            let m = format_ident!("{}", s.rust());
            quote!(#out.#m(#off))
        }
        Value::String => quote!(#out.string(#off)),
        Value::Slice(Scalar::U8) => quote!(#out.bytes(#off)),
        Value::Strings => quote!(#out.strings(#off)),
        Value::Slice(_) => quote!(#out.slice(#off)),
        Value::Interface => quote!(#out.interface(#off)),
    }
}

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
    let arity = f.rust_params().len();
    let arity_lit = Literal::usize_unsuffixed(arity);
    let args: Vec<Ident> = (0..arity).map(|i| format_ident!("a{}", i)).collect();
    // Scalar slices other than bytes travel as lists of values.
    let list_of = |i: usize| -> Option<TokenStream> {
        match &f.binding {
            Binding::Typed(l) => match l.params.get(i).map(|p| p.value) {
                Some(Value::Slice(s)) if s != Scalar::U8 => Some(scalar_ty(s)),
                Some(Value::Strings) => Some(quote!(&str)),
                _ => None,
            },
            Binding::Raw { .. } => None,
        }
    };
    let gets: Vec<TokenStream> = args
        .iter()
        .enumerate()
        .map(|(i, a)| match list_of(i) {
            Some(t) => quote!(&#a.get::<Vec<#t>>()?),
            None => quote!(#a.get()?),
        })
        .collect();
    let result_count = match &f.binding {
        Binding::Typed(l) => match &l.results {
            Results::None => 0,
            Results::Direct(_) => 1,
            Results::Retptr { fields, .. } => fields.len().saturating_sub(usize::from(l.go_error)),
        },
        Binding::Raw { .. } => f.wasm.results.len(),
    };
    let outs: Vec<Ident> = (0..result_count).map(|i| format_ident!("r{}", i)).collect();
    // A Go error is the dynamic call's error.
    let call = if f.returns_go_error() {
        quote!(self.#name(#(#gets),*)?.map_err(|e| Error::go_error(&INFO, function, e))?)
    } else {
        quote!(self.#name(#(#gets),*)?)
    };
    let binding = match outs.as_slice() {
        [] => quote!(#call;),
        [one] => quote!(let #one = #call;),
        many => quote!(let (#(#many),*) = #call;),
    };
    quote! {
        #pattern => {
            let [#(#args),*] = args else {
                return Err(Error::arity(&INFO, function, #arity_lit, args.len()));
            };
            #binding
            Ok(vec![#(Value::from(#outs)),*])
        }
    }
}

