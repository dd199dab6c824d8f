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
//! TinyGo's conventions, as the lowering applies them (`repr` says how
//! each type is flattened and laid out):
//! - Parameters are passed flattened, every scalar leaf a wasm parameter.
//! - Results that flatten to one scalar (a scalar, or a struct or array of
//!   one scalar leaf) are the wasm result.
//! - Results of more than one leaf (a string, a slice, an interface, a
//!   struct, several results) are written to memory through a hidden
//!   pointer, the retptr, inserted as the FIRST wasm parameter, laid out as a
//!   struct of the results; the function then returns nothing.
//!
//! Standard Go (`GOOS=wasip1`, `//go:wasmexport`) passes scalars and
//! strings as `(ptr, len)`, has a 64-bit `int`, never uses a retptr, and
//! returns at most one scalar.
//!
//! A packed result is the de facto convention of both compilers where the
//! ABI has no string result (wazero's and go-plugin's examples): the Go
//! source returns a `uint64`, `ptr << 32 | len`, of a block from the guest's
//! `malloc`, and the host reads it, then frees it with the guest's `free`. A
//! declaration beside the module that says `string` or `[]byte` for such a
//! result types it ([`lower_matching`]): for standard Go that is the only
//! way a string comes back; for TinyGo, whose own string result is a retptr,
//! the module's wasm type tells the two apart.

use tinybind_abi::{Scalar, MAX_WASM_VALUES};

use crate::abi::repr::{layout, lower_type, Flavour, Repr};
use crate::go::{GoFunc, GoType};
use crate::wasm::{FuncSig, WasmType};

/// A result field written through the retptr.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub value: Repr,
    pub offset: u32,
}

/// How the results come back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Results {
    None,
    /// One scalar, returned as the wasm result.
    Direct(Scalar),
    /// One struct or array whose only leaf is the wasm result.
    Leaf { value: Repr, leaf: Scalar },
    /// Written to memory at the retptr (the first wasm parameter).
    Retptr { fields: Vec<Field>, size: u32 },
    /// A `string` ([`Repr::String`]) or `[]byte` ([`Repr::Bytes`]) packed
    /// into the one `i64` result, `ptr << 32 | len`, in a block from the
    /// guest's `malloc` that the reader frees with its `free`.
    Packed(Repr),
}

/// A parameter after lowering.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub value: Repr,
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
    /// Every result's value that is not a lone scalar.
    pub fn result_values(&self) -> Vec<&Repr> {
        match &self.results {
            Results::None | Results::Direct(_) => Vec::new(),
            Results::Leaf { value, .. } | Results::Packed(value) => vec![value],
            Results::Retptr { fields, .. } => fields.iter().map(|f| &f.value).collect(),
        }
    }

    /// Every parameter's value, then [`Self::result_values`].
    pub fn values(&self) -> Vec<&Repr> {
        self.params.iter().map(|p| &p.value).chain(self.result_values()).collect()
    }

    /// Renames structs (Go name to Rust name) wherever they occur.
    pub fn rename_structs(&mut self, renamed: &std::collections::HashMap<String, String>) {
        for p in &mut self.params {
            p.value = p.value.renamed(renamed);
        }
        match &mut self.results {
            Results::None | Results::Direct(_) | Results::Packed(_) => {}
            Results::Leaf { value, .. } => *value = value.renamed(renamed),
            Results::Retptr { fields, .. } => {
                for f in fields {
                    f.value = f.value.renamed(renamed);
                }
            }
        }
    }

    /// Words such as `retptr, (ptr,len) params` for documentation.
    pub fn convention(&self) -> String {
        let mut parts = Vec::new();
        if let Results::Retptr { size, .. } = &self.results {
            parts.push(format!("results through a retptr (first wasm parameter, {size} bytes)"));
        }
        if let Results::Packed(value) = &self.results {
            parts.push(format!(
                "the {} result packed into an i64 (ptr << 32 | len), freed with the guest's `free`",
                value.describe()
            ));
        }
        if self.params.iter().any(|p| matches!(p.value, Repr::Struct(_) | Repr::Array(..))) {
            parts.push("structs and arrays flattened to their fields".to_string());
        }
        if self.params.iter().any(|p| p.value == Repr::String) {
            parts.push("strings as (ptr, len)".to_string());
        }
        if self.params.iter().any(|p| p.value == Repr::Bytes) {
            parts.push("byte slices as (ptr, len)".to_string());
        }
        if self.params.iter().any(|p| matches!(p.value, Repr::Slice(_) | Repr::Strings | Repr::List(_))) {
            parts.push("slices as (ptr, len, cap)".to_string());
        }
        if self.params.iter().any(|p| p.value == Repr::Interface) {
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

/// Lowers a whole signature.
pub fn lower(func: &GoFunc, flavour: Flavour) -> Result<Lowered, String> {
    let mut params = Vec::new();
    let mut wasm = FuncSig::default();
    for (i, p) in func.params.iter().enumerate() {
        let value = lower_type(&p.ty, flavour)
            .map_err(|e| format!("parameter {}: {e}", i + 1))?;
        wasm.params.extend(value.flat());
        if wasm.params.len() > MAX_WASM_VALUES + 1 {
            return Err(format!("more than {} wasm parameters", MAX_WASM_VALUES));
        }
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
        [Repr::Scalar(s)] => {
            wasm.results.push(s.wasm().into());
            Results::Direct(*s)
        }
        [one @ (Repr::String | Repr::Bytes)] if flavour == Flavour::StandardGo => {
            wasm.results.push(WasmType::I64);
            Results::Packed(one.clone())
        }
        _ if flavour == Flavour::StandardGo => {
            return Err("standard Go returns at most one scalar, or a string or []byte packed \
                        into a uint64 (ptr << 32 | len)"
                .into())
        }
        [one @ (Repr::Struct(_) | Repr::Array(..))] if one.flat().len() <= 1 => {
            let Some(leaf) = single_leaf(one) else {
                return Err("a result of no size, or of empty fields around one value, has no \
                            binding"
                    .into());
            };
            wasm.results.push(leaf.wasm().into());
            Results::Leaf {
                value: one.clone(),
                leaf,
            }
        }
        many => {
            let (offsets, tinybind_abi::Layout { size, .. }) = layout(many);
            let fields = many
                .iter()
                .zip(offsets)
                .map(|(v, offset)| Field {
                    value: v.clone(),
                    offset,
                })
                .collect();
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

/// Lowers a signature as the module's wasm type `actual` shows it: the
/// compiler's own convention, or, where that does not match and the one
/// result is a `string` or `[]byte`, the packed one ([`Results::Packed`]).
/// The caller still compares the result's `wasm` with `actual`.
pub fn lower_matching(func: &GoFunc, flavour: Flavour, actual: &FuncSig) -> Result<Lowered, String> {
    let own = lower(func, flavour)?;
    if own.wasm == *actual {
        return Ok(own);
    }
    Ok(packed(&own).filter(|p| p.wasm == *actual).unwrap_or(own))
}

/// `l`, whose one result is a string or `[]byte` through the retptr, with
/// that result packed into an `i64` instead.
fn packed(l: &Lowered) -> Option<Lowered> {
    let Results::Retptr { fields, .. } = &l.results else {
        return None;
    };
    let value = match fields.as_slice() {
        [Field {
            value: Repr::String, ..
        }] => Repr::String,
        [Field {
            value: Repr::Slice(Scalar::U8),
            ..
        }] => Repr::Bytes,
        _ => return None,
    };
    let mut wasm = l.wasm.clone();
    wasm.params.remove(0);
    wasm.results = vec![WasmType::I64];
    Some(Lowered {
        params: l.params.clone(),
        results: Results::Packed(value),
        wasm,
        go_error: false,
    })
}

/// The scalar a struct or array of exactly one scalar is: a struct of one
/// field, or an array of one element, down to a scalar.
pub fn single_leaf(v: &Repr) -> Option<Scalar> {
    match v {
        Repr::Scalar(s) => Some(*s),
        Repr::Struct(s) if s.fields.len() == 1 => single_leaf(&s.fields[0].value),
        Repr::Array(elem, 1) => single_leaf(elem),
        _ => None,
    }
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
        assert!(lowered("func f() (int32, int32)", Flavour::StandardGo).is_err());
        assert!(lowered("func f() (string, error)", Flavour::StandardGo).is_err());
        assert!(lowered("func f(xs []int32)", Flavour::StandardGo).is_err());
    }

    #[test]
    fn standard_go_passes_strings_and_bytes_as_ptr_len_and_packs_their_results() {
        let l = lowered("func f(s string, b []byte) string", Flavour::StandardGo).expect("lowers");
        assert_eq!(l.wasm.to_string(), "(i32, i32, i32, i32) -> (i64)");
        assert_eq!(l.params[1].value, Repr::Bytes);
        assert_eq!(l.results, Results::Packed(Repr::String));
        let l = lowered("func f() []byte", Flavour::StandardGo).expect("lowers");
        assert_eq!(l.results, Results::Packed(Repr::Bytes));
    }

    #[test]
    fn a_tinygo_string_result_is_packed_where_the_module_says_so() {
        let text = "//export f\nfunc f(name string) string\n".to_string();
        let src = GoSource::parse(&[("t.go".into(), text)]).expect("parses");
        let f = src.find("f").expect("declared");
        let packed: FuncSig = FuncSig {
            params: vec![I32, I32],
            results: vec![I64],
        };
        let l = lower_matching(f, Flavour::TinyGo, &packed).expect("lowers");
        assert_eq!(l.results, Results::Packed(Repr::String));
        assert_eq!(l.wasm, packed);
        // The module's own retptr convention wins where it matches.
        let retptr = lower(f, Flavour::TinyGo).expect("lowers");
        let l = lower_matching(f, Flavour::TinyGo, &retptr.wasm).expect("lowers");
        assert!(matches!(l.results, Results::Retptr { .. }));
        // A type that is neither stays the retptr lowering, for the caller's
        // mismatch message.
        let other = FuncSig {
            params: vec![I32],
            results: vec![I64],
        };
        let l = lower_matching(f, Flavour::TinyGo, &other).expect("lowers");
        assert_ne!(l.wasm, other);
    }

    #[test]
    fn unknown_types_are_refused_with_a_reason() {
        let err = lowered("func f(m map[string]int)", Flavour::TinyGo).expect_err("map");
        assert!(err.contains("map[string]int"), "{err}");
    }
}
