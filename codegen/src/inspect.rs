//! The inspection API: what the code generator infers for one module, as
//! `tinybind inspect` prints it (`--json` serializes [`Inspection`]) and as
//! `tinybind call FILE.wasm` runs it (each function's
//! [`tinybind_abi::Lowering`]).

use std::path::{Path, PathBuf};

use serde::Serialize;
use tinybind_abi::{Lowering, Startup};

use crate::abi::lower::Lowered;
use crate::discover::{display_path, load_binary, read_go};
use crate::emit::signature;
use crate::error::Error;
use crate::model::dynamic::lowering;
use crate::model::guest::{Binding, FunctionModel, GuestModel, StructModel};
use crate::model::infer::infer;
use crate::model::interface::infer_interface;
use crate::wasm::ModuleInfo;

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Inspection {
    pub guest: String,
    pub file: String,
    pub compiler: String,
    /// The start-up kind, described.
    pub startup: String,
    pub functions: Vec<FunctionReport>,
    /// The host functions the module imports (not WASI, not TinyGo's JS
    /// runtime): the methods of its host trait.
    pub imports: Vec<ImportReport>,
    pub runtime_exports: Vec<String>,
    pub warnings: Vec<String>,
    /// The start-up kind.
    #[serde(skip)]
    pub startup_kind: Startup,
    /// The largest retptr area any function needs, in bytes.
    #[serde(skip)]
    pub retptr_size: u32,
    /// Whether the compiler puts Go type names in the binary (TinyGo 0.28
    /// and later), from which Go error messages are read.
    #[serde(skip)]
    pub names_go_types: bool,
    /// The Go structs the bindings use, inner ones first.
    pub structs: Vec<StructReport>,
}

/// A Go struct the bindings use, as laid out in guest memory.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct StructReport {
    /// The Go name.
    pub go: String,
    /// The generated Rust struct's name.
    pub rust: String,
    pub size: u32,
    pub align: u32,
    /// `type Box struct { ... }` as written, when the Go source has it.
    pub declaration: Option<String>,
    pub fields: Vec<FieldReport>,
}

/// One field of a [`StructReport`].
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct FieldReport {
    /// The Go field name.
    pub go: String,
    /// The Rust field name.
    pub rust: String,
    /// The field's Go type, sized (`int` reads as `int32`; a struct by its
    /// Go name).
    pub go_type: String,
    /// Its offset in the struct, in bytes.
    pub offset: u32,
}

impl From<&StructModel> for StructReport {
    fn from(s: &StructModel) -> Self {
        StructReport {
            go: s.ty.go_name.clone(),
            rust: s.ty.rust_name.clone(),
            size: s.ty.size,
            align: s.ty.align,
            declaration: s.declaration.as_ref().map(|d| d.declaration.clone()),
            fields: s
                .ty
                .fields
                .iter()
                .map(|f| FieldReport {
                    go: f.go_name.clone(),
                    rust: f.rust_name.clone(),
                    go_type: f.value.go_type(),
                    offset: f.offset,
                })
                .collect(),
        }
    }
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
    /// The generated method's name.
    #[serde(skip)]
    pub method: String,
    /// Where the Go signature was read (`file:line`, or `DWARF`).
    #[serde(skip)]
    pub go_location: Option<String>,
    /// For a typed binding, the wasm type its Go signature lowers to.
    #[serde(skip)]
    pub lowered_wasm: Option<String>,
    /// How a caller passes the function's values.
    #[serde(skip)]
    pub passing: Passing,
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
    /// How the guest passes the import's values.
    #[serde(skip)]
    pub passing: Passing,
}

/// How a function's values are passed, for a caller that learns it at run
/// time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Passing {
    pub lowering: Lowering,
    /// The name of each parameter of [`Self::lowering`].
    pub params: Vec<String>,
}

impl From<&FunctionModel> for Passing {
    fn from(f: &FunctionModel) -> Self {
        Passing {
            lowering: lowering(f),
            params: f.param_names().into_iter().map(str::to_string).collect(),
        }
    }
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
                    rust: signature::export_text(f),
                    convention: f.convention(),
                    evidence: f.evidence.as_str().to_string(),
                    method: f.method.clone(),
                    go_location: f.go_location.clone(),
                    lowered_wasm: match &f.binding {
                        Binding::Typed(Lowered { wasm, .. }) => Some(wasm.to_string()),
                        Binding::Raw { .. } => None,
                    },
                    passing: Passing::from(f),
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
                    rust: signature::import_text(i),
                    convention: i.convention(),
                    evidence: i.func.evidence.as_str().to_string(),
                    passing: Passing::from(&i.func),
                })
                .collect(),
            runtime_exports: g.runtime_exports.clone(),
            warnings: g.warnings.clone(),
            startup_kind: g.startup,
            retptr_size: g.retptr_size(),
            names_go_types: g.names_go_types(),
            structs: g.structs.iter().map(StructReport::from).collect(),
        }
    }
}

/// What the code generator infers for one module, for `tinybind inspect`:
/// no output file.
pub fn inspect_file(module: &Path, go_files: &[PathBuf]) -> Result<Inspection, Error> {
    read_module(module, go_files).map(|(inspection, _)| inspection)
}

/// What the code generator infers for Go declarations alone, as for an
/// interface-only guest: the exports and imports a module must have to fit
/// them (`tinybind check --go`). The interface is named after the first
/// file.
pub fn inspect_interface(go_files: &[PathBuf]) -> Result<Inspection, Error> {
    let Some(first) = go_files.first() else {
        return Err(Error::GoSource {
            path: PathBuf::new(),
            reason: "no Go files given".into(),
        });
    };
    let go = read_go(go_files)?.unwrap_or_default();
    let name = first
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let model = infer_interface(&name, &display_path(first), &go);
    Ok(Inspection::from(&model))
}

/// What the code generator infers for one module, with the module's binary
/// bytes (a `.wat` assembled), for running it: `tinybind call FILE.wasm`.
pub fn read_module(module: &Path, go_files: &[PathBuf]) -> Result<(Inspection, Vec<u8>), Error> {
    let (bytes, _) = load_binary(module, Path::new(""))?;
    let go = read_go(go_files)?;
    let info = ModuleInfo::parse(&bytes).map_err(|reason| Error::Guest {
        path: module.to_path_buf(),
        reason,
    })?;
    let name = module
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let model = infer(&name, &display_path(module), &info, go.as_ref());
    Ok((Inspection::from(&model), bytes))
}
