//! Build-time code generator for tinybind: reads the Go (TinyGo) WebAssembly
//! guests of a directory and writes typed Rust bindings for them.
//!
//! ```no_run
//! // build.rs: `fn main` calls this.
//! if let Err(e) = tinybind_codegen::Builder::new().guest_dir("guest-go").generate() {
//!     println!("cargo::error={e}");
//!     std::process::exit(1);
//! }
//! ```
//!
//! The pieces, one job each: [`wasm`] reads a module, [`go`] reads Go
//! declarations, [`dwarf`] reads debug info, [`abi`] decides how an export is
//! called, [`model`] puts the evidence together, [`emit`] writes Rust, and
//! [`inspect`] reports what was inferred.

pub mod abi;
pub mod dwarf;
pub mod emit;
pub mod go;
pub mod inspect;
pub mod model;
pub mod names;
pub mod types;
pub mod wasm;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use inspect::Inspection;
pub use model::{Evidence, GuestModel};

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

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What a `generate` call did.
#[derive(Debug)]
pub struct Report {
    /// Every guest, as inferred.
    pub guests: Vec<GuestModel>,
    /// The file written (or left as it was).
    pub out_file: PathBuf,
    /// Whether the file changed.
    pub written: bool,
    /// Every warning, also printed as `cargo:warning` in a build script.
    pub warnings: Vec<String>,
}

/// Configures and runs the code generator, in the manner of `prost-build`.
#[derive(Clone, Debug)]
pub struct Builder {
    guest_dir: PathBuf,
    out_file: Option<PathBuf>,
    cargo_instructions: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Builder {
    /// Guests in `guest-go/`, output to `$OUT_DIR/tinybind_guests.rs`, and
    /// `cargo:` instructions printed when run from a build script.
    pub fn new() -> Self {
        Builder {
            guest_dir: PathBuf::from("guest-go"),
            out_file: None,
            cargo_instructions: std::env::var_os("OUT_DIR").is_some(),
        }
    }

    /// The directory that holds the guests.
    pub fn guest_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.guest_dir = dir.into();
        self
    }

    /// Where to write the bindings instead of `$OUT_DIR/tinybind_guests.rs`.
    pub fn out_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.out_file = Some(path.into());
        self
    }

    /// Whether to print `cargo:rerun-if-changed` and `cargo:warning` lines.
    pub fn cargo_instructions(mut self, on: bool) -> Self {
        self.cargo_instructions = on;
        self
    }

    /// Reads every guest and writes the bindings, only if they changed.
    pub fn generate(self) -> Result<Report, Error> {
        let out_dir = std::env::var_os("OUT_DIR").map(PathBuf::from);
        let out_file = match (&self.out_file, &out_dir) {
            (Some(f), _) => f.clone(),
            (None, Some(d)) => d.join("tinybind_guests.rs"),
            (None, None) => return Err(Error::NoOutDir),
        };
        if self.cargo_instructions {
            println!("cargo:rerun-if-changed={}", self.guest_dir.display());
        }
        let found = discover(&self.guest_dir)?;
        let artifacts = out_file
            .parent()
            .map(|p| p.join("tinybind-guests"))
            .unwrap_or_else(|| PathBuf::from("tinybind-guests"));
        let mut guests = Vec::new();
        let mut warnings = Vec::new();
        let mut modules = model_names::Taken::default();
        for guest in found.values() {
            if self.cargo_instructions {
                for f in std::iter::once(&guest.module).chain(&guest.go_files) {
                    println!("cargo:rerun-if-changed={}", f.display());
                }
            }
            let (bytes, binary_path) = load_binary(&guest.module, &artifacts)?;
            let go = read_go(&guest.go_files)?;
            let info = wasm::ModuleInfo::parse(&bytes).map_err(|reason| Error::Guest {
                path: guest.module.clone(),
                reason,
            })?;
            let mut m = model::infer(&guest.name, &display_path(&guest.module), &info, go.as_ref());
            modules.claim(&mut m);
            warnings.extend(m.warnings.iter().cloned());
            let path = bytes_path(&binary_path, out_dir.as_deref());
            guests.push((m, path));
        }
        let text = emit::file(&guests).map_err(Error::Emit)?;
        let written = write_if_changed(&out_file, &text)?;
        if self.cargo_instructions {
            for w in &warnings {
                println!("cargo:warning={}", w.replace('\n', " "));
            }
        }
        Ok(Report {
            guests: guests.into_iter().map(|(g, _)| g).collect(),
            out_file,
            written,
            warnings,
        })
    }
}

/// Infers the model of one module, for `tinybind inspect`: no output file.
pub fn inspect_file(module: &Path, go_files: &[PathBuf]) -> Result<GuestModel, Error> {
    read_module(module, go_files).map(|(model, _)| model)
}

/// Infers the model of one module and returns it with the module's binary
/// bytes (a `.wat` assembled), for running it: `tinybind call FILE.wasm`.
pub fn read_module(module: &Path, go_files: &[PathBuf]) -> Result<(GuestModel, Vec<u8>), Error> {
    let (bytes, _) = load_binary(module, Path::new(""))?;
    let go = read_go(go_files)?;
    let info = wasm::ModuleInfo::parse(&bytes).map_err(|reason| Error::Guest {
        path: module.to_path_buf(),
        reason,
    })?;
    let name = module
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let model = model::infer(&name, &display_path(module), &info, go.as_ref());
    Ok((model, bytes))
}

/// Guest and struct names are unique across guests.
mod model_names {
    use crate::names::Scope;
    use crate::GuestModel;

    #[derive(Default)]
    pub struct Taken {
        modules: Scope,
        structs: Scope,
    }

    impl Taken {
        pub fn claim(&mut self, g: &mut GuestModel) {
            g.module = self.modules.unique(g.module.clone());
            g.strukt = self.structs.unique(g.strukt.clone());
        }
    }
}

/// A guest found in the directory.
struct FoundGuest {
    name: String,
    module: PathBuf,
    go_files: Vec<PathBuf>,
}

/// Lists `NAME.wasm` / `NAME.wat` guests with their `NAME.go` or `NAME/*.go`.
fn discover(dir: &Path) -> Result<BTreeMap<String, FoundGuest>, Error> {
    let mut guests: BTreeMap<String, FoundGuest> = BTreeMap::new();
    let entries = std::fs::read_dir(dir).map_err(io(dir))?;
    let mut paths: Vec<PathBuf> = Vec::new();
    for entry in entries {
        paths.push(entry.map_err(io(dir))?.path());
    }
    paths.sort();
    for path in &paths {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext != "wasm" && ext != "wat" || !path.is_file() {
            continue;
        }
        let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
            return Err(Error::Guest {
                path: path.clone(),
                reason: "the file name is not UTF-8".into(),
            });
        };
        if let Some(other) = guests.get(name) {
            return Err(Error::Guest {
                path: path.clone(),
                reason: format!(
                    "two guests are named `{name}` ({} too); keep one",
                    other.module.display()
                ),
            });
        }
        let go_files = go_files_beside(path)?;
        guests.insert(
            name.to_string(),
            FoundGuest {
                name: name.to_string(),
                module: path.clone(),
                go_files,
            },
        );
    }
    Ok(guests)
}

/// The Go source of a module as the build finds it: `NAME.go` beside
/// `NAME.wasm` (or `NAME.wat`), then every `.go` file in the directory
/// `NAME/` beside it, sorted. `tinybind call` and `tinybind inspect` use
/// this when no `--go` is given.
pub fn go_files_beside(module: &Path) -> Result<Vec<PathBuf>, Error> {
    let dir = module.parent().unwrap_or(Path::new(""));
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let Some(name) = module.file_stem() else {
        return Ok(Vec::new());
    };
    let mut go_files = Vec::new();
    let mut single = dir.join(name);
    single.as_mut_os_string().push(".go");
    if single.is_file() {
        go_files.push(single);
    }
    let sub = dir.join(name);
    if sub.is_dir() {
        let mut more: Vec<PathBuf> = std::fs::read_dir(&sub)
            .map_err(io(&sub))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "go") && p.is_file())
            .collect();
        more.sort();
        go_files.extend(more);
    }
    Ok(go_files)
}

/// The binary module: the file itself, or a `.wat` assembled into `artifacts`.
fn load_binary(path: &Path, artifacts: &Path) -> Result<(Vec<u8>, PathBuf), Error> {
    let bytes = std::fs::read(path).map_err(io(path))?;
    if path.extension().is_some_and(|e| e == "wat") {
        let binary = wat::parse_bytes(&bytes)
            .map_err(|e| Error::Guest {
                path: path.to_path_buf(),
                reason: format!("invalid WebAssembly text: {e}"),
            })?
            .into_owned();
        let name = path.file_stem().unwrap_or_default();
        let out = artifacts.join(name).with_extension("wasm");
        if !artifacts.as_os_str().is_empty() {
            std::fs::create_dir_all(artifacts).map_err(io(artifacts))?;
            write_if_changed_bytes(&out, &binary)?;
        }
        return Ok((binary, out));
    }
    Ok((bytes, path.to_path_buf()))
}

fn read_go(files: &[PathBuf]) -> Result<Option<go::GoSource>, Error> {
    if files.is_empty() {
        return Ok(None);
    }
    let mut texts = Vec::new();
    for f in files {
        let bytes = std::fs::read(f).map_err(io(f))?;
        let text = String::from_utf8(bytes).map_err(|_| Error::GoSource {
            path: f.clone(),
            reason: "not UTF-8".into(),
        })?;
        texts.push((display_path(f), text));
    }
    go::GoSource::parse(&texts)
        .map(Some)
        .map_err(|reason| Error::GoSource {
            path: files[0].clone(),
            reason,
        })
}

/// A path as the user wrote it, relative to the crate when it is inside it.
fn display_path(path: &Path) -> String {
    if let Some(root) = std::env::var_os("CARGO_MANIFEST_DIR") {
        if let Ok(rel) = path.strip_prefix(&root) {
            return rel.display().to_string();
        }
    }
    path.display().to_string()
}

/// How generated code includes a binary: relative to `OUT_DIR` or the crate
/// in a build script, so the output does not depend on where the crate is.
fn bytes_path(binary: &Path, out_dir: Option<&Path>) -> emit::BytesPath {
    let absolute = std::path::absolute(binary).unwrap_or_else(|_| binary.to_path_buf());
    let roots = [
        ("OUT_DIR", out_dir.map(Path::to_path_buf)),
        (
            "CARGO_MANIFEST_DIR",
            std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from),
        ),
    ];
    if out_dir.is_some() {
        for (var, root) in roots {
            let Some(root) = root else { continue };
            if let Ok(rel) = absolute.strip_prefix(&root) {
                return emit::BytesPath::Env {
                    var: var.to_string(),
                    rel: format!("/{}", rel.display()),
                };
            }
        }
    }
    emit::BytesPath::Absolute(absolute.display().to_string())
}

fn write_if_changed(path: &Path, text: &str) -> Result<bool, Error> {
    write_if_changed_bytes(path, text.as_bytes())
}

fn write_if_changed_bytes(path: &Path, bytes: &[u8]) -> Result<bool, Error> {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(false);
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    std::fs::write(path, bytes).map_err(io(path))?;
    Ok(true)
}
