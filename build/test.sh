#!/usr/bin/env bash
# Every test: formatting, lints, Rust unit and integration tests (with real
# PowerDNS servers), the stub check, and the PHP tests against the release
# build of the extension, and the DNS Zones page in a headless browser.
# Installs what it needs (build/deps.sh) first.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
export CARGO_TERM_COLOR=never

step() { printf '\n== %s\n' "$*"; }

step "dependencies"
build/deps.sh

step "the fake provider servers' own tests"
python3 -m unittest discover -s tests/fakes -p 'test_*.py'

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "lint: shellcheck, php -l, phpcs PSR-12, JavaScript (node --check, ESLint)"
build/lint.sh

step "Rust tests (core, engine, PowerDNS)"
cargo nextest run --workspace --no-fail-fast

step "PHP stubs are current"
build/stubs.sh --check

step "release build"
cargo build --release --quiet
so="$CARGO_TARGET_DIR/release/libpuq_dns.so"

step "install into throwaway directories and uninstall (tests/install/test.sh)"
PUQ_DNS_SO="$so" tests/install/test.sh

step "PIE: the release asset, its install by PIE's rules, and the phpize source build (tests/pie/test.sh --source)"
PUQ_DNS_SO="$so" PUQ_DNS_PIE_TARGET_DIR="$CARGO_TARGET_DIR/pie-source" tests/pie/test.sh --source

step "PHP tests (PHPUnit) against $so"
PUQ_DNS_SO="$so" php -d "extension=$so" /usr/bin/phpunit -c phpunit.xml.dist

step "the DNS Zones page and the WHMCS addon in headless Chromium (tests/browser, playwright-core)"
# npm ci installs playwright-core exactly as package-lock.json pins it; the
# browser is Debian's /usr/bin/chromium. Screenshots: target/browser-artifacts/.
started=$SECONDS
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
# A hung browser fails its step after a minute instead of stalling the run.
PUQ_DNS_SO="$so" node --test --test-timeout=60000 --test-reporter=spec tests/browser/zones.test.mjs tests/browser/addon.test.mjs
echo "browser step: $((SECONDS - started)) s"
