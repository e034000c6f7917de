# Shared helpers for the bench scripts (sourced, not run).
# Everything talks to 127.0.0.1 only; every loop is bounded.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# The conform binary as shipped: $CONFORM_BIN if set, else `cargo build --profile dist` here
# (fat LTO, one codegen unit: Cargo.toml).
conform_bin() {
    if [[ -n "${CONFORM_BIN:-}" ]]; then
        [[ -x "$CONFORM_BIN" ]] || die "CONFORM_BIN=$CONFORM_BIN is not executable"
        echo "$CONFORM_BIN"; return
    fi
    local target="${CARGO_TARGET_DIR:-$REPO_DIR/target}"
    if [[ -z "${BENCH_NO_BUILD:-}" ]]; then
        (cd "$REPO_DIR" && cargo build --profile dist --quiet) >&2 || die "cargo build --profile dist failed"
    fi
    [[ -x "$target/dist/conform" ]] || die "no $target/dist/conform"
    echo "$target/dist/conform"
}

need() { command -v "$1" >/dev/null 2>&1 || die "$1 is missing (bench/install-tools.sh installs it)"; }

# start_sandbox OUTVAR_PREFIX [extra args...]: starts `conform sandbox` on an ephemeral port with
# the limits lifted; sets SB_PID and SB_URL. The caller must `stop_sandbox`.
SB_PID=""; SB_URL=""; SB_LOG=""
start_sandbox() {
    local bin; bin="$(conform_bin)"
    SB_LOG="$(mktemp -t conform-sandbox.XXXXXX)"
    "$bin" sandbox --listen 127.0.0.1:0 --rate-scale "${BENCH_RATE_SCALE:-100000}" \
        --token-ttl 24h "$@" >"$SB_LOG" 2>&1 &
    SB_PID=$!
    local i
    for i in $(seq 1 100); do   # at most 10 s
        SB_URL="$(sed -n 's/^conform sandbox listening on \(http:[^ ]*\).*/\1/p' "$SB_LOG" | head -n1)"
        [[ -n "$SB_URL" ]] && break
        kill -0 "$SB_PID" 2>/dev/null || { cat "$SB_LOG" >&2; die "sandbox exited"; }
        sleep 0.1
    done
    [[ -n "$SB_URL" ]] || die "sandbox did not print its URL within 10 s"
    log "sandbox pid $SB_PID at $SB_URL"
}
stop_sandbox() {
    if [[ -n "$SB_PID" ]] && kill -0 "$SB_PID" 2>/dev/null; then
        kill -INT "$SB_PID" 2>/dev/null || true
        local i
        for i in $(seq 1 50); do kill -0 "$SB_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SB_PID" 2>/dev/null || true
        wait "$SB_PID" 2>/dev/null || true
    fi
    SB_PID=""
}

# get_token URL -> prints an access token for sandbox-client (scopes read write).
get_token() {
    curl -fsS -u sandbox-client:sandbox-secret -d grant_type=client_credentials \
        "$1/oauth/token" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p'
}

uuid() { cat /proc/sys/kernel/random/uuid; }

# The order body every benchmark creates (same as fixtures/orders/valid.json).
ORDER_JSON='{"customer_id":"CUST-12345","items":[{"product_id":"SKU-001","quantity":2,"unit_price":29.99},{"product_id":"SKU-002","quantity":1}],"shipping_address":{"street":"1 Main Street","city":"Springfield","postal_code":"12345","country":"US"}}'

# raise_stock URL TOKEN: the seeded stock (1000) would run out after 500 orders.
raise_stock() {
    local p
    for p in SKU-001 SKU-002; do
        curl -fsS -o /dev/null -X PUT -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
            -d '{"stock": 1000000000}' "$1/sandbox/v1/products/$p"
    done
}

# create_order URL TOKEN -> prints the new order id
create_order() {
    curl -fsS -X POST -H "Authorization: Bearer $2" -H "X-Request-ID: $(uuid)" \
        -H 'Content-Type: application/json' -d "$ORDER_JSON" "$1/api/v1/orders" |
        sed -n 's/.*"order_id":"\(ORD-[0-9]*\)".*/\1/p'
}

# median of numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) {print "nan"} else if (NR%2) {print a[(NR+1)/2]} else {printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}}'; }

# Which conform was measured: $BENCH_CONFORM_REV if set (e.g. for a CONFORM_BIN built
# elsewhere), else this checkout's HEAD, marked when src/, sandbox/ or Cargo.* have changes.
conform_rev() {
    if [[ -n "${BENCH_CONFORM_REV:-}" ]]; then echo "$BENCH_CONFORM_REV"; return; fi
    local rev; rev="$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo '?')"
    if [[ -n "$(git -C "$REPO_DIR" status --porcelain -- src sandbox Cargo.toml Cargo.lock 2>/dev/null)" ]]; then
        rev="$rev+uncommitted"
    fi
    echo "$rev"
}
machine_conditions() {
    printf '%s cores, load average %s at the end, conform %s' "$(nproc)" \
        "$(cut -d' ' -f1-3 /proc/loadavg)" "$(conform_rev)"
}
