#!/usr/bin/env bash
# Builds every TinyGo guest in guest-go/ from its Go source.
#
#     bash guest-go/build.sh [OUT_DIR] [NAME...]
#
# A guest is a file guest-go/NAME.go whose first line is
#     // tinybind:build <tinygo build flags>
# e.g. `// tinybind:build -target=wasip1 -buildmode=c-shared`. Each file is its
# own `package main` and is built alone into OUT_DIR/NAME.wasm (OUT_DIR
# defaults to guest-go/ itself). Files without that line (and *.wat guests)
# are not built. NAMEs restrict the build to those guests.
#
# TinyGo comes from toolchain.sh (installed on first use), or from $TINYGO.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${1:-$HERE}
[ $# -gt 0 ] && shift
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

TINYGO=${TINYGO:-$(bash "$HERE/toolchain.sh")}

# Prints the build flags declared by a guest, or nothing for a non-guest.
guest_flags() {
	sed -n '1s|^// tinybind:build[[:space:]]\{1,\}||p' "$1"
}

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for f in "$HERE"/*.go; do
		[ -e "$f" ] || continue
		[ -n "$(guest_flags "$f")" ] && names+=("$(basename "$f" .go)")
	done
fi
[ ${#names[@]} -gt 0 ] || { echo "build.sh: no guests found in $HERE" >&2; exit 1; }

failed=0
for name in "${names[@]}"; do
	src=$HERE/$name.go
	[ -f "$src" ] || { echo "build.sh: $src: no such guest" >&2; failed=1; continue; }
	flags=$(guest_flags "$src")
	[ -n "$flags" ] || { echo "build.sh: $src: first line is not '// tinybind:build FLAGS'" >&2; failed=1; continue; }
	echo "build.sh: tinygo build $flags -o $OUT/$name.wasm $name.go" >&2
	# Build from guest-go/ so that go.mod here is the module of every guest.
	# TinyGo picks the output format from the extension, so build into a
	# scratch directory and move the result into place.
	tmp=$(mktemp -d "$OUT/.build-$name.XXXXXX")
	# shellcheck disable=SC2086 # the declared flags are split on purpose
	if ! (cd "$HERE" && "$TINYGO" build $flags -o "$tmp/$name.wasm" "./$name.go"); then
		echo "build.sh: building $name failed" >&2
		rm -rf "$tmp"
		failed=1
		continue
	fi
	mv "$tmp/$name.wasm" "$OUT/$name.wasm"
	rm -rf "$tmp"
done
exit $failed
