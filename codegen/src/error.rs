//! Why generation failed, each error naming its file.

use std::path::{Path, PathBuf};

/// Why generation failed. Every variant names the file it is about.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("guest {}: {}", path.display(), one_line(reason))]
    Guest { path: PathBuf, reason: String },
    #[error("Go source {}: {}", path.display(), one_line(reason))]
    GoSource { path: PathBuf, reason: String },
    #[error("no output file: set `out_file` or run from a build script (OUT_DIR is not set)")]
    NoOutDir,
    #[error("generated code: {0}")]
    Emit(String),
    #[error("`runtime_path(\"{path}\")` is not a Rust path ({reason}); give one such as `::tinybind_runtime` or `::my_crate::runtime`")]
    RuntimePath { path: String, reason: String },
    #[error(
        "guest `{guest}` ({}) needs building (`compile_go`), but no TinyGo compiler was found: {looked}. \
         Install TinyGo (https://tinygo.org/getting-started/install/), or run `bash guest-go/toolchain.sh` from the \
         tinybind repository, which prints the path of its `tinygo`; then set TINYGO to it, or put it on PATH",
        path.display()
    )]
    NoTinyGo {
        guest: String,
        path: PathBuf,
        looked: String,
    },
    #[error("guest `{guest}`: TinyGo failed ({status}): `{command}` (in {}): {}", dir.display(), one_line(stderr))]
    TinyGo {
        guest: String,
        command: String,
        dir: PathBuf,
        status: String,
        stderr: String,
    },
}

/// A message on one line, as a build script's `cargo::error=` needs: the
/// source snippet of a wasm text error becomes `(at line L, column C)`, and
/// other line breaks (wasmparser prints some lists over lines) spaces.
fn one_line(text: &str) -> String {
    if !text.contains('\n') {
        return text.to_string();
    }
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or_default();
    let rest: Vec<&str> = lines.collect();
    // wast: "expected `)`\n     --> <anon>:1:52\n      |\n    1 | (module ..."
    if let Some(at) = rest.iter().find_map(|l| l.strip_prefix("--> ")) {
        let mut parts = at.rsplitn(3, ':');
        if let (Some(column), Some(line)) = (parts.next(), parts.next()) {
            return format!("{first} (at line {line}, column {column})");
        }
    }
    std::iter::once(first).chain(rest).collect::<Vec<_>>().join(" ")
}

pub fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}
