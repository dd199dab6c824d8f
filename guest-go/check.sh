#!/usr/bin/env bash
# Checks that the committed Go guests (TinyGo and standard Go) match their
# Go sources.
#
#     bash guest-go/check.sh            # rebuild all guests and compare
#     bash guest-go/check.sh --show F   # print the export signature of F.wasm
#
# Every guest-go/NAME.go that declares `// tinybind:build FLAGS` (TinyGo) or
# `// tinybind:go-build FLAGS PACKAGE` (standard Go, the program in
# guest-go/PACKAGE) on its first line must have a committed
# guest-go/NAME.wasm, and rebuilding it (with build.sh, into a temporary
# directory) must give a module with the same exports: the same names, kinds
# and wasm function types. Byte-identical output is not required (paths in
# debug info, TinyGo, Go or wasm-opt versions may differ). Guests written as
# .wat have no Go build and are not checked.
# Exits non-zero with a diff when a guest is missing or stale.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Prints one line per export of a wasm module, sorted:
#   func NAME (PARAMS) -> RESULTS
#   memory NAME
# Function indices are resolved to their types and dropped.
signature() {
	command -v wasm-objdump >/dev/null 2>&1 ||
		{ echo "check.sh: wasm-objdump not found (apt-get install wabt)" >&2; return 1; }
	wasm-objdump -x "$1" | awk '
		/^[A-Za-z]+(\[[0-9]+\])?:/ { sec = $1; sub(/[\[:].*/, "", sec); next }
		sec == "Type" && $2 ~ /^type\[/ {
			i = $2; gsub(/[^0-9]/, "", i)
			t = $0; sub(/^[^\]]*\] */, "", t)
			type[i] = t; next
		}
		(sec == "Import" || sec == "Function") && $2 ~ /^func\[/ {
			i = $2; gsub(/[^0-9]/, "", i)
			s = $3; sub(/^sig=/, "", s)
			sig[i] = s; next
		}
		sec == "Export" && $1 == "-" {
			kind = $2; sub(/\[.*/, "", kind)
			i = $2; gsub(/[^0-9]/, "", i)
			name = $0; sub(/^.*-> "/, "", name); sub(/"$/, "", name)
			nexp++; ekind[nexp] = kind; eidx[nexp] = i; ename[nexp] = name
		}
		END {
			for (n = 1; n <= nexp; n++) {
				if (ekind[n] == "func") print "func " ename[n] " " type[sig[eidx[n]]]
				else print ekind[n] " " ename[n]
			}
		}' | LC_ALL=C sort
}

if [ "${1:-}" = "--show" ]; then
	[ $# -eq 2 ] || { echo "usage: $0 --show FILE.wasm" >&2; exit 2; }
	signature "$2"
	exit
fi

guests=()
for f in "$HERE"/*.go; do
	[ -e "$f" ] || continue
	sed -n '1{/^\/\/ tinybind:\(go-\)\{0,1\}build[[:space:]]/q0;q1}' "$f" && guests+=("$(basename "$f" .go)")
done
[ ${#guests[@]} -gt 0 ] || { echo "check.sh: no Go guests in $HERE" >&2; exit 1; }

in_git=false
git -C "$HERE" rev-parse --is-inside-work-tree >/dev/null 2>&1 && in_git=true

problems=0
for name in "${guests[@]}"; do
	if [ ! -f "$HERE/$name.wasm" ]; then
		echo "check.sh: FAIL $name: guest-go/$name.go has no guest-go/$name.wasm (run: bash guest-go/build.sh, then commit it)" >&2
		problems=$((problems + 1))
	elif $in_git && ! git -C "$HERE" ls-files --error-unmatch "$name.wasm" >/dev/null 2>&1; then
		echo "check.sh: FAIL $name: guest-go/$name.wasm exists but is not committed (git add it)" >&2
		problems=$((problems + 1))
	fi
done

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
if ! bash "$HERE/build.sh" "$TMP" "${guests[@]}"; then
	echo "check.sh: FAIL: rebuilding the guests failed (see above)" >&2
	exit 1
fi

for name in "${guests[@]}"; do
	[ -f "$HERE/$name.wasm" ] || continue
	signature "$HERE/$name.wasm" >"$TMP/$name.committed"
	signature "$TMP/$name.wasm" >"$TMP/$name.rebuilt"
	if [ ! -s "$TMP/$name.rebuilt" ]; then
		echo "check.sh: FAIL $name: could not read the exports of the rebuilt module" >&2
		problems=$((problems + 1))
	elif ! diff -u --label "guest-go/$name.wasm (committed)" --label "guest-go/$name.go (rebuilt)" \
		"$TMP/$name.committed" "$TMP/$name.rebuilt" >"$TMP/$name.diff"; then
		echo "check.sh: FAIL $name: guest-go/$name.wasm is stale, its exports differ from what $name.go's build gives (run: bash guest-go/build.sh guest-go $name):" >&2
		cat "$TMP/$name.diff" >&2
		problems=$((problems + 1))
	else
		echo "check.sh: ok $name ($(grep -c '^func ' "$TMP/$name.rebuilt") exported functions)" >&2
	fi
done

if [ "$problems" -gt 0 ]; then
	echo "check.sh: $problems guest(s) missing or stale" >&2
	exit 1
fi
echo "check.sh: all ${#guests[@]} Go guests match their committed .wasm"
