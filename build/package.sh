#!/usr/bin/env bash
# Makes the release assets PIE installs without building (php-ext
# download-url-method "pre-packaged-binary"): for each PHP, puq_dns.so in
# php_puq_dns-VERSION_phpX.Y-ARCH-linux-LIBC-nts.tgz (PIE's asset name for that
# PHP) and a sha256sum line for it in NAME.sha256. Run `build/package.sh --help`
# for the options.
set -euo pipefail

prog=build/package.sh
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=build/php-lib.sh
source "$repo/build/php-lib.sh"

usage() {
	cat <<'EOF'
Usage: build/package.sh [OPTION]...

Builds the puq_dns extension for one or more PHPs and packs each build the way
PIE (>= 1.4, download-url-method "pre-packaged-binary") finds and installs it:
  OUT/php_EXT-VERSION_phpX.Y-ARCH-linux-LIBC[-debug]-nts.tgz   (-zts for thread-safe PHP)
      holding EXT.so at its top level (EXT: composer.json php-ext.extension-name, puq_dns);
  OUT/NAME.sha256, its sha256sum line (check with: cd OUT && sha256sum -c NAME.sha256).
Upload both to the GitHub release whose tag is VERSION: PIE looks the release up by
the tag it installs and picks the asset whose name is the one for the target PHP.

  VERSION  the version from Cargo.toml (0.1.0), or --version
  X.Y      the PHP's major.minor (php-config --vernum)
  ARCH     PIE's name for the PHP's machine: x86_64, arm64 (for aarch64), x86
  LIBC     glibc or musl, by PIE's rule (`ldd` of ls mentions musl), checked against the .so
  -debug   for a debug build of PHP; nts or zts by the PHP's thread safety

Options:
  --php-config PATH   the PHP to build and pack for (repeat for several PHPs);
                      default: the php-config on PATH
  --so PATH           pack this already built .so instead of building (one --php-config:
                      the PHP it was built for, which must load it)
  --out DIR           where to write the assets (default: target/pie)
  --version VERSION   the version in the names, when the release tag is not Cargo.toml's
                      version as it is (e.g. --version v0.1.0 for a tag v0.1.0)
  -h, --help          this text

Builds: PHP=<php-config --php-binary> PHP_CONFIG=<php-config> cargo build --release,
one target dir per PHP kind: ${CARGO_TARGET_DIR:-target}/php-X.Y-nts (or -zts, -debug),
as build/install.sh does. Each .so is loaded by its PHP (php -n -d extension=…) before
it is packed. Refused: PHP older than 8.1, a php-config and php binary that disagree on
version or thread safety, a .so built for another PHP API, thread safety or machine.
EOF
}

# ---- options --------------------------------------------------------------

php_configs=()
so_opt=""
out_dir=""
version_opt=""

while (($#)); do
	case $1 in
	--php-config | --so | --out | --version)
		if (($# < 2)) || [[ -z $2 ]]; then usage_error "$1 needs a value"; fi
		case $1 in
		--php-config) php_configs+=("$2") ;;
		--so) so_opt=$2 ;;
		--out) out_dir=$2 ;;
		--version) version_opt=$2 ;;
		esac
		shift 2
		;;
	--php-config=* | --so=* | --out=* | --version=*)
		value=${1#*=}
		[[ -n $value ]] || usage_error "${1%%=*} needs a value"
		case $1 in
		--php-config=*) php_configs+=("$value") ;;
		--so=*) so_opt=$value ;;
		--out=*) out_dir=$value ;;
		--version=*) version_opt=$value ;;
		esac
		shift
		;;
	-h | --help) usage && exit 0 ;;
	*) usage_error "unknown argument: $1" ;;
	esac
done

[[ $(uname -s) == Linux ]] || die "this packs Linux binaries (composer.json php-ext.os-families is [\"linux\"]); this is $(uname -s)"

if ((${#php_configs[@]} == 0)); then
	found=$(command -v php-config || true)
	[[ -n $found ]] || die "no php-config on PATH: install the PHP development package (Debian: apt-get install php8.2-dev) or pass --php-config PATH"
	php_configs=("$found")
fi

# Absolute, deduplicated php-config paths.
resolved=()
for pc in "${php_configs[@]}"; do
	if [[ $pc != */* ]]; then
		found=$(command -v "$pc" || true)
		[[ -n $found ]] || die "php-config not found on PATH: $pc"
		pc=$found
	fi
	[[ -f $pc && -x $pc ]] || die "php-config not found or not executable: $pc"
	pc=$(realpath -s "$pc")
	for seen in "${resolved[@]}"; do [[ $seen == "$pc" ]] && continue 2; done
	resolved+=("$pc")
done
php_configs=("${resolved[@]}")

if [[ -n $so_opt ]]; then
	((${#php_configs[@]} == 1)) || usage_error "--so packs one .so, built for one PHP: pass exactly one --php-config with it"
	[[ -f $so_opt ]] || die "--so: no such file: $so_opt"
	so_opt=$(realpath "$so_opt")
fi

out_dir=$(realpath -m "${out_dir:-$repo/target/pie}")

# ---- the package ------------------------------------------------------------

# The version: [workspace.package] version in Cargo.toml (the crate inherits it).
cargo_version() {
	local line section="" v=""
	while IFS= read -r line; do
		case $line in
		'['*) section=$line ;;
		version*=*)
			if [[ $section == "[workspace.package]" || ($section == "[package]" && -z $v) ]]; then
				line=${line#*=}
				line=${line#*\"}
				v=${line%%\"*}
				[[ $section == "[workspace.package]" ]] && break
			fi
			;;
		esac
	done <"$repo/Cargo.toml"
	printf '%s' "$v"
}

pkg_version=${version_opt:-$(cargo_version)}
[[ -n $pkg_version ]] || die "no version in $repo/Cargo.toml ([workspace.package] version): pass --version"
[[ $pkg_version =~ ^[A-Za-z0-9][A-Za-z0-9.+_-]*$ ]] || die "--version '$pkg_version' cannot be part of a file name"

# The extension name and the php-ext settings PIE reads, from composer.json.
[[ -f $repo/composer.json ]] || die "no $repo/composer.json"
first_php=$("${php_configs[0]}" --php-binary 2>/dev/null || true)
[[ -n $first_php && -x $first_php ]] || die "${php_configs[0]} names '$first_php' as its php binary, which is not there: install that PHP's CLI"
# shellcheck disable=SC2016 # PHP code: its $ are PHP's
composer_facts=$(env -u PHP_INI_SCAN_DIR "$first_php" -n -r '
	$c = json_decode((string) file_get_contents($argv[1]), true);
	if (!is_array($c)) { fwrite(STDERR, "composer.json is not valid JSON\n"); exit(1); }
	$x = $c["php-ext"] ?? [];
	$n = $x["extension-name"] ?? substr(strrchr((string) ($c["name"] ?? ""), "/") ?: "", 1);
	echo preg_replace("/^ext-/", "", (string) $n), "\n";
	echo json_encode($x["support-nts"] ?? true), "\n", json_encode($x["support-zts"] ?? true), "\n";
' "$repo/composer.json") || die "cannot read $repo/composer.json"
{
	read -r ext_name
	read -r support_nts
	read -r support_zts
} <<<"$composer_facts"
[[ $ext_name =~ ^[a-z][a-z0-9_]*$ ]] || die "composer.json php-ext.extension-name '$ext_name' is not an extension name"

# ---- facts about this machine -----------------------------------------------

# PIE's rule (LibcFlavour::detect): musl if `ldd` of ls mentions musl, else glibc.
machine_libc() {
	local ldd ls
	ldd=$(command -v ldd || true)
	ls=$(command -v ls || true)
	[[ -n $ldd && -n $ls ]] || {
		printf glibc
		return 0
	}
	if "$ldd" "$ls" 2>&1 | grep -q musl; then printf musl; else printf glibc; fi
}
libc=$(machine_libc)

# The libc a .so links: musl's loader lists libc.musl-*, glibc's libc.so.6.
so_libc() {
	local out
	out=$(ldd "$1" 2>&1 || true)
	if grep -q 'musl' <<<"$out"; then
		printf musl
	elif grep -q 'libc\.so\.6' <<<"$out"; then
		printf glibc
	fi
}

# PIE's architecture names: php_uname("m") arm64/aarch64 is arm64, otherwise
# PHP_INT_SIZE decides between x86_64 and x86.
pie_arch() {
	local machine=$1 int_size=$2
	case $machine in
	aarch64 | arm64 | ARM64) printf arm64 ;;
	*) if ((int_size == 4)); then printf x86; else printf x86_64; fi ;;
	esac
}

# The ELF machine of a .so, in PIE's architecture names.
so_arch() {
	local bytes class machine
	bytes=$(od -An -tx1 -N20 -- "$1" | tr -d ' \n')
	[[ ${bytes:0:8} == 7f454c46 ]] || return 1
	class=${bytes:8:2}
	machine=${bytes:38:2}${bytes:36:2} # e_machine, little-endian, at offset 18
	case $class:$machine in
	02:003e) printf x86_64 ;;
	02:00b7) printf arm64 ;;
	01:0003) printf x86 ;;
	*) printf 'elf-%s-%s' "$class" "$machine" ;;
	esac
}

# The newest glibc symbol version a .so needs (informational).
so_glibc_needs() {
	grep -a -o 'GLIBC_[0-9][0-9.]*' -- "$1" | sort -u -V | tail -n 1 || true
}

# Sets what probe_config and probe_binary do (php-lib.sh), and arch, for $1.
probe() {
	probe_config "$1"
	probe_binary
	local machine int_size
	machine=$(env -u PHP_INI_SCAN_DIR "$php" -n -r 'echo php_uname("m");') || die "$php cannot tell its machine type"
	int_size=$(env -u PHP_INI_SCAN_DIR "$php" -n -r 'echo PHP_INT_SIZE;') || die "$php cannot tell PHP_INT_SIZE"
	arch=$(pie_arch "$machine" "$int_size")
}

# The asset name PIE looks for, for the PHP probe() described (lowercase, as PIE
# compares): php_EXT-VERSION_phpX.Y-ARCH-linux-LIBC[-debug]-nts|zts.tgz
asset_name() {
	local ts=nts dbg=""
	((zts)) && ts=zts
	((debug)) && dbg=-debug
	printf 'php_%s-%s_php%s-%s-linux-%s%s-%s.tgz' "$ext_name" "$pkg_version" "$xy" "$arch" "$libc" "$dbg" "$ts" |
		tr '[:upper:]' '[:lower:]'
}

# Refuses a .so that is not for this PHP (API, thread safety, machine, libc) or
# that this PHP does not load as $ext_name.
check_so() {
	local so=$1 got out
	check_build_id "$so"
	got=$(so_arch "$so") || refuse "$so is not an ELF shared object"
	[[ $got == "$arch" ]] || refuse "$so is for $got but PHP $version ($php) runs on $arch"
	got=$(so_libc "$so")
	[[ -z $got || $got == "$libc" ]] || refuse "$so links $got but this machine's libc is $libc: pack it where it was built"
	# shellcheck disable=SC2016 # PHP code: its $ are PHP's
	out=$(env -u PHP_INI_SCAN_DIR "$php" -n -d display_startup_errors=1 -d "extension=$so" -r \
		'echo extension_loaded($argv[1]) ? "loaded " . phpversion($argv[1]) : "not loaded", "\n";' "$ext_name" 2>&1 || true)
	[[ $out == *"loaded "* && $out != *"not loaded"* ]] ||
		die "PHP $version ($php) does not load $so as $ext_name: $out"
}

# Writes the .tgz (EXT.so only, reproducible: fixed owner, mode, mtime) and
# its .sha256, each through a temporary file.
pack() {
	local so=$1 name=$2 stage epoch tmp
	stage=$(mktemp -d "$out_dir/.stage.XXXXXX")
	stages+=("$stage")
	install -m 0755 -- "$so" "$stage/$ext_name.so"
	epoch=${SOURCE_DATE_EPOCH:-$(stat -c %Y -- "$so")}
	tmp="$out_dir/.$name.new"
	temps+=("$tmp" "$tmp.sha256")
	tar --create --format=gnu --sort=name --owner=0 --group=0 --numeric-owner \
		--mtime="@$epoch" --directory="$stage" -- "$ext_name.so" | gzip -9n >"$tmp"
	(cd "$out_dir" && sha256sum -- "$(basename "$tmp")") | sed "s|  \.$name\.new\$|  $name|" >"$tmp.sha256"
	mv -f -- "$tmp" "$out_dir/$name"
	mv -f -- "$tmp.sha256" "$out_dir/$name.sha256"
	rm -rf -- "$stage"
}

stages=()
temps=()
# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
	((${#stages[@]} == 0)) || rm -rf -- "${stages[@]}"
	((${#temps[@]} == 0)) || rm -f -- "${temps[@]}"
}
trap cleanup EXIT

# ---- main -------------------------------------------------------------------

mkdir -p -- "$out_dir"
made=()
for pc in "${php_configs[@]}"; do
	probe "$pc"
	name=$(asset_name)
	for seen in "${made[@]}"; do
		[[ $seen == "$name" ]] && die "two of the PHPs given are both PHP $xy $kind on $arch: $name would be written twice"
	done
	say "PHP $version ($pc): $kind, $arch, $libc -> $name"
	if ((zts)) && [[ $support_zts != true ]]; then
		warn "composer.json has php-ext.support-zts false: PIE will not install $name on a thread-safe PHP"
	elif ((!zts)) && [[ $support_nts != true ]]; then
		warn "composer.json has php-ext.support-nts false: PIE will not install $name on a non-thread-safe PHP"
	fi
	if [[ -n $so_opt ]]; then
		so=$so_opt
	else
		build
	fi
	check_so "$so"
	pack "$so" "$name"
	glibc_needs=""
	[[ $libc == glibc ]] && glibc_needs=$(so_glibc_needs "$so")
	say "packed $out_dir/$name ($ext_name.so$([[ -n $glibc_needs ]] && printf ', needs glibc %s or newer' "${glibc_needs#GLIBC_}"))"
	say "       sha256 $(cut -d' ' -f1 "$out_dir/$name.sha256") in $name.sha256"
	made+=("$name")
done
say "${#made[@]} asset(s) in $out_dir: upload each .tgz and .sha256 to the GitHub release tagged $pkg_version"
