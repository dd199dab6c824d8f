//! The methods of a guest's struct: one per export, lowering Rust values to
//! wasm, calling, and reading results back; and the arms of `call_dynamic`.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use super::tokens::{doc, ident, param_ty, result_ty, scalar_to_wasm, scalar_ty, wasm_to_scalar, wasm_ty};
use crate::abi::{Results, Scalar, Value};
use crate::types::{part_name, Step};
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
                pub fn #name(&mut self, #(#params: #tys),*) -> ::std::result::Result<#results, tinybind_runtime::Error> {
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
            let tys = l.params.iter().map(|p| param_ty(&p.value));
            let mut body = Vec::new();
            // Every part of every parameter, structs and arrays flattened:
            // (the parameter, the Rust expression of the part, the part).
            let mut parts: Vec<Part<'_>> = Vec::new();
            for (i, p) in params.iter().zip(&l.params) {
                for (path, value) in p.value.parts() {
                    let place = place(i, &path);
                    let name = part_name(&p.name, &path);
                    parts.push(Part { place, name, top: path.is_empty(), value });
                }
            }
            // Parts that live in memory are copied into the guest first; a
            // string slice or a slice of structs is laid out in a blob whose
            // internal pointers are relocated once it is there.
            let in_memory: Vec<&Part<'_>> = parts.iter().filter(|p| p.in_memory()).collect();
            let mut slots: Vec<Ident> = Vec::new();
            let mut blobs: Vec<Option<Ident>> = Vec::new();
            if !in_memory.is_empty() {
                let mut views = Vec::new();
                for part in &in_memory {
                    let place = &part.place;
                    let reference = if part.top { quote!(#place) } else { quote!(&#place) };
                    slots.push(format_ident!("{}", locals.unique(format!("{}_in", part.name))));
                    match part.value {
                        Value::Strings | Value::List(_) => {
                            let blob = format_ident!("{}", locals.unique(format!("{}_blob", part.name)));
                            body.push(quote!(let #blob = tinybind_runtime::__private::Blob::elements(#reference);));
                            views.push(quote!(#blob.bytes()));
                            blobs.push(Some(blob));
                        }
                        Value::String => {
                            views.push(quote!(#place.as_bytes()));
                            blobs.push(None);
                        }
                        Value::Slice(Scalar::U8) if part.top => {
                            views.push(quote!(#place));
                            blobs.push(None);
                        }
                        Value::Slice(Scalar::U8) => {
                            views.push(quote!(&#place[..]));
                            blobs.push(None);
                        }
                        _ => {
                            views.push(quote!(&tinybind_runtime::__private::to_le_bytes(#reference)));
                            blobs.push(None);
                        }
                    }
                }
                let slot_pat = slots.iter();
                body.push(quote! {
                    let [#(#slot_pat),*] = self.instance.write_args(#export, [#(#views),*])?;
                });
                for (slot, blob) in slots.iter().zip(&blobs) {
                    if let Some(blob) = blob {
                        body.push(quote!(self.instance.relocate(#export, #slot, #blob.relocations())?;));
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
            for part in &parts {
                let place = &part.place;
                match part.value {
                    Value::Scalar(s) => wasm_args.push(scalar_to_wasm(*s, place)),
                    Value::Interface => {
                        wasm_args.push(quote!(#place.typecode as i32));
                        wasm_args.push(quote!(#place.value as i32));
                    }
                    Value::String => {
                        let slot = slot_iter.next();
                        wasm_args.push(quote!(#slot.ptr));
                        wasm_args.push(quote!(#slot.len));
                    }
                    Value::Strings | Value::List(_) => {
                        let slot = slot_iter.next();
                        wasm_args.push(quote!(#slot.ptr));
                        wasm_args.push(quote!(#place.len() as i32));
                        wasm_args.push(quote!(#place.len() as i32));
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
                    // `parts` goes down to values that are not aggregates.
                    Value::Struct(_) | Value::Array(..) => {}
                }
            }
            let invoke = quote!(self.instance.call(#export, &self.exports.#field, (#(#wasm_args,)*)));
            let call = quote!(#invoke?);
            let (result_ty, tail) = match &l.results {
                Results::None => (quote!(()), quote! { #call; ::std::result::Result::Ok(()) }),
                // A result that is its own wasm value is the call's result.
                Results::Direct(s @ (Scalar::I32 | Scalar::I64 | Scalar::F32 | Scalar::F64)) => {
                    (scalar_ty(*s), invoke)
                }
                Results::Direct(s) => {
                    let r = format_ident!("{}", locals.unique("result".to_string()));
                    let conv = wasm_to_scalar(*s, quote!(#r));
                    (scalar_ty(*s), quote! { let #r = #call; ::std::result::Result::Ok(#conv) })
                }
                // A struct of one scalar comes back as that scalar.
                Results::Leaf { value, leaf } => {
                    let r = format_ident!("{}", locals.unique("result".to_string()));
                    let built = around_leaf(value, wasm_to_scalar(*leaf, quote!(#r)));
                    (result_ty(value), quote! { let #r = #call; ::std::result::Result::Ok(#built) })
                }
                Results::Retptr { fields, size } if l.go_error && !fields.is_empty() => {
                    let r = retptr.clone();
                    let out = format_ident!("{}", locals.unique("out".to_string()));
                    let (error, values) = (&fields[fields.len() - 1], &fields[..fields.len() - 1]);
                    let tys: Vec<TokenStream> = values.iter().map(|f| result_ty(&f.value)).collect();
                    let value_ty = match tys.as_slice() {
                        [one] => one.clone(),
                        many => quote!((#(#many),*)),
                    };
                    let value = match values {
                        [] => quote!(::std::result::Result::Ok(())),
                        [one] => read_tail(&out, one),
                        many => {
                            let reads = many.iter().map(|f| {
                                let r = read_tail(&out, f);
                                quote!(#r?)
                            });
                            quote!(::std::result::Result::Ok((#(#reads),*)))
                        }
                    };
                    let off = Literal::u32_unsuffixed(error.offset);
                    let size = Literal::u32_unsuffixed(*size);
                    (
                        quote!(::std::result::Result<#value_ty, tinybind_runtime::GoError>),
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
                    let tys: Vec<TokenStream> = fields.iter().map(|f| result_ty(&f.value)).collect();
                    // A single read is the method's tail: it returns the
                    // reader's `Result` as it is.
                    let (ty, value) = match (tys.as_slice(), reads.as_slice()) {
                        ([t], [_]) => {
                            let v = read_tail(&out, &fields[0]);
                            (t.clone(), v)
                        }
                        _ => (quote!((#(#tys),*)), quote!(::std::result::Result::Ok((#(#reads),*)))),
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
                pub fn #name(&mut self, #(#params: #tys),*) -> ::std::result::Result<#result_ty, tinybind_runtime::Error> {
                    #(#body)*
                    #tail
                }
            }
        }
    }
}

/// One flattened part of a parameter.
struct Part<'a> {
    /// The Rust place expression: `b`, `b.min.x`, `m.grid[2]`.
    place: TokenStream,
    /// A name for locals: `b`, `b_min_x`.
    name: String,
    /// Whether the part is the parameter itself (a reference already).
    top: bool,
    value: &'a Value,
}

impl Part<'_> {
    fn in_memory(&self) -> bool {
        !matches!(self.value, Value::Scalar(_) | Value::Interface | Value::Struct(_) | Value::Array(..))
    }
}

fn place(param: &Ident, path: &[Step]) -> TokenStream {
    let steps = path.iter().map(|s| match s {
        Step::Field(f) => {
            let f = ident(f);
            quote!(.#f)
        }
        Step::Index(i) => {
            let i = Literal::usize_unsuffixed(*i as usize);
            quote!([#i])
        }
    });
    quote!(#param #(#steps)*)
}

/// The struct or array of one scalar leaf built around that leaf's value.
fn around_leaf(value: &Value, leaf: TokenStream) -> TokenStream {
    match value {
        Value::Struct(s) => {
            let name = ident(&s.rust_name);
            let fields = s.fields.iter().map(|f| {
                let n = ident(&f.rust_name);
                let v = around_leaf(&f.value, leaf.clone());
                quote!(#n: #v)
            });
            quote!(#name { #(#fields),* })
        }
        Value::Array(elem, _) => {
            let v = around_leaf(elem, leaf);
            quote!([#v])
        }
        _ => leaf,
    }
}

/// Reads the only result field, as the method's tail expression.
fn read_tail(out: &Ident, field: &crate::abi::Field) -> TokenStream {
    let off = Literal::u32_unsuffixed(field.offset);
    match &field.value {
        Value::Scalar(s) => {
            let m = format_ident!("{}", s.rust());
            quote!(#out.#m(#off))
        }
        Value::String => quote!(#out.string(#off)),
        Value::Slice(Scalar::U8) => quote!(#out.bytes(#off)),
        Value::Strings => quote!(#out.strings(#off)),
        Value::Slice(_) => quote!(#out.slice(#off)),
        Value::Interface => quote!(#out.interface(#off)),
        Value::Struct(_) | Value::Array(..) | Value::List(_) => quote!(#out.lift(#off)),
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
    // Parameters in memory, other than strings and bytes, travel as lists
    // and records of values.
    let owned = |i: usize| -> Option<TokenStream> {
        match &f.binding {
            Binding::Typed(l) => match l.params.get(i).map(|p| &p.value) {
                Some(Value::Slice(s)) if *s != Scalar::U8 => {
                    let t = scalar_ty(*s);
                    Some(quote!(::std::vec::Vec<#t>))
                }
                Some(Value::Strings) => Some(quote!(::std::vec::Vec<&str>)),
                Some(v @ (Value::Struct(_) | Value::Array(..))) => Some(result_ty(v)),
                Some(Value::List(elem)) => {
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
            Results::Direct(_) | Results::Leaf { .. } => 1,
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
            Results::Direct(_) | Results::Leaf { .. } => vec![false],
            Results::Retptr { fields, .. } => fields[..fields.len().saturating_sub(usize::from(l.go_error))]
                .iter()
                .map(|f| matches!(f.value, Value::List(_)))
                .collect(),
        },
        Binding::Raw { .. } => vec![false; f.wasm.results.len()],
    }
}
