#!/usr/bin/env python3
"""Attributes every perf sample of a conform run to a stage of conform, by its call stack.

    perf script -i perf.data -F comm,tid,sym --no-demangle? (we use demangled) | perf_stages.py

A sample belongs to the innermost frame of its stack that matches one of conform's stage
patterns (so the allocator, memcpy and the kernel are charged to the stage that called them);
stacks without any conform stage fall back to crate-level patterns (hyper's connection tasks,
tokio's scheduler).
"""
import re
import sys

CONFORM = [  # (pattern on a demangled frame, stage); checked per frame, innermost frame first
    (r"conform::auth::redact", "redaction of recorded exchanges"),
    (r"conform::run::http::record_", "recording exchanges (copy, clip)"),
    (r"conform::run::http::send", "HTTP request/response in the scenario task"),
    (r"conform::auth::", "auth (token cache)"),
    (r"conform::template::", "template rendering (minijinja)"),
    (r"conform::contract::", "contract checks (OpenAPI)"),
    (r"RawResponse::json", "response JSON parsing"),
    (r"conform::check::|ScenarioRun::evaluate", "expectation checks and captures (JSONPath)"),
    (r"ScenarioRun::prepare", "request preparation (render, URL, headers)"),
    (r"ScenarioRun::finish_step|RunEvent", "step results (kept for the reports) and run events"),
    (r"conform::report::files|conform::report::(junit|json|html|tap)", "writing report files"),
    # Report code whose stack was cut before its writer's frame (escaping, evidence text) lands
    # here too: in a frame-pointer profile the console reporter itself is well under 1 %.
    (r"conform::report::", "other report code (console reporter, escaping, evidence text)"),
    (r"conform::scenario::validate", "scenario validation"),
    (r"conform::scenario::|serde_saphyr", "YAML loading (serde-saphyr)"),
    (r"conform::run::plan|make_plan", "planning"),
    (r"conform::run::executor", "scheduler (executor)"),
    (r"conform::run::scenario", "scenario runner (other)"),
    (r"conform::config::", "config loading"),
    (r"conform::webhook::", "webhook receiver"),
    (r"conform_sandbox::", "embedded sandbox"),
    (r"drop_in_place<conform::", "dropping results"),
]
FALLBACK = [
    (r"hyper::|hyper_util::|reqwest::|h2::", "HTTP connection tasks (hyper, outside conform frames)"),
    (r"tokio::", "tokio scheduler / parking"),
    (r"^main$|__libc_start|_start$", "process start/exit"),
]
conform_re = [(re.compile(p), s) for p, s in CONFORM]
fallback_re = [(re.compile(p), s) for p, s in FALLBACK]


def classify(frames):
    for f in frames:  # innermost first
        for rx, stage in conform_re:
            if rx.search(f):
                return stage
    for f in frames:
        for rx, stage in fallback_re:
            if rx.search(f):
                return stage
    if frames and all("[unknown]" in f for f in frames):
        return "unknown (no symbols)"
    return "other (kernel, libc, threads without conform frames)"


def samples(stream):
    frames, in_sample = [], False
    for line in stream:
        if not line.strip():
            if in_sample:
                yield frames
            frames, in_sample = [], False
            continue
        if line[0] not in " \t":
            in_sample, frames = True, []
            continue
        parts = line.strip().split(None, 1)
        if len(parts) == 2:
            sym = re.sub(r"\+0x[0-9a-f]+$", "", parts[1].rsplit(" (", 1)[0])
            frames.append(sym)
    if in_sample:
        yield frames


def main():
    counts, total = {}, 0
    for fr in samples(sys.stdin):
        st = classify(fr)
        counts[st] = counts.get(st, 0) + 1
        total += 1
    print(f"Samples by stage ({total} samples; each charged to the innermost conform stage on its stack):\n")
    print("| stage | share |")
    print("|---|---:|")
    for st, c in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"| {st} | {c / max(total, 1) * 100:.1f}% |")


if __name__ == "__main__":
    main()
