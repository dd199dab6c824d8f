//! The `tinybind` command: a demo of the guests built into this binary,
//! listings, calls of any module from the shell, and inspection of any
//! module. See `tinybind --help` and `src/cli/`.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
