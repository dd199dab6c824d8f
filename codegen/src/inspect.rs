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
            runtime_exports: g.runtime_exports.clone(),
            warnings: g.warnings.clone(),
        }
    }
}
