//! What a guest may reach of the host system: the WASI preview 1 context of
//! one instance, with only what the runtime's settings grant (directories,
//! environment, stdin) and its stdout and stderr passed through or captured.

use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

use crate::config::Settings;
use crate::error::Error;
use crate::output::{GuestOutput, OutputLog, Sink};

/// One instance's WASI context, its captured output (if captured), and the
/// last bytes of its stdout and stderr either way.
pub(crate) struct Sandbox {
    pub wasi: WasiP1Ctx,
    pub output: OutputLog,
}

impl Sandbox {
    /// Nothing is granted but what `settings` say; `argv[0]` is the guest's
    /// name.
    pub fn new(guest: &str, settings: &Settings) -> Result<Sandbox, Error> {
        let mut wasi = WasiCtxBuilder::new();
        wasi.args(&[guest]);
        for (k, v) in &settings.env {
            wasi.env(k, v);
        }
        for d in &settings.dirs {
            let perms = if d.read_only {
                FsPerms::ReadOnly
            } else {
                FsPerms::ReadWrite
            };
            wasi.preopened_dir(&d.host, &d.guest, perms)
                .map_err(|e| Error::Wasi(format!("{}: {e:#}", d.host.display())))?;
        }
        if let Some(bytes) = &settings.stdin {
            wasi.stdin(MemoryInputPipe::new(bytes.clone()));
        }
        let (stdout, stderr) = match settings.capture_output {
            Some(cap) => (Some(MemoryOutputPipe::new(cap)), Some(MemoryOutputPipe::new(cap))),
            None => (None, None),
        };
        let out = GuestOutput::new(stdout.clone().map_or(Sink::Stdout, Sink::Capture));
        let err = GuestOutput::new(stderr.clone().map_or(Sink::Stderr, Sink::Capture));
        let passthrough_limit = settings.capture_output.is_none().then_some(settings.max_output_bytes as u64);
        let output = OutputLog::new(stdout, stderr, [out.tail.clone(), err.tail.clone()], passthrough_limit);
        wasi.stdout(out);
        wasi.stderr(err);
        Ok(Sandbox {
            wasi: wasi.build_p1(),
            output,
        })
    }
}
