//! Interface-only guests: Go declarations with no module beside them. The
//! module they describe is predicted (every export and host import with the
//! wasm type its Go signature lowers to by TinyGo's conventions) and then
//! inferred as any other, so that a module loaded at run time is checked
//! against exactly what the bindings pass.
//!
//! Which declarations are exports and which imports, with no module to say:
//! - `//go:wasmexport NAME`, `//go:export NAME` and an `//export NAME` func
//!   with a body are exports; `//go:wasmimport MODULE NAME` is an import;
//! - a body-less `//export NAME` under a `//go:wasm-module MODULE` is an
//!   import of `MODULE` (the legacy spelling);
//! - any other body-less `//export NAME` is an import of `env` in a Go
//!   program (a file set in which some declared func has a body: TinyGo
//!   reads it so), and an export in declarations only (every func
//!   body-less), as beside a `.wasm`.

use crate::abi::lower;
use crate::abi::repr::Flavour;
use crate::go::{GoFunc, GoSource};
use crate::model::guest::{Evidence, GuestModel};
use crate::model::infer::infer;
use crate::wasm::{ExportedFunc, Import, ModuleInfo};

/// The model of an interface-only guest.
pub fn infer_interface(name: &str, file: &str, go: &GoSource) -> GuestModel {
    let mut warnings = Vec::new();
    let info = predicted_module(name, go, &mut warnings);
    let mut m = infer(name, file, &info, Some(go));
    warnings.append(&mut m.warnings);
    m.warnings = warnings;
    m.interface_only = true;
    m.compiler = "none: an interface, for modules built with TinyGo's conventions".to_string();
    for f in m.functions.iter_mut().chain(m.imports.iter_mut().map(|i| &mut i.func)) {
        if matches!(f.evidence, Evidence::GoSource | Evidence::GoSourceUnverified) {
            f.evidence = Evidence::Interface;
        }
    }
    m
}

/// Whether a declaration is an import in this file set.
fn is_import(go: &GoSource, f: &GoFunc) -> bool {
    let program = go.funcs.iter().any(|f| f.body);
    f.pragma == "export" && !f.body && (f.module.is_some() || program)
}

/// The module the declarations describe: exports and imports in the order
/// declared, typed by the lowering. A declaration that cannot be lowered
/// is left out, with a warning.
fn predicted_module(guest: &str, go: &GoSource, warnings: &mut Vec<String>) -> ModuleInfo {
    let mut info = ModuleInfo::default();
    let mut lowered = |f: &GoFunc| match lower::lower(f, Flavour::TinyGo) {
        Ok(l) => Some(l.wasm),
        Err(reason) => {
            warnings.push(format!(
                "guest `{guest}`: `{}` ({}) cannot be part of the interface: {reason}; it is \
                 left out",
                f.signature(),
                f.location
            ));
            None
        }
    };
    // Imports in the order declared, whichever spelling declares them.
    let mut imports: Vec<(&GoFunc, Import)> = Vec::new();
    for f in &go.funcs {
        let Some(sig) = lowered(f) else { continue };
        if is_import(go, f) {
            let module = f.module.clone().unwrap_or_else(|| "env".to_string());
            imports.push((
                f,
                Import {
                    module,
                    name: f.export.clone(),
                    sig: Some(sig),
                },
            ));
        } else if !info.exports_func(&f.export) {
            info.exports.push(ExportedFunc {
                name: f.export.clone(),
                func_index: info.exports.len() as u32,
                sig,
                retptr_writes: None,
            });
        }
    }
    for f in &go.imports {
        let Some(sig) = lowered(f) else { continue };
        let module = f.module.clone().unwrap_or_default();
        imports.push((
            f,
            Import {
                module,
                name: f.export.clone(),
                sig: Some(sig),
            },
        ));
    }
    imports.sort_by_key(|(f, _)| declared_at(&f.location));
    info.imports = imports.into_iter().map(|(_, i)| i).collect();
    info
}

/// A `file:line` location as (file, line), to sort by.
fn declared_at(location: &str) -> (&str, u32) {
    match location.rsplit_once(':') {
        Some((file, line)) => (file, line.parse().unwrap_or(0)),
        None => (location, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::guest::Binding;

    fn model(text: &str) -> GuestModel {
        let go = GoSource::parse(&[("plug.go".into(), text.into())]).expect("parses");
        infer_interface("plug", "plug.go", &go)
    }

    #[test]
    fn declarations_only_give_exports_and_wasmimports() {
        let m = model(
            "package main\n\
             //go:wasmimport env log\nfunc log(message string)\n\
             //export transform\nfunc transform(line string) string\n\
             //export version\nfunc version() int32\n",
        );
        let exports: Vec<(String, String)> = m
            .functions
            .iter()
            .map(|f| (f.export.clone(), f.wasm.to_string()))
            .collect();
        assert_eq!(
            exports,
            vec![
                ("transform".to_string(), "(i32, i32, i32) -> ()".to_string()),
                ("version".to_string(), "() -> (i32)".to_string()),
            ]
        );
        assert!(m
            .functions
            .iter()
            .all(|f| f.evidence == Evidence::Interface && matches!(f.binding, Binding::Typed(_))));
        assert_eq!(m.imports.len(), 1);
        assert_eq!(m.imports[0].qualified(), "env.log");
        assert_eq!(m.imports[0].func.wasm.to_string(), "(i32, i32) -> ()");
        assert!(m.interface_only);
        assert_eq!(m.retptr_size(), 8);
        assert!(m.warnings.is_empty(), "{:?}", m.warnings);
    }

    #[test]
    fn in_a_program_a_body_less_export_is_a_legacy_import() {
        let m = model(
            "package main\n\
             //export lookup\nfunc lookup(key string) string\n\
             //go:wasm-module store\n//export put\nfunc put(key, value string)\n\
             //export describe\nfunc describe(key string) string { return lookup(key) }\n\
             func main() {}\n",
        );
        let exports: Vec<&str> = m.functions.iter().map(|f| f.export.as_str()).collect();
        assert_eq!(exports, vec!["describe"]);
        let imports: Vec<(String, String)> = m
            .imports
            .iter()
            .map(|i| (i.qualified(), i.func.wasm.to_string()))
            .collect();
        assert_eq!(
            imports,
            vec![
                ("env.lookup".to_string(), "(i32, i32, i32) -> ()".to_string()),
                ("store.put".to_string(), "(i32, i32, i32, i32) -> ()".to_string()),
            ]
        );
    }

    #[test]
    fn a_declaration_that_cannot_be_lowered_is_left_out_with_a_warning() {
        let m = model("//export count\nfunc count(m map[string]int) int32\n//export ok\nfunc ok() int32\n");
        assert_eq!(m.functions.len(), 1);
        assert!(m
            .warnings
            .iter()
            .any(|w| w.contains("cannot be part of the interface") && w.contains("map[string]int")));
    }
}
