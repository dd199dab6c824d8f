//! The methods of a guest's struct: one per export, lowering Rust values to
//! wasm, calling, and reading results back.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};
use tinybind_abi::Scalar;

use crate::abi::lower::{Field, Lowered, Results};
use crate::abi::repr::{part_name, Repr, Step};
use crate::emit::go_doc;
use crate::emit::signature::{self, Flavor};
use crate::emit::tokens::{doc, ident, scalar_to_wasm, wasm_to_scalar};
use crate::model::guest::{Binding, Evidence, FunctionModel};
use crate::names::Scope;

fn method_doc(f: &FunctionModel) -> TokenStream {
    let mut text = String::new();
    if !f.go_doc.is_empty() {
        text.push_str(&go_doc::markdown(&f.go_doc));
        text.push_str("\n\n");
    }
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
    if f.evidence == Evidence::GoSourceUnverified {
        text.push_str(
            "- Unverified: the results come through the retptr, and the export's code passes it on \
             where no check follows, so nothing in the binary confirms their declared layout\n",
        );
    }
    if f.evidence == Evidence::Dwarf {
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

/// The method of one export, of the sync or the async API: its docs, its
/// signature, and a body that lowers the arguments, calls, and reads the
/// results back.
pub fn method(f: &FunctionModel, flavor: Flavor) -> TokenStream {
    let field = ident(&f.method);
    let export = &f.export;
    let docs = method_doc(f);
    let sig = signature::export_of(f, flavor);
    let body = match &f.binding {
        Binding::Raw { names } => {
            let params: Vec<Ident> = names.iter().map(|n| ident(n)).collect();
            invoke(flavor, quote!(#export, &self.exports.#field, (#(#params,)*)))
        }
        Binding::Typed(l) => typed_body(f, l, flavor),
    };
    quote! {
        #docs
        #[inline]
        pub #sig {
            #body
        }
    }
}

/// `self.instance.call(ARGS)`, or `call_async(ARGS).await`.
fn invoke(flavor: Flavor, args: TokenStream) -> TokenStream {
    match flavor {
        Flavor::Sync => quote!(self.instance.call(#args)),
        Flavor::Async => quote!(self.instance.call_async(#args).await),
    }
}

/// A typed method's body: the arguments written and flattened, the call,
/// and the results read.
fn typed_body(f: &FunctionModel, l: &Lowered, flavor: Flavor) -> TokenStream {
    let field = ident(&f.method);
    let export = &f.export;
    let mut locals = Scope::with_reserved(&[]);
    for p in &l.params {
        locals.unique(p.name.clone());
    }
    let mut args = lower_params(l, export, &mut locals, flavor);
    let retptr = match &l.results {
        Results::Retptr { .. } => {
            let r = format_ident!("{}", locals.unique("retptr".to_string()));
            args.body.push(quote!(let #r = self.instance.retptr(#export)?;));
            args.wasm.insert(0, quote!(#r));
            Some(r)
        }
        _ => None,
    };
    let wasm_args = &args.wasm;
    let invoke = invoke(flavor, quote!(#export, &self.exports.#field, (#(#wasm_args,)*)));
    let tail = read_results(l, export, invoke, retptr.as_ref(), &mut locals, flavor);
    let body = &args.body;
    quote! {
        #(#body)*
        #tail
    }
}

/// Statements that copy the in-memory parts of the arguments into the
/// guest, and the wasm arguments, in order (the retptr not yet among them).
struct LoweredArgs {
    body: Vec<TokenStream>,
    wasm: Vec<TokenStream>,
}

fn lower_params(l: &Lowered, export: &str, locals: &mut Scope, flavor: Flavor) -> LoweredArgs {
    let params: Vec<Ident> = l.params.iter().map(|p| ident(&p.name)).collect();
    let mut body = Vec::new();
    // Every part of every parameter, structs and arrays flattened:
    // (the parameter, the Rust expression of the part, the part).
    let mut parts: Vec<Part<'_>> = Vec::new();
    for (i, p) in params.iter().zip(&l.params) {
        for (path, value) in p.value.parts() {
            let place = place(i, &path);
            let name = part_name(&p.name, &path);
            parts.push(Part {
                place,
                name,
                top: path.is_empty(),
                value,
            });
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
                Repr::Strings | Repr::List(_) => {
                    let blob = format_ident!("{}", locals.unique(format!("{}_blob", part.name)));
                    body.push(quote!(let #blob = tinybind_runtime::__private::Blob::elements(#reference);));
                    views.push(quote!(#blob.bytes()));
                    blobs.push(Some(blob));
                }
                Repr::String => {
                    views.push(quote!(#place.as_bytes()));
                    blobs.push(None);
                }
                Repr::Bytes => {
                    views.push(quote!(#place));
                    blobs.push(None);
                }
                Repr::Slice(Scalar::U8) if part.top => {
                    views.push(quote!(#place));
                    blobs.push(None);
                }
                Repr::Slice(Scalar::U8) => {
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
        let write = match flavor {
            Flavor::Sync => quote!(self.instance.write_args(#export, [#(#views),*])?),
            Flavor::Async => quote!(self.instance.write_args_async(#export, [#(#views),*]).await?),
        };
        body.push(quote! {
            let [#(#slot_pat),*] = #write;
        });
        for (slot, blob) in slots.iter().zip(&blobs) {
            if let Some(blob) = blob {
                body.push(quote!(self.instance.relocate(#export, #slot, #blob.relocations())?;));
            }
        }
    }
    let mut wasm = Vec::new();
    let mut slot_iter = slots.iter();
    for part in &parts {
        let place = &part.place;
        match part.value {
            Repr::Scalar(s) => wasm.push(scalar_to_wasm(*s, place)),
            Repr::Interface => {
                wasm.push(quote!(#place.typecode as i32));
                wasm.push(quote!(#place.value as i32));
            }
            Repr::String | Repr::Bytes => {
                let slot = slot_iter.next();
                wasm.push(quote!(#slot.ptr));
                wasm.push(quote!(#slot.len));
            }
            Repr::Strings | Repr::List(_) => {
                let slot = slot_iter.next();
                wasm.push(quote!(#slot.ptr));
                wasm.push(quote!(#place.len() as i32));
                wasm.push(quote!(#place.len() as i32));
            }
            Repr::Slice(s) => {
                let slot = slot_iter.next();
                let elem = s.layout().size;
                let size = Literal::i32_unsuffixed(elem as i32);
                let count = if elem == 1 {
                    quote!(#slot.len)
                } else {
                    quote!(#slot.len / #size)
                };
                wasm.push(quote!(#slot.ptr));
                wasm.push(count.clone());
                wasm.push(count);
            }
            // `parts` goes down to values that are not aggregates.
            Repr::Struct(_) | Repr::Array(..) => {}
        }
    }
    LoweredArgs { body, wasm }
}

/// The call and the reading of its results, as the method's tail.
fn read_results(
    l: &Lowered,
    export: &str,
    invoke: TokenStream,
    retptr: Option<&Ident>,
    locals: &mut Scope,
    flavor: Flavor,
) -> TokenStream {
    let call = quote!(#invoke?);
    match &l.results {
        Results::None => quote! { #call; ::std::result::Result::Ok(()) },
        // A result that is its own wasm value is the call's result.
        Results::Direct(Scalar::I32 | Scalar::I64 | Scalar::F32 | Scalar::F64) => invoke,
        Results::Direct(s) => {
            let r = format_ident!("{}", locals.unique("result".to_string()));
            let conv = wasm_to_scalar(*s, quote!(#r));
            quote! { let #r = #call; ::std::result::Result::Ok(#conv) }
        }
        // A struct of one scalar comes back as that scalar.
        Results::Leaf { value, leaf } => {
            let r = format_ident!("{}", locals.unique("result".to_string()));
            let built = around_leaf(value, wasm_to_scalar(*leaf, quote!(#r)));
            quote! { let #r = #call; ::std::result::Result::Ok(#built) }
        }
        // Read from the block it names, which is then freed.
        Results::Packed(value) => {
            let r = format_ident!("{}", locals.unique("packed".to_string()));
            let take = match (value, flavor) {
                (Repr::String, Flavor::Sync) => quote!(self.instance.take_packed_string(#export, #r)),
                (Repr::String, Flavor::Async) => quote!(self.instance.take_packed_string_async(#export, #r).await),
                (_, Flavor::Sync) => quote!(self.instance.take_packed_bytes(#export, #r)),
                (_, Flavor::Async) => quote!(self.instance.take_packed_bytes_async(#export, #r).await),
            };
            quote! { let #r = #call; #take }
        }
        Results::Retptr { fields, size } if l.go_error && !fields.is_empty() => {
            let out = format_ident!("{}", locals.unique("out".to_string()));
            let (error, values) = (&fields[fields.len() - 1], &fields[..fields.len() - 1]);
            let value = read_fields(&out, values);
            let off = Literal::u32_unsuffixed(error.offset);
            let size = Literal::u32_unsuffixed(*size);
            quote! {
                #call;
                self.instance.read_results(#export, #retptr, #size, |#out| {
                    #out.go_result(#off, || #value)
                })
            }
        }
        Results::Retptr { fields, size } => {
            let out = format_ident!("{}", locals.unique("out".to_string()));
            let value = read_fields(&out, fields);
            let size = Literal::u32_unsuffixed(*size);
            quote! {
                #call;
                self.instance.read_results(#export, #retptr, #size, |#out| #value)
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
    value: &'a Repr,
}

impl Part<'_> {
    fn in_memory(&self) -> bool {
        !matches!(self.value, Repr::Scalar(_) | Repr::Interface | Repr::Struct(_) | Repr::Array(..))
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
fn around_leaf(value: &Repr, leaf: TokenStream) -> TokenStream {
    match value {
        Repr::Struct(s) => {
            let name = ident(&s.rust_name);
            let fields = s.fields.iter().map(|f| {
                let n = ident(&f.rust_name);
                let v = around_leaf(&f.value, leaf.clone());
                quote!(#n: #v)
            });
            quote!(#name { #(#fields),* })
        }
        Repr::Array(elem, _) => {
            let v = around_leaf(elem, leaf);
            quote!([#v])
        }
        _ => leaf,
    }
}

/// Reads the result fields as a `Result` of their tuple (`()` for none). A
/// single read is the tail as it is: it returns the reader's `Result`.
fn read_fields(out: &Ident, fields: &[Field]) -> TokenStream {
    match fields {
        [one] => read_tail(out, one),
        many => {
            let reads = many.iter().map(|f| {
                let r = read_tail(out, f);
                quote!(#r?)
            });
            quote!(::std::result::Result::Ok((#(#reads),*)))
        }
    }
}

/// Reads the only result field, as the method's tail expression.
fn read_tail(out: &Ident, field: &Field) -> TokenStream {
    let off = Literal::u32_unsuffixed(field.offset);
    match &field.value {
        Repr::Scalar(s) => {
            let m = format_ident!("{}", s.name());
            quote!(#out.#m(#off))
        }
        Repr::String => quote!(#out.string(#off)),
        Repr::Slice(Scalar::U8) => quote!(#out.bytes(#off)),
        // Only ever a parameter or a packed result, never a retptr field.
        Repr::Bytes => quote!(compile_error!("a []byte as (ptr, len) is a parameter or a packed result only")),
        Repr::Strings => quote!(#out.strings(#off)),
        Repr::Slice(_) => quote!(#out.slice(#off)),
        Repr::Interface => quote!(#out.interface(#off)),
        Repr::Struct(_) | Repr::Array(..) | Repr::List(_) => quote!(#out.lift(#off)),
    }
}
