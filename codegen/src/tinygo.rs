//! Building Go guests with TinyGo before their bindings are generated
//! (`Builder::compile_go`): which Go sources of a directory are guests,
//! which of them need a build, where the compiler is, and running it so
//! that a failed build never leaves a half-written module.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::discover::{changed_since_build, display_path};
use crate::error::{io, Error};

/// The flags of a guest that neither `Builder::tinygo_flags` nor a
/// `// tinybind:build FLAGS` first line gives: a WASI reactor
/// (`_initialize` and the `//export`ed functions, no `_start`), with TinyGo's
/// default optimisation (`-opt=z`) and its DWARF kept, which the bindings
/// check declarations against.
pub const DEFAULT_FLAGS: &[&str] = &["-target=wasip1", "-buildmode=c-shared"];

/// What `compile_stale` needs from the `Builder`.
pub struct Settings<'a> {
    /// `Builder::tinygo`: the compiler, ahead of `$TINYGO` and `PATH`.
    pub compiler: Option<&'a Path>,
    /// `Builder::tinygo_flags`, by guest name.
    pub flags: &'a BTreeMap<String, Vec<String>>,
}

/// What `compile_stale` did.
#[derive(Default)]
pub struct Compiled {
    /// The guests built, by name.
    pub guests: Vec<String>,
    /// Flags given for a guest the directory does not have.
    pub warnings: Vec<String>,
}

/// A Go program of the guest directory: `NAME.go`, or the package `NAME/`.
struct GoGuest {
    name: String,
    /// `NAME.go`, or the directory `NAME/`.
    source: PathBuf,
    go_files: Vec<PathBuf>,
    /// `NAME.wasm`, which may not exist yet.
    module: PathBuf,
}

/// Builds every Go guest of `dir` whose `NAME.wasm` is missing or older than
/// its Go files (by the rule of the stale-module warning). The compiler is
/// looked for only when some guest needs it.
pub fn compile_stale(dir: &Path, settings: &Settings) -> Result<Compiled, Error> {
    let guests = go_guests(dir)?;
    let mut done = Compiled::default();
    for name in settings.flags.keys() {
        if !guests.iter().any(|g| &g.name == name) {
            done.warnings.push(format!(
                "tinygo_flags for `{name}`: {} has no Go guest of that name (`{name}.go` or `{name}/` in package \
                 main, without a `{name}.wat`)",
                display_path(dir)
            ));
        }
    }
    let mut compiler: Option<PathBuf> = None;
    for guest in &guests {
        let stale = !guest.module.exists() || !changed_since_build(&guest.module, &guest.go_files).is_empty();
        if !stale {
            continue;
        }
        let tinygo = match &compiler {
            Some(c) => c.clone(),
            None => {
                let found = find_tinygo(
                    settings.compiler,
                    std::env::var_os("TINYGO").as_deref(),
                    std::env::var_os("PATH").as_deref(),
                )
                .map_err(|looked| Error::NoTinyGo {
                    guest: guest.name.clone(),
                    path: guest.source.clone(),
                    looked,
                })?;
                compiler.insert(found).clone()
            }
        };
        let flags = match settings.flags.get(&guest.name) {
            Some(f) => f.clone(),
            None => declared_flags(guest)?.unwrap_or_else(|| DEFAULT_FLAGS.iter().map(|f| f.to_string()).collect()),
        };
        build(&tinygo, guest, &flags)?;
        done.guests.push(guest.name.clone());
    }
    Ok(done)
}

/// The compiler to run: the one given to the `Builder`, else `$TINYGO`,
/// else `tinygo` on `PATH` (the values of those variables are arguments, so
/// that this is a pure function of them). The error says where it looked.
pub fn find_tinygo(
    explicit: Option<&Path>,
    tinygo_env: Option<&OsStr>,
    path_env: Option<&OsStr>,
) -> Result<PathBuf, String> {
    if let Some(path) = explicit {
        return if path.is_file() {
            Ok(path.to_path_buf())
        } else {
            Err(format!("`Builder::tinygo(\"{}\")` is not a file", path.display()))
        };
    }
    if let Some(path) = tinygo_env.filter(|v| !v.is_empty()) {
        let path = Path::new(path);
        return if path.is_file() {
            Ok(path.to_path_buf())
        } else {
            Err(format!("$TINYGO is `{}`, which is not a file", path.display()))
        };
    }
    let program = format!("tinygo{}", std::env::consts::EXE_SUFFIX);
    if let Some(found) = path_env
        .into_iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(&program))
        .find(|p| p.is_file())
    {
        return Ok(found);
    }
    Err(format!("$TINYGO is not set and there is no `{program}` on PATH"))
}

/// The Go programs of `dir`: each `NAME.go`, or else directory `NAME/` of
/// `.go` files, in package `main`; a `NAME.wat` beside it is the guest
/// instead, its Go file declarations only.
fn go_guests(dir: &Path) -> Result<Vec<GoGuest>, Error> {
    let mut paths: Vec<PathBuf> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        paths.push(entry.map_err(io(dir))?.path());
    }
    // `NAME.go` first: it is the program when `NAME/` is there too.
    paths.sort_by_key(|p| (!p.is_file(), p.clone()));
    let mut guests: BTreeMap<String, GoGuest> = BTreeMap::new();
    for path in paths {
        let is_go_file = path.is_file() && path.extension().is_some_and(|e| e == "go");
        let name = match (is_go_file, path.is_dir()) {
            (true, _) => path.file_stem(),
            (_, true) => path.file_name(),
            _ => None,
        };
        let Some(name) = name.and_then(OsStr::to_str).map(str::to_string) else {
            continue;
        };
        if guests.contains_key(&name) || name.starts_with('.') || dir.join(format!("{name}.wat")).exists() {
            continue;
        }
        let go_files = if is_go_file {
            vec![path.clone()]
        } else {
            package_files(&path)?
        };
        let (mut is_main, mut has_main) = (false, false);
        for f in &go_files {
            let text = std::fs::read_to_string(f).map_err(io(f))?;
            is_main |= package_name(&text) == Some("main");
            has_main |= defines_main(&text);
        }
        // Declarations without `func main` are an interface, not a program.
        if !is_main || !has_main {
            continue;
        }
        let module = dir.join(format!("{name}.wasm"));
        guests.insert(
            name.clone(),
            GoGuest {
                name,
                source: path,
                go_files,
                module,
            },
        );
    }
    Ok(guests.into_values().collect())
}

/// Whether a Go file declares `func main`: a program, where declarations
/// alone (an interface-only guest) have none.
fn defines_main(text: &str) -> bool {
    text.lines()
        .any(|l| l.strip_prefix("func main(").is_some() || l.strip_prefix("func main (").is_some())
}

/// The `.go` files of a package directory, tests left out, sorted.
fn package_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut files: Vec<PathBuf> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let path = entry.map_err(io(dir))?.path();
        let name = path.file_name().and_then(OsStr::to_str).unwrap_or("");
        if path.is_file() && name.ends_with(".go") && !name.ends_with("_test.go") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The name in a Go file's package clause: the first token after the
/// comments at its top.
fn package_name(text: &str) -> Option<&str> {
    let mut rest = text.trim_start_matches('\u{feff}');
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("//") {
            rest = after.split_once('\n').map_or("", |(_, r)| r);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/")?.1;
        } else {
            break;
        }
    }
    let after = rest.strip_prefix("package")?;
    if !after.starts_with(char::is_whitespace) {
        return None;
    }
    let after = after.trim_start();
    let end = after
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(after.len());
    Some(&after[..end]).filter(|n| !n.is_empty())
}

/// The flags a guest declares on its first line, `// tinybind:build FLAGS`
/// (as `guest-go/build.sh` reads them): in `NAME.go`, or the first file of
/// `NAME/` that has the line.
fn declared_flags(guest: &GoGuest) -> Result<Option<Vec<String>>, Error> {
    for f in &guest.go_files {
        let text = std::fs::read_to_string(f).map_err(io(f))?;
        let first = text.lines().next().unwrap_or("");
        if let Some(flags) = first.strip_prefix("// tinybind:build") {
            if flags.starts_with(char::is_whitespace) {
                return Ok(Some(flags.split_whitespace().map(str::to_string).collect()));
            }
        }
    }
    Ok(None)
}

/// Runs `tinygo build FLAGS -o TMP/NAME.wasm ./NAME.go` (from the guest
/// directory, so that its `go.mod` applies; from `NAME/` for a package) into
/// a scratch directory beside the module, and renames the result into place.
fn build(tinygo: &Path, guest: &GoGuest, flags: &[String]) -> Result<(), Error> {
    let dir = guest.module.parent().unwrap_or(Path::new("."));
    let scratch = tempfile::Builder::new()
        .prefix(".tinybind-build-")
        .tempdir_in(dir)
        .map_err(io(dir))?;
    // TinyGo picks the output format from the file name: it ends in `.wasm`.
    let out = scratch.path().join(format!("{}.wasm", guest.name));
    let (cwd, input) = if guest.source.is_dir() {
        (guest.source.clone(), ".".to_string())
    } else {
        (dir.to_path_buf(), format!("./{}.go", guest.name))
    };
    let mut command = Command::new(tinygo);
    command
        .arg("build")
        .args(flags)
        .arg("-o")
        .arg(&out)
        .arg(&input)
        .current_dir(&cwd)
        .stdin(Stdio::null());
    let shown = std::iter::once(tinygo.display().to_string())
        .chain(["build".to_string()])
        .chain(flags.iter().cloned())
        .chain(["-o".to_string(), format!("{}", out.display()), input])
        .map(|a| quoted(&a))
        .collect::<Vec<_>>()
        .join(" ");
    let output = command.output().map_err(io(tinygo))?;
    if !output.status.success() || !out.is_file() {
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
        return Err(Error::TinyGo {
            guest: guest.name.clone(),
            command: shown,
            dir: cwd,
            status: output.status.to_string(),
            stderr: if stderr.is_empty() {
                "(no output)".to_string()
            } else {
                stderr
            },
        });
    }
    std::fs::rename(&out, &guest.module).map_err(io(&guest.module))?;
    Ok(())
}

/// A command-line argument as a shell would need it.
fn quoted(arg: &str) -> String {
    if !arg.is_empty() && arg.chars().all(|c| c.is_alphanumeric() || "-_=./:,+@%".contains(c)) {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::{defines_main, package_name, quoted};

    #[test]
    fn the_package_clause_follows_the_comments_at_the_top() {
        assert_eq!(package_name("package main\n"), Some("main"));
        assert_eq!(
            package_name("// tinybind:build -target=wasip1\n\n//go:build ignore\n\n/* a\n b */ package main;"),
            Some("main")
        );
        assert_eq!(package_name("\u{feff}// Package guests ...\npackage guests\n"), Some("guests"));
        assert_eq!(package_name("packagemain\n"), None);
        assert_eq!(package_name("/* never closed"), None);
        assert_eq!(package_name("func main() {}\n"), None);
    }

    #[test]
    fn a_program_declares_func_main() {
        assert!(defines_main("package main\n\nfunc main() {}\n"));
        assert!(!defines_main("package main\n//export f\nfunc f() int32\n// func main() {}\n"));
    }

    #[test]
    fn arguments_with_spaces_are_quoted() {
        assert_eq!(quoted("-target=wasip1"), "-target=wasip1");
        assert_eq!(quoted("/tmp/a b/x.wasm"), "'/tmp/a b/x.wasm'");
        assert_eq!(quoted("it's"), r"'it'\''s'");
    }
}
