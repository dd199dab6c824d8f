#!/usr/bin/env bash
# Builds the plugin modules of tests/plugins/ with TinyGo: the guests of
# guest-go/build.sh's kind, in this directory.
#
#     bash tests/plugins/build.sh
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TINYGO=${TINYGO:-$(bash "$ROOT/guest-go/toolchain.sh")}
for src in "$HERE"/*.go; do
	name=$(basename "$src" .go)
	flags=$(sed -n '1s|^// tinybind:build[[:space:]]\{1,\}||p' "$src")
	echo "build.sh: tinygo build $flags -o $name.wasm $name.go" >&2
	tmp=$(mktemp -d "$HERE/.build-$name.XXXXXX")
	# shellcheck disable=SC2086 # the declared flags are split on purpose
	(cd "$HERE" && "$TINYGO" build $flags -o "$tmp/$name.wasm" "./$name.go")
	mv "$tmp/$name.wasm" "$HERE/$name.wasm"
	rm -rf "$tmp"
done
