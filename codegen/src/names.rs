//! Turning guest and export names into Rust identifiers.

use std::collections::HashSet;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Rust keywords (strict and reserved), which cannot name a method or field.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
    "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod",
    "move", "mut", "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait",
    "true", "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do",
    "final", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// A `snake_case` identifier for any name: `HTTP#handle` is `http_handle`,
/// `9lives` is `_9lives`, `type` is `type_`.
pub fn snake(name: &str) -> String {
    fix(words(name).to_snake_case(), "unnamed")
}

/// An `UpperCamelCase` identifier for any name.
pub fn upper_camel(name: &str) -> String {
    fix(words(name).to_upper_camel_case(), "Unnamed")
}

/// The name with every character that cannot be in an identifier made a
/// word break.
fn words(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect()
}

/// Type names that every generated guest module uses itself (imports, its
/// `Exports` struct, the prelude types in signatures): a guest struct by one
/// of these names would shadow it.
const TAKEN_TYPES: &[&str] = &[
    "Bindings", "Box", "DynGuest", "Err", "Error", "Exports", "GuestEntry", "GuestInfo",
    "GuestModule", "Instance", "None", "Ok", "Option", "PoolItem", "Result", "Runtime", "Some",
    "String", "TypedFunc", "Value", "Vec",
];

/// Crate names that the generated file's paths start with: a guest module by
/// one of these names would make those paths ambiguous.
const TAKEN_MODULES: &[&str] = &["alloc", "core", "std", "tinybind_runtime"];

/// The module name of a guest: `snake`, but never one of the crate names
/// the generated code refers to (`std.wasm` gives `std_guest`).
pub fn guest_module(name: &str) -> String {
    let m = snake(name);
    if TAKEN_MODULES.contains(&m.as_str()) {
        format!("{m}_guest")
    } else {
        m
    }
}

/// The struct name of a guest: `upper_camel`, but never one of the types
/// the generated module uses (`error.wasm` gives `ErrorGuest`).
pub fn guest_struct(name: &str) -> String {
    let s = upper_camel(name);
    if TAKEN_TYPES.contains(&s.as_str()) {
        format!("{s}Guest")
    } else {
        s
    }
}

fn fix(mut ident: String, empty: &str) -> String {
    if ident.is_empty() {
        ident = empty.to_string();
    }
    if ident.starts_with(|c: char| c.is_ascii_digit()) {
        ident.insert(0, '_');
    }
    if KEYWORDS.contains(&ident.as_str()) {
        ident.push('_');
    }
    ident
}

/// Hands out identifiers that are unique within one scope: a name already
/// taken gets `_2`, `_3`, ... in the order names are asked for.
#[derive(Default)]
pub struct Scope {
    taken: HashSet<String>,
}

impl Scope {
    /// A scope where `reserved` names are already taken.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Scope {
            taken: reserved.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Whether `ident` is taken.
    pub fn contains(&self, ident: &str) -> bool {
        self.taken.contains(ident)
    }

    pub fn unique(&mut self, ident: String) -> String {
        if self.taken.insert(ident.clone()) {
            return ident;
        }
        // `a_b_2` and `type_2`, but `Guests2` and `Self2` (`Guests_2` and
        // `Self_2` are not upper camel case to rustc's lint).
        let camel = ident.starts_with(|c: char| c.is_ascii_uppercase());
        let stem = if camel { ident.trim_end_matches('_') } else { ident.as_str() };
        let sep = if camel || stem.ends_with('_') { "" } else { "_" };
        let mut n = 2;
        loop {
            let candidate = format!("{stem}{sep}{n}");
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_identifiers() {
        assert_eq!(snake("HTTP#handle"), "http_handle");
        assert_eq!(snake("proxy_on_tick"), "proxy_on_tick");
        assert_eq!(snake("countVowels"), "count_vowels");
        assert_eq!(snake("9lives"), "_9lives");
        assert_eq!(snake("type"), "type_");
        assert_eq!(snake("$$$"), "unnamed");
        assert_eq!(upper_camel("tg0.35.0-wasm-concat"), "Tg0350WasmConcat");
        assert_eq!(upper_camel("greeter"), "Greeter");
        assert_eq!(upper_camel("self"), "Self_");
        assert_eq!(guest_struct("error"), "ErrorGuest");
        assert_eq!(guest_struct("vec"), "VecGuest");
        assert_eq!(guest_struct("greeter"), "Greeter");
        assert_eq!(guest_module("std"), "std_guest");
        assert_eq!(guest_module("tinybind-runtime"), "tinybind_runtime_guest");
        assert_eq!(guest_module("greeter"), "greeter");
    }

    #[test]
    fn collisions_resolve_in_order() {
        let mut scope = Scope::with_reserved(&["new"]);
        assert_eq!(scope.unique(snake("new")), "new_2");
        assert_eq!(scope.unique(snake("a-b")), "a_b");
        assert_eq!(scope.unique(snake("a_b")), "a_b_2");
        assert_eq!(scope.unique(snake("A B")), "a_b_3");
        assert_eq!(scope.unique(snake("self")), "self_");
        assert_eq!(scope.unique(snake("self")), "self_2");
        let mut structs = Scope::default();
        assert_eq!(structs.unique(upper_camel("guests")), "Guests");
        assert_eq!(structs.unique(upper_camel("guests")), "Guests2");
        assert_eq!(structs.unique(upper_camel("self")), "Self_");
        assert_eq!(structs.unique(upper_camel("self")), "Self2");
    }
}

/// The name of an item of a guest's module named after its struct, with
/// `suffix` (`GreeterHost`, `GreeterPre`): `Self_` (a keyword made an
/// identifier) gives `SelfPre`.
pub fn guest_item(guest_struct: &str, suffix: &str) -> String {
    format!("{}{suffix}", guest_struct.trim_end_matches('_'))
}
