//! Host functions: the `hostcalls` guest (TinyGo 0.41.1) calls imports that
//! typed hosts implement through the generated `HostcallsHost` trait; the
//! hand-written `badhost` and `hoststart` guests cover what TinyGo never
//! emits (bad pointers, invalid UTF-8, re-entrancy, a start-up that calls the
//! host).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tinybind::guests::badhost::{Badhost, BadhostHost};
use tinybind::guests::hostcalls::{Hostcalls, HostcallsHost};
use tinybind::guests::hoststart::{Hoststart, HoststartHost};
use tinybind::{Error, HostError, Runtime};
use tinybind_runtime::Pool;

fn runtime() -> Runtime {
    Runtime::new().expect("runtime")
}

/// Records what the guest passes and answers as the tests expect.
#[derive(Default)]
struct Recorder {
    logs: Vec<String>,
    other: Vec<u32>,
    checks: Vec<i32>,
    lookups: usize,
}

impl HostcallsHost for Recorder {
    fn log(&mut self, message: &str) -> Result<(), HostError> {
        self.logs.push(message.to_string());
        Ok(())
    }

    fn count_runes(&mut self, s: &str) -> Result<i32, HostError> {
        Ok(s.chars().count() as i32)
    }

    fn add_i64(&mut self, a: i64, b: i64) -> Result<i64, HostError> {
        Ok(a.wrapping_add(b))
    }

    fn scale(&mut self, x: f64) -> Result<f64, HostError> {
        Ok(x * 2.5)
    }

    fn is_even(&mut self, n: u32) -> Result<bool, HostError> {
        Ok(n.is_multiple_of(2))
    }

    fn check(&mut self, code: i32) -> Result<i32, HostError> {
        self.checks.push(code);
        match code {
            c if c < 0 => Err(HostError::new(format!("code {c} refused"))),
            1000 => panic!("the host cannot take 1000"),
            c => Ok(c * 10),
        }
    }

    fn other_log(&mut self, level: u32) -> Result<(), HostError> {
        self.other.push(level);
        Ok(())
    }

    fn lookup(&mut self, key: &str) -> Result<String, HostError> {
        self.lookups += 1;
        Ok(format!("v:{key}"))
    }

    fn pair(&mut self, n: i32) -> Result<(String, i32), HostError> {
        Ok((format!("p{n}"), n * 2))
    }
}

#[test]
fn typed_imports_receive_and_return_every_type() -> Result<(), Error> {
    let rt = runtime();
    let mut g = Hostcalls::with_host(&rt, Recorder::default())?;
    assert_eq!(g.greet("Ada")?, "Hello, Ada!");
    assert_eq!(g.host().logs, vec!["greeting Ada"]);
    assert_eq!(g.runes("Grüße, 世界")?, 9);
    assert_eq!(g.runes("")?, 0);
    assert_eq!(g.sum64(1 << 40, -3)?, (1 << 40) - 3);
    assert_eq!(g.sum64(i64::MAX, 1)?, i64::MIN);
    assert_eq!(g.scaled(4.0)?, 10.0);
    assert!(g.even(1 << 31)?);
    assert!(!g.even(7)?);
    assert_eq!(g.checked(4)?, 41);
    g.other(7)?;
    assert_eq!(g.host().other, vec![7], "other.log reaches other_log, not log");
    assert_eq!(g.describe("k")?, "k=v:k");
    assert_eq!(g.describe("")?, "=v:");
    assert_eq!(g.pair_of(21)?, "p21:42");
    g.host_mut().logs.clear();
    g.log_many("tick", 3)?;
    assert_eq!(g.host().logs, vec!["tick"; 3]);
    Ok(())
}

#[test]
fn host_returned_strings_leave_guest_memory_flat_and_stay_correct() -> Result<(), Error> {
    let rt = runtime();
    let mut g = Hostcalls::with_host(&rt, Recorder::default())?;
    // 62 bytes of key: every result "v:" + key is 64 bytes.
    let key = "k".repeat(62);
    assert_eq!(g.lookup_many(&key, 2_000)?, 2_000, "warm-up");
    let before = g.instance().memory_size();
    assert_eq!(
        g.lookup_many(&key, 100_000)?,
        100_000,
        "every result, and the 16 kept alive across calls, must be right"
    );
    let after = g.instance().memory_size();
    assert_eq!(g.host().lookups, 102_000);
    eprintln!("guest memory: {before} bytes before, {after} after 100,000 host-returned strings");
    // 100,000 blocks of 64 bytes that leaked would be 6.4 MB more.
    assert!(
        after <= before + 65_536,
        "guest memory grew from {before} to {after} bytes"
    );
    Ok(())
}

#[test]
fn a_failing_host_method_stops_the_guest_and_names_the_import() -> Result<(), Error> {
    let rt = runtime();
    let mut g = Hostcalls::with_host(&rt, Recorder::default())?;
    let err = g.checked(-5).expect_err("the host refuses");
    let text = err.to_string();
    assert!(matches!(err, Error::Host { .. }), "{err:?}");
    for part in ["`hostcalls`", "`checked`", "`env.check`", "code -5 refused"] {
        assert!(text.contains(part), "{text} should name {part}");
    }
    assert!(err.poisons());
    let again = g.checked(1).expect_err("poisoned");
    assert!(matches!(again, Error::Poisoned { .. }), "{again:?}");
    // reset() keeps the host value.
    g.reset()?;
    assert_eq!(g.host().checks, vec![-5]);
    assert_eq!(g.checked(1)?, 11);
    assert_eq!(g.host().checks, vec![-5, 1]);
    Ok(())
}

#[test]
fn a_panicking_host_method_poisons_the_instance_and_keeps_the_host() -> Result<(), Error> {
    let rt = runtime();
    let mut g = Hostcalls::with_host(&rt, Recorder::default())?;
    let err = g.checked(1000).expect_err("the host panics");
    let text = err.to_string();
    assert!(matches!(err, Error::Host { .. }), "{err:?}");
    assert!(text.contains("panicked: the host cannot take 1000"), "{text}");
    assert!(text.contains("`env.check`"), "{text}");
    assert!(g.instance().is_poisoned());
    // The host value is still there, as the panic left it.
    assert_eq!(g.host().checks, vec![1000]);
    g.reset()?;
    assert_eq!(g.checked(2)?, 21);
    Ok(())
}

#[test]
fn an_unimplemented_import_fails_with_one_line_naming_it() -> Result<(), Error> {
    let rt = runtime();
    // `new` gives a host whose every method is unimplemented.
    let mut g = Hostcalls::new(&rt)?;
    let err = g.describe("k").expect_err("no host");
    let text = err.to_string();
    assert!(matches!(err, Error::Host { .. }), "{err:?}");
    assert!(!text.contains('\n'), "{text}");
    for part in ["`describe`", "`env.lookup`", "needs a host function"] {
        assert!(text.contains(part), "{text} should name {part}");
    }
    // Only what a host writes is implemented.
    struct OnlyLog(Vec<String>);
    impl HostcallsHost for OnlyLog {
        fn log(&mut self, message: &str) -> Result<(), HostError> {
            self.0.push(message.into());
            Ok(())
        }
    }
    let mut g = Hostcalls::with_host(&rt, OnlyLog(Vec::new()))?;
    assert_eq!(g.greet("Bo")?, "Hello, Bo!");
    assert_eq!(g.host().0, vec!["greeting Bo"]);
    let err = g.runes("x").expect_err("count_runes is not implemented");
    assert!(err.to_string().contains("`env.count_runes`"), "{err}");
    Ok(())
}

/// Counts the hosts a factory made and the calls each one took.
#[derive(Default)]
struct Counted {
    calls: usize,
}

impl HostcallsHost for Counted {
    fn log(&mut self, _message: &str) -> Result<(), HostError> {
        self.calls += 1;
        Ok(())
    }
}

#[test]
fn pooled_instances_each_have_their_own_host() -> Result<(), Error> {
    let rt = runtime();
    let made = Arc::new(AtomicUsize::new(0));
    let counter = made.clone();
    let pool = Pool::with_factory(&rt, 4, move |rt| {
        counter.fetch_add(1, Ordering::SeqCst);
        Hostcalls::with_host(rt, Counted::default())
    });
    {
        let mut a = pool.get()?;
        let mut b = pool.get()?;
        a.log_many("x", 3)?;
        b.log_many("y", 5)?;
        assert_eq!((a.host().calls, b.host().calls), (3, 5));
    }
    // An idle instance comes back with the host it had.
    let mut c = pool.get()?;
    assert_eq!(made.load(Ordering::SeqCst), 2);
    let before = c.host().calls;
    c.log_many("z", 1)?;
    assert_eq!(c.host().calls, before + 1);
    // `Pool::new` uses the host type's Default.
    let pool: Pool<Hostcalls<Counted>> = Pool::new(&rt, 1);
    let mut d = pool.get()?;
    d.log_many("w", 2)?;
    assert_eq!(d.host().calls, 2);
    Ok(())
}

/// The host of the hand-written `badhost` guest.
#[derive(Default)]
struct Bad {
    logs: Vec<String>,
}

impl BadhostHost for Bad {
    fn log(&mut self, message: &str) -> Result<(), HostError> {
        self.logs.push(message.to_string());
        Ok(())
    }

    fn lookup(&mut self, key: &str) -> Result<String, HostError> {
        Ok(format!("value of {key}"))
    }

    /// Raw: `fill(out)` writes `{ptr, len}` of a string it allocates in
    /// the guest at `out`.
    fn fill(&mut self, memory: &mut tinybind::GuestMemory<'_>, out: i32) -> Result<(), HostError> {
        let text = b"filled by the host";
        let ptr = memory.alloc_bytes(text)?;
        memory.write_u32(out as u32, ptr)?;
        memory.write_u32(out as u32 + 4, text.len() as u32)?;
        assert_eq!(memory.read(ptr, text.len() as u32)?, text);
        assert_eq!(memory.read_u32(out as u32)?, ptr);
        assert!(memory.read(memory.size() as u32 - 2, 4).is_err(), "bounds-checked");
        Ok(())
    }
}

#[test]
fn bad_guest_arguments_come_back_as_typed_errors() -> Result<(), Error> {
    let rt = runtime();
    let mut g = Badhost::with_host(&rt, Bad::default())?;
    assert_eq!(g.lookup_len()?, "value of key".len() as i32);
    assert_eq!(g.fill_len()?, "filled by the host".len() as i32);
    // Once a typed method has returned, its result is placed with the
    // guest's malloc, which may call the host again.
    g.lookup_reentrant()?;
    assert_eq!(g.host_mut().logs.drain(..).collect::<Vec<_>>(), vec!["key"]);
    type Call = fn(&mut Badhost<Bad>) -> Result<(), Error>;
    let cases: [(&str, Call, &str); 4] = [
        ("log_out_of_bounds", |g| g.log_out_of_bounds(), "outside its memory"),
        ("log_not_utf8", |g| g.log_not_utf8(), "not UTF-8"),
        ("lookup_bad_retptr", |g| g.lookup_bad_retptr(), "result area of 8 bytes at 0xfffc"),
        // A raw method holds the host while it calls malloc, which calls
        // the host again: refused, not a second `&mut` to the host.
        ("fill_reentrant", |g| g.fill_reentrant(), "the host is busy"),
    ];
    for (export, call, says) in cases {
        g.reset()?;
        let err = call(&mut g).expect_err(export);
        let text = err.to_string();
        assert!(matches!(err, Error::Host { .. }), "{export}: {err:?}");
        assert!(text.contains(says), "{export}: {text}");
        assert!(text.contains(&format!("`{export}`")), "{text}");
    }
    assert!(g.host().logs.is_empty(), "no bad call reached the host method");
    Ok(())
}

#[test]
fn start_up_that_calls_an_unimplemented_import_names_it() {
    let rt = runtime();
    let err = Hoststart::new(&rt).err().expect("start-up needs env.ready");
    let text = err.to_string();
    assert!(matches!(err, Error::Startup { .. }), "{err:?}");
    for part in ["`_initialize`", "`env.ready`", "needs a host function"] {
        assert!(text.contains(part), "{text} should name {part}");
    }

    struct Ready;
    impl HoststartHost for Ready {
        fn ready(&mut self) -> Result<i32, HostError> {
            Ok(42)
        }
    }
    let mut g = Hoststart::with_host(&rt, Ready).expect("start-up with a host");
    assert_eq!(g.state().expect("state"), 42);
}
