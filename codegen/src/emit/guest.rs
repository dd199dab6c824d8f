//! One guest's module: its `MODULE` and `INFO` statics, Rust types, host
//! trait, struct, constructors, methods and trait impls.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::emit::dynamic::dynamic_arm;
use crate::emit::host;
use crate::emit::info::{function_info, import_info};
use crate::emit::async_guest::{async_struct, pre_methods};
use crate::emit::methods::method;
use crate::emit::signature::Flavor;
use crate::emit::pre;
use crate::emit::tokens::{doc, host_accessors, ident, inner_doc};
use crate::emit::types;
use crate::model::guest::GuestModel;
use tinybind_abi::Startup;

/// How the generated code reaches a guest's bytes.
#[derive(Clone, Debug)]
pub enum BytesPath {
    /// `include_bytes!(concat!(env!(VAR), REL))`.
    Env { var: String, rel: String },
    /// `include_bytes!(ABSOLUTE)`.
    Absolute(String),
}

impl BytesPath {
    pub fn tokens(&self) -> TokenStream {
        match self {
            BytesPath::Env { var, rel } => quote!(include_bytes!(concat!(env!(#var), #rel))),
            BytesPath::Absolute(path) => quote!(include_bytes!(#path)),
        }
    }
}

/// The module of one guest; `bytes` reaches the module it embeds, `None`
/// for an interface-only guest, which embeds none and has no `new` or
/// `with_host`.
pub fn guest_module(g: &GuestModel, bytes: Option<&BytesPath>) -> TokenStream {
    let module = ident(&g.module);
    let guest_struct = ident(&g.struct_name);
    let name = &g.name;
    let file = &g.file;
    let embedded = bytes.is_some();
    let retptr_size = Literal::u32_unsuffixed(g.retptr_size());
    let compiler = &g.compiler;
    let (module_doc, struct_doc) = docs(g);
    let methods = g.functions.iter().map(|f| method(f, Flavor::Sync));
    let struct_items = g.structs.iter().map(types::struct_items);
    let infos = g.functions.iter().map(function_info);
    let import_infos = g.imports.iter().map(import_info);
    // A guest without functions of its own has no export tables.
    let tables = pre::tables(g);
    let (fields, init, values, reset) = (&tables.fields, &tables.init, &tables.values, &tables.reset);
    let pre_struct = ident(&g.pre_struct());
    let instance_mut = if g.functions.is_empty() {
        quote!(instance)
    } else {
        quote!(mut instance)
    };
    let made_by = match (embedded, g.has_host()) {
        (true, true) => "[`Self::with_host`]".to_string(),
        (true, false) => "[`Self::new`]".to_string(),
        (false, true) => format!("[`{}::instantiate_with_host`]", g.pre_struct()),
        (false, false) => format!("[`{}::instantiate`]", g.pre_struct()),
    };
    let reset_doc = if g.has_host() {
        doc(&format!(
            "Replaces this instance by a fresh one of the same module, as after {made_by}, keeping the host value."
        ))
    } else {
        doc(&format!("Replaces this instance by a fresh one of the same module, as after {made_by}."))
    };
    let common = quote! {
        #reset_doc
        pub fn reset(&mut self) -> ::std::result::Result<(), tinybind_runtime::Error> {
            self.instance.reset()?;
            #reset
            ::std::result::Result::Ok(())
        }

        /// The underlying instance: memory, captured output, settings.
        pub fn instance(&mut self) -> &mut tinybind_runtime::Instance {
            &mut self.instance
        }

        #(#methods)*
    };

    let (host_items, struct_def, impls, instantiate) = if g.has_host() {
        let host = ident(&g.host_trait());
        let items = host::host_items(g);
        let async_items = host::async_host_items(g);
        let items = quote!(#items #async_items);
        let struct_def = quote! {
            #struct_doc
            pub struct #guest_struct<H: #host = tinybind_runtime::NoHost> {
                instance: tinybind_runtime::Instance,
                #fields
                host: ::std::marker::PhantomData<fn() -> H>,
            }
        };
        let (new, with_host) = if embedded {
            (
                quote! {
                    impl #guest_struct {
                        /// Instantiates the embedded module and runs its start-up, with a host whose every method is unimplemented (see [`Self::with_host`]).
                        pub fn new(runtime: &tinybind_runtime::Runtime) -> ::std::result::Result<Self, tinybind_runtime::Error> {
                            #pre_struct::embedded(runtime)?.instantiate()
                        }
                    }
                },
                quote! {
                    /// Instantiates the embedded module with `host` implementing its imports, and runs its start-up (which may call the host).
                    pub fn with_host(runtime: &tinybind_runtime::Runtime, host: H) -> ::std::result::Result<Self, tinybind_runtime::Error> {
                        #pre_struct::embedded(runtime)?.instantiate_with_host(host)
                    }
                },
            )
        } else {
            (quote!(), quote!())
        };
        let accessors = host_accessors();
        let impls = quote! {
            #new

            impl<H: #host> #guest_struct<H> {
                #with_host

                #accessors

                #common
            }
        };
        let instantiate = quote! {
            /// An instance whose host's every method is unimplemented (see [`Self::instantiate_with_host`]).
            pub fn instantiate(&self) -> ::std::result::Result<#guest_struct, tinybind_runtime::Error> {
                self.instantiate_with_host(tinybind_runtime::NoHost)
            }

            /// An instance with `host` implementing its imports; its start-up has run (and may have called the host).
            pub fn instantiate_with_host<H: #host>(&self, host: H) -> ::std::result::Result<#guest_struct<H>, tinybind_runtime::Error> {
                let link = tinybind_runtime::__private::HostLink::new::<H>(link::<H>);
                let #instance_mut = self.module.instantiate_with_host(host, link)?;
                #init
                ::std::result::Result::Ok(#guest_struct { instance, #values host: ::std::marker::PhantomData })
            }
        };
        (items, struct_def, impls, instantiate)
    } else {
        let struct_def = quote! {
            #struct_doc
            pub struct #guest_struct {
                instance: tinybind_runtime::Instance,
                #fields
            }
        };
        let new = if embedded {
            quote! {
                /// Instantiates the embedded module and runs its start-up.
                pub fn new(runtime: &tinybind_runtime::Runtime) -> ::std::result::Result<Self, tinybind_runtime::Error> {
                    #pre_struct::embedded(runtime)?.instantiate()
                }
            }
        } else {
            quote!()
        };
        let impls = quote! {
            impl #guest_struct {
                #new

                #common
            }
        };
        let instantiate = quote! {
            /// An instance, its start-up run.
            pub fn instantiate(&self) -> ::std::result::Result<#guest_struct, tinybind_runtime::Error> {
                let #instance_mut = self.module.instantiate()?;
                #init
                ::std::result::Result::Ok(#guest_struct { instance, #values })
            }
        };
        (quote!(), struct_def, impls, instantiate)
    };
    let instantiate_async = pre_methods(g, &tables, &instance_mut);
    let pre_items = pre::pre(g, &tables, embedded, quote!(#instantiate #instantiate_async));
    let async_struct = async_struct(g, &tables, embedded);
    let table_defs = &tables.defs;

    let trait_impls = trait_impls(g, embedded);
    let module_static = bytes.map(|bytes| {
        let bytes = bytes.tokens();
        let startup = match g.startup {
            Startup::Initialize => quote!(tinybind_runtime::Startup::Initialize),
            Startup::Command => quote!(tinybind_runtime::Startup::Command),
            Startup::None => quote!(tinybind_runtime::Startup::None),
        };
        quote! {
            /// The module, embedded in the binary.
            pub static MODULE: tinybind_runtime::GuestModule = tinybind_runtime::GuestModule {
                name: #name,
                file: #file,
                bytes: #bytes,
                startup: #startup,
                retptr_size: #retptr_size,
            };
        }
    });
    quote! {
        pub mod #module {
            #module_doc

            #module_static

            /// What the code generator inferred, for tools and listings.
            pub static INFO: tinybind_runtime::GuestInfo = tinybind_runtime::GuestInfo {
                name: #name,
                file: #file,
                compiler: #compiler,
                functions: &[#(#infos),*],
                imports: &[#(#import_infos),*],
                retptr_size: #retptr_size,
            };

            #(#struct_items)*

            #host_items

            #table_defs

            #pre_items

            #struct_def

            #impls

            #trait_impls

            #async_struct
        }
    }
}

/// The guest module's inner docs and the guest struct's docs.
fn docs(g: &GuestModel) -> (TokenStream, TokenStream) {
    let (name, file, compiler) = (&g.name, &g.file, &g.compiler);
    if g.interface_only {
        return interface_docs(g);
    }
    let startup_doc = g.startup.describe();
    let module_doc = inner_doc(&format!(
        "Bindings for the guest `{name}` (`{file}`).\n\n\
         - Compiler: {compiler}\n- Start-up: {startup_doc}\n- Runtime exports, hidden: {}",
        if g.runtime_exports.is_empty() {
            "none".to_string()
        } else {
            g.runtime_exports
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    ));
    let create = if g.has_host() {
        format!(
            "[`{0}::with_host`] with a host that implements [`{1}`] (or [`{0}::new`], whose \
             imports all fail as unimplemented)",
            g.struct_name,
            g.host_trait()
        )
    } else {
        format!("[`{}::new`]", g.struct_name)
    };
    let struct_doc = doc(&format!(
        "An instance of the guest `{name}`, with its own store and memory.\n\n\
         Create it with {create}; each method calls one export. After a trap the instance \
         is poisoned: calls return [`tinybind_runtime::Error::Poisoned`] until [`{}::reset`] makes a fresh one.",
        g.struct_name
    ));

    (module_doc, struct_doc)
}

/// The docs of an interface-only guest's module and struct.
fn interface_docs(g: &GuestModel) -> (TokenStream, TokenStream) {
    let (name, file, pre) = (&g.name, &g.file, g.pre_struct());
    let module_doc = inner_doc(&format!(
        "Bindings for the guest interface `{name}` (`{file}`): Go declarations, and no module. \
         Any module that fits them, whatever TinyGo release built it, is loaded at run time with \
         [`{pre}::load`] or [`{pre}::load_file`], which check it against the wasm types below; \
         its start-up is found from the module."
    ));
    let create = if g.has_host() {
        format!(
            "[`{pre}::instantiate_with_host`] with a host that implements [`{}`] (or \
             [`{pre}::instantiate`], whose imports all fail as unimplemented)",
            g.host_trait()
        )
    } else {
        format!("[`{pre}::instantiate`]")
    };
    let struct_doc = doc(&format!(
        "An instance of a module of the guest interface `{name}`, with its own store and memory.\n\n\
         Create it with {create}; each method calls one export. After a trap the instance \
         is poisoned: calls return [`tinybind_runtime::Error::Poisoned`] until [`{}::reset`] makes a fresh one.",
        g.struct_name
    ));
    (module_doc, struct_doc)
}

/// `PoolItem`, `Bindings` (for a guest with an embedded module: `Bindings`
/// instantiates it) and `DynGuest`, the same for both kinds of guest struct.
fn trait_impls(g: &GuestModel, embedded: bool) -> TokenStream {
    let guest_struct = ident(&g.struct_name);
    // An export named like another function's method is reached by the
    // method name alone (a second arm for it would be unreachable).
    let method_names: Vec<&str> = g.functions.iter().map(|f| f.method.as_str()).collect();
    let arms = g.functions.iter().map(|f| dynamic_arm(f, &method_names));
    let dynamic_body = if g.functions.is_empty() {
        quote!(::std::result::Result::Err(tinybind_runtime::Error::no_such_function(&INFO, function)))
    } else {
        quote! {
            match function {
                #(#arms)*
                _ => ::std::result::Result::Err(tinybind_runtime::Error::no_such_function(&INFO, function)),
            }
        }
    };
    let dynamic_args = if g.functions.is_empty() {
        quote!(_args)
    } else {
        quote!(args)
    };
    let (generics, ty, bindings_generics, instantiate) = if g.has_host() {
        let host = ident(&g.host_trait());
        (
            quote!(<H: #host>),
            quote!(#guest_struct<H>),
            quote!(<H: #host + Default>),
            quote!(Self::with_host(runtime, H::default())),
        )
    } else {
        (quote!(), quote!(#guest_struct), quote!(), quote!(Self::new(runtime)))
    };
    let bindings_doc = if g.has_host() {
        doc("Pooled instances get a fresh `H::default()` each.")
    } else {
        quote!()
    };
    let bindings = if embedded {
        quote! {
            #bindings_doc
            impl #bindings_generics tinybind_runtime::Bindings for #ty {
                fn instantiate(runtime: &tinybind_runtime::Runtime) -> ::std::result::Result<Self, tinybind_runtime::Error> {
                    #instantiate
                }
            }
        }
    } else {
        quote!()
    };
    quote! {
        impl #generics tinybind_runtime::PoolItem for #ty {
            fn instance(&mut self) -> &mut tinybind_runtime::Instance {
                &mut self.instance
            }
        }

        #bindings

        impl #generics tinybind_runtime::DynGuest for #ty {
            fn info(&self) -> &'static tinybind_runtime::GuestInfo {
                &INFO
            }

            fn instance(&mut self) -> &mut tinybind_runtime::Instance {
                &mut self.instance
            }

            fn call_dynamic(&mut self, function: &str, #dynamic_args: &[tinybind_runtime::Value]) -> ::std::result::Result<::std::vec::Vec<tinybind_runtime::Value>, tinybind_runtime::Error> {
                #dynamic_body
            }
        }
    }
}
