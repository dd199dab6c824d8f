//! Reading a guest module: the facts the rest of the code generator needs,
//! taken from the type, import, function, export, memory, code and custom
//! sections with `wasmparser`. Nothing here interprets Go; it only records.

use std::collections::HashMap;
use std::fmt;

use crate::retptr::{self, RetptrWrites};

use wasmparser::{
    Encoding, ExternalKind, KnownCustom, Name, Parser, Payload, TypeRef, ValType, Validator, WasmFeatures,
};

/// A value type as it appears in a function signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WasmType {
    I32,
    I64,
    F32,
    F64,
    /// `v128` or a reference type: nothing a binding can pass.
    Other,
}

impl WasmType {
    fn from_val(v: ValType) -> Self {
        match v {
            ValType::I32 => WasmType::I32,
            ValType::I64 => WasmType::I64,
            ValType::F32 => WasmType::F32,
            ValType::F64 => WasmType::F64,
            ValType::V128 | ValType::Ref(_) => WasmType::Other,
        }
    }

    /// The name used in wasm text and in reports.
    pub fn name(self) -> &'static str {
        match self {
            WasmType::I32 => "i32",
            WasmType::I64 => "i64",
            WasmType::F32 => "f32",
            WasmType::F64 => "f64",
            WasmType::Other => "v128/ref",
        }
    }
}

impl From<tinybind_abi::WasmType> for WasmType {
    fn from(t: tinybind_abi::WasmType) -> Self {
        match t {
            tinybind_abi::WasmType::I32 => WasmType::I32,
            tinybind_abi::WasmType::I64 => WasmType::I64,
            tinybind_abi::WasmType::F32 => WasmType::F32,
            tinybind_abi::WasmType::F64 => WasmType::F64,
        }
    }
}

/// A function's wasm signature.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct FuncSig {
    pub params: Vec<WasmType>,
    pub results: Vec<WasmType>,
}

impl fmt::Display for FuncSig {
    /// Reads like `(i32, i32) -> (i32)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = |tys: &'_ [WasmType]| tys.iter().map(|t| t.name()).collect::<Vec<_>>();
        f.write_str(&tinybind_abi::signature(names(&self.params), names(&self.results)))
    }
}

/// An exported function.
#[derive(Clone, Debug)]
pub struct ExportedFunc {
    pub name: String,
    pub func_index: u32,
    pub sig: FuncSig,
    /// What its code writes through its first parameter, for a function
    /// that may take a retptr (`(i32, ...) -> ()`); `None` when it cannot
    /// be read (see [`crate::retptr`]).
    pub retptr_writes: Option<RetptrWrites>,
}

/// An import of the module.
#[derive(Clone, Debug)]
pub struct Import {
    pub module: String,
    pub name: String,
    /// The wasm type of an imported function (`None`: not a function).
    pub sig: Option<FuncSig>,
}

/// The compiler named by the `producers` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Producer {
    pub name: String,
    pub version: String,
}

/// Everything the code generator reads from one module.
#[derive(Clone, Debug, Default)]
pub struct ModuleInfo {
    pub imports: Vec<Import>,
    /// Exported functions, in export-section order.
    pub exports: Vec<ExportedFunc>,
    /// `language` and `processed-by` entries of the `producers` section.
    pub languages: Vec<Producer>,
    pub processed_by: Vec<Producer>,
    /// Function names from the `name` section, by function index.
    pub func_names: HashMap<u32, String>,
    /// `.debug_*` custom sections by name.
    pub debug_sections: HashMap<String, Vec<u8>>,
}

impl ModuleInfo {
    /// Validates and reads a binary module. Never panics on bad input.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        if !bytes.starts_with(b"\0asm") {
            return Err("invalid WebAssembly: not a module, it does not start with the magic number `\\0asm`".into());
        }
        let mut features = WasmFeatures::default();
        features.remove(WasmFeatures::COMPONENT_MODEL);
        Validator::new_with_features(features)
            .validate_all(bytes)
            .map_err(|e| format!("invalid WebAssembly: {e}"))?;

        let mut info = ModuleInfo::default();
        let mut types: Vec<FuncSig> = Vec::new();
        // Type index of every function, imported ones first.
        let mut func_types: Vec<u32> = Vec::new();
        let mut export_funcs: Vec<(String, u32)> = Vec::new();
        let mut imported_funcs = 0u32;
        let mut bodies = Vec::new();

        for payload in Parser::new(0).parse_all(bytes) {
            let payload = payload.map_err(|e| format!("invalid WebAssembly: {e}"))?;
            match payload {
                Payload::Version { encoding, .. } if encoding != Encoding::Module => {
                    return Err("a component, not a core module".into());
                }
                Payload::TypeSection(reader) => {
                    for ty in reader.into_iter_err_on_gc_types() {
                        let ty = ty.map_err(|e| format!("type section: {e}"))?;
                        types.push(FuncSig {
                            params: ty.params().iter().map(|v| WasmType::from_val(*v)).collect(),
                            results: ty.results().iter().map(|v| WasmType::from_val(*v)).collect(),
                        });
                    }
                }
                Payload::ImportSection(reader) => {
                    for import in reader {
                        let import = import.map_err(|e| format!("import section: {e}"))?;
                        let sig = match import.ty {
                            TypeRef::Func(ty) => {
                                func_types.push(ty);
                                imported_funcs += 1;
                                Some(types.get(ty as usize).cloned().ok_or_else(|| {
                                    format!(
                                        "import `{}.{}` refers to a function without a type",
                                        import.module, import.name
                                    )
                                })?)
                            }
                            _ => None,
                        };
                        info.imports.push(Import {
                            module: import.module.to_string(),
                            name: import.name.to_string(),
                            sig,
                        });
                    }
                }
                Payload::FunctionSection(reader) => {
                    for ty in reader {
                        func_types.push(ty.map_err(|e| format!("function section: {e}"))?);
                    }
                }
                Payload::ExportSection(reader) => {
                    for export in reader {
                        let export = export.map_err(|e| format!("export section: {e}"))?;
                        if export.kind == ExternalKind::Func {
                            export_funcs.push((export.name.to_string(), export.index));
                        }
                    }
                }
                Payload::CodeSectionEntry(body) => bodies.push(body),
                Payload::CustomSection(section) => {
                    let name = section.name().to_string();
                    match section.as_known() {
                        KnownCustom::Producers(reader) => info.read_producers(reader),
                        KnownCustom::Name(reader) => {
                            // A malformed name section is ignored: names are
                            // only a convenience.
                            for sub in reader.into_iter().flatten() {
                                if let Name::Function(map) = sub {
                                    for naming in map.into_iter().flatten() {
                                        info.func_names.insert(naming.index, naming.name.to_string());
                                    }
                                }
                            }
                        }
                        _ if name.starts_with(".debug_") => {
                            info.debug_sections.insert(name, section.data().to_vec());
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }

        let code = retptr::Code {
            bodies,
            imported: imported_funcs,
            types: types
                .iter()
                .map(|t| (t.params.len() as u32, t.results.len() as u32))
                .collect(),
            asyncified: export_funcs.iter().any(|(n, _)| n == "asyncify_get_state"),
            func_types,
        };
        for (name, index) in export_funcs {
            let sig = code
                .func_types
                .get(index as usize)
                .and_then(|ty| types.get(*ty as usize))
                .cloned()
                .ok_or_else(|| format!("export `{name}` refers to a function without a type"))?;
            // Only a function that may take a retptr is read.
            let takes_retptr = sig.params.first() == Some(&WasmType::I32) && sig.results.is_empty();
            info.exports.push(ExportedFunc {
                name,
                func_index: index,
                retptr_writes: if takes_retptr { code.retptr_writes(index) } else { None },
                sig,
            });
        }
        Ok(info)
    }

    fn read_producers(&mut self, reader: wasmparser::ProducersSectionReader<'_>) {
        for field in reader.into_iter().flatten() {
            let target = match field.name {
                "language" => &mut self.languages,
                "processed-by" => &mut self.processed_by,
                _ => continue,
            };
            for value in field.values.into_iter().flatten() {
                target.push(Producer {
                    name: value.name.to_string(),
                    version: value.version.to_string(),
                });
            }
        }
    }

    pub fn exports_func(&self, name: &str) -> bool {
        self.exports.iter().any(|e| e.name == name)
    }

    pub fn imports_module(&self, module: &str) -> bool {
        self.imports.iter().any(|i| i.module == module)
    }
}
