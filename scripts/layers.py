#!/usr/bin/env python3
"""The import graph of a crate's files: arrows, circles, and arrows running back up.

    python3 scripts/layers.py runtime/src [codegen/src ...] [--verbose] [--check]

An arrow A -> B is a path in file A (a `use`, or a `crate::`/`super::` path in
code) that names an item of file B. It runs back up when B is an ancestor of
A (lib.rs, or the mod.rs of a folder A is in): the rule is that a file uses
only files of its own layer or below, by their defining path, and that lib.rs
and mod.rs only declare and re-export. Test modules (`#[cfg(test)]`) are left
out. `--check` exits 1 when any crate has a circle or an arrow running up,
or, for a crate listed in LAYERS, an arrow from a lower layer to a higher one.
"""
import os
import re
import sys


# The layers of a crate, lowest first: each a list of file (or folder)
# paths below its src/. A file may use files of its own layer or below.
LAYERS = {
    "runtime/src": [
        ["value.rs", "module.rs", "error.rs", "config.rs", "store.rs"],
        ["mem"],
        ["deadline", "output.rs", "sandbox.rs", "cache.rs", "blocking.rs", "symbols.rs"],
        ["host"],
        ["compile.rs", "preinit.rs", "fit.rs"],
        ["instance"],
        ["runtime.rs", "pool.rs", "loaded.rs"],
        ["dynamic"],
        ["lib.rs"],
    ],
    "codegen/src": [
        ["error.rs", "names.rs", "retptr.rs", "wasm.rs", "go", "dwarf.rs"],
        ["abi"],
        ["model"],
        ["emit"],
        ["discover.rs", "inspect.rs"],
        ["tinygo.rs"],
        ["config.rs"],
        ["lib.rs"],
    ],
}


def layer_of(layers, rel):
    for i, layer in enumerate(layers):
        for entry in layer:
            if rel == entry or rel.startswith(entry + "/"):
                return i
    return None


def module_of(root, path):
    rel = os.path.relpath(path, root)[:-3].split(os.sep)
    if rel[-1] in ("lib", "main", "mod"):
        rel = rel[:-1]
    return tuple(rel)


def strip(text):
    """Comments, strings and #[cfg(test)] items removed."""
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r'r#+".*?"#+', '""', text, flags=re.S)
    text = re.sub(r'"(\\.|[^"\\])*"', '""', text, flags=re.S)
    out, i = [], 0
    for m in re.finditer(r"#\[cfg\(test\)\]", text):
        if m.start() < i:
            continue
        out.append(text[i:m.start()])
        j = text.find("{", m.end())
        semi = text.find(";", m.end())
        if semi != -1 and (j == -1 or semi < j):
            i = semi + 1
            continue
        depth, k = 0, j
        while k < len(text):
            if text[k] == "{":
                depth += 1
            elif text[k] == "}":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        i = k + 1
    out.append(text[i:])
    return "".join(out)


def expand(tree):
    """`a::{b, c::{d, e}}` -> ["a::b", "a::c::d", "a::c::e"]."""
    tree = re.sub(r"\s+", "", tree)
    m = re.match(r"^(.*?)\{(.*)\}$", tree)
    if not m:
        return [re.sub(r"as\w+$", "", tree)] if tree else []
    prefix, inner = m.group(1), m.group(2)
    parts, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += ch == "{"
        depth -= ch == "}"
        cur += ch
    parts.append(cur)
    res = []
    for p in parts:
        for e in expand(p):
            res.append(prefix + e if e != "self" else prefix.rstrip(":"))
    return res


def paths_in(text):
    uses = []
    for m in re.finditer(r"\buse\s+([^;]+);", text):
        uses.extend(expand(m.group(1)))
    body = re.sub(r"\buse\s+[^;]+;", "", text)
    inline = re.findall(r"\b((?:crate|super|self)(?:::(?:super|\w+))+)", body)
    return uses + inline


def resolve(module, path, modules):
    segs = path.split("::")
    if segs[0] == "crate":
        abs_, segs = [], segs[1:]
    elif segs[0] in ("super", "self"):
        abs_ = list(module)
        while segs and segs[0] in ("super", "self"):
            if segs[0] == "super":
                abs_ = abs_[:-1]
            segs = segs[1:]
    else:
        return None
    full = abs_ + segs
    for n in range(len(full), -1, -1):
        if tuple(full[:n]) in modules:
            return tuple(full[:n])
    return ()


def analyse(root):
    files = {}
    for d, _, fs in os.walk(root):
        for f in fs:
            if f.endswith(".rs"):
                p = os.path.join(d, f)
                files[module_of(root, p)] = p
    modules = set(files)
    edges = set()
    for mod, p in files.items():
        with open(p, encoding="utf-8") as fh:
            text = strip(fh.read())
        for path in paths_in(text):
            target = resolve(mod, path, modules)
            if target is None or target == mod:
                continue
            edges.add((mod, target))
    up = sorted((a, b) for a, b in edges if a[: len(b)] == b)
    # Circles: strongly connected components of more than one file.
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]
    graph = {m: [b for a, b in edges if a == m] for m in modules}

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for m in sorted(modules):
        if m not in index:
            visit(m)
    return files, edges, up, sccs


def name(root, files, m):
    return os.path.relpath(files[m], root)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    verbose = "--verbose" in sys.argv
    bad = False
    for root in args:
        files, edges, up, sccs = analyse(root)
        print(f"{root}: {len(files)} files, {len(edges)} arrows, {len(up)} running back up, {len(sccs)} circles")
        for a, b in up:
            print(f"  up: {name(root, files, a)} -> {name(root, files, b)}")
        for c in sccs:
            print("  circle: " + " <-> ".join(name(root, files, m) for m in c))
        layers = LAYERS.get(os.path.normpath(root))
        if layers:
            against = []
            unlayered = sorted(name(root, files, m) for m in files if layer_of(layers, name(root, files, m)) is None)
            for a, b in sorted(edges):
                la, lb = layer_of(layers, name(root, files, a)), layer_of(layers, name(root, files, b))
                if la is not None and lb is not None and lb > la:
                    against.append((a, b))
            print(f"  layers: {len(layers)}, {len(against)} arrows from a lower layer to a higher one")
            for a, b in against:
                print(f"  against the layers: {name(root, files, a)} -> {name(root, files, b)}")
            for f in unlayered:
                print(f"  in no layer: {f}")
            bad |= bool(against or unlayered)
        if verbose:
            for a, b in sorted(edges):
                print(f"  {name(root, files, a)} -> {name(root, files, b)}")
        bad |= bool(up or sccs)
    if "--check" in sys.argv and bad:
        sys.exit(1)


if __name__ == "__main__":
    main()
