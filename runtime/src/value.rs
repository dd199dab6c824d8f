//! Values crossing the boundary and their types, as the bindings and the
//! dynamic call path see them: [`Value`], [`ValueType`], [`StructType`] and
//! [`GoInterface`]. The vocabulary of the crate: it imports only the error.

use tinybind_abi::{Layout, Scalar, INTERFACE, SLICE, STRING};
use wasmtime::{Val, ValType};

use crate::error::Error;

/// A Go interface value as TinyGo passes it: `(typecode, value)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct GoInterface {
    pub typecode: u32,
    pub value: u32,
}

/// The type of a parameter or result, as the bindings see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueType {
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
    String,
    Bytes,
    /// A `[]byte` passed as `(ptr, len)`, without a capacity: a standard Go
    /// parameter, or a packed result. Its values are [`Value::Bytes`].
    BytesPtrLen,
    SliceOf(&'static ValueType),
    /// `[N]T`.
    ArrayOf(&'static ValueType, u32),
    /// A Go struct: its fields by Go name.
    Struct(&'static StructType),
    Interface,
    /// A Go `error` result (only ever the last result).
    Error,
}

impl ValueType {
    pub fn name(self) -> &'static str {
        match self {
            ValueType::Bool => "bool",
            ValueType::I8 => "i8",
            ValueType::I16 => "i16",
            ValueType::I32 => "i32",
            ValueType::I64 => "i64",
            ValueType::U8 => "u8",
            ValueType::U16 => "u16",
            ValueType::U32 => "u32",
            ValueType::U64 => "u64",
            ValueType::F32 => "f32",
            ValueType::F64 => "f64",
            ValueType::String => "string",
            ValueType::Bytes | ValueType::BytesPtrLen => "bytes",
            ValueType::SliceOf(_) => "slice",
            ValueType::ArrayOf(..) => "array",
            ValueType::Struct(s) => s.name,
            ValueType::Interface => "interface",
            ValueType::Error => "error",
        }
    }
}

/// A Go struct type, as the bindings see it.
#[derive(Debug, PartialEq, Eq)]
pub struct StructType {
    /// The Go name.
    pub name: &'static str,
    /// (Go name, type) of every field, in order.
    pub fields: &'static [(&'static str, ValueType)],
    /// Each field's offset in guest memory, as the code generator laid the
    /// struct out.
    pub offsets: &'static [u32],
    /// Size and alignment in guest memory.
    pub size: u32,
    pub align: u32,
}

impl ValueType {
    /// The scalar kind of a scalar type (`None` for strings, slices,
    /// arrays, structs and interfaces).
    pub fn scalar(self) -> Option<Scalar> {
        Some(match self {
            ValueType::Bool => Scalar::Bool,
            ValueType::I8 => Scalar::I8,
            ValueType::I16 => Scalar::I16,
            ValueType::I32 => Scalar::I32,
            ValueType::I64 => Scalar::I64,
            ValueType::U8 => Scalar::U8,
            ValueType::U16 => Scalar::U16,
            ValueType::U32 => Scalar::U32,
            ValueType::U64 => Scalar::U64,
            ValueType::F32 => Scalar::F32,
            ValueType::F64 => Scalar::F64,
            _ => return None,
        })
    }

    /// The type of a scalar kind.
    pub fn of_scalar(s: Scalar) -> &'static ValueType {
        match s {
            Scalar::Bool => &ValueType::Bool,
            Scalar::I8 => &ValueType::I8,
            Scalar::I16 => &ValueType::I16,
            Scalar::I32 => &ValueType::I32,
            Scalar::I64 => &ValueType::I64,
            Scalar::U8 => &ValueType::U8,
            Scalar::U16 => &ValueType::U16,
            Scalar::U32 => &ValueType::U32,
            Scalar::U64 => &ValueType::U64,
            Scalar::F32 => &ValueType::F32,
            Scalar::F64 => &ValueType::F64,
        }
    }

    /// Size and alignment in guest memory (wasm32), by TinyGo's rules
    /// (`tinybind-abi`): a struct's as the code generator laid it out, an
    /// array its elements one after another.
    pub fn layout(self) -> (u32, u32) {
        let layout = match self {
            ValueType::String | ValueType::BytesPtrLen => STRING,
            ValueType::Interface | ValueType::Error => INTERFACE,
            ValueType::Bytes | ValueType::SliceOf(_) => SLICE,
            ValueType::ArrayOf(elem, n) => {
                let (size, align) = elem.layout();
                Layout { size, align }.array(n)
            }
            ValueType::Struct(s) => Layout {
                size: s.size,
                align: s.align,
            },
            ValueType::Bool
            | ValueType::I8
            | ValueType::I16
            | ValueType::I32
            | ValueType::I64
            | ValueType::U8
            | ValueType::U16
            | ValueType::U32
            | ValueType::U64
            | ValueType::F32
            | ValueType::F64 => self.scalar().map_or(INTERFACE, Scalar::layout),
        };
        (layout.size, layout.align)
    }
}

/// A value of any binding type.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Bool(bool),
    I8(i8),
    I16(i16),
    I32(i32),
    I64(i64),
    U8(u8),
    U16(u16),
    U32(u32),
    U64(u64),
    F32(f32),
    F64(f64),
    String(String),
    Bytes(Vec<u8>),
    List(Vec<Value>),
    /// A Go struct's fields, by Go name, in order.
    Record(Vec<(String, Value)>),
    Interface(GoInterface),
}

impl Value {
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Bool(_) => "bool",
            Value::I8(_) => "i8",
            Value::I16(_) => "i16",
            Value::I32(_) => "i32",
            Value::I64(_) => "i64",
            Value::U8(_) => "u8",
            Value::U16(_) => "u16",
            Value::U32(_) => "u32",
            Value::U64(_) => "u64",
            Value::F32(_) => "f32",
            Value::F64(_) => "f64",
            Value::String(_) => "string",
            Value::Bytes(_) => "bytes",
            Value::List(_) => "list",
            Value::Record(_) => "struct",
            Value::Interface(_) => "interface",
        }
    }

    /// A list of values: a slice or an array of structs, say.
    pub fn list<T: Into<Value>>(items: impl IntoIterator<Item = T>) -> Value {
        Value::List(items.into_iter().map(Into::into).collect())
    }

    /// The field `name` of a record, or an error naming it.
    pub fn field(&self, name: &'static str) -> Result<&Value, Error> {
        match self {
            Value::Record(fields) => match fields.iter().find(|(n, _)| n == name) {
                Some((_, v)) => Ok(v),
                None => Err(Error::ArgumentType {
                    expected: name,
                    got: "a struct without that field",
                }),
            },
            other => Err(Error::ArgumentType {
                expected: "struct",
                got: other.type_name(),
            }),
        }
    }

    /// The value as a Rust type, or an error naming both types.
    pub fn get<'a, T: FromValue<'a>>(&'a self) -> Result<T, Error> {
        T::from_value(self)
    }
}

/// Taking a Rust value out of a [`Value`].
pub trait FromValue<'a>: Sized {
    fn from_value(v: &'a Value) -> Result<Self, Error>;
}

macro_rules! scalar_value {
    ($($variant:ident($t:ty)),*) => {$(
        impl From<$t> for Value {
            fn from(x: $t) -> Self {
                Value::$variant(x)
            }
        }
        impl<'a> FromValue<'a> for $t {
            fn from_value(v: &'a Value) -> Result<Self, Error> {
                match v {
                    Value::$variant(x) => Ok(*x),
                    other => Err(Error::ArgumentType { expected: stringify!($t), got: other.type_name() }),
                }
            }
        }
        impl From<Vec<$t>> for Value {
            fn from(xs: Vec<$t>) -> Self {
                Value::List(xs.into_iter().map(Value::from).collect())
            }
        }
    )*};
}

scalar_value!(
    Bool(bool),
    I8(i8),
    I16(i16),
    I32(i32),
    I64(i64),
    U16(u16),
    U32(u32),
    U64(u64),
    F32(f32),
    F64(f64),
    Interface(GoInterface)
);

impl From<u8> for Value {
    fn from(x: u8) -> Self {
        Value::U8(x)
    }
}

impl<'a> FromValue<'a> for u8 {
    fn from_value(v: &'a Value) -> Result<Self, Error> {
        match v {
            Value::U8(x) => Ok(*x),
            other => Err(Error::ArgumentType {
                expected: "u8",
                got: other.type_name(),
            }),
        }
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<Vec<u8>> for Value {
    fn from(b: Vec<u8>) -> Self {
        Value::Bytes(b)
    }
}

impl<'a> FromValue<'a> for &'a str {
    fn from_value(v: &'a Value) -> Result<Self, Error> {
        match v {
            Value::String(s) => Ok(s),
            other => Err(Error::ArgumentType {
                expected: "string",
                got: other.type_name(),
            }),
        }
    }
}

impl From<Vec<String>> for Value {
    fn from(items: Vec<String>) -> Self {
        Value::List(items.into_iter().map(Value::String).collect())
    }
}

impl<'a, T: FromValue<'a>> FromValue<'a> for Vec<T> {
    fn from_value(v: &'a Value) -> Result<Self, Error> {
        match v {
            Value::List(items) => items.iter().map(T::from_value).collect(),
            other => Err(Error::ArgumentType {
                expected: "list",
                got: other.type_name(),
            }),
        }
    }
}

impl<'a, T: FromValue<'a>, const N: usize> FromValue<'a> for [T; N] {
    fn from_value(v: &'a Value) -> Result<Self, Error> {
        let items: Vec<T> = Vec::from_value(v)?;
        let got = items.len();
        items.try_into().map_err(|_| Error::ArgumentType {
            expected: "a list of the array's length",
            got: if got < N { "a shorter list" } else { "a longer list" },
        })
    }
}

impl<T: Into<Value>, const N: usize> From<[T; N]> for Value {
    fn from(items: [T; N]) -> Self {
        Value::list(items)
    }
}

impl<'a> FromValue<'a> for String {
    fn from_value(v: &'a Value) -> Result<Self, Error> {
        <&str>::from_value(v).map(str::to_owned)
    }
}

impl<'a> FromValue<'a> for &'a [u8] {
    fn from_value(v: &'a Value) -> Result<Self, Error> {
        match v {
            Value::Bytes(b) => Ok(b),
            other => Err(Error::ArgumentType {
                expected: "bytes",
                got: other.type_name(),
            }),
        }
    }
}

/// The zero value of a wasm type (a null reference for reference types).
pub(crate) fn zero_wasm_value(t: &ValType) -> Val {
    match t {
        ValType::I32 => Val::I32(0),
        ValType::I64 => Val::I64(0),
        ValType::F32 => Val::F32(0),
        ValType::F64 => Val::F64(0),
        ValType::V128 => Val::V128(0u128.into()),
        ValType::Ref(r) => Val::null_ref(r.heap_type()),
    }
}

/// A scalar from its wasm value (booleans and small integers are one `i32`,
/// unsigned ones keep their bits); `None` when the wasm value is not of the
/// scalar's wasm type.
pub(crate) fn scalar_from_wasm(t: ValueType, v: &Val) -> Option<Value> {
    Some(match (t, v) {
        (ValueType::Bool, Val::I32(x)) => Value::Bool(x & 1 != 0),
        (ValueType::I8, Val::I32(x)) => Value::I8(*x as i8),
        (ValueType::I16, Val::I32(x)) => Value::I16(*x as i16),
        (ValueType::I32, Val::I32(x)) => Value::I32(*x),
        (ValueType::U8, Val::I32(x)) => Value::U8(*x as u8),
        (ValueType::U16, Val::I32(x)) => Value::U16(*x as u16),
        (ValueType::U32, Val::I32(x)) => Value::U32(*x as u32),
        (ValueType::I64, Val::I64(x)) => Value::I64(*x),
        (ValueType::U64, Val::I64(x)) => Value::U64(*x as u64),
        (ValueType::F32, Val::F32(x)) => Value::F32(f32::from_bits(*x)),
        (ValueType::F64, Val::F64(x)) => Value::F64(f64::from_bits(*x)),
        _ => return None,
    })
}
