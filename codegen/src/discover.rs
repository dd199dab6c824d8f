//! Finding and reading guests: the `NAME.wasm`/`NAME.wat` modules of a
//! directory with their Go files, a module's binary bytes, its Go source,
//! and writing a file only when it changes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{io, Error};
use crate::go;

/// A guest found in the directory.
pub struct FoundGuest {
    pub name: String,
    /// `NAME.wasm` or `NAME.wat`; `None` for an interface-only guest.
    pub module: Option<PathBuf>,
    pub go_files: Vec<PathBuf>,
}

impl FoundGuest {
    /// The file the guest is known by: its module, or its first Go file.
    pub fn file(&self) -> &Path {
        self.module
            .as_deref()
            .or(self.go_files.first().map(PathBuf::as_path))
            .unwrap_or(Path::new(&self.name))
    }
}

/// Lists `NAME.wasm` / `NAME.wat` guests with their `NAME.go` or `NAME/*.go`,
/// then the interface-only guests: a `NAME.go` or `NAME/` with no module,
/// whose Go declares at least one export or import.
pub fn discover(dir: &Path) -> Result<BTreeMap<String, FoundGuest>, Error> {
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
                reason: format!("two guests are named `{name}` ({} too); keep one", other.file().display()),
            });
        }
        let go_files = go_files_beside(path)?;
        guests.insert(
            name.to_string(),
            FoundGuest {
                name: name.to_string(),
                module: Some(path.clone()),
                go_files,
            },
        );
    }
    for path in &paths {
        let is_go_file = path.is_file() && path.extension().is_some_and(|e| e == "go");
        let name = match (is_go_file, path.is_dir()) {
            (true, _) => path.file_stem(),
            (_, true) => path.file_name(),
            _ => None,
        };
        let Some(name) = name.and_then(|n| n.to_str()) else {
            continue;
        };
        if guests.contains_key(name) || name.starts_with('.') {
            continue;
        }
        let go_files = go_files_beside(&dir.join(format!("{name}.wasm")))?;
        if declares_functions(&go_files)? {
            guests.insert(
                name.to_string(),
                FoundGuest {
                    name: name.to_string(),
                    module: None,
                    go_files,
                },
            );
        }
    }
    Ok(guests)
}

/// Whether Go files declare an export or an import: an interface. Files
/// that cannot be read as Go count as none, unless they hold a pragma
/// (then their error is the user's to see).
fn declares_functions(files: &[PathBuf]) -> Result<bool, Error> {
    match read_go(files) {
        Ok(go) => Ok(go.is_some_and(|g| !g.funcs.is_empty() || !g.imports.is_empty())),
        Err(e) => {
            let has_pragma = files.iter().any(|f| {
                std::fs::read(f).is_ok_and(|b| {
                    let text = String::from_utf8_lossy(&b);
                    text.contains("//export") || text.contains("//go:wasm") || text.contains("//go:export")
                })
            });
            if has_pragma {
                Err(e)
            } else {
                Ok(false)
            }
        }
    }
}

/// The Go source of a module as the build finds it: `NAME.go` beside
/// `NAME.wasm` (or `NAME.wat`), then every `.go` file in the directory
/// `NAME/` beside it, sorted. `tinybind call` and `tinybind inspect` use
/// this when no `--go` is given.
pub fn go_files_beside(module: &Path) -> Result<Vec<PathBuf>, Error> {
    let dir = module.parent().unwrap_or(Path::new(""));
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
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

/// The Go files of a `.wasm` guest that were changed after it was built
/// (by more than a second, so that a checkout writing both at once does not
/// count): its bindings may follow declarations the binary does not have.
pub fn changed_since_build(module: &Path, go_files: &[PathBuf]) -> Vec<PathBuf> {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if module.extension().is_none_or(|e| e != "wasm") {
        return Vec::new();
    }
    let Some(built) = modified(module) else {
        return Vec::new();
    };
    go_files
        .iter()
        .filter(|f| {
            modified(f)
                .and_then(|m| m.duration_since(built).ok())
                .is_some_and(|d| d.as_secs_f64() > 1.0)
        })
        .cloned()
        .collect()
}

/// The binary module: the file itself, or a `.wat` assembled into `artifacts`.
pub fn load_binary(path: &Path, artifacts: &Path) -> Result<(Vec<u8>, PathBuf), Error> {
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

pub fn read_go(files: &[PathBuf]) -> Result<Option<go::GoSource>, Error> {
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
    go::GoSource::parse(&texts).map(Some).map_err(|reason| Error::GoSource {
        path: files[0].clone(),
        reason,
    })
}

/// A path as the user wrote it, relative to the crate when it is inside it.
pub fn display_path(path: &Path) -> String {
    if let Some(root) = std::env::var_os("CARGO_MANIFEST_DIR") {
        if let Ok(rel) = path.strip_prefix(&root) {
            return rel.display().to_string();
        }
    }
    path.display().to_string()
}

pub fn write_if_changed(path: &Path, text: &str) -> Result<bool, Error> {
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
