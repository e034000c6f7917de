#!/usr/bin/env bash
# conform as a CI gate in any CI system: the suite in N shards, one merged set of reports,
# and an exit code to gate on (0 passed; 1 a scenario failed or errored, or the coverage gate
# failed; 2 usage, configuration or scenario-file errors).
#
#   examples/ci/conform-ci.sh              every shard here, side by side, then the merge
#   examples/ci/conform-ci.sh shard K      shard K of N only (one parallel job of your CI)
#   examples/ci/conform-ci.sh merge        merge the shards' results (the job after them)
#   examples/ci/conform-ci.sh ... -- ARGS  ARGS go to every `conform run` (paths, --tag, --jobs)
#
# Settings, from the environment (your CI's variables and secrets):
#   CONFORM               the conform binary                  [conform on PATH]
#   CONFORM_ENV           the environment of conform.yaml     [staging]
#   CONFORM_SHARDS        N, the number of shards             [2]
#   CONFORM_MIN_COVERAGE  minimum contract coverage, percent  [none: coverage is only reported]
#   CONFORM_REPORTS       shard K writes CONFORM_REPORTS/shard-K/, the merge CONFORM_REPORTS/
#                                                             [reports]
# The target's URL and credentials are read by conform.yaml from variables such as
# CONFORM_STAGING_BASE_URL, CONFORM_STAGING_CLIENT_ID, CONFORM_STAGING_CLIENT_SECRET: set them
# as secrets of your CI, never in a file. Run from the folder that holds conform.yaml.
#
# Publish CONFORM_REPORTS/junit.xml as the CI's test report (one test case per scenario) and
# keep CONFORM_REPORTS/report.html as an artifact. See docs/ci.md.
set -euo pipefail

conform="${CONFORM:-conform}"
env_name="${CONFORM_ENV:-staging}"
shards="${CONFORM_SHARDS:-2}"
reports="${CONFORM_REPORTS:-reports}"
min_coverage="${CONFORM_MIN_COVERAGE:-}"

usage() {
    sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

mode=all
shard=""
case "${1:-}" in
    shard)
        [[ $# -ge 2 ]] || usage
        mode=shard shard="$2"
        shift 2
        ;;
    merge)
        mode=merge
        shift
        ;;
    all | "")
        [[ $# -eq 0 ]] || shift
        ;;
    --) ;;
    *) usage ;;
esac
[[ "${1:-}" != -- ]] || shift
run_args=("$@")

if ! [[ "$shards" =~ ^[1-9][0-9]*$ ]]; then
    echo "error: CONFORM_SHARDS must be a positive number, got '$shards'" >&2
    exit 2
fi
gate=()
[[ -z "$min_coverage" ]] || gate=(--min-coverage "$min_coverage")

# One shard: its results.json is what the merge reads. A sharded run records the coverage
# threshold and leaves the judgement to the merge (a shard covers only part of the contract).
run_shard() {
    local k="$1"
    "$conform" run --env "$env_name" --shard "$k/$shards" "${gate[@]}" \
        --reporter console,junit,json --report-dir "$reports/shard-$k" "${run_args[@]}"
}

# The merged reports and the verdict of the whole run, coverage gate included.
merge() {
    local inputs=("$reports"/shard-*/results.json)
    if [[ ! -e "${inputs[0]}" ]]; then
        echo "error: no shard results in $reports/shard-*/results.json" >&2
        exit 2
    fi
    local kinds=junit,json,html
    [[ -z "${GITHUB_ACTIONS:-}" ]] || kinds="$kinds,github"
    "$conform" report merge "${inputs[@]}" --out "$reports" --reporter "$kinds"
}

case "$mode" in
    shard)
        run_shard "$shard"
        ;;
    merge)
        merge
        ;;
    all)
        mkdir -p "$reports"
        rm -rf "$reports"/shard-*
        pids=()
        for ((k = 1; k <= shards; k++)); do
            run_shard "$k" >"$reports/shard-$k.log" 2>&1 &
            pids+=("$!")
        done
        worst=0
        for ((k = 1; k <= shards; k++)); do
            code=0
            wait "${pids[k - 1]}" || code=$?
            echo "== shard $k/$shards: exit $code"
            cat "$reports/shard-$k.log"
            ((code <= worst)) || worst=$code
        done
        # 1 is a verdict the merge gives again over the whole run; anything else means a
        # shard could not run (bad configuration, interrupted): no merge can stand for it.
        if ((worst > 1)); then
            echo "error: a shard could not run (exit $worst); not merging" >&2
            exit "$worst"
        fi
        echo "== merge"
        merge
        ;;
esac
