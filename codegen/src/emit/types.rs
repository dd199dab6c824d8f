//! The Rust types of a guest's Go structs: one `pub struct` per Go struct
//! the bindings use, keeping its Go name, with its layout in guest memory
//! (`GoLayout`, `Lift`, `Lower`) and its conversions to and from dynamic
//! values, all in terms of the runtime's traits.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use tinybind_abi::Scalar;

use crate::abi::repr::Repr;
use crate::emit::go_doc;
use crate::emit::tokens::{doc, ident, result_ty};
use crate::model::guest::StructModel;

/// Every item of one struct.
pub fn struct_items(s: &StructModel) -> TokenStream {
    let ty = &s.ty;
    let name = ident(&ty.rust_name);
    let mut text = match &s.declaration {
        // Tabs as four spaces, as rustdoc and clippy want doc text.
        Some(d) => format!(
            "The Go struct `{}` ({}):\n\n```go\n{}\n```\n",
            ty.go_name,
            d.location,
            d.declaration.replace('\t', "    ")
        ),
        None => format!("The Go struct `{}`.\n", ty.go_name),
    };
    if let Some(d) = s.declaration.as_ref().filter(|d| !d.doc.is_empty()) {
        text.insert_str(0, &format!("{}\n\n", go_doc::markdown(&d.doc)));
    }
    text.push_str(&format!("\nIn guest memory: {} bytes, aligned to {}.", ty.size, ty.align));
    let docs = doc(&text);
    let fields = ty.fields.iter().map(|f| {
        let n = ident(&f.rust_name);
        let t = result_ty(&f.value);
        let d = doc(&format!("`{}`, at offset {}.", f.go_name, f.offset));
        quote!(#d pub #n: #t)
    });
    // Go's unexported names are lower-case, which Rust warns about in a
    // type name; the Go name is kept all the same.
    let allow = if ty.rust_name.starts_with(|c: char| c.is_ascii_lowercase()) || ty.rust_name.contains('_') {
        quote!(#[allow(non_camel_case_types)])
    } else {
        quote!()
    };
    let size = Literal::u32_unsuffixed(ty.size);
    let align = Literal::u32_unsuffixed(ty.align);
    let lifts = ty.fields.iter().map(|f| {
        let n = ident(&f.rust_name);
        let at = offset(f.offset, quote!(offset), true);
        quote!(#n: from.lift(#at)?)
    });
    let lowers = ty.fields.iter().map(|f| {
        let n = ident(&f.rust_name);
        let at = offset(f.offset, quote!(at), false);
        quote!(tinybind_runtime::__private::Lower::lower(&self.#n, blob, #at);)
    });
    let (blob, from) = if ty.fields.is_empty() {
        (quote!(_blob), quote!(_from))
    } else {
        (quote!(blob), quote!(from))
    };
    let lower_body = if ty.fields.is_empty() {
        quote!()
    } else {
        quote!(#(#lowers)*)
    };
    let lower_at = if ty.fields.is_empty() { quote!(_at) } else { quote!(at) };
    let lift_offset = if ty.fields.is_empty() {
        quote!(_offset)
    } else {
        quote!(offset)
    };
    let to_values = ty.fields.iter().map(|f| {
        let n = ident(&f.rust_name);
        let g = &f.go_name;
        let v = match &f.value {
            Repr::List(_) => quote!(tinybind_runtime::Value::list(value.#n)),
            _ => quote!(tinybind_runtime::Value::from(value.#n)),
        };
        quote!((::std::string::String::from(#g), #v))
    });
    let from_values = ty.fields.iter().map(|f| {
        let n = ident(&f.rust_name);
        let g = &f.go_name;
        match &f.value {
            // Bytes travel as one value, not a list of numbers.
            Repr::Slice(Scalar::U8) => quote!(#n: value.field(#g)?.get::<&[u8]>()?.to_vec()),
            _ => quote!(#n: value.field(#g)?.get()?),
        }
    });
    let value_param = if ty.fields.is_empty() {
        quote!(_value)
    } else {
        quote!(value)
    };
    quote! {
        #docs
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq)]
        #allow
        pub struct #name {
            #(#fields),*
        }

        impl tinybind_runtime::__private::GoLayout for #name {
            const SIZE: u32 = #size;
            const ALIGN: u32 = #align;
        }

        impl tinybind_runtime::__private::Lift for #name {
            fn lift(#from: &tinybind_runtime::__private::GuestReader<'_>, #lift_offset: u32) -> ::std::result::Result<Self, tinybind_runtime::Error> {
                ::std::result::Result::Ok(#name { #(#lifts),* })
            }
        }

        impl tinybind_runtime::__private::Lower for #name {
            fn lower(&self, #blob: &mut tinybind_runtime::__private::Blob, #lower_at: u32) {
                #lower_body
            }
        }

        /// A record of the fields by their Go names, for dynamic calls.
        impl ::std::convert::From<#name> for tinybind_runtime::Value {
            fn from(#value_param: #name) -> Self {
                tinybind_runtime::Value::Record(::std::vec![#(#to_values),*])
            }
        }

        /// From a record of the fields by their Go names, for dynamic calls.
        impl<'a> tinybind_runtime::FromValue<'a> for #name {
            fn from_value(#value_param: &'a tinybind_runtime::Value) -> ::std::result::Result<Self, tinybind_runtime::Error> {
                ::std::result::Result::Ok(#name { #(#from_values),* })
            }
        }
    }
}

/// `base + offset`, wrapping for reads (the reader bounds-checks the
/// address), plain for writes into a blob reserved to size.
fn offset(offset: u32, base: TokenStream, wrapping: bool) -> TokenStream {
    if offset == 0 {
        return base;
    }
    let o = Literal::u32_unsuffixed(offset);
    if wrapping {
        quote!(#base.wrapping_add(#o))
    } else {
        quote!(#base + #o)
    }
}
