//! The parameter names of a binding: Rust identifiers, unique within the
//! method, and the names of a lowering's flat wasm values.

use crate::abi::lower::Lowered;
use crate::abi::repr::{part_name, Repr};
use crate::model::guest::{Binding, FunctionModel};
use crate::names::{self, Scope};

/// Makes parameter names Rust identifiers, unique within the method.
pub fn sanitize_params(f: &mut FunctionModel) {
    let mut scope = Scope::with_reserved(&["self"]);
    match &mut f.binding {
        Binding::Typed(l) => {
            for p in &mut l.params {
                p.name = scope.unique(names::snake(&p.name));
            }
        }
        Binding::Raw { names: list } => {
            for n in list.iter_mut() {
                *n = scope.unique(names::snake(n));
            }
        }
    }
}

/// Names of the flat wasm parameters of a lowering: `s_ptr`, `s_len`, ...
pub fn flat_names(l: &Lowered) -> Vec<String> {
    let mut out = Vec::new();
    for p in &l.params {
        for (path, part) in p.value.parts() {
            let name = part_name(&p.name, &path);
            let suffixes: &[&str] = match part {
                Repr::String | Repr::Bytes => &["_ptr", "_len"],
                Repr::Interface => &["_typecode", "_value"],
                Repr::Slice(_) | Repr::Strings | Repr::List(_) => &["_ptr", "_len", "_cap"],
                Repr::Scalar(_) | Repr::Struct(_) | Repr::Array(..) => &[""],
            };
            out.extend(suffixes.iter().map(|s| format!("{name}{s}")));
        }
    }
    out
}
