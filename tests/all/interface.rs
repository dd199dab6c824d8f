//! An interface-only guest, `guest-go/plug.go` (declarations, no module):
//! its bindings load the plugins of `tests/plugins/` (two TinyGo 0.41.1
//! modules, upper and lower) from files and bytes, call them with a typed
//! host, and refuse modules that do not fit, naming each mismatch with both
//! wasm types. The misfits are the repository's other guests and a
//! hand-written `.wat` (a wrong type no compiler emits for this interface).

use std::path::PathBuf;

use tinybind::guests::plug::{Plug, PlugHost, PlugPre};
use tinybind::{Error, HostError, Runtime};

fn plugin(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/plugins/{name}.wasm"))
}

#[derive(Default)]
struct Lines(Vec<String>);

impl PlugHost for Lines {
    fn log(&mut self, message: &str) -> Result<(), HostError> {
        self.0.push(message.to_string());
        Ok(())
    }
}

#[test]
fn plugins_of_an_interface_load_from_files_and_bytes_and_call_the_host() -> Result<(), Error> {
    let rt = Runtime::new()?;
    let upper = PlugPre::load_file(&rt, plugin("upper"))?;
    let lower = PlugPre::load(&rt, std::fs::read(plugin("lower")).expect("lower.wasm"))?;
    let mut u: Plug<Lines> = upper.instantiate_with_host(Lines::default())?;
    let mut l = lower.instantiate_with_host(Lines::default())?;
    assert_eq!((u.version()?, l.version()?), (1, 2));
    // Go's strings.ToUpper keeps ß (it has no one-rune upper case).
    assert_eq!(u.transform("Grüße, Ada")?, "GRÜßE, ADA");
    assert_eq!(l.transform("Grüße, ADA")?, "grüße, ada");
    assert_eq!(u.host().0, ["upper: GRÜßE, ADA"]);
    assert_eq!(l.host().0, ["lower: grüße, ada"]);
    // `reset` keeps the host and gives a fresh instance of the same module.
    u.reset()?;
    assert_eq!(u.transform("again")?, "AGAIN");
    assert_eq!(u.host().0.len(), 2);
    // Without a host, the import fails and names itself.
    let e = upper.instantiate()?.transform("x").expect_err("no host");
    assert!(matches!(&e, Error::Host { import, .. } if import == "env.log"), "{e}");
    Ok(())
}

#[test]
fn a_module_of_another_interface_is_refused_with_each_mismatch() -> Result<(), Error> {
    let rt = Runtime::new()?;
    let concat = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("guest-go/concat.wasm");
    let e = PlugPre::load_file(&rt, &concat).expect_err("concat is not a plug");
    let Error::Misfit { guest, problems, .. } = &e else {
        panic!("expected a misfit, got {e:?}");
    };
    assert_eq!(guest, "plug");
    assert_eq!(
        problems,
        &[
            "missing export `transform` (i32, i32, i32) -> ()".to_string(),
            "missing export `version` () -> (i32)".to_string(),
        ],
        "{e}"
    );
    // Written for this test: transform returning its string as two values.
    let wat = r#"(module
        (import "env" "log" (func (param i32 i32 i32)))
        (memory (export "memory") 1)
        (func (export "transform") (param i32 i32) (result i32 i32) (i32.const 0) (i32.const 0))
        (func (export "version") (result i32) (i32.const 3))
        (func (export "malloc") (param i32) (result i32) (i32.const 0))
        (func (export "free") (param i32)))"#;
    let e = PlugPre::load(&rt, wat).expect_err("wrong types");
    let Error::Misfit { problems, .. } = &e else {
        panic!("expected a misfit, got {e:?}");
    };
    assert_eq!(
        problems,
        &[
            "export `transform` has the wasm type (i32, i32) -> (i32, i32), the interface (i32, i32, i32) -> ()"
                .to_string(),
            "import `env.log` has the wasm type (i32, i32, i32) -> (), the interface's host function (i32, i32) -> ()"
                .to_string(),
        ],
        "{e}"
    );
    Ok(())
}

/// The example of the README's "Plugins shipped separately", as written
/// there but for the paths.
#[test]
fn the_readme_plugin_example_runs() -> Result<(), Error> {
    use tinybind::Pool;

    #[derive(Default)]
    struct Log(Vec<String>);

    impl PlugHost for Log {
        fn log(&mut self, message: &str) -> Result<(), HostError> {
            self.0.push(message.to_string());
            Ok(())
        }
    }

    let rt = Runtime::builder().pooling(64).preinitialize(true).build()?;
    let pre = PlugPre::load_file(&rt, plugin("upper"))?;
    let mut plug: Plug<Log> = pre.instantiate_with_host(Log::default())?;
    assert_eq!(plug.transform("Ada")?, "ADA");
    assert_eq!(plug.host().0, ["upper: ADA"]);

    let make = |pre: PlugPre| move |_: &Runtime| pre.instantiate_with_host(Log::default());
    let pool = Pool::with_factory(&rt, 16, make(pre)).max_memory(64 << 20).max_uses(100_000);
    assert_eq!(pool.get()?.transform("x")?, "X");

    match PlugPre::load_file(&rt, plugin("lower")) {
        Ok(next) => pool.set_factory(make(next)),
        Err(e) => panic!("lower.wasm fits: {e}"),
    }
    assert_eq!(pool.get()?.transform("X")?, "x");
    let stats = pool.stats();
    assert_eq!((stats.created, stats.dropped_stale, stats.idle), (2, 1, 1), "{stats:?}");
    Ok(())
}
