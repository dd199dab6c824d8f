//! The runtime a call runs in: the grants and limits the command line asks
//! for, and nothing else.

use std::io::Read;
use std::path::Path;

use tinybind_runtime::{Runtime, RuntimeBuilder};

use super::args::{Grants, Timeout};

/// How much of each of stdout and stderr is kept when output is captured
/// (without --max-output-bytes).
pub const CAPTURE_BYTES: usize = 16 << 20;

/// The settings of `grants`; `capture` keeps the guest's output instead of
/// passing it through.
pub fn builder(grants: &Grants, capture: bool) -> Result<RuntimeBuilder, String> {
    let mut b = Runtime::builder();
    for spec in &grants.dir {
        let (host, guest, read_only) = dir(spec)?;
        b = b.dir(host, guest, read_only);
    }
    for spec in &grants.dir_ro {
        let (host, guest, _) = dir(spec)?;
        b = b.dir(host, guest, true);
    }
    for spec in &grants.env {
        let (key, value) = env(spec)?;
        b = b.env(key, value);
    }
    if let Some(source) = &grants.stdin {
        b = b.stdin(stdin(source)?);
    }
    match grants.timeout {
        Some(Timeout::After(t)) => b = b.timeout(Some(t)),
        Some(Timeout::Never) => b = b.timeout(None),
        None => {}
    }
    if let Some(bytes) = grants.memory_limit {
        b = b.memory_limit(bytes);
    }
    if let Some(bytes) = grants.max_result_bytes {
        b = b.max_result_bytes(bytes);
    }
    if let Some(bytes) = grants.max_output_bytes {
        b = b.max_output_bytes(bytes);
    }
    if let Some(mib) = grants.memory_limit_mib {
        b = b.memory_limit(mib.saturating_mul(1 << 20));
    }
    if grants.fuel.is_some() {
        b = b.fuel(grants.fuel);
    }
    // Captured output (`--capture`, `--json`) is bounded by its buffers,
    // of --max-output-bytes each when given.
    if capture {
        b = b.capture_output(grants.max_output_bytes.unwrap_or(CAPTURE_BYTES));
    }
    Ok(b)
}

/// `HOST`, `HOST::GUEST` or `HOST::GUEST::ro`: the guest sees HOST as
/// GUEST (HOST itself by default).
fn dir(spec: &str) -> Result<(String, String, bool), String> {
    let mut parts: Vec<&str> = spec.split("::").collect();
    let read_only = parts.len() == 3 && parts[2] == "ro";
    if read_only {
        parts.pop();
    }
    let (host, guest) = match parts.as_slice() {
        [host] => (*host, *host),
        [host, guest] => (*host, *guest),
        _ => return Err(format!("--dir `{spec}`: expected HOST, HOST::GUEST or HOST::GUEST::ro")),
    };
    if host.is_empty() || guest.is_empty() {
        return Err(format!("--dir `{spec}`: an empty path"));
    }
    if !Path::new(host).is_dir() {
        return Err(format!("--dir `{spec}`: `{host}` is not a directory"));
    }
    Ok((host.to_string(), guest.to_string(), read_only))
}

/// `KEY=VALUE`, or `KEY` for the host's value.
fn env(spec: &str) -> Result<(String, String), String> {
    match spec.split_once('=') {
        Some(("", _)) => Err(format!("--env `{spec}`: an empty name")),
        Some((k, v)) => Ok((k.to_string(), v.to_string())),
        None => std::env::var(spec)
            .map(|v| (spec.to_string(), v))
            .map_err(|_| format!("--env `{spec}`: not set here; give KEY=VALUE")),
    }
}

fn stdin(source: &str) -> Result<Vec<u8>, String> {
    if source == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| format!("--stdin -: {e}"))?;
        return Ok(bytes);
    }
    std::fs::read(source).map_err(|e| format!("--stdin `{source}`: {e}"))
}
