//! A guest's `<Guest>Pre`: a module of the guest's interface, compiled and
//! checked, loaded at run time or embedded, that makes instances; and its
//! `<Guest>Indices`, the exports found once per module.

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::tokens::{doc, ident};
use crate::model::guest::GuestModel;

/// What the guest struct and its constructors need of the export tables:
/// the tokens that declare them, and those that fill and refill the guest
/// struct's fields. All empty for a guest without functions of its own.
pub struct Tables {
    /// `<Guest>Indices` and `Exports`, with their constructors.
    pub defs: TokenStream,
    /// The guest struct's fields.
    pub fields: TokenStream,
    /// In `Pre::instantiate*`, after `instance` is made.
    pub init: TokenStream,
    /// The guest struct's field values, in `Pre::instantiate*`.
    pub values: TokenStream,
    /// In `reset`, after the instance is made again.
    pub reset: TokenStream,
    /// The `Pre`'s field, and its value in `from_module`.
    pub pre_field: TokenStream,
    pub pre_init: TokenStream,
    pub pre_value: TokenStream,
}

pub fn tables(g: &GuestModel) -> Tables {
    if g.functions.is_empty() {
        return Tables {
            defs: quote!(),
            fields: quote!(),
            init: quote!(),
            values: quote!(),
            reset: quote!(),
            pre_field: quote!(),
            pre_init: quote!(),
            pre_value: quote!(),
        };
    }
    let indices = ident(&g.indices_struct());
    let index_fields = g.functions.iter().map(|f| {
        let field = ident(&f.method);
        quote!(#field: tinybind_runtime::ExportIndex)
    });
    let finds = g.functions.iter().map(|f| {
        let field = ident(&f.method);
        let export = &f.export;
        quote!(#field: module.export_index(#export)?)
    });
    let func_fields = g.functions.iter().map(|f| {
        let field = ident(&f.method);
        let (params, results) = crate::emit::signature::typed_func_types(f);
        quote!(#field: tinybind_runtime::__private::TypedFunc<#params, #results>)
    });
    let resolves = g.functions.iter().map(|f| {
        let field = ident(&f.method);
        quote!(#field: instance.typed_func_at(&indices.#field)?)
    });
    let indices_doc =
        doc(&format!("The exports of the guest `{}`, found once per module ([`{}`]).", g.name, g.pre_struct()));
    Tables {
        defs: quote! {
            #indices_doc
            #[derive(Debug)]
            pub struct #indices {
                #(#index_fields),*
            }

            impl #indices {
                fn new(module: &tinybind_runtime::LoadedModule) -> ::std::result::Result<Self, tinybind_runtime::Error> {
                    ::std::result::Result::Ok(Self {
                        #(#finds),*
                    })
                }
            }

            /// The guest's exported functions, resolved once per instance.
            // Each field's type is the export's exact wasm signature.
            #[allow(clippy::type_complexity)]
            struct Exports {
                #(#func_fields),*
            }

            impl Exports {
                fn resolve(instance: &mut tinybind_runtime::Instance, indices: &#indices) -> ::std::result::Result<Self, tinybind_runtime::Error> {
                    ::std::result::Result::Ok(Self {
                        #(#resolves),*
                    })
                }
            }
        },
        fields: quote!(exports: Exports, indices: ::std::sync::Arc<#indices>,),
        init: quote!(let exports = Exports::resolve(&mut instance, &self.indices)?;),
        values: quote!(exports, indices: self.indices.clone(),),
        reset: quote!(self.exports = Exports::resolve(&mut self.instance, &self.indices)?;),
        pre_field: quote!(indices: ::std::sync::Arc<#indices>,),
        pre_init: quote!(let indices = module.indices(#indices::new)?;),
        pre_value: quote!(indices,),
    }
}

/// `<Guest>Pre`: the struct, `load`, `load_file`, `embedded` (with an
/// embedded module), and the instantiation methods `instantiate` gives.
pub fn pre(g: &GuestModel, t: &Tables, embedded: bool, instantiate: TokenStream) -> TokenStream {
    let pre = ident(&g.pre_struct());
    let (pre_field, pre_init, pre_value) = (&t.pre_field, &t.pre_init, &t.pre_value);
    let pre_doc = doc(&format!(
        "A module of the guest `{name}`'s interface, compiled for a runtime and checked against \
         it: it makes [`{guest}`] instances in microseconds. Cheap to clone (an `Arc`); `Send` and \
         `Sync`.\n\n\
         [`{pre}::load`] and [`{pre}::load_file`] take any module that fits the interface, \
         whatever built it{embedded_doc}. A module that does not fit is refused with \
         [`tinybind_runtime::Error::Misfit`], which lists every mismatch.",
        name = g.name,
        guest = g.struct_name,
        pre = g.pre_struct(),
        embedded_doc = if embedded {
            format!("; [`{}::embedded`] gives the module embedded in the binary", g.pre_struct())
        } else {
            String::new()
        }
    ));
    let embedded_fn = if embedded {
        quote! {
            /// The module embedded in the binary ([`MODULE`]), compiled once per runtime.
            pub fn embedded(runtime: &tinybind_runtime::Runtime) -> ::std::result::Result<Self, tinybind_runtime::Error> {
                Self::from_module(tinybind_runtime::LoadedModule::embedded(runtime, &MODULE)?)
            }
        }
    } else {
        quote!()
    };
    quote! {
        #pre_doc
        #[derive(Clone, Debug)]
        pub struct #pre {
            module: tinybind_runtime::LoadedModule,
            #pre_field
        }

        impl #pre {
            /// Checks a module (its bytes: `.wasm`, or `.wat` text) against the interface and compiles it, with the
            /// runtime's deadline checks, compilation cache and pre-initialisation.
            pub fn load(runtime: &tinybind_runtime::Runtime, bytes: impl ::std::convert::AsRef<[u8]>) -> ::std::result::Result<Self, tinybind_runtime::Error> {
                Self::from_module(tinybind_runtime::LoadedModule::load(runtime, &INFO, "the module given as bytes", bytes.as_ref())?)
            }

            /// [`Self::load`] from a file.
            pub fn load_file(runtime: &tinybind_runtime::Runtime, path: impl ::std::convert::AsRef<::std::path::Path>) -> ::std::result::Result<Self, tinybind_runtime::Error> {
                Self::from_module(tinybind_runtime::LoadedModule::load_file(runtime, &INFO, path.as_ref())?)
            }

            #embedded_fn

            fn from_module(module: tinybind_runtime::LoadedModule) -> ::std::result::Result<Self, tinybind_runtime::Error> {
                #pre_init
                ::std::result::Result::Ok(Self { module, #pre_value })
            }

            /// The compiled module.
            pub fn module(&self) -> &tinybind_runtime::LoadedModule {
                &self.module
            }

            #instantiate
        }
    }
}
