//! Every runtime configuration a guest must behave the same on: default,
//! pooling, pre-initialised, both, each with and without deadlines.

use tinybind::Runtime;

/// The configurations, by name.
pub fn configurations() -> Vec<(&'static str, Runtime)> {
    let b = Runtime::builder;
    let mut out = Vec::new();
    for deadline in [true, false] {
        let t = |builder: tinybind_runtime::RuntimeBuilder| match deadline {
            true => builder,
            false => builder.timeout(None),
        };
        let name = |n: &'static str, with: &'static str| -> &'static str {
            match deadline {
                true => n,
                false => with,
            }
        };
        out.push((name("default", "default, no deadline"), t(b()).build().expect("runtime")));
        out.push((name("pooling", "pooling, no deadline"), t(b().pooling(2)).build().expect("runtime")));
        out.push((name("preinit", "preinit, no deadline"), t(b().preinitialize(true)).build().expect("runtime")));
        out.push((
            name("pooling + preinit", "pooling + preinit, no deadline"),
            t(b().pooling(2).preinitialize(true)).build().expect("runtime"),
        ));
    }
    out
}
