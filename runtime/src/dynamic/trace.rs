//! Tracing imports, for exploring what a module does: every import the
//! guest calls that nothing implements is answered with zero values (or the
//! results given for it with [`ImportTracer::answer`]), and
//! each call is reported, its arguments decoded from guest memory as the
//! import's lowering says (strings, slices, numbers), or as raw wasm values
//! when there is none.
//!
//! Opt-in ([`RuntimeBuilder::trace_imports`]); without it such an
//! import fails with an error naming it.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use wasmtime::{AsContext, FuncType, Val};

use crate::config::UnlinkedImports;
use crate::dynamic::aggregate;
use crate::dynamic::lowered::{scalar_to_wasm, Lowering, ResultShape};
use crate::host::call::{Args, Caller};
use crate::host::failure::fault;
use crate::host::results::{result_area, write_blob, write_packed};
use crate::runtime::RuntimeBuilder;
use crate::store::State;
use crate::value::{scalar_from_wasm, zero_wasm_value, GoInterface, Value, ValueType};

/// One import call, as reported to the tracer's sink.
#[derive(Debug)]
pub struct TracedCall<'a> {
    /// `module.name`.
    pub import: &'a str,
    /// Each argument's name and value, or why it could not be read (a bad
    /// pointer, say): tracing never fails the call for it.
    pub args: Vec<(String, Result<Value, String>)>,
    /// The values returned: zero values, or the import's answer (the wasm
    /// results, or the Go results written through the retptr).
    pub results: Vec<Value>,
}

/// What one import's arguments are, for decoding.
#[derive(Clone, Debug)]
pub struct ImportShape {
    /// Parameter names, one per value of `lowering.params()`.
    pub names: Vec<String>,
    pub lowering: Lowering,
}

type Sink = dyn Fn(&TracedCall<'_>) + Send + Sync;

/// The imports to trace, with their shapes where the code generator's
/// model typed them, and where each call is reported.
#[derive(Clone)]
pub struct ImportTracer {
    shapes: HashMap<String, ImportShape>,
    answers: HashMap<String, Arc<[Value]>>,
    sink: Arc<Sink>,
}

impl fmt::Debug for ImportTracer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImportTracer")
            .field("shapes", &self.shapes)
            .field("answers", &self.answers)
            .finish_non_exhaustive()
    }
}

impl ImportTracer {
    /// A tracer reporting every call to `sink`.
    pub fn new(sink: impl Fn(&TracedCall<'_>) + Send + Sync + 'static) -> Self {
        ImportTracer {
            shapes: HashMap::new(),
            answers: HashMap::new(),
            sink: Arc::new(sink),
        }
    }

    /// Decodes the import `module.name` with `shape` (without one, its raw
    /// wasm values are reported).
    pub fn shape(mut self, module: &str, name: &str, shape: ImportShape) -> Self {
        self.shapes.insert(format!("{module}.{name}"), shape);
        self
    }

    /// Answers every call of `module.name` with `results`, one per Go
    /// result of its shape (one per wasm result without a shape), instead
    /// of zero values. Strings, slices and structs are placed in guest
    /// memory as a host function's results are; a Go `error` or interface
    /// is a [`Value::Interface`] (typecode 0: nil). Results that do not fit
    /// the import fail its call with an error naming it.
    pub fn answer(mut self, module: &str, name: &str, results: Vec<Value>) -> Self {
        self.answers.insert(format!("{module}.{name}"), results.into());
        self
    }
}

impl UnlinkedImports for ImportTracer {
    /// Defines `module.name` in `linker` as a traced function of type `ty`.
    fn define(
        &self,
        linker: &mut wasmtime::Linker<State>,
        module: &str,
        name: &str,
        ty: FuncType,
    ) -> wasmtime::Result<()> {
        let import = format!("{module}.{name}");
        let shape = self.shapes.get(&import).cloned().filter(|s| fits(s, &ty));
        let answer = self.answers.get(&import).cloned();
        let sink = self.sink.clone();
        linker.func_new(module, name, ty.clone(), move |mut caller, params, results| {
            for (slot, t) in results.iter_mut().zip(ty.results()) {
                *slot = zero_wasm_value(&t);
            }
            let answer = answer.as_deref();
            let call = match &shape {
                Some(
                    s @ ImportShape {
                        lowering: Lowering::Typed { .. },
                        ..
                    },
                ) => typed_call(&mut caller, &import, s, params, answer, results)?,
                Some(s) => raw_call(&import, Some(&s.names), params, &ty, answer, results)?,
                None => raw_call(&import, None, params, &ty, answer, results)?,
            };
            sink(&call);
            Ok(())
        })?;
        Ok(())
    }
}

impl RuntimeBuilder {
    /// Answers every import that nothing implements (not WASI, not a host
    /// trait's) with zero values, reporting each call to `tracer`, instead
    /// of failing the call with an error that names the import. For
    /// exploring what a module does (`tinybind call --trace-imports`).
    pub fn trace_imports(self, tracer: ImportTracer) -> Self {
        self.unlinked_imports(Arc::new(tracer))
    }
}

/// Whether a shape's lowering has the import's wasm type (else the raw
/// values are reported).
fn fits(shape: &ImportShape, ty: &FuncType) -> bool {
    let flat: usize = match &shape.lowering {
        Lowering::Raw { params, results } => {
            return params.len() == ty.params().len() && results.len() == ty.results().len()
        }
        Lowering::Typed { params, results } => {
            let retptr = usize::from(matches!(results, ResultShape::Retptr { .. }));
            retptr + params.iter().map(|p| flat_len(*p)).sum::<usize>()
        }
    };
    flat == ty.params().len() && shape.names.len() == shape.lowering.params().len()
}

fn flat_len(t: ValueType) -> usize {
    match t {
        ValueType::String | ValueType::BytesPtrLen | ValueType::Interface | ValueType::Error => 2,
        ValueType::Bytes | ValueType::SliceOf(_) => 3,
        _ => 1,
    }
}

fn raw_call<'a>(
    import: &'a str,
    names: Option<&[String]>,
    params: &[Val],
    ty: &FuncType,
    answer: Option<&[Value]>,
    results: &mut [Val],
) -> wasmtime::Result<TracedCall<'a>> {
    let name = |i: usize| match names.and_then(|n| n.get(i)) {
        Some(n) => n.clone(),
        None => format!("arg{i}"),
    };
    let given = match answer {
        Some(values) => {
            let types: Vec<ValueType> = ty.results().map(|t| raw_type(&t)).collect();
            answered(import, &types, values)?;
            for ((slot, t), v) in results.iter_mut().zip(&types).zip(values) {
                *slot = scalar_to_wasm(*t, v).map_err(|e| fault(import, format!("its answer does not fit: {e}")))?;
            }
            values.to_vec()
        }
        None => ty.results().map(|t| raw_value(&zero_wasm_value(&t))).collect(),
    };
    Ok(TracedCall {
        import,
        args: params
            .iter()
            .enumerate()
            .map(|(i, v)| (name(i), Ok(raw_value(v))))
            .collect(),
        results: given,
    })
}

/// Checks that an answer has one value per result.
fn answered(import: &str, types: &[ValueType], values: &[Value]) -> wasmtime::Result<()> {
    if types.len() == values.len() {
        return Ok(());
    }
    Err(fault(import, format!("its answer has {} results; the import has {}", values.len(), types.len())))
}

/// The value type of a wasm value type (references are never traced).
fn raw_type(t: &wasmtime::ValType) -> ValueType {
    match t {
        wasmtime::ValType::I64 => ValueType::I64,
        wasmtime::ValType::F32 => ValueType::F32,
        wasmtime::ValType::F64 => ValueType::F64,
        _ => ValueType::I32,
    }
}

fn raw_value(v: &Val) -> Value {
    match v {
        Val::I32(x) => Value::I32(*x),
        Val::I64(x) => Value::I64(*x),
        Val::F32(x) => Value::F32(f32::from_bits(*x)),
        Val::F64(x) => Value::F64(f64::from_bits(*x)),
        _ => Value::I32(0),
    }
}

fn typed_call<'a>(
    caller: &mut Caller<'_>,
    import: &'a str,
    shape: &ImportShape,
    params: &[Val],
    answer: Option<&[Value]>,
    results: &mut [Val],
) -> wasmtime::Result<TracedCall<'a>> {
    let i32_at = |i: usize| match params.get(i) {
        Some(Val::I32(x)) => *x,
        _ => 0,
    };
    let (types, shaped) = match &shape.lowering {
        Lowering::Typed { params, results } => (params, results),
        // `fits` let only typed shapes through to here.
        Lowering::Raw { .. } => {
            return Ok(TracedCall {
                import,
                args: Vec::new(),
                results: Vec::new(),
            })
        }
    };
    // The arguments are read first: answering may call the guest's
    // `malloc`, which may move memory.
    let args = typed_args(caller, shape, types, params, usize::from(matches!(shaped, ResultShape::Retptr { .. })));
    let fits = |e: crate::error::Error| fault(import, format!("its answer does not fit: {e}"));
    let given = match (shaped, answer) {
        (ResultShape::None, None) => Vec::new(),
        (ResultShape::None, Some(values)) => {
            answered(import, &[], values)?;
            Vec::new()
        }
        (ResultShape::Direct(t), None) => vec![zero_value(*t)],
        // A struct or array of one scalar: its wasm result is left zero.
        (ResultShape::Leaf(_), None) => Vec::new(),
        (ResultShape::Direct(t) | ResultShape::Leaf(t), Some(values)) => {
            answered(import, &[*t], values)?;
            let mut leaves = Vec::new();
            aggregate::flatten(*t, &values[0], &mut leaves).map_err(fits)?;
            if let ([(leaf, value)], Some(slot)) = (leaves.as_slice(), results.first_mut()) {
                *slot = scalar_to_wasm(*leaf, value).map_err(fits)?;
            }
            values.to_vec()
        }
        // Zero is the empty value.
        (ResultShape::Packed(t), None) => vec![zero_value(*t)],
        (ResultShape::Packed(t), Some(values)) => {
            answered(import, &[*t], values)?;
            let packed = match &values[0] {
                Value::String(s) => write_packed(caller, import, s.as_bytes())?,
                Value::Bytes(b) => write_packed(caller, import, b)?,
                other => {
                    return Err(fits(crate::error::Error::ArgumentType {
                        expected: t.name(),
                        got: other.type_name(),
                    }))
                }
            };
            if let Some(slot) = results.first_mut() {
                *slot = Val::I64(packed);
            }
            values.to_vec()
        }
        (ResultShape::Retptr { fields, size }, answer) => {
            let retptr = i32_at(0);
            match answer {
                Some(values) => {
                    let types: Vec<ValueType> = fields.iter().map(|(t, _)| *t).collect();
                    answered(import, &types, values)?;
                    let blob = aggregate::results_blob(fields, *size, values).map_err(fits)?;
                    write_blob(caller, import, retptr, *size, &blob)?;
                    values.to_vec()
                }
                None => {
                    zero_area(caller, import, retptr as u32, *size)?;
                    fields.iter().map(|(t, _)| zero_value(*t)).collect()
                }
            }
        }
    };
    Ok(TracedCall {
        import,
        args,
        results: given,
    })
}

/// Zeroes the retptr area of `size` bytes at `retptr`.
fn zero_area(caller: &mut Caller<'_>, import: &str, retptr: u32, size: u32) -> wasmtime::Result<()> {
    let data = result_area(caller, import, retptr, size)?;
    // `result_area` checked the area.
    data[retptr as usize..retptr as usize + size as usize].fill(0);
    Ok(())
}

/// The arguments of a typed import, decoded from its wasm values from
/// `first` on (after the retptr) and guest memory.
fn typed_args(
    caller: &Caller<'_>,
    shape: &ImportShape,
    types: &[ValueType],
    params: &[Val],
    first: usize,
) -> Vec<(String, Result<Value, String>)> {
    let i32_at = |i: usize| match params.get(i) {
        Some(Val::I32(x)) => *x,
        _ => 0,
    };
    let limit = caller.data().max_bytes;
    let data = match caller.data().memory {
        Some(m) => m.data(caller.as_context()),
        None => &[],
    };
    let args = Args::new(data, limit);
    let mut at = first;
    let mut out = Vec::new();
    for (name, t) in shape.names.iter().zip(types) {
        let value = match t {
            ValueType::String => {
                let (p, n) = (i32_at(at), i32_at(at + 1));
                args.bytes(p, n)
                    .map(|b| Value::String(String::from_utf8_lossy(b).into_owned()))
                    .map_err(|f| f.into_reason())
            }
            ValueType::Bytes | ValueType::BytesPtrLen => args
                .bytes(i32_at(at), i32_at(at + 1))
                .map(|b| Value::Bytes(b.to_vec()))
                .map_err(|f| f.into_reason()),
            ValueType::SliceOf(ValueType::String) => args
                .strings(i32_at(at), i32_at(at + 1))
                .map(|items| Value::List(items.into_iter().map(|s| Value::String(s.to_string())).collect()))
                .map_err(|f| f.into_reason()),
            ValueType::SliceOf(elem) => slice(&args, **elem, i32_at(at), i32_at(at + 1)),
            ValueType::Interface | ValueType::Error => Ok(Value::Interface(GoInterface {
                typecode: i32_at(at) as u32,
                value: i32_at(at + 1) as u32,
            })),
            scalar => Ok(params
                .get(at)
                .and_then(|v| scalar_from_wasm(*scalar, v))
                .unwrap_or_else(|| zero_value(*scalar))),
        };
        at += flat_len(*t);
        out.push((name.clone(), value));
    }
    out
}

fn slice(args: &Args<'_>, elem: ValueType, ptr: i32, len: i32) -> Result<Value, String> {
    macro_rules! read {
        ($t:ty, $v:ident) => {
            args.slice::<$t>(ptr, len)
                .map(|xs| Value::List(xs.into_iter().map(Value::$v).collect()))
                .map_err(|f| f.into_reason())
        };
    }
    match elem {
        ValueType::I8 => read!(i8, I8),
        ValueType::I16 => read!(i16, I16),
        ValueType::I32 => read!(i32, I32),
        ValueType::I64 => read!(i64, I64),
        ValueType::U8 => read!(u8, U8),
        ValueType::U16 => read!(u16, U16),
        ValueType::U32 => read!(u32, U32),
        ValueType::U64 => read!(u64, U64),
        ValueType::F32 => read!(f32, F32),
        ValueType::F64 => read!(f64, F64),
        other => Err(format!("a slice of {} is not decoded", other.name())),
    }
}

/// Go's zero value of a type, as the tracer returns it.
fn zero_value(t: ValueType) -> Value {
    match t {
        ValueType::Bool => Value::Bool(false),
        ValueType::I8 => Value::I8(0),
        ValueType::I16 => Value::I16(0),
        ValueType::I32 => Value::I32(0),
        ValueType::I64 => Value::I64(0),
        ValueType::U8 => Value::U8(0),
        ValueType::U16 => Value::U16(0),
        ValueType::U32 => Value::U32(0),
        ValueType::U64 => Value::U64(0),
        ValueType::F32 => Value::F32(0.0),
        ValueType::F64 => Value::F64(0.0),
        ValueType::String => Value::String(String::new()),
        ValueType::Bytes | ValueType::BytesPtrLen => Value::Bytes(Vec::new()),
        ValueType::SliceOf(_) => Value::List(Vec::new()),
        ValueType::Interface | ValueType::Error => Value::Interface(GoInterface::default()),
        #[allow(unreachable_patterns)]
        _ => Value::I32(0),
    }
}
