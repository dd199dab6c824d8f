#!/usr/bin/env bash
# Runs every fuzz target for N seconds each (default 300) on nightly Rust,
# from the seed corpus in fuzz/seeds/ (and the small modules of the shared
# corpus, read-only, when it is beside the repository). Installs cargo-fuzz,
# pinned, when it is missing. A crashing input is saved under
# fuzz/artifacts/<target>/. The last line is exactly
#
#     fuzz: <targets> targets, <runs> runs, <crashes> crashes
#
# and the exit status is non-zero when any target crashed.
#
#     bash fuzz/run.sh                # 300 s per target
#     bash fuzz/run.sh --seconds 20   # 20 s per target
#     bash fuzz/run.sh --seconds 60 weave call_lowered
#     bash fuzz/run.sh --jobs 4       # four targets at a time (niced)
set -euo pipefail
cd "$(dirname "$0")"

CARGO_FUZZ_VERSION=0.13.1
seconds=300
jobs=1
targets=()
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
	--seconds=*) seconds=${1#--seconds=}; shift ;;
	--jobs) jobs=${2:?--jobs needs a number}; shift 2 ;;
	-h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "fuzz/run.sh: unknown option $1" >&2; exit 2 ;;
	*) targets+=("$1"); shift ;;
	esac
done
for n in "$seconds" "$jobs"; do
	case "$n" in '' | *[!0-9]*) echo "fuzz/run.sh: --seconds and --jobs take whole numbers" >&2; exit 2 ;; esac
done

if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
	# shellcheck disable=SC1091
	. "$HOME/.cargo/env"
fi
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
	echo "fuzz/run.sh: nightly Rust is not installed (rustup toolchain install nightly)" >&2
	exit 2
fi
if ! cargo fuzz --version 2>/dev/null | grep -qF "$CARGO_FUZZ_VERSION"; then
	echo "== installing cargo-fuzz $CARGO_FUZZ_VERSION"
	cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

# Its own target directory: the sanitizer flags would rebuild the main one.
export CARGO_TARGET_DIR=${TINYBIND_FUZZ_TARGET_DIR:-$HOME/.cache/tinybind/fuzz-target}
all=$(cargo +nightly fuzz list)
if [ ${#targets[@]} -eq 0 ]; then
	mapfile -t targets <<<"$all"
fi
for t in "${targets[@]}"; do
	grep -qxF "$t" <<<"$all" || { echo "fuzz/run.sh: no target $t; there are: $(echo $all)" >&2; exit 2; }
done

echo "== building ${#targets[@]} targets (nightly, address sanitizer, debug assertions)"
cargo +nightly fuzz build

# Modules of the shared corpus small enough to fuzz from (read-only: new
# inputs go to the working corpus, never into the shared one).
corpus=${TINYBIND_CORPUS:-../../shared/corpus}
shared=()
if [ -d "$corpus" ]; then
	mkdir -p work/shared-modules
	find "$corpus" -maxdepth 1 -name '*.wasm' -size -100k -exec cp -f {} work/shared-modules/ \;
	shared=(work/shared-modules)
fi

# The Go declarations of guest-go/, for go_source (copied into the
# working directory, not kept twice in the repository).
mkdir -p work/go-sources
cp -f ../guest-go/*.go work/go-sources/

# One target: its log in work/<target>.log, its line of the table in
# work/<target>.result.
run_target() {
	local t=$1 extra=() status=0 start elapsed runs rate outcome
	mkdir -p "work/$t" "artifacts/$t"
	case "$t" in
	codegen | weave) extra=("${shared[@]}") ;;
	go_source) extra=(work/go-sources) ;;
	esac
	local log="work/$t.log"
	start=$(date +%s)
	# -timeout: one input running 20 s is a hang; -rss_limit_mb: a leak.
	nice -n "$niceness" cargo +nightly fuzz run "$t" "work/$t" "seeds/$t" "${extra[@]}" -- \
		-max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
		-artifact_prefix="artifacts/$t/" >"$log" 2>&1 || status=$?
	elapsed=$(($(date +%s) - start))
	runs=$(grep -E '^stat::number_of_executed_units:' "$log" | tail -n 1 | awk '{print $2}')
	rate=$(grep -E '^stat::average_exec_per_sec:' "$log" | tail -n 1 | awk '{print $2}')
	if [ "$status" -ne 0 ]; then
		outcome="CRASH (exit $status): fuzz/artifacts/$t/$(ls -t "artifacts/$t" | head -n 1), log fuzz/$log"
		grep -m 3 -E 'panicked|ERROR: libFuzzer|SUMMARY' "$log" | sed "s/^/    $t: /" >&2 || true
	else
		outcome=ok
	fi
	printf '%-16s %8s %12s %10s %s\n' "$t" "$elapsed" "${runs:-0}" "${rate:-?}" "$outcome" >"work/$t.result"
	cat "work/$t.result"
}

niceness=0
[ "$jobs" -gt 1 ] && niceness=10
rm -f work/*.result
printf '%-16s %8s %12s %10s %s\n' target seconds runs execs/s outcome
for t in "${targets[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
	run_target "$t" &
done
wait

total_runs=0
crashes=0
for t in "${targets[@]}"; do
	if [ ! -f "work/$t.result" ]; then
		crashes=$((crashes + 1))
		continue
	fi
	read -r _ _ runs _ outcome <"work/$t.result"
	total_runs=$((total_runs + runs))
	[ "$outcome" = ok ] || crashes=$((crashes + 1))
done
echo "fuzz: ${#targets[@]} targets, $total_runs runs, $crashes crashes"
[ "$crashes" -eq 0 ]
