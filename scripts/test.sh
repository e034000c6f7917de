#!/usr/bin/env bash
# The test command: installs the external validators the tests use (outside the repo), then
# runs every test of the workspace. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-validators.sh
export VALIDATORS_NODE_MODULES="${VALIDATORS_NODE:-/tmp/vnode}/node_modules"
export VALIDATORS_VENV="${VALIDATORS_VENV:-/tmp/vv}"
export PATH="$VALIDATORS_VENV/bin:$PATH"
# Three test threads on 2 cores: the long integration tests mostly wait (on a rate limiter's
# minute, on webhook retries), so a third thread keeps the CPU busy while they do. Not more:
# several tests judge timing (retry windows, draining a rate-limit bucket), and a machine
# overloaded with test processes makes a correct target look late. (Two `cargo test` lanes of
# three threads each, the long tests beside the rest, were tried: 20 % quicker, and that
# overload failed two timing scenarios.)
cargo test --workspace --all-targets -- --test-threads=3
# The examples of docs/library.md (the library's entry point) compile and run as doctests.
cargo test --workspace --doc
