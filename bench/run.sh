#!/usr/bin/env bash
# Regenerates every benchmark and rewrites the tables in bench/README.md.
#   bench/run.sh           full: sandbox 10 s x 4 connection counts, suite x5, peer N=1000/5000 x5, profile N=1000
#   bench/run.sh --quick   small: sandbox 3 s x 2, suite x3, peer N=200/1000 x3, profile N=300
# env: CONFORM_BIN (else `cargo build --profile dist` here), HURL_BIN, BENCH_ONLY="sandbox suite peer profile",
#      BENCH_SUITE_DIR (conform.yaml + scenarios/ matching the binary), BENCH_OUT, BENCH_README
# Raw results land in bench/results/ (TSV and wrk output), the tables in bench/README.md.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ARGS=("$@")
ONLY="${BENCH_ONLY:-sandbox suite peer profile}"
export CONFORM_BIN="$(conform_bin)"
export BENCH_OUT="${BENCH_OUT:-$BENCH_DIR/results}"
README="${BENCH_README:-$BENCH_DIR/README.md}"
mkdir -p "$BENCH_OUT"
log "conform: $CONFORM_BIN; $(machine_conditions)"
for part in $ONLY; do
    log "=== $part ==="
    "$BENCH_DIR/$part.sh" "${ARGS[@]}" || log "$part FAILED (its table is left as it was)"
done
# Only the parts run now are rewritten: the others keep their own time and mode.
python3 "$BENCH_DIR/update_readme.py" "$README" "$BENCH_OUT" "${ARGS[*]:-full}" $ONLY
log "$README updated"
