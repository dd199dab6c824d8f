#!/usr/bin/env bash
# Builds the bench-only TinyGo guests of benches/guests/ (kept out of
# guest-go/, whose guests are compiled into the product):
#
#     bash benches/guests/build.sh [NAME...]
#
# Same conventions as guest-go/build.sh: the first line of NAME.go declares
# its TinyGo flags (`// tinybind:build FLAGS`), NAME.wasm is committed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TINYGO=${TINYGO:-$(bash "$HERE/../../guest-go/toolchain.sh")}

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for f in "$HERE"/*.go; do names+=("$(basename "$f" .go)"); done
fi
for name in "${names[@]}"; do
	flags=$(sed -n '1s|^// tinybind:build[[:space:]]\{1,\}||p' "$HERE/$name.go")
	[ -n "$flags" ] || { echo "build.sh: $name.go: first line is not '// tinybind:build FLAGS'" >&2; exit 1; }
	echo "build.sh: tinygo build $flags -o $name.wasm $name.go" >&2
	tmp=$(mktemp -d)
	# shellcheck disable=SC2086 # the declared flags are split on purpose
	(cd "$HERE" && "$TINYGO" build $flags -o "$tmp/$name.wasm" "./$name.go")
	mv "$tmp/$name.wasm" "$HERE/$name.wasm"
	rm -rf "$tmp"
done
