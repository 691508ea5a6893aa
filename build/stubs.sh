#!/usr/bin/env bash
# Regenerates php/puq_dns.stubs.php from the built extension, or with
# --check fails when the checked-in stubs differ from what the code says.
#
# cargo-php reads the classes from a debug build. The exception classes are
# registered by hand (see src/exceptions.rs), so their stubs are appended
# from build/exceptions.stub.php.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

command -v cargo-php >/dev/null || cargo install cargo-php --version 0.2.2 --locked
cargo build --quiet
generated=$(mktemp)
trap 'rm -f "$generated"' EXIT
cargo php stubs --stdout "$CARGO_TARGET_DIR/debug/libpuq_dns.so" >"$generated"
cat build/exceptions.stub.php >>"$generated"

if [[ "${1:-}" == "--check" ]]; then
    if ! diff -u php/puq_dns.stubs.php "$generated"; then
        echo "php/puq_dns.stubs.php is stale: run build/stubs.sh and commit it" >&2
        exit 1
    fi
    echo "stubs: php/puq_dns.stubs.php matches the extension"
else
    cp "$generated" php/puq_dns.stubs.php
    echo "stubs: wrote php/puq_dns.stubs.php"
fi
