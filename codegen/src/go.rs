//! Go evidence: the exported and imported function declarations of a guest's
//! Go source (full source or declarations only), and the Go types they use.
//!
//! This is not a Go parser. It reads what a binding needs: the pragmas
//! (`//export X`, `//go:export X`, `//go:wasmexport X`, `//go:wasmimport M X`
//! and `//go:wasm-module M`), the `func` signature that follows them, whether
//! it has a body, and simple `type Name Underlying` declarations so that a
//! local named type such as `type Action uint32` can be lowered.
//!
//! A body-less func under `//export X` is how TinyGo spells an import (the
//! legacy spelling) and also how a declarations-only file declares an export;
//! `model` decides which one it is from the module's imports and exports.

use std::collections::HashMap;
use std::fmt;

/// A Go type, as far as bindings care.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GoType {
    Bool,
    Int,
    Int8,
    Int16,
    Int32,
    Int64,
    Uint,
    Uint8,
    Uint16,
    Uint32,
    Uint64,
    Uintptr,
    Float32,
    Float64,
    String,
    UnsafePointer,
    Pointer(Box<GoType>),
    Slice(Box<GoType>),
    /// `interface{...}`, `any` or `error`: a (typecode, value) pair.
    Interface(String),
    /// A type the bindings cannot lower: a named type from another package,
    /// a map, a channel, a function, an array, a struct. Kept as written.
    Other(String),
}

impl GoType {
    /// Parses a type expression as written in Go source.
    pub fn parse(text: &str) -> GoType {
        let t = text.trim();
        match t {
            "bool" => GoType::Bool,
            "int" => GoType::Int,
            "int8" => GoType::Int8,
            "int16" => GoType::Int16,
            "int32" | "rune" => GoType::Int32,
            "int64" => GoType::Int64,
            "uint" => GoType::Uint,
            "uint8" | "byte" => GoType::Uint8,
            "uint16" => GoType::Uint16,
            "uint32" => GoType::Uint32,
            "uint64" => GoType::Uint64,
            "uintptr" => GoType::Uintptr,
            "float32" => GoType::Float32,
            "float64" => GoType::Float64,
            "string" => GoType::String,
            "unsafe.Pointer" => GoType::UnsafePointer,
            "error" | "any" => GoType::Interface(t.to_string()),
            _ => {
                if let Some(rest) = t.strip_prefix("[]") {
                    GoType::Slice(Box::new(GoType::parse(rest)))
                } else if let Some(rest) = t.strip_prefix('*') {
                    GoType::Pointer(Box::new(GoType::parse(rest)))
                } else if t.starts_with("interface") {
                    GoType::Interface(t.to_string())
                } else {
                    GoType::Other(t.to_string())
                }
            }
        }
    }

    /// Replaces local named types by what they are declared as
    /// (`type Action uint32`), as far as the declarations go.
    pub fn resolve(self, named: &HashMap<String, String>) -> GoType {
        self.resolve_depth(named, 0)
    }

    fn resolve_depth(self, named: &HashMap<String, String>, depth: u32) -> GoType {
        match self {
            GoType::Other(name) if depth < 16 => match named.get(&name) {
                Some(under) => GoType::parse(under).resolve_depth(named, depth + 1),
                None => GoType::Other(name),
            },
            GoType::Slice(t) => GoType::Slice(Box::new(t.resolve_depth(named, depth + 1))),
            other => other,
        }
    }
}

/// One parameter or result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoParam {
    pub name: Option<String>,
    /// The type as written in the source.
    pub written: String,
    /// The type after local named types are resolved.
    pub ty: GoType,
}

/// A Go function declared under an export or import pragma.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoFunc {
    /// `export`, `go:export`, `go:wasmexport` or `go:wasmimport`.
    pub pragma: String,
    /// The wasm name, from the pragma: the export's, or the import's.
    pub export: String,
    /// The import module: from `//go:wasmimport MODULE NAME`, or from a
    /// `//go:wasm-module MODULE` beside an `//export` pragma.
    pub module: Option<String>,
    /// Whether the declaration has a body (a body-less `//export` func is
    /// an import, or an export declared without its code).
    pub body: bool,
    /// The declaration as written, up to its body, on one line.
    pub declaration: String,
    /// The Go function's own name.
    pub name: String,
    pub params: Vec<GoParam>,
    pub results: Vec<GoParam>,
    /// Where it was found, as `file:line`.
    pub location: String,
}

impl GoFunc {
    /// The signature with every parameter named and typed on its own:
    /// `func concatenate(a string, b string) string`.
    pub fn signature(&self) -> String {
        let params = self
            .params
            .iter()
            .map(|p| match &p.name {
                Some(n) => format!("{n} {}", p.written),
                None => p.written.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let results = match self.results.as_slice() {
            [] => String::new(),
            [one] if one.name.is_none() => format!(" {}", one.written),
            many => format!(
                " ({})",
                many.iter()
                    .map(|p| match &p.name {
                        Some(n) => format!("{n} {}", p.written),
                        None => p.written.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        format!("func {}({params}){results}", self.name)
    }
}

impl fmt::Display for GoFunc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.signature())
    }
}

/// The Go evidence of one guest: its declared functions.
#[derive(Clone, Debug, Default)]
pub struct GoSource {
    /// Functions under `//export`, `//go:export` or `//go:wasmexport`.
    pub funcs: Vec<GoFunc>,
    /// Functions under `//go:wasmimport MODULE NAME`.
    pub imports: Vec<GoFunc>,
    /// `type Name Underlying` declarations.
    pub named_types: HashMap<String, String>,
}

impl GoSource {
    /// Reads the exports of one or more Go files (`(file name, text)` pairs).
    pub fn parse(files: &[(String, String)]) -> Result<GoSource, String> {
        let mut source = GoSource::default();
        for (_, text) in files {
            collect_named_types(text, &mut source.named_types);
        }
        for (file, text) in files {
            source.parse_file(file, text)?;
        }
        let named = source.named_types.clone();
        for func in source.funcs.iter_mut().chain(source.imports.iter_mut()) {
            for p in func.params.iter_mut().chain(func.results.iter_mut()) {
                p.ty = std::mem::replace(&mut p.ty, GoType::Bool).resolve(&named);
            }
        }
        Ok(source)
    }

    pub fn find(&self, export: &str) -> Option<&GoFunc> {
        self.funcs.iter().find(|f| f.export == export)
    }

    /// The `//go:wasmimport MODULE NAME` declaration of an import.
    pub fn find_wasmimport(&self, module: &str, name: &str) -> Option<&GoFunc> {
        self.imports
            .iter()
            .find(|f| f.export == name && f.module.as_deref() == Some(module))
    }

    /// A body-less `//export NAME` declaration that names the import
    /// `module.name`: the legacy spelling, module `env` unless a
    /// `//go:wasm-module` says otherwise.
    pub fn find_legacy_import(&self, module: &str, name: &str) -> Option<&GoFunc> {
        self.funcs.iter().find(|f| {
            !f.body
                && f.pragma != "go:wasmexport"
                && f.export == name
                && f.module.as_deref().unwrap_or("env") == module
        })
    }

    fn parse_file(&mut self, file: &str, text: &str) -> Result<(), String> {
        let lines: Vec<&str> = text.lines().collect();
        let mut i = 0;
        while i < lines.len() {
            let line = lines[i].trim();
            i += 1;
            let first = match parse_pragma(line) {
                Some(p @ (Pragma::Export { .. } | Pragma::WasmImport { .. })) => p,
                _ => continue,
            };
            // The declaration follows, possibly after more comments; the
            // comment block around the pragma may hold more pragmas.
            let mut j = i;
            while j < lines.len() && is_comment_or_blank(lines[j]) {
                j += 1;
            }
            let Some(decl_line) = lines.get(j) else {
                return Err(format!(
                    "{file}:{i}: `{}` is not followed by a func declaration",
                    line
                ));
            };
            if !decl_line.trim_start().starts_with("func ") {
                // A pragma above something else (an import, a variable) is
                // not about a function.
                continue;
            }
            let mut block_start = i - 1;
            while block_start > 0 && lines[block_start - 1].trim().starts_with("//") {
                block_start -= 1;
            }
            let pragmas: Vec<Pragma> = lines[block_start..j]
                .iter()
                .filter_map(|l| parse_pragma(l.trim()))
                .collect();
            let wasm_module = pragmas.iter().find_map(|p| match p {
                Pragma::WasmModule(m) => Some(m.clone()),
                _ => None,
            });
            let import = pragmas.iter().find_map(|p| match p {
                Pragma::WasmImport { module, name } => Some((module.clone(), name.clone())),
                _ => None,
            });
            let (pragma, name, module) = match (&import, first) {
                (Some((module, name)), _) => {
                    ("go:wasmimport".to_string(), name.clone(), Some(module.clone()))
                }
                (None, Pragma::Export { pragma, name }) => (pragma, name, wasm_module),
                (None, _) => continue,
            };
            let (decl, body) = gather_signature(&lines[j..]);
            let location = format!("{file}:{}", j + 1);
            let func = parse_func(&pragma, &name, &decl)
                .map_err(|e| format!("{location}: {e}: `{}`", decl.trim()))?;
            let func = GoFunc {
                location,
                module,
                body,
                declaration: decl.split_whitespace().collect::<Vec<_>>().join(" "),
                ..func
            };
            i = j + 1;
            if func.pragma == "go:wasmimport" {
                // A second declaration of one import adds nothing.
                if self.find_wasmimport(func.module.as_deref().unwrap_or(""), &func.export).is_none() {
                    self.imports.push(func);
                }
                continue;
            }
            if self.funcs.iter().any(|f| f.export == func.export) {
                return Err(format!(
                    "{}: export `{}` is declared twice",
                    func.location, func.export
                ));
            }
            self.funcs.push(func);
        }
        Ok(())
    }
}

fn is_comment_or_blank(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with("//")
}

/// A pragma comment this module reads.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Pragma {
    /// `//export NAME`, `//go:export NAME` or `//go:wasmexport NAME`.
    Export { pragma: String, name: String },
    /// `//go:wasmimport MODULE NAME` (TinyGo ignores it with other arities).
    WasmImport { module: String, name: String },
    /// `//go:wasm-module MODULE`, the module of a legacy import.
    WasmModule(String),
}

/// Recognises the pragmas of exports and imports.
fn parse_pragma(line: &str) -> Option<Pragma> {
    let rest = line.strip_prefix("//")?;
    for pragma in ["go:wasmimport", "go:wasm-module", "go:wasmexport", "go:export", "export"] {
        let Some(args) = rest.strip_prefix(pragma) else {
            continue;
        };
        if !args.starts_with([' ', '\t']) {
            continue;
        }
        let args: Vec<&str> = args.split_whitespace().collect();
        return match (pragma, args.as_slice()) {
            ("go:wasmimport", [module, name]) => Some(Pragma::WasmImport {
                module: module.to_string(),
                name: name.to_string(),
            }),
            ("go:wasmimport", _) => None,
            ("go:wasm-module", [module, ..]) => Some(Pragma::WasmModule(module.to_string())),
            (_, [name, ..]) => Some(Pragma::Export {
                pragma: pragma.to_string(),
                name: name.to_string(),
            }),
            _ => None,
        };
    }
    None
}

/// Joins the lines of a func declaration up to its body or end; says
/// whether a body follows.
fn gather_signature(lines: &[&str]) -> (String, bool) {
    let mut out = String::new();
    let mut depth = 0i32;
    for line in lines {
        let code = strip_line_comment(line);
        for ch in code.chars() {
            match ch {
                '(' | '[' => depth += 1,
                ')' | ']' => depth -= 1,
                // A brace at depth 0 opens the body, unless it belongs to an
                // `interface{}` or `struct{...}` type.
                '{' if depth == 0
                    && !out.trim_end().ends_with("interface")
                    && !out.trim_end().ends_with("struct") =>
                {
                    return (out, true);
                }
                _ => {}
            }
            out.push(ch);
        }
        if depth <= 0 {
            break;
        }
        out.push(' ');
    }
    (out, false)
}

fn strip_line_comment(line: &str) -> &str {
    match line.find("//") {
        Some(i) => &line[..i],
        None => line,
    }
}

/// Parses `func name(params) results`.
fn parse_func(pragma: &str, export: &str, decl: &str) -> Result<GoFunc, String> {
    let rest = decl
        .trim()
        .strip_prefix("func")
        .ok_or("not a func declaration")?
        .trim_start();
    if rest.starts_with('(') {
        return Err("a method cannot be exported".into());
    }
    let open = rest.find('(').ok_or("no parameter list")?;
    let name = rest[..open].trim();
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Err(format!("`{name}` is not a function name"));
    }
    let close = matching_paren(rest, open).ok_or("unbalanced parentheses")?;
    let params = parse_list(&rest[open + 1..close])?;
    let tail = rest[close + 1..].trim();
    let results = if tail.is_empty() {
        Vec::new()
    } else if tail.starts_with('(') {
        let end = matching_paren(tail, 0).ok_or("unbalanced result parentheses")?;
        if !tail[end + 1..].trim().is_empty() {
            return Err("unexpected text after the results".into());
        }
        parse_list(&tail[1..end])?
    } else {
        vec![GoParam {
            name: None,
            written: tail.to_string(),
            ty: GoType::parse(tail),
        }]
    };
    Ok(GoFunc {
        pragma: pragma.to_string(),
        export: export.to_string(),
        module: None,
        body: false,
        declaration: String::new(),
        name: name.to_string(),
        params,
        results,
        location: String::new(),
    })
}

fn matching_paren(s: &str, open: usize) -> Option<usize> {
    let mut depth = 0i32;
    for (i, ch) in s.char_indices().skip_while(|(i, _)| *i < open) {
        match ch {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits at top-level commas.
fn split_top(s: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut current = String::new();
    for ch in s.chars() {
        match ch {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(ch);
    }
    parts.push(current);
    parts
        .into_iter()
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

/// Parses a parameter or result list with Go's grouping rule: either every
/// entry is named (`a, b string, c int`) or none is (`int, string`).
fn parse_list(s: &str) -> Result<Vec<GoParam>, String> {
    let entries = split_top(s);
    let named = entries.iter().any(|e| split_name_type(e).is_some());
    if !named {
        return Ok(entries
            .into_iter()
            .map(|e| GoParam {
                name: None,
                ty: GoType::parse(&e),
                written: e,
            })
            .collect());
    }
    let mut out = Vec::new();
    let mut pending: Vec<String> = Vec::new();
    for e in entries {
        match split_name_type(&e) {
            Some((name, ty)) => {
                for n in pending.drain(..).chain(std::iter::once(name.to_string())) {
                    out.push(GoParam {
                        name: Some(n),
                        written: ty.to_string(),
                        ty: GoType::parse(ty),
                    });
                }
            }
            None => {
                if !is_identifier(&e) {
                    return Err(format!("`{e}` mixes named and unnamed parameters"));
                }
                pending.push(e);
            }
        }
    }
    if !pending.is_empty() {
        return Err(format!("`{}` has no type", pending.join(", ")));
    }
    if out.iter().any(|p| p.written.starts_with("...")) {
        return Err("variadic parameters cannot be exported".into());
    }
    Ok(out)
}

/// `name Type` splits into its parts; a lone type does not.
fn split_name_type(entry: &str) -> Option<(&str, &str)> {
    let (first, rest) = entry.split_once(' ')?;
    if !is_identifier(first) {
        return None;
    }
    Some((first, rest.trim()))
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// Collects `type Name Underlying` lines, single or in a `type ( ... )` block.
fn collect_named_types(text: &str, out: &mut HashMap<String, String>) {
    let mut in_block = false;
    for line in text.lines() {
        let code = strip_line_comment(line).trim();
        if in_block {
            if code == ")" {
                in_block = false;
            } else {
                add_type_spec(code, out);
            }
        } else if code == "type (" {
            in_block = true;
        } else if let Some(spec) = code.strip_prefix("type ") {
            add_type_spec(spec, out);
        }
    }
}

fn add_type_spec(spec: &str, out: &mut HashMap<String, String>) {
    let Some((name, under)) = spec.split_once(char::is_whitespace) else {
        return;
    };
    // `type A = B` is an alias; `type S struct {` opens a struct.
    let under = under.trim().trim_start_matches('=').trim();
    if is_identifier(name) && !under.is_empty() && !under.ends_with('{') {
        out.insert(name.to_string(), under.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> GoSource {
        GoSource::parse(&[("guest.go".to_string(), text.to_string())]).expect("parses")
    }

    #[test]
    fn grouped_names_share_a_type() {
        let src = parse("//export concatenate\nfunc concatenate(a, b string) string {\n\treturn a + b\n}\n");
        let f = src.find("concatenate").expect("found");
        assert_eq!(f.signature(), "func concatenate(a string, b string) string");
        assert_eq!(f.params[1].ty, GoType::String);
    }

    #[test]
    fn declarations_only_and_named_results() {
        let src = parse(
            "package main\n\n//go:wasmexport divmod\nfunc divmod(a, b int32) (q, r int32)\n",
        );
        let f = src.find("divmod").expect("found");
        assert_eq!(f.pragma, "go:wasmexport");
        assert_eq!(f.results.len(), 2);
        assert_eq!(f.results[1].name.as_deref(), Some("r"));
        assert_eq!(f.signature(), "func divmod(a int32, b int32) (q int32, r int32)");
    }

    #[test]
    fn export_name_comes_from_the_pragma() {
        let src = parse("//go:export proxy_on_tick\nfunc ProxyOnTick(rootContextID uint32) {}\n");
        let f = src.find("proxy_on_tick").expect("found");
        assert_eq!(f.name, "ProxyOnTick");
        assert_eq!(f.pragma, "go:export");
    }

    #[test]
    fn unnamed_results_and_blank_params() {
        let src = parse("//export f\nfunc f(_, id uint32, data []byte) (int, string, bool) { return 0, \"\", false }\n");
        let f = src.find("f").expect("found");
        assert_eq!(f.params.len(), 3);
        assert_eq!(f.params[2].ty, GoType::Slice(Box::new(GoType::Uint8)));
        assert_eq!(f.results.len(), 3);
        assert_eq!(f.signature(), "func f(_ uint32, id uint32, data []byte) (int, string, bool)");
    }

    #[test]
    fn multi_line_signature_with_trailing_comma() {
        let src = parse("//export g\nfunc g(\n\ta int64,\n\tb *byte,\n) uint64 {\n}\n");
        let f = src.find("g").expect("found");
        assert_eq!(f.signature(), "func g(a int64, b *byte) uint64");
        assert_eq!(f.params[1].ty, GoType::Pointer(Box::new(GoType::Uint8)));
    }

    #[test]
    fn local_named_types_resolve() {
        let src = parse("type (\n\tAction uint32\n\tStatus = Action\n)\ntype Other pkg.Thing\n//export h\nfunc h(a Action) Status\n//export k\nfunc k(o Other)\n");
        assert_eq!(src.find("h").expect("h").params[0].ty, GoType::Uint32);
        assert_eq!(src.find("h").expect("h").results[0].ty, GoType::Uint32);
        assert_eq!(
            src.find("k").expect("k").params[0].ty,
            GoType::Other("pkg.Thing".into())
        );
    }

    #[test]
    fn other_comments_and_wasmimport_are_not_exports() {
        let src = parse("// export this is prose\n//go:wasmimport env log\nfunc log(p, n uint32)\n//export\nfunc x()\n");
        assert!(src.funcs.is_empty());
        assert_eq!(src.imports.len(), 1);
    }

    #[test]
    fn wasmimport_declarations_are_imports() {
        let src = parse("//go:wasmimport http_handler get_uri\nfunc getURI(ptr uint32, limit BufLimit) (len uint32)\n//go:wasmimport env\nfunc ignored()\n");
        let f = src.find_wasmimport("http_handler", "get_uri").expect("declared");
        assert_eq!(f.name, "getURI");
        assert_eq!(f.pragma, "go:wasmimport");
        assert!(!f.body);
        assert!(src.find_wasmimport("env", "get_uri").is_none());
        // One argument: TinyGo ignores the pragma, and so does this.
        assert_eq!(src.imports.len(), 1);
    }

    #[test]
    fn legacy_imports_take_their_module_from_wasm_module() {
        let src = parse("//go:wasm-module env\n//export log\nfunc _log(ptr, size uint32)\n\n//export lookup\n//go:wasm-module kv\nfunc lookup(key string) string\n\n//export greet\nfunc greet(name string) {\n}\n");
        let log = src.find_legacy_import("env", "log").expect("log");
        assert_eq!(log.name, "_log");
        assert_eq!(log.module.as_deref(), Some("env"));
        assert!(src.find_legacy_import("kv", "lookup").is_some());
        assert!(src.find_legacy_import("env", "lookup").is_none());
        // A func with a body is an export, never an import.
        assert!(src.find("greet").expect("greet").body);
        assert!(src.find_legacy_import("env", "greet").is_none());
    }

    #[test]
    fn types_parse() {
        assert_eq!(GoType::parse("rune"), GoType::Int32);
        assert_eq!(GoType::parse("[]uint8"), GoType::Slice(Box::new(GoType::Uint8)));
        assert_eq!(GoType::parse("error"), GoType::Interface("error".into()));
        assert_eq!(GoType::parse("map[string]int"), GoType::Other("map[string]int".into()));
        assert_eq!(GoType::parse("unsafe.Pointer"), GoType::UnsafePointer);
    }

    #[test]
    fn errors_name_the_place() {
        let err = GoSource::parse(&[("x.go".into(), "//export f\nfunc f(a int, b) {}\n".into())])
            .expect_err("untyped");
        assert!(err.starts_with("x.go:2:"), "{err}");
    }
}
