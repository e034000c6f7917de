#!/usr/bin/env bash
# The test command: installs the external validators the tests use (outside the repo), then
# runs every test of the workspace. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-validators.sh
export VALIDATORS_NODE_MODULES="${VALIDATORS_NODE:-/tmp/vnode}/node_modules"
export VALIDATORS_VENV="${VALIDATORS_VENV:-/tmp/vv}"
export PATH="$VALIDATORS_VENV/bin:$PATH"
cargo test --workspace --all-targets
