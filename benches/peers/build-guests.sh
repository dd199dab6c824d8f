#!/usr/bin/env bash
# Builds the three peer guests from benches/peers/guests/ with TinyGo 0.41.1
# (guest-go/toolchain.sh), into OUT_DIR (default
# ~/.cache/tinybind/peers/guests):
#
#   tinybind/concat.wasm   -target=wasip1 -buildmode=c-shared, //export
#                          (with concat.go beside it, for tinybind-codegen)
#   extism.wasm            go-pdk v1.1.3 plugin, -target=wasip1 -buildmode=c-shared
#   component.wasm         -target=wasip2 through a custom target JSON, the
#                          WIT world in guests/component/wit
#   *-nosched.wasm, tinybind/concat_nosched.wasm
#                          the three again with -scheduler=none: TinyGo's
#                          //go:wasmexport wrapper (which go-pdk and
#                          wit-bindgen-go use) otherwise starts a goroutine,
#                          with a newly allocated stack, on every call
#
# Everything comes from the package registries: the Go module proxy (exact
# versions: go-pdk, wit-bindgen-go), crates.io (wasm-tools, the WASI 0.2.0
# WIT in the crate wasi@0.13.0+wasi-0.2.0), Debian (via toolchain.sh).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${TINYBIND_PEERS_CACHE:-$HOME/.cache/tinybind/peers}
OUT=${1:-$CACHE/guests}
mkdir -p "$OUT/tinybind"
OUT=$(cd "$OUT" && pwd)

log() { printf 'build-guests.sh: %s\n' "$*" >&2; }

TINYGO=${TINYGO:-$(bash "$REPO/guest-go/toolchain.sh")}
TINYGOROOT=$(sed -n "s/^export TINYGOROOT='\(.*\)'$/\1/p" "$TINYGO")
PREFIX=$(dirname "$TINYGOROOT")
export GOTOOLCHAIN=local GOFLAGS=-mod=mod

# wasm-tools (TinyGo's wasip2 build runs `wasm-tools component embed/new`).
WASM_TOOLS_VERSION=1.263.0
WASM_TOOLS_ROOT=$CACHE/wasm-tools
if [ ! -x "$WASM_TOOLS_ROOT/bin/wasm-tools" ] ||
	[ "$("$WASM_TOOLS_ROOT/bin/wasm-tools" --version | cut -d' ' -f2)" != "$WASM_TOOLS_VERSION" ]; then
	log "cargo install wasm-tools@$WASM_TOOLS_VERSION (about 8 minutes on 2 cores)"
	cargo install "wasm-tools@$WASM_TOOLS_VERSION" --locked --no-default-features --features component \
		--root "$WASM_TOOLS_ROOT" --target-dir "$CACHE/wasm-tools-build" >&2
fi
export PATH="$WASM_TOOLS_ROOT/bin:$PATH"

# 1. tinybind: the same flags as guest-go/build.sh gives a reactor.
log "tinybind guest"
cp "$HERE/guests/tinybind/concat.go" "$OUT/tinybind/concat.go"
cp "$HERE/guests/tinybind/concat.go" "$OUT/tinybind/concat_nosched.go"
(cd "$HERE/guests/tinybind" &&
	"$TINYGO" build -target=wasip1 -buildmode=c-shared -o "$OUT/tinybind/concat.wasm" concat.go &&
	"$TINYGO" build -target=wasip1 -buildmode=c-shared -scheduler=none \
		-o "$OUT/tinybind/concat_nosched.wasm" concat.go)

# 2. Extism: go-pdk needs TinyGo >= 0.34 and -buildmode=c-shared.
log "extism guest"
(cd "$HERE/guests/extism" &&
	"$TINYGO" build -target=wasip1 -buildmode=c-shared -o "$OUT/extism.wasm" . &&
	"$TINYGO" build -target=wasip1 -buildmode=c-shared -scheduler=none -o "$OUT/extism-nosched.wasm" .)

# 3. Component model. TinyGo's module download lacks what its wasip2 target
#    names (lib/wasi-cli/wit, compiler-rt and wasi-libc sources): a target
#    JSON of our own links Debian's libc.a (made by toolchain.sh) and
#    compiler-rt builtins, with LLVM 19's feature list, and points at the
#    WASI 0.2.0 WIT shipped in the crate wasi@0.13.0+wasi-0.2.0.
log "component guest"
WASI_CRATE=wasi-0.13.0+wasi-0.2.0
crate=$(ls "$HOME"/.cargo/registry/cache/*/"$WASI_CRATE.crate" 2>/dev/null | head -1 || true)
if [ -z "$crate" ]; then
	(cd "$OUT" && cargo info "wasi@0.13.0+wasi-0.2.0" >/dev/null 2>&1) || true
	crate=$(ls "$HOME"/.cargo/registry/cache/*/"$WASI_CRATE.crate" | head -1)
fi
WIT=$OUT/wit-wasi-cli-0.2.0
rm -rf "$WIT" "$OUT/wasi-crate" && mkdir -p "$WIT/deps" "$OUT/wasi-crate"
tar -xzf "$crate" -C "$OUT/wasi-crate"
DEPS=$OUT/wasi-crate/$WASI_CRATE/wit/deps
cp "$DEPS"/cli/*.wit "$WIT/"
for d in clocks filesystem io random sockets; do cp -r "$DEPS/$d" "$WIT/deps/$d"; done
# The guest's own WIT: its world plus the same deps.
GW=$OUT/component-src
rm -rf "$GW" && cp -r "$HERE/guests/component" "$GW"
mkdir -p "$GW/wit/deps"
for d in cli clocks filesystem io random sockets; do cp -r "$DEPS/$d" "$GW/wit/deps/$d"; done

python3 - "$TINYGOROOT/targets/wasip2.json" "$OUT/wasip2-debian.json" "$PREFIX/lib/libc.a" "$WIT/" <<'PY'
import json, sys
src, dst, libc, wit = sys.argv[1:]
t = json.load(open(src))
t.pop("libc", None)
t.pop("rtlib", None)
t["features"] = "+bulk-memory,+mutable-globals,+nontrapping-fptoint,+sign-ext,-multivalue,-reference-types"
t["ldflags"] = t["ldflags"] + [libc, "/usr/lib/llvm-19/lib/clang/19/lib/wasi/libclang_rt.builtins-wasm32.a"]
t["wit-package"] = wit
json.dump(t, open(dst, "w"), indent=1)
PY

# Bindings from wit-bindgen-go v0.7.0, run as a `tool` of go.mod (the proxy
# refuses `go run pkg@version`).
(cd "$GW" && go tool wit-bindgen-go generate --world concat --out internal ./wit >&2)
(cd "$GW" && "$TINYGO" build -target="$OUT/wasip2-debian.json" --wit-package ./wit --wit-world concat \
	-o "$OUT/component.wasm" . &&
	"$TINYGO" build -target="$OUT/wasip2-debian.json" --wit-package ./wit --wit-world concat \
	-scheduler=none -o "$OUT/component-nosched.wasm" .)
log "built into $OUT"
ls -l "$OUT"/tinybind/concat.wasm "$OUT"/extism*.wasm "$OUT"/component*.wasm >&2
