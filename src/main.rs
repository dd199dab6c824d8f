//! The `tinybind` command: a demo of the guests built into this binary,
//! listings, calls from the shell, and inspection of any module.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use tinybind::guests::GUESTS;
use tinybind_runtime::{DynGuest, FunctionInfo, GuestEntry, Runtime, Value, ValueType};

#[derive(Parser)]
#[command(
    name = "tinybind",
    version,
    about = "Typed Rust bindings for Go (TinyGo) WebAssembly guests",
    long_about = "With no command: calls every example function of the guests built into this binary and shows what goes in and what comes out."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Every guest and function, with Rust and Go signatures.
    List,
    /// Calls a function: arguments are parsed by its types.
    ///
    /// Strings are taken as they are; `[]byte` as the text's bytes, or hex
    /// after `0x`; numbers in decimal; bool as true/false; other slices as
    /// comma-separated values.
    Call {
        guest: String,
        /// The export name or the Rust method name.
        function: String,
        #[arg(allow_negative_numbers = true)]
        args: Vec<String>,
        /// Deadline of the call, such as `2s` or `500ms` (default 10s).
        #[arg(long, value_parser = parse_duration)]
        timeout: Option<Duration>,
        /// Cap on the guest's memory, in MiB (default 1024).
        #[arg(long)]
        memory_limit_mib: Option<usize>,
        /// A fuel budget for the call (and for start-up): a deterministic
        /// limit on the work the guest may do (default: none).
        #[arg(long)]
        fuel: Option<u64>,
    },
    /// What the code generator infers for any module, without a rebuild.
    Inspect {
        file: PathBuf,
        /// Go source or declarations for the module.
        #[arg(long)]
        go: Vec<PathBuf>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    // Nothing a guest does should panic; if a bug does, say so in one line.
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = info
            .location()
            .map(|l| format!(" ({}:{})", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "error: internal error in tinybind{at}: {}",
            message.replace('\n', " ")
        );
    }));
    let cli = Cli::parse();
    let result = match cli.command {
        None => demo(),
        Some(Command::List) => {
            list();
            Ok(())
        }
        Some(Command::Call {
            guest,
            function,
            args,
            timeout,
            memory_limit_mib,
            fuel,
        }) => call(&guest, &function, &args, timeout, memory_limit_mib, fuel),
        Some(Command::Inspect { file, go, json }) => inspect(&file, &go, json),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line, whatever the message (a wasm compile error, say).
            let line = e.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>();
            eprintln!("error: {}", line.join(" "));
            ExitCode::FAILURE
        }
    }
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as 2s or 500ms"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "" | "s" => n,
        "m" => n * 60.0,
        _ => return Err(format!("unknown unit `{unit}`: use ms, s or m")),
    };
    Duration::try_from_secs_f64(secs).map_err(|e| e.to_string())
}

fn find_guest(name: &str) -> Result<&'static GuestEntry, String> {
    GUESTS.iter().find(|g| g.info.name == name).ok_or_else(|| {
        let names: Vec<&str> = GUESTS.iter().map(|g| g.info.name).collect();
        format!("no guest `{name}`; the guests are: {}", names.join(", "))
    })
}

fn list() {
    for g in GUESTS {
        println!("{} ({}, {})", g.info.name, g.info.file, g.info.compiler);
        for f in g.info.functions {
            println!("  {}", f.rust);
            match f.go {
                Some(go) => println!("      go: {go}   [{}]", f.evidence),
                None => println!("      wasm: {}   [{}]", f.wasm, f.evidence),
            }
        }
        if !g.info.imports.is_empty() {
            println!("  imports (host functions):");
        }
        for i in g.info.imports {
            println!("    {}.{}: {}", i.module, i.name, i.rust);
            match i.go {
                Some(go) => println!("        go: {go}   [{}]", i.evidence),
                None => println!("        wasm: {}   [{}]", i.wasm, i.evidence),
            }
        }
    }
}

fn call(
    guest: &str,
    function: &str,
    args: &[String],
    timeout: Option<Duration>,
    memory_limit_mib: Option<usize>,
    fuel: Option<u64>,
) -> Result<(), String> {
    let entry = find_guest(guest)?;
    let f = entry.info.function(function).ok_or_else(|| {
        let names: Vec<&str> = entry.info.functions.iter().map(|f| f.export).collect();
        format!(
            "guest `{guest}` has no function `{function}`; it has: {}",
            names.join(", ")
        )
    })?;
    if args.len() != f.params.len() {
        return Err(format!(
            "`{}` takes {} arguments ({}), got {}",
            f.export,
            f.params.len(),
            f.params
                .iter()
                .map(|(n, t)| format!("{n}: {}", t.name()))
                .collect::<Vec<_>>()
                .join(", "),
            args.len()
        ));
    }
    let values = f
        .params
        .iter()
        .zip(args)
        .map(|((name, ty), text)| {
            parse_value(*ty, text).map_err(|e| format!("argument `{name}`: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut builder = Runtime::builder();
    if let Some(t) = timeout {
        builder = builder.timeout(Some(t));
    }
    if let Some(mib) = memory_limit_mib {
        builder = builder.memory_limit(mib.saturating_mul(1 << 20));
    }
    if fuel.is_some() {
        builder = builder.fuel(fuel);
    }
    let runtime = builder.build().map_err(|e| e.to_string())?;
    let mut instance = (entry.instantiate)(&runtime).map_err(|e| e.to_string())?;
    let results = instance
        .call_dynamic(f.export, &values)
        .map_err(|e| describe(&e))?;
    for r in &results {
        println!("{}", show(r));
    }
    Ok(())
}

/// An error of a call, on one line, with the bytes of a string that was not
/// UTF-8 (a Go string may hold any bytes) as context.
fn describe(e: &tinybind_runtime::Error) -> String {
    match e.invalid_utf8_bytes() {
        Some(bytes) => {
            const SHOWN: usize = 64;
            let hex: String = bytes.iter().take(SHOWN).map(|b| format!("{b:02x}")).collect();
            let more = if bytes.len() > SHOWN {
                format!("... ({} bytes)", bytes.len())
            } else {
                String::new()
            };
            format!("{e}; the bytes: 0x{hex}{more}")
        }
        None => e.to_string(),
    }
}

fn parse_value(ty: ValueType, text: &str) -> Result<Value, String> {
    fn num<T: std::str::FromStr>(text: &str, ty: ValueType) -> Result<T, String> {
        text.trim()
            .parse()
            .map_err(|_| format!("`{text}` is not a {}", ty.name()))
    }
    Ok(match ty {
        ValueType::Bool => Value::Bool(num(text, ty)?),
        ValueType::I8 => Value::I8(num(text, ty)?),
        ValueType::I16 => Value::I16(num(text, ty)?),
        ValueType::I32 => Value::I32(num(text, ty)?),
        ValueType::I64 => Value::I64(num(text, ty)?),
        ValueType::U8 => Value::U8(num(text, ty)?),
        ValueType::U16 => Value::U16(num(text, ty)?),
        ValueType::U32 => Value::U32(num(text, ty)?),
        ValueType::U64 => Value::U64(num(text, ty)?),
        ValueType::F32 => Value::F32(num(text, ty)?),
        ValueType::F64 => Value::F64(num(text, ty)?),
        ValueType::String => Value::String(text.to_string()),
        ValueType::Bytes => match text.strip_prefix("0x") {
            Some(hex) => Value::Bytes(parse_hex(hex)?),
            None => Value::Bytes(text.as_bytes().to_vec()),
        },
        ValueType::SliceOf(elem) => Value::List(
            text.split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|s| parse_value(*elem, s))
                .collect::<Result<_, _>>()?,
        ),
        ValueType::ArrayOf(elem, _) => Value::List(
            text.split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|s| parse_value(*elem, s))
                .collect::<Result<_, _>>()?,
        ),
        ValueType::Struct(s) => return Err(format!("a struct argument (`{}`) cannot be given on the command line yet", s.name)),
        ValueType::Error => return Err("an error is a result, never an argument".into()),
        ValueType::Interface => {
            let (t, v) = text
                .split_once(':')
                .ok_or_else(|| format!("`{text}` is not an interface value TYPECODE:VALUE"))?;
            Value::Interface(tinybind_runtime::GoInterface {
                typecode: num(t, ValueType::U32)?,
                value: num(v, ValueType::U32)?,
            })
        }
    })
}

fn parse_hex(hex: &str) -> Result<Vec<u8>, String> {
    if !hex.len().is_multiple_of(2) {
        return Err(format!("`0x{hex}` has an odd number of hex digits"));
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
                .ok_or_else(|| format!("`0x{hex}` is not hex"))
        })
        .collect()
}

fn show(v: &Value) -> String {
    match v {
        Value::Bool(x) => x.to_string(),
        Value::I8(x) => x.to_string(),
        Value::I16(x) => x.to_string(),
        Value::I32(x) => x.to_string(),
        Value::I64(x) => x.to_string(),
        Value::U8(x) => x.to_string(),
        Value::U16(x) => x.to_string(),
        Value::U32(x) => x.to_string(),
        Value::U64(x) => x.to_string(),
        Value::F32(x) => x.to_string(),
        Value::F64(x) => x.to_string(),
        Value::String(s) => s.clone(),
        Value::Bytes(b) => b.iter().map(|x| format!("{x:02x}")).collect(),
        Value::List(xs) => xs.iter().map(show).collect::<Vec<_>>().join(","),
        Value::Record(fields) => format!(
            "{{{}}}",
            fields.iter().map(|(n, v)| format!("{n}: {}", show_arg(v))).collect::<Vec<_>>().join(", ")
        ),
        Value::Interface(i) => format!("{}:{}", i.typecode, i.value),
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
        ValueType::Bytes => Value::Bytes(b"tinybind".to_vec()),
        ValueType::SliceOf(elem) => Value::List(vec![sample(*elem, 0), sample(*elem, 1)]),
        ValueType::ArrayOf(elem, n) => Value::List((0..n as usize).map(|i| sample(*elem, i)).collect()),
        ValueType::Struct(s) => Value::Record(
            s.fields.iter().enumerate().map(|(i, (n, t))| (n.to_string(), sample(*t, i))).collect(),
        ),
        ValueType::Interface | ValueType::Error => Value::Interface(tinybind_runtime::GoInterface::default()),
    }
}

fn show_arg(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Bytes(b) => format!("b{:?}", String::from_utf8_lossy(b)),
        other => show(other),
    }
}

/// Calls every typed function of every guest with sample arguments, under a
/// short deadline and a small memory cap so misbehaving guests show their
/// errors quickly.
fn demo() -> Result<(), String> {
    let runtime = Runtime::builder()
        .timeout(Some(Duration::from_secs(1)))
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
    let result = guest.call_dynamic(f.export, &args);
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

fn inspect(file: &Path, go: &[PathBuf], json: bool) -> Result<(), String> {
    let model = tinybind_codegen::inspect_file(file, go).map_err(|e| e.to_string())?;
    let report = tinybind_codegen::Inspection::from(&model);
    if json {
        let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        println!("{text}");
        return Ok(());
    }
    println!("guest: {} ({})", report.guest, report.file);
    println!("compiler: {}", report.compiler);
    println!("start-up: {}", report.startup);
    println!("functions:");
    for f in &report.functions {
        println!("  {}  [{}]", f.export, f.evidence);
        println!("      wasm: {}", f.wasm);
        if let Some(go) = &f.go {
            println!("      go:   {go}");
        }
        println!("      rust: {}", f.rust);
        println!("      convention: {}", f.convention);
    }
    if !report.imports.is_empty() {
        println!("imports (host functions):");
    }
    for i in &report.imports {
        println!("  {}.{}  [{}]", i.module, i.name, i.evidence);
        println!("      wasm: {}", i.wasm);
        if let Some(go) = &i.go {
            println!("      go:   {go}");
        }
        println!("      rust: {}", i.rust);
        println!("      convention: {}", i.convention);
    }
    println!("runtime exports (hidden): {}", report.runtime_exports.join(", "));
    for w in &report.warnings {
        println!("warning: {w}");
    }
    Ok(())
}
