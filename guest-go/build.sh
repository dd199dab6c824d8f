#!/usr/bin/env bash
# Builds every Go guest in guest-go/ from its Go source, with TinyGo or with
# standard Go.
#
#     bash guest-go/build.sh [OUT_DIR] [NAME...]
#
# A guest is a file guest-go/NAME.go whose first line is one of
#     // tinybind:build <tinygo build flags>
#     // tinybind:go-build <go build flags> <package>
# e.g. `// tinybind:build -target=wasip1 -buildmode=c-shared` or
# `// tinybind:go-build -buildmode=c-shared ./std/stdgreet`. A TinyGo guest is
# its own `package main` and is built alone. A go-build guest's NAME.go holds
# declarations only; the program is the package (a path relative to
# guest-go/, in the module of go.mod here), built with
#     GOOS=wasip1 GOARCH=wasm go build FLAGS -o OUT_DIR/NAME.wasm ./PACKAGE
# Either way the result is OUT_DIR/NAME.wasm (OUT_DIR defaults to guest-go/
# itself). Files without such a line (and *.wat guests) are not built. NAMEs
# restrict the build to those guests.
#
# TinyGo comes from toolchain.sh (installed on first use), or from $TINYGO;
# Go (>= 1.24) from go-toolchain.sh, or from $GO. Each is only looked for
# when a guest that needs it is built.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${1:-$HERE}
[ $# -gt 0 ] && shift
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# Prints the TinyGo build flags declared by a guest, or nothing.
guest_flags() {
	sed -n '1s|^// tinybind:build[[:space:]]\{1,\}||p' "$1"
}

# Prints the go build flags and package declared by a go-build guest, or nothing.
go_guest_flags() {
	sed -n '1s|^// tinybind:go-build[[:space:]]\{1,\}||p' "$1"
}

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for f in "$HERE"/*.go; do
		[ -e "$f" ] || continue
		[ -n "$(guest_flags "$f")$(go_guest_flags "$f")" ] && names+=("$(basename "$f" .go)")
	done
fi
[ ${#names[@]} -gt 0 ] || { echo "build.sh: no guests found in $HERE" >&2; exit 1; }

# The compilers, found on first use.
tinygo_bin() {
	[ -n "${TINYGO:-}" ] || TINYGO=$(bash "$HERE/toolchain.sh")
}
go_bin() {
	[ -n "${GO_BIN:-}" ] || GO_BIN=$(bash "$HERE/go-toolchain.sh")
}

failed=0
for name in "${names[@]}"; do
	src=$HERE/$name.go
	[ -f "$src" ] || { echo "build.sh: $src: no such guest" >&2; failed=1; continue; }
	flags=$(guest_flags "$src")
	goflags=$(go_guest_flags "$src")
	if [ -z "$flags" ] && [ -z "$goflags" ]; then
		echo "build.sh: $src: first line is neither '// tinybind:build FLAGS' nor '// tinybind:go-build FLAGS PACKAGE'" >&2
		failed=1
		continue
	fi
	# Build into a scratch directory and move the result into place (TinyGo
	# picks the output format from the extension; a failed build leaves no
	# half-written NAME.wasm).
	tmp=$(mktemp -d "$OUT/.build-$name.XXXXXX")
	ok=true
	if [ -n "$flags" ]; then
		tinygo_bin || { rm -rf "$tmp"; exit 1; }
		echo "build.sh: tinygo build $flags -o $OUT/$name.wasm $name.go" >&2
		# Build from guest-go/ so that go.mod here is the module of every guest.
		# shellcheck disable=SC2086 # the declared flags are split on purpose
		(cd "$HERE" && "$TINYGO" build $flags -o "$tmp/$name.wasm" "./$name.go") || ok=false
	else
		# The last word is the package, the rest are flags.
		read -r -a words <<<"$goflags"
		pkg=${words[${#words[@]} - 1]}
		unset 'words[${#words[@]}-1]'
		pkg=./${pkg#./}
		go_bin || { rm -rf "$tmp"; exit 1; }
		echo "build.sh: GOOS=wasip1 GOARCH=wasm go build ${words[*]} -o $OUT/$name.wasm $pkg" >&2
		# From guest-go/, so that the package is in the module of go.mod here.
		# GOTOOLCHAIN=local: build with exactly the go that go-toolchain.sh chose.
		(cd "$HERE" && GOOS=wasip1 GOARCH=wasm GOTOOLCHAIN=local \
			"$GO_BIN" build "${words[@]}" -o "$tmp/$name.wasm" "$pkg") || ok=false
	fi
	if ! $ok; then
		echo "build.sh: building $name failed" >&2
		rm -rf "$tmp"
		failed=1
		continue
	fi
	mv "$tmp/$name.wasm" "$OUT/$name.wasm"
	rm -rf "$tmp"
done
exit $failed
