//! Generates tinybind's bindings for the peer guest built by
//! `build-guests.sh` (in `$TINYBIND_PEERS_GUESTS`, default
//! `~/.cache/tinybind/peers/guests`).
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=TINYBIND_PEERS_GUESTS");
    let dir = std::env::var_os("TINYBIND_PEERS_GUESTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/tinybind/peers/guests"));
    println!("cargo:rustc-env=TINYBIND_PEERS_GUESTS={}", dir.display());
    if let Err(e) = tinybind_codegen::Builder::new().guest_dir(dir.join("tinybind")).generate() {
        println!("cargo::error={e} (run `bash benches/peers/build-guests.sh` first)");
        std::process::exit(1);
    }
}
