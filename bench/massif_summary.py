#!/usr/bin/env python3
"""Splits the peak heap of a valgrind massif profile of conform by what holds it.

    massif_summary.py massif.out

Each allocation in the peak snapshot's tree is charged to the innermost frame of its stack
that matches one of the patterns below (allocations under massif's threshold stay with their
parent's stack).
"""
import re
import sys

CATS = [
    (r"conform::report::html", "HTML report (view + minijinja values + escaped copies)"),
    (r"conform::report::", "other reports (JUnit, JSON, console)"),
    (r"conform::template::", "template rendering"),
    (r"serde_saphyr|conform::scenario::", "loaded scenario files (YAML → model, inline JSON bodies)"),
    (r"conform::run::plan|make_plan", "planning (clones of the scenario docs)"),
    (r"conform::run::|conform::auth::redact|conform::check::", "run results (steps, checks, recorded and redacted exchanges)"),
    (r"conform::contract::|conform::config::", "config and contract document"),
    (r"hyper|reqwest|h2::|rustls", "HTTP client buffers"),
    (r"tokio::", "tokio runtime"),
]
rx = [(re.compile(p), c) for p, c in CATS]
NODE = re.compile(r"^( *)n(\d+): (\d+) (.*)$")


def main(path):
    lines = open(path).read().split("\n")
    snaps, peak_i = [], None
    for i, l in enumerate(lines):
        if l.startswith("heap_tree=peak"):
            peak_i = i
    if peak_i is None:
        sys.exit("no peak snapshot")
    heap = extra = 0
    for l in lines[peak_i::-1]:
        if l.startswith("mem_heap_B="):
            heap = int(l.split("=")[1]) if not heap else heap
        if l.startswith("mem_heap_extra_B="):
            extra = int(l.split("=")[1]) if not extra else extra
        if l.startswith("snapshot="):
            break
    # Parse the tree into (depth, bytes, frame, nchildren).
    nodes = []
    for l in lines[peak_i + 1:]:
        m = NODE.match(l)
        if not m:
            break
        nodes.append((len(m.group(1)), int(m.group(3)), m.group(4), int(m.group(2))))
    totals, stack = {}, []
    for depth, nbytes, frame, nch in nodes:
        del stack[depth:]
        stack.append(frame)
        if nch == 0:  # a leaf: its bytes are not split further
            cat = "other"
            for f in stack[1:]:  # from the allocation site outwards: the first match wins
                hit = next((c for r, c in rx if r.search(f)), None)
                if hit:
                    cat = hit
                    break
            totals[cat] = totals.get(cat, 0) + nbytes
    total = sum(totals.values()) or 1
    print(f"Peak heap {heap / 2**20:.1f} MiB (+{extra / 2**20:.1f} MiB allocator overhead), by what holds it:\n")
    print("| held by | MiB | share |")
    print("|---|---:|---:|")
    for c, b in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"| {c} | {b / 2**20:.1f} | {b / total * 100:.0f}% |")


if __name__ == "__main__":
    main(sys.argv[1])
