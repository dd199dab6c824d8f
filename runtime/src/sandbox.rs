//! What a guest may reach of the host system: the WASI preview 1 context of
//! one instance, with only what the runtime's settings grant (directories,
//! environment, stdin) and its stdout and stderr passed through or captured.

use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

use crate::config::Settings;
use crate::error::Error;
use crate::output::{Calls, GuestOutput, OutputLog, Sink, Tail};

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
        // A captured stream is bounded by its buffer; one passed through to
        // the host's, by `max_output_bytes` per call.
        let limit = match settings.capture_output {
            Some(_) => u64::MAX,
            None => settings.max_output_bytes as u64,
        };
        let calls = Calls::default();
        let tails = [Tail::new(&calls, limit), Tail::new(&calls, limit)];
        let out = GuestOutput::new(stdout.clone().map_or(Sink::Stdout, Sink::Capture), tails[0].clone());
        let err = GuestOutput::new(stderr.clone().map_or(Sink::Stderr, Sink::Capture), tails[1].clone());
        let output = OutputLog::new(stdout, stderr, tails, calls);
        wasi.stdout(out);
        wasi.stderr(err);
        Ok(Sandbox {
            wasi: wasi.build_p1(),
            output,
        })
    }
}
