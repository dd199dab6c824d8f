//! The Go declaration reader measured against Go's own parser, on every Go
//! file one can find (Go's standard library and its test data, say): for
//! each file, `go-oracle/` writes a copy with `//export NAME` above every
//! plain top-level function and records what go/ast says of it; this test
//! reads the copies with `GoSource` and counts every disagreement.
//!
//! Not run by default (it needs Go and a few minutes); run it as
//!
//! ```sh
//! (cd codegen/tests/go-oracle && go run . "$(go env GOROOT)/src" /tmp/oracle-out > /tmp/oracle.jsonl)
//! TINYBIND_GO_ORACLE=/tmp/oracle.jsonl cargo test --release -p tinybind-codegen \
//!     --test go_robustness -- --ignored --nocapture
//! ```

use tinybind_codegen::__internal::{GoSource, GoType};

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
#[ignore]
fn the_reader_agrees_with_go_parser() {
    let Ok(path) = std::env::var("TINYBIND_GO_ORACLE") else {
        panic!("set TINYBIND_GO_ORACLE to the output of go-oracle (see this file's docs)");
    };
    let oracle = std::fs::read_to_string(path).expect("oracle");
    let (mut files, mut funcs, mut types) = (0, 0, 0);
    let (mut refused, mut panicked, mut wrong_funcs, mut missed_funcs, mut extra_funcs, mut wrong_types) =
        (0, 0, 0, 0, 0, 0);
    let mut examples: Vec<String> = Vec::new();
    let note = |what: String, examples: &mut Vec<String>| {
        if examples.len() < 400 {
            examples.push(what);
        }
    };
    for line in oracle.lines() {
        let rec: serde_json::Value = serde_json::from_str(line).expect("json");
        let file = rec["path"].as_str().expect("path").to_string();
        let text = std::fs::read_to_string(&file).expect("copy");
        files += 1;
        let parsed = std::panic::catch_unwind(|| GoSource::parse(&[(file.clone(), text.clone())]));
        let src = match parsed {
            Err(_) => {
                panicked += 1;
                note(format!("{file}: panicked"), &mut examples);
                continue;
            }
            Ok(Err(e)) => {
                refused += 1;
                note(format!("refused: {e}"), &mut examples);
                continue;
            }
            Ok(Ok(src)) => src,
        };
        let want = rec["funcs"].as_array().expect("funcs");
        for f in want {
            funcs += 1;
            let name = f["name"].as_str().expect("name");
            let Some(got) = src.find(name) else {
                missed_funcs += 1;
                note(format!("{file}: missed func {name}"), &mut examples);
                continue;
            };
            let types_of = |key: &str| -> Vec<String> {
                f[key].as_array().expect("list").iter().map(|t| squash(t.as_str().expect("type"))).collect()
            };
            let got_params: Vec<String> = got.params.iter().map(|p| squash(&p.written)).collect();
            let got_results: Vec<String> = got.results.iter().map(|p| squash(&p.written)).collect();
            if got_params != types_of("params")
                || got_results != types_of("results")
                || got.body != f["body"].as_bool().expect("body")
            {
                wrong_funcs += 1;
                note(
                    format!("{file}: {name}: got ({got_params:?}) {got_results:?} body {}, want {f}", got.body),
                    &mut examples,
                );
            }
        }
        for f in &src.funcs {
            if !want.iter().any(|w| w["name"] == f.export.as_str()) {
                extra_funcs += 1;
                note(format!("{file}: extra export {} ({})", f.export, f.declaration), &mut examples);
            }
        }
        for t in rec["types"].as_array().expect("types") {
            types += 1;
            let name = t["name"].as_str().expect("name");
            let got = src.named_types.get(name);
            let ok = match (got, t["struct"].as_bool().expect("struct")) {
                (Some(GoType::Struct { fields, .. }), true) => {
                    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                    let want: Vec<&str> =
                        t["fields"].as_array().expect("fields").iter().map(|f| f.as_str().expect("field")).collect();
                    names == want
                }
                (Some(GoType::Struct { .. }), false) | (None, _) | (Some(_), true) => false,
                (Some(_), false) => true,
            };
            if !ok {
                wrong_types += 1;
                note(format!("{file}: type {name}: got {got:?}, want {t}"), &mut examples);
            }
        }
    }
    for e in &examples {
        eprintln!("{e}");
    }
    eprintln!(
        "go_robustness: {files} files, {funcs} funcs, {types} types: {refused} files refused, {panicked} \
         panicked; funcs {missed_funcs} missed, {wrong_funcs} wrong, {extra_funcs} extra; types {wrong_types} wrong"
    );
    assert_eq!(
        (refused, panicked, missed_funcs, wrong_funcs, extra_funcs, wrong_types),
        (0, 0, 0, 0, 0, 0)
    );
}
