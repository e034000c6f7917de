#!/usr/bin/env bash
# Suite speed: `conform run` (dist profile) of the shipped suite (scenarios/) against the embedded
# sandbox (environment `local` of conform.yaml), BENCH_SUITE_REPS times (5; --quick: 3).
# BENCH_SUITE_DIR: the folder with conform.yaml, scenarios/ and fixtures/ (default: this
# checkout); it must match the binary (e.g. a clean export of the commit CONFORM_BIN was built from).
# Writes $BENCH_OUT/suite.tsv and $BENCH_OUT/suite.md, prints the latter.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
QUICK=0; [[ "${1:-}" == "--quick" ]] && QUICK=1
BIN="$(conform_bin)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (apt-get install -y time)"
OUT="${BENCH_OUT:-$(mktemp -d -t conform-bench.XXXXXX)}"; mkdir -p "$OUT"
REPS="${BENCH_SUITE_REPS:-$([[ $QUICK == 1 ]] && echo 3 || echo 5)}"
REPORTS="$(mktemp -d -t conform-suite.XXXXXX)"; trap 'rm -rf "$REPORTS"' EXIT
cd "${BENCH_SUITE_DIR:-$REPO_DIR}"
count="$("$BIN" --color never validate 2>&1 | tail -n1)" || { echo "$count" >&2; die "conform validate failed"; }
scenarios="$(sed -n 's/.* \([0-9]*\) scenario(s).*/\1/p' <<<"$count")"
files="$(sed -n 's/^\([0-9]*\) file(s).*/\1/p' <<<"$count")"
log "suite: $files file(s), $scenarios scenario(s); $REPS runs"
printf 'rep\twall_s\tuser_s\tsys_s\tmaxrss_kb\trc\tscenarios\tresult\n' >"$OUT/suite.tsv"
for rep in $(seq 1 "$REPS"); do
    rc=0
    /usr/bin/time -f '%e %U %S %M' -o "$REPORTS/time" "$BIN" --color never run \
        --report-dir "$REPORTS" >"$REPORTS/run.log" 2>&1 || rc=$?
    read -r wall user sys rss < <(tail -n1 "$REPORTS/time")
    result="$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; print(" ".join(f"{k}={v}" for k,v in s.items() if v))' "$REPORTS/results.json" 2>/dev/null || echo "rc=$rc")"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$wall" "$user" "$sys" "$rss" "$rc" "$scenarios" "$result" >>"$OUT/suite.tsv"
    log "run $rep: ${wall}s wall, rc=$rc, $result"
    [[ $rc == 0 ]] || tail -n 30 "$REPORTS/run.log" >&2
    # What bounds the wall time: the slowest scenarios of this run (scenarios run concurrently).
    python3 - "$REPORTS/results.json" >"$OUT/suite-slowest.txt" <<'PY' || true
import json, sys
d = json.load(open(sys.argv[1]))
for s in sorted(d["scenarios"], key=lambda s: -s["duration_ms"])[:5]:
    print(f"{s['duration_ms'] / 1000:.2f}\t{s['id']}")
PY
done
echo "$files file(s), $scenarios scenario(s); $(machine_conditions)" >"$OUT/suite.conditions"
python3 "$BENCH_DIR/summarize.py" suite "$OUT" | tee "$OUT/suite.md"
