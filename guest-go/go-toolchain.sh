#!/usr/bin/env bash
# Prints the path of a standard Go toolchain (`go`, version >= 1.24) on
# stdout, for the guests that build.sh builds with `go build` (first line
# `// tinybind:go-build ...`); logs go to stderr. Other scripts do:
#
#     GO=$(bash guest-go/go-toolchain.sh)
#     GOOS=wasip1 GOARCH=wasm "$GO" build -buildmode=c-shared -o out.wasm ./pkg
#
# Go 1.24 is the first with //go:wasmexport (wasip1 reactors). Tried, in
# order: $GO if set, else `go` on PATH, else /usr/local/go/bin/go. When that
# one is older than 1.24, it fetches Go $GO_TOOLCHAIN_VERSION through the
# module proxy (`GOTOOLCHAIN=go1.26.8 go version` downloads the module
# golang.org/toolchain into the module cache) and prints the `go` binary of
# that GOROOT. Idempotent: once the toolchain is in the module cache a re-run
# only asks `go` two questions (a few tens of milliseconds).
#
# Tried and working: Go 1.26.8 (the one installed here, used as is).
#
# Environment:
#   GO                    go binary to try first
#   GO_TOOLCHAIN_VERSION  version to fetch when none is new enough (default 1.26.8)
set -euo pipefail

WANT=${GO_TOOLCHAIN_VERSION:-1.26.8}

log() { printf 'go-toolchain.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

if [ -n "${GO:-}" ]; then :
elif command -v go >/dev/null 2>&1; then GO=$(command -v go)
elif [ -x /usr/local/go/bin/go ]; then GO=/usr/local/go/bin/go
else die "no Go toolchain found (set GO=/path/to/go); the go-build guests need Go >= 1.24"
fi
command -v "$GO" >/dev/null 2>&1 || die "GO=$GO: not an executable"

# True if the go binary $1 (run without switching toolchains) is >= 1.24.
new_enough() {
	local v
	v=$(GOTOOLCHAIN=local "$1" env GOVERSION 2>/dev/null) || return 1
	v=${v#go}
	local major=${v%%.*} rest=${v#*.}
	local minor=${rest%%[!0-9]*}
	[ -n "$major" ] && [ -n "$minor" ] || return 1
	[ "$major" -gt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -ge 24 ]; }
}

if new_enough "$GO"; then
	echo "$GO"
	exit 0
fi

log "$GO is $(GOTOOLCHAIN=local "$GO" env GOVERSION 2>/dev/null || echo '?'), older than go1.24; fetching go$WANT through the module proxy"
# Run outside any module so that no go.mod's toolchain line interferes.
GOROOT_NEW=$(cd / && GOTOOLCHAIN=go$WANT "$GO" version >&2 && GOTOOLCHAIN=go$WANT "$GO" env GOROOT) ||
	die "could not fetch go$WANT (GOTOOLCHAIN=go$WANT $GO version)"
NEW=$GOROOT_NEW/bin/go
[ -x "$NEW" ] || die "$NEW: not found after fetching go$WANT"
new_enough "$NEW" || die "$NEW is not Go >= 1.24"
echo "$NEW"
