#!/usr/bin/env bash
# conform vs Hurl vs a raw load generator (wrk) on workload W against one `conform sandbox`
# with the limits lifted. Usage: bench/peer.sh [--quick]
# env: CONFORM_BIN, HURL_BIN (default: hurl on PATH), BENCH_OUT, BENCH_SIZES ("1000 5000"),
#      BENCH_REPS (5), BENCH_CEILING_DURATION (10s),
#      BENCH_MODES (conform-one conform-many conform-nohtml hurl; conform-nohtml = N files with
#      --reporter console,junit,json, i.e. without the default HTML report)
# Writes $BENCH_OUT/peer.tsv (every run) and $BENCH_OUT/peer.md (medians), prints the latter.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
QUICK=0; [[ "${1:-}" == "--quick" ]] && QUICK=1
need wrk; need curl; need python3
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (apt-get install -y time)"
BIN="$(conform_bin)"
HURL="${HURL_BIN:-$(command -v hurl || true)}"
OUT="${BENCH_OUT:-$(mktemp -d -t conform-bench.XXXXXX)}"; mkdir -p "$OUT"
SIZES="${BENCH_SIZES:-$([[ $QUICK == 1 ]] && echo "200 1000" || echo "1000 5000")}"
REPS="${BENCH_REPS:-$([[ $QUICK == 1 ]] && echo 3 || echo 5)}"
CEIL_D="${BENCH_CEILING_DURATION:-$([[ $QUICK == 1 ]] && echo 3s || echo 10s)}"
MODES="${BENCH_MODES:-conform-one conform-many conform-nohtml conform-plain hurl}"
if [[ -z "$HURL" ]]; then
    log "hurl not found: Hurl rows are left out (bench/install-tools.sh installs it)"
    MODES="${MODES//hurl/}"
fi
WORK="$(mktemp -d -t conform-peer.XXXXXX)"
cleanup() { stop_sandbox; rm -rf "$WORK"; }
trap cleanup EXIT

for n in $SIZES; do "$BENCH_DIR/gen-workload.sh" "$WORK" "$n"; done
start_sandbox
TOKEN="$(get_token "$SB_URL")"; [[ -n "$TOKEN" ]] || die "no token"
raise_stock "$SB_URL" "$TOKEN"
export BENCH_BASE_URL="$SB_URL" BENCH_CLIENT_ID=sandbox-client BENCH_CLIENT_SECRET=sandbox-secret

TSV="$OUT/peer.tsv"; rm -f "$OUT/peer-failures.txt"
printf 'tool\tfiles\tjobs\tn\trep\twall_s\tuser_s\tsys_s\tmaxrss_kb\trc\n' >"$TSV"

# measure TOOL FILES JOBS N REP -- command...
measure() {
    local tool="$1" files="$2" jobs="$3" n="$4" rep="$5"; shift 6
    local tf="$WORK/time.$$" lf="$WORK/last-$tool-$files-$jobs-$n.log" rc=0
    /usr/bin/time -f '%e %U %S %M' -o "$tf" "$@" >"$lf" 2>&1 || rc=$?
    read -r wall user sys rss < <(tail -n1 "$tf")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$files" "$jobs" "$n" "$rep" \
        "$wall" "$user" "$sys" "$rss" "$rc" >>"$TSV"
    log "$tool files=$files jobs=$jobs n=$n rep=$rep: ${wall}s wall, $(awk -v u="$user" -v s="$sys" 'BEGIN{print u+s}')s cpu, ${rss} KB, rc=$rc"
    if [[ $rc != 0 ]]; then
        tail -n 20 "$lf" >&2
        { echo "== $tool files=$files jobs=$jobs n=$n rep=$rep: exit $rc"; tail -n 8 "$lf"; } >>"$OUT/peer-failures.txt"
    fi
}

run_conform() { # files jobs n rep  (files: one | many | many-nohtml = many with --reporter console,junit,json
    #                                 | many-plain = many-nohtml without the OpenAPI contract checks: Hurl's work)
    local base="${1%-nohtml}"; base="${base%-plain}"
    local dir="$WORK/conform-$base-$3" jarg=() config="$WORK/conform.yaml"
    [[ "$2" != default ]] && jarg=(-j "$2")
    [[ "$1" == *-nohtml || "$1" == *-plain ]] && jarg+=(--reporter console,junit,json)
    [[ "$1" == *-plain ]] && config="$WORK/conform-nocontract.yaml"
    (cd "$WORK" && measure conform "$1" "$2" "$3" "$4" -- \
        "$BIN" --color never --config "$config" run "${jarg[@]}" \
        --report-dir "$WORK/reports" "$dir")
}
run_hurl() { # jobs n rep
    local jarg=()
    [[ "$1" != default ]] && jarg=(--jobs "$1")
    measure hurl many "$1" "$2" "$3" -- \
        "$HURL" --test --no-color "${jarg[@]}" --variable "base_url=$SB_URL" \
        --variable "token=$TOKEN" "$WORK/hurl-$2"/*.hurl
}

# Interleave tools within each repetition so machine noise hits all of them alike.
for rep in $(seq 1 "$REPS"); do
    for n in $SIZES; do
        for jobs in 1 default; do
            for m in $MODES; do
                case "$m" in
                    conform-one) run_conform one "$jobs" "$n" "$rep" ;;
                    conform-many) run_conform many "$jobs" "$n" "$rep" ;;
                    conform-nohtml) run_conform many-nohtml "$jobs" "$n" "$rep" ;;
                    conform-plain) run_conform many-plain "$jobs" "$n" "$rep" ;;
                    hurl) run_hurl "$jobs" "$n" "$rep" ;;
                esac
            done
        done
    done
done

# The ceiling: the same POST+GET pairs from wrk, at 1, 2 (= default jobs here) and 16 connections.
CEIL="$OUT/ceiling.tsv"; printf 'connections\trps\tp50_us\tp99_us\tbad\tnon2xx\n' >"$CEIL"
for c in 1 2 16; do
    t=2; (( c < 2 )) && t=1
    res="$(BENCH_TOKEN="$TOKEN" BENCH_ORDER_JSON="$ORDER_JSON" wrk -t"$t" -c"$c" -d"$CEIL_D" \
        --latency -s "$BENCH_DIR/wrk/workload.lua" "$SB_URL")"
    echo "$res" >"$OUT/ceiling-c$c.txt"
    rps="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$res")"
    read -r p50 p99 <<<"$(sed -n 's/^LAT_US p50=\([0-9]*\) p90=[0-9]* p99=\([0-9]*\).*/\1 \2/p' <<<"$res")"
    bad="$(awk '/^BAD/ {print $2}' <<<"$res")"
    non2xx="$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$res")"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$rps" "$p50" "$p99" "${bad:-0}" "${non2xx:-0}" >>"$CEIL"
    log "ceiling c=$c: $rps req/s (bad $bad)"
done
echo "$REPS runs each, medians; $(machine_conditions); hurl: $([[ -n "$HURL" ]] && "$HURL" --version | head -n1 || echo none)" >"$OUT/peer.conditions"
python3 "$BENCH_DIR/summarize.py" peer "$OUT" | tee "$OUT/peer.md"
