#!/usr/bin/env bash
# Renders an HTML report in headless Chromium, saves a screenshot and fails when the page
# logged a console error (an uncaught exception, a Content-Security-Policy refusal) or did not
# render (the scenario list is missing from the DOM, or the filtering script did not run).
#
#   scripts/screenshot-report.sh REPORT.html OUT.png
#
# Needs Debian's `chromium`; installed with apt-get when missing and running as root.
# SCREENSHOT_WINDOW=W,H overrides the window size (default 1400,2000).
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 REPORT.html OUT.png" >&2
  exit 2
fi
report=$1
out=$2
if [ ! -f "$report" ]; then
  echo "error: no such report: $report" >&2
  exit 2
fi

browser=""
for b in chromium chromium-browser google-chrome; do
  if command -v "$b" >/dev/null 2>&1; then browser=$(command -v "$b"); break; fi
done
if [ -z "$browser" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium (apt-get install -y chromium)…" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y chromium >/dev/null
    browser=$(command -v chromium)
  else
    echo "error: chromium not found; install it with: apt-get install -y chromium" >&2
    exit 2
  fi
fi

abs_report=$(cd "$(dirname "$report")" && pwd)/$(basename "$report")
mkdir -p "$(dirname "$out")"
abs_out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

flags=(
  --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  --enable-logging=stderr --v=0 --hide-scrollbars
  --virtual-time-budget=10000
)
window=${SCREENSHOT_WINDOW:-1400,2000}

rm -f "$abs_out"
timeout 180 "$browser" "${flags[@]}" --user-data-dir="$work/shot" \
  --screenshot="$abs_out" --window-size="$window" "file://$abs_report" \
  >"$work/shot.out" 2>"$work/shot.err" || {
  echo "error: chromium failed to take the screenshot" >&2
  tail -20 "$work/shot.err" >&2
  exit 1
}
timeout 180 "$browser" "${flags[@]}" --user-data-dir="$work/dom" \
  --dump-dom "file://$abs_report" >"$work/dom.html" 2>"$work/dom.err" || {
  echo "error: chromium failed to dump the DOM" >&2
  tail -20 "$work/dom.err" >&2
  exit 1
}

status=0
# Console messages arrive as `INFO:CONSOLE(...)` / `CONSOLE ERROR` lines with --enable-logging.
if grep -hE 'Uncaught|console error|CONSOLE ERROR|:ERROR:CONSOLE|Refused to (execute|load|apply|connect)' \
  "$work/shot.err" "$work/dom.err" >"$work/console.txt"; then
  echo "error: the page logged console errors:" >&2
  cat "$work/console.txt" >&2
  status=1
fi
if [ ! -s "$abs_out" ] || [ "$(wc -c <"$abs_out")" -lt 10000 ]; then
  echo "error: no screenshot, or a trivially small one, at $abs_out" >&2
  status=1
fi
if ! grep -q 'id="scenarios"' "$work/dom.html"; then
  echo "error: the rendered DOM has no scenario section" >&2
  status=1
fi
# The script un-hides the toolbar and writes "N of M shown": proof that it ran.
if ! grep -qE 'id="shown"[^>]*>[0-9]+ of [0-9]+ shown<' "$work/dom.html"; then
  echo "error: the report's script did not run (no \"N of M shown\" in the DOM)" >&2
  status=1
fi
if [ $status -eq 0 ]; then
  echo "ok: $abs_out ($(wc -c <"$abs_out") bytes), DOM rendered, no console errors"
fi
exit $status
