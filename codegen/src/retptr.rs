//! What a function's code writes through its first parameter, as evidence
//! for results that come back through a retptr, which the wasm type does not
//! describe: TinyGo's exported wrapper stores each result at the retptr plus
//! its offset (`local.get 0; ...; i64.store offset=8`), and a declared
//! layout that those stores contradict (`int64` where the code stores an
//! `i32`, fields reordered) is a declaration the binary does not have.
//!
//! The reading is an abstract interpretation of the operand stack that
//! tracks one thing: which values are the first parameter plus a constant.
//! Where the pointer goes anywhere else (a call, a local, a stored value),
//! the stores are not all visible: [`RetptrWrites::escapes`] says so. Any
//! operator it does not know the stack effect of, or a write to the first
//! parameter, ends the reading with no evidence; except in a module that
//! Binaryen's Asyncify transformed (TinyGo's default scheduler on wasm),
//! where such a write is Asyncify restoring the locals it saved (and a
//! store of the pointer is Asyncify saving them), the parameter's own value
//! among them. It never panics.

use wasmparser::{BlockType, FunctionBody, Operator};

/// The stores through the first parameter that a function's code makes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RetptrWrites {
    /// (offset from the pointer, bytes written), in code order.
    pub stores: Vec<(u32, u32)>,
    /// The pointer also reaches code this reading does not follow (a call,
    /// a local, memory), which may write through it too.
    pub escapes: bool,
}

impl RetptrWrites {
    /// Why these writes contradict results of `size` bytes laid out as
    /// `fields` (offset, size each), or `None` when they fit. A store past
    /// the end always contradicts; a field whose bytes the stores do not all
    /// cover does only when every store is visible (the pointer does not
    /// escape). Stores may be wider than a field (the compiler merges
    /// neighbours), so what is checked is coverage, byte for byte: a field
    /// declared wider than the code writes it, or moved, leaves a gap.
    pub fn contradiction(&self, fields: &[(u32, u32)], size: u32) -> Option<String> {
        if let Some(&(at, n)) = self
            .stores
            .iter()
            .find(|&&(at, n)| u64::from(at) + u64::from(n) > u64::from(size))
        {
            return Some(format!(
                "its code writes {n} bytes at offset {at} of the retptr, past the {size} bytes the declared results take"
            ));
        }
        if self.escapes {
            return None;
        }
        let written = self.covered();
        let unwritten: Vec<String> = fields
            .iter()
            .filter(|&&(off, len)| {
                let (start, end) = (u64::from(off), u64::from(off) + u64::from(len));
                !written.iter().any(|&(a, b)| a <= start && end <= b)
            })
            .map(|&(off, len)| format!("{off}..{}", u64::from(off) + u64::from(len)))
            .collect();
        if unwritten.is_empty() {
            return None;
        }
        Some(format!(
            "its code does not write all the bytes of the declared result{} at bytes {} of the retptr",
            if unwritten.len() == 1 { "" } else { "s" },
            unwritten.join(", ")
        ))
    }

    /// The byte ranges `[start, end)` the stores cover, merged and sorted.
    fn covered(&self) -> Vec<(u64, u64)> {
        let mut ranges: Vec<(u64, u64)> = self
            .stores
            .iter()
            .map(|&(at, n)| (u64::from(at), u64::from(at) + u64::from(n)))
            .collect();
        ranges.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
        for (start, end) in ranges {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        merged
    }
}

/// A value on the abstract operand stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Value {
    /// The first parameter plus this many bytes.
    Retptr(u32),
    Const(i32),
    Unknown,
}

struct Frame {
    /// Stack height below the block's parameters.
    height: usize,
    params: u32,
    results: u32,
    /// The rest of the block cannot run (after `br`, `return`, ...).
    unreachable: bool,
    /// Blocks opened inside unreachable code, skipped to their `end`.
    skipped: u32,
}

/// What the reading needs of a module: its defined functions' code, and
/// the arity of its types and functions.
pub struct Code<'a> {
    /// The code of each defined function, in order.
    pub bodies: Vec<FunctionBody<'a>>,
    /// How many functions are imported (they come first in the index space).
    pub imported: u32,
    /// The (params, results) counts of the module's types.
    pub types: Vec<(u32, u32)>,
    /// Every function's type index, imported ones first.
    pub func_types: Vec<u32>,
    /// The module is Asyncify's (it exports `asyncify_get_state`).
    pub asyncified: bool,
}

/// How deep calls that take the pointer along are followed.
const MAX_DEPTH: u32 = 4;

impl Code<'_> {
    /// The stores through the first parameter of function `func`, following
    /// the calls it passes the pointer to; `None` when its code cannot be
    /// read this way.
    pub fn retptr_writes(&self, func: u32) -> Option<RetptrWrites> {
        self.writes(func, 0, 0)
    }

    /// The stores through parameter `param` of `func`, offsets from it.
    fn writes(&self, func: u32, param: u32, depth: u32) -> Option<RetptrWrites> {
        let body = self.bodies.get(func.checked_sub(self.imported)? as usize)?;
        let (_, results) = self.call_arity(func)?;
        self.body_writes(body, param, results, depth)
    }

    fn call_arity(&self, func: u32) -> Option<(u32, u32)> {
        self.types.get(*self.func_types.get(func as usize)? as usize).copied()
    }

    /// What a callee passed the pointer plus `offset` as its parameter
    /// `param` writes through it, added to `out`; one that cannot be read,
    /// or is too deep or imported, may write anywhere: the pointer escapes.
    fn follow(&self, func: u32, param: u32, offset: u32, depth: u32, out: &mut RetptrWrites) {
        let callee = if depth < MAX_DEPTH {
            self.writes(func, param, depth + 1)
        } else {
            None
        };
        let Some(callee) = callee else {
            out.escapes = true;
            return;
        };
        out.escapes |= callee.escapes;
        for (at, n) in callee.stores {
            match at.checked_add(offset) {
                Some(at) => out.stores.push((at, n)),
                None => out.escapes = true,
            }
        }
    }

    /// The stores through parameter `param` of a body with `results`
    /// results.
    fn body_writes(&self, body: &FunctionBody<'_>, param: u32, results: u32, depth: u32) -> Option<RetptrWrites> {
        let types = &self.types;
        let asyncified = self.asyncified;
        let block_arity = |ty: BlockType| -> Option<(u32, u32)> {
            match ty {
                BlockType::Empty => Some((0, 0)),
                BlockType::Type(_) => Some((0, 1)),
                BlockType::FuncType(t) => types.get(t as usize).copied(),
            }
        };

        let mut out = RetptrWrites::default();
        let mut stack: Vec<Value> = Vec::new();
        let mut frames = vec![Frame {
            height: 0,
            params: 0,
            results,
            unreachable: false,
            skipped: 0,
        }];
        let mut reader = body.get_operators_reader().ok()?;
        while !reader.eof() {
            let op = reader.read().ok()?;
            let frame = frames.last_mut()?;
            if frame.unreachable {
                match op {
                    Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => {
                        frame.skipped += 1;
                        continue;
                    }
                    Operator::End | Operator::Else if frame.skipped > 0 => {
                        if matches!(op, Operator::End) {
                            frame.skipped -= 1;
                        }
                        continue;
                    }
                    Operator::End | Operator::Else => {}
                    _ => continue,
                }
            }
            match op {
                Operator::LocalGet { local_index } if local_index == param => stack.push(Value::Retptr(0)),
                Operator::LocalSet { local_index } | Operator::LocalTee { local_index } if local_index == param => {
                    if !asyncified {
                        return None;
                    }
                    let value = pop(&mut stack, frames.last()?)?;
                    if matches!(op, Operator::LocalTee { .. }) {
                        stack.push(value);
                    }
                }
                Operator::I32Const { value } => stack.push(Value::Const(value)),
                Operator::I32Add => {
                    let b = pop(&mut stack, frames.last()?)?;
                    let a = pop(&mut stack, frames.last()?)?;
                    stack.push(match (a, b) {
                        (Value::Retptr(o), Value::Const(c)) | (Value::Const(c), Value::Retptr(o)) if c >= 0 => {
                            Value::Retptr(o.checked_add(c as u32)?)
                        }
                        (Value::Retptr(_), _) | (_, Value::Retptr(_)) => {
                            out.escapes = true;
                            Value::Unknown
                        }
                        _ => Value::Unknown,
                    });
                }
                Operator::Drop => {
                    pop(&mut stack, frames.last()?)?;
                }
                Operator::I32Store { memarg }
                | Operator::I64Store { memarg }
                | Operator::F32Store { memarg }
                | Operator::F64Store { memarg }
                | Operator::I32Store8 { memarg }
                | Operator::I32Store16 { memarg }
                | Operator::I64Store8 { memarg }
                | Operator::I64Store16 { memarg }
                | Operator::I64Store32 { memarg } => {
                    let width = match op {
                        Operator::I32Store8 { .. } | Operator::I64Store8 { .. } => 1,
                        Operator::I32Store16 { .. } | Operator::I64Store16 { .. } => 2,
                        Operator::I64Store { .. } | Operator::F64Store { .. } => 8,
                        _ => 4,
                    };
                    let value = pop(&mut stack, frames.last()?)?;
                    let addr = pop(&mut stack, frames.last()?)?;
                    // Asyncify saves every live local to its buffer, the
                    // pointer among them, to restore it as it was: no escape.
                    if matches!(value, Value::Retptr(_)) && !asyncified {
                        out.escapes = true;
                    }
                    if let Value::Retptr(o) = addr {
                        let at = u32::try_from(u64::from(o) + memarg.offset).ok()?;
                        out.stores.push((at, width));
                    }
                }
                Operator::Block { blockty } | Operator::Loop { blockty } | Operator::If { blockty } => {
                    if matches!(op, Operator::If { .. }) {
                        consume(&mut stack, frames.last()?, 1, &mut out)?;
                    }
                    let (params, results) = block_arity(blockty)?;
                    let height = stack.len().checked_sub(params as usize)?;
                    if height < frames.last()?.height {
                        return None;
                    }
                    frames.push(Frame {
                        height,
                        params,
                        results,
                        unreachable: false,
                        skipped: 0,
                    });
                }
                Operator::Else => {
                    let frame = frames.last_mut()?;
                    stack.truncate(frame.height);
                    stack.extend((0..frame.params).map(|_| Value::Unknown));
                    frame.unreachable = false;
                }
                Operator::End => {
                    let frame = frames.pop()?;
                    stack.truncate(frame.height);
                    stack.extend((0..frame.results).map(|_| Value::Unknown));
                    if frames.is_empty() {
                        return Some(out);
                    }
                }
                Operator::Br { .. } | Operator::Return | Operator::Unreachable | Operator::BrTable { .. } => {
                    // What leaves with the branch is not followed: a value that
                    // is the pointer escapes.
                    let frame = frames.last_mut()?;
                    if stack[frame.height.min(stack.len())..]
                        .iter()
                        .any(|v| matches!(v, Value::Retptr(_)))
                    {
                        out.escapes = true;
                    }
                    stack.truncate(frame.height);
                    frame.unreachable = true;
                }
                // The values the branch carries stay on the stack.
                Operator::BrIf { .. } => consume(&mut stack, frames.last()?, 1, &mut out)?,
                Operator::Call { function_index } | Operator::ReturnCall { function_index } => {
                    let (params, results) = self.call_arity(function_index)?;
                    // The arguments, last first: the pointer passed on is
                    // followed into the callee.
                    for arg in (0..params).rev() {
                        if let Value::Retptr(offset) = pop(&mut stack, frames.last()?)? {
                            self.follow(function_index, arg, offset, depth, &mut out);
                        }
                    }
                    if matches!(op, Operator::ReturnCall { .. }) {
                        let frame = frames.last_mut()?;
                        stack.truncate(frame.height);
                        frame.unreachable = true;
                    } else {
                        stack.extend((0..results).map(|_| Value::Unknown));
                    }
                }
                Operator::CallIndirect { type_index, .. } | Operator::ReturnCallIndirect { type_index, .. } => {
                    let (params, results) = types.get(type_index as usize).copied()?;
                    consume(&mut stack, frames.last()?, params + 1, &mut out)?;
                    if matches!(op, Operator::ReturnCallIndirect { .. }) {
                        let frame = frames.last_mut()?;
                        stack.truncate(frame.height);
                        frame.unreachable = true;
                    } else {
                        stack.extend((0..results).map(|_| Value::Unknown));
                    }
                }
                other => {
                    // Every other operator of the MVP and the proposals TinyGo
                    // uses has a fixed arity; one without is not read.
                    let (params, results) = other.operator_arity(&NoModule)?;
                    consume(&mut stack, frames.last()?, params, &mut out)?;
                    stack.extend((0..results).map(|_| Value::Unknown));
                }
            }
        }
        None
    }
}

fn pop(stack: &mut Vec<Value>, frame: &Frame) -> Option<Value> {
    if stack.len() <= frame.height {
        return None;
    }
    stack.pop()
}

/// Pops `n` operands of an operator this reading does not follow: the
/// pointer among them escapes.
fn consume(stack: &mut Vec<Value>, frame: &Frame, n: u32, out: &mut RetptrWrites) -> Option<()> {
    for _ in 0..n {
        if let Value::Retptr(_) = pop(stack, frame)? {
            out.escapes = true;
        }
    }
    Some(())
}

/// The arity of operators that need no module state; the others (calls,
/// blocks, branches) are read above.
struct NoModule;

impl wasmparser::ModuleArity for NoModule {
    fn sub_type_at(&self, _: u32) -> Option<&wasmparser::SubType> {
        None
    }
    fn tag_type_arity(&self, _: u32) -> Option<(u32, u32)> {
        None
    }
    fn type_index_of_function(&self, _: u32) -> Option<u32> {
        None
    }
    fn func_type_of_cont_type(&self, _: &wasmparser::ContType) -> Option<&wasmparser::FuncType> {
        None
    }
    fn sub_type_of_ref_type(&self, _: &wasmparser::RefType) -> Option<&wasmparser::SubType> {
        None
    }
    fn control_stack_height(&self) -> u32 {
        0
    }
    fn label_block(&self, _: u32) -> Option<(BlockType, wasmparser::FrameKind)> {
        None
    }
}

#[cfg(test)]
mod tests {
    use wasmparser::{ExternalKind, Parser, Payload};

    use super::*;

    /// The writes of export `name` of a module without imports.
    fn export_writes(wat: &str, name: &str) -> Option<RetptrWrites> {
        let bytes = wat::parse_str(wat).unwrap();
        let mut code = Code {
            bodies: Vec::new(),
            imported: 0,
            types: Vec::new(),
            func_types: Vec::new(),
            asyncified: false,
        };
        let mut index = None;
        for payload in Parser::new(0).parse_all(&bytes) {
            match payload.unwrap() {
                Payload::TypeSection(r) => {
                    for t in r.into_iter_err_on_gc_types() {
                        let t = t.unwrap();
                        code.types.push((t.params().len() as u32, t.results().len() as u32));
                    }
                }
                Payload::FunctionSection(r) => code.func_types.extend(r.into_iter().map(|t| t.unwrap())),
                Payload::ExportSection(r) => {
                    for e in r {
                        let e = e.unwrap();
                        if e.name == name && e.kind == ExternalKind::Func {
                            index = Some(e.index);
                        }
                    }
                }
                Payload::CodeSectionEntry(body) => code.bodies.push(body),
                _ => {}
            }
        }
        code.retptr_writes(index.unwrap())
    }

    #[test]
    fn stores_through_the_first_parameter_are_read_with_their_offsets() {
        // As TinyGo writes `(n int, sum uint64, ok bool)`.
        let wat = r#"(module (memory 1)
            (func (export "stats") (param i32 i32 i32)
              (block (br_if 0 (i32.eqz (local.get 2))) (call $f))
              (i64.store offset=8 (local.get 0) (i64.const 7))
              (i32.store (local.get 0) (local.get 2))
              (i32.store8 offset=12 (i32.add (local.get 0) (i32.const 4)) (i32.const 1)))
            (func $f))"#;
        let w = export_writes(wat, "stats").expect("read");
        assert_eq!(w.stores, vec![(8, 8), (0, 4), (16, 1)]);
        assert!(!w.escapes);
        assert_eq!(w.contradiction(&[(0, 4), (8, 8), (16, 1)], 24), None);
        // Declared as (int64, error): 16 bytes, the error's words at 8 and 12.
        assert!(w
            .contradiction(&[(0, 8), (8, 4), (12, 4)], 16)
            .unwrap()
            .contains("past the 16 bytes"));
        // Declared with a field the code never writes.
        assert!(w
            .contradiction(&[(0, 4), (4, 4), (8, 8), (16, 1)], 24)
            .unwrap()
            .contains("at bytes 4..8 "));
    }

    #[test]
    fn fields_must_be_covered_byte_for_byte_by_stores_of_any_width() {
        // `struct { Ok bool; Code uint16 }` as TinyGo writes it: a byte at 0,
        // two bytes at 2.
        let w = RetptrWrites {
            stores: vec![(0, 1), (2, 2)],
            escapes: false,
        };
        assert_eq!(w.contradiction(&[(0, 1), (2, 2)], 4), None);
        // The fields swapped in the declaration: `Code` would take bytes 0
        // and 1, and byte 1 is never written.
        let why = w.contradiction(&[(0, 2), (2, 1)], 4).expect("contradicts");
        assert!(why.contains("at bytes 0..2 "), "{why}");
        // `Code` declared as a uint32 (at 4): nothing is written there.
        assert!(w
            .contradiction(&[(0, 1), (4, 4)], 8)
            .expect("contradicts")
            .contains("at bytes 4..8 "));
        // One wide store (merged by the compiler) covers neighbouring fields,
        // and two stores together cover one wide field.
        let merged = RetptrWrites {
            stores: vec![(0, 8)],
            escapes: false,
        };
        assert_eq!(merged.contradiction(&[(0, 4), (4, 4)], 8), None);
        let halves = RetptrWrites {
            stores: vec![(4, 4), (0, 4)],
            escapes: false,
        };
        assert_eq!(halves.contradiction(&[(0, 8)], 8), None);
    }

    #[test]
    fn a_pointer_passed_to_a_call_is_followed_and_one_kept_elsewhere_escapes() {
        // As TinyGo's `-target wasm` wraps an export that runs the
        // scheduler: the wrapper passes the pointer (plus 4 here) on.
        let wat = r#"(module (memory 1) (table 1 funcref)
            (func (export "wrap") (param i32 i32)
              (call $inner (local.get 1) (i32.add (local.get 0) (i32.const 4))))
            (func $inner (param i32 i32) (i32.store (local.get 1) (local.get 0)) (i64.store offset=4 (local.get 1) (i64.const 0)))
            (func (export "indirect") (param i32) (call_indirect (param i32) (local.get 0) (i32.const 0)))
            (func (export "kept") (param i32) (local i32) (local.set 1 (local.get 0)) (i32.store (local.get 1) (i32.const 1)))
            (func (export "recursive") (param i32) (i32.store8 (local.get 0) (i32.const 1)) (call 4 (local.get 0)))
            (func (export "moved") (param i32) (local.set 0 (i32.const 8)) (i32.store (local.get 0) (i32.const 1))))"#;
        let w = export_writes(wat, "wrap").expect("read");
        assert_eq!(
            w,
            RetptrWrites {
                stores: vec![(4, 4), (8, 8)],
                escapes: false
            }
        );
        for name in ["indirect", "kept"] {
            let w = export_writes(wat, name).expect("read");
            assert!(w.escapes, "{name}: {w:?}");
            assert_eq!(w.contradiction(&[(0, 4)], 4), None, "{name}: an escaped pointer proves no field unwritten");
        }
        // A call to itself is followed a few levels deep, then escapes.
        let w = export_writes(wat, "recursive").expect("read");
        assert!(w.escapes && w.stores.iter().all(|&s| s == (0, 1)), "{w:?}");
        assert_eq!(export_writes(wat, "moved"), None);
    }
}
