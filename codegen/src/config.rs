//! The code generator's configuration and its run: [`Builder`] reads every
//! guest of a directory and writes the bindings, and [`Report`] says what it
//! did.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::discover::{
    changed_since_build, discover, display_path, load_binary, read_go, write_if_changed, FoundGuest,
};
use crate::emit::file::file_with_runtime;
use crate::emit::guest::BytesPath;
use crate::error::Error;
use crate::go::GoSource;
use crate::inspect::Inspection;
use crate::model::guest::GuestModel;
use crate::model::infer::infer;
use crate::model::interface::infer_interface;
use crate::names::Scope;
use crate::tinygo::{compile_stale, Settings};
use crate::wasm::ModuleInfo;

/// What a `generate` call did.
#[derive(Debug)]
pub struct Report {
    /// Every guest, as inferred.
    pub guests: Vec<Inspection>,
    /// The file written (or left as it was).
    pub out_file: PathBuf,
    /// The guests built by TinyGo first (`compile_go`), by name.
    pub compiled: Vec<String>,
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
    runtime_path: Option<String>,
    compile_go: bool,
    tinygo: Option<PathBuf>,
    tinygo_flags: BTreeMap<String, Vec<String>>,
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
            runtime_path: None,
            compile_go: false,
            tinygo: None,
            tinygo_flags: BTreeMap::new(),
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

    /// The path of the runtime crate in the generated code, as seen from
    /// the crate that includes it: `::tinybind_runtime` by default. A crate
    /// that has the runtime under another name (a renamed dependency, a
    /// re-export) says where, e.g. `.runtime_path("::my_sdk::runtime")`,
    /// like prost-build's `prost_path`.
    pub fn runtime_path(mut self, path: impl Into<String>) -> Self {
        self.runtime_path = Some(path.into());
        self
    }

    /// Whether to build the Go guests with TinyGo first, as prost-build runs
    /// `protoc`: off by default. A Go program of the guest directory
    /// (`NAME.go`, or the package `NAME/`, in package `main` with a
    /// `func main`, with no `NAME.wat`) whose `NAME.wasm` is missing, or older than its Go files
    /// by more than a second, is built with `tinygo build FLAGS -o NAME.wasm
    /// ./NAME.go` into a scratch directory and renamed into place, so that a
    /// failed build leaves the old module. The flags are those of
    /// [`tinygo_flags`](Self::tinygo_flags), else the guest's first line
    /// `// tinybind:build FLAGS`, else [`DEFAULT_TINYGO_FLAGS`](crate::DEFAULT_TINYGO_FLAGS)
    /// (a WASI reactor). The compiler is [`tinygo`](Self::tinygo), else
    /// `$TINYGO`, else `tinygo` on `PATH`, looked for only when a guest needs
    /// a build: a missing one is [`Error::NoTinyGo`], a failed build
    /// [`Error::TinyGo`] with TinyGo's message.
    pub fn compile_go(mut self, on: bool) -> Self {
        self.compile_go = on;
        self
    }

    /// The TinyGo compiler for [`compile_go`](Self::compile_go), ahead of
    /// `$TINYGO` and `PATH`.
    pub fn tinygo(mut self, path: impl Into<PathBuf>) -> Self {
        self.tinygo = Some(path.into());
        self
    }

    /// The `tinygo build` flags of one guest for
    /// [`compile_go`](Self::compile_go), instead of its `// tinybind:build`
    /// line or the default, e.g. `.tinygo_flags("mathx", ["-target=wasip1",
    /// "-buildmode=c-shared", "-opt=2"])`. Flags for a guest the directory
    /// does not have are a warning.
    pub fn tinygo_flags<I, S>(mut self, guest: impl Into<String>, flags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.tinygo_flags
            .insert(guest.into(), flags.into_iter().map(Into::into).collect());
        self
    }

    /// Reads every guest and writes the bindings, only if they changed.
    pub fn generate(self) -> Result<Report, Error> {
        let runtime_path = match &self.runtime_path {
            Some(p) => Some(syn::parse_str::<syn::Path>(p).map_err(|e| Error::RuntimePath {
                path: p.clone(),
                reason: e.to_string(),
            })?),
            None => None,
        };
        let out_dir = std::env::var_os("OUT_DIR").map(PathBuf::from);
        let out_file = match (&self.out_file, &out_dir) {
            (Some(f), _) => f.clone(),
            (None, Some(d)) => d.join("tinybind_guests.rs"),
            (None, None) => return Err(Error::NoOutDir),
        };
        if self.cargo_instructions {
            println!("cargo:rerun-if-changed={}", self.guest_dir.display());
        }
        let mut warnings = Vec::new();
        let mut compiled = Vec::new();
        if self.compile_go {
            if self.cargo_instructions {
                println!("cargo:rerun-if-env-changed=TINYGO");
            }
            let settings = Settings {
                compiler: self.tinygo.as_deref(),
                flags: &self.tinygo_flags,
            };
            let done = compile_stale(&self.guest_dir, &settings)?;
            compiled = done.guests;
            warnings.extend(done.warnings);
        }
        let found = discover(&self.guest_dir)?;
        let artifacts = out_file
            .parent()
            .map(|p| p.join("tinybind-guests"))
            .unwrap_or_else(|| PathBuf::from("tinybind-guests"));
        let mut guests = Vec::new();
        let mut modules = Taken::default();
        for guest in found.values() {
            if self.cargo_instructions {
                for f in guest.module.iter().chain(&guest.go_files) {
                    println!("cargo:rerun-if-changed={}", f.display());
                }
            }
            let go = read_go(&guest.go_files)?;
            let (mut m, path) = match (&guest.module, &go) {
                (Some(module), _) => {
                    let (m, path) = with_module(guest, module, go.as_ref(), &compiled, &artifacts, out_dir.as_deref())?;
                    (m, Some(path))
                }
                (None, Some(go)) => (infer_interface(&guest.name, &display_path(guest.file()), go), None),
                // `discover` finds an interface-only guest by its Go.
                (None, None) => continue,
            };
            modules.claim(&mut m);
            warnings.extend(m.warnings.iter().cloned());
            guests.push((m, path));
        }
        let emitted: Vec<(&GuestModel, Option<&BytesPath>)> = guests.iter().map(|(g, p)| (g, p.as_ref())).collect();
        let text = file_with_runtime(&emitted, runtime_path.as_ref()).map_err(Error::Emit)?;
        let written = write_if_changed(&out_file, &text)?;
        if self.cargo_instructions {
            for w in &warnings {
                println!("cargo:warning={}", w.replace('\n', " "));
            }
        }
        Ok(Report {
            guests: guests.iter().map(|(g, _)| Inspection::from(g)).collect(),
            out_file,
            compiled,
            written,
            warnings,
        })
    }
}

/// The model of a guest with a module, and how the generated code embeds it.
fn with_module(
    guest: &FoundGuest,
    module: &Path,
    go: Option<&GoSource>,
    compiled: &[String],
    artifacts: &Path,
    out_dir: Option<&Path>,
) -> Result<(GuestModel, BytesPath), Error> {
    let (bytes, binary_path) = load_binary(module, artifacts)?;
    let info = ModuleInfo::parse(&bytes).map_err(|reason| Error::Guest {
        path: module.to_path_buf(),
        reason,
    })?;
    let mut m = infer(&guest.name, &display_path(module), &info, go);
    // A guest just built is built from these files, whatever the clock says.
    let changed = if compiled.contains(&guest.name) {
        Vec::new()
    } else {
        changed_since_build(module, &guest.go_files)
    };
    if !changed.is_empty() {
        m.warnings.insert(
            0,
            format!(
                "guest `{}`: {} changed after {} was built: rebuild the .wasm, or its \
                 bindings may rest on declarations the binary does not have",
                guest.name,
                changed
                    .iter()
                    .map(|f| format!("`{}`", display_path(f)))
                    .collect::<Vec<_>>()
                    .join(", "),
                display_path(module)
            ),
        );
    }
    Ok((m, bytes_path(&binary_path, out_dir)))
}

/// Guest and struct names are unique across guests.
#[derive(Default)]
struct Taken {
    modules: Scope,
    structs: Scope,
}

impl Taken {
    fn claim(&mut self, g: &mut GuestModel) {
        g.module = self.modules.unique(g.module.clone());
        g.struct_name = self.structs.unique(g.struct_name.clone());
    }
}

/// How generated code includes a binary: relative to `OUT_DIR` or the crate
/// in a build script, so the output does not depend on where the crate is.
fn bytes_path(binary: &Path, out_dir: Option<&Path>) -> BytesPath {
    let absolute = std::path::absolute(binary).unwrap_or_else(|_| binary.to_path_buf());
    let roots = [
        ("OUT_DIR", out_dir.map(Path::to_path_buf)),
        ("CARGO_MANIFEST_DIR", std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from)),
    ];
    if out_dir.is_some() {
        for (var, root) in roots {
            let Some(root) = root else { continue };
            if let Ok(rel) = absolute.strip_prefix(&root) {
                return BytesPath::Env {
                    var: var.to_string(),
                    rel: format!("/{}", rel.display()),
                };
            }
        }
    }
    BytesPath::Absolute(absolute.display().to_string())
}
