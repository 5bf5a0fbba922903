#!/usr/bin/env python3
"""Write the C NULL-argument tests of every function in include/cloudconnexa.h.

Usage: gen_null_tests.py HEADER OUT.c
       gen_null_tests.py --list HEADER     (print the names of the declared functions)

For every function returning `ccx_code`, and for each of its pointer parameters except the
documented optional ones (`opts`, `err_out`, `userdata`, `free_userdata`), the output calls
the function with that parameter NULL (every length 1, every other pointer a valid dummy)
and hands the result to `null_case()` of tests/c/harness.c, which asserts
CCX_CODE_NULL_PARAMETER and an error message naming the parameter. Every `*_free`
function (void) is called with NULL. The file is generated at test time from the header
that the build just wrote, so a new function cannot miss its NULL tests; a function of a
shape this script does not know makes it fail rather than skip it.
"""

import re
import sys

OPTIONAL = {"opts", "err_out", "userdata", "free_userdata"}
# Scalars that are not pointers; anything else unknown is an error.
SCALARS = {
    "bool": "false",
    "uint8_t": "1",
    "uint16_t": "1",
    "uint32_t": "1",
    "uint64_t": "1",
    "int32_t": "1",
    "int64_t": "1",
    "size_t": "1",
    "double": "1.0",
    "float": "1.0f",
    "ccx_code": "CCX_CODE_OK",
    "ccx_log_level": "CCX_LOG_LEVEL_ERROR",
    "ccx_method": "CCX_METHOD_GET",
}


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def norm(t):
    """Canonical spelling of a C type: single spaces, `T *` / `T **`."""
    t = re.sub(r"\s+", " ", t).strip()
    t = re.sub(r"\s*\*\s*", "*", t)
    return re.sub(r"^(.*?)(\*+)$", r"\1 \2", t)


def split_param(p):
    p = re.sub(r"\s+", " ", p).strip()
    m = re.match(r"^(.*?)\s*(\w+)$", p)
    if not m or not m.group(1):
        raise SystemExit(f"cannot parse parameter {p!r}")
    return norm(m.group(1)), m.group(2)


class Model:
    def __init__(self, text):
        code = strip_comments(text)
        self.opaque = set(re.findall(r"typedef struct (\w+) \1;", code))
        self.fnptr = {}
        for ret, name, params in re.findall(r"typedef\s+([\w\s\*]+?)\s*\(\s*\*\s*(\w+)\s*\)\s*\(([^)]*)\)\s*;", code):
            self.fnptr[name] = (norm(ret), [split_param(p) for p in params.split(",") if p.strip() not in ("", "void")])
        self.functions = []
        for ret, name, params in re.findall(r"(?:^|[;}\s])([\w][\w\s\*]*?)\s*\b(ccx_\w+)\s*\(([^()]*)\)\s*;", code):
            ret = norm(ret).replace("typedef ", "")
            plist = [split_param(p) for p in params.split(",") if p.strip() not in ("", "void")]
            self.functions.append((ret, name, plist))


def decl(t, n):
    return f"{t}{n}" if t.endswith("*") else f"{t} {n}"


def is_ptr(t):
    return t.endswith("*")


def pointee(t):
    return norm(t[:-1])


class Gen:
    def __init__(self, model):
        self.m = model
        self.out = []
        self.cases = 0
        self.errors = []
        self.used_fnptr = set()

    def handle_of(self, t):
        """`struct ccx_x` or `ccx_x` of an opaque handle type, else None."""
        base = t.replace("const ", "").replace("struct ", "").strip()
        return base if base in self.m.opaque else None

    def dummy(self, fn, t, name, decls, cleanup):
        """An expression for a valid argument of type `t` (declaring locals as needed)."""
        var = f"d_{name}"
        if name in OPTIONAL:
            if name == "err_out":
                return None  # handled by the caller
            return "NULL"
        if t in self.m.fnptr:
            self.used_fnptr.add(t)
            return f"dummy_{t}"
        if not is_ptr(t):
            base = t.replace("const ", "").strip()
            if base in SCALARS:
                return SCALARS[base]
            self.errors.append(f"{fn}: parameter {name} has unknown type {t!r}")
            return "0"
        inner = pointee(t)
        h = self.handle_of(inner)
        if h is not None:
            return f"ctx->{h[len('ccx_'):]}"
        if is_ptr(inner):
            # an out slot for a handle: T **
            h2 = self.handle_of(pointee(inner))
            if h2 is None:
                self.errors.append(f"{fn}: parameter {name} of type {t!r} is not a handle out slot")
                return "NULL"
            decls.append(f"struct {h2} *{var} = NULL;")
            cleanup.append(f"if ({var} != NULL) {{ g_failures++; fprintf(stderr, \"FAIL {fn}: wrote {name}\\n\"); {h2}_free({var}); }}")
            return f"&{var}"
        if inner == "const char":
            return '"x"'
        if inner == "const uint8_t":
            return '(const uint8_t *)"x"'
        if inner.startswith("const "):
            base = inner[len("const "):]
            decls.append(f"{base} {var}[4]; memset({var}, 0, sizeof {var});")
            return var
        if inner == "void":
            self.errors.append(f"{fn}: parameter {name} is a non-optional void pointer")
            return "NULL"
        decls.append(f"{inner} {var}; memset(&{var}, 0, sizeof {var});")
        if inner == "struct ccx_bytes":
            cleanup.append(f"ccx_bytes_free(&{var});")
        return f"&{var}"

    def function(self, ret, fn, params):
        names = [n for _, n in params]
        if ret == "void":
            if fn.endswith("_free"):
                if len(params) != 1 or not is_ptr(params[0][0]):
                    self.errors.append(f"{fn}: a _free function must take one pointer")
                    return
                self.out.append(f"    {fn}(NULL); /* NULL-safe */")
                self.cases += 1
            elif any(is_ptr(t) or t in self.m.fnptr for t, _ in params):
                self.errors.append(f"{fn}: void function with pointer parameters is not a _free function")
            return
        ptr_params = [(t, n) for t, n in params if (is_ptr(t) or t in self.m.fnptr) and n not in OPTIONAL]
        if ret != "ccx_code":
            if ptr_params:
                self.errors.append(f"{fn}: returns {ret!r} but takes pointers; make it return ccx_code")
            return
        if not ptr_params:
            return
        for target_t, target in ptr_params:
            decls, cleanup, args = [], [], []
            has_err = "err_out" in names
            for i, (t, n) in enumerate(params):
                if n == target:
                    args.append("NULL")
                    continue
                if n == "err_out":
                    args.append("&e")
                    continue
                if t == "size_t" and i > 0 and (is_ptr(params[i - 1][0])):
                    args.append("1")  # the length of the pointer before it
                    continue
                args.append(self.dummy(fn, t, n, decls, cleanup))
            body = "\n".join(f"        {d}" for d in decls)
            call = f"{fn}({', '.join(args)})"
            self.out.append(f"    {{ /* {fn}: {target} = NULL */")
            if has_err:
                self.out.append("        ccx_error *e = NULL;")
            if body:
                self.out.append(body)
            self.out.append(f"        ccx_code rc = {call};")
            self.out.append(f"        null_case(\"{fn}\", \"{target}\", rc, {'e' if has_err else 'NULL'});")
            for c in cleanup:
                self.out.append(f"        {c}")
            self.out.append("    }")
            self.cases += 1

    def render(self):
        for ret, fn, params in self.m.functions:
            self.function(ret, fn, params)
        if self.errors:
            raise SystemExit("gen_null_tests: unsupported shapes:\n  " + "\n  ".join(self.errors))
        if len(self.m.functions) < 50 or self.cases < 100:
            raise SystemExit(
                f"gen_null_tests: parsed only {len(self.m.functions)} functions / {self.cases} cases: header format changed?"
            )
        head = [
            "/* @generated by scripts/gen_null_tests.py from include/cloudconnexa.h at test time. Do not edit. */",
            "#include <string.h>",
            '#include "harness.h"',
            "",
        ]
        for name, (ret, params) in sorted(self.m.fnptr.items()):
            if name not in self.used_fnptr:
                continue
            if ret != "void":
                raise SystemExit(f"gen_null_tests: callback type {name} does not return void")
            plist = ", ".join(decl(t, n) for t, n in params) or "void"
            unused = " ".join(f"(void){n};" for _, n in params)
            head.append(f"static void dummy_{name}({plist}) {{ {unused} }}")
        head += [
            "",
            f"/* {self.cases} cases over {len(self.m.functions)} functions */",
            "int run_null_tests(const struct null_ctx *ctx) {",
            "    (void)ctx;",
        ]
        tail = [f"    return {self.cases};", "}", ""]
        return "\n".join(head + self.out + tail)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--list":
        with open(sys.argv[2], encoding="utf-8") as f:
            for _, name, _ in Model(f.read()).functions:
                print(name)
        return
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        model = Model(f.read())
    text = Gen(model).render()
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
