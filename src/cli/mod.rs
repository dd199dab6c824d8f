//! The `tinybind` command, one job a module: [`args`] the command line,
//! [`target`] what a call calls (a module file typed by the code
//! generator's model, or a built-in guest), [`lowering`] the generator's lowering as the
//! runtime's dynamic call path takes it, [`grants`] the runtime's grants and
//! limits, [`call`] the call itself, [`values`] and [`json`] the output,
//! [`failure`] error kinds and exit codes, [`trace`] `--trace-imports`,
//! [`builtin`] the demo and listing, [`inspect`] `tinybind inspect`,
//! [`check`] `tinybind check`.

mod args;
mod builtin;
mod call;
mod check;
mod failure;
mod grants;
mod inspect;
mod json;
mod target;
mod trace;
mod values;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

pub fn main() -> ExitCode {
    quiet_on_a_closed_pipe();
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
        None => builtin::demo(),
        Some(Command::List { file: None, .. }) => {
            builtin::list();
            Ok(())
        }
        Some(Command::List { file: Some(file), go }) => inspect::list(&file, &go),
        Some(Command::Call(args)) => return call::run(&args),
        Some(Command::Inspect { file, go, json }) => inspect::inspect(&file, &go, json),
        Some(Command::Check { module, go, against, json }) => return check::run(&module, &go, against.as_deref(), json),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", failure::one_line(&e));
            ExitCode::FAILURE
        }
    }
}

/// Ends the process quietly when what reads its output goes away
/// (`tinybind list | head -1`), as Unix tools do: Rust ignores `SIGPIPE`,
/// and printing to a closed pipe would then panic.
fn quiet_on_a_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: restoring a signal's default disposition, at start-up before
    // any thread exists, has no other effect.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
