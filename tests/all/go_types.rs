//! Go types as Go programmers write them, on the `errorsx` guest (TinyGo
//! 0.41.1): `error` results (a nil error is `Ok(Ok(value))`, a non-nil one
//! `Ok(Err(GoError))` with the message of `errors.New` and `fmt.Errorf`, with
//! and without `%w`, read from the binary; the instance stays usable), and
//! `[]string` in both directions.

use tinybind::guests::errorsx::Errorsx;
use tinybind::{Error, GoError, Runtime};

fn guest() -> Errorsx {
    Errorsx::new(&Runtime::new().expect("runtime")).expect("instantiate")
}

fn message(r: Result<impl std::fmt::Debug, GoError>) -> String {
    match r {
        Err(e) => e.message().map(str::to_string).unwrap_or_else(|| format!("no message: {e}")),
        Ok(v) => panic!("expected a Go error, got {v:?}"),
    }
}

#[test]
fn nil_errors_give_the_value_and_others_their_message() -> Result<(), Error> {
    let mut g = guest();
    assert_eq!(g.check(1)?, Ok(()));
    assert_eq!(message(g.check(-1)?), "negative input");
    assert_eq!(g.divide(7, 2)?, Ok(3));
    assert_eq!(message(g.divide(7, 0)?), "cannot divide 7 by zero");
    assert_eq!(message(g.wrapped(1)?), "wrapped: inner");
    assert_eq!(g.wrapped(0)?, Ok(()));
    assert_eq!(g.greet_checked("Ada")?, Ok("Hello, Ada!".to_string()));
    assert_eq!(message(g.greet_checked("")?), "no name");
    // A Go error is not a trap: the instance goes on.
    assert!(!g.instance().is_poisoned());
    assert_eq!(g.divide(9, 3)?, Ok(3));
    Ok(())
}

#[test]
fn an_error_type_of_the_guests_own_is_named_without_a_message() -> Result<(), Error> {
    let mut g = guest();
    assert_eq!(g.custom(0)?, Ok(()));
    let Err(e) = g.custom(3)? else { panic!("a Go error") };
    assert_eq!(e.message(), None);
    assert_eq!(e.type_name(), Some("main.codeError"));
    assert!(e.to_string().contains("main.codeError"), "{e}");
    Ok(())
}

#[test]
fn the_cli_reports_a_go_error_in_one_line() {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_tinybind"))
        .args(["call", "errorsx", "divide", "7", "0"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim_end(), "error: guest `errorsx`: `divide` returned a Go error: cannot divide 7 by zero");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_tinybind"))
        .args(["call", "errorsx", "divide", "7", "2"])
        .output()
        .expect("runs");
    assert_eq!(String::from_utf8_lossy(&o.stdout), "3\n");
}

#[test]
fn string_slices_go_both_ways() -> Result<(), Error> {
    let mut g = guest();
    assert_eq!(g.join(&["a", "b", "c"], "-")?, "a-b-c");
    assert_eq!(g.join(&[], "-")?, "");
    assert_eq!(g.join(&["Grüße", "", "世界"], ", ")?, "Grüße, , 世界");
    assert_eq!(g.split("a,b,,c")?, vec!["a", "b", "", "c"]);
    assert_eq!(g.split("")?, vec![""]);
    let many: Vec<String> = (0..1000).map(|i| format!("item-{i}")).collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let joined = g.join(&refs, ",")?;
    assert_eq!(g.split(&joined)?, many);
    Ok(())
}
