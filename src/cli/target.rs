//! What `tinybind call` calls: a module file, typed by the code generator's
//! model of it, or a guest built into this binary.

use std::path::{Path, PathBuf};

use tinybind_codegen::Inspection;
use tinybind_runtime::{GuestEntry, GuestModule, Lowering, Startup};

use super::builtin;

pub enum Target {
    Builtin(&'static GuestEntry),
    File(Box<FileGuest>),
}

/// A module read from a file, with what the code generator infers for it.
pub struct FileGuest {
    pub model: Inspection,
    /// The module as the runtime takes it. Leaked: the process calls it
    /// once and exits.
    pub module: &'static GuestModule,
}

/// One function of a module file, ready for the dynamic call path.
pub struct FileFunction {
    /// The export name, leaked as the runtime's errors want it.
    pub export: &'static str,
    pub lowering: Lowering,
    pub names: Vec<String>,
}

/// The Go files typing `module`: those given, else those beside it (as the
/// build finds them).
pub fn go_files(module: &Path, given: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    if !given.is_empty() {
        return Ok(given.to_vec());
    }
    tinybind_codegen::go_files_beside(module).map_err(|e| e.to_string())
}

/// A file when `target` names one (or looks like one), else a built-in guest.
pub fn resolve(target: &str, go: &[PathBuf]) -> Result<Target, String> {
    let path = Path::new(target);
    let looks_like_file = path.extension().is_some_and(|e| e == "wasm" || e == "wat")
        || target.contains(std::path::MAIN_SEPARATOR);
    if path.is_file() || looks_like_file {
        return load(path, go).map(|g| Target::File(Box::new(g)));
    }
    if !go.is_empty() {
        return Err(format!("`{target}` is not a file; --go only applies to a module file"));
    }
    builtin::find_guest(target)
        .map(Target::Builtin)
        .map_err(|e| format!("{e}; or give a module file (.wasm, .wat)"))
}

fn load(path: &Path, go: &[PathBuf]) -> Result<FileGuest, String> {
    let go = go_files(path, go)?;
    let (model, bytes) = tinybind_codegen::read_module(path, &go).map_err(|e| e.to_string())?;
    // The runtime's `Startup` is the ABI's.
    let startup = model.startup_kind;
    let module = Box::leak(Box::new(GuestModule {
        name: Box::leak(model.guest.clone().into_boxed_str()),
        file: Box::leak(model.file.clone().into_boxed_str()),
        bytes: Box::leak(bytes.into_boxed_slice()),
        startup,
        retptr_size: model.retptr_size,
    }));
    Ok(FileGuest { model, module })
}

impl FileGuest {
    /// The entry point of start-up, when `name` is it: calling it runs the
    /// module (a WASI command's `main`) and nothing else.
    pub fn is_entry(&self, name: &str) -> bool {
        matches!(
            (self.model.startup_kind, name),
            (Startup::Command, "_start") | (Startup::Initialize, "_initialize")
        )
    }

    /// A function by export name, alias or method name.
    pub fn function(&self, name: &str) -> Result<FileFunction, String> {
        let f = self
            .model
            .functions
            .iter()
            .find(|f| f.export == name || f.method == name || f.aliases.iter().any(|a| a == name))
            .ok_or_else(|| {
                let names: Vec<&str> = self.model.functions.iter().map(|f| f.export.as_str()).collect();
                let list = if names.is_empty() { "none".to_string() } else { names.join(", ") };
                format!("guest `{}` has no function `{name}`; it has: {list}", self.model.guest)
            })?;
        Ok(FileFunction {
            export: Box::leak(f.export.clone().into_boxed_str()),
            lowering: Lowering::leaked_from(&f.passing.lowering),
            names: f.passing.params.clone(),
        })
    }
}
