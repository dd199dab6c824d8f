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
use crate::emit::signature::{self, Flavor};
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
    let methods = g.imports.iter().map(|i| trait_method(i, Flavor::Sync));
    let links = g.imports.iter().map(|i| link_import(i, Flavor::Sync));
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

/// The async host trait, its implementation for every sync host, and
/// `link_async`.
pub fn async_host_items(g: &GuestModel) -> TokenStream {
    let host = ident(&g.host_trait());
    let async_host = ident(&g.async_host_trait());
    let trait_doc = doc(&format!(
        "The host functions the guest `{}` imports, as async methods: what [`{}`] calls, on a \
         runtime built with `async_support(true)`.\n\n\
         The same methods as [`{}`], with the same names and types, each returning a `Send` \
         future: implement them with `async fn`. Default bodies fail as unimplemented, errors \
         and panics stop the guest, as in the sync trait. While a method awaits, the guest waits \
         and the executor runs other tasks.\n\n\
         Every type that implements the sync [`{}`] implements this trait too, each method \
         calling the sync one with no await: a sync host works with [`{}`] as it is (so a type \
         implements one of the two traits, not both). A raw method (the guest's memory as its \
         first parameter) cannot allocate in the guest: `GuestMemory::alloc` fails there.",
        g.name,
        g.async_struct(),
        g.host_trait(),
        g.host_trait(),
        g.async_struct()
    ));
    let methods = g.imports.iter().map(|i| trait_method(i, Flavor::Async));
    let forwards = g.imports.iter().map(|i| {
        let sig = signature::import_of(i, ident, Flavor::Async);
        let method = ident(&i.func.method);
        let args: Vec<Ident> = match &i.func.binding {
            Binding::Typed(l) => l.params.iter().map(|p| ident(&p.name)).collect(),
            Binding::Raw { names } => std::iter::once("memory").chain(names.iter().map(String::as_str)).map(ident).collect(),
        };
        quote! {
            #sig {
                ::std::future::ready(#host::#method(self, #(#args),*))
            }
        }
    });
    let links = g.imports.iter().map(|i| link_import(i, Flavor::Async));
    quote! {
        #trait_doc
        pub trait #async_host: Send + 'static {
            #(#methods)*
        }

        /// A sync host is an async one whose methods never wait.
        impl<T: #host> #async_host for T {
            #(#forwards)*
        }

        /// Defines every import as an async call of its method on the host of type `H`.
        fn link_async<H: #async_host>(linker: &mut tinybind_runtime::__private::Linker) -> tinybind_runtime::__private::LinkResult {
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

fn trait_method(i: &ImportModel, flavor: Flavor) -> TokenStream {
    let docs = import_doc(i);
    // The default body uses no parameter; they keep their names for the
    // docs and for implementors' editors.
    let sig = signature::import_of(i, ident, flavor);
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
    let unimplemented = quote!(::std::result::Result::Err(tinybind_runtime::HostError::unimplemented(#qualified)));
    let body = match flavor {
        Flavor::Sync => unimplemented,
        Flavor::Async => quote!(::std::future::ready(#unimplemented)),
    };
    quote! {
        #docs
        #allow
        #sig {
            #body
        }
    }
}

/// The parts of a typed import's closure: its wasm parameters, the reads
/// of the arguments that live in guest memory, and the method's arguments.
struct TypedParts {
    /// Each wasm parameter's name and type, the retptr first if any.
    wasm: Vec<(Ident, TokenStream)>,
    retptr: Option<Ident>,
    /// `(local, read)`: a `view` expression reading the argument `local`
    /// (borrowed from guest memory).
    reads: Vec<(Ident, TokenStream, ReadKind)>,
    /// The method's arguments, in order.
    args: Vec<Arg>,
}

/// What an in-memory argument is, for the async path's owned copy.
#[derive(Clone, Copy)]
enum ReadKind {
    Str,
    Bytes,
    Strings,
    /// `view.slice::<T>` gives an owned `Vec<T>` already.
    Slice,
}

/// One argument of the host method.
enum Arg {
    /// A value computed from the wasm parameters.
    Value(TokenStream),
    /// The argument read from memory into `local`, of that kind.
    Read(Ident, ReadKind),
}

fn typed_parts(l: &crate::abi::lower::Lowered, locals: &mut Scope) -> TypedParts {
    let mut wasm = Vec::new();
    let retptr = match &l.results {
        Results::Retptr { .. } => {
            let r = ident(&locals.unique("retptr".into()));
            wasm.push((r.clone(), quote!(i32)));
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
                args.push(Arg::Value(quote!(compile_error!("a host function's struct parameter has no binding"))));
            }
            Repr::Scalar(s) => {
                let s = *s;
                wasm.push((local.clone(), wasm_ty(s.wasm().into())));
                args.push(Arg::Value(wasm_to_scalar(s, quote!(#local))));
            }
            Repr::Interface => {
                let (t, v) = (part("typecode", locals), part("value", locals));
                wasm.push((t.clone(), quote!(i32)));
                wasm.push((v.clone(), quote!(i32)));
                args.push(Arg::Value(quote! {
                    tinybind_runtime::GoInterface { typecode: #t as u32, value: #v as u32 }
                }));
            }
            Repr::String | Repr::Bytes | Repr::Slice(_) | Repr::Strings => {
                let (ptr, len) = (part("ptr", locals), part("len", locals));
                wasm.push((ptr.clone(), quote!(i32)));
                wasm.push((len.clone(), quote!(i32)));
                if matches!(p.value, Repr::Slice(_) | Repr::Strings) {
                    let cap = part("cap", locals);
                    wasm.push((format_ident!("_{}", cap), quote!(i32)));
                }
                let (read, kind) = match p.value {
                    Repr::String => (quote!(view.str(#ptr, #len)?), ReadKind::Str),
                    Repr::Slice(Scalar::U8) | Repr::Bytes => (quote!(view.bytes(#ptr, #len)?), ReadKind::Bytes),
                    Repr::Strings => (quote!(view.strings(#ptr, #len)?), ReadKind::Strings),
                    Repr::Slice(s) => {
                        let t = scalar_ty(s);
                        (quote!(view.slice::<#t>(#ptr, #len)?), ReadKind::Slice)
                    }
                    _ => (quote!(), ReadKind::Slice),
                };
                reads.push((local.clone(), read, kind));
                args.push(Arg::Read(local, kind));
            }
        }
    }
    TypedParts { wasm, retptr, reads, args }
}

/// `linker.func_wrap(module, name, closure)?;` for one import, or
/// `func_wrap_async` for the async host trait.
fn link_import(i: &ImportModel, flavor: Flavor) -> TokenStream {
    let module = &i.module;
    let name = &i.name;
    let qualified = i.qualified();
    let method = ident(&i.func.method);
    // Locals of the closure; parameters are renamed around them.
    let mut locals = Scope::with_reserved(&["caller", "host", "view", "memory", "results", "lent", "outcome", "H"]);
    let (params, tys, body) = match &i.func.binding {
        Binding::Raw { names } => {
            let params: Vec<Ident> = names.iter().map(|n| ident(&locals.unique(n.clone()))).collect();
            let tys: Vec<TokenStream> = i.func.wasm.params.iter().map(|t| wasm_ty(*t)).collect();
            let body = match flavor {
                Flavor::Sync => quote! {
                    tinybind_runtime::__private::call_raw(&mut caller, #qualified, |host: &mut H, memory| {
                        host.#method(memory, #(#params),*)
                    })
                },
                Flavor::Async => quote! {
                    let mut lent = tinybind_runtime::__private::lend(&mut caller, #qualified)?;
                    let outcome = match lent.host::<H>(#qualified) {
                        ::std::result::Result::Ok(host) => {
                            let mut memory = tinybind_runtime::__private::memory(&mut caller, #qualified);
                            tinybind_runtime::__private::run(#qualified, host.#method(&mut memory, #(#params),*)).await
                        }
                        ::std::result::Result::Err(e) => ::std::result::Result::Err(e),
                    };
                    lent.give_back(&mut caller);
                    outcome
                },
            };
            (params, tys, body)
        }
        Binding::Typed(l) => {
            let parts = typed_parts(l, &mut locals);
            let call = match flavor {
                Flavor::Sync => sync_call(&qualified, &method, &parts),
                Flavor::Async => async_call(&qualified, &method, &parts, &mut locals),
            };
            let body = typed_results(l, &qualified, &parts, call.0, call.1, flavor, &mut locals);
            let (params, tys) = parts.wasm.into_iter().unzip();
            (params, tys, body)
        }
    };
    match flavor {
        Flavor::Sync => quote! {
            linker.func_wrap(#module, #name, |mut caller: tinybind_runtime::__private::Caller<'_>, #(#params: #tys),*| {
                #body
            })?;
        },
        Flavor::Async => quote! {
            linker.func_wrap_async(#module, #name, |mut caller: tinybind_runtime::__private::Caller<'_>, (#(#params,)*): (#(#tys,)*)| {
                ::std::boxed::Box::new(async move {
                    #body
                })
            })?;
        },
    }
}

/// The sync call of a typed method: no statements before it, and the
/// expression that gives its `HostResult`.
fn sync_call(qualified: &str, method: &Ident, parts: &TypedParts) -> (TokenStream, TokenStream) {
    let reads = parts.reads.iter().map(|(local, read, kind)| match kind {
        ReadKind::Strings | ReadKind::Slice => quote!(let #local = &#read;),
        ReadKind::Str | ReadKind::Bytes => quote!(let #local = #read;),
    });
    let args = parts.args.iter().map(|a| match a {
        Arg::Value(v) => v.clone(),
        Arg::Read(local, _) => quote!(#local),
    });
    let view = if parts.reads.is_empty() { quote!(_view) } else { quote!(view) };
    let call = quote! {
        tinybind_runtime::__private::call(&mut caller, #qualified, |host: &mut H, #view| {
            #(#reads)*
            ::std::result::Result::Ok(host.#method(#(#args),*)?)
        })
    };
    (quote!(), call)
}

/// The async call of a typed method: the statements that copy the
/// arguments out of guest memory, and the awaited call.
fn async_call(qualified: &str, method: &Ident, parts: &TypedParts, locals: &mut Scope) -> (TokenStream, TokenStream) {
    let mut before = Vec::new();
    if !parts.reads.is_empty() {
        let names = parts.reads.iter().map(|(local, ..)| local);
        let owned = parts.reads.iter().map(|(_, read, kind)| match kind {
            ReadKind::Str => quote!(#read.to_owned()),
            ReadKind::Bytes => quote!(#read.to_vec()),
            ReadKind::Strings => quote!(#read.into_iter().map(::std::borrow::ToOwned::to_owned).collect::<::std::vec::Vec<::std::string::String>>()),
            ReadKind::Slice => quote!(#read),
        });
        before.push(quote! {
            let (#(#names,)*) = tinybind_runtime::__private::read_args(&mut caller, #qualified, |view| {
                ::std::result::Result::Ok((#(#owned,)*))
            })?;
        });
    }
    let mut args = Vec::new();
    for a in &parts.args {
        match a {
            Arg::Value(v) => args.push(v.clone()),
            Arg::Read(local, ReadKind::Strings) => {
                let refs = ident(&locals.unique(format!("{local}_refs")));
                before.push(quote! {
                    let #refs: ::std::vec::Vec<&str> = #local.iter().map(::std::string::String::as_str).collect();
                });
                args.push(quote!(&#refs));
            }
            Arg::Read(local, _) => args.push(quote!(&#local)),
        }
    }
    let call = quote! {
        tinybind_runtime::__private::run(#qualified, tinybind_runtime::__private::host::<H>(&mut caller, #qualified)?.#method(#(#args),*)).await
    };
    (quote!(#(#before)*), call)
}

/// A typed import's closure body: `before`, then `call`, then its results
/// converted or written through the retptr.
fn typed_results(
    l: &crate::abi::lower::Lowered,
    qualified: &str,
    parts: &TypedParts,
    before: TokenStream,
    call: TokenStream,
    flavor: Flavor,
    locals: &mut Scope,
) -> TokenStream {
    let tail = match &l.results {
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
        // Written into a block from the guest's `malloc`, which the guest
        // then owns (and frees).
        Results::Packed(value) => {
            let r = ident(&locals.unique("result".into()));
            let bytes = match value {
                Repr::String => quote!(#r.as_bytes()),
                _ => quote!(&#r),
            };
            let write = match flavor {
                Flavor::Sync => quote!(tinybind_runtime::__private::write_packed(&mut caller, #qualified, #bytes)),
                Flavor::Async => {
                    quote!(tinybind_runtime::__private::write_packed_async(&mut caller, #qualified, #bytes).await)
                }
            };
            quote! {
                let #r = #call?;
                #write
            }
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
            let retptr = &parts.retptr;
            let write = match flavor {
                Flavor::Sync => quote!(tinybind_runtime::__private::write_results(&mut caller, #qualified, #retptr, #size, &[#(#writes),*])),
                Flavor::Async => quote!(tinybind_runtime::__private::write_results_async(&mut caller, #qualified, #retptr, #size, &[#(#writes),*]).await),
            };
            quote! {
                let #pattern = #call?;
                #write
            }
        }
    };
    quote!(#before #tail)
}

/// A result as the `Out` the runtime writes to the retptr.
fn out_value(v: &Repr, x: &Ident) -> TokenStream {
    match v {
        Repr::String => quote!(tinybind_runtime::__private::Returned::String(&#x)),
        // Only ever a packed result, never a retptr field.
        Repr::Bytes => quote!(compile_error!("a []byte as (ptr, len) is a parameter or a packed result only")),
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
