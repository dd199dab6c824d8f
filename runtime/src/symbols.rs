//! Where a trap happened, in Go terms: the frames of a wasm backtrace with
//! the Go function, file and line of each, read from the DWARF that TinyGo
//! (and standard Go) put in every module built without `-no-debug`.
//!
//! Nothing of it is on the success path. Compiling a guest only notes
//! whether it carries a line table and keeps its bytes if so
//! ([`DebugSource`]); the first trap of the guest reads the DWARF with
//! `addr2line`, and, for a module woven with deadline checks, weaves it
//! again recording where each instruction went
//! ([`offset_maps`](crate::deadline::weave::offset_maps)). The table is
//! kept for the guest's later traps.
//!
//! DWARF addresses in wasm are offsets into the code section's contents. A
//! frame gives its function's index and the offset of the instruction from
//! the start of that function's body in the module that ran: the woven
//! module, maybe made from a pre-initialised snapshot. The snapshot keeps
//! every function body as it was, so the offset maps back through the
//! weaver alone, to the original body, whose position gives the address.

use std::sync::{Arc, Mutex, OnceLock};

use addr2line::gimli;

use crate::deadline::clock::ClockMemory;
use crate::deadline::weave::{offset_maps, OffsetMap};
use crate::error::Frame;

/// The most frames a trap reports (the innermost ones).
const MAX_FRAMES: usize = 32;

type Reader = gimli::EndianArcSlice<gimli::LittleEndian>;

/// What a compiled guest keeps to name its traps' source lines.
pub(crate) struct DebugSource {
    /// The original module, which has the DWARF.
    original: Arc<[u8]>,
    /// What was woven (the original or its snapshot) and with which clock.
    woven: Option<(Arc<[u8]>, ClockMemory)>,
    table: OnceLock<Option<Table>>,
}

/// The line table of a guest, read at its first trap.
struct Table {
    lines: Mutex<addr2line::Context<Reader>>,
    /// The offset of the code section's contents in the original module.
    code_start: usize,
    /// Where each defined function's body starts in the original module.
    bodies: Vec<usize>,
    imported_funcs: u32,
    /// Where each instruction went in the woven module (`None`: not woven).
    woven: Option<Vec<OffsetMap>>,
}

impl DebugSource {
    /// The source of a module's traps' lines, when it has a line table.
    /// `woven` is what the weaver was given, when it was: `None` for the
    /// original itself.
    pub(crate) fn of(original: &[u8], woven: Option<(Option<&[u8]>, ClockMemory)>) -> Option<DebugSource> {
        if !has_line_table(original) {
            return None;
        }
        let original: Arc<[u8]> = Arc::from(original);
        let woven = woven.map(|(bytes, clock)| (bytes.map_or_else(|| original.clone(), Arc::from), clock));
        Some(DebugSource {
            original,
            woven,
            table: OnceLock::new(),
        })
    }

    /// The Go function, file and line of each wasm frame of `backtrace`,
    /// innermost first, inlined functions included.
    pub(crate) fn frames(&self, backtrace: &wasmtime::WasmBacktrace) -> Vec<Frame> {
        let table = self.table.get_or_init(|| Table::read(self)).as_ref();
        let mut frames = Vec::new();
        for frame in backtrace.frames() {
            let found = table.map(|t| t.lookup(frame)).unwrap_or_default();
            if found.is_empty() {
                frames.push(unknown(frame));
            } else {
                frames.extend(found);
            }
            if frames.len() >= MAX_FRAMES {
                frames.truncate(MAX_FRAMES);
                break;
            }
        }
        frames
    }
}

/// The frames of `backtrace` by function name alone, for a guest without
/// DWARF.
pub(crate) fn names_only(backtrace: &wasmtime::WasmBacktrace) -> Vec<Frame> {
    backtrace.frames().iter().take(MAX_FRAMES).map(unknown).collect()
}

fn unknown(frame: &wasmtime::FrameInfo) -> Frame {
    Frame {
        function: frame
            .func_name()
            .map_or_else(|| format!("wasm function {}", frame.func_index()), str::to_string),
        file: None,
        line: None,
    }
}

/// Whether `wasm` has a `.debug_line` section (function bodies are
/// skipped, not parsed).
fn has_line_table(wasm: &[u8]) -> bool {
    wasmparser::Parser::new(0)
        .parse_all(wasm)
        .map_while(Result::ok)
        .any(|p| matches!(p, wasmparser::Payload::CustomSection(c) if c.name() == ".debug_line"))
}

impl Table {
    /// Reads the original's DWARF and function bodies, and the weaver's
    /// offsets; `None` when any of it cannot be read.
    fn read(source: &DebugSource) -> Option<Table> {
        let mut sections: Vec<(String, Arc<[u8]>)> = Vec::new();
        let (mut code_start, mut bodies, mut imported_funcs) = (None, Vec::new(), 0);
        for payload in wasmparser::Parser::new(0).parse_all(&source.original) {
            match payload.ok()? {
                wasmparser::Payload::ImportSection(imports) => {
                    for import in imports {
                        if matches!(import.ok()?.ty, wasmparser::TypeRef::Func(_)) {
                            imported_funcs += 1;
                        }
                    }
                }
                wasmparser::Payload::CodeSectionStart { range, .. } => code_start = Some(range.start),
                wasmparser::Payload::CodeSectionEntry(body) => bodies.push(body.range().start),
                wasmparser::Payload::CustomSection(c) if c.name().starts_with(".debug_") => {
                    sections.push((c.name().to_string(), Arc::from(c.data())));
                }
                _ => {}
            }
        }
        let dwarf = gimli::Dwarf::load(|id| -> Result<Reader, ()> {
            let data = sections
                .iter()
                .find(|(name, _)| name == id.name())
                .map_or_else(|| Arc::from(&[][..]), |(_, data)| data.clone());
            Ok(gimli::EndianArcSlice::new(data, gimli::LittleEndian))
        })
        .ok()?;
        let woven = match &source.woven {
            Some((bytes, clock)) => Some(offset_maps(bytes, *clock).ok()?),
            None => None,
        };
        Some(Table {
            lines: Mutex::new(addr2line::Context::from_dwarf(dwarf).ok()?),
            code_start: code_start?,
            bodies,
            imported_funcs,
            woven,
        })
    }

    /// The frames, inlined ones first, at `frame`'s instruction.
    fn lookup(&self, frame: &wasmtime::FrameInfo) -> Vec<Frame> {
        let Some(address) = self.address(frame) else {
            return Vec::new();
        };
        let lines = self.lines.lock().unwrap_or_else(|p| p.into_inner());
        let Ok(mut found) = lines.find_frames(address as u64).skip_all_loads() else {
            return Vec::new();
        };
        let mut frames = Vec::new();
        while let Ok(Some(f)) = found.next() {
            let function = f
                .function
                .as_ref()
                .and_then(|name| name.raw_name().ok().map(|n| n.into_owned()))
                .or_else(|| frame.func_name().map(str::to_string))
                .unwrap_or_else(|| format!("wasm function {}", frame.func_index()));
            let (file, line) = f.location.map_or((None, None), |l| (l.file.map(str::to_string), l.line));
            frames.push(Frame { function, file, line });
        }
        frames
    }

    /// The DWARF address of `frame`'s instruction: its offset in the
    /// original body, from the code section's start.
    fn address(&self, frame: &wasmtime::FrameInfo) -> Option<usize> {
        let defined = frame.func_index().checked_sub(self.imported_funcs)? as usize;
        // No offset (a stack overflow in the function's prologue): no line,
        // as wasmtime's own reader has none either.
        let offset = frame.func_offset()?;
        let offset = match &self.woven {
            Some(maps) => original_offset(maps.get(defined)?, offset)?,
            None => offset,
        };
        (self.bodies.get(defined)? + offset).checked_sub(self.code_start)
    }
}

/// The original offset of the instruction at `woven` in a woven body: that
/// of the first original instruction at or after it (an inserted check
/// counts as the instruction it guards: a function's first, a loop's
/// first, the call it precedes).
fn original_offset(map: &OffsetMap, woven: usize) -> Option<usize> {
    let i = map.partition_point(|&(w, _)| (w as usize) < woven);
    map.get(i).or(map.last()).map(|&(_, o)| o as usize)
}
