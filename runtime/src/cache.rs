//! Compiled guests on disk, for `RuntimeBuilder::compilation_cache(true)`:
//! each guest's compiled code, deadline checks included, so that the first
//! start of a big guest in a new process neither rewrites nor compiles it.
//!
//! An entry is `Module::serialize` output named by the SHA-256 of the
//! original module bytes, whether deadline checks were woven in (and where
//! they read the clock), the weaver's
//! version and the engine's compatibility hash. Writes go through a
//! temporary file and a rename, so readers never see half an entry. The
//! cache is best effort: an entry that cannot be read or loaded is compiled
//! again and replaced, and a failed write only costs the next start.
//!
//! Loading an entry runs the machine code in it, as wasmtime's own cache
//! does: the directory must be as trusted as the program itself (by default
//! it is the user's `~/.cache/tinybind/modules`, created private to them).

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::{Engine, Module};

use crate::deadline::clock::ClockMemory;

/// Bumped whenever the woven code changes shape.
const WEAVER_VERSION: &str = "tinybind-deadline-2";

pub(crate) struct ModuleCache {
    dir: PathBuf,
    /// The engine's compatibility hash: entries of another wasmtime or
    /// configuration get other names.
    engine: u64,
}

impl ModuleCache {
    /// The cache in `$TINYBIND_CACHE_DIR`, else `$XDG_CACHE_HOME/tinybind/modules`,
    /// else `$HOME/.cache/tinybind/modules`; `None` without any of them.
    pub(crate) fn new(engine: &Engine) -> Option<ModuleCache> {
        let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
        let dir = env("TINYBIND_CACHE_DIR")
            .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("tinybind/modules")))
            .or_else(|| env("HOME").map(|d| d.join(".cache/tinybind/modules")))?;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut h);
        Some(ModuleCache {
            dir,
            engine: h.finish(),
        })
    }

    fn path(&self, wasm: &[u8], woven: Option<ClockMemory>) -> PathBuf {
        let mut sha = Sha256::new();
        sha.update(WEAVER_VERSION.as_bytes());
        sha.update(self.engine.to_le_bytes());
        sha.update([match woven {
            None => 0,
            Some(ClockMemory::Imported) => 1,
            Some(ClockMemory::Own) => 2,
        }]);
        sha.update(wasm);
        let name: String = sha.finalize().iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(format!("{name}.cwasm"))
    }

    /// The compiled module for `wasm`, if an entry loads.
    pub(crate) fn load(&self, engine: &Engine, wasm: &[u8], woven: Option<ClockMemory>) -> Option<Module> {
        // Read, not mapped: a file truncated under a mapping would crash the
        // process with SIGBUS.
        let bytes = std::fs::read(self.path(wasm, woven)).ok()?;
        // SAFETY: entries are written only by `store` below, from
        // `Module::serialize` of an engine with the same compatibility hash
        // (part of the name); wasmtime checks its version and settings again
        // while loading. The directory is trusted (see the module docs).
        unsafe { Module::deserialize(engine, &bytes) }.ok()
    }

    /// Keeps `module`, compiled from `wasm`; failures are ignored.
    pub(crate) fn store(&self, wasm: &[u8], woven: Option<ClockMemory>, module: &Module) {
        let Ok(bytes) = module.serialize() else {
            return;
        };
        let path = self.path(wasm, woven);
        let _ = write_atomically(&self.dir, &path, &bytes);
    }
}

fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    create_private_dir(dir)?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}
