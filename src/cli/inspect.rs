//! `tinybind inspect`: what the code generator infers for any module.

use std::path::{Path, PathBuf};

use super::builtin::{print_listing, Listed};
use super::target::go_files;

/// `tinybind list FILE`: a module file's functions, as the built-in guests'.
pub fn list(file: &Path, go: &[PathBuf]) -> Result<(), String> {
    let go = go_files(file, go)?;
    let report = tinybind_codegen::inspect_file(file, &go).map_err(|e| e.to_string())?;
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    let functions = report.functions.iter().map(|f| Listed {
        rust: &f.rust,
        go: f.go.as_deref(),
        wasm: &f.wasm,
        evidence: &f.evidence,
    });
    let imports = report.imports.iter().map(|i| {
        let row = Listed {
            rust: &i.rust,
            go: i.go.as_deref(),
            wasm: &i.wasm,
            evidence: &i.evidence,
        };
        (format!("{}.{}", i.module, i.name), row)
    });
    print_listing(&format!("{} ({}, {})", report.guest, report.file, report.compiler), functions, imports);
    Ok(())
}

pub fn inspect(file: &Path, go: &[PathBuf], json: bool) -> Result<(), String> {
    let go = go_files(file, go)?;
    let report = tinybind_codegen::inspect_file(file, &go).map_err(|e| e.to_string())?;
    if json {
        let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        println!("{text}");
        return Ok(());
    }
    println!("guest: {} ({})", report.guest, report.file);
    println!("compiler: {}", report.compiler);
    println!("start-up: {}", report.startup);
    println!("functions:");
    for f in &report.functions {
        println!("  {}  [{}]", f.export, f.evidence);
        println!("      wasm: {}", f.wasm);
        if let Some(go) = &f.go {
            println!("      go:   {go}");
        }
        println!("      rust: {}", f.rust);
        println!("      convention: {}", f.convention);
    }
    if !report.imports.is_empty() {
        println!("imports (host functions):");
    }
    for i in &report.imports {
        println!("  {}.{}  [{}]", i.module, i.name, i.evidence);
        println!("      wasm: {}", i.wasm);
        if let Some(go) = &i.go {
            println!("      go:   {go}");
        }
        println!("      rust: {}", i.rust);
        println!("      convention: {}", i.convention);
    }
    if !report.structs.is_empty() {
        println!("structs:");
    }
    for st in &report.structs {
        let renamed = if st.rust == st.go { String::new() } else { format!(", rust: {}", st.rust) };
        println!("  {}  ({} bytes, align {}{renamed})", st.go, st.size, st.align);
        for f in &st.fields {
            println!("      {} {}  at {}  (rust: {})", f.go, f.go_type, f.offset, f.rust);
        }
    }
    println!("runtime exports (hidden): {}", report.runtime_exports.join(", "));
    for w in &report.warnings {
        println!("warning: {w}");
    }
    Ok(())
}
