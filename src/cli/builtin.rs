//! What the `tinybind` command shows of the guests built into it: the demo
//! (every typed function called with sample arguments) and the listing.

use tinybind::guests::{GUESTS, INTERFACES};
use tinybind_runtime::{DynGuest, FunctionInfo, GuestEntry, GuestInfo, Runtime, Value, ValueType};

use super::values::show_arg;

pub fn find_guest(name: &str) -> Result<&'static GuestEntry, String> {
    GUESTS.iter().find(|g| g.info.name == name).ok_or_else(|| {
        let names: Vec<&str> = GUESTS.iter().map(|g| g.info.name).collect();
        format!("no guest `{name}`; the guests are: {}", names.join(", "))
    })
}

/// A built-in guest's interface, interface-only guests included.
pub fn find_interface(name: &str) -> Result<&'static GuestInfo, String> {
    INTERFACES.iter().copied().find(|g| g.name == name).ok_or_else(|| {
        let names: Vec<&str> = INTERFACES.iter().map(|g| g.name).collect();
        format!("no guest interface `{name}`; the interfaces are: {}", names.join(", "))
    })
}

pub fn list() {
    for g in GUESTS {
        let row = |f: &'static FunctionInfo| Listed {
            rust: f.rust,
            go: f.go,
            wasm: f.wasm,
            evidence: f.evidence,
        };
        let imports = g.info.imports.iter().map(|i| (format!("{}.{}", i.module.unwrap_or_default(), i.name), row(i)));
        print_listing(
            &format!("{} ({}, {})", g.info.name, g.info.file, g.info.compiler),
            g.info.functions.iter().map(row),
            imports,
        );
    }
}

/// One function in `tinybind list`: its Rust signature, and its Go one or
/// its wasm type.
pub struct Listed<'a> {
    pub rust: &'a str,
    pub go: Option<&'a str>,
    pub wasm: &'a str,
    pub evidence: &'a str,
}

/// A guest's entry in `tinybind list`: a heading, its functions, and its
/// imports by `module.name`.
pub fn print_listing<'a>(
    heading: &str,
    functions: impl Iterator<Item = Listed<'a>>,
    imports: impl Iterator<Item = (String, Listed<'a>)>,
) {
    println!("{heading}");
    for f in functions {
        println!("  {}", f.rust);
        match f.go {
            Some(go) => println!("      go: {go}   [{}]", f.evidence),
            None => println!("      wasm: {}   [{}]", f.wasm, f.evidence),
        }
    }
    let mut imports = imports.peekable();
    if imports.peek().is_some() {
        println!("  imports (host functions):");
    }
    for (name, i) in imports {
        println!("    {name}: {}", i.rust);
        match i.go {
            Some(go) => println!("        go: {go}   [{}]", i.evidence),
            None => println!("        wasm: {}   [{}]", i.wasm, i.evidence),
        }
    }
}

/// Sample arguments for a demo call: the same inputs for every guest.
fn sample(ty: ValueType, index: usize) -> Value {
    const WORDS: [&str; 3] = ["Ada", "Lovelace", "tinybind"];
    const INTS: [i64; 3] = [7, 3, 20];
    let n = INTS[index % INTS.len()];
    match ty {
        ValueType::Bool => Value::Bool(index.is_multiple_of(2)),
        ValueType::I8 => Value::I8(-(n as i8)),
        ValueType::I16 => Value::I16(300 * n as i16),
        ValueType::I32 => Value::I32(n as i32),
        ValueType::I64 => Value::I64(n * 1_000_000_007),
        ValueType::U8 => Value::U8(n as u8),
        ValueType::U16 => Value::U16(n as u16),
        ValueType::U32 => Value::U32(n as u32),
        ValueType::U64 => Value::U64(n as u64),
        ValueType::F32 => Value::F32(n as f32 * 1.5),
        ValueType::F64 => Value::F64(n as f64),
        ValueType::String => Value::String(WORDS[index % WORDS.len()].to_string()),
        ValueType::Bytes | ValueType::BytesPtrLen => Value::Bytes(b"tinybind".to_vec()),
        ValueType::SliceOf(elem) => Value::List(vec![sample(*elem, 0), sample(*elem, 1)]),
        ValueType::ArrayOf(elem, n) => Value::List((0..n as usize).map(|i| sample(*elem, i)).collect()),
        ValueType::Struct(s) => Value::Record(
            s.fields.iter().enumerate().map(|(i, (n, t))| (n.to_string(), sample(*t, i))).collect(),
        ),
        ValueType::Interface | ValueType::Error => Value::Interface(tinybind_runtime::GoInterface::default()),
    }
}

/// Calls every typed function of every guest with sample arguments, under a
/// short deadline and a small memory cap so misbehaving guests show their
/// errors quickly.
pub fn demo() -> Result<(), String> {
    let runtime = Runtime::builder()
        .timeout(Some(std::time::Duration::from_secs(1)))
        .memory_limit(64 << 20)
        .capture_output(DEMO_OUTPUT_CAP)
        .build()
        .map_err(|e| e.to_string())?;
    println!("tinybind demo: {} guests built into this binary\n", GUESTS.len());
    for entry in GUESTS {
        println!("{} ({}, {})", entry.info.name, entry.info.file, entry.info.compiler);
        let mut instance: Option<Box<dyn DynGuest>> = None;
        for f in entry.info.functions.iter().filter(|f| f.evidence != "wasm-only") {
            demo_call(&runtime, entry, f, &mut instance);
        }
        let raw = entry
            .info
            .functions
            .iter()
            .filter(|f| f.evidence == "wasm-only")
            .count();
        if raw > 0 {
            println!("  ({raw} functions with raw wasm types only are not called)");
        }
        println!();
    }
    Ok(())
}

fn demo_call(
    runtime: &Runtime,
    entry: &GuestEntry,
    f: &FunctionInfo,
    instance: &mut Option<Box<dyn DynGuest>>,
) {
    let args: Vec<Value> = f
        .params
        .iter()
        .enumerate()
        .map(|(i, (_, t))| sample(*t, i))
        .collect();
    let shown: Vec<String> = args.iter().map(show_arg).collect();
    let call = format!("  {}({})", f.method, shown.join(", "));
    if instance.as_mut().is_some_and(|g| g.instance().is_poisoned()) {
        *instance = None;
    }
    let guest = match instance {
        Some(g) => g,
        None => match (entry.instantiate)(runtime) {
            Ok(g) => instance.insert(g),
            Err(e) => {
                println!("{call} -> error: {e}");
                return;
            }
        },
    };
    let written_before = guest_output_len(guest.as_mut());
    let result = guest.call_dynamic(f.name, &args);
    // The call's line first, then what the guest printed during it.
    match result {
        Ok(results) => {
            let shown: Vec<String> = results.iter().map(show_arg).collect();
            let out = match shown.as_slice() {
                [] => "()".to_string(),
                [one] => one.clone(),
                many => format!("({})", many.join(", ")),
            };
            println!("{call} -> {out}");
        }
        Err(e) => println!("{call} -> error: {e}"),
    }
    show_guest_output(guest.as_mut(), written_before);
}

/// The demo captures what guests print (up to this many bytes per stream)
/// and shows the start of it under each call.
const DEMO_OUTPUT_CAP: usize = 64 * 1024;

fn guest_output_len(guest: &mut dyn DynGuest) -> (usize, usize) {
    let i = guest.instance();
    (
        i.stdout().map_or(0, |b| b.len()),
        i.stderr().map_or(0, |b| b.len()),
    )
}

fn show_guest_output(guest: &mut dyn DynGuest, (out_before, err_before): (usize, usize)) {
    let i = guest.instance();
    let streams = [("stdout", i.stdout(), out_before), ("stderr", i.stderr(), err_before)];
    for (name, bytes, before) in streams {
        let Some(new) = bytes.as_deref().and_then(|b| b.get(before..)) else {
            continue;
        };
        if new.is_empty() {
            continue;
        }
        let text = String::from_utf8_lossy(new);
        let first = text.lines().next().unwrap_or_default();
        let excerpt: String = first.chars().take(60).collect();
        let more = if excerpt.len() < text.trim_end().len() { "..." } else { "" };
        println!("      (guest {name}, {} bytes: {excerpt:?}{more})", new.len());
    }
}

