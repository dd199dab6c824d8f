//! How a function crosses the boundary, decided with TinyGo's wasm32 rules
//! (`tinybind_abi`), with no Rust in it: `repr` says how each Go type is
//! passed and laid out, `lower` lowers a whole signature to wasm.

pub mod lower;
pub mod repr;
