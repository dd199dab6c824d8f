//! A guest's `<Guest>Async`: the struct of the async API, for runtimes
//! built with `async_support`, whose methods are the export methods as
//! `async fn`s; and the `<Guest>Pre` methods that make it.

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::methods::method;
use crate::emit::pre::Tables;
use crate::emit::signature::Flavor;
use crate::emit::tokens::{doc, host_accessors, ident};
use crate::model::guest::GuestModel;

/// The struct and its impls.
pub fn async_struct(g: &GuestModel, tables: &Tables, embedded: bool) -> TokenStream {
    let name = ident(&g.async_struct());
    let pre = ident(&g.pre_struct());
    let fields = &tables.fields;
    let reset = &tables.reset;
    let methods = g.functions.iter().map(|f| method(f, Flavor::Async));
    let struct_doc = doc(&format!(
        "An instance of the guest `{}` for async code, on a runtime built with \
         `Runtime::builder().async_support(true)`: the methods of [`{}`], as `async fn`s whose \
         futures are `Send`.\n\n\
         While a host function awaits, or while the guest computes for long (it yields every \
         `tinybind_runtime::YIELD_INTERVAL`), the executor runs other tasks; the deadline, memory \
         cap and fuel apply as in the sync API. A call whose future is dropped before it \
         completes leaves the instance poisoned, as a trap does: calls return \
         [`tinybind_runtime::Error::Poisoned`] until [`Self::reset`].",
        g.name, g.struct_name
    ));
    let common = quote! {
        /// Replaces this instance by a fresh one of the same module, keeping the host value.
        pub async fn reset(&mut self) -> ::std::result::Result<(), tinybind_runtime::Error> {
            self.instance.reset_async().await?;
            #reset
            ::std::result::Result::Ok(())
        }

        /// The underlying instance: memory, captured output, settings.
        pub fn instance(&mut self) -> &mut tinybind_runtime::Instance {
            &mut self.instance
        }

        #(#methods)*
    };
    if !g.has_host() {
        let (new, bindings) = if embedded {
            (
                quote! {
                    /// Instantiates the embedded module and runs its start-up.
                    pub async fn new(runtime: &tinybind_runtime::Runtime) -> ::std::result::Result<Self, tinybind_runtime::Error> {
                        #pre::embedded(runtime)?.instantiate_async().await
                    }
                },
                async_bindings(quote!(), quote!(#name), quote!(Self::new(runtime))),
            )
        } else {
            (quote!(), quote!())
        };
        return quote! {
            #struct_doc
            pub struct #name {
                instance: tinybind_runtime::Instance,
                #fields
            }

            impl #name {
                #new

                #common
            }

            impl tinybind_runtime::PoolItem for #name {
                fn instance(&mut self) -> &mut tinybind_runtime::Instance {
                    &mut self.instance
                }
            }

            #bindings
        };
    }
    let host = ident(&g.async_host_trait());
    let accessors = host_accessors();
    let bindings = if embedded {
        let bindings = async_bindings(quote!(<H: #host + Default>), quote!(#name<H>), quote!(Self::with_host(runtime, H::default())));
        quote! {
            /// Pooled instances get a fresh `H::default()` each.
            #bindings
        }
    } else {
        quote!()
    };
    let (new, with_host) = if embedded {
        (
            quote! {
                impl #name {
                    /// Instantiates the embedded module and runs its start-up, with a host whose every method is unimplemented (see [`Self::with_host`]).
                    pub async fn new(runtime: &tinybind_runtime::Runtime) -> ::std::result::Result<Self, tinybind_runtime::Error> {
                        #pre::embedded(runtime)?.instantiate_async().await
                    }
                }
            },
            quote! {
                /// Instantiates the embedded module with `host` implementing its imports, and runs its start-up (which may call the host).
                pub async fn with_host(runtime: &tinybind_runtime::Runtime, host: H) -> ::std::result::Result<Self, tinybind_runtime::Error> {
                    #pre::embedded(runtime)?.instantiate_with_host_async(host).await
                }
            },
        )
    } else {
        (quote!(), quote!())
    };
    quote! {
        #struct_doc
        pub struct #name<H: #host = tinybind_runtime::NoHost> {
            instance: tinybind_runtime::Instance,
            #fields
            host: ::std::marker::PhantomData<fn() -> H>,
        }

        #new

        impl<H: #host> #name<H> {
            #with_host

            #accessors

            #common
        }

        impl<H: #host> tinybind_runtime::PoolItem for #name<H> {
            fn instance(&mut self) -> &mut tinybind_runtime::Instance {
                &mut self.instance
            }
        }

        #bindings
    }
}

/// `AsyncBindings` for `Pool::new_async`: `ty` instantiated by `make`.
fn async_bindings(generics: TokenStream, ty: TokenStream, make: TokenStream) -> TokenStream {
    quote! {
        impl #generics tinybind_runtime::AsyncBindings for #ty {
            fn instantiate_async(runtime: &tinybind_runtime::Runtime) -> impl ::std::future::Future<Output = ::std::result::Result<Self, tinybind_runtime::Error>> + ::std::marker::Send {
                #make
            }
        }
    }
}

/// `instantiate_async` and `instantiate_with_host_async` of the `Pre`.
pub fn pre_methods(g: &GuestModel, tables: &Tables, instance_mut: &TokenStream) -> TokenStream {
    let name = ident(&g.async_struct());
    let (init, values) = (&tables.init, &tables.values);
    if !g.has_host() {
        let no_host_doc = doc(&format!(
            "An instance for async code ([`{}`]), its start-up run; the runtime must be built with `async_support(true)`.",
            g.async_struct()
        ));
        return quote! {
            #no_host_doc
            pub async fn instantiate_async(&self) -> ::std::result::Result<#name, tinybind_runtime::Error> {
                let #instance_mut = self.module.instantiate_async().await?;
                #init
                ::std::result::Result::Ok(#name { instance, #values })
            }
        };
    }
    let host = ident(&g.async_host_trait());
    let async_doc = doc(&format!(
        "An instance for async code ([`{}`]) whose host's every method is unimplemented (see [`Self::instantiate_with_host_async`]).",
        g.async_struct()
    ));
    let with_host_doc = doc(&format!(
        "An instance for async code ([`{}`]) with `host` implementing its imports; its start-up has run. The runtime must be built with `async_support(true)`.",
        g.async_struct()
    ));
    quote! {
        #async_doc
        pub async fn instantiate_async(&self) -> ::std::result::Result<#name, tinybind_runtime::Error> {
            self.instantiate_with_host_async(tinybind_runtime::NoHost).await
        }

        #with_host_doc
        pub async fn instantiate_with_host_async<H: #host>(&self, host: H) -> ::std::result::Result<#name<H>, tinybind_runtime::Error> {
            let link = tinybind_runtime::__private::HostLink::new::<H>(link_async::<H>);
            let #instance_mut = self.module.instantiate_with_host_async(host, link).await?;
            #init
            ::std::result::Result::Ok(#name { instance, #values host: ::std::marker::PhantomData })
        }
    }
}
