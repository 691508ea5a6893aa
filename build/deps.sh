#!/usr/bin/env bash
# Installs what building and testing puq_dns needs on Debian 12, as root.
# Idempotent: packages already present are not installed again, and apt is
# not touched at all when everything is there.
set -euo pipefail

packages=(
    # Building the extension: php-config and headers, bindgen's libclang.
    php-dev php-cli clang libclang-dev pkg-config
    # PHP-level tests.
    phpunit php-sqlite3 php-mbstring php-xml
    # A private PowerDNS for tests and the demo, and dig to read it back;
    # its gmysql backend (on the private MariaDB below) takes concurrent
    # PATCHes to different zones, which sqlite answers with "database is locked".
    pdns-server pdns-backend-sqlite3 pdns-backend-mysql sqlite3 dnsutils curl python3
    # Private BIND 9 and Knot DNS for the RFC 2136 provider's tests and the
    # demo; nsupdate (dnsutils) puts records there as another tool would.
    bind9 bind9-utils knot
    # The fake HestiaCP serves HTTPS with a certificate it makes with openssl.
    openssl
    # The PHP module layer's tests: a private MariaDB server and PDO's driver.
    mariadb-server php-mysql
    # The WHMCS stand-in (tests/whmcs): the real Illuminate Capsule WHMCS uses.
    php-illuminate-database
    # The DNS Zones page's browser test (tests/browser): Debian's Chromium,
    # driven headless by playwright-core from npm (which downloads no
    # browser of its own); chromedriver for WebDriver use; Node.js to run it.
    chromium chromium-driver nodejs
    # The checks for every language in the tree: shell scripts and PHP style.
    shellcheck php-codesniffer
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
    echo "deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # policy-rc.d keeps the packaged pdns, named and knot services from
    # starting on port 53:
    # tests run their own servers on free loopback ports.
    own_policy=
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        own_policy=1
    fi
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    [[ -z "$own_policy" ]] || rm -f /usr/sbin/policy-rc.d
fi

command -v cargo >/dev/null || { echo "deps: cargo (Rust) is required" >&2; exit 1; }
command -v npm >/dev/null || { echo "deps: npm (with Node.js) is required for tests/browser" >&2; exit 1; }
command -v cargo-nextest >/dev/null || cargo install cargo-nextest --locked
command -v cargo-php >/dev/null || cargo install cargo-php --version 0.2.2 --locked
echo "deps: ready"
