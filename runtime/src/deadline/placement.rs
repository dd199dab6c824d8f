//! Where the deadline checks go, and why no guest can run long without
//! reaching one.
//!
//! Checks stay off the short paths that TinyGo's many small runtime helpers
//! make up, but every stretch of execution between two checks is bounded.
//! Costs are counted in units of one instruction (structural markers such as
//! `block`, `end` and `else` are free), a host function call counting one.
//!
//! # The placement
//!
//! 1. After every `loop` instruction: the loop's header, which each
//!    iteration passes.
//! 2. Before every tail call.
//! 3. At the entry of every function that is a member of a call-graph cycle
//!    (direct `call` and `return_call` edges, a function calling itself
//!    included) or whose address is taken (named by an element segment or a
//!    `ref.func` in code, a global or a table initialiser): the only
//!    functions `call_indirect` and `call_ref` can reach.
//! 4. In the body of every function, before any instruction that would
//!    raise the function's running count past [`BUDGET`].
//!
//! The running count of a function restarts at 0 after each check in it and
//! at its entry; each instruction adds its cost. A direct call to a function
//! `g` adds `S(g)`, the largest running count `g` itself can reach (its
//! scan, done before its callers': callees come first in the order of the
//! call graph's strongly connected components). A call to a function with an
//! entry check (or an indirect call, whose target has one) sets the count to
//! `S(g)` instead, since `g`'s entry check ended the caller's stretch; a call
//! within the same cycle, and every indirect call, counts as `BUDGET`, `g`'s
//! count not being known yet. A tail call sets the count to what the callee
//! may still add.
//!
//! # Why it is complete
//!
//! Take the moment of any check and follow execution until the next one.
//! Within one function activation execution moves forward in the text: the
//! only backward jumps are branches to a `loop`, and a check follows every
//! `loop` instruction. A forward path visits a subset of the instructions the
//! text scan counted, so the work it does in this activation is at most the
//! scan's count there. A direct call to a function without an entry check
//! runs that function's own forward stretch, bounded by `S(g)` (by induction
//! over the order above; cycle members all have entry checks, so the
//! functions without one form a DAG); a call to a function with an entry
//! check ends the stretch at once. When any callee returns, the work since
//! the last check is at most `S(g)` if a check ran inside it, and at most the
//! caller's count plus `S(g)` otherwise: exactly what the scan added. The
//! scan keeps every count at or under [`BUDGET`] (step 4 checks before
//! exceeding it), so every stretch between two checks does at most `BUDGET`
//! units of work, twice that when an exception lands in an ancestor's
//! handler. Recursion of any shape (exponential, mutual, through tables or
//! `call_ref`) passes an entry check per call; a call tree without cycles of
//! any size (2^48 calls from 48 functions) exceeds `BUDGET` somewhere and
//! gets checks in the bodies that make it. Only a host function (trusted) or
//! a bulk memory instruction (bounded by the memory's size) does more work
//! per unit.

use wasmparser::{ConstExpr, ElementItems, FunctionBody, Operator, Parser, Payload, TableInit};

/// The most work, in instruction units, between two checks (about 30-100 µs
/// of guest code).
pub(crate) const BUDGET: u64 = 100_000;

/// The placement of checks for one module, computed before it is rewritten.
pub(crate) struct Placement {
    imported: u32,
    /// By defined function: whether it gets an entry check.
    entry: Vec<bool>,
    /// By defined function: the largest running count its scan reaches.
    cost: Vec<u64>,
    /// By defined function: its strongly connected component, and whether
    /// that component is a cycle.
    component: Vec<u32>,
    cyclic: Vec<bool>,
}

impl Placement {
    /// Analyses a binary module (already known to parse) that imports
    /// `imported` functions.
    pub(crate) fn of(wasm: &[u8], imported: u32) -> Result<Placement, String> {
        let mut bodies: Vec<FunctionBody<'_>> = Vec::new();
        let mut taken: Vec<u32> = Vec::new();
        for payload in Parser::new(0).parse_all(wasm) {
            match payload.map_err(|e| e.to_string())? {
                Payload::ElementSection(r) => {
                    for element in r {
                        match element.map_err(|e| e.to_string())?.items {
                            ElementItems::Functions(funcs) => {
                                for f in funcs {
                                    taken.push(f.map_err(|e| e.to_string())?);
                                }
                            }
                            ElementItems::Expressions(_, exprs) => {
                                for e in exprs {
                                    refs_in_const(&e.map_err(|e| e.to_string())?, &mut taken)?;
                                }
                            }
                        }
                    }
                }
                Payload::GlobalSection(r) => {
                    for g in r {
                        refs_in_const(&g.map_err(|e| e.to_string())?.init_expr, &mut taken)?;
                    }
                }
                Payload::TableSection(r) => {
                    for t in r {
                        if let TableInit::Expr(e) = t.map_err(|e| e.to_string())?.init {
                            refs_in_const(&e, &mut taken)?;
                        }
                    }
                }
                Payload::CodeSectionEntry(body) => bodies.push(body),
                _ => {}
            }
        }
        let n = bodies.len();
        // Direct call edges between defined functions; `ref.func` in code.
        let mut calls: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (i, body) in bodies.iter().enumerate() {
            for op in body.get_operators_reader().map_err(|e| e.to_string())? {
                match op.map_err(|e| e.to_string())? {
                    Operator::Call { function_index } | Operator::ReturnCall { function_index } => {
                        if let Some(d) = function_index.checked_sub(imported) {
                            calls[i].push(d);
                        }
                    }
                    Operator::RefFunc { function_index } => taken.push(function_index),
                    _ => {}
                }
            }
        }
        let (component, order) = components(&calls);
        let mut size = vec![0u32; order.len()];
        for &c in &component {
            size[c as usize] += 1;
        }
        let cyclic: Vec<bool> = (0..n)
            .map(|i| size[component[i] as usize] > 1 || calls[i].contains(&(i as u32)))
            .collect();
        let mut entry = cyclic.clone();
        for f in taken {
            if let Some(d) = f.checked_sub(imported) {
                if let Some(e) = entry.get_mut(d as usize) {
                    *e = true;
                }
            }
        }
        let mut placement = Placement {
            imported,
            entry,
            cost: vec![BUDGET; n],
            component,
            cyclic,
        };
        // Callees before callers: components in completion order.
        for members in order {
            for f in members {
                let mut scan = placement.scanner(imported + f);
                for op in bodies[f as usize].get_operators_reader().map_err(|e| e.to_string())? {
                    scan.step(&op.map_err(|e| e.to_string())?);
                }
                let max = scan.max;
                placement.cost[f as usize] = max;
            }
        }
        Ok(placement)
    }

    /// The scan of function `func` (an index in the function space).
    pub(crate) fn scanner(&self, func: u32) -> Scanner<'_> {
        Scanner {
            placement: self,
            func: func.checked_sub(self.imported),
            count: 0,
            max: 0,
        }
    }

    fn defined(&self, func: u32) -> Option<usize> {
        func.checked_sub(self.imported)
            .map(|d| d as usize)
            .filter(|&d| d < self.entry.len())
    }
}

/// Collects the functions a constant expression names with `ref.func`.
fn refs_in_const(expr: &ConstExpr<'_>, out: &mut Vec<u32>) -> Result<(), String> {
    for op in expr.get_operators_reader() {
        if let Operator::RefFunc { function_index } = op.map_err(|e| e.to_string())? {
            out.push(function_index);
        }
    }
    Ok(())
}

/// Where checks go around one instruction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Step {
    pub before: bool,
    pub after: bool,
}

/// The running count of one function's body, instruction by instruction.
/// The weaver and the analysis run the same scan, so they agree.
pub(crate) struct Scanner<'a> {
    placement: &'a Placement,
    /// The function, among the defined ones.
    func: Option<u32>,
    count: u64,
    max: u64,
}

impl Scanner<'_> {
    /// Whether the function gets a check at its entry.
    pub(crate) fn entry(&self) -> bool {
        self.func
            .and_then(|f| self.placement.entry.get(f as usize).copied())
            .unwrap_or(false)
    }

    /// What a call to `callee` may add once it returns, and whether the
    /// callee checks at its entry.
    fn callee(&self, callee: u32) -> (u64, bool) {
        let p = self.placement;
        let Some(d) = p.defined(callee) else {
            return (1, false); // a host function
        };
        let same_cycle = self
            .func
            .is_some_and(|f| p.cyclic[d] && p.component.get(f as usize) == Some(&p.component[d]));
        let cost = if same_cycle { BUDGET } else { p.cost[d] };
        (cost.max(1), p.entry[d])
    }

    pub(crate) fn step(&mut self, op: &Operator<'_>) -> Step {
        let mut step = Step::default();
        match op {
            Operator::Loop { .. } => {
                step.after = true;
                self.count = 0;
            }
            Operator::ReturnCall { function_index } => {
                step.before = true;
                self.count = self.callee(*function_index).0;
            }
            Operator::ReturnCallIndirect { .. } | Operator::ReturnCallRef { .. } => {
                step.before = true;
                self.count = BUDGET;
            }
            // The targets check at their entry.
            Operator::CallIndirect { .. } | Operator::CallRef { .. } => self.count = BUDGET,
            Operator::Call { function_index } => match self.callee(*function_index) {
                (cost, true) => self.count = cost,
                (cost, false) => step.before = self.add(cost),
            },
            Operator::Block { .. }
            | Operator::End
            | Operator::Else
            | Operator::Nop
            | Operator::Try { .. }
            | Operator::TryTable { .. }
            | Operator::Catch { .. }
            | Operator::CatchAll
            | Operator::Delegate { .. } => {}
            _ => step.before = self.add(1),
        }
        self.max = self.max.max(self.count);
        step
    }

    /// Adds `cost`, after a check when it would pass the budget; says
    /// whether that check is needed.
    fn add(&mut self, cost: u64) -> bool {
        let check = self.count + cost > BUDGET;
        if check {
            self.count = 0;
        }
        self.count += cost.min(BUDGET);
        check
    }
}

/// The strongly connected components of a call graph (Tarjan's algorithm,
/// iterative: a module may have a million functions). Returns each node's
/// component and the components' members in completion order, in which a
/// component comes after every component it calls into.
fn components(calls: &[Vec<u32>]) -> (Vec<u32>, Vec<Vec<u32>>) {
    let n = calls.len();
    const NONE: u32 = u32::MAX;
    let mut index = vec![NONE; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<u32> = Vec::new();
    let mut component = vec![NONE; n];
    let mut order: Vec<Vec<u32>> = Vec::new();
    let mut next = 0u32;
    let mut work: Vec<(u32, usize)> = Vec::new();
    for root in 0..n as u32 {
        if index[root as usize] != NONE {
            continue;
        }
        index[root as usize] = next;
        low[root as usize] = next;
        next += 1;
        stack.push(root);
        on_stack[root as usize] = true;
        work.push((root, 0));
        while let Some(&mut (v, ref mut child)) = work.last_mut() {
            let vi = v as usize;
            if let Some(&w) = calls[vi].get(*child) {
                *child += 1;
                let wi = w as usize;
                if wi >= n {
                    continue; // not a defined function (invalid modules fail later)
                }
                if index[wi] == NONE {
                    index[wi] = next;
                    low[wi] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[wi] = true;
                    work.push((w, 0));
                } else if on_stack[wi] {
                    low[vi] = low[vi].min(index[wi]);
                }
                continue;
            }
            work.pop();
            if low[vi] == index[vi] {
                let id = order.len() as u32;
                let mut members = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w as usize] = false;
                    component[w as usize] = id;
                    members.push(w);
                    if w == v {
                        break;
                    }
                }
                order.push(members);
            }
            if let Some(&(parent, _)) = work.last() {
                low[parent as usize] = low[parent as usize].min(low[vi]);
            }
        }
    }
    (component, order)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placement(wat: &str) -> Placement {
        Placement::of(&wat::parse_str(wat).expect("wat"), 0).expect("placement")
    }

    #[test]
    fn cycles_and_address_taken_functions_check_at_entry() {
        let p = placement(
            r#"(module
                (table 1 funcref) (elem (i32.const 0) $target)
                (func $leaf (result i32) (i32.const 1))
                (func $self (call $self))
                (func $a (call $b)) (func $b (call $a))
                (func $target)
                (func $referenced (drop (ref.func $referenced2)))
                (func $referenced2)
                (func $caller (drop (call $leaf))))"#,
        );
        assert_eq!(p.entry, vec![false, true, true, true, true, false, true, false]);
    }

    #[test]
    fn a_call_tree_without_cycles_gets_checks_where_it_grows_past_the_budget() {
        // f0 calls f1 twice, f1 calls f2 twice, ... : 2^40 calls, no cycle.
        let mut wat = String::from("(module\n");
        for i in 0..40 {
            wat.push_str(&format!("(func $f{i} (call $f{n}) (call $f{n}))\n", n = i + 1));
        }
        wat.push_str("(func $f40))");
        let wasm = wat::parse_str(&wat).expect("wat");
        let p = Placement::of(&wasm, 0).expect("placement");
        assert!(p.entry.iter().all(|e| !e), "no cycles, nothing address-taken");
        let mut checks = 0;
        for (i, body) in bodies(&wasm).iter().enumerate() {
            let mut scan = p.scanner(i as u32);
            for op in body.get_operators_reader().expect("ops") {
                checks += usize::from(scan.step(&op.expect("op")).before);
            }
            assert!(p.cost[i] <= BUDGET);
        }
        assert!(checks > 0, "the tree's top functions get checks");
        assert!(p.cost[0] <= BUDGET && p.cost[39] < 10);
    }

    #[test]
    fn components_follow_completion_order() {
        // 0 -> 1 -> 2 -> 1, 3 -> 0
        let calls = vec![vec![1], vec![2], vec![1], vec![0]];
        let (component, order) = components(&calls);
        assert_eq!(component[1], component[2]);
        assert_ne!(component[0], component[1]);
        let pos = |f: u32| order.iter().position(|m| m.contains(&f)).expect("placed");
        assert!(pos(1) < pos(0) && pos(0) < pos(3));
    }

    fn bodies(wasm: &[u8]) -> Vec<FunctionBody<'_>> {
        Parser::new(0)
            .parse_all(wasm)
            .filter_map(|p| match p.expect("parses") {
                Payload::CodeSectionEntry(b) => Some(b),
                _ => None,
            })
            .collect()
    }
}
