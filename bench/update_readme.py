#!/usr/bin/env python3
"""Replaces the blocks between <!-- bench:NAME:begin --> and <!-- bench:NAME:end --> in the
README with OUT/NAME.md (plus OUT/NAME.conditions), for every NAME whose files exist."""
import datetime
import re
import sys
from pathlib import Path

readme, out, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
text = readme.read_text()
stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
for name in ("sandbox", "suite", "peer", "profile"):
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
