//! A guest's host trait: one method per imported host function, with a
//! default body that fails as unimplemented, and the `link` function that
//! defines each import as a closure calling its method on the instance's
//! host value.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use tinybind_abi::Scalar;

use crate::abi::lower::Results;
use crate::abi::repr::Repr;
use crate::emit::go_doc;
use crate::emit::signature;
use crate::emit::tokens::{doc, ident, scalar_to_wasm, scalar_ty, wasm_to_scalar, wasm_ty};
use crate::model::guest::{Binding, Evidence, GuestModel, ImportModel};
use crate::names::Scope;

/// The trait, its implementation for `NoHost`, and `link`.
pub fn host_items(g: &GuestModel) -> TokenStream {
    let name = &g.name;
    let host = ident(&g.host_trait());
    let raw: Vec<String> = g
        .imports
        .iter()
        .filter(|i| matches!(i.func.binding, Binding::Raw { .. }))
        .map(|i| format!("`{}`", i.qualified()))
        .collect();
    let mut text = format!(
        "The host functions the guest `{name}` imports, implemented by the host.\n\n\
         Every method has a default body that fails with an \"unimplemented\" \
         [`tinybind_runtime::HostError`] naming the import, so an empty `impl` compiles and \
         only the imports the guest calls need a body. A method that returns `Err` stops the \
         guest: the export call fails with [`tinybind_runtime::Error::Host`], naming the import and the \
         message, and the instance is poisoned as after a trap. A method that panics does the \
         same (the panic does not unwind through the guest).\n\n\
         Imports: {}.",
        g.imports
            .iter()
            .map(|i| format!("`{}`", i.qualified()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if !raw.is_empty() {
        text.push_str(&format!(
            "\n\nRaw (no matching Go declaration; they take the wasm values and the guest's \
             memory): {}.",
            raw.join(", ")
        ));
    }
    let trait_doc = doc(&text);
    let methods = g.imports.iter().map(trait_method);
    let links = g.imports.iter().map(link_import);
    let made_without_host = if g.interface_only {
        format!("{}::instantiate", g.pre_struct())
    } else {
        format!("{}::new", g.struct_name)
    };
    let no_host_doc = doc(&format!("The host of [`{made_without_host}`]: every import unimplemented."));
    quote! {
        #trait_doc
        pub trait #host: Send + 'static {
            #(#methods)*
        }

        #no_host_doc
        impl #host for tinybind_runtime::NoHost {}

        /// Defines every import as a call of its method on the host of type `H`.
        fn link<H: #host>(linker: &mut tinybind_runtime::__private::Linker) -> tinybind_runtime::__private::LinkResult {
            #(#links)*
            ::std::result::Result::Ok(())
        }
    }
}

fn import_doc(i: &ImportModel) -> TokenStream {
    let f = &i.func;
    let mut text = match (&i.declaration, &f.go_location) {
        (Some(decl), Some(at)) => {
            let pragma = match i.pragma.as_deref() {
                Some("go:wasmimport") => format!("//go:wasmimport {} {}", i.module, i.name),
                Some(p) => format!("//{p} {}", i.name),
                None => String::new(),
            };
            format!("The import `{}`, declared as `{decl}`.\n\n- Go declaration: `{pragma}` at {at}\n", i.qualified())
        }
        _ => format!("The import `{}`.\n\n", i.qualified()),
    };
    if !f.go_doc.is_empty() {
        text.insert_str(0, &format!("{}\n\n", go_doc::markdown(&f.go_doc)));
    }
    text.push_str(&format!(
        "- Import: `{}` with wasm type `{}`\n- Evidence: {}\n- Convention: {}\n",
        i.qualified(),
        f.wasm,
        f.evidence.as_str(),
        i.convention()
    ));
    if matches!(f.binding, Binding::Raw { .. }) {
        text.push_str(
            "- Raw binding: the exact wasm values, and the calling guest's memory (with its \
             `malloc`) for pointers\n",
        );
    }
    if f.evidence == Evidence::WasmOnly {
        text.push_str("- No Go declaration: add one beside the module to type this method\n");
    }
    doc(text.trim_end())
}

fn trait_method(i: &ImportModel) -> TokenStream {
    let docs = import_doc(i);
    // The default body uses no parameter; they keep their names for the
    // docs and for implementors' editors.
    let sig = signature::import(i, ident);
    let has_params = match &i.func.binding {
        Binding::Typed(l) => !l.params.is_empty(),
        // A raw import takes the guest's memory first.
        Binding::Raw { .. } => true,
    };
    let allow = if has_params {
        quote!(#[allow(unused_variables)])
    } else {
        quote!()
    };
    let qualified = i.qualified();
    quote! {
        #docs
        #allow
        #sig {
            ::std::result::Result::Err(tinybind_runtime::HostError::unimplemented(#qualified))
        }
    }
}

/// `linker.func_wrap(module, name, closure)?;` for one import.
fn link_import(i: &ImportModel) -> TokenStream {
    let module = &i.module;
    let name = &i.name;
    let qualified = i.qualified();
    let method = ident(&i.func.method);
    // Locals of the closure; parameters are renamed around them.
    let mut locals = Scope::with_reserved(&["caller", "host", "view", "memory", "results", "H"]);
    match &i.func.binding {
        Binding::Raw { names } => {
            let params: Vec<Ident> = names.iter().map(|n| ident(&locals.unique(n.clone()))).collect();
            let tys = i.func.wasm.params.iter().map(|t| wasm_ty(*t));
            quote! {
                linker.func_wrap(#module, #name, |mut caller: tinybind_runtime::__private::Caller<'_>, #(#params: #tys),*| {
                    tinybind_runtime::__private::call_raw(&mut caller, #qualified, |host: &mut H, memory| {
                        host.#method(memory, #(#params),*)
                    })
                })?;
            }
        }
        Binding::Typed(l) => {
            let mut wasm_params: Vec<TokenStream> = Vec::new();
            let retptr = match &l.results {
                Results::Retptr { .. } => {
                    let r = ident(&locals.unique("retptr".into()));
                    wasm_params.push(quote!(#r: i32));
                    Some(r)
                }
                _ => None,
            };
            let mut reads = Vec::new();
            let mut args = Vec::new();
            for p in &l.params {
                let local = ident(&locals.unique(p.name.clone()));
                let part = |suffix: &str, locals: &mut Scope| {
                    ident(&locals.unique(format!("{}_{suffix}", p.name.trim_start_matches("r#"))))
                };
                match &p.value {
                    // The model refuses these for host functions; should that
                    // change without this, the generated code must not compile.
                    Repr::Struct(_) | Repr::Array(..) | Repr::List(_) => {
                        args.push(quote!(compile_error!("a host function's struct parameter has no binding")));
                    }
                    Repr::Scalar(s) => {
                        let s = *s;
                        let w = wasm_ty(s.wasm().into());
                        wasm_params.push(quote!(#local: #w));
                        args.push(wasm_to_scalar(s, quote!(#local)));
                    }
                    Repr::Interface => {
                        let (t, v) = (part("typecode", &mut locals), part("value", &mut locals));
                        wasm_params.push(quote!(#t: i32, #v: i32));
                        args.push(quote! {
                            tinybind_runtime::GoInterface { typecode: #t as u32, value: #v as u32 }
                        });
                    }
                    Repr::String | Repr::Slice(_) | Repr::Strings => {
                        let (ptr, len) = (part("ptr", &mut locals), part("len", &mut locals));
                        wasm_params.push(quote!(#ptr: i32, #len: i32));
                        if matches!(p.value, Repr::Slice(_) | Repr::Strings) {
                            let cap = part("cap", &mut locals);
                            let cap = format_ident!("_{}", cap);
                            wasm_params.push(quote!(#cap: i32));
                        }
                        let read = match p.value {
                            Repr::String => quote!(view.str(#ptr, #len)?),
                            Repr::Slice(Scalar::U8) => quote!(view.bytes(#ptr, #len)?),
                            Repr::Strings => quote!(&view.strings(#ptr, #len)?),
                            Repr::Slice(s) => {
                                let t = scalar_ty(s);
                                quote!(&view.slice::<#t>(#ptr, #len)?)
                            }
                            _ => quote!(),
                        };
                        reads.push(quote!(let #local = #read;));
                        args.push(quote!(#local));
                    }
                }
            }
            let uses_view = l
                .params
                .iter()
                .any(|p| matches!(p.value, Repr::String | Repr::Slice(_) | Repr::Strings));
            let view = if uses_view { quote!(view) } else { quote!(_view) };
            let call = quote! {
                tinybind_runtime::__private::call(&mut caller, #qualified, |host: &mut H, #view| {
                    #(#reads)*
                    ::std::result::Result::Ok(host.#method(#(#args),*)?)
                })
            };
            let body = match &l.results {
                Results::None => call,
                Results::Direct(s) => {
                    let r = ident(&locals.unique("result".into()));
                    let conv = scalar_to_wasm(*s, &r);
                    quote! {
                        let #r = #call?;
                        ::std::result::Result::Ok(#conv)
                    }
                }
                Results::Leaf { .. } => {
                    quote!(compile_error!("a host function's struct result has no binding"))
                }
                Results::Retptr { fields, size } => {
                    let outs: Vec<Ident> = match fields.len() {
                        1 => vec![ident(&locals.unique("result".into()))],
                        n => (0..n).map(|k| ident(&locals.unique(format!("r{k}")))).collect(),
                    };
                    let pattern = match outs.as_slice() {
                        [one] => quote!(#one),
                        many => quote!((#(#many),*)),
                    };
                    let writes = fields.iter().zip(&outs).map(|(f, o)| {
                        let off = Literal::u32_unsuffixed(f.offset);
                        let out = out_value(&f.value, o);
                        quote!((#off, #out))
                    });
                    let size = Literal::u32_unsuffixed(*size);
                    quote! {
                        let #pattern = #call?;
                        tinybind_runtime::__private::write_results(&mut caller, #qualified, #retptr, #size, &[#(#writes),*])
                    }
                }
            };
            quote! {
                linker.func_wrap(#module, #name, |mut caller: tinybind_runtime::__private::Caller<'_>, #(#wasm_params),*| {
                    #body
                })?;
            }
        }
    }
}

/// A result as the `Out` the runtime writes to the retptr.
fn out_value(v: &Repr, x: &Ident) -> TokenStream {
    match v {
        Repr::String => quote!(tinybind_runtime::__private::Returned::String(&#x)),
        Repr::Slice(Scalar::U8) => quote!(tinybind_runtime::__private::Returned::Bytes(&#x)),
        Repr::Slice(_) => quote!(tinybind_runtime::__private::Returned::slice(&#x)),
        // The model refuses a host function's []string result; should that
        // change without this, the generated code must not compile.
        Repr::Strings => quote!(compile_error!("a []string result of a host function has no binding")),
        Repr::Struct(_) | Repr::Array(..) | Repr::List(_) => {
            quote!(compile_error!("a host function's struct result has no binding"))
        }
        Repr::Interface => quote!(tinybind_runtime::__private::Returned::Interface(#x)),
        Repr::Scalar(s) => {
            let s = *s;
            let variant = format_ident!("{}", s.name().to_uppercase());
            let variant = if s == Scalar::Bool {
                format_ident!("Bool")
            } else {
                variant
            };
            quote!(tinybind_runtime::__private::Returned::#variant(#x))
        }
    }
}
