//! Go structs as Go programmers write them, on the `shapes` guest (TinyGo
//! 0.41.1): struct parameters flattened to their fields, struct results
//! through the retptr, nesting, arrays, fields of every size (the layout's
//! padding), a struct of one field returned as a plain wasm value, slices of
//! structs and of numbers both ways, a struct named like Rust's `Result`,
//! and `(T, error)` and `error` with `errors.New` and `fmt.Errorf`.

use tinybind::guests::shapes::{self, Box, Mixed, Point, Record, Shapes, Single};
use tinybind::{Error, Runtime};
use tinybind_runtime::Value;

fn guest() -> Shapes {
    Shapes::new(&Runtime::new().expect("runtime")).expect("instantiate")
}

fn boxed(x: i32, y: i32, w: i32, h: i32, label: &str) -> Box {
    Box {
        min: Point { x, y },
        max: Point { x: x + w, y: y + h },
        label: label.to_string(),
    }
}

#[test]
fn struct_parameters_and_results_round_trip() -> Result<(), Error> {
    let mut g = guest();
    let b = g.make_box(1, 2, 3, 4, "crate")?;
    assert_eq!(b, boxed(1, 2, 3, 4, "CRATE"));
    assert_eq!(g.area(&b)?, 12);
    let grown = g.grow(&b, 10)?;
    assert_eq!(grown, Box { min: Point { x: -9, y: -8 }, max: Point { x: 14, y: 16 }, label: "CRATE+".into() });
    // Nothing of the argument is shared with the result.
    assert_eq!(b.label, "CRATE");
    assert_eq!(g.corners(&b)?, vec![Point { x: 1, y: 2 }, Point { x: 4, y: 2 }, Point { x: 4, y: 6 }, Point { x: 1, y: 6 }]);
    assert_eq!(g.single(7)?, Single { n: 21 });
    Ok(())
}

#[test]
fn padding_and_alignment_follow_tinygo() -> Result<(), Error> {
    let mut g = guest();
    let m = Mixed { a: 254, b: -(1 << 40), c: 21_000, d: 1.25, e: false, f: -2.5, grid: [1, -2, 3] };
    let back = g.echo_mixed(&m)?;
    assert_eq!(back, Mixed { a: 255, b: 1 << 40, c: 42_000, d: 1.75, e: true, f: -7.5, grid: [3, -2, 1] });
    Ok(())
}

#[test]
fn a_struct_named_result_and_string_slices_inside_structs() -> Result<(), Error> {
    let mut g = guest();
    let r: shapes::Result = g.summarize(&["ab", "cde", ""], 7)?;
    assert_eq!(
        r,
        shapes::Result {
            ok: true,
            code: 7,
            total: 5 << 33,
            message: "ab cde ".into(),
            tags: vec!["ab".into(), "cde".into(), String::new()],
        }
    );
    let empty = g.summarize(&[], 0)?;
    assert!(!empty.ok);
    assert!(empty.tags.is_empty());
    Ok(())
}

#[test]
fn slices_of_structs_and_numbers_both_ways() -> Result<(), Error> {
    let mut g = guest();
    let points: Vec<Point> = (0..100).map(|i| Point { x: i, y: 2 * i }).collect();
    assert_eq!(g.centroid(&points)?, Point { x: 49, y: 99 });
    assert_eq!(g.centroid(&[])?, Point { x: 0, y: 0 });
    let boxes = [boxed(1, 2, 3, 4, "a"), boxed(-5, 6, 1, 1, "ünï")];
    assert_eq!(g.labels(&boxes)?, vec!["a@1,2".to_string(), "ünï@-5,6".to_string()]);
    assert_eq!(g.scale(&[1.5, -2.0, 0.0], 2.0)?, vec![3.0, -4.0, 0.0]);
    // Large inputs: 10,000 boxes with their strings, several times over.
    let many: Vec<Box> = (0..10_000).map(|i| boxed(i, i, 1, 1, &format!("box{i}"))).collect();
    for _ in 0..3 {
        let labels = g.labels(&many)?;
        assert_eq!(labels.len(), 10_000);
        assert_eq!(labels[9_999], "box9999@9999,9999");
    }
    Ok(())
}

#[test]
fn struct_results_with_go_errors() -> Result<(), Error> {
    let mut g = guest();
    assert_eq!(g.parse_point("3,4")?, Ok(Point { x: 3, y: 4 }));
    let Err(e) = g.parse_point("-1,4")? else { panic!("a Go error") };
    assert_eq!(e.message(), Some("negative x"));
    let Err(e) = g.parse_point("x,1")? else { panic!("a Go error") };
    assert_eq!(e.message(), Some("parse_point \"x,1\": strconv.Atoi: parsing \"x\": invalid syntax"));
    let Err(e) = g.parse_point("1")? else { panic!("a Go error") };
    assert_eq!(e.message(), Some("want X,Y"));
    assert_eq!(g.validate(&boxed(0, 0, 1, 1, "ok"))?, Ok(()));
    let Err(e) = g.validate(&boxed(0, 0, 1, 1, ""))? else { panic!("a Go error") };
    assert_eq!(e.message(), Some("a box needs a label"));
    let Err(e) = g.validate(&boxed(0, 0, -1, 1, "neg"))? else { panic!("a Go error") };
    assert_eq!(e.message(), Some("box neg is inside out"));
    assert!(!g.instance().is_poisoned());
    Ok(())
}

#[test]
fn dynamic_calls_take_and_give_records() -> Result<(), Error> {
    use tinybind_runtime::DynGuest;
    let mut g = guest();
    let point = |x: i32, y: i32| Value::Record(vec![("X".into(), Value::I32(x)), ("Y".into(), Value::I32(y))]);
    let b = Value::Record(vec![
        ("Min".into(), point(0, 0)),
        ("Max".into(), point(2, 5)),
        ("Label".into(), Value::String("dyn".into())),
    ]);
    assert_eq!(g.call_dynamic("area", std::slice::from_ref(&b))?, vec![Value::I32(10)]);
    assert_eq!(
        g.call_dynamic("centroid", &[Value::List(vec![point(2, 2), point(4, 6)])])?,
        vec![point(3, 4)]
    );
    assert_eq!(g.call_dynamic("corners", &[b])?[0], Value::List(vec![point(0, 0), point(2, 0), point(2, 5), point(0, 5)]));
    let missing = Value::Record(vec![("Min".into(), point(0, 0))]);
    assert!(g.call_dynamic("area", &[missing]).is_err());
    Ok(())
}

#[test]
fn the_info_describes_struct_types() {
    let f = shapes::INFO.function("area").expect("area");
    let tinybind_runtime::ValueType::Struct(s) = f.params[0].1 else { panic!("a struct parameter") };
    assert_eq!(s.name, "Box");
    let names: Vec<&str> = s.fields.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["Min", "Max", "Label"]);
}

#[test]
fn strings_bytes_and_slices_inside_a_struct_parameter() -> Result<(), Error> {
    let mut g = guest();
    let r = Record {
        name: "rec".into(),
        data: vec![1, 2, 3],
        tags: vec!["a".into(), "bc".into()],
        points: vec![Point { x: 1, y: 2 }, Point { x: 3, y: 4 }],
        scores: [0.5, 1.5],
    };
    let back = g.rework(&r)?;
    assert_eq!(
        back,
        Record {
            name: "REC".into(),
            data: vec![3, 2, 1],
            tags: vec!["a".into(), "bc".into(), "rec".into()],
            points: vec![Point { x: 2, y: 1 }, Point { x: 4, y: 3 }],
            scores: [1.5, 0.5],
        }
    );
    let empty = Record { name: String::new(), data: vec![], tags: vec![], points: vec![], scores: [0.0; 2] };
    assert_eq!(g.rework(&empty)?.tags, vec![String::new()]);
    Ok(())
}
