#!/usr/bin/env bash
# Checks the documented way to get a `conform` on PATH: `cargo install --locked --path .`
# into a temporary root, then the installed binary names the commit it was built from and
# runs (`conform validate` of the shipped suite). `.ci/run` calls it after the tests.
#
# It installs the dev profile (`--debug`) reusing this workspace's target folder, so after
# `cargo test` it costs a link, not a build; pass `--profile dist` (or any cargo install
# option) to check the shipped build instead:  scripts/check-install.sh --profile dist
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
opts=("$@")
[[ ${#opts[@]} -gt 0 ]] || opts=(--debug)

echo "cargo install --locked --path . ${opts[*]} --root $root"
cargo install --locked --path . "${opts[@]}" --root "$root" --quiet
conform="$root/bin/conform"
[[ -x "$conform" ]] || { echo "error: cargo install left no $conform" >&2; exit 1; }

version="$(PATH="$root/bin:$PATH" conform --version)"
echo "$version"
if commit="$(git rev-parse --short=12 HEAD 2>/dev/null)"; then
    if [[ "$version" != "conform "*" (commit $commit)" && "$version" != "conform "*" (commit $commit-dirty)" ]]; then
        echo "error: conform --version does not name the commit $commit: $version" >&2
        exit 1
    fi
fi
PATH="$root/bin:$PATH" conform validate >/dev/null
echo "installed conform works: $version"
