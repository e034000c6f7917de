#!/usr/bin/env bash
# Installs what the benchmarks use, only when missing: wrk, GNU time, curl, linux-perf (Debian),
# and Hurl 8.0.1 (crates.io; a long compile on 2 cores, run at low priority).
set -euo pipefail
pkgs=()
command -v wrk >/dev/null || pkgs+=(wrk)
[[ -x /usr/bin/time ]] || pkgs+=(time)
command -v curl >/dev/null || pkgs+=(curl)
command -v perf >/dev/null || pkgs+=(linux-perf)
command -v valgrind >/dev/null || pkgs+=(valgrind)
if ! command -v hurl >/dev/null; then
    pkgs+=(libcurl4-openssl-dev libxml2-dev pkg-config libclang-dev clang)
fi
if ((${#pkgs[@]})); then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}"
fi
if ! command -v hurl >/dev/null; then
    nice -n 10 cargo install hurl --version 8.0.1 --locked
fi
