//! A Go tokenizer, as the Go specification defines tokens: identifiers,
//! numbers, rune and string literals (interpreted and raw), operators, and
//! comments, with automatic semicolon insertion. Declarations are read from
//! these tokens, so a `//export` inside a raw string, a brace in a comment or
//! a signature split over lines cannot mislead them.
//!
//! It never fails: an unterminated literal or comment runs to the end of the
//! text, and a character Go does not know becomes an operator token of its
//! own. What cannot be read as a declaration is then skipped by the reader.

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An identifier or a keyword.
    Ident,
    /// An integer, floating-point or imaginary literal.
    Number,
    /// A string or rune literal.
    Literal,
    /// An operator or punctuation.
    Op,
    /// A `//` or `/* */` comment.
    Comment,
    /// An explicit `;`, or one inserted at a line end or before `)`/`}`.
    Semi,
}

/// One token: its kind, its text and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token<'a> {
    pub kind: Kind,
    pub text: &'a str,
    /// Byte offset of the token in the source.
    pub start: usize,
    /// 1-based line of the token's first character.
    pub line: usize,
}

impl Token<'_> {
    pub fn is(&self, text: &str) -> bool {
        self.kind != Kind::Literal && self.kind != Kind::Comment && self.text == text
    }
}

const OPERATORS: &[&str] = &[
    "<<=", ">>=", "&^=", "...", "&&", "||", "<-", "++", "--", "==", "!=", "<=", ">=", ":=", "+=", "-=", "*=", "/=",
    "%=", "&=", "|=", "^=", "<<", ">>", "&^", "~",
];

const KEYWORDS: &[&str] = &[
    "break",
    "case",
    "chan",
    "const",
    "continue",
    "default",
    "defer",
    "else",
    "fallthrough",
    "for",
    "func",
    "go",
    "goto",
    "if",
    "import",
    "interface",
    "map",
    "package",
    "range",
    "return",
    "select",
    "struct",
    "switch",
    "type",
    "var",
];

/// Splits Go source into tokens, comments included.
pub fn tokens(src: &str) -> Vec<Token<'_>> {
    let bytes = src.as_bytes();
    let mut out: Vec<Token<'_>> = Vec::new();
    let mut i = 0;
    let mut line = 1;
    // Whether a newline here ends a statement (Go's semicolon rule).
    let mut ends_statement = false;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'\n' {
            if ends_statement {
                out.push(Token {
                    kind: Kind::Semi,
                    text: "\n",
                    start: i,
                    line,
                });
                ends_statement = false;
            }
            line += 1;
            i += 1;
            continue;
        }
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let start_line = line;
        let kind = if src[i..].starts_with("//") {
            i = src[i..].find('\n').map_or(bytes.len(), |n| i + n);
            Kind::Comment
        } else if src[i..].starts_with("/*") {
            let end = src[i + 2..].find("*/").map_or(bytes.len(), |n| i + 2 + n + 2);
            let newlines = src[i..end].matches('\n').count();
            line += newlines;
            i = end;
            // A block comment spanning lines ends a statement like a newline.
            if newlines > 0 && ends_statement {
                out.push(Token {
                    kind: Kind::Semi,
                    text: "\n",
                    start,
                    line: start_line,
                });
                ends_statement = false;
            }
            Kind::Comment
        } else if c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 {
            while i < bytes.len() && (bytes[i] == b'_' || bytes[i].is_ascii_alphanumeric() || bytes[i] >= 0x80) {
                i += 1;
            }
            // Split at a char boundary (non-ASCII letters are several bytes).
            while !src.is_char_boundary(i) {
                i += 1;
            }
            Kind::Ident
        } else if c.is_ascii_digit() || (c == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            let hex = src[start..].starts_with("0x") || src[start..].starts_with("0X");
            while i < bytes.len() {
                let d = bytes[i];
                let exponent_sign = (d == b'+' || d == b'-')
                    && match bytes[i - 1] {
                        b'e' | b'E' => !hex,
                        b'p' | b'P' => hex,
                        _ => false,
                    };
                if d.is_ascii_alphanumeric() || d == b'.' || d == b'_' || exponent_sign {
                    i += 1;
                } else {
                    break;
                }
            }
            Kind::Number
        } else if c == b'"' || c == b'\'' {
            i += 1;
            while i < bytes.len() && bytes[i] != c && bytes[i] != b'\n' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(bytes.len());
            Kind::Literal
        } else if c == b'`' {
            let end = src[i + 1..].find('`').map_or(bytes.len(), |n| i + 1 + n + 1);
            line += src[i..end].matches('\n').count();
            i = end;
            Kind::Literal
        } else if c == b';' {
            i += 1;
            Kind::Semi
        } else {
            let len = OPERATORS
                .iter()
                .find(|op| src[i..].starts_with(*op))
                .map_or_else(|| src[i..].chars().next().map_or(1, char::len_utf8), |op| op.len());
            i += len;
            Kind::Op
        };
        let text = &src[start..i.min(bytes.len())];
        if kind != Kind::Comment {
            ends_statement = match kind {
                Kind::Ident => {
                    !KEYWORDS.contains(&text) || matches!(text, "break" | "continue" | "fallthrough" | "return")
                }
                Kind::Number | Kind::Literal => true,
                Kind::Op => matches!(text, ")" | "]" | "}" | "++" | "--"),
                Kind::Comment | Kind::Semi => false,
            };
        }
        out.push(Token {
            kind,
            text,
            start,
            line: start_line,
        });
    }
    out
}

/// The index after the bracketed group that opens at `code[at]`.
pub fn skip_group(code: &[Token<'_>], at: usize) -> usize {
    let mut depth = 0i32;
    for (i, t) in code.iter().enumerate().skip(at) {
        if t.kind == Kind::Op {
            match t.text {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => {
                    depth -= 1;
                    if depth <= 0 {
                        return i + 1;
                    }
                }
                _ => {}
            }
        }
    }
    code.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(src: &str) -> Vec<String> {
        tokens(src)
            .iter()
            .map(|t| match t.kind {
                Kind::Semi => ";".to_string(),
                _ => t.text.to_string(),
            })
            .collect()
    }

    #[test]
    fn semicolons_are_inserted_at_line_ends() {
        assert_eq!(
            texts("type P struct {\n\tX, Y int32\n}\nfunc f()\n"),
            ["type", "P", "struct", "{", "X", ",", "Y", "int32", ";", "}", ";", "func", "f", "(", ")", ";"]
        );
        assert_eq!(
            texts(
                "return
x"
            ),
            ["return", ";", "x"]
        );
        assert_eq!(
            texts(
                "struct
{"
            ),
            ["struct", "{"]
        );
    }

    #[test]
    fn literals_and_comments_hide_their_contents() {
        let src = "x := `\n//export fake\n` // a { brace\n/* } */ y";
        let t = tokens(src);
        assert_eq!(t[2].kind, Kind::Literal);
        // The line comment comes before the semicolon its newline inserts.
        assert_eq!((t[3].kind, t[3].line), (Kind::Comment, 3));
        assert_eq!(t[4].kind, Kind::Semi);
        assert_eq!(t[5].kind, Kind::Comment);
        assert_eq!(t.last().map(|t| (t.text, t.line)), Some(("y", 4)));
    }

    #[test]
    fn numbers_and_operators() {
        assert_eq!(texts("a[3]<-1.5e+3&^b"), ["a", "[", "3", "]", "<-", "1.5e+3", "&^", "b"]);
        assert_eq!(texts("'\\''+\"\\\"\""), ["'\\''", "+", "\"\\\"\""]);
    }

    #[test]
    fn unterminated_input_ends_without_a_panic() {
        for src in ["\"abc", "`abc", "/* abc", "'", "x.", "é", "0x1p-", "\u{feff}package"] {
            let _ = tokens(src);
        }
    }
}
