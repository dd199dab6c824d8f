//! Go type expressions: parsed from tokens into [`GoType`], and local named
//! types resolved to what they are declared as.

use std::collections::HashMap;

use super::lex::{self, Kind, Token};

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
    /// `[N]T`.
    Array(u32, Box<GoType>),
    /// `struct { ... }`; `name` is the Go name once a local named type has
    /// been resolved to it (`type Box struct {...}`).
    Struct {
        name: Option<String>,
        fields: Vec<GoField>,
    },
    /// `interface{...}`, `any` or `error`: a (typecode, value) pair.
    Interface(String),
    /// A type the bindings cannot lower: a named type from another package
    /// or not declared in the evidence, a map, a channel, a function, a
    /// generic type. Kept as written.
    Other(String),
}

/// One field of a struct type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoField {
    /// The field's name; an embedded field is named after its type.
    pub name: String,
    pub ty: GoType,
    pub embedded: bool,
}

impl GoType {
    /// Parses a type expression as written in Go source.
    pub fn parse(text: &str) -> GoType {
        let tokens: Vec<Token<'_>> = lex::tokens(text)
            .into_iter()
            .filter(|t| t.kind != Kind::Comment)
            .collect();
        let mut p = TypeParser {
            src: text,
            tokens: &tokens,
            at: 0,
        };
        let ty = p.ty();
        p.skip_semis();
        if p.at == tokens.len() {
            ty
        } else {
            GoType::Other(squash(text))
        }
    }

    /// Replaces local named types by what they are declared as
    /// (`type Action uint32`, `type Box struct {...}`), as far as the
    /// declarations go. Pointers are not followed: a pointer is one word
    /// whatever it points to, and a recursive type is reached only through
    /// one.
    pub fn resolve(self, named: &HashMap<String, GoType>) -> GoType {
        // A budget of type nodes, so that declarations nesting structs in
        // structs many times over cannot make resolution take forever.
        let mut budget = 100_000u32;
        self.resolve_within(named, 0, &mut budget)
    }

    fn resolve_within(self, named: &HashMap<String, GoType>, depth: u32, budget: &mut u32) -> GoType {
        if depth > 32 || *budget == 0 {
            return GoType::Other("a type nested too deeply to bind".to_string());
        }
        *budget -= 1;
        match self {
            GoType::Other(name) => match named.get(&name) {
                Some(GoType::Struct { name: None, fields }) => GoType::Struct {
                    name: Some(name),
                    fields: fields.clone(),
                }
                .resolve_within(named, depth + 1, budget),
                Some(under) => under.clone().resolve_within(named, depth + 1, budget),
                None => GoType::Other(name),
            },
            GoType::Slice(t) => GoType::Slice(Box::new(t.resolve_within(named, depth + 1, budget))),
            GoType::Array(n, t) => GoType::Array(n, Box::new(t.resolve_within(named, depth + 1, budget))),
            GoType::Struct { name, fields } => GoType::Struct {
                name,
                fields: fields
                    .into_iter()
                    .map(|f| GoField {
                        ty: f.ty.resolve_within(named, depth + 1, budget),
                        ..f
                    })
                    .collect(),
            },
            other => other,
        }
    }
}

/// Collapses whitespace: `struct {\n\tX int\n}` reads `struct { X int }`.
pub fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A recursive-descent reader of type expressions over comment-free tokens
/// (semicolons kept only inside struct bodies, where they end fields).
pub struct TypeParser<'s, 't> {
    pub src: &'s str,
    pub tokens: &'t [Token<'s>],
    pub at: usize,
}

impl<'s> TypeParser<'s, '_> {
    fn peek(&self) -> Option<&Token<'s>> {
        self.tokens.get(self.at)
    }

    fn peek_is(&self, text: &str) -> bool {
        self.peek().is_some_and(|t| t.is(text))
    }

    fn next(&mut self) -> Option<&Token<'s>> {
        let t = self.tokens.get(self.at);
        self.at += usize::from(t.is_some());
        t
    }

    fn eat(&mut self, text: &str) -> bool {
        if self.peek_is(text) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn skip_semis(&mut self) {
        while self.peek().is_some_and(|t| t.kind == Kind::Semi) {
            self.at += 1;
        }
    }

    /// Skips a bracketed group starting at the opening token, nested groups
    /// included.
    fn skip_group(&mut self) {
        self.at = lex::skip_group(self.tokens, self.at);
    }

    /// The source text from token `from` up to the current token.
    fn written(&self, from: usize) -> String {
        let start = self.tokens.get(from).map_or(self.src.len(), |t| t.start);
        let end = match self.tokens.get(self.at.saturating_sub(1)) {
            Some(t) if self.at > from => t.start + t.text.len(),
            _ => start,
        };
        squash(&self.src[start..end])
    }

    /// One type; what cannot be read is `Other` with the text it spans.
    pub fn ty(&mut self) -> GoType {
        let from = self.at;
        let Some(t) = self.next().cloned() else {
            return GoType::Other(String::new());
        };
        match (t.kind, t.text) {
            (Kind::Op, "(") => {
                let inner = self.ty();
                if self.eat(")") {
                    inner
                } else {
                    GoType::Other(self.written(from))
                }
            }
            (Kind::Op, "*") => GoType::Pointer(Box::new(self.ty())),
            (Kind::Op, "[") => {
                if self.eat("]") {
                    return GoType::Slice(Box::new(self.ty()));
                }
                let len = self
                    .next()
                    .filter(|t| t.kind == Kind::Number)
                    .and_then(|t| parse_int(t.text));
                if !self.eat("]") {
                    self.at = from;
                    self.skip_group();
                    let _ = self.ty();
                    return GoType::Other(self.written(from));
                }
                let elem = self.ty();
                match len {
                    Some(n) => GoType::Array(n, Box::new(elem)),
                    // `[N]T` with a named constant: its length is not known.
                    None => GoType::Other(self.written(from)),
                }
            }
            (Kind::Ident, "struct") if self.peek_is("{") => self.struct_body(from),
            (Kind::Ident, "interface") if self.peek_is("{") => {
                self.skip_group();
                GoType::Interface(self.written(from))
            }
            (Kind::Ident, "map") => {
                if self.peek_is("[") {
                    self.skip_group();
                }
                let _ = self.ty();
                GoType::Other(self.written(from))
            }
            (Kind::Ident, "chan") | (Kind::Op, "<-") => {
                self.eat("chan");
                self.eat("<-");
                let _ = self.ty();
                GoType::Other(self.written(from))
            }
            (Kind::Ident, "func") => {
                if self.peek_is("(") {
                    self.skip_group();
                }
                // A result list or a single result type on the same line.
                if self.peek_is("(") {
                    self.skip_group();
                } else if self
                    .peek()
                    .is_some_and(|t| t.kind == Kind::Ident || t.is("*") || t.is("["))
                {
                    let _ = self.ty();
                }
                GoType::Other(self.written(from))
            }
            (Kind::Ident, name) => {
                let mut qualified = name.to_string();
                if self.peek_is(".") {
                    self.at += 1;
                    match self.next() {
                        Some(t) if t.kind == Kind::Ident => qualified = format!("{name}.{}", t.text),
                        _ => return GoType::Other(self.written(from)),
                    }
                }
                // Type arguments of a generic type: not bindable.
                if self.peek_is("[") {
                    self.skip_group();
                    return GoType::Other(self.written(from));
                }
                builtin(&qualified).unwrap_or(GoType::Other(qualified))
            }
            _ => GoType::Other(self.written(from)),
        }
    }

    /// `struct { fields }`, at its `{`.
    fn struct_body(&mut self, from: usize) -> GoType {
        self.at += 1; // `{`
        let mut fields = Vec::new();
        loop {
            self.skip_semis();
            match self.peek() {
                None => return GoType::Other(self.written(from)),
                Some(t) if t.is("}") => {
                    self.at += 1;
                    return GoType::Struct { name: None, fields };
                }
                Some(_) => {}
            }
            if !self.field(&mut fields) {
                // Skip to the end of the struct: its fields are not known.
                self.at = from;
                let _ = self.next();
                self.skip_group();
                return GoType::Other(self.written(from));
            }
        }
    }

    /// One field declaration: `A, B T "tag"` or an embedded `[*]T "tag"`.
    fn field(&mut self, fields: &mut Vec<GoField>) -> bool {
        let mut names = Vec::new();
        let start = self.at;
        while let Some(t) = self.peek() {
            if t.kind != Kind::Ident {
                break;
            }
            names.push(t.text.to_string());
            self.at += 1;
            if !self.eat(",") {
                break;
            }
        }
        let ends_field = |t: Option<&Token<'_>>| match t {
            None => true,
            Some(t) => t.kind == Kind::Semi || t.kind == Kind::Literal || t.is("}"),
        };
        let embedded = match self.peek() {
            // `T`, `pkg.T` or `*T` alone on its line (or before a tag).
            t if ends_field(t) => true,
            Some(t) if t.is(".") => true,
            // `Name[Args]` ending the field is an embedded generic type;
            // `Name [N]T` is a field of an array type.
            Some(t) if t.is("[") && names.len() == 1 => {
                let mut probe = TypeParser {
                    src: self.src,
                    tokens: self.tokens,
                    at: self.at,
                };
                probe.skip_group();
                ends_field(probe.peek())
            }
            _ => false,
        };
        if embedded || names.is_empty() {
            self.at = start;
            self.eat("*");
            let ty = self.ty();
            let name = match &ty {
                // `pkg.Name[Args]` is named `Name`.
                GoType::Other(n) => {
                    let base = n.split('[').next().unwrap_or(n);
                    base.rsplit('.').next().unwrap_or(base).to_string()
                }
                _ => self.written(start).trim_start_matches('*').to_string(),
            };
            fields.push(GoField {
                name,
                ty: if self.tokens[start].is("*") {
                    GoType::Pointer(Box::new(ty))
                } else {
                    ty
                },
                embedded: true,
            });
        } else {
            let ty = self.ty();
            for name in names {
                fields.push(GoField {
                    name,
                    ty: ty.clone(),
                    embedded: false,
                });
            }
        }
        // An optional tag, then the end of the field.
        if self.peek().is_some_and(|t| t.kind == Kind::Literal) {
            self.at += 1;
        }
        match self.peek() {
            Some(t) if t.kind == Kind::Semi => {
                self.at += 1;
                true
            }
            Some(t) => t.is("}"),
            None => false,
        }
    }
}

fn builtin(name: &str) -> Option<GoType> {
    Some(match name {
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
        "error" | "any" => GoType::Interface(name.to_string()),
        _ => return None,
    })
}

/// A Go integer literal (decimal, `0x`, `0o`, `0b`, old-style octal, `_`
/// separators) that fits in a `u32`.
fn parse_int(text: &str) -> Option<u32> {
    let t = text.replace('_', "");
    let (digits, radix) = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        (h.to_string(), 16)
    } else if let Some(b) = t.strip_prefix("0b").or_else(|| t.strip_prefix("0B")) {
        (b.to_string(), 2)
    } else if let Some(o) = t.strip_prefix("0o").or_else(|| t.strip_prefix("0O")) {
        (o.to_string(), 8)
    } else if t.len() > 1 && t.starts_with('0') {
        (t[1..].to_string(), 8)
    } else {
        (t, 10)
    };
    u32::from_str_radix(&digits, radix).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, ty: GoType) -> GoField {
        GoField {
            name: name.into(),
            ty,
            embedded: false,
        }
    }

    #[test]
    fn basic_types_parse() {
        assert_eq!(GoType::parse("rune"), GoType::Int32);
        assert_eq!(GoType::parse("[]uint8"), GoType::Slice(Box::new(GoType::Uint8)));
        assert_eq!(GoType::parse("[ ]  byte"), GoType::Slice(Box::new(GoType::Uint8)));
        assert_eq!(GoType::parse("error"), GoType::Interface("error".into()));
        assert_eq!(GoType::parse("map[string]int"), GoType::Other("map[string]int".into()));
        assert_eq!(GoType::parse("unsafe.Pointer"), GoType::UnsafePointer);
        assert_eq!(GoType::parse("pkg.Thing"), GoType::Other("pkg.Thing".into()));
        assert_eq!(GoType::parse("List[int]"), GoType::Other("List[int]".into()));
        assert_eq!(GoType::parse("func(int) error"), GoType::Other("func(int) error".into()));
        assert_eq!(GoType::parse("[0x10]int16"), GoType::Array(16, Box::new(GoType::Int16)));
        assert_eq!(GoType::parse("[N]int16"), GoType::Other("[N]int16".into()));
        assert_eq!(GoType::parse("chan<- int"), GoType::Other("chan<- int".into()));
    }

    #[test]
    fn struct_types_parse_with_tags_comments_and_embedding() {
        let t = GoType::parse(
            "struct {\n\tX, Y int32 `json:\"x\"` // a comment }\n\t/* } */ Label string; Point\n\t*pkg.Inner\n}",
        );
        assert_eq!(
            t,
            GoType::Struct {
                name: None,
                fields: vec![
                    field("X", GoType::Int32),
                    field("Y", GoType::Int32),
                    field("Label", GoType::String),
                    GoField {
                        name: "Point".into(),
                        ty: GoType::Other("Point".into()),
                        embedded: true
                    },
                    GoField {
                        name: "Inner".into(),
                        ty: GoType::Pointer(Box::new(GoType::Other("pkg.Inner".into()))),
                        embedded: true
                    },
                ],
            }
        );
        assert_eq!(
            GoType::parse("struct{}"),
            GoType::Struct {
                name: None,
                fields: vec![]
            }
        );
    }

    #[test]
    fn named_structs_resolve_through_arrays_and_slices() {
        let mut named = HashMap::new();
        named.insert("P".to_string(), GoType::parse("struct { X int32 }"));
        named.insert("Ps".to_string(), GoType::parse("[2]P"));
        let t = GoType::parse("[]Ps").resolve(&named);
        let p = GoType::Struct {
            name: Some("P".into()),
            fields: vec![field("X", GoType::Int32)],
        };
        assert_eq!(t, GoType::Slice(Box::new(GoType::Array(2, Box::new(p)))));
        // A type that contains itself (invalid Go) stops resolving.
        named.insert("Loop".to_string(), GoType::parse("struct { L [1]Loop }"));
        let _ = GoType::parse("Loop").resolve(&named);
    }
}
