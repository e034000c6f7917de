#!/usr/bin/env bash
# Lints the Orders API v1 contract (fixtures/contract/orders-v1.openapi.yaml) and checks the
# reference sandbox against it:
#   1. redocly lint (config fixtures/contract/redocly.yaml, recommended-strict)
#   2. openapi-spec-validator
#   3. schemathesis run against `conform sandbox --listen 127.0.0.1:0`: status code, content
#      type, response schema and response header conformance, 405 + Allow for other methods,
#      4xx without X-Request-ID, 401 without a token, no 5xx
# Exits non-zero when any check fails. See docs/contract.md.
#
# Usage: scripts/check-contract.sh [--lint-only] [--require-sandbox]
#   --lint-only        run checks 1 and 2 only
#   --require-sandbox  fail (instead of skipping check 3) when the conform binary is missing
#
# Environment:
#   CONFORM_BIN               conform binary (default target/debug/conform)
#   CONFORM_SANDBOX_ARGS      arguments for `conform sandbox` (word-split; default --rate-scale 10,
#                             the seed's sandbox limits; empty string: production limits)
#   VALIDATORS_DIR            third-party tool pins (default ../shared/validators from the repo root)
#   VALIDATORS_VENV           python venv for schemathesis, openapi-spec-validator (default /tmp/vv)
#   VALIDATORS_NODE           npm prefix for @redocly/cli (default /tmp/vnode)
#   CONTRACT_CLIENT_ID        OAuth client for check 3 (default sandbox-client)
#   CONTRACT_CLIENT_SECRET    its secret (default sandbox-secret)
#   SCHEMATHESIS_MAX_EXAMPLES test cases per operation (default 25)
#   SCHEMATHESIS_CHECKS       comma-separated schemathesis checks (default: see check 3 above)
#   SCHEMATHESIS_EXTRA_ARGS   more arguments for `schemathesis run` (word-split)
#   CONTRACT_REPORT_DIR       where schemathesis writes its JUnit report (default reports/contract)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SPEC="$ROOT/fixtures/contract/orders-v1.openapi.yaml"
REDOCLY_CONFIG="$ROOT/fixtures/contract/redocly.yaml"
VALIDATORS_DIR="${VALIDATORS_DIR:-$ROOT/../shared/validators}"
VENV="${VALIDATORS_VENV:-/tmp/vv}"
NODE_PREFIX="${VALIDATORS_NODE:-/tmp/vnode}"
CONFORM_BIN="${CONFORM_BIN:-target/debug/conform}"
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true

lint_only=0
require_sandbox=0
for arg in "$@"; do
  case "$arg" in
    --lint-only) lint_only=1 ;;
    --require-sandbox) require_sandbox=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "check-contract: unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

cd "$ROOT"
log() { printf '\n== %s\n' "$*"; }
die() { printf 'check-contract: %s\n' "$*" >&2; exit 1; }

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# --- tools, installed outside the repository, only when missing or when the pins changed ---
install_python_tools() {
  local req="$VALIDATORS_DIR/requirements.txt" stamp="$VENV/.check-contract-requirements.sha256"
  [[ -f "$req" ]] || die "missing $req (set VALIDATORS_DIR)"
  if [[ -x "$VENV/bin/openapi-spec-validator" && -x "$VENV/bin/schemathesis" \
        && -f "$stamp" && "$(cat "$stamp")" == "$(sha_of "$req")" ]]; then
    return
  fi
  log "installing python validators into $VENV"
  [[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$req"
  sha_of "$req" >"$stamp"
}

install_node_tools() {
  local pkg="$VALIDATORS_DIR/package.json"
  [[ -f "$pkg" ]] || die "missing $pkg (set VALIDATORS_DIR)"
  if [[ -x "$NODE_PREFIX/node_modules/.bin/redocly" && -f "$NODE_PREFIX/package.json" ]] \
     && cmp -s "$pkg" "$NODE_PREFIX/package.json"; then
    return
  fi
  command -v npm >/dev/null || die "npm is not installed (apt-get install -y nodejs npm)"
  log "installing node validators into $NODE_PREFIX"
  mkdir -p "$NODE_PREFIX"
  cp "$pkg" "$NODE_PREFIX/package.json"
  (cd "$NODE_PREFIX" && npm install --no-audit --no-fund --loglevel=error)
}

install_python_tools
install_node_tools
export PATH="$VENV/bin:$NODE_PREFIX/node_modules/.bin:$PATH"

status=0
results=()
record() { # name rc
  if [[ "$2" -eq 0 ]]; then results+=("PASS  $1"); else results+=("FAIL  $1"); status=1; fi
}

# --- 1. redocly lint ---
log "1/3 redocly lint ($(redocly --version 2>/dev/null | tail -n1))"
rc=0
redocly lint --config "$REDOCLY_CONFIG" "$SPEC" || rc=$?
record "redocly lint" "$rc"

# --- 2. openapi-spec-validator ---
log "2/3 openapi-spec-validator"
rc=0
openapi-spec-validator "$SPEC" || rc=$?
record "openapi-spec-validator" "$rc"

summary() {
  log "summary"
  printf '%s\n' "${results[@]}"
}

if [[ "$lint_only" -eq 1 ]]; then
  summary
  exit "$status"
fi

# --- 3. schemathesis against a running sandbox ---
log "3/3 schemathesis against the reference sandbox"
if [[ ! -x "$CONFORM_BIN" ]]; then
  if [[ "$require_sandbox" -eq 1 ]]; then
    echo "conform binary '$CONFORM_BIN' not found or not executable (build it with 'cargo build' or set CONFORM_BIN)"
    record "schemathesis (no sandbox binary)" 1
  else
    echo "SKIP: conform binary '$CONFORM_BIN' not found or not executable; build it with"
    echo "      'cargo build' or set CONFORM_BIN (use --require-sandbox to make this an error)"
    results+=("SKIP  schemathesis (no sandbox binary at $CONFORM_BIN)")
  fi
  summary
  exit "$status"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/check-contract.XXXXXX")"
sandbox_pid=""
schemathesis_pid=""
# shellcheck disable=SC2317 # invoked through the EXIT trap
stop_pid() {
  local pid="$1"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
# shellcheck disable=SC2317 # invoked through the EXIT trap
cleanup() {
  stop_pid "$schemathesis_pid"
  stop_pid "$sandbox_pid"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck disable=SC2206 # word splitting of the extra arguments is intended
sandbox_args=(${CONFORM_SANDBOX_ARGS---rate-scale 10})
"$CONFORM_BIN" sandbox --listen 127.0.0.1:0 "${sandbox_args[@]}" >"$work/sandbox.log" 2>&1 &
sandbox_pid=$!
url=""
for _ in $(seq 1 300); do
  url="$(grep -Eo 'http://127\.0\.0\.1:[0-9]+' "$work/sandbox.log" | head -n1 || true)"
  [[ -n "$url" ]] && break
  kill -0 "$sandbox_pid" 2>/dev/null || break
  sleep 0.1
done
if [[ -z "$url" ]]; then
  echo "the sandbox did not print its URL within 30 s; its output:"
  cat "$work/sandbox.log"
  record "schemathesis (sandbox did not start)" 1
  summary
  exit "$status"
fi
echo "sandbox: $url (pid $sandbox_pid)"

token="$(CLIENT_ID="${CONTRACT_CLIENT_ID:-sandbox-client}" \
  CLIENT_SECRET="${CONTRACT_CLIENT_SECRET:-sandbox-secret}" TOKEN_URL="$url/oauth/token" \
  "$VENV/bin/python" - <<'PY'
import base64, json, os, sys, urllib.request
creds = base64.b64encode(f"{os.environ['CLIENT_ID']}:{os.environ['CLIENT_SECRET']}".encode()).decode()
req = urllib.request.Request(
    os.environ["TOKEN_URL"], data=b"grant_type=client_credentials", method="POST",
    headers={"Authorization": "Basic " + creds, "Content-Type": "application/x-www-form-urlencoded"})
try:
    with urllib.request.urlopen(req, timeout=10) as resp:
        print(json.load(resp)["access_token"])
except Exception as exc:  # noqa: BLE001 - report whatever went wrong
    sys.exit(f"token request failed: {exc}")
PY
)" || { record "schemathesis (no token from $url/oauth/token)" 1; summary; exit "$status"; }

report_dir="${CONTRACT_REPORT_DIR:-$ROOT/reports/contract}"
mkdir -p "$report_dir"
# Response conformance (status code, content type, schema, headers) plus the checks that
# encode contract rules: 405 with Allow for other methods, 4xx without the required
# X-Request-ID, 401 without a token, and no 5xx from the reference sandbox.
default_checks=status_code_conformance,content_type_conformance,response_schema_conformance
default_checks+=,response_headers_conformance,unsupported_method,allow_header_conformance
default_checks+=,missing_required_header,ignored_auth,not_a_server_error
checks="${SCHEMATHESIS_CHECKS:-$default_checks}"
# shellcheck disable=SC2206 # word splitting of the extra arguments is intended
extra=(${SCHEMATHESIS_EXTRA_ARGS:-})
rc=0
# In the background and awaited with `wait`, so that INT/TERM stop the run at once.
(
  cd "$work"  # keeps schemathesis' and hypothesis' working files out of the repository
  PYTHONPATH="$ROOT/fixtures/contract${PYTHONPATH:+:$PYTHONPATH}" SCHEMATHESIS_HOOKS=schemathesis_hooks \
    exec schemathesis run "$SPEC" \
      --url "$url" \
      --header "Authorization: Bearer $token" \
      --checks "$checks" \
      --mode all \
      --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-25}" \
      --generation-database none \
      --request-timeout 10 \
      --output-sanitize true \
      --no-color \
      --report junit --report-junit-path "$report_dir/schemathesis-junit.xml" \
      "${extra[@]}"
) </dev/null &
schemathesis_pid=$!
wait "$schemathesis_pid" || rc=$?
schemathesis_pid=""
record "schemathesis" "$rc"
summary
exit "$status"
