# shellcheck shell=bash
# shellcheck disable=SC2154 # prog and repo: set by the script that sources this
# What build/install.sh and build/package.sh both need to know about a PHP,
# and how both build the extension for it. Sourced after the script sets
# prog (its name in messages) and repo (the repository root).

min_vernum=80100

# ---- messages -----------------------------------------------------------------

say() { printf '%s\n' "$*"; }
warn() { printf '%s: warning: %s\n' "$prog" "$*" >&2; }
die() {
	printf '%s: error: %s\n' "$prog" "$*" >&2
	exit 1
}
refuse() {
	printf '%s: refused: %s\n' "$prog" "$*" >&2
	exit 1
}
usage_error() {
	printf '%s: %s (see --help)\n' "$prog" "$*" >&2
	exit 2
}

# ---- facts about one PHP ------------------------------------------------------

# The first value of "Key => value" in php -i style text.
info_key() {
	local key=$1 text=$2 line
	while IFS= read -r line; do
		if [[ $line == "$key => "* ]]; then
			line=${line#"$key => "}
			printf '%s' "${line%% => *}"
			return 0
		fi
	done <<<"$text"
	return 1
}

# The PHP extension build ID (API20220829,NTS) compiled into a .so, if found.
so_build_id() {
	grep -a -o 'API[0-9]\{8\},N\{0,1\}TS[,a-z]*' -- "$1" | sort -u | head -n 2 || true
}

# What php-config $1 says of its PHP: sets pc, vernum, version (8.2.36), xy
# (8.2) and php (its php binary, empty when there is none), refusing a PHP
# older than 8.1 unless $2 is "any".
probe_config() {
	pc=$1
	vernum=$("$pc" --vernum 2>/dev/null) || die "$pc --vernum failed: is it a php-config?"
	version=$("$pc" --version 2>/dev/null) || die "$pc --version failed: is it a php-config?"
	[[ $vernum =~ ^[0-9]+$ ]] || die "$pc --vernum printed '$vernum', not a number"
	xy="$((vernum / 10000)).$((vernum / 100 % 100))"
	if [[ ${2:-} != any ]] && ((vernum < min_vernum)); then
		refuse "$pc is PHP $version: puq_dns needs PHP 8.1 or newer"
	fi
	php=$("$pc" --php-binary 2>/dev/null || true)
}

# What the php binary of the PHP probe_config found says, checked against its
# php-config: sets php_info (its php -n -i), build_id (API20220829,NTS), zts,
# debug, kind (nts, zts, nts-debug …) and target (its cargo target dir).
probe_binary() {
	[[ -n $php && -x $php ]] || refuse "$pc names '$php' as its php binary, which is not there: install that PHP's CLI"
	php_info=$(env -u PHP_INI_SCAN_DIR "$php" -n -i 2>&1) || die "$php -n -i failed: $php_info"
	local php_version php_ts
	php_version=$(info_key "PHP Version" "$php_info") || die "$php -n -i shows no PHP Version"
	php_ts=$(info_key "Thread Safety" "$php_info") || die "$php -n -i shows no Thread Safety"
	build_id=$(info_key "PHP Extension Build" "$php_info") || die "$php -n -i shows no PHP Extension Build"
	[[ $php_version == "$version" ]] || refuse "$pc is PHP $version but its php binary $php is PHP $php_version: pass the php-config of that PHP"

	local pc_zts=0
	[[ " $("$pc" --configure-options) " =~ \ --enable-(maintainer-)?zts(=yes)?\  ]] && pc_zts=1
	zts=0
	[[ $php_ts == enabled ]] && zts=1
	if ((pc_zts && !zts)); then
		refuse "ZTS mismatch: $pc is for a thread-safe (ZTS) PHP but its php binary $php is not thread-safe (NTS): build and load the extension with the php-config and php of one PHP build"
	elif ((!pc_zts && zts)); then
		refuse "ZTS mismatch: $pc is for a non-thread-safe (NTS) PHP but its php binary $php is thread-safe (ZTS): build and load the extension with the php-config and php of one PHP build"
	fi
	debug=0
	[[ $(info_key "Debug Build" "$php_info" || true) == yes ]] && debug=1

	kind=nts
	((zts)) && kind=zts
	((debug)) && kind="$kind-debug"
	target="${CARGO_TARGET_DIR:-$repo/target}/php-$xy-$kind"
}

# Refuses a .so whose compiled-in build ID is not this PHP's.
check_build_id() {
	local so=$1 ids
	ids=$(so_build_id "$so")
	if [[ -n $ids && $ids != *$'\n'* && $ids != "$build_id" ]]; then
		refuse "$so was built for PHP extension build $ids but PHP $version ($php) loads $build_id extensions: build it for this PHP (leave out --so)"
	fi
}

# ---- the build ----------------------------------------------------------------

# Builds the extension for the probed PHP into its target dir; sets so. With
# dry_run=1 it only says what it would run.
build() {
	local cmd=(cargo build --release -p puq_dns --manifest-path "$repo/Cargo.toml")
	say "build: PHP=$php PHP_CONFIG=$pc CARGO_TARGET_DIR=$target ${cmd[*]}"
	((${dry_run:-0})) && return 0
	command -v cargo >/dev/null || die "cargo not found: install Rust (https://rustup.rs), or build elsewhere and pass --so PATH"
	# ext-php-rs reads the Zend API, thread safety and debug flag from `$PHP -i`
	# and the headers from `$PHP_CONFIG --includes`: both must name this PHP.
	PHP="$php" PHP_CONFIG="$pc" CARGO_TARGET_DIR="$target" "${cmd[@]}" ||
		die "the build for PHP $version ($pc) failed"
	so="$target/release/libpuq_dns.so"
	[[ -f $so ]] || die "the build left no $so"
}
