//! The command line: subcommands, flags, and the parsers of their values.
//! Grants and limits are spelled as `wasmtime run` spells them where it has
//! an equivalent (`--dir HOST::GUEST`, `--env KEY=VALUE`).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "tinybind",
    version,
    about = "Typed Rust bindings for Go (TinyGo) WebAssembly guests",
    long_about = "Typed Rust bindings for Go (TinyGo) WebAssembly guests.\n\n\
                  With no command: calls every example function of the guests built into this \
                  binary and shows what goes in and what comes out.",
    after_help = "Example:\n  tinybind call guest-go/greeter.wasm greet Ada      # -> Hello, Ada!",
    after_long_help = concat!(
        "Example:\n  tinybind call guest-go/greeter.wasm greet Ada      # -> Hello, Ada!\n\n",
        "Exit codes (call): 0 success, 1 guest failure, 2 usage error, 124 timeout \
         (see `tinybind call --help`)."
    )
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Every guest built into this binary and its functions, with Rust and
    /// Go signatures; or those of a module file.
    ///
    /// A file is typed as by `inspect` and the build: Go source or
    /// declarations (--go, else NAME.go or NAME/*.go beside the module),
    /// DWARF, or the raw wasm types.
    #[command(after_help = "Example:\n  tinybind list guest-go/greeter.wasm   (without FILE: the built-in guests)")]
    List {
        /// A module file (.wasm or .wat) to list instead of the built-in guests.
        file: Option<PathBuf>,
        /// Go source or declarations for the module (repeatable).
        #[arg(long, requires = "file")]
        go: Vec<PathBuf>,
    },
    /// Calls a function of any module, or of a guest built into this binary.
    ///
    /// TARGET is a .wasm (or .wat) file, or the name of a built-in guest
    /// (`tinybind list`). A file is typed by the same inference as `inspect`
    /// and the build: Go source or declarations (`--go`, else NAME.go or
    /// NAME/*.go beside the module), DWARF, or the raw wasm types.
    ///
    /// Arguments are parsed by the function's types: strings as they are;
    /// []byte as the text's bytes, or hex after `0x`; numbers in decimal;
    /// bool as true/false (or 1/0); other slices as comma-separated values or a JSON list; an
    /// interface as TYPECODE:VALUE. A function without Go types takes and
    /// gives raw wasm numbers. Results are printed one a line ([]byte as
    /// hex), or as one JSON value with --json.
    ///
    /// Nothing is granted unless asked: no directories, no environment, empty
    /// stdin; the guest's output passes through (to stderr with --json).
    #[command(
        after_help = "Example:\n  tinybind call guest-go/greeter.wasm greet Ada      # -> Hello, Ada!",
        after_long_help = concat!(
            "Example:\n  tinybind call guest-go/greeter.wasm greet Ada      # -> Hello, Ada!\n\n",
            "JSON (--json): success is the list of results, such as [\"Hello, Ada!\"]; a \
             failure is one object {\"kind\", \"guest\", \"export\", \"message\", ...} (see \
             README.md).\n\n",
            "Exit codes:\n",
            "  0    success\n",
            "  1    the guest failed: a trap or Go panic, proc_exit, a Go error result, a host\n",
            "       function (import) failure, a bad pointer, out of fuel, or a module that\n",
            "       does not compile or start\n",
            "  2    usage error: bad flags or arguments, unknown guest or function, a file\n",
            "       that cannot be read or is not WebAssembly, a grant that cannot be set up\n",
            "  124  the call (or start-up) ran past --timeout"
        )
    )]
    Call(Box<CallArgs>),
    /// What the code generator infers for any module, without a rebuild.
    ///
    /// Without --go, Go source is looked for beside the module as the build
    /// does: NAME.go, or NAME/*.go.
    #[command(after_help = "Example:\n  tinybind inspect guest-go/greeter.wasm --json")]
    Inspect {
        file: PathBuf,
        /// Go source or declarations for the module (repeatable).
        #[arg(long)]
        go: Vec<PathBuf>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Whether a module fits a guest interface, as `<Guest>Pre::load`
    /// checks it: every mismatch, in the words of the load error.
    ///
    /// The interface is Go declarations (--go: exports and imports, their
    /// wasm types predicted as the build predicts them) or a guest built into
    /// this binary (--against NAME, see `tinybind list`). Exits 0 when the
    /// module fits, 1 when it does not (or cannot be read).
    #[command(
        after_help = "Examples:\n  tinybind check plugin.wasm --against concat\n  tinybind check plugin.wasm --go plug.go --json"
    )]
    #[command(group(clap::ArgGroup::new("interface").required(true).args(["go", "against"])))]
    Check {
        module: PathBuf,
        /// Go declarations of the interface (repeatable).
        #[arg(long, value_name = "FILE.go")]
        go: Vec<PathBuf>,
        /// A guest built into this binary whose interface the module must fit.
        #[arg(long, value_name = "NAME")]
        against: Option<String>,
        /// Machine-readable output: the list of mismatches (empty when it fits).
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
pub struct CallArgs {
    /// A .wasm or .wat file, or the name of a guest built into this binary.
    pub target: String,
    /// The export name (or, for a built-in guest, the Rust method name).
    pub function: String,
    /// The function's arguments, parsed by its types.
    #[arg(allow_negative_numbers = true)]
    pub args: Vec<String>,
    /// Go source or declarations typing the module (repeatable). Default:
    /// NAME.go or NAME/*.go beside the module, if there.
    #[arg(long, value_name = "FILE.go")]
    pub go: Vec<PathBuf>,
    #[command(flatten)]
    pub grants: Grants,
    /// Print the results, or the failure, as one JSON value on stdout.
    #[arg(long)]
    pub json: bool,
    /// Answer every import nothing implements with zero values and print
    /// each call, with its typed arguments, on stderr. For exploring what a
    /// module does; without it such an import fails the call.
    #[arg(long)]
    pub trace_imports: bool,
    /// With --trace-imports: answer imports from a JSON object of canned
    /// results, `{"env.lookup": "value", "env.pair": [3, null]}` (an array
    /// for several results; a Go error is null).
    #[arg(long, value_name = "FILE.json", requires = "trace_imports")]
    pub import_results: Option<PathBuf>,
}

/// What the guest may reach and how far it may go. Nothing is granted
/// unless asked.
#[derive(Args, Default)]
pub struct Grants {
    /// Grant a host directory read-write, seen by the guest as GUEST (default:
    /// the same path). Repeatable. `HOST::GUEST::ro` is read-only.
    #[arg(long, value_name = "HOST[::GUEST]")]
    pub dir: Vec<String>,
    /// Grant a host directory read-only. Repeatable.
    #[arg(long, value_name = "HOST[::GUEST]")]
    pub dir_ro: Vec<String>,
    /// Set an environment variable for the guest; `--env KEY` passes the
    /// host's value. Repeatable.
    #[arg(long, value_name = "KEY[=VALUE]")]
    pub env: Vec<String>,
    /// What the guest reads from stdin: a file, or `-` for this process's
    /// standard input (default: empty).
    #[arg(long, value_name = "FILE|-")]
    pub stdin: Option<String>,
    /// Deadline of the call and of start-up, such as `2s`, `500ms` or `1m`
    /// (default 10s); `0` or `none` for none.
    #[arg(long, value_parser = parse_timeout, value_name = "DURATION")]
    pub timeout: Option<Timeout>,
    /// Cap on the guest's linear memory: bytes, or with a unit such as
    /// `64MiB`, `64M`, `512KiB`, `1GiB` (default 1GiB).
    #[arg(long, value_parser = parse_size, value_name = "SIZE")]
    pub memory_limit: Option<usize>,
    /// The most bytes one string or slice the guest returns (or passes to a
    /// host function) may take, such as `1MiB` (default 64MiB).
    #[arg(long, value_parser = parse_size, value_name = "SIZE")]
    pub max_result_bytes: Option<usize>,
    /// The most bytes the guest may write to each of stdout and stderr in
    /// the call, such as `1MiB`; past it its writes fail (default 64MiB
    /// passed through, 16MiB captured with --capture or --json).
    #[arg(long, value_parser = parse_size, value_name = "SIZE")]
    pub max_output_bytes: Option<usize>,
    /// Cap on the guest's memory in MiB (older spelling of --memory-limit).
    #[arg(long, hide = true, conflicts_with = "memory_limit")]
    pub memory_limit_mib: Option<usize>,
    /// A fuel budget for the call (and for start-up): a deterministic
    /// limit on the work the guest may do (default: none).
    #[arg(long, value_name = "UNITS")]
    pub fuel: Option<u64>,
    /// Keep the guest's stdout and stderr, and show them (on stderr) only
    /// when the call fails.
    #[arg(long)]
    pub capture: bool,
}

/// A `--timeout`: a duration, or none at all.
#[derive(Clone, Copy, Debug)]
pub enum Timeout {
    After(Duration),
    Never,
}

fn parse_timeout(text: &str) -> Result<Timeout, String> {
    match text.trim() {
        "none" | "0" => Ok(Timeout::Never),
        t => parse_duration(t).map(Timeout::After),
    }
}

pub fn parse_duration(text: &str) -> Result<Duration, String> {
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

/// `65536`, `64KiB`, `64K`, `16MiB`, `16M`, `1GiB`, `1G` (binary units).
pub fn parse_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size such as 65536, 64MiB or 1GiB"))?;
    let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(format!("unknown unit `{unit}`: use KiB, MiB or GiB")),
    };
    n.checked_mul(scale)
        .and_then(|b| usize::try_from(b).ok())
        .ok_or_else(|| format!("`{text}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations() {
        assert_eq!(parse_size("65536"), Ok(65536));
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert!(parse_size("12 parsecs").is_err());
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert!(matches!(parse_timeout("none"), Ok(Timeout::Never)));
        assert!(parse_duration("2h").is_err());
    }
}
