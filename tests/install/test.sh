#!/usr/bin/env bash
# Tests build/install.sh without touching this machine's PHP: the release .so
# ($PUQ_DNS_SO, default target/release/libpuq_dns.so, built once if missing)
# is installed into a throwaway extension dir and scan dir (PUQ_DNS_EXTENSION_DIR,
# PUQ_DNS_INI_DIR). The ini written there names the .so by its absolute path,
# and PHP_INI_SCAN_DIR=":$scan" makes PHP read the compiled-in scan dir (the
# empty entry: PDO, mysqlnd, … still load from the real extension_dir) and then
# the throwaway one, so puq_dns loads with no -d flag at all.
# Prints one "ok - …" line per check; exits non-zero if any failed.
set -euo pipefail
cd "$(dirname "$0")/../.."
install="build/install.sh"

real_pc=$(command -v php-config)
# shellcheck source=tests/check-lib.sh
source tests/check-lib.sh
unset PUQ_DNS_EXTENSION_DIR PUQ_DNS_INI_DIR PHP_INI_SCAN_DIR

# install EXT SCAN ARGS…: build/install.sh into EXT and SCAN; sets rc, out, err.
install_into() {
	local ext=$1 scan=$2
	shift 2
	run env PUQ_DNS_EXTENSION_DIR="$ext" PUQ_DNS_INI_DIR="$scan" "$install" "$@"
}
empty_dir() { [[ -d $1 && -z $(ls -A -- "$1") ]]; }
# Names, sizes, modes, mtimes and contents of everything under the dirs.
snapshot() {
	local d
	for d in "$@"; do
		(cd "$d" && find . -mindepth 1 -printf '%p %s %m %T@\n' | sort && find . -type f -exec sha256sum {} + | sort)
	done
}
loads() { grep -qx puq_dns <<<"$(PHP_INI_SCAN_DIR=":$1" "$php" -m 2>&1)"; }


ext=$tmp/ext
scan=$tmp/scan
mkdir "$ext" "$scan"

install_into "$ext" "$scan" --help
what="--help prints the usage"
if ((rc == 0)) && has "$out" "Usage: build/install.sh"; then pass; else fail; fi
install_into "$ext" "$scan" --bogus
what="an unknown argument is a usage error (exit 2)"
if ((rc == 2)) && has "$err" "unknown argument: --bogus"; then pass; else fail; fi

install_into "$ext" "$scan" --so "$so" --dry-run
what="--dry-run says what it would do and writes nothing"
if ((rc == 0)) && has "$out" "would install $so as $ext/puq_dns.so" && has "$out" "dry run: nothing was changed" && empty_dir "$ext" && empty_dir "$scan"; then pass; else fail; fi

# Install.
install_into "$ext" "$scan" --so "$so"
what="install into a throwaway extension dir and scan dir"
if ((rc == 0)) && has "$out" "puq_dns is installed for PHP"; then pass; else fail; fi
what="it wrote puq_dns.so (the given .so), its manifest and 20-puq_dns.ini, nothing else"
if [[ $(ls -A "$ext") == $'puq_dns.install-manifest\npuq_dns.so' && $(ls -A "$scan") == 20-puq_dns.ini ]] && cmp -s "$so" "$ext/puq_dns.so"; then pass; else fail; fi
what="the ini names the .so by its absolute path"
if grep -qx "extension=$ext/puq_dns.so" "$scan/20-puq_dns.ini"; then pass; else fail; fi
what="PHP_INI_SCAN_DIR=:$scan php -m lists puq_dns (no -d flag)"
if loads "$scan"; then pass; else fail; fi
what="… and still the default extensions from the real scan dir (PDO)"
if grep -qx PDO <<<"$(PHP_INI_SCAN_DIR=":$scan" "$php" -m 2>&1)"; then pass; else fail; fi
what="PHP_INI_SCAN_DIR=:$scan php --ri puq_dns works"
if PHP_INI_SCAN_DIR=":$scan" "$php" --ri puq_dns >/dev/null; then pass; else fail; fi
what="plain php -m does not list puq_dns (the real configuration is untouched)"
if ! grep -qx puq_dns <<<"$("$php" -m 2>&1)"; then pass; else fail; fi

# Idempotent.
before=$(snapshot "$ext" "$scan")
install_into "$ext" "$scan" --so "$so"
what="installing again succeeds and says nothing changed"
if ((rc == 0)) && has "$out" "puq_dns is already installed for PHP" && has "$out" "nothing changed"; then pass; else fail; fi
what="… and leaves the same files (names, modes, mtimes, contents)"
if [[ $(snapshot "$ext" "$scan") == "$before" ]]; then pass; else fail; fi

# A .so PHP cannot load: PHP's own message, and the install as it was.
printf 'not an ELF file\n' >"$tmp/bogus.so"
install_into "$ext" "$scan" --so "$tmp/bogus.so"
what="a .so PHP cannot load is refused with PHP's message"
if ((rc == 1)) && has "$err" "cannot load $tmp/bogus.so" && has "$err" "Unable to load dynamic library"; then pass; else fail; fi
what="… and the installed one is left as it was"
if [[ $(snapshot "$ext" "$scan") == "$before" ]] && loads "$scan"; then pass; else fail; fi

# A file named puq_dns the script did not write.
other_ext=$tmp/other-ext
other_scan=$tmp/other-scan
mkdir "$other_ext" "$other_scan"
cp "$so" "$other_ext/puq_dns.so"
install_into "$other_ext" "$other_scan" --so "$so"
what="a puq_dns.so it did not write is refused and left alone"
if ((rc == 1)) && [[ $err == "build/install.sh: refused: $other_ext/puq_dns.so exists but this script did not write it (no $other_ext/puq_dns.install-manifest): remove it first if it is an old copy, then run this again" ]] && empty_dir "$other_scan"; then pass; else fail; fi

# Uninstall.
install_into "$ext" "$scan" --uninstall
what="--uninstall succeeds"
if ((rc == 0)) && has "$out" "puq_dns is uninstalled for PHP"; then pass; else fail; fi
what="… and leaves both throwaway dirs empty"
if empty_dir "$ext" && empty_dir "$scan"; then pass; else fail; fi
what="… and PHP_INI_SCAN_DIR=:$scan php -m no longer lists puq_dns"
if ! loads "$scan"; then pass; else fail; fi
install_into "$ext" "$scan" --uninstall
what="--uninstall again: nothing to remove"
if ((rc == 0)) && has "$out" "nothing to remove"; then pass; else fail; fi

# Rollback: a php that does not read the scan dir the ini went to (it drops
# PHP_INI_SCAN_DIR) gets the .so and ini written, checked, and taken back.
fake=$tmp/noscan
mkdir "$fake" "$fake/ext" "$fake/scan"
cat >"$fake/php" <<EOF
#!/bin/sh
unset PHP_INI_SCAN_DIR
exec $php "\$@"
EOF
cat >"$fake/php-config" <<EOF
#!/bin/sh
[ "\$1" = --php-binary ] && { echo $fake/php; exit 0; }
exec $real_pc "\$@"
EOF
chmod +x "$fake/php" "$fake/php-config"
install_into "$fake/ext" "$fake/scan" --php-config "$fake/php-config" --so "$so"
what="a PHP that does not load it from the ini: refused, with what it wrote rolled back"
if ((rc == 1)) && has "$err" "does not load puq_dns from $fake/scan/20-puq_dns.ini" && has "$err" "rolled back: removed $fake/ext/puq_dns.so" && empty_dir "$fake/ext" && empty_dir "$fake/scan"; then pass; else fail; fi

# Refusals: PHP older than 8.1.
fake=$tmp/old
mkdir "$fake" "$fake/ext" "$fake/scan"
cat >"$fake/php-config" <<EOF
#!/bin/sh
case "\$1" in
--vernum) echo 80099 ;;
--version) echo 8.0.99 ;;
--php-binary) echo $php ;;
--extension-dir) echo $fake/ext ;;
*) exec $real_pc "\$@" ;;
esac
EOF
chmod +x "$fake/php-config"
install_into "$fake/ext" "$fake/scan" --php-config "$fake/php-config" --so "$so"
what="PHP 8.0.99 (vernum 80099) is refused"
if ((rc == 1)) && [[ $err == "build/install.sh: refused: $fake/php-config is PHP 8.0.99: puq_dns needs PHP 8.1 or newer" ]] && empty_dir "$fake/ext" && empty_dir "$fake/scan"; then pass; else fail; fi

# ZTS mismatch: php-config says ZTS, its php binary is NTS.
fake=$tmp/zts
mkdir "$fake" "$fake/ext" "$fake/scan"
cat >"$fake/php-config" <<EOF
#!/bin/sh
[ "\$1" = --configure-options ] && { echo "\$($real_pc --configure-options) --enable-zts"; exit 0; }
exec $real_pc "\$@"
EOF
chmod +x "$fake/php-config"
install_into "$fake/ext" "$fake/scan" --php-config "$fake/php-config" --so "$so"
what="a ZTS php-config with an NTS php binary is refused"
if ((rc == 1)) && [[ $err == "build/install.sh: refused: ZTS mismatch: $fake/php-config is for a thread-safe (ZTS) PHP but its php binary $php is not thread-safe (NTS): build and load the extension with the php-config and php of one PHP build" ]] && empty_dir "$fake/ext" && empty_dir "$fake/scan"; then pass; else fail; fi

# A .so built for NTS offered to a ZTS PHP (php-config and php agree on ZTS).
nts_id=$("$php" -n -i | sed -n 's/^PHP Extension Build => //p')
zts_id=${nts_id/,NTS/,TS}
"$php" -n -i | sed -e 's/^Thread Safety => disabled/Thread Safety => enabled/' -e "s/^PHP Extension Build => .*/PHP Extension Build => $zts_id/" >"$fake/info"
printf '#!/bin/sh\ncat %s\n' "$fake/info" >"$fake/php"
cat >"$fake/php-config" <<EOF
#!/bin/sh
[ "\$1" = --configure-options ] && { echo "\$($real_pc --configure-options) --enable-zts"; exit 0; }
[ "\$1" = --php-binary ] && { echo $fake/php; exit 0; }
exec $real_pc "\$@"
EOF
chmod +x "$fake/php" "$fake/php-config"
install_into "$fake/ext" "$fake/scan" --php-config "$fake/php-config" --so "$so"
version=$("$real_pc" --version)
what="an NTS .so ($nts_id) for a ZTS PHP ($zts_id) is refused"
if ((rc == 1)) && [[ $err == "build/install.sh: refused: $so was built for PHP extension build $nts_id but PHP $version ($fake/php) loads $zts_id extensions: build it for this PHP (leave out --so)" ]] && empty_dir "$fake/ext" && empty_dir "$fake/scan"; then pass; else fail; fi

install_into "$ext" "$scan" --php-config "$real_pc" --php-config "$fake/php-config" --so "$so"
what="one throwaway destination with two PHPs is a usage error"
if ((rc == 2)); then pass; else fail; fi

finish
