//! Go types as they cross the boundary: how each is passed (flattened to
//! wasm values) and laid out in guest memory (wasm32, natural alignment), as
//! TinyGo compiles them, by the rules of `tinybind_abi`. `abi::lower`
//! builds a function's convention from these; `emit` writes the Rust types.
//!
//! - `int`, `uint`, `int32`, `uint32`, `uintptr`, pointers, `unsafe.Pointer`,
//!   `bool`, `int8/16`, `uint8/16`, `byte`, `rune` are one `i32`; `int64`,
//!   `uint64` one `i64`; `float32` `f32`; `float64` `f64`.
//! - `string` is `(ptr, len)`; `[]T` is `(ptr, len, cap)`; an interface or
//!   `error` is `(typecode, value)`.
//! - A struct or an array is flattened into its scalar leaves, in field
//!   order (`compiler/calls.go`, and the wasm backend scalarises larger
//!   aggregates too); a field of no size adds nothing.
//! - In memory: `int`, `uintptr` and pointers take 4 bytes; `int64` and
//!   `float64` 8, aligned to 8; a string is 8 bytes `{ptr, len}`, a slice 12
//!   `{ptr, len, cap}`, an interface 8 `{typecode, value}`; a struct's
//!   alignment is its largest field's, and its size is rounded up to it; an
//!   array is its elements one after another.
//!
//! Standard Go's `//go:wasmexport` and `//go:wasmimport` pass scalars, and a
//! `string` as `(ptr, len)`; nothing else in memory. Its `int` is 64 bits
//! (the compiler refuses `int` there anyway). A declaration beside the
//! module may say `[]byte` for a `(ptr, len)` pair (`Repr::Bytes`): standard
//! Go has no slice header at the boundary.

use std::rc::Rc;

use crate::go::GoType;
use crate::names::{self, Scope};
use crate::wasm::WasmType;
use tinybind_abi::{Layout, Scalar};

/// Which compiler's conventions apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavour {
    TinyGo,
    StandardGo,
}

/// The most scalar leaves, and the most bytes, a type may have to be bound:
/// beyond this a signature would not fit a typed call anyway, and a huge
/// array must not make the generator build a huge list.
const MAX_LEAVES: u64 = 4096;
const MAX_SIZE: u64 = 1 << 24;

/// How a Go type crosses the boundary: its representation as wasm values
/// and in guest memory (a type, not a value).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Repr {
    Scalar(Scalar),
    /// `string`: `(ptr, len)`.
    String,
    /// `[]T` of a scalar `T`: `(ptr, len, cap)`; `[]byte` is `Slice(U8)`.
    Slice(Scalar),
    /// An interface or `error`: `(typecode, value)`.
    Interface,
    /// `[]string`: `(ptr, len, cap)` of `{ptr, len}` string headers.
    Strings,
    /// A named Go struct.
    Struct(Rc<Struct>),
    /// `[N]T`.
    Array(Box<Repr>, u32),
    /// `[]T` of any other `T` (structs, arrays, `bool`, slices):
    /// `(ptr, len, cap)` of elements laid out one after another.
    List(Box<Repr>),
    /// `[]byte` as `(ptr, len)`, without a capacity: a parameter of a
    /// standard Go declaration, or a packed result.
    Bytes,
}

/// A Go struct type, laid out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Struct {
    /// The Go name (`Box`).
    pub go_name: String,
    /// The Rust name: the Go name, unless Rust cannot spell it.
    pub rust_name: String,
    pub fields: Vec<StructField>,
    pub size: u32,
    pub align: u32,
}

/// One field of a struct, at its offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StructField {
    pub go_name: String,
    /// A `snake_case` Rust field name, unique in the struct.
    pub rust_name: String,
    pub value: Repr,
    pub offset: u32,
}

impl Repr {
    /// The wasm parameters this value is passed as.
    pub fn flat(&self) -> Vec<WasmType> {
        let mut out = Vec::new();
        self.flatten_into(&mut out);
        out
    }

    fn flatten_into(&self, out: &mut Vec<WasmType>) {
        match self {
            Repr::Scalar(s) => out.push(s.wasm().into()),
            Repr::String | Repr::Bytes | Repr::Interface => out.extend([WasmType::I32; 2]),
            Repr::Slice(_) | Repr::Strings | Repr::List(_) => out.extend([WasmType::I32; 3]),
            Repr::Struct(s) => s.fields.iter().for_each(|f| f.value.flatten_into(out)),
            Repr::Array(elem, n) => (0..*n).for_each(|_| elem.flatten_into(out)),
        }
    }

    /// How many wasm values the value is passed as, without building them.
    fn leaf_count(&self) -> u64 {
        match self {
            Repr::Scalar(_) => 1,
            Repr::String | Repr::Bytes | Repr::Interface => 2,
            Repr::Slice(_) | Repr::Strings | Repr::List(_) => 3,
            Repr::Struct(s) => s.fields.iter().map(|f| f.value.leaf_count()).sum(),
            Repr::Array(elem, n) => elem.leaf_count().saturating_mul(u64::from(*n)),
        }
    }

    /// Size and alignment in guest memory, as LLVM lays it out for wasm32.
    pub fn layout(&self) -> Layout {
        match self {
            Repr::Scalar(s) => s.layout(),
            Repr::String | Repr::Bytes => tinybind_abi::STRING,
            Repr::Interface => tinybind_abi::INTERFACE,
            Repr::Slice(_) | Repr::Strings | Repr::List(_) => tinybind_abi::SLICE,
            Repr::Struct(s) => Layout {
                size: s.size,
                align: s.align,
            },
            // Lowering refused arrays whose size does not fit.
            Repr::Array(elem, n) => elem.layout().array(*n),
        }
    }

    /// Every struct this value uses, inner ones first.
    pub fn structs(&self, out: &mut Vec<Rc<Struct>>) {
        match self {
            Repr::Struct(s) => {
                for f in &s.fields {
                    f.value.structs(out);
                }
                if !out.iter().any(|o| o.go_name == s.go_name) {
                    out.push(s.clone());
                }
            }
            Repr::Array(elem, _) | Repr::List(elem) => elem.structs(out),
            _ => {}
        }
    }

    /// The value's Go type, sized (`int` reads as `int32`), for tools.
    pub fn go_type(&self) -> String {
        match self {
            Repr::Scalar(s) => s.go_name().to_string(),
            Repr::Slice(s) => format!("[]{}", s.go_name()),
            Repr::Bytes => "[]uint8".into(),
            Repr::Array(e, n) => format!("[{n}]{}", e.go_type()),
            Repr::List(e) => format!("[]{}", e.go_type()),
            other => other.describe(),
        }
    }

    /// The Go-ish name of the value's type, for messages and tools.
    pub fn describe(&self) -> String {
        match self {
            Repr::Scalar(s) => s.name().to_string(),
            Repr::String => "string".into(),
            Repr::Slice(s) => format!("[]{}", s.name()),
            Repr::Interface => "interface".into(),
            Repr::Strings => "[]string".into(),
            Repr::Bytes => "[]u8".into(),
            Repr::Struct(s) => s.go_name.clone(),
            Repr::Array(e, n) => format!("[{n}]{}", e.describe()),
            Repr::List(e) => format!("[]{}", e.describe()),
        }
    }
}

impl Repr {
    /// The value with the structs named in `renamed` (Go name to new Rust
    /// name) renamed, wherever they occur.
    pub fn renamed(&self, renamed: &std::collections::HashMap<String, String>) -> Repr {
        match self {
            Repr::Struct(s) => Repr::Struct(Rc::new(Struct {
                rust_name: renamed.get(&s.go_name).cloned().unwrap_or_else(|| s.rust_name.clone()),
                fields: s
                    .fields
                    .iter()
                    .map(|f| StructField {
                        value: f.value.renamed(renamed),
                        ..f.clone()
                    })
                    .collect(),
                ..(**s).clone()
            })),
            Repr::Array(e, n) => Repr::Array(Box::new(e.renamed(renamed)), *n),
            Repr::List(e) => Repr::List(Box::new(e.renamed(renamed))),
            other => other.clone(),
        }
    }
}

/// One step from a struct or array into one of its parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// A field, by its Rust name.
    Field(String),
    Index(u32),
}

impl Repr {
    /// What the value is made of, down to the values that are not structs
    /// or arrays, in flattening order, each with its path: `[]` for a value
    /// that is not a struct or array itself.
    pub fn parts(&self) -> Vec<(Vec<Step>, &Repr)> {
        let mut out = Vec::new();
        self.parts_into(&mut Vec::new(), &mut out);
        out
    }

    fn parts_into<'a>(&'a self, path: &mut Vec<Step>, out: &mut Vec<(Vec<Step>, &'a Repr)>) {
        match self {
            Repr::Struct(s) => {
                for f in &s.fields {
                    path.push(Step::Field(f.rust_name.clone()));
                    f.value.parts_into(path, out);
                    path.pop();
                }
            }
            Repr::Array(elem, n) => {
                for i in 0..*n {
                    path.push(Step::Index(i));
                    elem.parts_into(path, out);
                    path.pop();
                }
            }
            other => out.push((path.clone(), other)),
        }
    }
}

/// A name for a part of parameter `param`, for locals and raw parameter
/// names: `b`, `b_min_x`, `m_grid_2`.
pub fn part_name(param: &str, path: &[Step]) -> String {
    let mut name = param.to_string();
    for step in path {
        match step {
            Step::Field(f) => name.push_str(&format!("_{f}")),
            Step::Index(i) => name.push_str(&format!("_{i}")),
        }
    }
    name
}

/// Lays values out as a struct of them (`tinybind_abi::struct_layout`):
/// each value's offset, and the whole's size and alignment.
pub fn layout<'a>(values: impl IntoIterator<Item = &'a Repr>) -> (Vec<u32>, Layout) {
    tinybind_abi::struct_layout(values.into_iter().map(Repr::layout))
}

/// Lowers one Go type, or says why it cannot be bound.
pub fn lower_type(ty: &GoType, flavour: Flavour) -> Result<Repr, String> {
    let value = lower_inner(ty, flavour, 0)?;
    let size = value.layout().size;
    if value.leaf_count() > MAX_LEAVES || u64::from(size) > MAX_SIZE {
        return Err(format!(
            "`{}` is too large to bind (more than {MAX_LEAVES} wasm values or {MAX_SIZE} bytes)",
            value.describe()
        ));
    }
    Ok(value)
}

fn lower_inner(ty: &GoType, flavour: Flavour, depth: u32) -> Result<Repr, String> {
    if depth > 32 {
        return Err("a type nested more than 32 deep has no binding".into());
    }
    let word = match flavour {
        Flavour::TinyGo => (Scalar::I32, Scalar::U32),
        Flavour::StandardGo => (Scalar::I64, Scalar::U64),
    };
    let scalar = match ty {
        GoType::Bool => Scalar::Bool,
        GoType::Int => word.0,
        GoType::Uint => word.1,
        GoType::Int8 => Scalar::I8,
        GoType::Int16 => Scalar::I16,
        GoType::Int32 => Scalar::I32,
        GoType::Int64 => Scalar::I64,
        GoType::Uint8 => Scalar::U8,
        GoType::Uint16 => Scalar::U16,
        GoType::Uint32 | GoType::Uintptr | GoType::UnsafePointer | GoType::Pointer(_) => Scalar::U32,
        GoType::Uint64 => Scalar::U64,
        GoType::Float32 => Scalar::F32,
        GoType::Float64 => Scalar::F64,
        GoType::String if flavour == Flavour::StandardGo && depth > 0 => {
            return Err("standard Go passes a string only as a parameter of its own".into())
        }
        GoType::Slice(elem) if flavour == Flavour::StandardGo => {
            return match (**elem == GoType::Uint8, depth) {
                (true, 0) => Ok(Repr::Bytes),
                _ => Err("standard Go's //go:wasmexport and //go:wasmimport pass no slices; a \
                          declaration may say `[]byte` for a (ptr, len) pair"
                    .into()),
            }
        }
        GoType::Interface(_) | GoType::Struct { .. } | GoType::Array(..) if flavour == Flavour::StandardGo => {
            return Err("standard Go's //go:wasmexport and //go:wasmimport pass scalars and \
                        strings only (no interfaces, structs or arrays)"
                .into())
        }
        GoType::String => return Ok(Repr::String),
        GoType::Interface(_) => return Ok(Repr::Interface),
        GoType::Slice(elem) => {
            return Ok(match lower_inner(elem, flavour, depth + 1)? {
                Repr::Scalar(s) if s != Scalar::Bool => Repr::Slice(s),
                Repr::String => Repr::Strings,
                other => Repr::List(Box::new(other)),
            });
        }
        GoType::Array(n, elem) => {
            let elem = lower_inner(elem, flavour, depth + 1)?;
            let size = elem.layout().size;
            if u64::from(size) * u64::from(*n) > MAX_SIZE {
                return Err(format!("`[{n}]{}` is too large to bind", elem.describe()));
            }
            return Ok(Repr::Array(Box::new(elem), *n));
        }
        GoType::Struct { name: None, .. } => {
            return Err("an anonymous struct has no name for its Rust type; declare it as a named \
                        type (`type Name struct {...}`)"
                .into())
        }
        GoType::Struct {
            name: Some(name),
            fields,
        } => return lower_struct(name, fields, flavour, depth),
        GoType::Other(t) => {
            return Err(format!(
                "`{t}` is not a type the bindings know (a named type from another package or \
                 not declared in the Go files, a map, channel, function, generic type, or an \
                 array with a named length)"
            ))
        }
    };
    Ok(Repr::Scalar(scalar))
}

fn lower_struct(name: &str, fields: &[crate::go::GoField], flavour: Flavour, depth: u32) -> Result<Repr, String> {
    let mut values = Vec::new();
    for f in fields {
        let v = lower_inner(&f.ty, flavour, depth + 1)
            .map_err(|e| format!("field `{}` of `{name}`: {e}", f.name))?;
        values.push(v);
    }
    let (offsets, Layout { size, align }) = layout(&values);
    let mut scope = Scope::with_reserved(&[]);
    let fields = fields
        .iter()
        .zip(values)
        .zip(offsets)
        .map(|((f, value), offset)| StructField {
            go_name: f.name.clone(),
            rust_name: scope.unique(names::snake(&f.name)),
            value,
            offset,
        })
        .collect();
    Ok(Repr::Struct(Rc::new(Struct {
        go_name: name.to_string(),
        rust_name: rust_type_name(name),
        fields,
        size,
        align,
    })))
}

/// A Go type name as a Rust type name: kept as it is where Rust can spell
/// it (lower-case names included), otherwise made `UpperCamelCase`.
fn rust_type_name(go: &str) -> String {
    let ascii = go.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && go.starts_with(|c: char| c.is_ascii_alphabetic());
    if ascii && names::snake(go) != format!("{go}_") && names::upper_camel(go) != format!("{go}_") {
        go.to_string()
    } else {
        names::upper_camel(go)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lowered(text: &str) -> Repr {
        let named = [
            ("Point", "struct { X, Y int32 }"),
            ("Box", "struct { Min, Max Point; Label string }"),
            ("Mixed", "struct { A uint8; B int64; C uint16; D float32; E bool; F float64; Grid [3]int16 }"),
        ]
        .into_iter()
        .map(|(n, t)| (n.to_string(), GoType::parse(t)))
        .collect();
        lower_type(&GoType::parse(text).resolve(&named), Flavour::TinyGo).expect("lowers")
    }

    #[test]
    fn structs_flatten_to_their_leaves_in_field_order() {
        use WasmType::*;
        assert_eq!(lowered("Box").flat(), vec![I32; 6]);
        assert_eq!(
            lowered("Mixed").flat(),
            vec![I32, I64, I32, F32, I32, F64, I32, I32, I32]
        );
        assert_eq!(lowered("[]Box").flat(), vec![I32; 3]);
    }

    #[test]
    fn struct_layout_is_natural_alignment() {
        let Repr::Struct(m) = lowered("Mixed") else { panic!("a struct") };
        let offsets: Vec<u32> = m.fields.iter().map(|f| f.offset).collect();
        assert_eq!(offsets, vec![0, 8, 16, 20, 24, 32, 40]);
        assert_eq!((m.size, m.align), (48, 8));
        assert_eq!(lowered("Box").layout(), Layout { size: 24, align: 4 });
        assert_eq!(lowered("[5]Point").layout(), Layout { size: 40, align: 4 });
    }

    #[test]
    fn huge_and_anonymous_types_are_refused() {
        let huge = lower_type(&GoType::parse("[1000000000]int32"), Flavour::TinyGo);
        assert!(huge.expect_err("huge").contains("too large"));
        let anon = lower_type(&GoType::parse("struct{ X int }"), Flavour::TinyGo);
        assert!(anon.expect_err("anonymous").contains("anonymous"));
    }

    #[test]
    fn go_names_that_rust_cannot_spell_change() {
        assert_eq!(rust_type_name("Result"), "Result");
        assert_eq!(rust_type_name("point"), "point");
        assert_eq!(rust_type_name("Self"), "Self_");
        assert_eq!(rust_type_name("match"), "Match");
    }
}
