//! The Rust signature of each method, written once as tokens: the generated
//! method (or host trait method) is declared with them, and `INFO.rust` and
//! `tinybind inspect` show them as text ([`text`]).

use proc_macro2::{Delimiter, Ident, TokenStream, TokenTree};
use quote::quote;

use crate::abi::lower::{Lowered, Results};
use crate::emit::tokens::{ident, param_ty, result_ty, scalar_ty, wasm_ty};
use crate::model::guest::{Binding, FunctionModel, ImportModel};

/// Which API a method belongs to: the sync one, or the async one of a
/// runtime built with `async_support` (`<Guest>Async`, `<Guest>AsyncHost`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    Sync,
    Async,
}

/// The `TypedFunc<Params, Results>` type arguments of an export: its exact
/// wasm types.
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

/// The Rust type a typed binding returns, without the outer `Result`: a Go
/// `error` as the inner `Result<T, GoError>`.
pub fn typed_result(l: &Lowered) -> TokenStream {
    let tuple = |tys: Vec<TokenStream>| match tys.as_slice() {
        [one] => one.clone(),
        many => quote!((#(#many),*)),
    };
    match &l.results {
        Results::None => quote!(()),
        Results::Direct(s) => scalar_ty(*s),
        Results::Leaf { value, .. } | Results::Packed(value) => result_ty(value),
        Results::Retptr { fields, .. } if l.go_error && !fields.is_empty() => {
            let value = tuple(fields[..fields.len() - 1].iter().map(|f| result_ty(&f.value)).collect());
            quote!(::std::result::Result<#value, tinybind_runtime::GoError>)
        }
        Results::Retptr { fields, .. } => tuple(fields.iter().map(|f| result_ty(&f.value)).collect()),
    }
}

/// The result type of a function's method, without the outer `Result`.
pub fn result(f: &FunctionModel) -> TokenStream {
    match &f.binding {
        Binding::Typed(l) => typed_result(l),
        Binding::Raw { .. } => typed_func_types(f).1,
    }
}

/// `name: Type` of every parameter, each name as `name` makes it.
fn params(f: &FunctionModel, name: &impl Fn(&str) -> Ident) -> Vec<TokenStream> {
    match &f.binding {
        Binding::Typed(l) => l
            .params
            .iter()
            .map(|p| {
                let (n, t) = (name(&p.name), param_ty(&p.value));
                quote!(#n: #t)
            })
            .collect(),
        Binding::Raw { names } => names
            .iter()
            .zip(&f.wasm.params)
            .map(|(n, t)| {
                let (n, t) = (name(n), wasm_ty(*t));
                quote!(#n: #t)
            })
            .collect(),
    }
}

/// `fn greet(&mut self, name: &str) -> Result<String, Error>`, the
/// signature of an export's method.
pub fn export(f: &FunctionModel) -> TokenStream {
    let method = ident(&f.method);
    let params = params(f, &|n| ident(n));
    let result = result(f);
    quote!(fn #method(&mut self, #(#params),*) -> ::std::result::Result<#result, tinybind_runtime::Error>)
}

/// [`export`] of the sync or the async API (`async fn greet(...)`).
pub fn export_of(f: &FunctionModel, flavor: Flavor) -> TokenStream {
    let sig = export(f);
    match flavor {
        Flavor::Sync => sig,
        Flavor::Async => quote!(async #sig),
    }
}

/// [`import`] of the sync or the async host trait: an async one returns
/// `impl Future<Output = Result<..>> + Send`, which an `async fn` of the
/// same parameters implements.
pub fn import_of(i: &ImportModel, name: impl Fn(&str) -> Ident, flavor: Flavor) -> TokenStream {
    if flavor == Flavor::Sync {
        return import(i, name);
    }
    let (method, params, result) = import_parts(i, name);
    quote! {
        fn #method(&mut self, #(#params),*) -> impl ::std::future::Future<
            Output = ::std::result::Result<#result, tinybind_runtime::HostError>,
        > + ::std::marker::Send
    }
}

/// `fn log(&mut self, message: &str) -> Result<(), HostError>`, the
/// signature of a host trait method, its parameters named by `name` (the
/// trait's default bodies use none of them). A raw import's first
/// parameter is the guest's memory.
pub fn import(i: &ImportModel, name: impl Fn(&str) -> Ident) -> TokenStream {
    let (method, params, result) = import_parts(i, name);
    quote!(fn #method(&mut self, #(#params),*) -> ::std::result::Result<#result, tinybind_runtime::HostError>)
}

/// A host trait method's name, parameters and result type.
fn import_parts(i: &ImportModel, name: impl Fn(&str) -> Ident) -> (Ident, Vec<TokenStream>, TokenStream) {
    let f = &i.func;
    let mut params = params(f, &name);
    if matches!(f.binding, Binding::Raw { .. }) {
        let memory = name("memory");
        params.insert(0, quote!(#memory: &mut tinybind_runtime::GuestMemory<'_>));
    }
    (ident(&f.method), params, result(f))
}

/// An export method's signature as text, for `INFO.rust` and reports.
pub fn export_text(f: &FunctionModel) -> String {
    text(export(f))
}

/// A host trait method's signature as text, for `INFO.rust` and reports.
pub fn import_text(i: &ImportModel) -> String {
    text(import(i, ident))
}

/// Tokens as a person writes them, paths shortened to their last segment:
/// `fn f(&mut self, s: &str) -> Result<Vec<String>, Error>`.
pub fn text(tokens: TokenStream) -> String {
    let mut out = String::new();
    write_text(tokens, &mut out);
    out
}

fn write_text(tokens: TokenStream, out: &mut String) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    // Whether the last thing written was a word (an identifier or literal).
    let mut after_word = false;
    while i < trees.len() {
        let path_sep = |k: usize| {
            matches!((trees.get(k), trees.get(k + 1)),
                (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
                    if a.as_char() == ':' && b.as_char() == ':' && a.spacing() == proc_macro2::Spacing::Joint)
        };
        match &trees[i] {
            // `::std::vec::Vec` is `Vec`: a leading `::` and every segment
            // before a `::` are left out.
            _ if path_sep(i) => i += 2,
            TokenTree::Ident(_) if path_sep(i + 1) => i += 3,
            TokenTree::Ident(_) | TokenTree::Literal(_) => {
                if after_word {
                    out.push(' ');
                }
                out.push_str(&trees[i].to_string());
                after_word = true;
                i += 1;
            }
            TokenTree::Punct(p) => {
                match p.as_char() {
                    '-' if matches!(trees.get(i + 1), Some(TokenTree::Punct(q)) if q.as_char() == '>') => {
                        out.push_str(" -> ");
                        i += 1;
                    }
                    c @ (',' | ';' | ':') => {
                        out.push(c);
                        out.push(' ');
                    }
                    c => out.push(c),
                }
                after_word = false;
                i += 1;
            }
            TokenTree::Group(g) => {
                let (open, close) = match g.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::Brace => ("{", "}"),
                    Delimiter::None => ("", ""),
                };
                out.push_str(open);
                let mut inner = String::new();
                write_text(g.stream(), &mut inner);
                // A trailing comma is left out: `(i32, i64,)` is `(i32, i64)`.
                out.push_str(inner.strip_suffix(", ").unwrap_or(&inner));
                out.push_str(close);
                after_word = false;
                i += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_reads_as_written_with_short_paths() {
        let t = quote!(fn f(&mut self, m: &mut tinybind_runtime::GuestMemory<'_>, xs: &[&str],) -> ::std::result::Result<(::std::vec::Vec<u8>, [i32; 3],), tinybind_runtime::Error>);
        assert_eq!(
            text(t),
            "fn f(&mut self, m: &mut GuestMemory<'_>, xs: &[&str]) -> Result<(Vec<u8>, [i32; 3]), Error>"
        );
    }
}
