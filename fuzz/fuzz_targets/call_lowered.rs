//! The dynamic call path (`tinybind call FILE.wasm`) on real TinyGo guests:
//! `call_lowered` with the fuzzer's values, against either the export's own
//! lowering (as the code generator inferred it from the Go source) or a
//! lowering the fuzzer makes up, for any export. Whatever the mismatch, the
//! call comes back as a value or a typed error: never a panic, never a hang
//! (the runtime's deadline), never a read outside guest memory.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use libfuzzer_sys::arbitrary::{Result as ArbResult, Unstructured};
use libfuzzer_sys::fuzz_target;
use tinybind_runtime::{call_lowered, GoInterface, GuestModule, Lowering, ResultShape, Runtime, Value, ValueType};

/// The guests called: structs, slices, errors, bytes and strings, all
/// without host imports.
const GUESTS: [&str; 4] = ["shapes", "errorsx", "bytesx", "greeter"];

struct Guest {
    module: &'static GuestModule,
    /// Every export the model types, with its inferred lowering.
    functions: Vec<(&'static str, Lowering)>,
}

/// What the fuzzer may name as a slice's or array's element.
static ELEMENTS: [ValueType; 8] = [
    ValueType::U8,
    ValueType::I32,
    ValueType::I64,
    ValueType::F64,
    ValueType::Bool,
    ValueType::String,
    ValueType::Bytes,
    ValueType::Interface,
];

struct Loaded {
    runtime: Runtime,
    guests: Vec<Guest>,
    /// The struct types the guests' parameters use.
    structs: Vec<ValueType>,
}

fn load() -> Loaded {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest-go");
    let guests: Vec<Guest> = GUESTS
        .iter()
        .map(|name| {
            let wasm = dir.join(format!("{name}.wasm"));
            let go: Vec<PathBuf> = tinybind_codegen::go_files_beside(&wasm).expect("Go files beside the guest");
            let (model, bytes) = tinybind_codegen::read_module(&wasm, &go).expect("a guest of guest-go/");
            let module = Box::leak(Box::new(GuestModule {
                name: Box::leak(model.guest.clone().into_boxed_str()),
                file: Box::leak(model.file.clone().into_boxed_str()),
                bytes: Box::leak(bytes.into_boxed_slice()),
                startup: model.startup_kind,
                retptr_size: model.retptr_size,
            }));
            let functions = model
                .functions
                .iter()
                .map(|f| {
                    let export: &'static str = Box::leak(f.export.clone().into_boxed_str());
                    (export, Lowering::leaked_from(&f.passing.lowering))
                })
                .collect();
            Guest { module, functions }
        })
        .collect();
    let runtime = Runtime::builder()
        .timeout(Some(Duration::from_millis(200)))
        .memory_limit(16 << 20)
        .max_result_bytes(1 << 20)
        .capture_output(4096)
        .build()
        .expect("runtime");
    let structs = guests
        .iter()
        .flat_map(|g: &Guest| g.functions.iter().flat_map(|(_, l)| l.params().to_vec()))
        .filter(|t| matches!(t, ValueType::Struct(_)))
        .collect();
    Loaded {
        runtime,
        guests,
        structs,
    }
}

/// A type: mostly scalars, strings and slices, and any struct type one of
/// the guests uses.
fn value_type(u: &mut Unstructured, structs: &[ValueType]) -> ArbResult<ValueType> {
    Ok(match u.int_in_range(0..=19)? {
        0 => ValueType::Bool,
        1 => ValueType::I8,
        2 => ValueType::I16,
        3 => ValueType::I32,
        4 => ValueType::I64,
        5 => ValueType::U8,
        6 => ValueType::U16,
        7 => ValueType::U32,
        8 => ValueType::U64,
        9 => ValueType::F32,
        10 => ValueType::F64,
        11 => ValueType::String,
        12 => ValueType::Bytes,
        13 => ValueType::BytesPtrLen,
        14 => ValueType::SliceOf(u.choose(&ELEMENTS)?),
        15 => ValueType::ArrayOf(u.choose(&ELEMENTS)?, u.int_in_range(0..=4)?),
        16 => ValueType::Interface,
        17 => ValueType::Error,
        _ => match structs {
            [] => ValueType::I32,
            some => *u.choose(some)?,
        },
    })
}

/// A lowering made up from the fuzzer's bytes.
fn lowering(u: &mut Unstructured, structs: &[ValueType]) -> ArbResult<Lowering> {
    let params = (0..u.int_in_range(0..=4)?)
        .map(|_| value_type(u, structs))
        .collect::<ArbResult<Vec<_>>>()?;
    if u.ratio(1, 8)? {
        let results = (0..u.int_in_range(0..=2)?)
            .map(|_| value_type(u, structs))
            .collect::<ArbResult<Vec<_>>>()?;
        return Ok(Lowering::Raw { params, results });
    }
    let results = match u.int_in_range(0..=4)? {
        0 => ResultShape::None,
        1 => ResultShape::Direct(value_type(u, structs)?),
        2 => ResultShape::Leaf(value_type(u, structs)?),
        3 => ResultShape::Packed(value_type(u, structs)?),
        _ => {
            let fields = (0..u.int_in_range(0..=3)?)
                .map(|_| Ok((value_type(u, structs)?, u.int_in_range(0..=64)?)))
                .collect::<ArbResult<Vec<_>>>()?;
            ResultShape::Retptr {
                fields,
                size: u.int_in_range(0..=96)?,
            }
        }
    };
    Ok(Lowering::Typed { params, results })
}

/// A value of type `t` (or, now and then, of another type).
fn value(u: &mut Unstructured, t: ValueType, depth: u32) -> ArbResult<Value> {
    if depth > 3 || u.ratio(1, 16)? {
        return Ok(Value::I32(u.arbitrary()?));
    }
    let text = |u: &mut Unstructured| -> ArbResult<String> {
        let s: String = u.arbitrary()?;
        Ok(s.chars().take(256).collect())
    };
    Ok(match t {
        ValueType::Bool => Value::Bool(u.arbitrary()?),
        ValueType::I8 => Value::I8(u.arbitrary()?),
        ValueType::I16 => Value::I16(u.arbitrary()?),
        ValueType::I32 | ValueType::Error => Value::I32(u.arbitrary()?),
        ValueType::I64 => Value::I64(u.arbitrary()?),
        ValueType::U8 => Value::U8(u.arbitrary()?),
        ValueType::U16 => Value::U16(u.arbitrary()?),
        ValueType::U32 => Value::U32(u.arbitrary()?),
        ValueType::U64 => Value::U64(u.arbitrary()?),
        ValueType::F32 => Value::F32(u.arbitrary()?),
        ValueType::F64 => Value::F64(u.arbitrary()?),
        ValueType::String => Value::String(text(u)?),
        ValueType::Bytes | ValueType::BytesPtrLen => {
            let b: Vec<u8> = u.arbitrary()?;
            Value::Bytes(b.into_iter().take(1024).collect())
        }
        ValueType::SliceOf(elem) | ValueType::ArrayOf(elem, _) => {
            let n = match t {
                ValueType::ArrayOf(_, n) if u.ratio(7, 8)? => n,
                _ => u.int_in_range(0..=8)?,
            };
            Value::List((0..n).map(|_| value(u, *elem, depth + 1)).collect::<ArbResult<_>>()?)
        }
        ValueType::Struct(s) => {
            let fields = s.fields.iter().map(|(name, ft)| Ok((name.to_string(), value(u, *ft, depth + 1)?)));
            let mut fields = fields.collect::<ArbResult<Vec<_>>>()?;
            if u.ratio(1, 8)? {
                fields.pop();
            }
            Value::Record(fields)
        }
        ValueType::Interface => Value::Interface(GoInterface {
            typecode: u.arbitrary()?,
            value: u.arbitrary()?,
        }),
    })
}

fuzz_target!(|data: &[u8]| {
    static LOADED: OnceLock<Loaded> = OnceLock::new();
    let Loaded {
        runtime,
        guests,
        structs,
    } = LOADED.get_or_init(load);
    let mut u = Unstructured::new(data);
    let Ok(guest) = u.choose(guests) else {
        return;
    };
    let Ok((export, inferred)) = u.choose(&guest.functions) else {
        return;
    };
    // Half the time the export's own lowering, half a made-up one.
    let made_up;
    let lowering = match u.arbitrary::<bool>() {
        Ok(true) => inferred,
        _ => match lowering(&mut u, structs) {
            Ok(l) => {
                made_up = l;
                &made_up
            }
            Err(_) => return,
        },
    };
    let Ok(mut args) = lowering
        .params()
        .iter()
        .map(|t| value(&mut u, *t, 0))
        .collect::<ArbResult<Vec<_>>>()
    else {
        return;
    };
    if u.ratio(1, 16).unwrap_or(false) {
        args.pop();
    }
    let Ok(mut instance) = runtime.instantiate(guest.module) else {
        return;
    };
    // A value or a typed error; what matters is that it returns.
    let _ = call_lowered(&mut instance, export, lowering, &args);
});
