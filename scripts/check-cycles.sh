#!/usr/bin/env bash
# Fail when the top-level modules of the root crate (src/) import each other in a cycle.
#
# A module is a top-level module of src/lib.rs: `src/x.rs` and everything under `src/x/`
# are module `x`. An edge `a -> b` is any `crate::b…` path in module a's code: `use`
# lines (braces included: `use crate::{b::X, c}` gives b and c), paths written in code
# (`crate::b::f()`), `$crate::b` and `crate::b` inside `macro_rules!` bodies (counted for
# the module that defines the macro and, when another module invokes it, for that module
# too), and `"crate::b::f"` in string literals (serde's `deserialize_with = "…"`). A path
# through a root re-export (`crate::Client`) counts for the module that lib.rs re-exports it
# from. Comments (doc comments and their intra-doc links included) are ignored, as are
# `super::` paths (they stay inside one top-level module). `#[cfg(test)]` modules are
# counted like any other code: a test must not need a module above its own either.
#
# Usage: scripts/check-cycles.sh [--graph] [SRC_DIR]
#   --graph  also print every edge with one place that creates it, and a layering
#            (each module after everything it imports) when there is no cycle.
set -euo pipefail

graph=0
if [[ "${1:-}" == "--graph" ]]; then
    graph=1
    shift
fi
src="${1:-$(dirname "$0")/../src}"

exec python3 - "$src" "$graph" <<'PY'
import os
import re
import sys

src, show_graph = sys.argv[1], sys.argv[2] == "1"
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def lex(text):
    """Split Rust source into code (comments blanked, string literals emptied, newlines
    kept) and the string literals' contents with their line numbers."""
    code, strings = [], []
    i, n, line = 0, len(text), 1
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
            continue
        if text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            nl = text.count("\n", i, j)
            code.append("\n" * nl)
            line += nl
            i = j
            continue
        # raw strings: r"…", r#"…"#, br#"…"# (not part of an identifier)
        m = re.compile(r'b?r(#*)"').match(text, i)
        if m and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            end = '"' + m.group(1)
            j = text.find(end, m.end())
            j = n if j < 0 else j
            strings.append((line, text[m.end():j]))
            nl = text.count("\n", i, j)
            code.append('""' + "\n" * nl)
            line += nl
            i = j + len(end)
            continue
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            strings.append((line, text[i + 1:j]))
            nl = text.count("\n", i, j)
            code.append('""' + "\n" * nl)
            line += nl
            i = j + 1
            continue
        if c == "'":
            # a char literal ('a', '\n', '\u{..}', '"') or a lifetime ('a)
            m = re.compile(r"'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'").match(text, i)
            if m:
                code.append("' '")
                i = m.end()
                continue
        if c == "\n":
            line += 1
        code.append(c)
        i += 1
    return "".join(code), strings


def first_segments(code, start):
    """The first path segment of every item of the `{…}` group that opens at `start`."""
    depth, j, item, items = 0, start, [], []
    while j < len(code):
        ch = code[j]
        if ch == "{":
            depth += 1
            if depth == 1:
                j += 1
                continue
        elif ch == "}":
            depth -= 1
            if depth == 0:
                items.append("".join(item))
                break
        elif ch == "," and depth == 1:
            items.append("".join(item))
            item = []
            j += 1
            continue
        item.append(ch)
        j += 1
    out = []
    for it in items:
        m = IDENT.match(it.strip())
        if m:
            out.append(m.group(0))
    return out


CRATE_PATH = re.compile(r"(?<![A-Za-z0-9_])\$?crate\s*::\s*(\{|[A-Za-z_][A-Za-z0-9_]*)")


def references(code):
    """(line, first segment) of every `crate::…` path in `code`."""
    for m in CRATE_PATH.finditer(code):
        line = code.count("\n", 0, m.start()) + 1
        if m.group(1) == "{":
            for seg in first_segments(code, m.start(1)):
                yield line, seg
        else:
            yield line, m.group(1)


def macro_bodies(code):
    """(name, body) of every `macro_rules! name { … }` in `code`."""
    for m in re.finditer(r"macro_rules!\s*([A-Za-z_][A-Za-z0-9_]*)\s*([{(\[])", code):
        opening = m.group(2)
        closing = {"{": "}", "(": ")", "[": "]"}[opening]
        depth, j = 0, m.end(2) - 1
        while j < len(code):
            if code[j] == opening:
                depth += 1
            elif code[j] == closing:
                depth -= 1
                if depth == 0:
                    break
            j += 1
        yield m.group(1), code[m.end(2):j]


# --- the crate root: its modules and its re-exports -----------------------------------
lib_code, _ = lex(open(os.path.join(src, "lib.rs"), encoding="utf-8").read())
modules = set(re.findall(r"(?<![A-Za-z0-9_])mod\s+([a-z_][a-z0-9_]*)\s*;", lib_code))
reexport = {}  # a name at the crate root -> the module it comes from
globs = []  # modules re-exported with `pub use m::*`
for m in re.finditer(r"^\s*pub(?:\([^)]*\))?\s+use\s+(?:crate::)?([a-z_][a-z0-9_]*)::([^;]*);", lib_code, re.M):
    module, rest = m.group(1), m.group(2).strip()
    if rest == "*":
        globs.append(module)
        continue
    if rest.startswith("{"):
        names = [x.strip() for x in rest.strip("{}").split(",") if x.strip()]
    else:
        names = [rest]
    for name in names:
        parts = re.split(r"\s+as\s+", name)
        reexport[parts[-1].split("::")[-1].strip()] = module


def resolve(seg):
    if seg == "self":  # `use crate::{self, …}`: the crate root, no module
        return None
    if seg in modules:
        return seg
    if seg in reexport:
        return reexport[seg]
    if len(globs) == 1:
        return globs[0]
    return None


# --- every file of every top-level module ------------------------------------------------
files = []
for root, dirs, names in os.walk(src):
    dirs.sort()
    for name in sorted(names):
        if name.endswith(".rs"):
            path = os.path.join(root, name)
            rel = os.path.relpath(path, src)
            top = rel.split(os.sep)[0]
            top = top[:-3] if top.endswith(".rs") else top
            if top != "lib":
                files.append((top, path))

edges = {}  # (from, to) -> first place seen


def add(a, b, where):
    if a != b and b is not None:
        edges.setdefault((a, b), where)


unresolved = []
macros = {}  # name -> (defining module, [(target, where)])
lexed = []
for module, path in files:
    text = open(path, encoding="utf-8").read()
    code, strings = lex(text)
    lexed.append((module, path, code))
    shown = os.path.relpath(path, os.path.dirname(os.path.abspath(src)))
    for line, seg in references(code):
        target = resolve(seg)
        if target is None and seg != "self":
            unresolved.append(f"{shown}:{line}: crate::{seg}")
        add(module, target, f"{shown}:{line} (crate::{seg})")
    for line, s in strings:
        for m in re.finditer(r"(?<![A-Za-z0-9_])crate::([A-Za-z_][A-Za-z0-9_]*)", s):
            add(module, resolve(m.group(1)), f'{shown}:{line} ("crate::{m.group(1)}…")')
    for name, body in macro_bodies(code):
        targets = [(resolve(seg), f"macro {name}! in {shown} (crate::{seg})") for _, seg in references(body)]
        macros[name] = (module, targets)

# a macro's paths also count for every other module that invokes it
for module, path, code in lexed:
    for name, (home, targets) in macros.items():
        if home != module and re.search(r"(?<![A-Za-z0-9_])" + re.escape(name) + r"\s*!", code):
            for target, where in targets:
                add(module, target, where)

graph = {m: set() for m in modules}
for a, b in edges:
    graph.setdefault(a, set()).add(b)
    graph.setdefault(b, set())

# --- strongly connected components (Tarjan) ---------------------------------------------
index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]


def strong(v):
    index[v] = low[v] = counter[0]
    counter[0] += 1
    stack.append(v)
    on.add(v)
    for w in sorted(graph[v]):
        if w not in index:
            strong(w)
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
        sccs.append(sorted(comp))


sys.setrecursionlimit(10000)
for v in sorted(graph):
    if v not in index:
        strong(v)
cyclic = [c for c in sccs if len(c) > 1]


def shortest_cycle_through(a, b, comp):
    """The shortest cycle that takes the edge a -> b (a path from b back to a)."""
    prev, queue = {b: None}, [b]
    while queue:
        v = queue.pop(0)
        if v == a:
            break
        for w in sorted(graph[v]):
            if w in comp and w not in prev:
                prev[w] = v
                queue.append(w)
    path, v = [], a
    while v is not None:
        path.append(v)
        v = prev[v]
    return [a] + path[::-1]


for u in unresolved:
    print(f"check-cycles: warning: cannot tell which module {u} is in", file=sys.stderr)

if show_graph:
    for (a, b), where in sorted(edges.items()):
        print(f"{a} -> {b}    {where}")

if cyclic:
    print(f"check-cycles: {len(cyclic)} group(s) of top-level modules import each other in a cycle:", file=sys.stderr)
    for comp in cyclic:
        members = set(comp)
        print(f"\n  modules {', '.join(comp)}:", file=sys.stderr)
        seen = set()
        for (a, b), where in sorted(edges.items()):
            if a in members and b in members:
                cycle = shortest_cycle_through(a, b, members)
                # rotate so the smallest name comes first, to print each cycle once
                k = cycle[:-1].index(min(cycle[:-1]))
                key = tuple(cycle[k:-1] + cycle[:k])
                if key in seen:
                    continue
                seen.add(key)
                print(f"    cycle: {' -> '.join(list(key) + [key[0]])}", file=sys.stderr)
                for x, y in zip(key, key[1:] + (key[0],)):
                    print(f"      {x} -> {y}: {edges[(x, y)]}", file=sys.stderr)
    sys.exit(1)

# no cycle: a layering, each module after everything it imports
order, done = [], set()
remaining = {m: set(graph[m]) for m in graph}
while remaining:
    ready = sorted(m for m, deps in remaining.items() if deps <= done)
    order.append(ready)
    done.update(ready)
    for m in ready:
        del remaining[m]
if show_graph:
    print("layers (each imports only modules of the layers above it):")
    for i, layer in enumerate(order):
        print(f"  {i}: {' '.join(layer)}")
print(f"check-cycles: {len(graph)} top-level modules, {len(edges)} edges, no cycle")
PY
