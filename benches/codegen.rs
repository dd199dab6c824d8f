//! The build script's own work: `tinybind_codegen::Builder::generate` on a
//! directory of guests, as `build.rs` runs it (read every module and its Go
//! source, parse the wasm and its DWARF, infer the bindings, emit Rust with
//! `quote`, parse it with `syn`, format it with `prettyplease`, write it).
//!
//! The guest is `benches/guests/text.wasm` (about 430 KB with its debug
//! info, strconv/strings/sort/unicode), copied 1, 10 and 100 times (as
//! `text0.wasm` + `text0.go` ...) into a temporary directory:
//!
//! - `codegen/generate/N`: the whole `generate`, the output file removed
//!   before each run so that it is written every time. `codegen/read_only/N`
//!   is the floor: only reading the same files.
//! - `codegen/phases/*`: one guest, phase by phase: `wasm_parse`
//!   (`ModuleInfo::parse`, sections and DWARF bytes), `go_parse`,
//!   `infer` (`model::infer`, including the DWARF walk), `emit` (`emit::file`:
//!   quote + syn + prettyplease).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use tinybind_codegen::__internal::{self as emit, infer, GoSource, ModuleInfo};
use tinybind_codegen::Builder;

const WASM: &[u8] = include_bytes!("guests/text.wasm");
const GO: &str = include_str!("guests/text.go");

/// A directory with `n` copies of the text guest.
fn guests(n: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tinybind-bench-codegen-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("guests")).expect("temp dir");
    for i in 0..n {
        std::fs::write(dir.join(format!("guests/text{i}.wasm")), WASM).expect("write");
        std::fs::write(dir.join(format!("guests/text{i}.go")), GO).expect("write");
    }
    dir
}

fn generate(dir: &Path) -> usize {
    let report = Builder::new()
        .guest_dir(dir.join("guests"))
        .out_file(dir.join("out.rs"))
        .cargo_instructions(false)
        .generate()
        .expect("generate");
    report.guests.len()
}

fn builder(c: &mut Criterion) {
    let mut g = c.benchmark_group("codegen");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(4));
    for n in [1usize, 10, 100] {
        let dir = guests(n);
        assert_eq!(generate(&dir), n);
        g.throughput(Throughput::Bytes((WASM.len() * n) as u64));
        g.bench_with_input(BenchmarkId::new("generate", n), &dir, |b, dir| {
            b.iter_batched(
                || {
                    let _ = std::fs::remove_file(dir.join("out.rs"));
                },
                |()| black_box(generate(dir)),
                BatchSize::PerIteration,
            )
        });
        g.bench_with_input(BenchmarkId::new("read_only", n), &dir, |b, dir| {
            b.iter(|| {
                let mut total = 0;
                for i in 0..n {
                    total += std::fs::read(dir.join(format!("guests/text{i}.wasm"))).expect("read").len();
                    total += std::fs::read(dir.join(format!("guests/text{i}.go"))).expect("read").len();
                }
                black_box(total)
            })
        });
        let _ = std::fs::remove_dir_all(&dir);
    }
    g.finish();
}

fn phases(c: &mut Criterion) {
    let mut g = c.benchmark_group("codegen/phases");
    g.sample_size(30);
    let files = vec![("benches/guests/text.go".to_string(), GO.to_string())];
    g.bench_function("wasm_parse", |b| b.iter(|| black_box(ModuleInfo::parse(black_box(WASM)).expect("parse"))));
    g.bench_function("go_parse", |b| b.iter(|| black_box(GoSource::parse(black_box(&files)).expect("parse"))));
    let info = ModuleInfo::parse(WASM).expect("parse");
    let src = GoSource::parse(&files).expect("parse");
    g.bench_function("infer", |b| {
        b.iter(|| black_box(infer("text", "benches/guests/text.wasm", &info, Some(&src))))
    });
    let models = vec![(
        infer("text", "benches/guests/text.wasm", &info, Some(&src)),
        emit::BytesPath::Absolute("/tmp/text.wasm".into()),
    )];
    g.bench_function("emit", |b| b.iter(|| black_box(emit::file(black_box(&models)).expect("emit"))));
    g.finish();
}

criterion_group!(benches, builder, phases);
criterion_main!(benches);
