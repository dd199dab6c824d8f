//! What the code generator infers for one guest: `guest` is the model,
//! `infer` builds it from the module and its Go source (`imports` for the
//! host imports, `params` names parameters; `interface` predicts the module
//! of Go declarations that have none), and `dynamic` describes each
//! binding as `tinybind_abi` data for callers that learn it at run time.

pub mod dynamic;
pub mod guest;
pub mod imports;
pub mod infer;
pub mod interface;
pub mod params;
pub mod results_check;
