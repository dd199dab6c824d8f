//! Reads the criterion estimates of `benches/peers.rs` (one run) and
//! writes `results/peers.json`, `results/peers.md` (the tables for
//! BENCHMARKS.md) and `results/peers.svg` (per-call time against string
//! size, log-log, one line per peer). The last line it prints is
//! `peers: extism/tinybind=<x> component/tinybind=<y> wazero/tinybind=<z>`,
//! the 8-byte ratios (each peer by its fastest form, over tinybind on the
//! same build of the guest: a `-scheduler=none` row over
//! `tinybind_nosched`); the one before it
//! `throughput: tinybind=<rps> extism=<rps> wazero=<rps> component=<rps>`,
//! each peer's best configuration at 2 threads.
//!
//!     report <criterion dir> <bench-meta.json> <out dir> <wazero-calls.json> <throughput.jsonl>

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use plotters::prelude::*;
use serde_json::{json, Value};
use tinybind_peers::SIZES;

/// The per-call peers, with their labels and hosts.
const PEERS: [(&str, &str, &str); 15] = [
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
    ("wazero", "wazero, reused block + CallWithStack", "wazero v1.12.0, compiler"),
    ("wazero_call", "wazero, documented malloc/Call/free", "wazero v1.12.0, compiler"),
    ("wazero_nosched", "wazero, reused block, -scheduler=none", "wazero v1.12.0, compiler"),
    ("wazero_interp", "wazero, reused block + CallWithStack", "wazero v1.12.0, interpreter"),
    ("wazero_interp_call", "wazero, documented malloc/Call/free", "wazero v1.12.0, interpreter"),
];

/// The per-call figures of one run: criterion's estimates, and the wazero
/// peer's JSON (`wazero-peer calls`).
struct Figures {
    crit: PathBuf,
    wazero: Value,
}

impl Figures {
    /// Mean time in ns of `id` at size `label`.
    fn ns(&self, label: &str, id: &str) -> Option<f64> {
        if id.starts_with("wazero") {
            self.wazero["calls"][id][label]["ns"].as_f64()
        } else {
            mean(&self.crit, &format!("peers-call-{label}"), id)
        }
    }

    /// (failures, calls) of `id` at size `label`.
    fn failures(&self, meta: &Value, label: &str, id: &str) -> (u64, u64) {
        let f = if id.starts_with("wazero") {
            &self.wazero["calls"][id][label]
        } else {
            &meta["failures"][format!("peers-call-{label}/{id}")]
        };
        (f["failures"].as_u64().unwrap_or(0), f["calls"].as_u64().unwrap_or(0))
    }
}

/// The fastest of some peers' variants at 8 B, in ns.
fn fastest(calls: &serde_json::Map<String, Value>, ids: &[&str]) -> f64 {
    ids.iter()
        .filter_map(|id| calls.get(*id).and_then(|c| c["8B"]["ns"].as_f64()))
        .fold(f64::INFINITY, f64::min)
}

/// A peer's 8-byte time over tinybind's on the same guest build: its
/// fastest form on the default build over `tinybind` (`tb` ns), or its
/// fastest on the `-scheduler=none` build over `tinybind_nosched`
/// (`tb_nosched` ns), whichever is lower (the comparison least kind to
/// tinybind, module for module).
fn ratio(calls: &serde_json::Map<String, Value>, default: &[&str], nosched: &[&str], tb: f64, tb_nosched: f64) -> f64 {
    (fastest(calls, default) / tb).min(fastest(calls, nosched) / tb_nosched)
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
    let (crit, meta, out, wazero, throughput) = match &args[1..] {
        [c, m, o, w, t] => (PathBuf::from(c), PathBuf::from(m), PathBuf::from(o), PathBuf::from(w), PathBuf::from(t)),
        _ => panic!("usage: report <criterion dir> <bench-meta.json> <out dir> <wazero-calls.json> <throughput.jsonl>"),
    };
    let figures = Figures {
        crit: crit.clone(),
        wazero: serde_json::from_str(&std::fs::read_to_string(&wazero).expect("wazero-calls.json")).expect("json"),
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
        .map(|(l, _)| figures.ns(l, "tinybind").expect("tinybind figure"))
        .collect();
    // A row of the -scheduler=none build is compared with tinybind's on it
    // (never with the default build's: a missing figure gives NaN).
    let tb_nosched: Vec<f64> = SIZES
        .iter()
        .map(|(l, _)| figures.ns(l, "tinybind_nosched").unwrap_or(f64::NAN))
        .collect();
    for (id, label, host) in PEERS {
        let base = if id.ends_with("_nosched") { &tb_nosched } else { &tb };
        let mut row = format!("| {label} ({host}) |");
        let mut fig = serde_json::Map::new();
        for (i, (l, _)) in SIZES.iter().enumerate() {
            match figures.ns(l, id) {
                Some(ns) => {
                    let (f, n) = figures.failures(&meta, l, id);
                    let note = if f > 0 { format!(", {f} of {n} failed") } else { String::new() };
                    if id.starts_with("tinybind") {
                        write!(row, " {}{note} |", human(ns)).unwrap();
                    } else {
                        write!(row, " {} ({:.1}×){note} |", human(ns), ns / base[i]).unwrap();
                    }
                    fig.insert(l.to_string(), json!({ "ns": ns, "ratio_to_tinybind": ns / base[i], "failures": f }));
                }
                None => write!(row, " – |").unwrap(),
            }
        }
        writeln!(md, "{row}").unwrap();
        calls.insert(id.to_string(), Value::Object(fig));
    }
    writeln!(md).unwrap();
    writeln!(
        md,
        "(×: over tinybind on the same build of the guest; a -scheduler=none row over tinybind's -scheduler=none row.)"
    )
    .unwrap();

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

    // Each peer by its fastest variant, against tinybind on the same build
    // of the guest: the comparison least kind to tinybind.
    let over_tinybind = |default: &[&str], nosched: &[&str]| ratio(&calls, default, nosched, tb[0], tb_nosched[0]);
    let x = over_tinybind(&["extism"], &["extism_nosched"]);
    let y = over_tinybind(&["component", "component_packed"], &["component_nosched", "component_packed_nosched"]);
    let z = over_tinybind(&["wazero", "wazero_call", "wazero_interp", "wazero_interp_call"], &["wazero_nosched"]);
    let (tp_md, tp_json, tp_line) = throughput_table(&throughput);
    md.push_str(&tp_md);
    std::fs::write(out.join("peers.md"), &md).expect("write md");
    std::fs::write(
        out.join("peers.json"),
        serde_json::to_string_pretty(&json!({ "per_call": calls, "startup": startup, "meta": meta, "extism_over_tinybind_8B": x, "component_over_tinybind_8B": y, "wazero_over_tinybind_8B": z, "throughput": tp_json }))
            .unwrap(),
    )
    .expect("write json");
    chart(&figures, &out.join("peers.svg"));
    print!("{md}");
    println!("{tp_line}");
    println!("peers: extism/tinybind={x:.1} component/tinybind={y:.1} wazero/tinybind={z:.1}");
}

/// The throughput table (markdown), its rows (JSON), and the line
/// `throughput: tinybind=.. extism=.. wazero=.. component=..`: each peer's
/// best configuration at 2 threads.
fn throughput_table(path: &Path) -> (String, Value, String) {
    let rows: Vec<Value> = std::fs::read_to_string(path)
        .expect("throughput.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("throughput json"))
        .collect();
    let mut md = String::new();
    writeln!(md).unwrap();
    writeln!(md, "| fresh instance per request, 64 B concatenate | threads | requests/s | p50 | p99 | failed |").unwrap();
    writeln!(md, "|---|---|---|---|---|---|").unwrap();
    for r in &rows {
        let name = match r["engine"].as_str() {
            Some(engine) => format!("wazero ({engine})"),
            None => r["config"].as_str().unwrap_or("?").to_string(),
        };
        writeln!(
            md,
            "| {name} | {} | {:.0} | {} | {} | {} of {} |",
            r["threads"],
            r["rps"].as_f64().unwrap_or(0.0),
            human(r["p50_ns"].as_f64().unwrap_or(f64::NAN)),
            human(r["p99_ns"].as_f64().unwrap_or(f64::NAN)),
            r["failures"],
            r["requests"]
        )
        .unwrap();
    }
    let best = |peer: &str| {
        rows.iter()
            .filter(|r| r["peer"] == peer && r["threads"] == 2 && r["failures"] == 0)
            .filter_map(|r| r["rps"].as_f64())
            .fold(0f64, f64::max)
    };
    let line = format!(
        "throughput: tinybind={:.0} extism={:.0} wazero={:.0} component={:.0}",
        best("tinybind"),
        best("extism"),
        best("wazero"),
        best("component")
    );
    (md, Value::Array(rows), line)
}

/// Per-call time against string size, log-log, one line per peer.
fn chart(figures: &Figures, path: &Path) {
    let root = SVGBackend::new(path, (980, 640)).into_drawing_area();
    root.fill(&WHITE).unwrap();
    let xs: Vec<f64> = SIZES.iter().map(|(_, n)| *n as f64).collect();
    let mut series = Vec::new();
    let (mut lo, mut hi) = (f64::INFINITY, 0f64);
    for (id, label, host) in PEERS {
        let pts: Vec<(f64, f64)> = SIZES
            .iter()
            .zip(&xs)
            .filter_map(|((l, _), x)| figures.ns(l, id).map(|ns| (*x, ns / 1e3)))
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
        RGBColor(130, 60, 170),
        RGBColor(180, 130, 210),
        RGBColor(200, 170, 230),
        RGBColor(160, 110, 60),
        RGBColor(210, 180, 140),
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
