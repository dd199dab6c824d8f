//! Whether a module loaded at run time fits a guest interface
//! ([`Expectation`], from the [`GuestInfo`] generated from Go declarations):
//! every export the
//! interface calls, with its wasm type; no import that neither the
//! interface's host nor WASI provides; the memory and allocator its strings
//! and slices need; a start-up the runtime can run. Read with wasmparser,
//! before anything is compiled; every problem is reported, not only the
//! first.

use std::collections::HashMap;

use tinybind_abi::{MemoryNeeds, Startup};
use wasmparser::{ExternalKind, FuncType, Parser, Payload, TypeRef, ValType};

use crate::error::Error;
use crate::module::{FunctionInfo, GuestInfo};
use crate::value::ValueType;

/// The WASI preview 1 module the runtime links.
const WASI: &str = "wasi_snapshot_preview1";

/// Every function of WASI preview 1 (`wasi_snapshot_preview1.witx`).
const WASI_FUNCTIONS: &[&str] = &[
    "args_get",
    "args_sizes_get",
    "environ_get",
    "environ_sizes_get",
    "clock_res_get",
    "clock_time_get",
    "fd_advise",
    "fd_allocate",
    "fd_close",
    "fd_datasync",
    "fd_fdstat_get",
    "fd_fdstat_set_flags",
    "fd_fdstat_set_rights",
    "fd_filestat_get",
    "fd_filestat_set_size",
    "fd_filestat_set_times",
    "fd_pread",
    "fd_prestat_get",
    "fd_prestat_dir_name",
    "fd_pwrite",
    "fd_read",
    "fd_readdir",
    "fd_renumber",
    "fd_seek",
    "fd_sync",
    "fd_tell",
    "fd_write",
    "path_create_directory",
    "path_filestat_get",
    "path_filestat_set_times",
    "path_link",
    "path_open",
    "path_readlink",
    "path_remove_directory",
    "path_rename",
    "path_symlink",
    "path_unlink_file",
    "poll_oneoff",
    "proc_exit",
    "proc_raise",
    "sched_yield",
    "random_get",
    "sock_accept",
    "sock_recv",
    "sock_send",
    "sock_shutdown",
];

/// TinyGo's JS runtime (`-target=wasm`): its imports trap when called, as
/// for an embedded guest of that target, whose exports do not need them.
const GOJS: &str = "gojs";

/// What a module must have to fit a guest interface: made from a generated
/// guest's [`GuestInfo`] ([`Expectation::of`]), or by a tool from Go
/// declarations (`tinybind check`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expectation {
    /// The interface's name, as errors give it.
    pub guest: String,
    /// (name, wasm type as `(i32, i32) -> (i32)`) of every export the
    /// interface calls.
    pub exports: Vec<(String, String)>,
    /// (module, name, wasm type) of the interface's host functions.
    pub imports: Vec<(String, String, String)>,
    /// Values travel in guest memory: the module must export `memory`.
    pub memory: bool,
    /// The runtime writes into guest memory (arguments, a retptr area, host
    /// results): the module must export `malloc` and `free`.
    pub allocator: bool,
}

impl Expectation {
    /// What the interface of a generated guest expects.
    pub fn of(info: &GuestInfo) -> Expectation {
        let any = |fs: &[FunctionInfo], of: fn(&FunctionInfo) -> bool| fs.iter().any(of);
        let needs = MemoryNeeds::of(
            info.retptr_size,
            any(info.functions, |f| f.params.iter().any(|(_, t)| in_memory(*t))),
            any(info.imports, |f| f.params.iter().any(|(_, t)| in_memory(*t))),
            any(info.imports, |f| f.results.iter().any(|t| in_memory(*t))),
        );
        Expectation {
            guest: info.name.to_string(),
            exports: info
                .functions
                .iter()
                .map(|f| (f.name.to_string(), f.wasm.to_string()))
                .collect(),
            imports: info
                .imports
                .iter()
                .map(|i| (i.module.unwrap_or_default().to_string(), i.name.to_string(), i.wasm.to_string()))
                .collect(),
            memory: needs.memory,
            allocator: needs.allocator,
        }
    }

    /// Checks a module (binary, or `.wat` text) that `module` names in
    /// messages: how it starts, or [`Error::Misfit`] with every problem.
    pub fn check(&self, module: &str, bytes: &[u8]) -> Result<Startup, Error> {
        let misfit = |problems| Error::Misfit {
            guest: self.guest.clone(),
            module: module.to_string(),
            problems,
        };
        let binary = binary(bytes).map_err(|why| misfit(vec![format!("not a WebAssembly module: {why}")]))?;
        self.problems(&binary).map_err(misfit)
    }

    /// How the module starts, or every problem, one sentence each.
    fn problems(&self, bytes: &[u8]) -> Result<Startup, Vec<String>> {
        let outline = outline(bytes).map_err(|e| vec![format!("not a WebAssembly module: {e}")])?;
        let mut problems = Vec::new();
        for (name, wasm) in &self.exports {
            if let Some(problem) = outline.export_problem(name, wasm) {
                problems.push(problem);
            }
        }
        let interface_imports: HashMap<(&str, &str), &str> = self
            .imports
            .iter()
            .map(|(m, n, w)| ((m.as_str(), n.as_str()), w.as_str()))
            .collect();
        for (module, name, ty) in &outline.func_imports {
            let actual = outline.signature(*ty);
            match interface_imports.get(&(module.as_str(), name.as_str())) {
                Some(wasm) if *wasm != actual => problems.push(format!(
                    "import `{module}.{name}` has the wasm type {actual}, the interface's host function {wasm}"
                )),
                Some(_) => {}
                None if module == WASI && WASI_FUNCTIONS.contains(&name.as_str()) => {}
                None if module == GOJS => {}
                None if module == WASI => {
                    problems.push(format!("import `{module}.{name}` {actual} is not a function of WASI preview 1"))
                }
                None => problems.push(format!(
                    "import `{module}.{name}` {actual} is neither a host function of the interface nor WASI's"
                )),
            }
        }
        for (module, name, kind) in &outline.other_imports {
            // TinyGo imports nothing but functions: its memory is its own, and
            // the runtime reads the exported one.
            problems.push(format!("import `{module}.{name}` is a {kind}, which nothing provides"));
        }
        if self.memory && !matches!(outline.exports.get("memory"), Some((ExternalKind::Memory, _))) {
            problems.push("no `memory` export, which the interface's strings, slices or results need".into());
        }
        if self.allocator {
            for (name, wasm) in [("malloc", "(i32) -> (i32)"), ("free", "(i32) -> ()")] {
                if let Some(problem) = outline.export_problem(name, wasm) {
                    problems.push(format!("{problem}, which the runtime needs to pass strings, slices and results"));
                }
            }
        }
        let startup = Startup::of_module(
            outline.exports_func("_initialize"),
            outline.exports_func("_start"),
            outline.func_imports.iter().any(|(m, _, _)| m == GOJS),
        );
        let entry = match startup {
            Startup::Initialize => Some("_initialize"),
            Startup::Command => Some("_start"),
            Startup::None => None,
        };
        if let Some(entry) = entry {
            if let Some(problem) = outline.export_problem(entry, "() -> ()") {
                problems.push(format!("start-up: {problem}, so the runtime cannot run it"));
            }
        }
        if problems.is_empty() {
            Ok(startup)
        } else {
            Err(problems)
        }
    }
}

/// The module's binary: text is assembled, binary comes back as it is.
pub(crate) fn binary(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, String> {
    if bytes.is_empty() {
        return Err("it is empty".into());
    }
    wat::parse_bytes(bytes).map_err(|e| e.to_string())
}

/// Whether a value travels in guest memory rather than as wasm values.
fn in_memory(t: ValueType) -> bool {
    match t {
        ValueType::String | ValueType::Bytes | ValueType::SliceOf(_) | ValueType::Error => true,
        ValueType::Struct(s) => s.fields.iter().any(|(_, f)| in_memory(*f)),
        ValueType::ArrayOf(elem, _) => in_memory(*elem),
        _ => false,
    }
}

/// What the module holds, as far as the check needs.
#[derive(Default)]
struct Outline {
    types: Vec<FuncType>,
    /// Type index of every function, imported ones first.
    funcs: Vec<u32>,
    /// (module, name, type index) of each function import; other imports
    /// by module, name and kind.
    func_imports: Vec<(String, String, u32)>,
    other_imports: Vec<(String, String, &'static str)>,
    exports: HashMap<String, (ExternalKind, u32)>,
}

impl Outline {
    fn signature(&self, ty: u32) -> String {
        match self.types.get(ty as usize) {
            Some(t) => {
                let names = |tys: &[ValType]| tys.iter().map(|v| val_name(*v)).collect::<Vec<_>>();
                tinybind_abi::signature(names(t.params()), names(t.results()))
            }
            None => "(a type the module does not define)".into(),
        }
    }

    fn exports_func(&self, name: &str) -> bool {
        matches!(self.exports.get(name), Some((ExternalKind::Func, _)))
    }

    /// What is wrong with export `name` for a function of type `wasm`.
    fn export_problem(&self, name: &str, wasm: &str) -> Option<String> {
        match self.exports.get(name) {
            None => Some(format!("missing export `{name}` {wasm}")),
            Some((ExternalKind::Func, index)) => {
                let actual = match self.funcs.get(*index as usize) {
                    Some(ty) => self.signature(*ty),
                    None => "(a function the module does not define)".into(),
                };
                (actual != wasm).then(|| format!("export `{name}` has the wasm type {actual}, the interface {wasm}"))
            }
            Some((kind, _)) => Some(format!("export `{name}` is a {}, not a function {wasm}", kind_name(*kind))),
        }
    }
}

fn outline(bytes: &[u8]) -> Result<Outline, String> {
    match read(bytes) {
        Ok(Some(outline)) => Ok(outline),
        Ok(None) => Err("a component, not a core module".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// The outline of a core module; `None` for a component.
fn read(bytes: &[u8]) -> wasmparser::Result<Option<Outline>> {
    let mut out = Outline::default();
    for payload in Parser::new(0).parse_all(bytes) {
        match payload? {
            Payload::TypeSection(reader) => {
                for ty in reader.into_iter_err_on_gc_types() {
                    out.types.push(ty?);
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader {
                    let import = import?;
                    let (module, name) = (import.module.to_string(), import.name.to_string());
                    match import.ty {
                        TypeRef::Func(ty) => {
                            out.funcs.push(ty);
                            out.func_imports.push((module, name, ty));
                        }
                        TypeRef::Memory(_) => out.other_imports.push((module, name, "memory")),
                        TypeRef::Table(_) => out.other_imports.push((module, name, "table")),
                        TypeRef::Global(_) => out.other_imports.push((module, name, "global")),
                        TypeRef::Tag(_) => out.other_imports.push((module, name, "tag")),
                    }
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    out.funcs.push(ty?);
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export?;
                    out.exports.insert(export.name.to_string(), (export.kind, export.index));
                }
            }
            // A component, or a module inside one, is not a guest module.
            Payload::Version {
                encoding: wasmparser::Encoding::Component,
                ..
            } => return Ok(None),
            _ => {}
        }
    }
    Ok(Some(out))
}

fn val_name(v: ValType) -> &'static str {
    match v {
        ValType::I32 => "i32",
        ValType::I64 => "i64",
        ValType::F32 => "f32",
        ValType::F64 => "f64",
        ValType::V128 => "v128",
        ValType::Ref(_) => "ref",
    }
}

fn kind_name(kind: ExternalKind) -> &'static str {
    match kind {
        ExternalKind::Func => "function",
        ExternalKind::Table => "table",
        ExternalKind::Memory => "memory",
        ExternalKind::Global => "global",
        ExternalKind::Tag => "tag",
    }
}
