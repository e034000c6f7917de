#!/usr/bin/env python3
"""Summarises `perf report --stdio -g none` output of a conform run.

    perf_summary.py SELF.txt CHILDREN.txt

SELF: `--no-children --sort sym` (self time per symbol) -> grouped by crate and by stage.
CHILDREN: `--children --sort sym` (inclusive time) -> conform's own stages, inclusive.
"""
import re
import sys

LINE = re.compile(r"^\s*(?:([\d.]+)%\s+)?([\d.]+)%\s+\[(.)\]\s+(.*)$")

STAGES = [
    ("YAML parsing (serde-saphyr)", ("serde_saphyr", "saphyr_parser", "saphyr")),
    ("templates (minijinja)", ("minijinja",)),
    ("JSON (serde_json)", ("serde_json",)),
    ("JSONPath (serde_json_path)", ("serde_json_path", "serde_json_path_core", "nom")),
    ("JSON Schema (jsonschema)", ("jsonschema", "referencing", "fancy_regex", "fluent_uri")),
    ("regex", ("regex", "regex_automata", "regex_syntax", "aho_corasick", "memchr")),
    ("HTTP client (reqwest/hyper/h2/http)", ("reqwest", "hyper", "hyper_util", "h2", "http", "http_body", "http_body_util", "httparse", "url", "idna", "tower", "want")),
    ("async runtime (tokio/futures)", ("tokio", "futures_util", "futures_core", "futures_channel", "mio", "parking_lot", "parking_lot_core")),
    ("reports (quick-junit, indicatif, colored)", ("quick_junit", "quick_xml", "indicatif", "colored", "console", "unicode_width")),
    ("conform's own code", ("conform",)),
    ("allocator (malloc/free/memcpy)", ("libc-alloc",)),
    ("kernel (syscalls, TCP loopback)", ("kernel",)),
    ("std/core/alloc (hashing, fmt, collections)", ("core", "alloc", "std", "hashbrown", "indexmap", "smallvec", "bytes")),
]
ALLOC = re.compile(r"^(_?_?(libc_)?(malloc|free|calloc|realloc)|_int_(malloc|free|realloc)|malloc_consolidate|cfree|__mem(move|cpy|set|cmp)\w*|mem(move|cpy|set|cmp)\w*|__strlen\w*|__GI_\w*|tcache\w*|unlink_chunk\w*|arena_\w*|sysmalloc)")


def crate_of(sym: str, kind: str) -> str:
    if kind == "k":
        return "kernel"
    s = sym.strip()
    if ALLOC.match(s):
        return "libc-alloc"
    if s.startswith("0x") or not s:
        return "unknown"
    for _ in range(4):
        for prefix in ("core::ptr::drop_in_place<", "<", "&", "dyn ", "mut "):
            if s.startswith(prefix):
                s = s[len(prefix):]
    m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)::", s)
    return m.group(1) if m else "other (" + s.split("(")[0][:30] + ")"


def parse(path):
    out = []
    for line in open(path, errors="replace"):
        m = LINE.match(line)
        if m:
            children, self_, kind, sym = m.groups()
            out.append((float(children) if children else float(self_), float(self_), kind, sym.strip()))
    return out


def main(self_path, children_path):
    rows = parse(self_path)
    total = sum(r[1] for r in rows) or 100.0
    crates = {}
    for _, pct, kind, sym in rows:
        c = crate_of(sym, kind)
        crates[c] = crates.get(c, 0.0) + pct
    stage_of = {}
    for name, members in STAGES:
        for m in members:
            stage_of[m] = name
    stages = {}
    for c, pct in crates.items():
        stages.setdefault(stage_of.get(c, "other"), 0.0)
        stages[stage_of.get(c, "other")] += pct
    print("Self time of the conform process by stage (perf samples, all threads):\n")
    print("| stage | share of samples |")
    print("|---|---:|")
    for name, pct in sorted(stages.items(), key=lambda kv: -kv[1]):
        print(f"| {name} | {pct / total * 100:.1f}% |")
    print("\nTop crates by self time:\n")
    print("| crate | self |")
    print("|---|---:|")
    for c, pct in sorted(crates.items(), key=lambda kv: -kv[1])[:15]:
        print(f"| `{c}` | {pct / total * 100:.1f}% |")
    print("\nTop symbols by self time:\n")
    print("| symbol | self |")
    print("|---|---:|")
    for _, pct, kind, sym in sorted(rows, key=lambda r: -r[1])[:15]:
        print(f"| `{sym[:110]}` | {pct / total * 100:.1f}% |")
    kids = parse(children_path)
    own = [(c, s) for c, _, _, s in kids if s.startswith(("conform::", "<conform::", "serde_saphyr::from", "quick_junit::", "serde_json::ser::to_", "jsonschema::"))]
    seen, lines = set(), []
    for c, s in sorted(own, key=lambda r: -r[0]):
        key = re.sub(r"::\{\{closure\}\}.*$", "", s)
        if key in seen:
            continue
        seen.add(key)
        lines.append(f"| `{key[:110]}` | {c:.1f}% |")
        if len(lines) >= 25:
            break
    print("\nInclusive time of conform's functions (children included; async bodies show as `{{closure}}`, merged):\n")
    print("| function | inclusive |")
    print("|---|---:|")
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
