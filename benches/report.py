#!/usr/bin/env python3
"""Prints the criterion results of `cargo bench` as the Markdown tables of
BENCHMARKS.md: every benchmark's mean (and 95% interval), and its ratio to
the hand-written baseline of the same group, measured in the same run.

    cargo bench && python3 benches/report.py [target/criterion]
"""

import json
import os
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "criterion")

# The baseline of a group: the first of these that the group has.
BASELINES = ["hand_best", "bare_typed_func", "hand", "hand_compile"]


def fmt_time(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def load():
    groups = {}
    for dirpath, _, files in os.walk(ROOT):
        if "benchmark.json" not in files or os.path.basename(dirpath) != "new":
            continue
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            meta = json.load(f)
        with open(os.path.join(dirpath, "estimates.json")) as f:
            est = json.load(f)
        mean = est["mean"]
        name = meta["function_id"] or ""
        if meta.get("value_str"):
            name = f"{name}/{meta['value_str']}" if name else meta["value_str"]
        groups.setdefault(meta["group_id"], []).append(
            {
                "name": name,
                "mean": mean["point_estimate"],
                "lo": mean["confidence_interval"]["lower_bound"],
                "hi": mean["confidence_interval"]["upper_bound"],
                "bytes": (meta.get("throughput") or {}).get("Bytes"),
            }
        )
    return groups


def main():
    groups = load()
    if not groups:
        sys.exit(f"no criterion results under {ROOT}: run `cargo bench` first")
    for group in sorted(groups):
        rows = sorted(groups[group], key=lambda r: r["name"])
        by_name = {r["name"]: r for r in rows}
        base = next((by_name[b] for b in BASELINES if b in by_name), None)
        print(f"\n#### `{group}`\n")
        header = "| benchmark | mean | 95% interval |"
        rule = "| --- | ---: | ---: |"
        if any(r["bytes"] for r in rows):
            header += " MB/s |"
            rule += " ---: |"
        if base:
            header += f" ratio to `{base['name']}` |"
            rule += " ---: |"
        print(header)
        print(rule)
        for r in rows:
            line = f"| `{r['name']}` | {fmt_time(r['mean'])} | {fmt_time(r['lo'])} – {fmt_time(r['hi'])} |"
            if any(x["bytes"] for x in rows):
                mbs = r["bytes"] / (r["mean"] / 1e9) / 1e6 if r["bytes"] else None
                line += f" {mbs:,.0f} |" if mbs else " |"
            if base:
                line += f" {r['mean'] / base['mean']:.2f} |"
            print(line)


if __name__ == "__main__":
    main()
