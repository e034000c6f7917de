#!/usr/bin/env bash
# Where does conform's time go? perf (sampling, DWARF call graphs) of `conform run` of workload W
# (N files by default: BENCH_PROFILE_LAYOUT=one|many; default jobs) against `conform sandbox`; self time grouped by crate, and the
# inclusive time of conform's own stages. Usage: bench/profile.sh [--quick]
# env: CONFORM_BIN, BENCH_OUT, BENCH_PROFILE_N (1000; --quick 300), BENCH_PROFILE_JOBS (default)
# Writes $BENCH_OUT/profile.md (and perf-self.txt / perf-children.txt), prints profile.md.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
QUICK=0; [[ "${1:-}" == "--quick" ]] && QUICK=1
need perf; need python3
BIN="$(conform_bin)"
OUT="${BENCH_OUT:-$(mktemp -d -t conform-bench.XXXXXX)}"; mkdir -p "$OUT"
N="${BENCH_PROFILE_N:-$([[ $QUICK == 1 ]] && echo 300 || echo 5000)}"
WORK="$(mktemp -d -t conform-prof.XXXXXX)"
cleanup() { stop_sandbox; rm -rf "$WORK"; }
trap cleanup EXIT
"$BENCH_DIR/gen-workload.sh" "$WORK" "$N"
start_sandbox
TOKEN="$(get_token "$SB_URL")"; raise_stock "$SB_URL" "$TOKEN"
export BENCH_BASE_URL="$SB_URL" BENCH_CLIENT_ID=sandbox-client BENCH_CLIENT_SECRET=sandbox-secret
jarg=(); [[ -n "${BENCH_PROFILE_JOBS:-}" ]] && jarg=(-j "$BENCH_PROFILE_JOBS")
cd "$WORK"
if ! perf record -q -F 999 --call-graph dwarf,32768 -o "$WORK/perf.data" -- \
    "$BIN" --color never --config "$WORK/conform.yaml" run "${jarg[@]}" --report-dir "$WORK/reports" \
    "$WORK/conform-${BENCH_PROFILE_LAYOUT:-many}-$N" >"$WORK/run.log" 2>&1; then
    tail -n 20 "$WORK/run.log" >&2; die "perf record or conform run failed"
fi
perf report -i "$WORK/perf.data" --no-children --sort sym -g none --stdio --percent-limit 0 \
    2>/dev/null >"$OUT/perf-self.txt"
perf report -i "$WORK/perf.data" --children --sort sym -g none --stdio --percent-limit 0.5 \
    2>/dev/null >"$OUT/perf-children.txt"
# Memory: valgrind massif on a smaller N (valgrind is ~30x slower), peak heap split by holder.
MN="${BENCH_MASSIF_N:-$([[ $QUICK == 1 ]] && echo 200 || echo 1000)}"
MASSIF=""
if command -v valgrind >/dev/null && [[ "${BENCH_MASSIF:-1}" != 0 ]]; then
    "$BENCH_DIR/gen-workload.sh" "$WORK" "$MN"
    if valgrind --tool=massif --massif-out-file="$WORK/massif.out" --depth=60 --threshold=0.1 \
        "$BIN" --color never --config "$WORK/conform.yaml" run "${jarg[@]}" --report-dir "$WORK/reports" \
        "$WORK/conform-many-$MN" >"$WORK/massif.log" 2>&1; then
        ms_print "$WORK/massif.out" 2>/dev/null | head -n 300 >"$OUT/massif.txt" || true
        MASSIF="$(python3 "$BENCH_DIR/massif_summary.py" "$WORK/massif.out")"
    else
        tail -n 20 "$WORK/massif.log" >&2; log "massif run failed"
    fi
fi
echo "N=$N scenarios (${BENCH_PROFILE_LAYOUT:-many} file layout), jobs ${BENCH_PROFILE_JOBS:-default}; $(machine_conditions)" >"$OUT/profile.conditions"
{
    perf script -i "$WORK/perf.data" -F comm,tid,ip,sym 2>/dev/null | python3 "$BENCH_DIR/perf_stages.py"
    echo
    python3 "$BENCH_DIR/perf_summary.py" "$OUT/perf-self.txt" "$OUT/perf-children.txt"
    if [[ -n "$MASSIF" ]]; then
        echo; echo "Memory (valgrind massif, N=$MN files, same jobs):"; echo; echo "$MASSIF"
    fi
} | tee "$OUT/profile.md"
