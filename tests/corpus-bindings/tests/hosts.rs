//! Real corpus modules calling host functions that Rust hosts implement
//! through the generated host traits: wazero's greet examples (TinyGo 0.22 to
//! 0.35) with `env.log` typed by a user's declaration, TinyGo 0.13's
//! `host_func`, and raw imports written against the guest's memory: wazero's
//! `get_random_string(**byte, *int)` out-pointers and the http-wasm router's
//! `http_handler` ABI.
//!
//! Without the corpus these tests fail under `CI=true` and otherwise say
//! loudly that they skip.

use tinybind_corpus_bindings::{hosted, CORPUS_DIR, CORPUS_PRESENT};
use tinybind_runtime::{Error, GuestMemory, HostError, Runtime};

fn have_corpus() -> bool {
    if CORPUS_PRESENT {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("the corpus is missing at {CORPUS_DIR}; CI needs it");
    }
    eprintln!("\n!!! SKIPPED: corpus not found at {CORPUS_DIR}; host tests did not run !!!\n");
    false
}

/// What every greet module's host receives.
#[derive(Default)]
struct Logged(Vec<String>);

macro_rules! greet_modules {
    ($($module:ident :: $guest:ident, $host:ident;)*) => {
        $(
            impl hosted::$module::$host for Logged {
                fn log(&mut self, message: &str) -> Result<(), HostError> {
                    self.0.push(message.to_string());
                    Ok(())
                }
            }
        )*

        #[test]
        fn wazero_greet_modules_log_to_a_typed_host() -> Result<(), Error> {
            if !have_corpus() {
                return Ok(());
            }
            let rt = Runtime::new()?;
            let mut checked = 0;
            $(
                let mut g = hosted::$module::$guest::with_host(&rt, Logged::default())?;
                g.greet("Ada")?;
                g.greet("Grüße")?;
                assert_eq!(
                    g.host().0,
                    vec!["wasm >> Hello, Ada!", "wasm >> Hello, Grüße!"],
                    "{}", stringify!($module)
                );
                checked += 1;
            )*
            assert_eq!(checked, 6);
            Ok(())
        }
    };
}

greet_modules! {
    tg0_22_wasi_wazero_greet::Tg022WasiWazeroGreet, Tg022WasiWazeroGreetHost;
    tg0_25_wasi_wazero_greet::Tg025WasiWazeroGreet, Tg025WasiWazeroGreetHost;
    tg0_27_wasi_wazero_greet::Tg027WasiWazeroGreet, Tg027WasiWazeroGreetHost;
    tg0_28_1_wasi_wazero_greet::Tg0281WasiWazeroGreet, Tg0281WasiWazeroGreetHost;
    tg0_31_1_wasi_wazero_greet::Tg0311WasiWazeroGreet, Tg0311WasiWazeroGreetHost;
    tg0_35_0_wasip1_wazero_greet_cshared::Tg0350Wasip1WazeroGreetCshared, Tg0350Wasip1WazeroGreetCsharedHost;
}

/// One interface, the bindings of TinyGo 0.35's greet, loads the greet
/// modules of every TinyGo release from 0.22 (WASI commands with `_start`,
/// a reactor with `_initialize`: the start-up is found at load), and they
/// answer alike through one typed host; wasmedge's greet of TinyGo 0.21,
/// another interface, is refused with each mismatch.
#[test]
fn one_interface_loads_the_greet_modules_of_every_tinygo_release() -> Result<(), Error> {
    if !have_corpus() {
        return Ok(());
    }
    use hosted::tg0_35_0_wasip1_wazero_greet_cshared::Tg0350Wasip1WazeroGreetCsharedPre as GreetPre;
    let rt = Runtime::new()?;
    let releases = ["0.22-wasi", "0.25-wasi", "0.27-wasi", "0.28.1-wasi", "0.31.1-wasi", "0.35.0-wasip1"];
    for release in releases {
        let suffix = if release.starts_with("0.35") { "-cshared" } else { "" };
        let file = format!("{CORPUS_DIR}/tg{release}-wazero-greet{suffix}.wasm");
        let pre = GreetPre::load_file(&rt, &file)?;
        let mut g = pre.instantiate_with_host(Logged::default())?;
        g.greet("Ada")?;
        assert_eq!(g.host().0, vec!["wasm >> Hello, Ada!"], "{file}");
    }
    let other = format!("{CORPUS_DIR}/tg0.21-wasi-wasmedge-greet.wasm");
    let problems = match GreetPre::load_file(&rt, &other) {
        Err(Error::Misfit { problems, .. }) => problems,
        other => panic!("expected a misfit, got {other:?}"),
    };
    assert!(
        problems.iter().any(|p| p.starts_with("export `greet` has the wasm type (i32) -> (i32), the interface (i32, i32) -> ()")),
        "{problems:#?}"
    );
    assert!(problems.iter().any(|p| p.starts_with("missing export `greeting` ")), "{problems:#?}");
    Ok(())
}

/// The same with an interface-only guest: declarations that no module was
/// built with, checked against each build at load.
#[test]
fn interface_only_declarations_load_the_greet_modules_of_every_tinygo_release() -> Result<(), Error> {
    if !have_corpus() {
        return Ok(());
    }
    use tinybind_corpus_bindings::interfaces::greet::{GreetHost, GreetPre};
    #[derive(Default)]
    struct Lines(Vec<String>);
    impl GreetHost for Lines {
        fn log(&mut self, message: &str) -> Result<(), HostError> {
            self.0.push(message.to_string());
            Ok(())
        }
    }
    let rt = Runtime::new()?;
    let releases = ["0.22-wasi", "0.25-wasi", "0.27-wasi", "0.28.1-wasi", "0.31.1-wasi", "0.35.0-wasip1"];
    for release in releases {
        let suffix = if release.starts_with("0.35") { "-cshared" } else { "" };
        let file = format!("{CORPUS_DIR}/tg{release}-wazero-greet{suffix}.wasm");
        let bytes = std::fs::read(&file).expect("corpus module");
        for pre in [GreetPre::load_file(&rt, &file)?, GreetPre::load(&rt, &bytes)?] {
            let mut g = pre.instantiate_with_host(Lines::default())?;
            g.greet("Ada")?;
            g.greet("Grace")?;
            assert_eq!(g.host().0, vec!["wasm >> Hello, Ada!", "wasm >> Hello, Grace!"], "{file}");
        }
    }
    let other = format!("{CORPUS_DIR}/tg0.21-wasi-wasmedge-greet.wasm");
    match GreetPre::load_file(&rt, &other) {
        Err(Error::Misfit { problems, .. }) => assert!(
            problems.iter().any(|p| p == "export `greet` has the wasm type (i32) -> (i32), the interface (i32, i32) -> ()"),
            "{problems:#?}"
        ),
        other => panic!("expected a misfit, got {other:?}"),
    }
    Ok(())
}

#[test]
fn greet_declarations_type_the_import_as_a_string() {
    if !have_corpus() {
        return;
    }
    let log = hosted::tg0_22_wasi_wazero_greet::INFO.imports.iter().find(|i| i.name == "log");
    let log = log.expect("env.log is a host import");
    assert_eq!(log.module, Some("env"));
    assert_eq!(log.evidence, "go-source");
    assert_eq!(log.rust, "fn log(&mut self, message: &str) -> Result<(), HostError>");
    assert_eq!(log.wasm, "(i32, i32) -> ()");
}

#[derive(Default)]
struct Counter(u32);

impl hosted::tg0_13_wasm_wazero_hostfunc_2020::Tg013WasmWazeroHostfunc2020Host for Counter {
    fn host_func(&mut self) -> Result<(), HostError> {
        self.0 += 1;
        Ok(())
    }
}

#[test]
fn tinygo_0_13_host_func_reaches_the_host_once_per_count() -> Result<(), Error> {
    if !have_corpus() {
        return Ok(());
    }
    use hosted::tg0_13_wasm_wazero_hostfunc_2020::Tg013WasmWazeroHostfunc2020 as HostFunc;
    let rt = Runtime::new()?;
    let mut g = HostFunc::with_host(&rt, Counter::default())?;
    g.call_host_func(5)?;
    assert_eq!(g.host().0, 5);
    g.call_host_func(0)?;
    assert_eq!(g.host().0, 5);
    // Without a host the call fails with the import's name, not a trap.
    let mut bare = HostFunc::new(&rt)?;
    let err = bare.call_host_func(1).expect_err("no host");
    assert!(matches!(err, Error::Host { .. }), "{err:?}");
    assert!(err.to_string().contains("`env.host_func`"), "{err}");
    Ok(())
}

/// wazero's benchmark host: `get_random_string(retBufPtr **byte, retBufSize
/// *int)` allocates a buffer in the guest and writes its address and size
/// through the two out-pointers.
#[derive(Default)]
struct RandomStrings {
    calls: u32,
}

impl hosted::tg0_20_wasi_wazero_benchcase_2021::Tg020WasiWazeroBenchcase2021Host for RandomStrings {
    fn get_random_string(
        &mut self,
        memory: &mut GuestMemory<'_>,
        ret_buf_ptr: i32,
        ret_buf_size: i32,
    ) -> Result<(), HostError> {
        self.calls += 1;
        let text: Vec<u8> = (0..10).map(|i| b'a' + ((self.calls + i) % 26) as u8).collect();
        let ptr = memory.alloc_bytes(&text)?;
        memory.write_u32(ret_buf_ptr as u32, ptr)?;
        memory.write_u32(ret_buf_size as u32, text.len() as u32)?;
        Ok(())
    }
}

#[test]
fn a_raw_out_pointer_import_is_written_through_guest_memory() -> Result<(), Error> {
    if !have_corpus() {
        return Ok(());
    }
    use hosted::tg0_20_wasi_wazero_benchcase_2021::Tg020WasiWazeroBenchcase2021 as Bench;
    let info = &hosted::tg0_20_wasi_wazero_benchcase_2021::INFO;
    let raw = info.imports.iter().find(|i| i.name == "get_random_string").expect("import");
    assert_eq!(raw.evidence, "wasm-only");
    let rt = Runtime::new()?;
    let mut g = Bench::with_host(&rt, RandomStrings::default())?;
    g.base64(25)?;
    assert_eq!(g.host().calls, 25);
    Ok(())
}

/// An http-wasm host, raw: one request with a URI, and what the guest sets.
#[derive(Default)]
struct Http {
    uri: String,
    new_uri: Option<String>,
    headers: Vec<(i32, String, String)>,
    body: Vec<u8>,
}

macro_rules! http_host {
    ($module:ident :: $host:ident) => {
        impl hosted::$module::$host for Http {
            /// `get_uri(ptr, limit) -> len`: the URI's bytes at `ptr` when
            /// they fit in `limit`; its length either way.
            fn get_uri(&mut self, memory: &mut GuestMemory<'_>, ptr: i32, limit: i32) -> Result<i32, HostError> {
                if self.uri.len() <= limit as usize {
                    memory.write(ptr as u32, self.uri.as_bytes())?;
                }
                Ok(self.uri.len() as i32)
            }

            fn set_uri(&mut self, memory: &mut GuestMemory<'_>, ptr: i32, len: i32) -> Result<(), HostError> {
                self.new_uri = Some(memory.read_str(ptr as u32, len as u32)?.to_string());
                Ok(())
            }

            fn set_header_value(
                &mut self,
                memory: &mut GuestMemory<'_>,
                kind: i32,
                name_ptr: i32,
                name_len: i32,
                value_ptr: i32,
                value_len: i32,
            ) -> Result<(), HostError> {
                let name = memory.read_str(name_ptr as u32, name_len as u32)?.to_string();
                let value = memory.read_str(value_ptr as u32, value_len as u32)?.to_string();
                self.headers.push((kind, name, value));
                Ok(())
            }

            fn write_body(&mut self, memory: &mut GuestMemory<'_>, kind: i32, ptr: i32, len: i32) -> Result<(), HostError> {
                assert_eq!(kind, 1, "the response body");
                self.body.extend_from_slice(memory.bytes(ptr as u32, len as u32)?);
                Ok(())
            }
        }
    };
}

http_host!(tg0_28_1_wasi_httpwasm_router::Tg0281WasiHttpwasmRouterHost);
http_host!(tg0_34_0_wasi_dapr_httpwasm_router::Tg0340WasiDaprHttpwasmRouterHost);

#[test]
fn http_wasm_routers_answer_through_a_raw_host() -> Result<(), Error> {
    if !have_corpus() {
        return Ok(());
    }
    use hosted::tg0_28_1_wasi_httpwasm_router::Tg0281WasiHttpwasmRouter as Router028;
    use hosted::tg0_34_0_wasi_dapr_httpwasm_router::Tg0340WasiDaprHttpwasmRouter as Router034;
    let rt = Runtime::new()?;
    let request = |uri: &str| Http {
        uri: uri.to_string(),
        ..Http::default()
    };
    macro_rules! check {
        ($router:ident) => {{
            // "/": the router answers itself and stops the chain.
            let mut r = $router::with_host(&rt, request("/"))?;
            assert_eq!(r.handle_request()? & 1, 0, "next is false");
            assert_eq!(r.host().body, b"hello");
            assert_eq!(r.host().headers, vec![(1, "Content-Type".to_string(), "text/plain".to_string())]);
            // "/host...": the router rewrites the URI and passes it on.
            let mut r = $router::with_host(&rt, request("/hostname/x"))?;
            assert_eq!(r.handle_request()? & 1, 1, "next is true");
            assert_eq!(r.host().new_uri.as_deref(), Some("name/x"));
            assert!(r.host().body.is_empty());
        }};
    }
    check!(Router028);
    check!(Router034);
    Ok(())
}
