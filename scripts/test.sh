#!/usr/bin/env bash
# The test command: installs the external validators the tests use (outside the repo), then
# runs every test of the workspace. `.ci/run` calls exactly this.
#
# Every test target is built first (`cargo test --no-run`), then the tests run in two lanes at
# once, each `cargo test` with three threads:
#   - the long lane: the three integration tests that take minutes and mostly wait (the suite
#     under an orders limit of 30 and of 60 a minute, and the fault table, whose runs wait on
#     tokens, webhook windows and latency faults);
#   - everything else, beside them.
# One lane after the other took ≈ 6.5 minutes on 2 cores; side by side the long lane bounds it.
# The long lane's output is kept in a file and printed when it ends, so the two do not mix.
# `scripts/test.sh --serial` runs everything in one `cargo test`, as before.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-validators.sh
export VALIDATORS_NODE_MODULES="${VALIDATORS_NODE:-/tmp/vnode}/node_modules"
export VALIDATORS_VENV="${VALIDATORS_VENV:-/tmp/vv}"
export PATH="$VALIDATORS_VENV/bin:$PATH"

if [[ "${1:-}" == "--serial" ]]; then
  cargo test --workspace --all-targets -- --test-threads=3
  cargo test --workspace --doc
  exit 0
fi

long=(
  suite_faults::every_sandbox_fault_is_caught_by_a_scenario_covering_its_rule
  field_environments::controls_under_a_tight_orders_limit_all_pass
  field_environments::staging_like_environment_passes_with_every_skip_explained
)
skips=()
for t in "${long[@]}"; do skips+=(--skip "$t"); done

cargo test --workspace --all-targets --no-run
long_log="$(mktemp)"
trap 'rm -f "$long_log"' EXIT
echo "== long lane (${#long[@]} tests, output when they end): ${long[*]}"
cargo test --test it -- --test-threads=3 --exact "${long[@]}" >"$long_log" 2>&1 &
long_pid=$!
rest=0
cargo test --workspace --all-targets -- --test-threads=3 "${skips[@]}" || rest=$?
# The examples of docs/library.md (the library's entry point) compile and run as doctests.
cargo test --workspace --doc || rest=$?
long_rc=0
wait "$long_pid" || long_rc=$?
echo "== long lane: exit $long_rc"
cat "$long_log"
if ((rest != 0 || long_rc != 0)); then
  echo "error: tests failed (long lane exit $long_rc, the rest exit $rest)" >&2
  exit 1
fi
