#!/usr/bin/env python3
"""Replaces the blocks between <!-- bench:NAME:begin --> and <!-- bench:NAME:end --> in the
README with OUT/NAME.md (plus OUT/NAME.conditions, stamped with the time now), for each NAME
given after the mode (default: every NAME whose files exist). A part not run now keeps its
block, and so its own time and mode.

    update_readme.py README OUT MODE [NAME ...]"""
import datetime
import re
import sys
from pathlib import Path

readme, out, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
parts = sys.argv[4:] or ["sandbox", "suite", "peer", "profile"]
text = readme.read_text()
stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
for name in parts:
    md = out / f"{name}.md"
    if not md.exists():
        continue
    cond = out / f"{name}.conditions"
    body = md.read_text().rstrip() + "\n"
    if cond.exists():
        body += f"\n_Measured {stamp} ({mode}): {cond.read_text().strip()}_\n"
    pat = re.compile(rf"(<!-- bench:{name}:begin -->\n).*?(<!-- bench:{name}:end -->)", re.S)
    if not pat.search(text):
        sys.exit(f"README has no bench:{name} markers")
    text = pat.sub(lambda m: m.group(1) + body + m.group(2), text)
readme.write_text(text)
