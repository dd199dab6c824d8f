//! DWARF evidence: the Go name, parameter names and parameter types of the
//! subprogram behind an export, read with `gimli` from the module's
//! `.debug_*` sections.
//!
//! Only parameters are trusted. TinyGo sets a subprogram's `DW_AT_type` to its
//! first parameter's type rather than its result type, so DWARF never says
//! what a function returns.


use gimli::{AttributeValue, EndianSlice, LittleEndian};

use crate::wasm::ModuleInfo;

type R<'a> = EndianSlice<'a, LittleEndian>;

/// A subprogram as DWARF describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DwarfFunc {
    /// The Go name, such as `main.concatenate`.
    pub name: String,
    /// The symbol name: the export name for `//export` functions.
    pub linkage_name: Option<String>,
    /// (name, Go type as written) of every formal parameter.
    pub params: Vec<(String, String)>,
}

/// Every subprogram at the top of a compilation unit. Malformed DWARF yields
/// what could be read before the error; it never panics.
pub fn subprograms(info: &ModuleInfo) -> Vec<DwarfFunc> {
    let mut out = Vec::new();
    each_unit(info, |types, unit| read_unit(types, unit, &mut out));
    out
}

/// A struct type as DWARF describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DwarfStruct {
    /// The Go name, such as `main.Box`.
    pub name: String,
    pub size: Option<u64>,
    /// (name, offset) of every member, in order.
    pub members: Vec<(String, Option<u64>)>,
}

/// Every named struct type at the top of a compilation unit.
pub fn structs(info: &ModuleInfo) -> Vec<DwarfStruct> {
    let mut out = Vec::new();
    each_unit(info, |types, unit| read_structs(types.dwarf, unit, &mut out));
    out
}

/// Runs `read` on every unit, until the DWARF is exhausted or malformed.
fn each_unit(info: &ModuleInfo, mut read: impl FnMut(&Types<'_, '_>, &gimli::Unit<R<'_>>) -> gimli::Result<()>) {
    if !info.debug_sections.contains_key(".debug_info") {
        return;
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
    let Ok(mut dwarf) = gimli::Dwarf::load(load) else {
        return;
    };
    // Type references across units parse the other unit again: parse each
    // abbreviation table once (TinyGo: ~60 units sharing ~35 tables).
    dwarf.populate_abbreviations_cache(gimli::AbbreviationsCacheStrategy::All);
    let mut headers = Vec::new();
    let mut units = dwarf.units();
    while let Ok(Some(header)) = units.next() {
        headers.push(header);
    }
    for header in &headers {
        let Ok(unit) = dwarf.unit(*header) else {
            break;
        };
        let types = Types {
            dwarf: &dwarf,
            headers: &headers,
        };
        if read(&types, &unit).is_err() {
            break;
        }
    }
}

/// TinyGo names a Go struct type with a typedef (`main.Box`) of an unnamed
/// structure type in the same unit; a named structure type is read as well.
fn read_structs(dwarf: &gimli::Dwarf<R<'_>>, unit: &gimli::Unit<R<'_>>, out: &mut Vec<DwarfStruct>) -> gimli::Result<()> {
    let mut entries = unit.entries();
    let mut found = Vec::new();
    while let Some((_, entry)) = entries.next_dfs()? {
        let tag = entry.tag();
        if tag != gimli::DW_TAG_typedef && tag != gimli::DW_TAG_structure_type {
            continue;
        }
        let Some(name) = attr_string(dwarf, unit, entry, gimli::DW_AT_name) else {
            continue;
        };
        let at = match (tag, entry.attr_value(gimli::DW_AT_type)?) {
            (gimli::DW_TAG_typedef, Some(AttributeValue::UnitRef(offset))) => offset,
            (gimli::DW_TAG_structure_type, _) => entry.offset(),
            _ => continue,
        };
        found.push((name, at));
    }
    for (name, at) in found {
        let mut tree = unit.entries_tree(Some(at))?;
        let node = tree.root()?;
        let entry = node.entry();
        if entry.tag() != gimli::DW_TAG_structure_type {
            continue;
        }
        let size = entry.attr_value(gimli::DW_AT_byte_size)?.and_then(|v| v.udata_value());
        let mut members = Vec::new();
        let mut kids = node.children();
        while let Some(kid) = kids.next()? {
            let e = kid.entry();
            if e.tag() != gimli::DW_TAG_member {
                continue;
            }
            let member = attr_string(dwarf, unit, e, gimli::DW_AT_name).unwrap_or_default();
            let offset = e.attr_value(gimli::DW_AT_data_member_location)?.and_then(|v| v.udata_value());
            members.push((member, offset));
        }
        out.push(DwarfStruct { name, size, members });
    }
    Ok(())
}

/// Resolves type references, within a unit or across units.
struct Types<'d, 'a> {
    dwarf: &'d gimli::Dwarf<R<'a>>,
    headers: &'d [gimli::UnitHeader<R<'a>>],
}

fn read_unit(
    types: &Types<'_, '_>,
    unit: &gimli::Unit<R<'_>>,
    out: &mut Vec<DwarfFunc>,
) -> gimli::Result<()> {
    let dwarf = types.dwarf;
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
        let linkage_name = attr_string(dwarf, unit, entry, gimli::DW_AT_linkage_name);
        let mut params = Vec::new();
        let mut kids = node.children();
        while let Some(kid) = kids.next()? {
            let e = kid.entry();
            if e.tag() != gimli::DW_TAG_formal_parameter {
                continue;
            }
            let pname = attr_string(dwarf, unit, e, gimli::DW_AT_name).unwrap_or_default();
            let ty = e
                .attr_value(gimli::DW_AT_type)?
                .and_then(|v| types.name_of(unit, v, 0));
            params.push((pname, ty.unwrap_or_else(|| "?".to_string())));
        }
        out.push(DwarfFunc {
            name,
            linkage_name,
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

impl Types<'_, '_> {
    /// The Go name of a type DIE. TinyGo names types as Go writes them
    /// (`string`, `[]uint8`, `*int32`); an unnamed pointer is named from its
    /// pointee.
    fn name_of(
        &self,
        unit: &gimli::Unit<R<'_>>,
        value: AttributeValue<R<'_>>,
        depth: u32,
    ) -> Option<String> {
        if depth > 8 {
            return None;
        }
        match value {
            AttributeValue::UnitRef(offset) => self.name_in(unit, offset, depth),
            AttributeValue::DebugInfoRef(offset) => {
                let header = self.headers.iter().find(|h| {
                    offset
                        .to_unit_offset(h)
                        .is_some()
                })?;
                let other = self.dwarf.unit(*header).ok()?;
                let local = offset.to_unit_offset(header)?;
                self.name_in(&other, local, depth)
            }
            _ => None,
        }
    }

    fn name_in(
        &self,
        unit: &gimli::Unit<R<'_>>,
        offset: gimli::UnitOffset,
        depth: u32,
    ) -> Option<String> {
        let entry = unit.entry(offset).ok()?;
        if let Some(n) = attr_string(self.dwarf, unit, &entry, gimli::DW_AT_name) {
            return Some(n);
        }
        if entry.tag() != gimli::DW_TAG_pointer_type {
            return None;
        }
        match entry.attr_value(gimli::DW_AT_type).ok()? {
            Some(inner) => self.name_of(unit, inner, depth + 1).map(|n| format!("*{n}")),
            None => Some("unsafe.Pointer".to_string()),
        }
    }
}

/// The Go function behind an export: the subprogram whose symbol is the
/// export name, or the one the `name` section names for the function. A
/// TinyGo `//go:wasmexport` wrapper (`main.add#wasmexport`) stands for the
/// function it wraps (`main.add`).
pub fn for_export<'a>(
    info: &ModuleInfo,
    subprograms: &'a [DwarfFunc],
    export: &str,
    func_index: u32,
) -> Option<&'a DwarfFunc> {
    let by_symbol = |symbol: &str| {
        subprograms
            .iter()
            .find(|s| s.linkage_name.as_deref() == Some(symbol))
            .or_else(|| subprograms.iter().find(|s| s.name == symbol))
    };
    let found = by_symbol(export).or_else(|| by_symbol(info.func_names.get(&func_index)?))?;
    match found.name.strip_suffix("#wasmexport") {
        Some(inner) => subprograms.iter().find(|s| s.name == inner),
        None => Some(found),
    }
}
