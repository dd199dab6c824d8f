//! Calls with wasm values whose types are known at run time only: what the
//! dynamic call path (`dynamic::lowered::call_lowered`) uses for modules
//! loaded from a file, with the same deadline, fuel and failure handling as
//! the typed calls.

use wasmtime::{Val, ValType};

use crate::blocking::outside_async;
use crate::error::Error;
use crate::instance::handle::Instance;
use crate::mem::bounds::GuestSlice;
use crate::value::zero_wasm_value;

impl Instance {
    /// Calls `export` with exactly the wasm values of its type and returns
    /// its wasm results. Values of the wrong number or type are refused
    /// before the guest runs (no trap, the instance stays usable).
    pub fn call_untyped(&mut self, export: &'static str, params: &[Val]) -> Result<Vec<Val>, Error> {
        self.check(export)?;
        let Some(instance) = self.instance else {
            return Err(Error::MissingExport {
                guest: self.module.name.to_string(),
                export: export.to_string(),
                reason: "the instance is not set up".into(),
            });
        };
        let Some(func) = instance.get_func(&mut self.store, export) else {
            return Err(Error::MissingExport {
                guest: self.module.name.to_string(),
                export: export.to_string(),
                reason: "the module exports no function of that name".into(),
            });
        };
        let ty = func.ty(&self.store);
        let expected: Vec<ValType> = ty.params().collect();
        if expected.len() != params.len() {
            return Err(Error::Arity {
                guest: self.module.name.to_string(),
                function: export.to_string(),
                expected: expected.len(),
                got: params.len(),
            });
        }
        for (want, got) in expected.iter().zip(params) {
            if !same_type(want, got) {
                return Err(Error::ArgumentType {
                    expected: wasm_name(want),
                    got: val_name(got),
                });
            }
        }
        let mut results: Vec<Val> = ty.results().map(|t| zero_wasm_value(&t)).collect();
        self.arm()?;
        self.output.begin_call();
        let store = &mut self.store;
        match outside_async(|| func.call(store, params, &mut results)) {
            Ok(()) => Ok(results),
            Err(e) => Err(self.failed(export, e)),
        }
    }

    /// Copies arguments into guest memory as [`Self::write_args`] does, for
    /// a number of arguments known at run time.
    pub fn write_arg_list(&mut self, export: &'static str, args: &[&[u8]]) -> Result<Vec<GuestSlice>, Error> {
        let mut out = vec![GuestSlice::default(); args.len()];
        self.write_args_into(export, args, &mut out)?;
        Ok(out)
    }
}

fn same_type(t: &ValType, v: &Val) -> bool {
    matches!(
        (t, v),
        (ValType::I32, Val::I32(_))
            | (ValType::I64, Val::I64(_))
            | (ValType::F32, Val::F32(_))
            | (ValType::F64, Val::F64(_))
    )
}

fn wasm_name(t: &ValType) -> &'static str {
    match t {
        ValType::I32 => "i32",
        ValType::I64 => "i64",
        ValType::F32 => "f32",
        ValType::F64 => "f64",
        ValType::V128 => "v128",
        ValType::Ref(_) => "a reference",
    }
}

fn val_name(v: &Val) -> &'static str {
    match v {
        Val::I32(_) => "i32",
        Val::I64(_) => "i64",
        Val::F32(_) => "f32",
        Val::F64(_) => "f64",
        Val::V128(_) => "v128",
        _ => "a reference",
    }
}
