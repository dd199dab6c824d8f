//! Exports named as the generated struct's own methods (`guest-go/reserved.go`,
//! TinyGo 0.41.1: `new`, `with_host`, `host`, `host_mut`, `reset`,
//! `instance`, `runtime`, `guest`) become `new_2`, `with_host_2`, ...: the
//! bindings compile (here, and under `deny(warnings)` in
//! `tests/corpus-bindings`), and each calls its own export, in the sync and
//! the async struct.

use tinybind::guests::reserved::{Reserved, ReservedAsync, ReservedHost};
use tinybind::{HostError, Runtime};

#[derive(Default)]
struct Ticks(Vec<i32>);

impl ReservedHost for Ticks {
    fn tick(&mut self, n: i32) -> Result<(), HostError> {
        self.0.push(n);
        Ok(())
    }
}

#[test]
fn exports_named_as_the_structs_methods_are_renamed_and_call_their_export() {
    let rt = Runtime::new().expect("runtime");
    let mut g = Reserved::with_host(&rt, Ticks::default()).expect("instantiate");
    let got = [
        g.new_2().expect("new"),
        g.with_host_2().expect("with_host"),
        g.host_2().expect("host"),
        g.host_mut_2().expect("host_mut"),
        g.reset_2().expect("reset"),
        g.instance_2().expect("instance"),
        g.runtime_2().expect("runtime"),
        g.guest_2().expect("guest"),
    ];
    assert_eq!(got, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(g.host().0, vec![1, 2, 3, 4, 5, 6, 7, 8]);
    // The struct's own methods are still its own.
    g.host_mut().0.clear();
    g.reset().expect("reset");
    assert!(g.host().0.is_empty());
    assert!(!g.instance().is_poisoned());
}

#[test]
fn the_async_struct_renames_them_the_same_way() {
    let tokio = tokio::runtime::Builder::new_current_thread().build().expect("tokio");
    let rt = Runtime::builder().async_support(true).build().expect("runtime");
    tokio.block_on(async {
        let mut g = ReservedAsync::with_host(&rt, Ticks::default()).await.expect("instantiate");
        assert_eq!(g.with_host_2().await.expect("with_host"), 2);
        assert_eq!(g.host_mut_2().await.expect("host_mut"), 4);
        assert_eq!(g.new_2().await.expect("new"), 1);
        assert_eq!(g.host().0, vec![2, 4, 1]);
    });
}
