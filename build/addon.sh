#!/usr/bin/env bash
# Assembles the WHMCS addon folder, the one thing a WHMCS admin uploads:
#   WHMCS_ROOT/modules/addons/puq_dns/
#     puq_dns.php, hooks.php      the addon (whmcs/puq_dns/)
#     lib/autoload.php, lib/src/  the PHP module layer (php/)
#     assets/                     the DNS Zones page's script and styles
#
#   build/addon.sh [WHMCS_ROOT]   default: target/whmcs (then upload its modules/ folder)
#
# The extension itself is installed into PHP separately (php.ini: extension=puq_dns).
set -euo pipefail
cd "$(dirname "$0")/.."
root="${1:-target/whmcs}"
addon="$root/modules/addons/puq_dns"
rm -rf "$addon"
mkdir -p "$addon/lib" "$addon/assets"
cp whmcs/puq_dns/puq_dns.php whmcs/puq_dns/hooks.php "$addon/"
cp php/autoload.php "$addon/lib/"
cp -r php/src "$addon/lib/src"
cp php/public/assets/zones.js php/public/assets/zones.css "$addon/assets/"
echo "addon: $addon"
