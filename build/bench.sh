#!/usr/bin/env bash
# The PowerDNS sync benchmark (issue 3, "Speed"): starts private PowerDNS
# servers on 127.0.0.1, syncs through a proxy that adds 50 ms per request,
# prints the table and writes it to the "PowerDNS sync (issue 3)" section of
# BENCHMARKS.md. Not a test; takes a few minutes. Installs what it needs
# (build/deps.sh) first.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

build/deps.sh
cargo run --release --quiet -p puq_dns_core --example bench_powerdns
