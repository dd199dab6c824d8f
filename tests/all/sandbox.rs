//! The WASI sandbox: a guest gets nothing by default (no directories, no
//! environment, only its name as argv[0], empty stdin), and a runtime
//! builder grants each thing explicitly. The `sandbox` guest (TinyGo) tries
//! to reach all of them.

use std::path::{Path, PathBuf};

use tinybind::guests::sandbox::Sandbox;
use tinybind_runtime::{Error, Runtime};

/// A fresh directory under the system temp dir, removed on drop.
fn temp_dir(tag: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("tinybind-sandbox-{tag}-"))
        .tempdir()
        .expect("temp dir")
}

fn sandbox(runtime: &Runtime) -> Sandbox {
    Sandbox::new(runtime).expect("instantiate sandbox")
}

fn assert_denied(result: Result<String, Error>, what: &str) {
    let text = result.expect("a denied access is the guest's error, not the host's");
    assert!(
        text.starts_with("error: "),
        "{what}: the guest got {text:?}"
    );
}

/// A file in `dir` and another beside it (outside), for escape attempts.
fn layout(root: &tempfile::TempDir) -> PathBuf {
    let granted = root.path().join("granted");
    std::fs::create_dir_all(&granted).unwrap();
    std::fs::write(granted.join("secret.txt"), "granted contents").unwrap();
    std::fs::write(root.path().join("outside.txt"), "must stay hidden").unwrap();
    granted
}

#[test]
fn nothing_is_granted_by_default() {
    // The test process itself has an environment and a file system.
    assert!(std::env::var_os("PATH").is_some());
    let root = temp_dir("default");
    let granted = layout(&root);
    let rt = Runtime::new().unwrap();
    let mut g = sandbox(&rt);

    for path in [
        "/etc/passwd".to_string(),
        granted.join("secret.txt").display().to_string(),
        "secret.txt".to_string(),
        "../outside.txt".to_string(),
    ] {
        assert_denied(g.read_file(&path), &path);
    }
    assert_denied(g.list_dir("/"), "list /");
    assert_denied(g.list_dir("."), "list .");
    assert_denied(
        g.write_file("/tmp/tinybind-sandbox-escape", "x"),
        "write /tmp",
    );
    assert!(!Path::new("/tmp/tinybind-sandbox-escape").exists());

    assert_eq!(g.env_var("PATH").unwrap(), "");
    assert_eq!(g.env_var("HOME").unwrap(), "");
    assert_eq!(g.env_list().unwrap(), "");
    assert_eq!(g.args().unwrap(), "sandbox");
    assert_eq!(g.read_stdin().unwrap(), "");
}

#[test]
fn a_read_only_directory_can_be_read_but_not_written_or_escaped() {
    let root = temp_dir("ro");
    let granted = layout(&root);
    // A symlink inside the grant that points outside it.
    std::os::unix::fs::symlink(root.path().join("outside.txt"), granted.join("link.txt")).unwrap();
    let rt = Runtime::builder()
        .dir(&granted, "/data", true)
        .build()
        .unwrap();
    let mut g = sandbox(&rt);

    assert_eq!(g.read_file("/data/secret.txt").unwrap(), "granted contents");
    let mut names: Vec<String> = g
        .list_dir("/data")
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    names.sort();
    assert_eq!(names, ["link.txt", "secret.txt"]);

    assert_denied(
        g.write_file("/data/new.txt", "x"),
        "write into a read-only grant",
    );
    assert!(!granted.join("new.txt").exists());
    assert_denied(g.write_file("/data/secret.txt", "overwritten"), "overwrite");
    assert_eq!(
        std::fs::read_to_string(granted.join("secret.txt")).unwrap(),
        "granted contents"
    );

    assert_denied(g.read_file("/data/../outside.txt"), "dot-dot escape");
    assert_denied(g.read_file("/data/link.txt"), "symlink escape");
    assert_denied(g.read_file("/etc/passwd"), "ungranted file");
    assert_denied(
        g.read_file(&root.path().join("outside.txt").display().to_string()),
        "host path",
    );
    // Still nothing else granted.
    assert_eq!(g.env_list().unwrap(), "");
}

#[test]
fn a_writable_directory_can_be_written() {
    let root = temp_dir("rw");
    let granted = layout(&root);
    let rt = Runtime::builder()
        .dir(&granted, "/work", false)
        .build()
        .unwrap();
    let mut g = sandbox(&rt);
    assert_eq!(
        g.write_file("/work/new.txt", "from the guest").unwrap(),
        "ok"
    );
    assert_eq!(
        std::fs::read_to_string(granted.join("new.txt")).unwrap(),
        "from the guest"
    );
    assert_denied(g.write_file("/work/../escaped.txt", "x"), "dot-dot escape");
    assert!(!root.path().join("escaped.txt").exists());
}

#[test]
fn environment_variables_are_granted_one_by_one() {
    let rt = Runtime::builder()
        .env("GREETING", "hello")
        .env("EMPTY", "")
        .build()
        .unwrap();
    let mut g = sandbox(&rt);
    assert_eq!(g.env_var("GREETING").unwrap(), "hello");
    assert_eq!(g.env_var("PATH").unwrap(), "");
    assert_eq!(g.env_list().unwrap(), "GREETING=hello\nEMPTY=");
    // The file system stays closed.
    assert_denied(g.read_file("/etc/passwd"), "ungranted file");
}

#[test]
fn stdin_bytes_are_granted() {
    let rt = Runtime::builder()
        .stdin(b"line one\nline two\n".to_vec())
        .build()
        .unwrap();
    let mut g = sandbox(&rt);
    assert_eq!(g.read_stdin().unwrap(), "line one\nline two\n");
    // Read once: the pipe is drained.
    assert_eq!(g.read_stdin().unwrap(), "");
    // Every instance gets the bytes anew.
    g.reset().unwrap();
    assert_eq!(g.read_stdin().unwrap(), "line one\nline two\n");
}

#[test]
fn a_missing_directory_grant_is_a_typed_error() {
    let rt = Runtime::builder()
        .dir("/nonexistent/tinybind/grant", "/data", true)
        .build()
        .unwrap();
    let err = Sandbox::new(&rt)
        .err()
        .expect("cannot preopen a missing directory");
    assert!(matches!(err, Error::Wasi(_)), "{err:?}");
    assert!(
        err.to_string().contains("/nonexistent/tinybind/grant"),
        "{err}"
    );
}
