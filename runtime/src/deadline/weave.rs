//! The weaver: adds the deadline checks to a module, where [`placement`]
//! says, reading the clock from its [`ClockMemory`] (see [`super`]).
//!
//! [`placement`]: super::placement

use std::rc::Rc;

use crate::deadline::clock::{ClockMemory, CLOCK_EXPORT, CLOCK_IMPORT};
use crate::deadline::placement::Placement;

use wasm_encoder::reencode::Reencode;
use wasm_encoder::{
    CodeSection, ConstExpr, DataCountSection, DataSection, ElementSection, EntityType, ExportKind, ExportSection,
    FunctionSection, GlobalSection, GlobalType, ImportSection, Instruction, MemArg, MemorySection, MemoryType, Module,
    TableSection, TagSection, TypeSection, ValType,
};
use wasmparser::{Encoding, Operator, Parser, Payload, TypeRef};

/// The export of the deadline global.
pub(crate) const DEADLINE_EXPORT: &str = "tinybind:deadline";
/// The export of a module's start function, deferred so that it runs under a
/// deadline.
pub(crate) const START_EXPORT: &str = "tinybind:start";

/// Adds deadline checks to a core module, binary or text, reading the clock
/// from `clock` (see the module docs). A start function comes back exported
/// as [`START_EXPORT`].
pub(crate) fn weave(wasm: &[u8], clock: ClockMemory) -> Result<Vec<u8>, String> {
    weave_counted(wasm, clock).map(|(woven, _)| woven)
}

/// How many checks of each kind [`weave`] put in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Inserted {
    pub loops: usize,
    pub tail_calls: usize,
    pub entries: usize,
    pub budget: usize,
}

#[cfg(test)]
impl Inserted {
    pub(crate) fn total(&self) -> usize {
        self.loops + self.tail_calls + self.entries + self.budget
    }
}

/// Where each instruction of one function body went: (offset in the woven
/// body, offset in the original body) for every original instruction, in
/// order; both from the start of the body (its locals).
pub(crate) type OffsetMap = Vec<(u32, u32)>;

/// The [`OffsetMap`] of every function body [`weave`] makes of `wasm`, in
/// the order of the code section: what a trap's offset in the woven module
/// was in the original (see `crate::symbols`). Only failures ask for it, so
/// [`weave`] itself records nothing.
pub(crate) fn offset_maps(wasm: &[u8], clock: ClockMemory) -> Result<Vec<OffsetMap>, String> {
    weave_with(wasm, clock, Some(Vec::new())).map(|(_, _, maps)| maps.unwrap_or_default())
}

/// [`weave`], also counting the checks it put in.
pub(crate) fn weave_counted(wasm: &[u8], clock: ClockMemory) -> Result<(Vec<u8>, Inserted), String> {
    weave_with(wasm, clock, None).map(|(woven, inserted, _)| (woven, inserted))
}

type Woven = (Vec<u8>, Inserted, Option<Vec<OffsetMap>>);

fn weave_with(wasm: &[u8], clock: ClockMemory, offsets: Option<Vec<OffsetMap>>) -> Result<Woven, String> {
    let wasm = &*wat::parse_bytes(wasm).map_err(|e| e.to_string())?;
    let shape = Shape::of(wasm)?;
    let placement = Placement::of(wasm, shape.imported_funcs)?;
    let mut weaver = Weaver {
        clock_memory: clock,
        imported_memories: shape.imported_memories,
        memories: shape.imported_memories + shape.defined_memories,
        naming: false,
        deadline: shape.imported_globals + shape.defined_globals,
        next_func: shape.imported_funcs,
        placement: Rc::new(placement),
        inserted: Inserted::default(),
        offsets,
    };
    let mut out = Module::new();
    let mut emitted = Emitted::default();
    let mut code: Option<(CodeSection, u32)> = None;
    // A section the weaver only re-encodes (renumbering memories).
    macro_rules! copy {
        ($section:ident, $parse:ident, $reader:expr) => {{
            let mut s = $section::new();
            weaver.$parse(&mut s, $reader).map_err(err)?;
            out.section(&s);
        }};
    }
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(|e| e.to_string())?;
        let rank = SectionRank::of(&payload);
        if let Some(rank) = rank {
            emitted.fill_before(rank, &mut out, &mut weaver, &shape)?;
        }
        match payload {
            Payload::Version { .. } | Payload::End(_) => {}
            Payload::TypeSection(r) => copy!(TypeSection, parse_type_section, r),
            Payload::ImportSection(r) => emitted.imports(&mut out, &mut weaver, Some(r))?,
            Payload::FunctionSection(r) => copy!(FunctionSection, parse_function_section, r),
            Payload::TableSection(r) => copy!(TableSection, parse_table_section, r),
            Payload::MemorySection(r) => emitted.memories(&mut out, &mut weaver, Some(r))?,
            Payload::TagSection(r) => copy!(TagSection, parse_tag_section, r),
            Payload::GlobalSection(r) => emitted.globals(&mut out, &mut weaver, Some(r))?,
            Payload::ExportSection(r) => emitted.exports(&mut out, &mut weaver, &shape, Some(r))?,
            // Deferred: exported as START_EXPORT instead.
            Payload::StartSection { .. } => {}
            Payload::ElementSection(r) => copy!(ElementSection, parse_element_section, r),
            Payload::DataCountSection { count, .. } => {
                out.section(&DataCountSection { count });
            }
            Payload::CodeSectionStart { count: 0, .. } => {
                out.section(&CodeSection::new());
            }
            Payload::CodeSectionStart { count, .. } => code = Some((CodeSection::new(), count)),
            Payload::CodeSectionEntry(body) => {
                let Some((s, left)) = code.as_mut() else {
                    return Err("a function body outside the code section".into());
                };
                weaver.parse_function_body(s, body).map_err(err)?;
                *left -= 1;
                if *left == 0 {
                    if let Some((s, _)) = code.take() {
                        out.section(&s);
                    }
                }
            }
            Payload::DataSection(r) => copy!(DataSection, parse_data_section, r),
            Payload::CustomSection(c) => {
                // DWARF describes code offsets that the checks move.
                if !c.name().starts_with(".debug") {
                    weaver.naming = true;
                    let copied = weaver.parse_custom_section(&mut out, c).map_err(err);
                    weaver.naming = false;
                    copied?;
                }
            }
            other => {
                return Err(format!(
                    "cannot add deadline checks to this module: unsupported section {:?}",
                    other.as_section().map(|(id, _)| id)
                ));
            }
        }
    }
    emitted.fill_before(SectionRank::End, &mut out, &mut weaver, &shape)?;
    Ok((out.finish(), weaver.inserted, weaver.offsets))
}

fn err<E: std::fmt::Display>(e: wasm_encoder::reencode::Error<E>) -> String {
    e.to_string()
}

/// What the weaver needs to know before rewriting.
#[derive(Default)]
struct Shape {
    imported_funcs: u32,
    imported_memories: u32,
    defined_memories: u32,
    imported_globals: u32,
    defined_globals: u32,
    start: Option<u32>,
}

impl Shape {
    fn of(wasm: &[u8]) -> Result<Shape, String> {
        let mut shape = Shape::default();
        for payload in Parser::new(0).parse_all(wasm) {
            match payload.map_err(|e| e.to_string())? {
                Payload::Version {
                    encoding: Encoding::Component,
                    ..
                } => return Err("a component, not a core module".into()),
                Payload::ImportSection(r) => {
                    for import in r {
                        match import.map_err(|e| e.to_string())?.ty {
                            TypeRef::Memory(m) if m.shared => return Err(shared_memory()),
                            TypeRef::Memory(_) => shape.imported_memories += 1,
                            TypeRef::Global(_) => shape.imported_globals += 1,
                            TypeRef::Func(_) => shape.imported_funcs += 1,
                            _ => {}
                        }
                    }
                }
                Payload::MemorySection(r) => {
                    shape.defined_memories = r.count();
                    for m in r {
                        if m.map_err(|e| e.to_string())?.shared {
                            return Err(shared_memory());
                        }
                    }
                }
                Payload::GlobalSection(r) => shape.defined_globals = r.count(),
                Payload::StartSection { func, .. } => shape.start = Some(func),
                _ => {}
            }
        }
        Ok(shape)
    }
}

fn shared_memory() -> String {
    "guests with shared memories (wasm threads) are not supported".into()
}

/// The canonical order of sections, to insert the ones a module lacks.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum SectionRank {
    Type,
    Import,
    Function,
    Table,
    Memory,
    Tag,
    Global,
    Export,
    Start,
    Element,
    DataCount,
    Code,
    Data,
    End,
}

impl SectionRank {
    fn of(payload: &Payload<'_>) -> Option<SectionRank> {
        Some(match payload {
            Payload::TypeSection(_) => SectionRank::Type,
            Payload::ImportSection(_) => SectionRank::Import,
            Payload::FunctionSection(_) => SectionRank::Function,
            Payload::TableSection(_) => SectionRank::Table,
            Payload::MemorySection(_) => SectionRank::Memory,
            Payload::TagSection(_) => SectionRank::Tag,
            Payload::GlobalSection(_) => SectionRank::Global,
            Payload::ExportSection(_) => SectionRank::Export,
            Payload::StartSection { .. } => SectionRank::Start,
            Payload::ElementSection(_) => SectionRank::Element,
            Payload::DataCountSection { .. } => SectionRank::DataCount,
            Payload::CodeSectionStart { .. } => SectionRank::Code,
            Payload::DataSection(_) => SectionRank::Data,
            Payload::End(_) => SectionRank::End,
            _ => return None,
        })
    }
}

/// Which of the sections the weaver adds to are out already.
#[derive(Default)]
struct Emitted {
    imports: bool,
    memories: bool,
    globals: bool,
    exports: bool,
}

impl Emitted {
    /// Emits, in order, the added sections that belong before `next` and
    /// that the module did not have.
    fn fill_before(
        &mut self,
        next: SectionRank,
        out: &mut Module,
        weaver: &mut Weaver,
        shape: &Shape,
    ) -> Result<(), String> {
        if !self.imports && next > SectionRank::Import {
            self.imports(out, weaver, None)?;
        }
        if !self.memories && next > SectionRank::Memory {
            self.memories(out, weaver, None)?;
        }
        if !self.globals && next > SectionRank::Global {
            self.globals(out, weaver, None)?;
        }
        if !self.exports && next > SectionRank::Export {
            self.exports(out, weaver, shape, None)?;
        }
        Ok(())
    }

    /// The module's imports, if it has any, then an imported clock.
    fn imports(
        &mut self,
        out: &mut Module,
        weaver: &mut Weaver,
        module: Option<wasmparser::ImportSectionReader<'_>>,
    ) -> Result<(), String> {
        self.imports = true;
        let imported = weaver.clock_memory == ClockMemory::Imported;
        if module.is_none() && !imported {
            return Ok(());
        }
        let mut s = ImportSection::new();
        if let Some(r) = module {
            weaver.parse_import_section(&mut s, r).map_err(err)?;
        }
        if imported {
            s.import(CLOCK_IMPORT.0, CLOCK_IMPORT.1, EntityType::Memory(clock_type(true)));
        }
        out.section(&s);
        Ok(())
    }

    /// The module's memories, if it has any, then a clock of its own.
    fn memories(
        &mut self,
        out: &mut Module,
        weaver: &mut Weaver,
        module: Option<wasmparser::MemorySectionReader<'_>>,
    ) -> Result<(), String> {
        self.memories = true;
        let own = weaver.clock_memory == ClockMemory::Own;
        if module.is_none() && !own {
            return Ok(());
        }
        let mut s = MemorySection::new();
        if let Some(r) = module {
            weaver.parse_memory_section(&mut s, r).map_err(err)?;
        }
        if own {
            s.memory(clock_type(false));
        }
        out.section(&s);
        Ok(())
    }

    /// The module's globals, if it has any, then the deadline: 0, already
    /// past until the host arms it.
    fn globals(
        &mut self,
        out: &mut Module,
        weaver: &mut Weaver,
        module: Option<wasmparser::GlobalSectionReader<'_>>,
    ) -> Result<(), String> {
        let mut s = GlobalSection::new();
        if let Some(r) = module {
            weaver.parse_global_section(&mut s, r).map_err(err)?;
        }
        let ty = GlobalType {
            val_type: ValType::I64,
            mutable: true,
            shared: false,
        };
        s.global(ty, &ConstExpr::i64_const(0));
        out.section(&s);
        self.globals = true;
        Ok(())
    }

    /// The module's exports, if it has any, then the clock, the deadline
    /// global and a deferred start function.
    fn exports(
        &mut self,
        out: &mut Module,
        weaver: &mut Weaver,
        shape: &Shape,
        module: Option<wasmparser::ExportSectionReader<'_>>,
    ) -> Result<(), String> {
        let mut s = ExportSection::new();
        if let Some(r) = module {
            weaver.parse_export_section(&mut s, r).map_err(err)?;
        }
        if weaver.clock_memory == ClockMemory::Own {
            s.export(CLOCK_EXPORT, ExportKind::Memory, weaver.clock());
        }
        s.export(DEADLINE_EXPORT, ExportKind::Global, weaver.deadline);
        if let Some(start) = shape.start {
            s.export(START_EXPORT, ExportKind::Func, start);
        }
        out.section(&s);
        self.exports = true;
        Ok(())
    }
}

/// The clock's memory: one page that cannot grow.
fn clock_type(shared: bool) -> MemoryType {
    MemoryType {
        minimum: 1,
        maximum: Some(1),
        memory64: false,
        shared,
        page_size_log2: None,
    }
}

/// Re-encodes a module with the clock memory and checks in its function
/// bodies where [`Placement`] puts them.
struct Weaver {
    clock_memory: ClockMemory,
    imported_memories: u32,
    /// The module's memories, imported and its own.
    memories: u32,
    /// Re-encoding the custom sections, where a memory index is only a
    /// name's key.
    naming: bool,
    /// The deadline global's index.
    deadline: u32,
    /// The index of the next function body.
    next_func: u32,
    placement: Rc<Placement>,
    inserted: Inserted,
    /// Where the instructions went, when asked ([`offset_maps`]).
    offsets: Option<Vec<OffsetMap>>,
}

impl Weaver {
    /// The clock's memory index: after the imported memories, or after all
    /// of the module's.
    fn clock(&self) -> u32 {
        match self.clock_memory {
            ClockMemory::Imported => self.imported_memories,
            ClockMemory::Own => self.memories,
        }
    }

    /// `if clock >= deadline { unreachable }`. The clock is read with an
    /// atomic load: another thread writes it, and a plain load in a loop
    /// that stores nothing may be merged with the one before the loop by the
    /// compiler's redundant-load elimination (it was, in standard Go's
    /// `for {}`, which then spun past its deadline for ever).
    fn check(&self, f: &mut wasm_encoder::Function) {
        f.instruction(&Instruction::I32Const(0));
        f.instruction(&Instruction::I64AtomicLoad(MemArg {
            offset: 0,
            align: 3,
            memory_index: self.clock(),
        }));
        f.instruction(&Instruction::GlobalGet(self.deadline));
        f.instruction(&Instruction::I64GeU);
        f.instruction(&Instruction::If(wasm_encoder::BlockType::Empty));
        f.instruction(&Instruction::Unreachable);
        f.instruction(&Instruction::End);
    }
}

impl Reencode for Weaver {
    type Error = String;

    /// Renumbers the memories after an imported clock, and refuses an
    /// index past the module's memories: invalid in the original, it could
    /// name the clock in the woven module and let the guest write it.
    fn memory_index(&mut self, memory: u32) -> Result<u32, wasm_encoder::reencode::Error<Self::Error>> {
        if memory >= self.memories && !self.naming {
            return Err(wasm_encoder::reencode::Error::UserError(format!(
                "it refers to memory {memory}, but has only {} memories",
                self.memories
            )));
        }
        Ok(match self.clock_memory {
            ClockMemory::Imported if memory >= self.imported_memories => memory + 1,
            _ => memory,
        })
    }

    fn parse_function_body(
        &mut self,
        code: &mut CodeSection,
        body: wasmparser::FunctionBody<'_>,
    ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
        let mut f = self.new_function_with_parsed_locals(&body)?;
        let placement = self.placement.clone();
        let mut scan = placement.scanner(self.next_func);
        self.next_func += 1;
        if scan.entry() {
            self.check(&mut f);
            self.inserted.entries += 1;
        }
        let start = body.range().start;
        let mut map = self.offsets.as_ref().map(|_| OffsetMap::new());
        let mut ops = body.get_operators_reader()?;
        while !ops.eof() {
            let at = ops.original_position() - start;
            let op = ops.read()?;
            let step = scan.step(&op);
            let tail_call = matches!(
                op,
                Operator::ReturnCall { .. } | Operator::ReturnCallIndirect { .. } | Operator::ReturnCallRef { .. }
            );
            if step.before {
                self.check(&mut f);
                if tail_call {
                    self.inserted.tail_calls += 1;
                } else {
                    self.inserted.budget += 1;
                }
            }
            if let Some(map) = map.as_mut() {
                map.push((f.byte_len() as u32, at as u32));
            }
            f.instruction(&self.instruction(op)?);
            if step.after {
                self.check(&mut f);
                self.inserted.loops += 1;
            }
        }
        code.function(&f);
        if let (Some(maps), Some(map)) = (self.offsets.as_mut(), map) {
            maps.push(map);
        }
        Ok(())
    }
}

/// A seeded xorshift generator, for the property tests' inputs.
#[cfg(test)]
pub(crate) fn seeded(mut state: u64) -> impl FnMut() -> u64 {
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmparser::{Validator, WasmFeatures};

    /// Counts `loop`s, tail calls and `i64.ge_u`-guarded `unreachable`s.
    fn census(wasm: &[u8]) -> (usize, usize, usize) {
        let (mut loops, mut tails, mut checks) = (0, 0, 0);
        for payload in Parser::new(0).parse_all(wasm) {
            if let Payload::CodeSectionEntry(body) = payload.unwrap() {
                let mut prev = Vec::new();
                for op in body.get_operators_reader().unwrap() {
                    let op = op.unwrap();
                    match op {
                        Operator::Loop { .. } => loops += 1,
                        Operator::ReturnCall { .. }
                        | Operator::ReturnCallIndirect { .. }
                        | Operator::ReturnCallRef { .. } => tails += 1,
                        Operator::Unreachable
                            if matches!(prev.as_slice(), [.., Operator::I64GeU, Operator::If { .. }]) =>
                        {
                            checks += 1
                        }
                        _ => {}
                    }
                    prev.push(op);
                }
            }
        }
        (loops, tails, checks)
    }

    fn validate(wasm: &[u8]) {
        let features = WasmFeatures::default() | WasmFeatures::THREADS | WasmFeatures::MULTI_MEMORY;
        Validator::new_with_features(features)
            .validate_all(wasm)
            .expect("the woven module validates");
    }

    #[test]
    fn every_loop_of_every_tinygo_guest_gets_a_check() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest-go");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "wasm") {
                continue;
            }
            let wasm = std::fs::read(&path).unwrap();
            let (woven, inserted) = weave_counted(&wasm, ClockMemory::Own).unwrap();
            validate(&woven);
            let (imported, same) = weave_counted(&wasm, ClockMemory::Imported).unwrap();
            validate(&imported);
            assert_eq!(same, inserted, "{}: checks go where they go, wherever the clock is", path.display());
            let (loops, tails, checks) = census(&woven);
            let (loops_before, tails_before, _) = census(&wasm);
            assert_eq!((loops, tails), (loops_before, tails_before), "{}", path.display());
            assert!(loops > 0, "{}: a TinyGo guest without loops", path.display());
            assert_eq!((inserted.loops, inserted.tail_calls), (loops, tails), "{}", path.display());
            assert_eq!(checks, inserted.total(), "{}", path.display());
            eprintln!("{}: {inserted:?}", path.display());
            assert!(!wasmprinter(&woven).contains(START_EXPORT), "TinyGo emits no start section");
            seen += 1;
        }
        assert!(seen >= 5, "only {seen} guests in {}", dir.display());
    }

    /// Hand-written: an imported memory, a defined one, a start function
    /// and a tail call, which TinyGo never emits together.
    const MEMORIES_AND_START: &str = r#"(module
            (import "env" "mem" (memory 1))
            (memory $own (export "memory") 1)
            (global $g (mut i32) (i32.const 0))
            (func $start (global.set $g (i32.load $own (i32.const 0))))
            (func $spin (export "spin") (return_call $spin))
            (func (export "sizes") (result i32)
                (i32.add (memory.size 0) (memory.size $own)))
            (start $start))"#;

    #[test]
    fn an_imported_clock_comes_after_the_imported_memories_and_the_start_is_deferred() {
        let woven = weave(MEMORIES_AND_START.as_bytes(), ClockMemory::Imported).unwrap();
        validate(&woven);
        let text = wasmprinter(&woven);
        assert!(text.contains(r#"(import "tinybind" "clock" (memory (;1;) 1 1 shared))"#), "{text}");
        // The name section follows the renumbering: `$own` is memory 2.
        assert!(text.contains("(memory $own (;2;) 1)"), "{text}");
        assert!(text.contains(r#"(export "memory" (memory $own))"#), "{text}");
        assert!(!text.contains(CLOCK_EXPORT), "{text}");
        assert!(text.contains(r#"(export "tinybind:start" (func $start))"#), "{text}");
        assert!(text.contains(r#"(export "tinybind:deadline" (global 1))"#), "{text}");
        assert!(text.contains("i32.load $own"), "{text}");
        assert!(text.contains("memory.size $own"), "{text}");
        assert!(text.contains("i64.atomic.load 1"), "{text}");
        assert!(!text.contains("(start"), "{text}");
        assert_eq!(census(&woven), (0, 1, 2));
    }

    #[test]
    fn an_own_clock_comes_after_the_modules_memories_and_the_start_is_deferred() {
        let woven = weave(MEMORIES_AND_START.as_bytes(), ClockMemory::Own).unwrap();
        validate(&woven);
        let text = wasmprinter(&woven);
        // No index of the module's changes.
        assert!(text.contains(r#"(import "env" "mem" (memory (;0;) 1))"#), "{text}");
        assert!(text.contains("(memory $own (;1;) 1)"), "{text}");
        assert!(text.contains("(memory (;2;) 1 1)"), "{text}");
        assert!(!text.contains("shared"), "{text}");
        assert!(text.contains(r#"(export "memory" (memory $own))"#), "{text}");
        assert!(text.contains(r#"(export "tinybind:clock" (memory 2))"#), "{text}");
        assert!(text.contains(r#"(export "tinybind:start" (func $start))"#), "{text}");
        assert!(text.contains(r#"(export "tinybind:deadline" (global 1))"#), "{text}");
        assert!(text.contains("i32.load $own"), "{text}");
        assert!(text.contains("memory.size $own"), "{text}");
        assert!(text.contains("i64.atomic.load 2"), "{text}");
        assert!(!text.contains("(start"), "{text}");
        // `$spin` calls itself: an entry check besides the tail call's.
        assert_eq!(census(&woven), (0, 1, 2));
    }

    /// A module that names a memory it does not have is invalid, but woven
    /// that index would be the clock's: the guest could stop its own clock.
    /// Hand-written binaries (wat does not validate numeric indices), as no
    /// compiler emits them.
    #[test]
    fn a_memory_index_past_the_modules_memories_is_refused_not_given_the_clock() {
        for (wat, clock) in [
            "(module (memory 1) (func (i64.store 1 (i32.const 0) (i64.const 0))))",
            "(module (func (drop (memory.grow 0 (i32.const 1)))))",
            "(module (memory 1) (data (memory 1) (i32.const 0) \"\\00\"))",
            "(module (memory 1) (export \"clock\" (memory 1)))",
            "(module (memory 1) (func (memory.copy 0 1 (i32.const 0) (i32.const 0) (i32.const 8))))",
            // Imported, the clock is memory 0 here; memory 1 must not
            // become it (or anything else).
            "(module (import \"env\" \"m\" (memory 1)) (func (i64.store 1 (i32.const 0) (i64.const 0))))",
        ]
        .into_iter()
        .flat_map(|wat| [(wat, ClockMemory::Own), (wat, ClockMemory::Imported)])
        {
            let err = weave(wat.as_bytes(), clock).expect_err(wat);
            assert!(err.contains("refers to memory"), "{wat} ({clock:?}): {err}");
        }
        // In the name section an index is only a name's key.
        let mut wasm = wat::parse_str("(module (memory $m 1))").unwrap();
        let mut names = wasm_encoder::NameSection::new();
        let mut map = wasm_encoder::NameMap::new();
        map.append(5, "elsewhere");
        names.memories(&map);
        let mut section = wasm_encoder::Module::new();
        section.section(&names);
        wasm.extend_from_slice(&section.finish()[8..]);
        for clock in [ClockMemory::Own, ClockMemory::Imported] {
            validate(&weave(&wasm, clock).expect("a stray memory name is kept"));
        }
    }

    #[test]
    fn modules_without_imports_globals_or_exports_get_them() {
        for clock in [ClockMemory::Own, ClockMemory::Imported] {
            let woven = weave(b"(module (func (loop (br 0))))", clock).unwrap();
            validate(&woven);
            assert_eq!(census(&woven), (1, 0, 1));
        }
    }

    #[test]
    fn shared_memories_and_components_are_refused() {
        for clock in [ClockMemory::Own, ClockMemory::Imported] {
            let err = weave(b"(module (memory 1 1 shared))", clock).unwrap_err();
            assert!(err.contains("shared memories"), "{err}");
            let err = weave(b"(component)", clock).unwrap_err();
            assert!(err.contains("component"), "{err}");
            assert!(weave(b"\0asm\x01\0\0\0\x01", clock).is_err());
        }
    }

    /// Bounded property test: wasm-smith modules (tail calls, several
    /// memories, start functions, shared memories, GC and exceptions
    /// among them) either weave into a module that validates and has one
    /// check per loop and tail call, or are refused with a reason; mutated
    /// TinyGo guests never make the weaver panic. Seeded, so a failure
    /// names its case.
    #[test]
    fn generated_and_mutated_modules_never_panic_and_weave_to_valid_modules() {
        let mut next = seeded(0x2545_F491_4F6C_DD1D);
        let (mut woven, mut refused) = (0, 0);
        for case in 0..300 {
            let bytes: Vec<u8> = (0..4096).map(|_| next() as u8).collect();
            let mut u = arbitrary::Unstructured::new(&bytes);
            let config = wasm_smith::Config {
                max_memories: 3,
                tail_call_enabled: true,
                threads_enabled: true,
                ..Default::default()
            };
            let Ok(module) = wasm_smith::Module::new(config, &mut u) else {
                continue;
            };
            let wasm = module.to_bytes();
            let clock = [ClockMemory::Own, ClockMemory::Imported][case % 2];
            match weave_counted(&wasm, clock) {
                Ok((w, inserted)) => {
                    let features = WasmFeatures::all();
                    if let Err(e) = Validator::new_with_features(features).validate_all(&w) {
                        panic!("case {case}: the woven module does not validate: {e}");
                    }
                    // Random code may hold the check's pattern itself.
                    let (loops, tails, checks) = census(&w);
                    let (_, _, checks_before) = census(&wasm);
                    assert_eq!((inserted.loops, inserted.tail_calls), (loops, tails), "case {case}");
                    assert_eq!(checks - checks_before, inserted.total(), "case {case}");
                    woven += 1;
                }
                Err(_) => refused += 1,
            }
        }
        assert!(woven > 100, "only {woven} modules woven ({refused} refused)");

        let guest =
            std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest-go/greeter.wasm")).unwrap();
        for _ in 0..300 {
            let mut wasm = guest.clone();
            for _ in 0..1 + next() % 8 {
                let at = (next() % wasm.len() as u64) as usize;
                wasm[at] = next() as u8;
            }
            let cut = (next() % (wasm.len() as u64 + 1)) as usize;
            wasm.truncate(cut.max(wasm.len() / 2));
            // Either result is fine; a panic fails the test.
            let _ = weave(&wasm, ClockMemory::Own);
            let _ = weave(&wasm, ClockMemory::Imported);
        }
    }

    fn wasmprinter(wasm: &[u8]) -> String {
        wasmprinter::print_bytes(wasm).expect("prints")
    }
}
