//! A report of what the code generator infers for a module, as printed by
//! `tinybind inspect --json`.

use serde::Serialize;

use crate::model::GuestModel;

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Inspection {
    pub guest: String,
    pub file: String,
    pub compiler: String,
    pub startup: String,
    pub functions: Vec<FunctionReport>,
    /// The host functions the module imports (not WASI, not TinyGo's JS
    /// runtime): the methods of its host trait.
    pub imports: Vec<ImportReport>,
    pub runtime_exports: Vec<String>,
    pub warnings: Vec<String>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct FunctionReport {
    pub export: String,
    pub aliases: Vec<String>,
    /// The Go signature, when evidence gives one.
    pub go: Option<String>,
    /// Reads like `(i32, i32) -> (i32)`.
    pub wasm: String,
    /// The generated method's signature.
    pub rust: String,
    pub convention: String,
    /// `go-source`, `dwarf` or `wasm-only`.
    pub evidence: String,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ImportReport {
    pub module: String,
    pub name: String,
    /// The Go signature, when a declaration gives one.
    pub go: Option<String>,
    /// Reads like `(i32, i32) -> ()`.
    pub wasm: String,
    /// The host trait method's signature.
    pub rust: String,
    pub convention: String,
    /// `go-source` or `wasm-only`.
    pub evidence: String,
}

impl From<&GuestModel> for Inspection {
    fn from(g: &GuestModel) -> Self {
        Inspection {
            guest: g.name.clone(),
            file: g.file.clone(),
            compiler: g.compiler.clone(),
            startup: g.startup.describe().to_string(),
            functions: g
                .functions
                .iter()
                .map(|f| FunctionReport {
                    export: f.export.clone(),
                    aliases: f.aliases.clone(),
                    go: f.go.clone(),
                    wasm: f.wasm.to_string(),
                    rust: f.rust_signature(),
                    convention: f.convention(),
                    evidence: f.evidence.as_str().to_string(),
                })
                .collect(),
            imports: g
                .imports
                .iter()
                .map(|i| ImportReport {
                    module: i.module.clone(),
                    name: i.name.clone(),
                    go: i.func.go.clone(),
                    wasm: i.func.wasm.to_string(),
                    rust: i.rust_signature(),
                    convention: i.convention(),
                    evidence: i.func.evidence.as_str().to_string(),
                })
                .collect(),
            runtime_exports: g.runtime_exports.clone(),
            warnings: g.warnings.clone(),
        }
    }
}
