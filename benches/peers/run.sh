#!/usr/bin/env bash
# tinybind against Extism, the component model and wazero, side by side, in
# one run:
#
#     bash benches/peers/run.sh
#
# Builds the three guests from benches/peers/guests/ with TinyGo 0.41.1
# (build-guests.sh: TinyGo from guest-go/toolchain.sh, wasm-tools, go-pdk,
# wit-bindgen-go and the WASI WIT, all from the package registries), builds
# this crate (outside the root workspace: CI never builds it; it brings
# wasmtime 43 for Extism beside tinybind's 48), runs the criterion benchmark
# benches/peers.rs, builds the wazero peer (wazero/, a Go program on
# wazero v1.12.0, with the machine's Go) and runs it on the same guest, runs
# the throughput benchmark (src/bin/throughput.rs and `wazero-peer
# throughput`: a fresh instance per request, 1 and 2 threads, 5 s each),
# and writes results/peers.{md,json,svg} from that one run. The last two
# lines are
#     throughput: tinybind=<rps> extism=<rps> wazero=<rps> component=<rps>
#     peers: extism/tinybind=<x> component/tinybind=<y> wazero/tinybind=<z>
# the requests per second at 2 threads (each peer's best configuration),
# and the per-call time ratios (peer ÷ tinybind) of the 8-byte concatenate
# (each peer by its fastest form, over tinybind on the same build of the
# guest, default or -scheduler=none). THREADS (default "1 2") and
# SECONDS_EACH (default 5) change the throughput runs.
#
# Build outputs stay outside the repository: $TINYBIND_PEERS_TARGET
# (default ~/.cache/tinybind/peers-target) and $TINYBIND_PEERS_CACHE
# (default ~/.cache/tinybind/peers). A cold build takes about 25 minutes on
# 2 cores (two wasmtimes and wasm-tools); the benchmark about 6.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
	# shellcheck disable=SC1091
	. "$HOME/.cargo/env"
fi
export TINYBIND_PEERS_CACHE=${TINYBIND_PEERS_CACHE:-$HOME/.cache/tinybind/peers}
export TINYBIND_PEERS_GUESTS=${TINYBIND_PEERS_GUESTS:-$TINYBIND_PEERS_CACHE/guests}
export CARGO_TARGET_DIR=${TINYBIND_PEERS_TARGET:-$HOME/.cache/tinybind/peers-target}
export PEERS_RESULTS=$CARGO_TARGET_DIR/peers-results

echo "== guests" >&2
bash "$HERE/build-guests.sh" "$TINYBIND_PEERS_GUESTS"

cd "$HERE"
echo "== build (target dir $CARGO_TARGET_DIR)" >&2
cargo build --release --locked --benches --bins >&2

echo "== wazero peer (Go $(go env GOVERSION))" >&2
WAZERO=$CARGO_TARGET_DIR/wazero-peer
(cd "$HERE/wazero" && GOTOOLCHAIN=local GOFLAGS=-mod=readonly go build -o "$WAZERO" .)

echo "== benchmark" >&2
rm -rf "$CARGO_TARGET_DIR"/criterion/peers-* "$PEERS_RESULTS"
cargo bench --locked --bench peers >&2
"$WAZERO" calls -guests "$TINYBIND_PEERS_GUESTS/tinybind" -out "$PEERS_RESULTS/wazero-calls.json"

echo "== throughput" >&2
: >"$PEERS_RESULTS/throughput.jsonl"
for t in ${THREADS:-1 2}; do
	"$CARGO_TARGET_DIR/release/throughput" --threads "$t" --seconds "${SECONDS_EACH:-5}" | tee -a "$PEERS_RESULTS/throughput.jsonl" >&2
	for engine in compiler interpreter; do
		"$WAZERO" throughput -wasm "$TINYBIND_PEERS_GUESTS/tinybind/concat.wasm" -engine "$engine" \
			-threads "$t" -seconds "${SECONDS_EACH:-5}" | tee -a "$PEERS_RESULTS/throughput.jsonl" >&2
	done
done

echo "== report" >&2
cargo run --release --locked --quiet --bin report -- \
	"$CARGO_TARGET_DIR/criterion" "$PEERS_RESULTS/bench-meta.json" "$HERE/results" \
	"$PEERS_RESULTS/wazero-calls.json" "$PEERS_RESULTS/throughput.jsonl"
