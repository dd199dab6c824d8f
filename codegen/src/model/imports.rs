//! Inferring a guest's host imports: which imports are host functions,
//! which Go declaration types each (the `//go:wasmimport` spelling or the
//! legacy body-less `//export`), the check of its lowering against the wasm
//! type, and the host trait's method names.

use tinybind_abi::MAX_WASM_VALUES;

use crate::abi::lower::{self, Lowered};
use crate::abi::repr::{Flavour, Repr};
use crate::go::{GoFunc, GoSource};
use crate::model::guest::{Binding, Evidence, FunctionModel, ImportModel};
use crate::model::params::{flat_names, sanitize_params};
use crate::names::{self, Scope};
use crate::wasm::{FuncSig, Import, ModuleInfo, WasmType};

/// Import modules the runtime provides itself: WASI preview 1
/// (`wasi_snapshot_preview1`) and its predecessor (`wasi_unstable`).
pub fn is_wasi_module(module: &str) -> bool {
    module.starts_with("wasi_")
}

/// Imports of TinyGo's own JavaScript runtime in browser (`-target=wasm`)
/// builds: module `gojs` (TinyGo 0.29 and later) and, in `env`, the dotted
/// names of older builds (`syscall/js.valueGet`, `runtime.ticks`). They are
/// TinyGo's `wasm_exec.js` glue, not the guest's API: no trait method is
/// made for them, and calling one fails with an error that names it.
pub fn is_js_runtime_import(module: &str, name: &str) -> bool {
    module == "gojs" || (module == "env" && (name.contains('.') || name.contains('/')))
}

/// Whether an import becomes a method of the guest's host trait.
pub fn is_host_import(import: &Import) -> bool {
    import.sig.is_some() && !is_wasi_module(&import.module) && !is_js_runtime_import(&import.module, &import.name)
}

/// Binds every host import, and returns the names of the body-less
/// `//export` declarations that were taken as imports.
///
/// A `//go:wasmimport MODULE NAME` declaration types the import it names. A
/// body-less `//export NAME` (module `env`, or its `//go:wasm-module`) is
/// an import when the module imports `MODULE.NAME` and exports no `NAME`;
/// when it does both, the declaration is taken as the export's, with a
/// warning.
///
/// Method names are `snake(name)`, in import-section order; an import whose
/// name is taken by an earlier import of another module (or by another
/// method) is `snake(module)_snake(name)`, and a number follows if even
/// that is taken.
pub fn infer_imports(
    guest: &str,
    info: &ModuleInfo,
    go: Option<&GoSource>,
    flavour: Flavour,
    malloc: bool,
    warnings: &mut Vec<String>,
) -> (Vec<ImportModel>, Vec<String>) {
    let mut scope = Scope::with_reserved(&[]);
    let mut imports = Vec::new();
    let mut legacy = Vec::new();
    let mut undeclared = Vec::new();
    for import in info.imports.iter().filter(|i| is_host_import(i)) {
        let Some(sig) = &import.sig else { continue };
        let qualified = format!("{}.{}", import.module, import.name);
        let mut declared = go.and_then(|g| g.find_wasmimport(&import.module, &import.name));
        if declared.is_none() {
            if let Some(f) = go.and_then(|g| g.find_legacy_import(&import.module, &import.name)) {
                if info.exports_func(&f.export) {
                    warnings.push(format!(
                        "guest `{guest}`: `{}` ({}) has no body and the module both imports \
                         `{qualified}` and exports `{}`; it is taken as the export's declaration, \
                         and the import is typed by its wasm type. Declare the import with \
                         `//go:wasmimport {} {}` to type it",
                        f.signature(),
                        f.location,
                        f.export,
                        import.module,
                        import.name
                    ));
                } else {
                    legacy.push(f.export.clone());
                    declared = Some(f);
                }
            }
        }
        let base = names::snake(&import.name);
        let method = if scope.contains(&base) {
            scope.unique(names::snake(&format!("{} {}", import.module, import.name)))
        } else {
            scope.unique(base)
        };
        if sig.params.iter().chain(&sig.results).any(|t| *t == WasmType::Other)
            || sig.params.len() > MAX_WASM_VALUES
            || sig.results.len() > 1
        {
            warnings.push(format!(
                "guest `{guest}`: import `{qualified}` has type {sig}, which no host method \
                 can take (v128 or reference values, more than {MAX_WASM_VALUES} parameters, \
                 or several results); calling it fails"
            ));
            continue;
        }
        let site = ImportSite {
            guest,
            name: &import.name,
            qualified: &qualified,
            sig,
            malloc,
        };
        let func = bind_import(&site, method, declared, flavour, warnings);
        if func.evidence == Evidence::WasmOnly {
            undeclared.push(qualified.clone());
        }
        imports.push(ImportModel {
            module: import.module.clone(),
            name: import.name.clone(),
            pragma: declared.map(|d| d.pragma.clone()),
            declaration: declared.map(|d| d.declaration.clone()),
            func,
        });
    }
    if let Some(go) = go {
        for f in &go.imports {
            let module = f.module.as_deref().unwrap_or("");
            if !info.imports.iter().any(|i| i.module == module && i.name == f.export) {
                warnings.push(format!(
                    "guest `{guest}`: `//go:wasmimport {module} {}` ({}) is declared in the Go \
                     source but the module does not import it",
                    f.export, f.location
                ));
            }
        }
    }
    if !undeclared.is_empty() {
        warnings.push(format!(
            "guest `{guest}`: no Go declaration for the imports {}; their host methods take \
             the raw wasm types and the guest's memory. Declare them beside the module \
             (`//go:wasmimport MODULE NAME` above a body-less `func`) to get typed methods",
            undeclared
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    (imports, legacy)
}

/// The import being bound, for messages.
struct ImportSite<'a> {
    guest: &'a str,
    /// The import's name, and `module.name`.
    name: &'a str,
    qualified: &'a str,
    sig: &'a FuncSig,
    /// The module exports an allocator (`tinybind_abi::ALLOCATORS`).
    malloc: bool,
}

/// The binding of one import: typed when its Go declaration lowers to the
/// import's wasm type exactly, raw otherwise.
fn bind_import(
    site: &ImportSite<'_>,
    method: String,
    declared: Option<&GoFunc>,
    flavour: Flavour,
    warnings: &mut Vec<String>,
) -> FunctionModel {
    let sig = site.sig;
    let default_names = || (0..sig.params.len()).map(|i| format!("arg{i}")).collect();
    let mut f = FunctionModel {
        export: site.name.to_string(),
        aliases: Vec::new(),
        method,
        wasm: sig.clone(),
        go: None,
        go_location: None,
        go_doc: String::new(),
        evidence: Evidence::WasmOnly,
        binding: Binding::Raw { names: default_names() },
    };
    let Some(go) = declared else {
        return f;
    };
    f.go = Some(go.signature());
    f.go_location = Some(go.location.clone());
    f.go_doc = go.doc.clone();
    f.evidence = Evidence::GoSource;
    let l = match lower::lower_matching(go, flavour, sig) {
        Ok(l) => l,
        Err(reason) => {
            warnings.push(format!(
                "guest `{}`: import `{}`: `{}` ({}) cannot be typed: {reason}; the host method \
                 takes the raw wasm types {}",
                site.guest,
                site.qualified,
                go.signature(),
                go.location,
                sig
            ));
            sanitize_params(&mut f);
            return f;
        }
    };
    let aggregate = |v: &&Repr| matches!(v, Repr::Struct(_) | Repr::Array(..) | Repr::List(_));
    let unsupported = if l.result_values().iter().any(|v| **v == Repr::Strings) {
        Some("a []string result")
    } else if matches!(l.results, lower::Results::Packed(_)) && !site.malloc {
        Some("a packed string or []byte result (written into a block from the guest's \
              `malloc`, and the module exports none)")
    } else if l.values().iter().any(aggregate) {
        Some("a struct, array or slice of structs")
    } else {
        None
    };
    if l.wasm != *sig {
        // A declaration that contradicts the binary is not evidence: the
        // host method rests on the wasm types alone, as an export would.
        warnings.push(format!(
            "guest `{}`: import `{}`: the Go declaration ({}) says `{}`, which lowers to \
             wasm {} but the module's type is {}; it does not match this binary, so it is not \
             used and the host method takes the raw wasm types",
            site.guest,
            site.qualified,
            go.location,
            go.signature(),
            l.wasm,
            sig
        ));
        f.go = None;
        f.go_location = None;
        f.go_doc = String::new();
        f.evidence = Evidence::WasmOnly;
    } else if let Some(what) = unsupported {
        // Host functions do not take or return these yet.
        warnings.push(format!(
            "guest `{}`: import `{}`: `{}` ({}): {what} of a host function has no binding \
             yet; the host method takes the raw wasm types",
            site.guest,
            site.qualified,
            go.signature(),
            go.location
        ));
        let names = flat_names(&l);
        if names.len() == sig.params.len() {
            f.binding = Binding::Raw { names };
        }
    } else {
        // A host function's `error` result is a plain interface value.
        f.binding = Binding::Typed(Lowered { go_error: false, ..l });
    }
    sanitize_params(&mut f);
    f
}
