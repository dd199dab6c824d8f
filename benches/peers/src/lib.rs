//! The three peers behind one shape: tinybind's generated bindings, Extism
//! (1.30.0, on wasmtime 43) and the component model (wasmtime 48's
//! `component::bindgen!`), each calling the same Go `a + b` built by TinyGo
//! 0.41.1 (see `build-guests.sh`).

use std::path::PathBuf;

/// tinybind's generated bindings for `guests/tinybind/concat.go`.
pub mod guests {
    include!(concat!(env!("OUT_DIR"), "/tinybind_guests.rs"));
}

/// Where `build-guests.sh` put the guests.
pub fn guest_dir() -> PathBuf {
    PathBuf::from(env!("TINYBIND_PEERS_GUESTS"))
}

/// The bytes of a built guest.
pub fn guest(name: &str) -> Vec<u8> {
    let path = guest_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e} (run build-guests.sh)", path.display()))
}

/// The string sizes measured: each of `a` and `b` has this many bytes.
pub const SIZES: [(&str, usize); 4] = [("8B", 8), ("1KiB", 1 << 10), ("64KiB", 64 << 10), ("1MiB", 1 << 20)];

/// Two different ASCII strings of `n` bytes each, and their concatenation.
pub fn inputs(n: usize) -> (String, String, String) {
    let a: String = (0..n).map(|i| (b'a' + (i % 26) as u8) as char).collect();
    let b: String = (0..n).map(|i| (b'A' + (i % 26) as u8) as char).collect();
    let ab = format!("{a}{b}");
    (a, b, ab)
}

pub mod extism_peer {
    //! Extism: exports take no parameters; the input is one buffer.
    use extism::{CompiledPlugin, Plugin, PluginBuilder};

    /// The plugin compiled once; `cache`: wasmtime's compilation cache
    /// (Extism's default) or none.
    pub fn compiled(wasm: &[u8], cache: bool) -> CompiledPlugin {
        let mut b = PluginBuilder::new(extism::Manifest::new([extism::Wasm::data(wasm.to_vec())])).with_wasi(true);
        if !cache {
            b = b.with_cache_disabled();
        }
        CompiledPlugin::new(b).expect("extism compile")
    }

    pub fn plugin(compiled: &CompiledPlugin) -> Plugin {
        Plugin::new_from_compiled(compiled).expect("extism plugin")
    }

    /// `concatenate`: input u32 LE len(a) ++ a ++ b (packed here, timed).
    pub fn concatenate(plugin: &mut Plugin, a: &str, b: &str) -> Result<String, extism::Error> {
        let mut buf = Vec::with_capacity(4 + a.len() + b.len());
        buf.extend_from_slice(&(a.len() as u32).to_le_bytes());
        buf.extend_from_slice(a.as_bytes());
        buf.extend_from_slice(b.as_bytes());
        plugin.call::<&[u8], String>("concatenate", &buf)
    }

    /// `concatenate_json`: the idiomatic way, `{"a":..,"b":..}` through
    /// `pdk.InputJSON` (encoded here, timed).
    pub fn concatenate_json(plugin: &mut Plugin, a: &str, b: &str) -> Result<String, extism::Error> {
        let input = serde_json::to_vec(&serde_json::json!({ "a": a, "b": b })).expect("json");
        plugin.call::<&[u8], String>("concatenate_json", &input)
    }
}

pub mod component {
    //! The component model on wasmtime 48, concurrency support off.
    use wasmtime::component::{Component, Linker, ResourceTable};
    use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};
    use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

    wasmtime::component::bindgen!({
        inline: r#"
            package tinybind:peers@0.1.0;
            world concat {
                export concatenate: func(a: string, b: string) -> string;
                export concatenate-packed: func(a-len: u32, ab: string) -> string;
            }
        "#,
    });

    pub struct State {
        ctx: WasiCtx,
        table: ResourceTable,
    }

    impl WasiView for State {
        fn ctx(&mut self) -> WasiCtxView<'_> {
            WasiCtxView {
                ctx: &mut self.ctx,
                table: &mut self.table,
            }
        }
    }

    /// How the engine is set up.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Setup {
        Default,
        /// wasmtime's compilation cache (`Cache::from_file(None)`).
        Cached,
        /// The pooling allocator (copy-on-write images are wasmtime's default).
        Pooling,
    }

    pub fn engine(setup: Setup) -> Engine {
        let mut config = Config::new();
        config.concurrency_support(false);
        match setup {
            Setup::Default => {}
            Setup::Cached => {
                config.cache(Some(wasmtime::Cache::from_file(None).expect("wasmtime cache")));
            }
            Setup::Pooling => {
                let mut pool = PoolingAllocationConfig::default();
                pool.total_component_instances(64).total_core_instances(256).total_memories(256).total_tables(256);
                config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
            }
        }
        Engine::new(&config).expect("engine")
    }

    /// A compiled component, ready to instantiate.
    pub struct Peer {
        pub engine: Engine,
        pub pre: ConcatPre<State>,
    }

    impl Peer {
        pub fn new(engine: Engine, wasm: &[u8]) -> Peer {
            let component = Component::new(&engine, wasm).expect("compile component");
            let mut linker = Linker::new(&engine);
            wasmtime_wasi::p2::add_to_linker_sync(&mut linker).expect("wasi p2");
            let pre = ConcatPre::new(linker.instantiate_pre(&component).expect("instantiate_pre")).expect("pre");
            Peer { engine, pre }
        }

        /// A new instance (TinyGo's `_initialize` runs at instantiation).
        pub fn instance(&self) -> wasmtime::Result<Instance> {
            let state = State {
                ctx: WasiCtxBuilder::new().build(),
                table: ResourceTable::new(),
            };
            let mut store = Store::new(&self.engine, state);
            let bindings = self.pre.instantiate(&mut store)?;
            Ok(Instance { store, bindings })
        }
    }

    pub struct Instance {
        store: Store<State>,
        bindings: Concat,
    }

    impl Instance {
        pub fn concatenate(&mut self, a: &str, b: &str) -> wasmtime::Result<String> {
            self.bindings.call_concatenate(&mut self.store, a, b)
        }

        /// `concatenate-packed(len(a), a ++ b)`; the packing is timed.
        pub fn concatenate_packed(&mut self, a: &str, b: &str) -> wasmtime::Result<String> {
            let mut ab = String::with_capacity(a.len() + b.len());
            ab.push_str(a);
            ab.push_str(b);
            self.bindings.call_concatenate_packed(&mut self.store, a.len() as u32, &ab)
        }
    }
}
