//! Go evidence: the exported and imported function declarations of a guest's
//! Go source (full source or declarations only), and the Go types they use.
//!
//! Declarations are read from Go tokens (`lex`), grouped as Go's own parser
//! groups them: the doc comment right above a top-level `func` holds its
//! pragmas (`//export X`, `//go:export X`, `//go:wasmexport X`,
//! `//go:wasmimport M X` and `//go:wasm-module M`), the signature runs to the
//! body's `{` or the end of the line, and `type` declarations, single or
//! grouped, give the local named types (`type Action uint32`,
//! `type Box struct {...}`) that signatures use (`types`). Function bodies
//! and everything else are skipped bracket by bracket: this is not a full Go
//! parser, and expressions and statements are never read.
//!
//! A body-less func under `//export X` is how TinyGo spells an import (the
//! legacy spelling) and also how a declarations-only file declares an export;
//! `model` decides which one it is from the module's imports and exports.

mod lex;
mod types;

use std::collections::HashMap;
use std::fmt;

pub use types::{GoField, GoType};

use lex::{skip_group, Kind, Token};
use types::{squash, TypeParser};

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
    /// Its doc comment, without the comment markers and the pragmas (empty
    /// when it has none).
    pub doc: String,
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
    /// `type Name Underlying` declarations, as parsed (not resolved).
    pub named_types: HashMap<String, GoType>,
    /// Where and how each named type is declared.
    pub type_decls: HashMap<String, TypeDecl>,
    /// Pragmas that are not in the doc comment of a top-level func, which
    /// TinyGo ignores: each as a warning.
    pub stray_pragmas: Vec<String>,
}

/// A `type` declaration as written, for documentation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeDecl {
    /// `type Box struct { ... }`, verbatim.
    pub declaration: String,
    /// `file:line`.
    pub location: String,
    /// Its doc comment, as for [`GoFunc::doc`].
    pub doc: String,
}

impl GoSource {
    /// Reads the exports of one or more Go files (`(file name, text)` pairs).
    pub fn parse(files: &[(String, String)]) -> Result<GoSource, String> {
        let mut source = GoSource::default();
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
            !f.body && f.pragma != "go:wasmexport" && f.export == name && f.module.as_deref().unwrap_or("env") == module
        })
    }

    fn parse_file(&mut self, file: &str, text: &str) -> Result<(), String> {
        let all = lex::tokens(text);
        let code: Vec<Token<'_>> = all.iter().filter(|t| t.kind != Kind::Comment).cloned().collect();
        let comments: Vec<&Token<'_>> = all.iter().filter(|t| t.kind == Kind::Comment).collect();
        let mut i = 0;
        let mut attached = std::collections::HashSet::new();
        while i < code.len() {
            let t = &code[i];
            if t.kind == Kind::Ident && t.text == "func" {
                attached.extend(doc_comments(&comments, &code, t).iter().map(|c| c.start));
                i = self.func_decl(file, text, &code, &comments, i)?;
            } else if t.kind == Kind::Ident && t.text == "type" {
                i = self.type_decl(file, text, &code, &comments, i + 1);
            } else if t.kind == Kind::Op && matches!(t.text, "(" | "[" | "{") {
                i = skip_group(&code, i);
            } else {
                i += 1;
            }
        }
        for c in &comments {
            let pragma = parse_pragma(c.text.trim_end());
            if matches!(pragma, Some(Pragma::Export { .. } | Pragma::WasmImport { .. })) && !attached.contains(&c.start)
            {
                self.stray_pragmas.push(format!(
                    "{file}:{}: `{}` is not in the comment right above a top-level func, so \
                     TinyGo ignores it",
                    c.line,
                    c.text.trim_end()
                ));
            }
        }
        Ok(())
    }

    /// Reads the top-level func at `code[at]`; returns where to go on.
    fn func_decl(
        &mut self,
        file: &str,
        text: &str,
        code: &[Token<'_>],
        comments: &[&Token<'_>],
        at: usize,
    ) -> Result<usize, String> {
        let func = &code[at];
        // The signature runs to the body's `{` or the end of the declaration.
        let mut j = at + 1;
        let mut body = false;
        while j < code.len() {
            let t = &code[j];
            match (t.kind, t.text) {
                (Kind::Semi, _) => break,
                (Kind::Op, "{") => {
                    let type_body = code[j - 1].is("struct") || code[j - 1].is("interface");
                    if !type_body {
                        body = true;
                        break;
                    }
                    j = skip_group(code, j);
                }
                (Kind::Op, "(" | "[") => j = skip_group(code, j),
                _ => j += 1,
            }
        }
        let next = if body { skip_group(code, j) } else { j + 1 };
        // A method (`func (r T) m()`) is never exported.
        if code.get(at + 1).is_some_and(|t| t.is("(")) {
            return Ok(next);
        }
        let pragmas: Vec<Pragma> = doc_comments(comments, code, func)
            .iter()
            .filter_map(|c| parse_pragma(c.text.trim_end()))
            .collect();
        let wasm_module = pragmas.iter().find_map(|p| match p {
            Pragma::WasmModule(m) => Some(m.clone()),
            _ => None,
        });
        let import = pragmas.iter().find_map(|p| match p {
            Pragma::WasmImport { module, name } => Some((module.clone(), name.clone())),
            _ => None,
        });
        let export = pragmas.iter().find_map(|p| match p {
            Pragma::Export { pragma, name } => Some((pragma.clone(), name.clone())),
            _ => None,
        });
        let (pragma, name, module) = match (import, export) {
            (Some((module, name)), _) => ("go:wasmimport".to_string(), name, Some(module)),
            (None, Some((pragma, name))) => (pragma, name, wasm_module),
            (None, None) => return Ok(next),
        };
        let end = code[at..j.min(code.len())]
            .last()
            .map_or(func.start, |t| t.start + t.text.len());
        let decl = without_comments(text, func.start, end, comments);
        let location = format!("{file}:{}", func.line);
        let parsed = parse_func(&pragma, &name, &decl).map_err(|e| format!("{location}: {e}: `{decl}`"))?;
        let func = GoFunc {
            location,
            module,
            body,
            declaration: decl,
            doc: doc_text(&doc_comments(comments, code, func)),
            ..parsed
        };
        if func.pragma == "go:wasmimport" {
            // A second declaration of one import adds nothing.
            if self
                .find_wasmimport(func.module.as_deref().unwrap_or(""), &func.export)
                .is_none()
            {
                self.imports.push(func);
            }
            return Ok(next);
        }
        if self.funcs.iter().any(|f| f.export == func.export) {
            return Err(format!("{}: export `{}` is declared twice", func.location, func.export));
        }
        self.funcs.push(func);
        Ok(next)
    }

    /// Reads the spec, or the group of specs, after a top-level `type`;
    /// returns where to go on.
    fn type_decl(&mut self, file: &str, text: &str, code: &[Token<'_>], comments: &[&Token<'_>], at: usize) -> usize {
        if !code.get(at).is_some_and(|t| t.is("(")) {
            // `type Name ...`: the doc comment is above `type`.
            let doc = at
                .checked_sub(1)
                .map(|t| doc_text(&doc_comments(comments, code, &code[t])));
            return self.type_spec(file, text, code, at, doc.unwrap_or_default());
        }
        let end = skip_group(code, at);
        // The specs, without the group's closing `)`.
        let inner = &code[..end.saturating_sub(1).max(at + 1)];
        let mut i = at + 1;
        while i < inner.len() {
            if inner[i].kind == Kind::Semi {
                i += 1;
                continue;
            }
            let doc = doc_text(&doc_comments(comments, code, &inner[i]));
            i = self.type_spec(file, text, inner, i, doc).max(i + 1);
        }
        end
    }

    /// One `Name [=] Type` spec at `code[at]`; returns the index after it.
    fn type_spec(&mut self, file: &str, text: &str, code: &[Token<'_>], at: usize, doc: String) -> usize {
        let Some(name) = code.get(at).filter(|t| t.kind == Kind::Ident) else {
            return at + 1;
        };
        let mut i = at + 1;
        // Type parameters (`type List[T any] ...`), unlike an array length,
        // are an identifier followed by a constraint: a generic type, which
        // no binding can take.
        let generic = code.get(i).is_some_and(|t| t.is("["))
            && code.get(i + 1).is_some_and(|t| t.kind == Kind::Ident)
            && code.get(i + 2).is_some_and(|t| !t.is("]"));
        if generic {
            i = skip_group(code, i);
        }
        if code.get(i).is_some_and(|t| t.is("=")) {
            i += 1;
        }
        let mut parser = TypeParser {
            src: text,
            tokens: code,
            at: i,
        };
        let ty = parser.ty();
        let end = parser.at.max(i);
        let span_end = code[at..end.min(code.len())]
            .last()
            .map_or(name.start + name.text.len(), |t| t.start + t.text.len());
        let ty = if generic {
            GoType::Other(format!("{}[...] (a generic type)", name.text))
        } else {
            ty
        };
        self.named_types.insert(name.text.to_string(), ty);
        self.type_decls.insert(
            name.text.to_string(),
            TypeDecl {
                declaration: format!("type {}", dedent(&text[name.start..span_end], indent_of(text, name.start))),
                location: format!("{file}:{}", name.line),
                doc,
            },
        );
        end
    }
}

/// The whitespace before `at` on its line.
fn indent_of(text: &str, at: usize) -> &str {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..at];
    if before.trim().is_empty() {
        before
    } else {
        ""
    }
}

/// `text` with `indent` taken off the start of every line after the first,
/// as a spec inside `type ( ... )` reads on its own.
fn dedent(text: &str, indent: &str) -> String {
    let mut lines = text.lines();
    let mut out = lines.next().unwrap_or_default().to_string();
    for line in lines {
        out.push('\n');
        out.push_str(line.strip_prefix(indent).unwrap_or(line));
    }
    out
}

/// The doc comment of a declaration, as Go groups comments: the comments
/// that end on the line right above it, and those above them with no blank
/// line between.
fn doc_comments<'a>(comments: &[&'a Token<'a>], code: &[Token<'_>], decl: &Token<'_>) -> Vec<&'a Token<'a>> {
    let before = comments.partition_point(|c| c.start < decl.start);
    let mut out = Vec::new();
    let mut line = decl.line;
    for c in comments[..before].iter().rev() {
        let last_line = c.line + c.text.matches('\n').count();
        // A comment after code on its line (`x := 1 // note`) belongs to
        // that code, and ends any doc comment above the declaration.
        let after_code = match code.partition_point(|t| t.start < c.start).checked_sub(1) {
            Some(i) => code[i].line == c.line && code[i].kind != Kind::Semi,
            None => false,
        };
        if last_line + 1 != line || after_code {
            break;
        }
        out.push(*c);
        line = c.line;
    }
    out.reverse();
    out
}

/// The text of a doc comment: the comment markers taken off, directives
/// (`//export f`, `//go:wasmimport m f`: no space after `//`) left out, and
/// the blank lines around it dropped.
fn doc_text(comments: &[&Token<'_>]) -> String {
    let mut lines: Vec<&str> = Vec::new();
    for c in comments {
        let text = c.text.trim_end();
        if let Some(line) = text.strip_prefix("//") {
            if !is_directive(line) {
                lines.push(line.strip_prefix(' ').unwrap_or(line));
            }
        } else if let Some(block) = text.strip_prefix("/*").map(|b| b.strip_suffix("*/").unwrap_or(b)) {
            lines.extend(block.lines().map(|l| l.strip_prefix(' ').unwrap_or(l)));
        }
    }
    let first = lines.iter().position(|l| !l.trim().is_empty());
    let last = lines.iter().rposition(|l| !l.trim().is_empty());
    match (first, last) {
        (Some(a), Some(b)) => lines[a..=b].iter().map(|l| l.trim_end()).collect::<Vec<_>>().join("\n"),
        _ => String::new(),
    }
}

/// A `//` comment that is a directive, as Go's `go/ast` tells them: `//export`,
/// `//extern`, `//line`, or `//word:rest` with lower-case letters and digits.
fn is_directive(line: &str) -> bool {
    let word = |w: &str| line == w || line.strip_prefix(w).is_some_and(|r| r.starts_with([' ', '\t']));
    if word("export") || word("extern") || word("line") {
        return true;
    }
    let Some((head, rest)) = line.split_once(':') else {
        return false;
    };
    !head.is_empty()
        && head.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && rest.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
}

/// `text[start..end]` with the comments in it left out, on one line.
fn without_comments(text: &str, start: usize, end: usize, comments: &[&Token<'_>]) -> String {
    let mut out = String::new();
    let mut at = start;
    for c in comments.iter().filter(|c| c.start >= start && c.start < end) {
        out.push_str(&text[at..c.start]);
        out.push(' ');
        at = (c.start + c.text.len()).min(end);
    }
    out.push_str(&text[at.min(end)..end]);
    squash(&out)
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
    for pragma in [
        "go:wasmimport",
        "go:wasm-module",
        "go:wasmexport",
        "go:export",
        "export",
    ] {
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
        doc: String::new(),
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
    // `chan T`, `func(...)`, `map[K]V` are types, not a name and a type.
    if !is_identifier(first) || matches!(first, "chan" | "func" | "map" | "struct" | "interface") {
        return None;
    }
    Some((first, rest.trim()))
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_') && chars.all(|c| c.is_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_comments_keep_their_text_and_drop_the_directives() {
        let src = "package main\n\n// greet says hello to [Person].\n//\n// It never fails.\n//\n//export greet\n\
                   func greet(name string) string\n\n// Box is a box.\ntype Box struct { W int32 }\n\n\
                   type (\n\t// Point is a point.\n\tPoint struct { X int32 }\n)\n\n//go:wasmimport env log\n\
                   func log(s string)\n";
        let g = GoSource::parse(&[("a.go".into(), src.into())]).unwrap();
        assert_eq!(g.funcs[0].doc, "greet says hello to [Person].\n\nIt never fails.");
        assert_eq!(g.type_decls["Box"].doc, "Box is a box.");
        assert_eq!(g.type_decls["Point"].doc, "Point is a point.");
        assert_eq!(g.imports[0].doc, "", "a directive alone is no doc");
    }

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
        let src = parse("package main\n\n//go:wasmexport divmod\nfunc divmod(a, b int32) (q, r int32)\n");
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
        let src =
            parse("//export f\nfunc f(_, id uint32, data []byte) (int, string, bool) { return 0, \"\", false }\n");
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
        assert_eq!(src.find("k").expect("k").params[0].ty, GoType::Other("pkg.Thing".into()));
    }

    #[test]
    fn other_comments_and_wasmimport_are_not_exports() {
        let src =
            parse("// export this is prose\n//go:wasmimport env log\nfunc log(p, n uint32)\n//export\nfunc x()\n");
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
    fn errors_name_the_place() {
        let err = GoSource::parse(&[("x.go".into(), "//export f\nfunc f(a int, b) {}\n".into())]).expect_err("untyped");
        assert!(err.starts_with("x.go:2:"), "{err}");
    }
}
