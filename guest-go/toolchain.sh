#!/usr/bin/env bash
# Installs a real TinyGo compiler on Debian 12, built from source with
# `go install` against Debian's LLVM, and prints the path of a `tinygo`
# wrapper on stdout (everything else goes to stderr). Other scripts do:
#
#     TINYGO=$(bash guest-go/toolchain.sh)
#     "$TINYGO" build -target=wasip1 -o out.wasm file.go
#
# Next to the wrapper is `env.sh` (same directory), for `source`-ing into a
# shell: it sets TINYGOROOT, WASMOPT and puts the wrapper's directory on PATH.
#
# How: apt-get installs LLVM/clang/lld, wasi-libc, compiler-rt builtins for
# wasm32, binaryen (wasm-opt) and wabt; `go mod download` fetches the TinyGo
# module; a writable copy of it becomes TINYGOROOT, with the holes of the
# module download (git submodules) worked around:
#   - src/net (a submodule) is created empty: the loader needs it to exist;
#     Go's own net package is then used (untested with TinyGo).
#   - lib/wasi-libc and compiler-rt sources are missing, so targets/wasip1.json
#     is replaced by a generated target without "libc"/"rtlib" that links
#     Debian's prebuilt wasi-libc (minus dlmalloc, TinyGo has its own malloc)
#     and libclang_rt.builtins-wasm32.a instead. The upstream file is kept as
#     targets/wasip1.upstream.json. wasi.json inherits wasip1.json.
# Only the wasip1 target (commands and -buildmode=c-shared reactors) works;
# targets needing other libcs (picolibc, musl, wasip2, ...) do not.
#
# Idempotent: a stamp records the recipe; a re-run with everything in place
# only checks Debian packages and the stamp (well under a second).
#
# Environment:
#   TINYBIND_TOOLCHAIN_DIR  cache dir (default $HOME/.cache/tinybind/tinygo)
#   TINYGO_VERSION          TinyGo module version (default 0.41.1)
#   TINYGO_LLVM             Debian LLVM major to build against (default 19)
#   GO                      go binary (default: `go` on PATH, else /usr/local/go/bin/go)
set -euo pipefail

TINYGO_VERSION=${TINYGO_VERSION:-0.41.1}
LLVM=${TINYGO_LLVM:-19}
CACHE_DIR=${TINYBIND_TOOLCHAIN_DIR:-${HOME:-/root}/.cache/tinybind/tinygo}
PREFIX=$CACHE_DIR/tinygo-$TINYGO_VERSION-llvm$LLVM
ROOT=$PREFIX/root         # TINYGOROOT
WRAPPER=$PREFIX/bin/tinygo
REAL=$PREFIX/gobin/tinygo # the `go install`ed binary
ENVFILE=$PREFIX/bin/env.sh
STAMP=$PREFIX/.installed
# Bump when the recipe below changes in a way that needs a rebuild.
RECIPE_REV=1

log() { printf 'toolchain.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

if [ -n "${GO:-}" ]; then :
elif command -v go >/dev/null 2>&1; then GO=$(command -v go)
elif [ -x /usr/local/go/bin/go ]; then GO=/usr/local/go/bin/go
else die "no Go toolchain found (set GO=/path/to/go); TinyGo $TINYGO_VERSION needs Go 1.22..1.26"
fi

PACKAGES=(
	"llvm-$LLVM-dev" "libclang-$LLVM-dev" "clang-$LLVM" "lld-$LLVM"
	"libclang-rt-$LLVM-dev-wasm32" wasi-libc binaryen wabt
	gcc g++ libc6-dev
)

ensure_packages() {
	local missing=() p
	for p in "${PACKAGES[@]}"; do
		if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
			missing+=("$p")
		fi
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "apt-get install ${missing[*]}"
	local SUDO=
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	export DEBIAN_FRONTEND=noninteractive
	if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >&2; then
		$SUDO apt-get update >&2
		$SUDO apt-get install -y --no-install-recommends "${missing[@]}" >&2
	fi
}

# The recipe fingerprint: anything that changes what gets installed.
fingerprint() {
	printf 'rev=%s version=%s llvm=%s go=%s root=%s\n' \
		"$RECIPE_REV" "$TINYGO_VERSION" "$LLVM" "$("$GO" env GOVERSION)" "$ROOT"
	sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1
}

ensure_packages

# Fast path.
if [ -f "$STAMP" ] && [ -x "$WRAPPER" ] && [ -x "$REAL" ] && [ "$(cat "$STAMP")" = "$(fingerprint)" ]; then
	echo "$WRAPPER"
	exit 0
fi

mkdir -p "$CACHE_DIR"
exec 9>"$CACHE_DIR/.lock"
flock 9
# Somebody else may have finished the install while we waited for the lock.
if [ -f "$STAMP" ] && [ -x "$WRAPPER" ] && [ -x "$REAL" ] && [ "$(cat "$STAMP")" = "$(fingerprint)" ]; then
	echo "$WRAPPER"
	exit 0
fi

log "installing TinyGo $TINYGO_VERSION against LLVM $LLVM into $PREFIX"
rm -f "$STAMP"

export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false CGO_ENABLED=1

# 1. The TinyGo module source. (`go install github.com/tinygo-org/tinygo@v...`
#    is not used directly: it also asks the module proxy for the version list
#    to look for a deprecation notice, and that request may be refused.)
log "go mod download github.com/tinygo-org/tinygo@v$TINYGO_VERSION"
MODDIR=$(cd / && "$GO" mod download -json "github.com/tinygo-org/tinygo@v$TINYGO_VERSION" |
	sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [ -z "$MODDIR" ] || [ ! -f "$MODDIR/go.mod" ]; then
	die "go mod download of tinygo@v$TINYGO_VERSION failed"
fi

# 2. A writable TINYGOROOT, with the gaps of the module download filled.
NEWROOT=$PREFIX/root.new
rm -rf "$NEWROOT"
mkdir -p "$PREFIX"
cp -R "$MODDIR/." "$NEWROOT/"
chmod -R u+w "$NEWROOT"
mkdir -p "$NEWROOT/src/net" # git submodule, absent from the module zip

LLVM_LIB=/usr/lib/llvm-$LLVM
BUILTINS=$LLVM_LIB/lib/clang/$LLVM/lib/wasi/libclang_rt.builtins-wasm32.a
if [ ! -f "$BUILTINS" ]; then
	BUILTINS=$(find "$LLVM_LIB/lib/clang" -name 'libclang_rt.builtins-wasm32.a' -print -quit 2>/dev/null || true)
fi
if [ -z "$BUILTINS" ] || [ ! -f "$BUILTINS" ]; then
	die "libclang_rt.builtins-wasm32.a not found (package libclang-rt-$LLVM-dev-wasm32)"
fi
[ -f /usr/lib/wasm32-wasi/libc.a ] || die "/usr/lib/wasm32-wasi/libc.a not found (package wasi-libc)"

# Debian's wasi-libc without dlmalloc: TinyGo's runtime defines malloc & co.
mkdir -p "$PREFIX/lib"
cp /usr/lib/wasm32-wasi/libc.a "$PREFIX/lib/libc.a.new"
"$LLVM_LIB/bin/llvm-ar" d "$PREFIX/lib/libc.a.new" dlmalloc.o
mv "$PREFIX/lib/libc.a.new" "$PREFIX/lib/libc.a"

# Features: upstream wasip1.json also lists +bulk-memory-opt and
# +call-indirect-overlong, which LLVM < 20 does not know (it warns and ignores
# them); they are implied by +bulk-memory there, so LLVM 19 builds leave them out.
FEATURES="+bulk-memory,+mutable-globals,+nontrapping-fptoint,+sign-ext,-multivalue,-reference-types"
if [ "$LLVM" -ge 20 ]; then
	FEATURES="+bulk-memory,+bulk-memory-opt,+call-indirect-overlong,+mutable-globals,+nontrapping-fptoint,+sign-ext,-multivalue,-reference-types"
fi
mv "$NEWROOT/targets/wasip1.json" "$NEWROOT/targets/wasip1.upstream.json"
cat >"$NEWROOT/targets/wasip1.json" <<EOF
{
	"//": "Generated by tinybind guest-go/toolchain.sh from wasip1.upstream.json: no libc/rtlib (their sources are git submodules missing from the Go module); links Debian's wasi-libc and compiler-rt builtins instead.",
	"llvm-target":   "wasm32-unknown-wasi",
	"cpu":           "generic",
	"features":      "$FEATURES",
	"build-tags":    ["tinygo.wasm"],
	"goos":          "wasip1",
	"goarch":        "wasm",
	"linker":        "wasm-ld",
	"gc":            "precise",
	"scheduler":     "asyncify",
	"default-stack-size": 65536,
	"cflags": [
		"-mbulk-memory",
		"-mnontrapping-fptoint",
		"-mno-multivalue",
		"-mno-reference-types",
		"-msign-ext",
		"-nostdlibinc",
		"-isystem", "/usr/include/wasm32-wasi"
	],
	"ldflags": [
		"--stack-first",
		"--no-demangle",
		"$PREFIX/lib/libc.a",
		"$BUILTINS"
	],
	"extra-files": [
		"src/runtime/asm_tinygowasm.S",
		"src/runtime/gc_boehm.c"
	],
	"emulator":      "wasmtime run --dir={tmpDir}::/tmp {}"
}
EOF
rm -rf "$ROOT"
mv "$NEWROOT" "$ROOT"

# 3. Build TinyGo itself (links libLLVM-$LLVM and libclang dynamically).
log "go install -tags llvm$LLVM (takes a few minutes on a cold Go build cache)"
(cd "$ROOT" && GOBIN=$PREFIX/gobin "$GO" install -tags "llvm$LLVM" .) >&2

# 4. The wrapper and env file. TinyGo runs clang-$LLVM, wasm-ld-$LLVM (found in
#    /usr/bin) and wasm-opt (binaryen) as programs.
mkdir -p "$PREFIX/bin"
cat >"$WRAPPER.new" <<EOF
#!/bin/sh
# Generated by tinybind guest-go/toolchain.sh: TinyGo $TINYGO_VERSION, LLVM $LLVM.
export TINYGOROOT='$ROOT'
export WASMOPT="\${WASMOPT:-/usr/bin/wasm-opt}"
export PATH="$LLVM_LIB/bin:/usr/bin:\$PATH"
exec '$REAL' "\$@"
EOF
chmod +x "$WRAPPER.new"
mv "$WRAPPER.new" "$WRAPPER"
cat >"$ENVFILE" <<EOF
# Generated by tinybind guest-go/toolchain.sh; source this file.
export TINYGOROOT='$ROOT'
export WASMOPT="\${WASMOPT:-/usr/bin/wasm-opt}"
export PATH="$PREFIX/bin:\$PATH"
EOF

# 5. Smoke test.
VERSION_LINE=$("$WRAPPER" version)
case "$VERSION_LINE" in
	*"tinygo version $TINYGO_VERSION "*"LLVM version $LLVM."*) ;;
	*) die "unexpected 'tinygo version' output: $VERSION_LINE" ;;
esac
log "$VERSION_LINE"

fingerprint >"$STAMP"
echo "$WRAPPER"
