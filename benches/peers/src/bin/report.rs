//! Reads the criterion estimates of `benches/peers.rs` (one run) and
//! writes `results/peers.json`, `results/peers.md` (the tables for
//! BENCHMARKS.md) and `results/peers.svg` (per-call time against string
//! size, log-log, one line per peer). The last line it prints is
//! `peers: extism/tinybind=<x> component/tinybind=<y>`, the 8-byte ratios.
//!
//!     report <criterion dir> <bench-meta.json> <out dir>

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use plotters::prelude::*;
use serde_json::{json, Value};
use tinybind_peers::SIZES;

/// The per-call peers, with their labels and hosts.
const PEERS: [(&str, &str, &str); 10] = [
    ("tinybind", "tinybind", "wasmtime 48.0.8"),
    ("tinybind_nosched", "tinybind, -scheduler=none", "wasmtime 48.0.8"),
    ("extism", "Extism (length-prefixed buffer)", "wasmtime 43.0.2 (extism 1.30.0)"),
    ("extism_nosched", "Extism, -scheduler=none", "wasmtime 43.0.2 (extism 1.30.0)"),
    ("extism_json", "Extism, idiomatic (pdk.InputJSON)", "wasmtime 43.0.2 (extism 1.30.0)"),
    ("extism_json_nosched", "Extism, idiomatic, -scheduler=none", "wasmtime 43.0.2 (extism 1.30.0)"),
    ("component", "component model, concatenate(a, b)", "wasmtime 48.0.8"),
    ("component_nosched", "component model, concatenate(a, b), -scheduler=none", "wasmtime 48.0.8"),
    ("component_packed", "component model, concatenate-packed", "wasmtime 48.0.8"),
    ("component_packed_nosched", "component model, concatenate-packed, -scheduler=none", "wasmtime 48.0.8"),
];

/// The fastest of some peers' variants at 8 B, in ns.
fn fastest(calls: &serde_json::Map<String, Value>, ids: &[&str]) -> f64 {
    ids.iter()
        .filter_map(|id| calls.get(*id).and_then(|c| c["8B"]["ns"].as_f64()))
        .fold(f64::INFINITY, f64::min)
}

/// Mean time in ns of one criterion benchmark.
fn mean(dir: &Path, group: &str, id: &str) -> Option<f64> {
    let path = dir.join(group).join(id).join("new/estimates.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    v["mean"]["point_estimate"].as_f64()
}

fn human(ns: f64) -> String {
    if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.2} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (crit, meta, out) = match &args[1..] {
        [c, m, o] => (PathBuf::from(c), PathBuf::from(m), PathBuf::from(o)),
        _ => panic!("usage: report <criterion dir> <bench-meta.json> <out dir>"),
    };
    let meta: Value = serde_json::from_str(&std::fs::read_to_string(&meta).expect("bench-meta.json")).expect("json");
    std::fs::create_dir_all(&out).expect("out dir");

    // Per call.
    let mut calls = serde_json::Map::new();
    let mut md = String::new();
    writeln!(md, "| peer (host) | 8 B | 1 KiB | 64 KiB | 1 MiB |").unwrap();
    writeln!(md, "|---|---|---|---|---|").unwrap();
    let tb: Vec<f64> = SIZES
        .iter()
        .map(|(l, _)| mean(&crit, &format!("peers-call-{l}"), "tinybind").expect("tinybind figure"))
        .collect();
    for (id, label, host) in PEERS {
        let mut row = format!("| {label} ({host}) |");
        let mut fig = serde_json::Map::new();
        for (i, (l, _)) in SIZES.iter().enumerate() {
            let group = format!("peers-call-{l}");
            match mean(&crit, &group, id) {
                Some(ns) => {
                    let fails = &meta["failures"][format!("{group}/{id}")];
                    let f = fails["failures"].as_u64().unwrap_or(0);
                    let note = if f > 0 { format!(", {f} of {} failed", fails["calls"]) } else { String::new() };
                    if id == "tinybind" {
                        write!(row, " {}{note} |", human(ns)).unwrap();
                    } else {
                        write!(row, " {} ({:.1}×){note} |", human(ns), ns / tb[i]).unwrap();
                    }
                    fig.insert(l.to_string(), json!({ "ns": ns, "ratio_to_tinybind": ns / tb[i], "failures": f }));
                }
                None => write!(row, " – |").unwrap(),
            }
        }
        writeln!(md, "{row}").unwrap();
        calls.insert(id.to_string(), Value::Object(fig));
    }

    // Start-up.
    let rows: [(&str, &str, &[(&str, &str)]); 3] = [
        (
            "peers-instantiate",
            "new instance of a compiled guest, dropped",
            &[
                ("tinybind", "tinybind (default runtime)"),
                ("tinybind_pooling_preinit", "tinybind `.pooling(64).preinitialize(true)`"),
                ("extism", "Extism `Plugin::new_from_compiled`"),
                ("component", "component model"),
                ("component_pooling", "component model, pooling allocator"),
            ],
        ),
        (
            "peers-fresh-call",
            "fresh instance + one 8-byte call + drop",
            &[
                ("tinybind", "tinybind (default runtime)"),
                ("tinybind_pooling_preinit", "tinybind `.pooling(64).preinitialize(true)`"),
                ("extism", "Extism"),
                ("component", "component model"),
                ("component_pooling", "component model, pooling allocator"),
            ],
        ),
        (
            "peers-first-start",
            "new engine, compile or cache load, instance, one call",
            &[
                ("tinybind/compile", "tinybind, compile"),
                ("tinybind/cached", "tinybind, `compilation_cache(true)`"),
                ("extism/compile", "Extism, cache disabled"),
                ("extism/cached", "Extism, wasmtime cache (its default)"),
                ("component/compile", "component model, compile"),
                ("component/cached", "component model, wasmtime cache"),
            ],
        ),
    ];
    let mut startup = serde_json::Map::new();
    writeln!(md).unwrap();
    writeln!(md, "| start-up | what | time |").unwrap();
    writeln!(md, "|---|---|---|").unwrap();
    for (group, what, ids) in rows {
        for (id, label) in ids {
            if let Some(ns) = mean(&crit, group, id) {
                writeln!(md, "| {label} | {what} | {} |", human(ns)).unwrap();
                startup.insert(format!("{group}/{id}"), json!(ns));
            }
        }
    }
    writeln!(md).unwrap();
    for (k, v) in meta["failures"].as_object().into_iter().flatten() {
        if k.starts_with("random") {
            writeln!(md, "- {k}: {} of {} calls", v["failures"], v["calls"]).unwrap();
        }
    }
    writeln!(
        md,
        "- machine load (1/5/15 min) before: {}, after: {}",
        meta["loadavg_before"].as_str().unwrap_or("?"),
        meta["loadavg_after"].as_str().unwrap_or("?")
    )
    .unwrap();

    // Each peer by its fastest variant: the comparison least kind to
    // tinybind.
    let x = fastest(&calls, &["extism", "extism_nosched"]) / tb[0];
    let y = fastest(&calls, &["component", "component_nosched", "component_packed", "component_packed_nosched"]) / tb[0];
    std::fs::write(out.join("peers.md"), &md).expect("write md");
    std::fs::write(
        out.join("peers.json"),
        serde_json::to_string_pretty(&json!({ "per_call": calls, "startup": startup, "meta": meta, "extism_over_tinybind_8B": x, "component_over_tinybind_8B": y }))
            .unwrap(),
    )
    .expect("write json");
    chart(&crit, &out.join("peers.svg"));
    print!("{md}");
    println!("peers: extism/tinybind={x:.1} component/tinybind={y:.1}");
}

/// Per-call time against string size, log-log, one line per peer.
fn chart(crit: &Path, path: &Path) {
    let root = SVGBackend::new(path, (980, 640)).into_drawing_area();
    root.fill(&WHITE).unwrap();
    let xs: Vec<f64> = SIZES.iter().map(|(_, n)| *n as f64).collect();
    let mut series = Vec::new();
    let (mut lo, mut hi) = (f64::INFINITY, 0f64);
    for (id, label, host) in PEERS {
        let pts: Vec<(f64, f64)> = SIZES
            .iter()
            .zip(&xs)
            .filter_map(|((l, _), x)| mean(crit, &format!("peers-call-{l}"), id).map(|ns| (*x, ns / 1e3)))
            .collect();
        for &(_, y) in &pts {
            lo = lo.min(y);
            hi = hi.max(y);
        }
        series.push((format!("{label}, {host}"), pts));
    }
    let mut chart = ChartBuilder::on(&root)
        .caption("Go a + b through each peer: time per call (TinyGo 0.41.1)", ("sans-serif", 20))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(70)
        .build_cartesian_2d(
            (4f64..2e6f64).log_scale().with_key_points(xs.clone()),
            ((lo / 2.0)..(hi * 2.0)).log_scale(),
        )
        .unwrap();
    chart
        .configure_mesh()
        .x_desc("bytes in each of a and b")
        .y_desc("µs per call")
        .x_label_formatter(&|x| {
            if *x >= 1048576.0 {
                format!("{:.0} MiB", x / 1048576.0)
            } else if *x >= 1024.0 {
                format!("{:.0} KiB", x / 1024.0)
            } else {
                format!("{x:.0} B")
            }
        })
        .y_label_formatter(&|y| format!("{y}"))
        .draw()
        .unwrap();
    let colors = [
        RGBColor(0, 0, 0),
        RGBColor(120, 120, 120),
        RGBColor(220, 50, 32),
        RGBColor(250, 140, 120),
        RGBColor(240, 150, 0),
        RGBColor(250, 205, 110),
        RGBColor(0, 110, 200),
        RGBColor(120, 180, 240),
        RGBColor(0, 150, 60),
        RGBColor(120, 210, 140),
    ];
    for ((label, pts), color) in series.into_iter().zip(colors) {
        chart
            .draw_series(LineSeries::new(pts.clone(), color.stroke_width(if label.starts_with("tinybind") { 3 } else { 2 })))
            .unwrap()
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
        chart.draw_series(pts.into_iter().map(|p| Circle::new(p, 3, color.filled()))).unwrap();
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .unwrap();
    root.present().unwrap();
}
