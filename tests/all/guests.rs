//! End to end: the generated bindings call every function of the TinyGo
//! guests in `guest-go/` (built from the Go source beside them) and check
//! the answers against what the Go code computes.

use tinybind::guests::{bytesx::Bytesx, concat::Concat, greeter::Greeter, mathx::Mathx};
use tinybind::{Error, Runtime};

fn runtime() -> Runtime {
    Runtime::new().expect("runtime")
}

#[test]
fn greeter_strings_through_the_retptr() -> Result<(), Error> {
    let rt = runtime();
    let mut g = Greeter::new(&rt)?;
    assert_eq!(g.greet("Ada")?, "Hello, Ada!");
    assert_eq!(g.greet("")?, "Hello, !");
    assert_eq!(g.greet("Grüße, 世界")?, "Hello, Grüße, 世界!");
    assert_eq!(g.shout("quiet")?, "QUIET!");
    assert_eq!(g.count_vowels("Ada Lovelace")?, 6);
    assert_eq!(g.count_vowels("")?, 0);
    // Many calls on one instance reuse the argument arena and retptr.
    for i in 0..1000 {
        let name = format!("guest-{i}");
        assert_eq!(g.greet(&name)?, format!("Hello, {name}!"));
    }
    Ok(())
}

#[test]
fn mathx_numeric_types_and_bool() -> Result<(), Error> {
    let rt = runtime();
    let mut m = Mathx::new(&rt)?;
    assert_eq!(m.add(2, 3)?, 5);
    assert_eq!(m.add(i32::MAX, 1)?, i32::MIN, "Go int wraps on wasm32");
    assert_eq!(m.sub64(10_000_000_000, 1)?, 9_999_999_999);
    assert_eq!(m.mul_u64(u64::MAX, 1)?, u64::MAX);
    assert_eq!(m.divmod(17, 5)?, (3, 2));
    assert_eq!(m.divmod(-17, 5)?, (-3, -2));
    assert_eq!(m.divmod(7, 0)?, (0, 0));
    assert_eq!(m.hypot(3.0, 4.0)?, 5.0);
    assert_eq!(m.halve(5.0)?, 2.5);
    assert!(m.is_even(4)?);
    assert!(!m.is_even(u32::MAX)?);
    assert_eq!(m.clamp_u8(300)?, 255);
    assert_eq!(m.clamp_u8(-5)?, 0);
    assert_eq!(m.clamp_u8(42)?, 42);
    assert_eq!(m.neg_i8(5)?, -5);
    assert_eq!(m.neg_i8(-128)?, -128, "narrow results are truncated as Go does");
    assert_eq!(m.widen(u16::MAX, 255, 0x10FFFF)?, 65535 + 255 + 0x10FFFF);
    assert_eq!(m.fibonacci(90)?, 2_880_067_194_370_816_120);
    Ok(())
}

#[test]
fn bytesx_slices_and_several_results() -> Result<(), Error> {
    let rt = runtime();
    let mut b = Bytesx::new(&rt)?;
    assert_eq!(b.reverse(b"abc")?, b"cba");
    assert_eq!(b.reverse(&[])?, Vec::<u8>::new());
    let big: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    assert_eq!(b.echo(&big)?, big);
    // The result is the argument itself, read back out of the arena; a
    // shorter call after a longer one must not see its leftovers.
    assert_eq!(b.passthrough(&big)?, big);
    assert_eq!(b.passthrough(b"short")?, b"short");
    assert_eq!(b.passthrough(&[])?, Vec::<u8>::new());
    assert_eq!(b.checksum(&[1, 2, 3, 250])?, 256);
    assert_eq!(
        b.split_name("Ada Lovelace")?,
        ("Ada".to_string(), "Lovelace".to_string())
    );
    assert_eq!(b.split_name("Plato")?, ("Plato".to_string(), String::new()));
    assert_eq!(b.concatenate("tiny", "bind")?, "tinybind");
    assert_eq!(b.repeat("ab", 3)?, "ababab");
    assert_eq!(b.repeat("ab", 0)?, "");
    assert_eq!(b.stats(&[10, 20, 30])?, (3, 60, true));
    assert_eq!(b.stats(&[])?, (0, 0, false));
    Ok(())
}

#[test]
fn concat_reactor() -> Result<(), Error> {
    let rt = runtime();
    let mut c = Concat::new(&rt)?;
    assert_eq!(c.add(2, 3)?, 5);
    assert_eq!(c.multiply(6, 7)?, 42);
    assert_eq!(c.concatenate("Hello, ", "World")?, "Hello, World");
    Ok(())
}

#[test]
fn instances_are_independent_and_compiled_once() -> Result<(), Error> {
    let rt = runtime();
    let mut a = Greeter::new(&rt)?;
    let mut b = Greeter::new(&rt.clone())?;
    assert_eq!(a.greet("a")?, "Hello, a!");
    assert_eq!(b.greet("b")?, "Hello, b!");
    Ok(())
}

#[test]
fn dynamic_calls_go_through_the_same_bindings() -> Result<(), Error> {
    use tinybind_runtime::Value;
    let rt = runtime();
    let entry = tinybind::guests::GUESTS
        .iter()
        .find(|g| g.info.name == "bytesx")
        .expect("bytesx is built in");
    let mut guest = (entry.instantiate)(&rt)?;
    let out = guest.call_dynamic("split_name", &[Value::String("Grace Hopper".into())])?;
    assert_eq!(
        out,
        vec![Value::String("Grace".into()), Value::String("Hopper".into())]
    );
    let err = guest
        .call_dynamic("split_name", &[Value::I32(1)])
        .expect_err("wrong type");
    assert!(matches!(err, Error::ArgumentType { .. }), "{err}");
    Ok(())
}
