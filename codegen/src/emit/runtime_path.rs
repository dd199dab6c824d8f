//! Where the generated code finds the runtime: every emitter writes
//! `tinybind_runtime::…`, and [`relocate`] rewrites those paths (and the
//! intra-doc links that name them) to the path a crate gives with
//! `Builder::runtime_path`, as prost-build's `prost_path` does.

use proc_macro2::{Delimiter, Group, Literal, Spacing, TokenStream, TokenTree};

/// The crate name the emitters use.
const RUNTIME: &str = "tinybind_runtime";

/// `tokens` with each path that starts `tinybind_runtime::` starting with
/// `path` instead, in code and in doc comments.
pub fn relocate(tokens: TokenStream, path: &syn::Path) -> TokenStream {
    let text = path_text(path);
    relocate_stream(tokens, path, &text, false)
}

/// A path as written in source and doc links: `::a::b`, without spaces.
fn path_text(path: &syn::Path) -> String {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    format!("{}{}", if path.leading_colon.is_some() { "::" } else { "" }, segments.join("::"))
}

fn relocate_stream(tokens: TokenStream, path: &syn::Path, text: &str, in_doc: bool) -> TokenStream {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = TokenStream::new();
    for (i, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Ident(ident)
                if ident == RUNTIME && starts_path(&tokens[i + 1..]) && !after_colons(&tokens[..i]) =>
            {
                out.extend(quote::quote!(#path));
            }
            TokenTree::Group(group) => {
                let doc = group.delimiter() == Delimiter::Bracket
                    && matches!(group.stream().into_iter().next(), Some(TokenTree::Ident(i)) if i == "doc");
                let mut relocated = Group::new(group.delimiter(), relocate_stream(group.stream(), path, text, doc));
                relocated.set_span(group.span());
                out.extend([TokenTree::Group(relocated)]);
            }
            TokenTree::Literal(literal) if in_doc => out.extend([TokenTree::Literal(relocate_doc(literal, text))]),
            other => out.extend([other.clone()]),
        }
    }
    out
}

/// The tokens begin with `::`.
fn starts_path(rest: &[TokenTree]) -> bool {
    matches!(rest, [TokenTree::Punct(a), TokenTree::Punct(b), ..]
        if a.as_char() == ':' && a.spacing() == Spacing::Joint && b.as_char() == ':')
}

/// The tokens end with `::` (the ident is inside a path, not its start).
fn after_colons(before: &[TokenTree]) -> bool {
    matches!(before, [.., TokenTree::Punct(a), TokenTree::Punct(b)] if a.as_char() == ':' && b.as_char() == ':')
}

/// A doc comment's text with its `tinybind_runtime::` paths moved.
fn relocate_doc(literal: &Literal, text: &str) -> Literal {
    let Ok(doc) = syn::parse2::<syn::LitStr>(TokenTree::Literal(literal.clone()).into()) else {
        return literal.clone();
    };
    let value = doc.value();
    let from = format!("{RUNTIME}::");
    if !value.contains(&from) {
        return literal.clone();
    }
    let mut moved = Literal::string(&value.replace(&from, &format!("{text}::")));
    moved.set_span(literal.span());
    moved
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    fn moved(tokens: TokenStream, to: &str) -> String {
        relocate(tokens, &syn::parse_str(to).unwrap()).to_string()
    }

    #[test]
    fn paths_and_doc_links_move_and_nothing_else_does() {
        let tokens = quote! {
            /// See [`tinybind_runtime::Error::Poisoned`].
            pub fn f(rt: &tinybind_runtime::Runtime) -> ::std::result::Result<(), tinybind_runtime::Error> {
                let tinybind_runtime = "tinybind_runtime::Error";
                other::tinybind_runtime::x();
            }
        };
        let text = moved(tokens, "::tinybind::runtime");
        assert!(text.contains("rt : & :: tinybind :: runtime :: Runtime"), "{text}");
        assert!(text.contains("< () , :: tinybind :: runtime :: Error >"), "{text}");
        assert!(text.contains("[`::tinybind::runtime::Error::Poisoned`]"), "{text}");
        // A local named like the crate, a string, a path through it: kept.
        assert!(text.contains("let tinybind_runtime = \"tinybind_runtime::Error\""), "{text}");
        assert!(text.contains("other :: tinybind_runtime :: x"), "{text}");
    }
}
