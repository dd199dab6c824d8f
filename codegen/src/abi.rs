//! Where a function's ABI is decided, for exports and imports alike:
//! lowering a Go signature to wasm with TinyGo's wasm32 conventions (or
//! standard Go's `//go:wasmexport` / `//go:wasmimport` ones), and the memory
//! layout of results written through the retptr. `model` checks each
//! lowering against the module's actual wasm type.
//!
//! The same lowering serves both directions: for an export the host writes
//! the parameters and reads the results; for an import (a host function) the
//! guest writes the parameters, the host reads them, and the host writes the
//! results, through the retptr the guest passes first.
//!
//! TinyGo's conventions, as the lowering applies them:
//! - `int`, `uint`, `int32`, `uint32`, `uintptr`, pointers, `unsafe.Pointer`,
//!   `bool`, `int8/16`, `uint8/16`, `byte`, `rune` are one `i32`; `int64`,
//!   `uint64` one `i64`; `float32` `f32`; `float64` `f64`.
//! - `string` is `(ptr, len)`; `[]T` is `(ptr, len, cap)`; an interface or
//!   `error` is `(typecode, value)`.
//! - A result of more than one word (a string, a slice, an interface, several
//!   results) is written to memory through a hidden pointer, the retptr,
//!   inserted as the FIRST wasm parameter; the function then returns nothing.
//!
//! Standard Go (`GOOS=wasip1`, `//go:wasmexport`) passes scalars only, has a
//! 64-bit `int`, and never uses a retptr.

use crate::go::{GoFunc, GoType};
use crate::wasm::{FuncSig, WasmType};

/// Which compiler's conventions apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavour {
    TinyGo,
    StandardGo,
}

/// A value that travels as one wasm value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scalar {
    Bool,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    F32,
    F64,
}

impl Scalar {
    pub fn wasm(self) -> WasmType {
        match self {
            Scalar::I64 | Scalar::U64 => WasmType::I64,
            Scalar::F32 => WasmType::F32,
            Scalar::F64 => WasmType::F64,
            _ => WasmType::I32,
        }
    }

    /// Size and alignment in guest memory (wasm32).
    pub fn size(self) -> u32 {
        match self {
            Scalar::Bool | Scalar::I8 | Scalar::U8 => 1,
            Scalar::I16 | Scalar::U16 => 2,
            Scalar::I32 | Scalar::U32 | Scalar::F32 => 4,
            Scalar::I64 | Scalar::U64 | Scalar::F64 => 8,
        }
    }

    /// The Rust type's name.
    pub fn rust(self) -> &'static str {
        match self {
            Scalar::Bool => "bool",
            Scalar::I8 => "i8",
            Scalar::I16 => "i16",
            Scalar::I32 => "i32",
            Scalar::I64 => "i64",
            Scalar::U8 => "u8",
            Scalar::U16 => "u16",
            Scalar::U32 => "u32",
            Scalar::U64 => "u64",
            Scalar::F32 => "f32",
            Scalar::F64 => "f64",
        }
    }
}

/// How one Go value crosses the boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    Scalar(Scalar),
    /// `string`: `(ptr, len)`.
    String,
    /// `[]T` of a scalar `T`: `(ptr, len, cap)`; `[]byte` is `Slice(U8)`.
    Slice(Scalar),
    /// An interface or `error`: `(typecode, value)`.
    Interface,
    /// `[]string`: `(ptr, len, cap)` of `{ptr, len}` string headers.
    Strings,
}

impl Value {
    /// The wasm parameters this value is passed as.
    pub fn flat(self) -> Vec<WasmType> {
        match self {
            Value::Scalar(s) => vec![s.wasm()],
            Value::String | Value::Interface => vec![WasmType::I32; 2],
            Value::Slice(_) | Value::Strings => vec![WasmType::I32; 3],
        }
    }

    /// (size, align) in guest memory, as LLVM lays it out for wasm32.
    pub fn layout(self) -> (u32, u32) {
        match self {
            Value::Scalar(s) => (s.size(), s.size()),
            Value::String | Value::Interface => (8, 4),
            Value::Slice(_) | Value::Strings => (12, 4),
        }
    }
}

/// A result field written through the retptr.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub value: Value,
    pub offset: u32,
}

/// How the results come back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Results {
    None,
    /// One scalar, returned as the wasm result.
    Direct(Scalar),
    /// Written to memory at the retptr (the first wasm parameter).
    Retptr { fields: Vec<Field>, size: u32 },
}

/// A parameter after lowering.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub value: Value,
}

/// A Go signature lowered to wasm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lowered {
    pub params: Vec<Param>,
    pub results: Results,
    /// The wasm type this lowering predicts.
    pub wasm: FuncSig,
    /// The last Go result is `error` (an interface, the last retptr field):
    /// an export's method returns it as a Go error.
    pub go_error: bool,
}

impl Lowered {
    /// Words such as `retptr, (ptr,len) params` for documentation.
    pub fn convention(&self) -> String {
        let mut parts = Vec::new();
        if let Results::Retptr { size, .. } = &self.results {
            parts.push(format!("results through a retptr (first wasm parameter, {size} bytes)"));
        }
        if self.params.iter().any(|p| p.value == Value::String) {
            parts.push("strings as (ptr, len)".to_string());
        }
        if self.params.iter().any(|p| matches!(p.value, Value::Slice(_) | Value::Strings)) {
            parts.push("slices as (ptr, len, cap)".to_string());
        }
        if self.params.iter().any(|p| p.value == Value::Interface) {
            parts.push("interfaces as (typecode, value)".to_string());
        }
        if self.go_error {
            parts.push("the last result a Go error".to_string());
        }
        if parts.is_empty() {
            "scalars passed directly".to_string()
        } else {
            parts.join("; ")
        }
    }
}

/// Lowers one Go type, or says why it cannot be bound.
pub fn lower_type(ty: &GoType, flavour: Flavour) -> Result<Value, String> {
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
        GoType::Uint32 | GoType::Uintptr | GoType::UnsafePointer | GoType::Pointer(_) => {
            Scalar::U32
        }
        GoType::Uint64 => Scalar::U64,
        GoType::Float32 => Scalar::F32,
        GoType::Float64 => Scalar::F64,
        GoType::String | GoType::Slice(_) | GoType::Interface(_)
            if flavour == Flavour::StandardGo =>
        {
            return Err("standard Go's //go:wasmexport passes scalars only".into())
        }
        GoType::String => return Ok(Value::String),
        GoType::Interface(_) => return Ok(Value::Interface),
        GoType::Slice(elem) => {
            return match lower_type(elem, flavour)? {
                Value::Scalar(s) if s != Scalar::Bool => Ok(Value::Slice(s)),
                Value::String => Ok(Value::Strings),
                _ => Err(format!("a slice of `{elem:?}` has no binding yet")),
            };
        }
        GoType::Other(t) => {
            return Err(format!(
                "`{t}` is not a type the bindings know (a named type from another package, \
                 a struct, map, channel, array or function)"
            ))
        }
    };
    Ok(Value::Scalar(scalar))
}

/// Lowers a whole signature.
pub fn lower(func: &GoFunc, flavour: Flavour) -> Result<Lowered, String> {
    let mut params = Vec::new();
    let mut wasm = FuncSig::default();
    for (i, p) in func.params.iter().enumerate() {
        let value = lower_type(&p.ty, flavour)
            .map_err(|e| format!("parameter {}: {e}", i + 1))?;
        wasm.params.extend(value.flat());
        let name = match p.name.as_deref() {
            Some(n) if n != "_" => n.to_string(),
            _ => format!("arg{i}"),
        };
        params.push(Param { name, value });
    }
    let values = func
        .results
        .iter()
        .enumerate()
        .map(|(i, r)| lower_type(&r.ty, flavour).map_err(|e| format!("result {}: {e}", i + 1)))
        .collect::<Result<Vec<_>, _>>()?;
    let go_error = matches!(func.results.last().map(|r| &r.ty), Some(GoType::Interface(t)) if t == "error");
    let results = match values.as_slice() {
        [] => Results::None,
        [Value::Scalar(s)] => {
            wasm.results.push(s.wasm());
            Results::Direct(*s)
        }
        _ if flavour == Flavour::StandardGo => {
            return Err("standard Go's //go:wasmexport returns at most one scalar".into())
        }
        many => {
            let (fields, size) = layout(many);
            wasm.params.insert(0, WasmType::I32);
            Results::Retptr { fields, size }
        }
    };
    Ok(Lowered {
        params,
        results,
        wasm,
        go_error,
    })
}

/// Lays results out as LLVM lays out a struct of them: each at its natural
/// alignment, the whole rounded up to the largest alignment.
pub fn layout(values: &[Value]) -> (Vec<Field>, u32) {
    let mut offset = 0u32;
    let mut max_align = 1u32;
    let mut fields = Vec::new();
    for v in values {
        let (size, align) = v.layout();
        offset = offset.next_multiple_of(align);
        fields.push(Field { value: *v, offset });
        offset += size;
        max_align = max_align.max(align);
    }
    (fields, offset.next_multiple_of(max_align))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::go::GoSource;
    use WasmType::*;

    fn lowered(decl: &str, flavour: Flavour) -> Result<Lowered, String> {
        let text = format!("//export f\n{decl}\n");
        let src = GoSource::parse(&[("t.go".into(), text)]).expect("parses");
        lower(src.find("f").expect("declared"), flavour)
    }

    fn wasm(decl: &str) -> String {
        lowered(decl, Flavour::TinyGo).expect("lowers").wasm.to_string()
    }

    #[test]
    fn string_result_goes_through_a_leading_retptr() {
        assert_eq!(
            wasm("func f(a, b string) string"),
            "(i32, i32, i32, i32, i32) -> ()"
        );
    }

    #[test]
    fn the_lowering_table() {
        let cases = [
            ("int", I32),
            ("uint", I32),
            ("int32", I32),
            ("uint32", I32),
            ("uintptr", I32),
            ("*byte", I32),
            ("unsafe.Pointer", I32),
            ("bool", I32),
            ("int8", I32),
            ("int16", I32),
            ("uint8", I32),
            ("uint16", I32),
            ("byte", I32),
            ("rune", I32),
            ("int64", I64),
            ("uint64", I64),
            ("float32", F32),
            ("float64", F64),
        ];
        for (ty, expected) in cases {
            let l = lowered(&format!("func f(x {ty}) {ty}"), Flavour::TinyGo).expect(ty);
            assert_eq!(l.wasm.params, vec![expected], "{ty}");
            assert_eq!(l.wasm.results, vec![expected], "{ty}");
        }
    }

    #[test]
    fn slices_interfaces_and_several_results() {
        assert_eq!(wasm("func f(b []byte) []byte"), "(i32, i32, i32, i32) -> ()");
        assert_eq!(wasm("func f(e error)"), "(i32, i32) -> ()");
        assert_eq!(wasm("func f() (int, int)"), "(i32) -> ()");
        assert_eq!(wasm("func f(x int64) (ok bool)"), "(i64) -> (i32)");
    }

    #[test]
    fn result_layout_uses_natural_alignment() {
        let l = lowered("func f() (a bool, b int64, s string, c uint16)", Flavour::TinyGo)
            .expect("lowers");
        let Results::Retptr { fields, size } = l.results else {
            panic!("expected a retptr");
        };
        let offsets: Vec<u32> = fields.iter().map(|f| f.offset).collect();
        assert_eq!(offsets, vec![0, 8, 16, 24]);
        assert_eq!(size, 32);
    }

    #[test]
    fn standard_go_has_a_64_bit_int_and_no_retptr() {
        let l = lowered("func f(x int, y int32) bool", Flavour::StandardGo).expect("lowers");
        assert_eq!(l.wasm.to_string(), "(i64, i32) -> (i32)");
        assert!(lowered("func f(s string)", Flavour::StandardGo).is_err());
        assert!(lowered("func f() (int32, int32)", Flavour::StandardGo).is_err());
    }

    #[test]
    fn unknown_types_are_refused_with_a_reason() {
        let err = lowered("func f(m map[string]int)", Flavour::TinyGo).expect_err("map");
        assert!(err.contains("map[string]int"), "{err}");
    }
}
