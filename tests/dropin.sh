#!/usr/bin/env bash
# The drop-in check, as a user does it: a real TinyGo module that this
# project did not build (TinyGo 0.35, from the corpus) is dropped into
# guest-go/ with declarations-only Go beside it; `cargo build --release`
# regenerates the bindings and `tinybind call` answers. Renaming the guest and
# rebuilding makes the new name answer and the old one disappear.
#
# It edits guest-go/ and restores it on exit: run it in a clone (CI does).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CORPUS=${TINYBIND_CORPUS:-$ROOT/../shared/corpus}
MODULE=$CORPUS/tg0.35.0-wasm-rmarchet-concat-RETPTR.wasm
if [ ! -f "$MODULE" ]; then
	if [ "${CI:-}" = true ]; then
		echo "dropin.sh: the corpus is missing at $CORPUS; CI needs it" >&2
		exit 1
	fi
	echo "!!! SKIPPED dropin.sh: corpus not found at $CORPUS !!!" >&2
	exit 0
fi
cd "$ROOT"
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET/release/tinybind
cleanup() {
	rm -f guest-go/dropped.wasm guest-go/dropped.go guest-go/renamed.wasm guest-go/renamed.go
}
trap cleanup EXIT

fail() { echo "dropin.sh: FAILED: $*" >&2; exit 1; }
expect() { # expect WANT CMD...
	local want=$1 got
	shift
	got=$("$@") || fail "$* exited non-zero"
	[ "$got" = "$want" ] || fail "$*: got '$got', want '$want'"
	echo "ok: $* -> $got"
}

cp "$MODULE" guest-go/dropped.wasm
cat > guest-go/dropped.go <<'GO'
package main

//export add
func add(x int, y int) int

//export multiply
func multiply(x int, y int) int

//export concatenate
func concatenate(a string, b string) string
GO
cargo build --release --quiet
expect "Hello, World" "$BIN" call dropped concatenate "Hello, " "World"
expect 5 "$BIN" call dropped add 2 3
expect 42 "$BIN" call dropped multiply 6 7
generated=$(ls -t "$TARGET"/release/build/tinybind-*/out/tinybind_guests.rs | head -1)
grep -q 'Calls `func concatenate(a string, b string) string`' "$generated" ||
	fail "the generated file does not show the Go signature"
echo "ok: $generated shows the Go signatures"

mv guest-go/dropped.wasm guest-go/renamed.wasm
mv guest-go/dropped.go guest-go/renamed.go
cargo build --release --quiet
expect "Hello, again" "$BIN" call renamed concatenate "Hello, " "again"
if "$BIN" call dropped add 2 3 2>/dev/null; then
	fail "the old name still answers after the rename"
fi
echo "ok: the old name is gone after the rename"

cleanup
cargo build --release --quiet
echo "dropin.sh: 3 passed, 0 failed"
