//! TinyGo's wasm32 conventions, written once for every part of tinybind:
//! the code generator decides with these rules, and hands what it decided to
//! the CLI and the runtime's dynamic call path as a [`Lowering`].
//!
//! - Scalars ([`Scalar`]): `bool`, `int8/16/32/64`, `uint8/16/32/64` and
//!   `float32/64`, each one wasm value ([`Scalar::wasm`]), of its natural
//!   size and alignment in memory ([`Scalar::layout`]).
//! - In memory, wasm32: a string is 8 bytes `{ptr, len}` ([`STRING`]), a
//!   slice 12 `{ptr, len, cap}` ([`SLICE`]), an interface or `error` 8
//!   `{typecode, value}` ([`INTERFACE`]); a struct's fields are at their
//!   natural alignment and its size is rounded up to its largest field's
//!   alignment ([`struct_layout`]); an array is its elements one after
//!   another ([`Layout::array`]).
//! - A typed call passes at most [`MAX_WASM_VALUES`] wasm values each way.
//! - A guest is started as a reactor, a WASI command, or not at all
//!   ([`Startup`]).
//!
//! No dependencies: the types are plain data.

/// The most parameters, and the most results, a binding can pass: wasmtime's
/// typed calls take tuples of up to 17 values.
pub const MAX_WASM_VALUES: usize = 17;

/// A wasm value type a binding can pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WasmType {
    I32,
    I64,
    F32,
    F64,
}

/// A wasm function type as reports and generated code write it:
/// `(i32, i32) -> (i32)`, `() -> ()`.
pub fn signature<'a>(params: impl IntoIterator<Item = &'a str>, results: impl IntoIterator<Item = &'a str>) -> String {
    let list = |names: &mut dyn Iterator<Item = &'a str>| names.collect::<Vec<_>>().join(", ");
    format!("({}) -> ({})", list(&mut params.into_iter()), list(&mut results.into_iter()))
}

/// Whether TinyGo of this version (the `processed-by` entry of a module's
/// `producers` section: `0.41.1`, `0.28.0-dev`) puts Go type names in the
/// binary, from which a Go `error`'s message can be read: 0.28 and later.
pub fn tinygo_names_types(version: &str) -> bool {
    let mut parts = version
        .split(|c: char| !c.is_ascii_digit())
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (major, minor) >= (0, 28)
}

/// A Go value that travels as one wasm value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
    /// The wasm value it is passed as: 64-bit kinds as themselves, every
    /// narrower integer and `bool` as an `i32`.
    pub fn wasm(self) -> WasmType {
        match self {
            Scalar::I64 | Scalar::U64 => WasmType::I64,
            Scalar::F32 => WasmType::F32,
            Scalar::F64 => WasmType::F64,
            Scalar::Bool | Scalar::I8 | Scalar::I16 | Scalar::I32 | Scalar::U8 | Scalar::U16 | Scalar::U32 => {
                WasmType::I32
            }
        }
    }

    /// Size and alignment in guest memory, which are equal (wasm32).
    pub fn layout(self) -> Layout {
        let size = match self {
            Scalar::Bool | Scalar::I8 | Scalar::U8 => 1,
            Scalar::I16 | Scalar::U16 => 2,
            Scalar::I32 | Scalar::U32 | Scalar::F32 => 4,
            Scalar::I64 | Scalar::U64 | Scalar::F64 => 8,
        };
        Layout { size, align: size }
    }

    /// The short name, `bool`, `i8` ... `f64` (signedness and width).
    pub fn name(self) -> &'static str {
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

    /// The Go type of this width: `int32` for `I32` (Go's `int` and
    /// `uintptr` are 32 bits on wasm32, and read as `int32` and `uint32`).
    pub fn go_name(self) -> &'static str {
        match self {
            Scalar::Bool => "bool",
            Scalar::I8 => "int8",
            Scalar::I16 => "int16",
            Scalar::I32 => "int32",
            Scalar::I64 => "int64",
            Scalar::U8 => "uint8",
            Scalar::U16 => "uint16",
            Scalar::U32 => "uint32",
            Scalar::U64 => "uint64",
            Scalar::F32 => "float32",
            Scalar::F64 => "float64",
        }
    }
}

/// Size and alignment in guest memory, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Layout {
    pub size: u32,
    pub align: u32,
}

/// A string header: `{ptr, len}`.
pub const STRING: Layout = Layout { size: 8, align: 4 };
/// A slice header: `{ptr, len, cap}`.
pub const SLICE: Layout = Layout { size: 12, align: 4 };
/// An interface (or `error`): `{typecode, value}`.
pub const INTERFACE: Layout = Layout { size: 8, align: 4 };

impl Layout {
    /// An array of `n` elements of this layout, one after another (the size
    /// saturates; callers refuse sizes that do not fit first).
    pub fn array(self, n: u32) -> Layout {
        Layout {
            size: self.size.saturating_mul(n),
            align: self.align,
        }
    }
}

/// Lays fields out as LLVM lays out a struct for wasm32: each at its natural
/// alignment, in order, the whole rounded up to the largest alignment (1 for
/// no fields). Returns each field's offset and the struct's layout.
pub fn struct_layout(fields: impl IntoIterator<Item = Layout>) -> (Vec<u32>, Layout) {
    let mut offset = 0u32;
    let mut align = 1u32;
    let mut offsets = Vec::new();
    for f in fields {
        offset = offset.next_multiple_of(f.align);
        offsets.push(offset);
        offset = offset.saturating_add(f.size);
        align = align.max(f.align);
    }
    let size = offset.next_multiple_of(align);
    (offsets, Layout { size, align })
}

/// How a guest is started before its exports are called.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Startup {
    /// A reactor (`-buildmode=c-shared`): `_initialize` is called once.
    Initialize,
    /// A WASI command: `_start` runs once; `proc_exit(0)` there is success.
    Command,
    /// Nothing to call: a browser (`-target=wasm`) build whose exports run
    /// the constructors themselves, or a module with neither entry point.
    None,
}

impl Startup {
    /// The start-up of a module, from what it exports and imports: a
    /// reactor's `_initialize`, else a WASI command's `_start` (unless the
    /// module imports TinyGo's JS runtime `gojs`: then `_start` is a
    /// browser's and would call into it), else none.
    pub fn of_module(exports_initialize: bool, exports_start: bool, imports_gojs: bool) -> Startup {
        if exports_initialize {
            Startup::Initialize
        } else if exports_start && !imports_gojs {
            Startup::Command
        } else {
            Startup::None
        }
    }

    /// The kind in a few words, for documentation and reports.
    pub fn describe(self) -> &'static str {
        match self {
            Startup::Initialize => "reactor: `_initialize` runs once at instantiation",
            Startup::Command => "WASI command: `_start` runs once at instantiation (`proc_exit(0)` is success)",
            Startup::None => "no start-up call: exports initialise the Go runtime themselves",
        }
    }
}

/// How one function crosses the boundary, as the code generator lowered it:
/// owned data, for a caller that learns the lowering at run time (the CLI's
/// `tinybind call FILE.wasm`, the import tracer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lowering {
    /// The exact wasm values.
    Raw {
        params: Vec<WasmType>,
        results: Vec<WasmType>,
    },
    /// Go values, lowered with TinyGo's conventions.
    Typed { params: Vec<Type>, results: Results },
}

/// A Go type as it crosses the boundary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    Scalar(Scalar),
    String,
    /// `[]byte`.
    Bytes,
    /// `[]byte` as `(ptr, len)`, without a capacity: standard Go's, or a
    /// packed result's.
    BytesPtrLen,
    /// `[]T` of any other `T`.
    SliceOf(Box<Type>),
    /// `[N]T`.
    ArrayOf(Box<Type>, u32),
    /// A named Go struct, laid out.
    Struct(StructType),
    Interface,
    /// A Go `error` result (only ever the last retptr field).
    Error,
}

impl Type {
    /// Whether a value of this type travels in guest memory (a string, a
    /// slice, an `error`, or a struct or array holding one), not as wasm
    /// values alone.
    pub fn in_memory(&self) -> bool {
        match self {
            Type::String | Type::Bytes | Type::BytesPtrLen | Type::SliceOf(_) | Type::Error => true,
            Type::Struct(s) => s.fields.iter().any(|f| f.ty.in_memory()),
            Type::ArrayOf(elem, _) => elem.in_memory(),
            Type::Scalar(_) | Type::Interface => false,
        }
    }
}

/// What a module must export for an interface's values to reach it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryNeeds {
    /// Values are read from guest memory: the module exports `memory`.
    pub memory: bool,
    /// The host writes into guest memory (arguments, a retptr area, host
    /// function results): the module exports `malloc` and `free`.
    pub allocator: bool,
}

impl MemoryNeeds {
    /// From the interface's largest retptr area, whether some export takes a
    /// parameter in memory, and whether some host import takes a parameter
    /// or gives a result in memory.
    pub fn of(retptr_size: u32, export_params: bool, import_params: bool, import_results: bool) -> Self {
        let allocator = retptr_size > 0 || export_params || import_results;
        MemoryNeeds {
            memory: allocator || import_params,
            allocator,
        }
    }
}

/// A Go struct: its fields by Go name, at their offsets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StructType {
    /// The Go name.
    pub name: String,
    pub fields: Vec<StructField>,
    pub layout: Layout,
}

/// One field of a [`StructType`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StructField {
    /// The Go name.
    pub name: String,
    pub ty: Type,
    pub offset: u32,
}

/// How a typed function's results come back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Results {
    None,
    /// One scalar, the wasm result.
    Direct(Scalar),
    /// A struct or array of one scalar leaf, which is the wasm result.
    Leaf(Type),
    /// Written through the retptr (the first wasm parameter): each field's
    /// type and offset, and the area's size. A last field of type
    /// [`Type::Error`] is the Go `error`.
    Retptr {
        fields: Vec<(Type, u32)>,
        size: u32,
    },
    /// A [`Type::String`] or [`Type::BytesPtrLen`] packed into the one
    /// `i64` result, `ptr << 32 | len`, in a block from the guest's `malloc`
    /// that the reader frees with its `free`.
    Packed(Type),
}

/// The exports a host allocates guest memory with, in the order they are
/// looked for, each `(malloc, free)`, with wasm types `(i32) -> i32` and
/// `(i32) -> ()`:
/// - `malloc`/`free`: TinyGo's own (0.26 and later keep each block until
///   `free`), and the de facto convention of standard Go guests (wazero's
///   and go-plugin's examples), whose `malloc` keeps its blocks in a map
///   until `free`;
/// - `proxy_on_memory_allocate`, with no `free`: proxy-wasm's, whose Go
///   SDKs return `&make([]byte, size)[0]`, memory the guest's GC owns.
///
/// With no `free` the blocks are the guest GC's: a host must not keep one
/// across calls, since nothing in the guest refers to it.
pub const ALLOCATORS: &[(&str, Option<&str>)] = &[("malloc", Some("free")), ("proxy_on_memory_allocate", None)];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tinygo_names_types_from_0_28() {
        for (version, names) in [
            ("0.41.1", true),
            ("0.28.0-dev", true),
            ("0.27.0", false),
            ("0.9.0", false),
            ("", false),
        ] {
            assert_eq!(tinygo_names_types(version), names, "{version}");
        }
    }

    #[test]
    fn struct_layout_is_natural_alignment_rounded_to_the_largest() {
        let fields = [Scalar::U8, Scalar::I64, Scalar::U16, Scalar::F32].map(Scalar::layout);
        let (offsets, layout) = struct_layout(fields);
        assert_eq!(offsets, vec![0, 8, 16, 20]);
        assert_eq!(layout, Layout { size: 24, align: 8 });
        assert_eq!(struct_layout([]).1, Layout { size: 0, align: 1 });
        let (offsets, layout) = struct_layout([STRING, SLICE, Scalar::Bool.layout()]);
        assert_eq!((offsets, layout), (vec![0, 8, 20], Layout { size: 24, align: 4 }));
    }

    #[test]
    fn arrays_are_their_elements_one_after_another() {
        assert_eq!(Scalar::I16.layout().array(3), Layout { size: 6, align: 2 });
        assert_eq!(INTERFACE.array(u32::MAX).size, u32::MAX);
    }

    #[test]
    fn scalars_travel_as_one_wasm_value() {
        assert_eq!(Scalar::Bool.wasm(), WasmType::I32);
        assert_eq!(Scalar::U64.wasm(), WasmType::I64);
        assert_eq!(Scalar::F32.wasm(), WasmType::F32);
        assert_eq!(Scalar::U16.layout(), Layout { size: 2, align: 2 });
    }
}
