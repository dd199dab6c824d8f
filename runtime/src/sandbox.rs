//! What a guest may reach of the host system: the WASI preview 1 context of
//! one instance, with only what the runtime's settings grant (directories,
//! environment, stdin) and its stdout and stderr passed through or captured.

use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

use crate::runtime::Settings;
use crate::Error;

/// One instance's WASI context and its captured output, if captured.
pub(crate) struct Sandbox {
    pub wasi: WasiP1Ctx,
    pub stdout: Option<MemoryOutputPipe>,
    pub stderr: Option<MemoryOutputPipe>,
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
            Some(cap) => {
                let (out, err) = (MemoryOutputPipe::new(cap), MemoryOutputPipe::new(cap));
                wasi.stdout(out.clone());
                wasi.stderr(err.clone());
                (Some(out), Some(err))
            }
            None => {
                wasi.inherit_stdout();
                wasi.inherit_stderr();
                (None, None)
            }
        };
        Ok(Sandbox {
            wasi: wasi.build_p1(),
            stdout,
            stderr,
        })
    }
}
