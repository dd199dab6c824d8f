#!/usr/bin/env bash
# The documented set-up, as a user's crate outside this repository has it:
# one runtime dependency (tinybind-runtime), one build-dependency
# (tinybind-codegen), the README's build.rs and src/lib.rs, and guests in a
# `plugins/` directory of its own (TinyGo guests from guest-go/, copied).
# The crate denies warnings, so the generated code must compile clean.
# Then the same crate with the runtime under another name (a renamed
# dependency) and `Builder::runtime_path("::rt")`, whose docs must build with
# `-D warnings` (every intra-doc link resolved). Last, `compile_go(true)`
# with the plugins as Go source only: the build script runs TinyGo
# ($TINYGO, else the one guest-go/toolchain.sh installs).
#
#     bash tests/outside.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
CRATE=$(mktemp -d "${TMPDIR:-/tmp}/tinybind-outside.XXXXXX")
trap 'rm -rf "$CRATE"' EXIT
fail() { echo "outside.sh: FAILED: $*" >&2; exit 1; }

mkdir -p "$CRATE/src" "$CRATE/plugins"
for g in greeter hostcalls shapes; do
	cp "$ROOT/guest-go/$g.wasm" "$ROOT/guest-go/$g.go" "$CRATE/plugins/"
done
# The same versions of everything as this repository, resolved offline.
cp "$ROOT/Cargo.lock" "$CRATE/"

manifest() { # manifest DEPENDENCY-LINE
	cat > "$CRATE/Cargo.toml" <<TOML
[package]
name = "plugin-host"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
$1

[build-dependencies]
tinybind-codegen = { path = "$ROOT/codegen" }
TOML
}

build_rs() { # build_rs BUILDER-CALLS
	cat > "$CRATE/build.rs" <<RS
fn main() {
    if let Err(e) = tinybind_codegen::Builder::new().guest_dir("plugins")$1.generate() {
        println!("cargo::error={e}");
        std::process::exit(1);
    }
}
RS
}

lib_rs() { # lib_rs RUNTIME-PATH
	cat > "$CRATE/src/lib.rs" <<RS
#![deny(warnings)]

pub mod guests {
    include!(concat!(env!("OUT_DIR"), "/tinybind_guests.rs"));
}

/// A host for the \`hostcalls\` guest's imports.
pub struct Host;

impl guests::hostcalls::HostcallsHost for Host {}

pub fn run() -> Result<String, $1::Error> {
    let runtime = $1::Runtime::new()?;
    runtime.prepare(&guests::greeter::MODULE)?;
    let mut greeter = guests::greeter::Greeter::new(&runtime)?;
    let mut shapes = guests::shapes::Shapes::new(&runtime)?;
    let _hosted = guests::hostcalls::Hostcalls::with_host(&runtime, Host)?;
    Ok(format!("{} {}", greeter.greet("Ada")?, shapes.instance().guest()))
}
RS
	cat > "$CRATE/src/main.rs" <<'RS'
fn main() {
    match plugin_host::run() {
        Ok(text) => println!("{text}"),
        Err(e) => {
            eprintln!("plugin-host: {e}");
            std::process::exit(1);
        }
    }
}
RS
}

run() {
	(cd "$CRATE" && cargo run --release --offline --quiet) || fail "$1: the crate does not build or run"
}

manifest 'tinybind-runtime = { path = "'"$ROOT"'/runtime" }'
build_rs ''
lib_rs tinybind_runtime
got=$(run "the documented set-up")
[ "$got" = "Hello, Ada! shapes" ] || fail "the documented set-up printed '$got'"
echo "ok: the documented set-up builds with deny(warnings) and runs: $got"

manifest 'rt = { package = "tinybind-runtime", path = "'"$ROOT"'/runtime" }'
build_rs '.runtime_path("::rt")'
lib_rs rt
got=$(run "runtime_path")
[ "$got" = "Hello, Ada! shapes" ] || fail "with runtime_path, the crate printed '$got'"
echo "ok: a renamed runtime dependency with runtime_path(\"::rt\") builds and runs: $got"
# Its docs, Go doc comments included, with every intra-doc link resolved.
(cd "$CRATE" && RUSTDOCFLAGS="-D warnings" cargo doc --release --offline --no-deps --quiet) ||
	fail "cargo doc with -D warnings (a broken intra-doc link, or Go doc text rustdoc misreads)"
echo "ok: its docs build with -D warnings"

# `compile_go(true)`: the plugins as Go source only; the build script runs
# TinyGo (each guest with its `// tinybind:build` flags) and writes the .wasm.
TINYGO=${TINYGO:-$(bash "$ROOT/guest-go/toolchain.sh")}
export TINYGO
rm "$CRATE"/plugins/*.wasm
manifest 'tinybind-runtime = { path = "'"$ROOT"'/runtime" }'
build_rs '.compile_go(true)'
lib_rs tinybind_runtime
got=$(run "compile_go")
[ "$got" = "Hello, Ada! shapes" ] || fail "with compile_go, the crate printed '$got'"
for g in greeter hostcalls shapes; do
	[ -f "$CRATE/plugins/$g.wasm" ] || fail "compile_go did not write plugins/$g.wasm"
done
before=$(stat -c "%n %y" "$CRATE"/plugins/*.wasm)
touch "$CRATE/src/lib.rs"
run "compile_go, built again" >/dev/null
after=$(stat -c "%n %y" "$CRATE"/plugins/*.wasm)
[ "$before" = "$after" ] || fail "compile_go rebuilt up-to-date plugins"
echo "ok: compile_go(true) builds the plugins from their Go source, once: $got"
echo "outside.sh: 4 passed, 0 failed"
