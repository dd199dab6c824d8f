//! Inferring the model of one guest: its compiler, start-up kind, and for
//! every export the binding and the evidence it rests on (Go source, DWARF,
//! or the wasm types alone); `imports` does the same for host imports.

use std::collections::HashMap;

use tinybind_abi::{Scalar, Startup, MAX_WASM_VALUES};

use crate::abi::lower::{self, Results};
use crate::abi::repr::{Flavour, Repr, Struct};
use crate::dwarf::{self, DwarfFunc};
use crate::go::{GoFunc, GoParam, GoSource, GoType};
use crate::model::guest::{
    is_runtime_export, Binding, Evidence, FunctionModel, GuestModel, StructModel, RESERVED_METHODS,
};
use crate::model::imports::infer_imports;
use crate::model::params::{flat_names, sanitize_params};
use crate::model::results_check::{self, ResultsCheck};
use crate::names::{self, Scope};
use crate::wasm::{ExportedFunc, ModuleInfo, WasmType};

/// Infers the model of one guest from its module and optional Go source.
pub fn infer(name: &str, file: &str, info: &ModuleInfo, go: Option<&GoSource>) -> GuestModel {
    let (compiler, flavour) = compiler(info);
    let startup = startup(info);
    let dwarf_funcs = dwarf::subprograms(info);
    let allocator = allocator(info);
    let mut warnings = Vec::new();
    if allocator.0 && !allocator.1 && info.exports_func("free") {
        warnings.push(format!(
            "guest `{name}`: its `free` is not `free(ptr)` with wasm type (i32) -> (), the one \
             the host calls; blocks from its `malloc` are taken as its GC's, so the argument \
             block is not reused and packed results are not freed (a `malloc` that keeps blocks \
             until `free` leaks them). Export `free(ptr uintptr)`"
        ));
    }
    let mut functions: Vec<FunctionModel> = Vec::new();
    let mut runtime_exports = Vec::new();
    let mut by_index: HashMap<u32, usize> = HashMap::new();
    let mut scope = Scope::with_reserved(RESERVED_METHODS);
    let mut wasm_only = Vec::new();

    // A function exported under a runtime name is the runtime's under
    // every name (TinyGo 0.10's `cwa_main` is `_start`).
    let runtime_funcs: std::collections::HashSet<u32> = info
        .exports
        .iter()
        .filter(|e| is_runtime_export(&e.name))
        .map(|e| e.func_index)
        .collect();
    for export in &info.exports {
        if is_runtime_export(&export.name) || runtime_funcs.contains(&export.func_index) {
            runtime_exports.push(export.name.clone());
            continue;
        }
        if let Some(&i) = by_index.get(&export.func_index) {
            functions[i].aliases.push(export.name.clone());
            continue;
        }
        if export
            .sig
            .params
            .iter()
            .chain(&export.sig.results)
            .any(|t| *t == WasmType::Other)
        {
            warnings.push(format!(
                "guest `{name}`: export `{}` has type {} with v128 or reference values, \
                 which no binding can pass; it is left out",
                export.name, export.sig
            ));
            continue;
        }
        if export.sig.params.len() > MAX_WASM_VALUES || export.sig.results.len() > MAX_WASM_VALUES {
            warnings.push(format!(
                "guest `{name}`: export `{}` has {} parameters and {} results; a binding passes \
                 at most {MAX_WASM_VALUES} of each, so it is left out",
                export.name,
                export.sig.params.len(),
                export.sig.results.len()
            ));
            continue;
        }
        let dwarf = dwarf::for_export(info, &dwarf_funcs, &export.name, export.func_index);
        let declared = go.and_then(|g| g.find(&export.name));
        let mut f = bind(name, export, declared, dwarf, flavour, &mut scope, &mut warnings);
        if flavour == Flavour::StandardGo && !allocator.0 {
            require_allocator(name, &mut f, &mut warnings);
        }
        if f.evidence == Evidence::WasmOnly {
            wasm_only.push(export.name.clone());
        }
        by_index.insert(export.func_index, functions.len());
        functions.push(f);
    }

    let (imports, legacy_imports) = infer_imports(name, info, go, flavour, allocator.0, &mut warnings);

    if let Some(go) = go {
        warnings.extend(go.stray_pragmas.iter().map(|p| format!("guest `{name}`: {p}")));
        for f in &go.funcs {
            if !info.exports_func(&f.export) && !is_runtime_export(&f.export) && !legacy_imports.contains(&f.export) {
                warnings.push(format!(
                    "guest `{name}`: `{}` ({}) is declared in the Go source but the module \
                     does not export it",
                    f.export, f.location
                ));
            }
        }
    }
    if !wasm_only.is_empty() {
        let listed = wasm_only
            .iter()
            .map(|e| format!("`{e}`"))
            .collect::<Vec<_>>()
            .join(", ");
        warnings.push(if go.is_some() {
            format!(
                "guest `{name}`: no Go signature for {listed}; their bindings use the raw wasm types. \
                 Declare them in the Go source beside the module (`//export NAME` above \
                 `func NAME(...) ...`), or rebuild the .wasm if the source declares them under \
                 other names"
            )
        } else {
            format!(
                "guest `{name}`: no Go signature for {listed}; their bindings use the raw wasm types. \
                 Add the Go source, or declarations only (`//export NAME` above `func NAME(...) ...`), \
                 as `{name}.go` beside the module to get typed bindings"
            )
        });
    }

    let guest_struct = names::guest_struct(name);
    let structs = structs(name, &guest_struct, &mut functions, go, &mut warnings);
    // DWARF's struct types are read only for a guest whose bindings use
    // structs (a second walk of the debug info, after the subprograms').
    if !structs.is_empty() {
        check_struct_layouts(name, &structs, &dwarf::structs(info), &mut warnings);
    }

    GuestModel {
        structs,
        name: name.to_string(),
        file: file.to_string(),
        interface_only: false,
        module: names::guest_module(name),
        struct_name: guest_struct,
        compiler,
        flavour,
        startup,
        has_malloc: allocator.0,
        has_free: allocator.1,
        functions,
        imports,
        runtime_exports,
        warnings,
    }
}

/// The structs the typed bindings use, each once. One whose Rust name is
/// taken by an item of the guest's module (its struct, its host trait,
/// `Exports`) is renamed `Go<Name>`, with a warning.
fn structs(
    guest: &str,
    guest_struct: &str,
    functions: &mut [FunctionModel],
    go: Option<&GoSource>,
    warnings: &mut Vec<String>,
) -> Vec<StructModel> {
    let mut found = used_structs(functions);
    let item = |suffix: &str| names::guest_item(guest_struct, suffix);
    let taken = [
        guest_struct.to_string(),
        item("Host"),
        item("Pre"),
        item("Indices"),
        "Exports".to_string(),
    ];
    let mut renamed = HashMap::new();
    for s in &found {
        if taken.contains(&s.rust_name) {
            let new = format!("Go{}", s.rust_name);
            warnings.push(format!(
                "guest `{guest}`: the Go type `{}` would take the name of an item of the guest's \
                 module; its Rust type is `{new}`",
                s.go_name
            ));
            renamed.insert(s.go_name.clone(), new);
        }
    }
    if !renamed.is_empty() {
        for f in functions.iter_mut() {
            if let Binding::Typed(l) = &mut f.binding {
                l.rename_structs(&renamed);
            }
        }
        found = used_structs(functions);
    }
    found
        .into_iter()
        .map(|ty| StructModel {
            declaration: go.and_then(|g| g.type_decls.get(&ty.go_name).cloned()),
            ty,
        })
        .collect()
}

/// Every struct the typed bindings of `functions` use, each once, inner
/// ones first.
fn used_structs(functions: &[FunctionModel]) -> Vec<std::rc::Rc<Struct>> {
    let mut found = Vec::new();
    for f in functions {
        if let Binding::Typed(l) = &f.binding {
            for v in l.values() {
                v.structs(&mut found);
            }
        }
    }
    found
}

/// Checks each struct's computed layout against DWARF's description of the
/// Go type (`main.Name`), where the module carries one: a disagreement means
/// the Go source and the binary differ, or the layout rules do; it is
/// warned about, naming both layouts.
fn check_struct_layouts(
    guest: &str,
    structs: &[StructModel],
    dwarf: &[dwarf::DwarfStruct],
    warnings: &mut Vec<String>,
) {
    for s in structs {
        let ty = &s.ty;
        let Some(d) = dwarf.iter().find(|d| d.name == format!("main.{}", ty.go_name)) else {
            continue;
        };
        let ours: Vec<(String, Option<u64>)> = ty
            .fields
            .iter()
            .map(|f| (f.go_name.clone(), Some(u64::from(f.offset))))
            .collect();
        let size_differs = d.size.is_some_and(|size| size != u64::from(ty.size));
        if ours != d.members || size_differs {
            let show = |m: &[(String, Option<u64>)], size: Option<u64>| {
                let fields: Vec<String> = m
                    .iter()
                    .map(|(n, o)| format!("{n}@{}", o.map_or("?".to_string(), |o| o.to_string())))
                    .collect();
                format!("{{{}}} ({} bytes)", fields.join(", "), size.map_or("?".to_string(), |s| s.to_string()))
            };
            warnings.push(format!(
                "guest `{guest}`: struct `{}`: the Go source's layout {} differs from DWARF's {}; \
                 the bindings follow the Go source, so check that it matches the binary",
                ty.go_name,
                show(&ours, Some(u64::from(ty.size))),
                show(&d.members, d.size)
            ));
        }
    }
}

fn compiler(info: &ModuleInfo) -> (String, Flavour) {
    if let Some(p) = info.processed_by.iter().find(|p| p.name == "TinyGo") {
        return (format!("TinyGo {}", p.version), Flavour::TinyGo);
    }
    if let Some(p) = info.languages.iter().find(|p| p.name == "Go") {
        return (format!("Go {}", p.version), Flavour::StandardGo);
    }
    let clang = info
        .processed_by
        .iter()
        .find(|p| p.name == "clang")
        .map(|p| format!(", built with clang {}", p.version))
        .unwrap_or_default();
    (
        format!("unknown (no TinyGo entry in `producers`{clang}); TinyGo conventions assumed"),
        Flavour::TinyGo,
    )
}

/// Whether the module exports an allocator the host can write through
/// (`tinybind_abi::ALLOCATORS`, with its wasm type), and its `free`.
fn allocator(info: &ModuleInfo) -> (bool, bool) {
    let func = |name: &str, params: &[WasmType], results: &[WasmType]| {
        info.exports
            .iter()
            .any(|e| e.name == name && e.sig.params == params && e.sig.results == results)
    };
    for (malloc, free) in tinybind_abi::ALLOCATORS {
        if func(malloc, &[WasmType::I32], &[WasmType::I32]) {
            return (true, free.is_some_and(|f| func(f, &[WasmType::I32], &[])));
        }
    }
    (false, false)
}

/// A standard Go export whose arguments go into guest memory, in a module
/// that exports no allocator to put them in: the host cannot pass them, so
/// the binding is raw, with a warning that says what to add.
fn require_allocator(guest: &str, f: &mut FunctionModel, warnings: &mut Vec<String>) {
    let Binding::Typed(l) = &f.binding else {
        return;
    };
    if !l.params.iter().any(|p| matches!(p.value, Repr::String | Repr::Bytes)) {
        return;
    }
    warnings.push(format!(
        "guest `{guest}`: export `{}`: `{}` takes strings or byte slices, which the host writes \
         into guest memory through an allocator the guest exports, and this module exports \
         none; the binding uses the raw wasm types {}. Export one from the Go code: \
         `//go:wasmexport malloc` on `func malloc(size uint32) uintptr` that keeps each block in \
         a map until `//go:wasmexport free` on `func free(ptr uintptr)` deletes it",
        f.export,
        f.go.as_deref().unwrap_or_default(),
        f.wasm
    ));
    let names = flat_names(l);
    f.binding = Binding::Raw { names };
    sanitize_params(f);
}

fn startup(info: &ModuleInfo) -> Startup {
    Startup::of_module(info.exports_func("_initialize"), info.exports_func("_start"), info.imports_module("gojs"))
}

fn bind(
    guest: &str,
    export: &ExportedFunc,
    declared: Option<&GoFunc>,
    dwarf: Option<&DwarfFunc>,
    flavour: Flavour,
    scope: &mut Scope,
    warnings: &mut Vec<String>,
) -> FunctionModel {
    let method = scope.unique(names::snake(&export.name));
    let raw_names = |names: Option<Vec<String>>| {
        let names = names.filter(|n| n.len() == export.sig.params.len());
        names.unwrap_or_else(|| (0..export.sig.params.len()).map(|i| format!("arg{i}")).collect())
    };
    let mut f = FunctionModel {
        export: export.name.clone(),
        aliases: Vec::new(),
        method,
        wasm: export.sig.clone(),
        go: None,
        go_location: None,
        go_doc: String::new(),
        evidence: Evidence::WasmOnly,
        binding: Binding::Raw { names: raw_names(None) },
    };

    if let Some(go) = declared {
        let lowered = lower::lower_matching(go, flavour, &export.sig).map(|l| {
            let check = results_check::check(&l, export);
            (l, check)
        });
        match lowered {
            Ok((l, check)) if l.wasm == export.sig && !matches!(check, ResultsCheck::Contradicted(_)) => {
                f.go = Some(go.signature());
                f.go_location = Some(go.location.clone());
                f.go_doc = go.doc.clone();
                f.evidence = match check {
                    ResultsCheck::Unverified => Evidence::GoSourceUnverified,
                    _ => Evidence::GoSource,
                };
                f.binding = Binding::Typed(l);
                sanitize_params(&mut f);
                return f;
            }
            // A source that contradicts the binary is not used at all: the
            // binding rests on the next evidence, DWARF or the wasm types.
            // Here, results the export's code does not write as declared.
            Ok((l, ResultsCheck::Contradicted(why))) if l.wasm == export.sig => warnings.push(format!(
                "guest `{guest}`: export `{}`: the Go source ({}) says `{}`, but {why}; the \
                 source does not match this binary (rebuild the .wasm if the source changed), \
                 so it is not used and the binding rests on {}",
                export.name,
                go.location,
                go.signature(),
                if dwarf.is_some() { "DWARF" } else { "the raw wasm types" }
            )),
            // Here, a different wasm type.
            Ok((l, _)) => warnings.push(format!(
                "guest `{guest}`: export `{}`: the Go source ({}) says `{}`, which lowers to \
                 wasm {} but the module's type is {}; the source does not match this binary \
                 (rebuild the .wasm if the source changed), so it is not used and the binding \
                 rests on {}",
                export.name,
                go.location,
                go.signature(),
                l.wasm,
                export.sig,
                if dwarf.is_some() { "DWARF" } else { "the raw wasm types" }
            )),
            // A declaration that matches but cannot be typed still names
            // the function; its parameters keep their names only where they
            // are one wasm value each.
            Err(reason) => {
                warnings.push(format!(
                    "guest `{guest}`: export `{}`: `{}` ({}) cannot be typed: {reason}; the \
                     binding uses the raw wasm types {}",
                    export.name,
                    go.signature(),
                    go.location,
                    export.sig
                ));
                f.go = Some(go.signature());
                f.go_location = Some(go.location.clone());
                f.go_doc = go.doc.clone();
                f.evidence = Evidence::GoSource;
                let names: Vec<String> = go
                    .params
                    .iter()
                    .enumerate()
                    .map(|(i, p)| p.name.clone().filter(|n| n != "_").unwrap_or_else(|| format!("arg{i}")))
                    .collect();
                f.binding = Binding::Raw {
                    names: raw_names(Some(names)),
                };
                sanitize_params(&mut f);
                return f;
            }
        }
    }

    let Some(d) = dwarf else {
        return f;
    };
    let go = dwarf_func(export, d);
    f.go = Some(go.signature());
    f.go_location = Some("DWARF".to_string());
    f.evidence = Evidence::Dwarf;
    let lowered_params = lower::lower(&go, flavour);
    match lowered_params {
        Ok(mut l) if l.wasm.params == export.sig.params && export.sig.results.len() <= 1 => {
            // DWARF names no result type; the wasm result is taken as it is.
            l.results = match export.sig.results.first() {
                None => Results::None,
                Some(t) => Results::Direct(scalar_of(*t)),
            };
            l.wasm = export.sig.clone();
            f.binding = Binding::Typed(l);
        }
        Ok(l) => {
            let names = flat_names(&l);
            let with_retptr = export.sig.params.len() == names.len() + 1
                && export.sig.params.first() == Some(&WasmType::I32)
                && export.sig.results.is_empty();
            let names = if with_retptr {
                std::iter::once("retptr".to_string()).chain(names).collect()
            } else {
                names
            };
            warnings.push(format!(
                "guest `{guest}`: export `{}`: DWARF gives the parameters `{}` but not the \
                 results{}; the binding uses the raw wasm types {}. {}",
                export.name,
                go.signature(),
                if with_retptr {
                    " (they come through a retptr)"
                } else {
                    ""
                },
                export.sig,
                if declared.is_some() {
                    "The Go declaration beside the module does not match it (see above): rebuild \
                     the .wasm if the Go source changed, or correct the declaration"
                } else {
                    "Add Go declarations beside the module to type it"
                }
            ));
            f.binding = Binding::Raw {
                names: raw_names(Some(names)),
            };
        }
        Err(reason) => {
            f.evidence = Evidence::WasmOnly;
            warnings.push(format!(
                "guest `{guest}`: export `{}`: DWARF signature `{}` cannot be typed: {reason}; \
                 the binding uses the raw wasm types {}",
                export.name,
                go.signature(),
                export.sig
            ));
        }
    }
    sanitize_params(&mut f);
    f
}

/// The Go function DWARF describes, without results (DWARF does not say them).
fn dwarf_func(export: &ExportedFunc, d: &DwarfFunc) -> GoFunc {
    let short = d.name.rsplit('.').next().unwrap_or(&d.name).to_string();
    GoFunc {
        pragma: "export".to_string(),
        export: export.name.clone(),
        module: None,
        body: true,
        declaration: String::new(),
        doc: String::new(),
        name: short,
        params: d
            .params
            .iter()
            .map(|(n, t)| GoParam {
                name: Some(n.clone()).filter(|n| !n.is_empty()),
                written: t.clone(),
                ty: GoType::parse(t),
            })
            .collect(),
        results: Vec::new(),
        location: "DWARF".to_string(),
    }
}

fn scalar_of(t: WasmType) -> Scalar {
    match t {
        WasmType::I64 => Scalar::I64,
        WasmType::F32 => Scalar::F32,
        WasmType::F64 => Scalar::F64,
        _ => Scalar::I32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(wat: &str, go: Option<&str>) -> GuestModel {
        let wasm = wat::parse_str(wat).expect("wat");
        let info = ModuleInfo::parse(&wasm).expect("parses");
        let go = go.map(|g| GoSource::parse(&[("g.go".into(), g.into())]).expect("go"));
        infer("g", "g.wasm", &info, go.as_ref())
    }

    #[test]
    fn aliases_of_runtime_exports_are_hidden() {
        let m = model(
            r#"(module (func $start) (export "_start" (func $start)) (export "cwa_main" (func $start))
                (func $f (result i32) (i32.const 1)) (export "f" (func $f)))"#,
            None,
        );
        let api: Vec<&str> = m.functions.iter().map(|f| f.export.as_str()).collect();
        assert_eq!(api, vec!["f"]);
        assert!(m.runtime_exports.contains(&"cwa_main".to_string()));
    }

    #[test]
    fn a_contradicting_source_is_not_evidence_and_names_no_retptr() {
        // A stale source says the export returns a string (a retptr); the
        // binary takes one i32 and returns nothing.
        let m = model(
            r#"(module (func $t (param i32)) (export "tinygo_test" (func $t)))"#,
            Some("//export tinygo_test\nfunc tinygo_test(a, b int32) string\n"),
        );
        let f = &m.functions[0];
        assert_eq!(f.evidence, Evidence::WasmOnly);
        assert_eq!(f.go, None);
        let Binding::Raw { names } = &f.binding else {
            panic!("raw")
        };
        assert_eq!(names, &vec!["arg0".to_string()]);
        assert!(m.warnings.iter().any(|w| w.contains("does not match this binary")), "{:?}", m.warnings);
    }
}

#[cfg(test)]
mod struct_layout_tests {
    use super::*;

    fn shapes(go: &str) -> GuestModel {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../guest-go/shapes.wasm");
        let wasm = std::fs::read(root).expect("shapes.wasm");
        let info = ModuleInfo::parse(&wasm).expect("parses");
        let go = GoSource::parse(&[("shapes.go".into(), go.into())]).expect("go");
        infer("shapes", "shapes.wasm", &info, Some(&go))
    }

    #[test]
    fn dwarf_describes_the_structs_as_the_layout_rules_do() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../guest-go/shapes.wasm");
        let info = ModuleInfo::parse(&std::fs::read(root).expect("shapes.wasm")).expect("parses");
        let structs = dwarf::structs(&info);
        let b = structs
            .iter()
            .find(|s| s.name == "main.Box")
            .expect("main.Box in DWARF");
        assert_eq!(b.size, Some(24));
        let members: Vec<(&str, Option<u64>)> = b.members.iter().map(|(n, o)| (n.as_str(), *o)).collect();
        assert_eq!(members, [("Min", Some(0)), ("Max", Some(8)), ("Label", Some(16))]);
        let m = shapes("type Point struct{ X, Y int32 }\ntype Box struct {\n\tMin, Max Point\n\tLabel string\n}\n//export area\nfunc area(b Box) int32\n");
        assert!(!m.warnings.iter().any(|w| w.contains("struct `")), "{:?}", m.warnings);
        assert!(matches!(
            m.functions.iter().find(|f| f.export == "area").map(|f| &f.binding),
            Some(Binding::Typed(_))
        ));
    }

    #[test]
    fn a_source_whose_layout_differs_from_dwarf_is_warned_about() {
        // The same six i32s, so the wasm type matches, in another order.
        let m = shapes("type Point struct{ X, Y int32 }\ntype Box struct {\n\tLabel string\n\tMin, Max Point\n}\n//export area\nfunc area(b Box) int32\n");
        let w = m
            .warnings
            .iter()
            .find(|w| w.contains("struct `Box`"))
            .expect("a layout warning");
        assert!(
            w.contains("{Label@0, Min@8, Max@16} (24 bytes)") && w.contains("{Min@0, Max@8, Label@16} (24 bytes)"),
            "{w}"
        );
    }
}

#[cfg(test)]
mod import_evidence_tests {
    use super::*;

    #[test]
    fn a_contradicting_import_declaration_is_not_evidence() {
        let wasm = wat::parse_str(
            r#"(module (import "env" "f" (func $f (param i32))) (memory (export "memory") 1)
                (func (export "g") (call $f (i32.const 1))))"#,
        )
        .expect("wat");
        let info = ModuleInfo::parse(&wasm).expect("parses");
        let go = GoSource::parse(&[(
            "g.go".into(),
            "//go:wasmimport env f\nfunc f(a, b int32)\n\n//export g\nfunc g()\n".into(),
        )])
        .expect("go");
        let m = infer("g", "g.wasm", &info, Some(&go));
        let f = &m.imports[0].func;
        assert_eq!(f.evidence, Evidence::WasmOnly);
        assert_eq!(f.go, None);
        assert_eq!(
            f.binding,
            Binding::Raw {
                names: vec!["arg0".into()]
            }
        );
        assert!(m.warnings.iter().any(|w| w.contains("does not match this binary")), "{:?}", m.warnings);
    }
}
