//! DWARF evidence: the Go name, parameter names and parameter types of the
//! subprogram behind an export, read with `gimli` from the module's
//! `.debug_*` sections.
//!
//! Only parameters are trusted. TinyGo sets a subprogram's `DW_AT_type` to its
//! first parameter's type rather than its result type, so DWARF never says
//! what a function returns.

use std::collections::HashMap;

use gimli::{AttributeValue, EndianSlice, LittleEndian};

use crate::wasm::ModuleInfo;

type R<'a> = EndianSlice<'a, LittleEndian>;

/// A subprogram as DWARF describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DwarfFunc {
    /// The Go name, such as `main.concatenate`.
    pub name: String,
    /// Start address: an offset into the code section's contents.
    pub low_pc: u64,
    /// (name, Go type as written) of every formal parameter.
    pub params: Vec<(String, String)>,
}

/// Every subprogram with an address. Malformed DWARF yields what could be
/// read before the error; it never panics.
pub fn subprograms(info: &ModuleInfo) -> Vec<DwarfFunc> {
    if !info.debug_sections.contains_key(".debug_info") {
        return Vec::new();
    }
    let empty: &[u8] = &[];
    let load = |id: gimli::SectionId| -> Result<R<'_>, gimli::Error> {
        let data = info
            .debug_sections
            .get(id.name())
            .map(|v| v.as_slice())
            .unwrap_or(empty);
        Ok(EndianSlice::new(data, LittleEndian))
    };
    let Ok(dwarf) = gimli::Dwarf::load(load) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut units = dwarf.units();
    while let Ok(Some(header)) = units.next() {
        let Ok(unit) = dwarf.unit(header) else {
            break;
        };
        if read_unit(&dwarf, &unit, &mut out).is_err() {
            break;
        }
    }
    out
}

fn read_unit(
    dwarf: &gimli::Dwarf<R<'_>>,
    unit: &gimli::Unit<R<'_>>,
    out: &mut Vec<DwarfFunc>,
) -> gimli::Result<()> {
    let mut type_names: HashMap<gimli::UnitOffset, Option<String>> = HashMap::new();
    let mut tree = unit.entries_tree(None)?;
    let root = tree.root()?;
    let mut children = root.children();
    while let Some(node) = children.next()? {
        let entry = node.entry();
        if entry.tag() != gimli::DW_TAG_subprogram {
            continue;
        }
        let Some(name) = attr_string(dwarf, unit, entry, gimli::DW_AT_name) else {
            continue;
        };
        let low_pc = match entry.attr_value(gimli::DW_AT_low_pc)? {
            Some(AttributeValue::Addr(a)) => a,
            Some(AttributeValue::DebugAddrIndex(i)) => dwarf.address(unit, i)?,
            _ => continue,
        };
        let mut params = Vec::new();
        let mut kids = node.children();
        while let Some(kid) = kids.next()? {
            let e = kid.entry();
            if e.tag() != gimli::DW_TAG_formal_parameter {
                continue;
            }
            let pname = attr_string(dwarf, unit, e, gimli::DW_AT_name).unwrap_or_default();
            let ty = match e.attr_value(gimli::DW_AT_type)? {
                Some(AttributeValue::UnitRef(off)) => type_name(dwarf, unit, off, &mut type_names, 0),
                _ => None,
            };
            params.push((pname, ty.unwrap_or_else(|| "?".to_string())));
        }
        out.push(DwarfFunc {
            name,
            low_pc,
            params,
        });
    }
    Ok(())
}

fn attr_string(
    dwarf: &gimli::Dwarf<R<'_>>,
    unit: &gimli::Unit<R<'_>>,
    entry: &gimli::DebuggingInformationEntry<R<'_>>,
    attr: gimli::DwAt,
) -> Option<String> {
    let value = entry.attr_value(attr).ok()??;
    let s = dwarf.attr_string(unit, value).ok()?;
    Some(s.to_string_lossy().into_owned())
}

/// The Go name of a type DIE. TinyGo names types as Go writes them
/// (`string`, `[]uint8`, `*int32`); an unnamed pointer is named from its
/// pointee.
fn type_name(
    dwarf: &gimli::Dwarf<R<'_>>,
    unit: &gimli::Unit<R<'_>>,
    offset: gimli::UnitOffset,
    cache: &mut HashMap<gimli::UnitOffset, Option<String>>,
    depth: u32,
) -> Option<String> {
    if depth > 8 {
        return None;
    }
    if let Some(known) = cache.get(&offset) {
        return known.clone();
    }
    let entry = unit.entry(offset).ok()?;
    let name = match attr_string(dwarf, unit, &entry, gimli::DW_AT_name) {
        Some(n) => Some(n),
        None if entry.tag() == gimli::DW_TAG_pointer_type => {
            match entry.attr_value(gimli::DW_AT_type).ok()? {
                Some(AttributeValue::UnitRef(inner)) => {
                    type_name(dwarf, unit, inner, cache, depth + 1).map(|n| format!("*{n}"))
                }
                _ => Some("unsafe.Pointer".to_string()),
            }
        }
        None => None,
    };
    cache.insert(offset, name.clone());
    name
}

/// The subprogram whose start lies in the body of function `func_index`.
pub fn for_function<'a>(
    info: &ModuleInfo,
    subprograms: &'a [DwarfFunc],
    func_index: u32,
) -> Option<&'a DwarfFunc> {
    let range = info.body_ranges.get(&func_index)?;
    // A body's range starts after its size field; DWARF may point at the
    // size field or at the locals, so allow the few bytes of the LEB.
    let start = range.start.saturating_sub(5);
    subprograms
        .iter()
        .find(|s| s.low_pc >= start && s.low_pc < range.end)
}
