//! A fresh instance never sees what an earlier request left: memory it
//! wrote, pages it grew, a global it set, a table slot it filled; on every
//! runtime configuration (default, pooling, pre-initialised, both, each
//! with and without deadlines) and across threads. The pooled memory reset
//! (`keep_resident`, the copy-on-write image) must never let one through.
//! The guest is hand-written `.wat`: no Go compiler emits a table write.

use crate::configurations::configurations;
use tinybind_runtime::{GuestModule, Startup};
use wasmtime::Val;

/// The guest, with its table write (`table.set`, which wasmtime-wizer
/// cannot snapshot: that one keeps the normal start-up under pre-init) or
/// without it.
macro_rules! leaver {
    ($table_set:literal, $table_get:literal) => {
        concat!(
            r#"(module
        (memory (export "memory") 1)
        (global $g (mut i32) (i32.const 0))
        (table $t 4 funcref)
        (func $mark (result i32) (i32.const 42))
        (elem declare func $mark)
        ;; Start-up leaves its own mark, which every instance must see.
        (func (export "_initialize") (i32.store (i32.const 2000) (i32.const 1)))
        (func (export "leave") (result i32)
            (i32.store (i32.const 1000) (i32.const 0xDEADBEEF))
            (drop (memory.grow (i32.const 2)))
            (i32.store (i32.const 70000) (i32.const 0xCAFEBABE))
            (global.set $g (i32.const 7))"#,
            $table_set,
            r#"
            (memory.size))
        ;; A bit for each trace of an earlier request, and 16 for a missing
        ;; start-up.
        (func (export "look") (result i32)
            (local $r i32)
            (if (i32.ne (i32.load (i32.const 1000)) (i32.const 0))
                (then (local.set $r (i32.or (local.get $r) (i32.const 1)))))
            (if (i32.gt_u (memory.size) (i32.const 1))
                (then (local.set $r (i32.or (local.get $r) (i32.const 2)))))
            (if (i32.ne (global.get $g) (i32.const 0))
                (then (local.set $r (i32.or (local.get $r) (i32.const 4)))))"#,
            $table_get,
            r#"
            (if (i32.ne (i32.load (i32.const 2000)) (i32.const 1))
                (then (local.set $r (i32.or (local.get $r) (i32.const 16)))))
            (local.get $r)))"#
        )
    };
}

static WITH_TABLE: GuestModule = GuestModule {
    name: "leaver_table",
    file: "leaver_table.wat",
    bytes: leaver!(
        "\n            (table.set $t (i32.const 1) (ref.func $mark))",
        "\n            (if (i32.eqz (ref.is_null (table.get $t (i32.const 1))))\n                (then (local.set $r (i32.or (local.get $r) (i32.const 8)))))"
    )
    .as_bytes(),
    startup: Startup::Initialize,
    retptr_size: 0,
};

static WITHOUT_TABLE: GuestModule = GuestModule {
    name: "leaver",
    file: "leaver.wat",
    bytes: leaver!("", "").as_bytes(),
    startup: Startup::Initialize,
    retptr_size: 0,
};

fn i32_of(inst: &mut tinybind_runtime::Instance, export: &'static str) -> i32 {
    match inst.call_untyped(export, &[]).expect(export)[..] {
        [Val::I32(x)] => x,
        ref other => panic!("{export} returned {other:?}"),
    }
}

#[test]
fn no_request_sees_what_an_earlier_one_left_on_any_configuration() {
    for (name, rt) in configurations() {
        for (guest, traces) in [(&WITHOUT_TABLE, 7), (&WITH_TABLE, 15)] {
            let snapshot = name.contains("preinit") && guest.name == "leaver";
            for round in 0..4 {
                let mut a = rt.instantiate(guest).expect("instantiate");
                let status = rt.preinit_status(guest);
                assert_eq!(a.preinitialized(), snapshot, "{name}, {}: {status:?}", guest.name);
                assert_eq!(i32_of(&mut a, "look"), 0, "{name}, {}, round {round}: a fresh instance", guest.name);
                assert_eq!(i32_of(&mut a, "leave"), 3, "{name}: three pages after growing");
                assert_eq!(i32_of(&mut a, "look"), traces, "{name}: the instance sees its own traces");
            }
            // The same from another thread, instances made and dropped there.
            let rt2 = rt.clone();
            std::thread::spawn(move || {
                let mut a = rt2.instantiate(guest).expect("instantiate");
                assert_eq!(i32_of(&mut a, "leave"), 3);
            })
            .join()
            .expect("the thread");
            let mut b = rt.instantiate(guest).expect("instantiate");
            assert_eq!(i32_of(&mut b, "look"), 0, "{name}, {}: after another thread's request", guest.name);
            // And beside a live instance that has left its traces.
            assert_eq!(i32_of(&mut b, "leave"), 3);
            let mut c = rt.instantiate(guest).expect("instantiate");
            assert_eq!(i32_of(&mut c, "look"), 0, "{name}, {}: beside a live instance", guest.name);
        }
    }
}
