#!/usr/bin/env bash
# Time to the first result from a fresh clone: clones this repository's HEAD into a temporary
# folder, builds with an empty target folder (the crates already downloaded in ~/.cargo are
# reused, as on any machine that built Rust before), and runs the README's command, reporting
# the seconds until the first scenario result line and until the run ends, the build's CPU
# time and the load average before and after (the machine may be shared: read the figures
# with the load).
#
#   bench/first-result.sh                      # cargo run --release -- run
#   bench/first-result.sh cargo run -- run     # any other command
#   bench/first-result.sh .ci/run              # any command; "first result" then means the
#                                              # first line that looks like one
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cmd=("$@")
[[ ${#cmd[@]} -gt 0 ]] || cmd=(cargo run --release -- run)
work="$(mktemp -d /tmp/conform-fresh.XXXXXX)"
trap 'rm -rf "$work"' EXIT
git clone --quiet --no-hardlinks "$repo" "$work/conform"
cd "$work/conform"
export CARGO_TARGET_DIR="$work/target" CARGO_TERM_COLOR=never NO_COLOR=1
echo "command: ${cmd[*]}"
echo "commit: $(git rev-parse --short=12 HEAD)"
echo "load before: $(uptime | sed 's/.*load average: //')"
start=$(date +%s.%N)
first=""
: >"$work/out.log"
set +e
/usr/bin/time -f '%e %U %S' -o "$work/time" "${cmd[@]}" 2>&1 | while IFS= read -r line; do
    printf '%s\n' "$line" >>"$work/out.log"
    if [[ -z "$first" && "$line" =~ (^|[[:space:]])(PASS|FAIL|ERROR|SKIP|ok|FAILED)[[:space:]] ]]; then
        first=$(date +%s.%N)
        printf 'first result after %.0f s: %s\n' "$(echo "$first - $start" | bc)" "$line"
    fi
done
code=${PIPESTATUS[0]}
set -e
end=$(date +%s.%N)
read -r wall user sys <"$work/time" || true
printf 'exit %s; wall %.0f s; CPU user %s s, sys %s s (command and its children)\n' "$code" \
    "$(echo "$end - $start" | bc)" "${user:-?}" "${sys:-?}"
echo "load after: $(uptime | sed 's/.*load average: //')"
tail -3 "$work/out.log"
