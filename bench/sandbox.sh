#!/usr/bin/env bash
# Sandbox throughput: GET /api/v1/orders/{id} with the rate limiter out of the way.
# Usage: bench/sandbox.sh [--quick]     (env: CONFORM_BIN, BENCH_OUT, BENCH_CONNS, BENCH_DURATION)
# Writes $BENCH_OUT/sandbox.md (a markdown table) and prints it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
QUICK=0; [[ "${1:-}" == "--quick" ]] && QUICK=1
need wrk; need curl
OUT="${BENCH_OUT:-$(mktemp -d -t conform-bench.XXXXXX)}"; mkdir -p "$OUT"
DURATION="${BENCH_DURATION:-$([[ $QUICK == 1 ]] && echo 3s || echo 10s)}"
CONNS="${BENCH_CONNS:-$([[ $QUICK == 1 ]] && echo "16 64" || echo "1 16 64 256")}"
THREADS="${BENCH_WRK_THREADS:-2}"

trap stop_sandbox EXIT
start_sandbox
TOKEN="$(get_token "$SB_URL")"; [[ -n "$TOKEN" ]] || die "no token"
ORDER="$(create_order "$SB_URL" "$TOKEN")"; [[ -n "$ORDER" ]] || die "no order"
log "order $ORDER; wrk -t$THREADS for $DURATION at connections: $CONNS"
# Check the request the Lua script makes is answered 200 before measuring.
code="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -H "X-Request-ID: $(uuid)" "$SB_URL/api/v1/orders/$ORDER")"
[[ "$code" == 200 ]] || die "GET answered $code"

{
    echo "| connections | requests/s | p50 | p90 | p99 | p99.9 | non-2xx | sandbox CPU (user+sys s) |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$OUT/sandbox.md"
# wrk cannot run more threads than connections.
for c in $CONNS; do
    t=$THREADS; (( t > c )) && t=$c
    cpu0="$(awk '{print $14+$15}' "/proc/$SB_PID/stat")"
    res="$(BENCH_TOKEN="$TOKEN" BENCH_ORDER_ID="$ORDER" wrk -t"$t" -c"$c" -d"$DURATION" --latency \
        -s "$BENCH_DIR/wrk/get_order.lua" "$SB_URL")"
    cpu1="$(awk '{print $14+$15}' "/proc/$SB_PID/stat")"
    echo "$res" >"$OUT/sandbox-wrk-c$c.txt"
    rps="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$res")"
    non2xx="$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$res")"; non2xx="${non2xx:-0}"
    read -r p50 p90 p99 p999 <<<"$(sed -n 's/^LAT_US p50=\([0-9]*\) p90=\([0-9]*\) p99=\([0-9]*\) p999=\([0-9]*\).*/\1 \2 \3 \4/p' <<<"$res")"
    fmt() { awk -v u="$1" 'BEGIN { if (u >= 1000) printf "%.2f ms", u/1000; else printf "%d µs", u }'; }
    cpu="$(awk -v a="$cpu0" -v b="$cpu1" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", (b-a)/hz}')"
    echo "| $c | $rps | $(fmt "$p50") | $(fmt "$p90") | $(fmt "$p99") | $(fmt "$p999") | $non2xx | $cpu |" >>"$OUT/sandbox.md"
    log "c=$c: $rps req/s, p99 $(fmt "$p99"), non-2xx $non2xx"
done
echo "wrk -t$THREADS, $DURATION per row, $(machine_conditions)" >"$OUT/sandbox.conditions"
cat "$OUT/sandbox.md"
