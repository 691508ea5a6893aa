#!/usr/bin/env bash
# Builds the puq_dns extension for one or more PHPs and installs it into each:
# the .so into that PHP's extension_dir, an ini with extension=puq_dns where
# that PHP reads it, and a manifest of what was written, which --uninstall
# removes again. Run `build/install.sh --help` for the options.
set -euo pipefail

prog=build/install.sh
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
manifest_name=puq_dns.install-manifest
# shellcheck source=build/php-lib.sh
source "$repo/build/php-lib.sh"

usage() {
	cat <<'EOF'
Usage: build/install.sh [OPTION]...

Builds the puq_dns extension against a PHP and installs it into that PHP:
  the .so as puq_dns.so in the PHP's extension_dir (php-config --extension-dir);
  extension=puq_dns in an ini the PHP reads:
    Debian/Ubuntu (/etc/php/X.Y/mods-available and phpenmod): mods-available/puq_dns.ini
      (; priority=20), enabled with `phpenmod -v X.Y puq_dns` for every SAPI (cli, fpm, apache2);
    otherwise: 20-puq_dns.ini in the PHP's scan dir ("Scan this dir for additional .ini files");
  a manifest of what it wrote, EXTENSION_DIR/puq_dns.install-manifest, that --uninstall reads.
The .so is loaded by that PHP before and after it is installed; a PHP that cannot
load it, or does not load it from the ini, gets nothing installed (a failed step is
rolled back). Running it again changes nothing and says so. It reloads nothing: it
prints the command that would (e.g. systemctl reload php8.2-fpm).

Options:
  --php-config PATH   the PHP to build for and install into (repeat for several PHPs
                      side by side, e.g. /opt/cpanel/ea-php81/root/usr/bin/php-config);
                      default: the php-config on PATH
  --so PATH           install this already built .so instead of building one
                      (it must have been built for that PHP: same API, same ZTS/NTS)
  --extension-dir DIR install the .so into DIR instead (env PUQ_DNS_EXTENSION_DIR);
                      the ini then names the .so by its absolute path
  --ini-dir DIR       write 20-puq_dns.ini into DIR instead, no phpenmod (env PUQ_DNS_INI_DIR)
  --uninstall         remove what an earlier install wrote for each PHP (its manifest)
  --dry-run           check everything and print what would be done, change nothing
  -h, --help          this text

Builds: PHP=<php-config --php-binary> PHP_CONFIG=<php-config> cargo build --release,
one target dir per PHP kind: ${CARGO_TARGET_DIR:-target}/php-X.Y-nts (or -zts, -debug).
Refused: PHP older than 8.1; a php-config and php binary that disagree on version or on
thread safety (ZTS/NTS); a --so built for another API or thread safety; files named
puq_dns that an earlier install of this script did not write.
EOF
}

# ---- options --------------------------------------------------------------

php_configs=()
so_opt=""
ext_override="${PUQ_DNS_EXTENSION_DIR:-}"
ini_override="${PUQ_DNS_INI_DIR:-}"
uninstall=0
dry_run=0

while (($#)); do
	case $1 in
	--php-config | --so | --extension-dir | --ini-dir)
		if (($# < 2)) || [[ -z $2 ]]; then usage_error "$1 needs a value"; fi
		case $1 in
		--php-config) php_configs+=("$2") ;;
		--so) so_opt=$2 ;;
		--extension-dir) ext_override=$2 ;;
		--ini-dir) ini_override=$2 ;;
		esac
		shift 2
		;;
	--php-config=* | --so=* | --extension-dir=* | --ini-dir=*)
		value=${1#*=}
		[[ -n $value ]] || usage_error "${1%%=*} needs a value"
		case $1 in
		--php-config=*) php_configs+=("$value") ;;
		--so=*) so_opt=$value ;;
		--extension-dir=*) ext_override=$value ;;
		--ini-dir=*) ini_override=$value ;;
		esac
		shift
		;;
	--uninstall) uninstall=1 && shift ;;
	--dry-run) dry_run=1 && shift ;;
	-h | --help) usage && exit 0 ;;
	*) usage_error "unknown argument: $1" ;;
	esac
done

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

if [[ -n $ext_override || -n $ini_override ]] && ((${#php_configs[@]} > 1)); then
	usage_error "--extension-dir and --ini-dir (PUQ_DNS_EXTENSION_DIR, PUQ_DNS_INI_DIR) name one place: use them with one --php-config at a time"
fi
[[ -z $ext_override ]] || ext_override=$(realpath -m "$ext_override")
[[ -z $ini_override ]] || ini_override=$(realpath -m "$ini_override")
if [[ -n $so_opt ]]; then
	[[ -f $so_opt ]] || die "--so: no such file: $so_opt"
	so_opt=$(realpath "$so_opt")
fi

# ---- rollback and temporary files -------------------------------------------

rb=()      # undo actions of the install in progress, tab-separated, newest last
backups=() # previous versions of replaced files, deleted once an install succeeds
temps=()   # staged files, deleted at exit

rb_add() {
	local IFS=$'\t'
	rb+=("$*")
}

# shellcheck disable=SC2317 # only run from the EXIT trap (on_exit)
rollback() {
	local i action a b
	for ((i = ${#rb[@]} - 1; i >= 0; i--)); do
		IFS=$'\t' read -r action a b <<<"${rb[i]}"
		case $action in
		rm) rm -f -- "$a" && say "  rolled back: removed $a" ;;
		restore) mv -f -- "$a" "$b" && say "  rolled back: restored $b" ;;
		rmdir) rmdir -- "$a" 2>/dev/null && say "  rolled back: removed directory $a" ;;
		dismod) dismod "$a" "$b" && say "  rolled back: phpdismod -v $a -s $b -p puq_dns" ;;
		esac || true
	done
	rb=()
	backups=()
}

# shellcheck disable=SC2317 # the EXIT trap
on_exit() {
	local rc=$?
	if ((rc != 0 && ${#rb[@]} > 0)); then
		say "rolling back this PHP's install:" >&2
		rollback >&2
	fi
	((${#temps[@]} == 0)) || rm -f -- "${temps[@]}"
	exit "$rc"
}
trap 'on_exit' EXIT

# ---- facts about one PHP ------------------------------------------------------

# Sets pc, php, version, vernum, xy, zts, build_id, ext_dir, ini_path, ini_line,
# layout, manifest, target for the php-config $1. $2 = install: refuse what
# cannot take the extension; uninstall: only what finding the manifest needs.
probe() {
	local mode=$2
	if [[ $mode == install ]]; then probe_config "$1"; else probe_config "$1" any; fi
	ext_dir=${ext_override:-$("$pc" --extension-dir)}
	[[ -n $ext_dir ]] || die "$pc --extension-dir printed nothing"
	manifest="$ext_dir/$manifest_name"

	if [[ $mode == uninstall ]]; then
		[[ -x $php ]] || php=""
		return 0
	fi
	probe_binary

	# The configuration this php really reads (its php.ini and scan dir).
	local full scan_dir eff_ext_dir
	full=$(env -u PHP_INI_SCAN_DIR "$php" -i 2>/dev/null) || die "$php -i failed"
	scan_dir=$(info_key "Scan this dir for additional .ini files" "$full" || true)
	eff_ext_dir=$(info_key "extension_dir" "$full" || true)

	if [[ -n $ini_override ]]; then
		layout=override
		ini_path="$ini_override/20-puq_dns.ini"
	elif [[ -d /etc/php/$xy/mods-available && $scan_dir == /etc/php/"$xy"/*/conf.d ]] &&
		command -v phpenmod >/dev/null && command -v phpdismod >/dev/null; then
		layout=debian
		ini_path="/etc/php/$xy/mods-available/puq_dns.ini"
	elif [[ -n $scan_dir && $scan_dir != "(none)" ]]; then
		layout=scandir
		ini_path="${scan_dir%%:*}/20-puq_dns.ini"
	else
		local loaded
		loaded=$(info_key "Loaded Configuration File" "$full" || true)
		refuse "PHP $version ($php) reads no directory of extra .ini files (built without --with-config-file-scan-dir): add extension=puq_dns to its php.ini (${loaded:-none loaded}) yourself, or pass --ini-dir DIR"
	fi

	# A bare name is found in extension_dir; anywhere else needs the path.
	if [[ $(realpath -m "$ext_dir") == "$(realpath -m "${eff_ext_dir:-/nonexistent}")" ]]; then
		ini_line="extension=puq_dns"
	else
		ini_line="extension=$ext_dir/puq_dns.so"
	fi
}

# The php of this PHP with the configuration the installed ini is part of.
php_configured() {
	if [[ $layout == override ]]; then
		# A leading empty entry keeps the compiled-in scan dir; then ours.
		PHP_INI_SCAN_DIR=":$ini_override" "$php" "$@"
	else
		env -u PHP_INI_SCAN_DIR "$php" "$@"
	fi
}

lists_puq_dns() { grep -qx puq_dns <<<"$1"; }

# What PHP said before its module list (startup warnings), or a stand-in.
php_message() {
	local msg
	msg=$(sed -e '/^\[PHP Modules\]/,$d' -e '/^[[:space:]]*$/d' <<<"$1")
	printf '%s' "${msg:-(PHP printed no message)}"
}

sha() { sha256sum -- "$1" | cut -d' ' -f1; }

# Debian: the SAPIs whose conf.d links to the given mods-available ini.
linked_sapis() {
	local ini=$1 link
	for link in /etc/php/"$xy"/*/conf.d/*-puq_dns.ini; do
		[[ -L $link && $(readlink -- "$link") == "$ini" ]] || continue
		link=${link#/etc/php/"$xy"/}
		printf '%s\n' "${link%%/*}"
	done
}

state_dirs() { find "/var/lib/php/modules/$xy" -type d 2>/dev/null | sort || true; }

# phpdismod -p for one SAPI, and the empty state dirs it leaves behind
# (record_state makes disabled_by_admin/ and purge empties it).
dismod() {
	local before out d
	before=$(state_dirs)
	out=$(phpdismod -v "$1" -s "$2" -p puq_dns 2>&1) || {
		printf '%s\n' "$out" >&2
		return 1
	}
	while IFS= read -r d; do
		[[ -z $d ]] || rmdir -- "$d" 2>/dev/null || true
	done < <(comm -13 <(printf '%s\n' "$before") <(state_dirs) | sort -r)
}

# Prints the command that makes running servers load the change.
reload_hint() {
	local units=() unit sapi
	if [[ $layout == override ]]; then
		say "note: $ini_path is read only where PHP_INI_SCAN_DIR names its directory (e.g. PHP_INI_SCAN_DIR=:$(dirname "$ini_path"))"
		return 0
	fi
	if [[ $layout == debian ]]; then
		for sapi in $(linked_sapis "$ini_path") ${1:-}; do
			case $sapi in
			fpm) units+=("php$xy-fpm") ;;
			apache2) units+=("apache2") ;;
			esac
		done
	else
		units=("php$xy-fpm" "ea-php${xy/./}-php-fpm" "php${xy/./}-php-fpm")
		[[ $("$pc" --prefix 2>/dev/null) == /usr ]] && units+=("php-fpm")
	fi
	local found=()
	if command -v systemctl >/dev/null; then
		for unit in "${units[@]}"; do
			[[ " ${found[*]} " == *" $unit "* ]] && continue
			systemctl list-unit-files --no-legend "$unit.service" 2>/dev/null | grep -q . && found+=("$unit")
		done
	fi
	if ((${#found[@]})); then
		for unit in "${found[@]}"; do say "to apply it to the running server: systemctl reload $unit"; done
	else
		say "note: no PHP-FPM or Apache service for PHP $xy found here: reload whatever runs PHP $xy (PHP-FPM, Apache with mod_php, a long-running worker) so it picks this up; the php CLI, and so the WHMCS cron, does from its next run"
	fi
}

# ---- install ----------------------------------------------------------------

# Writes $2 (content) or copies $3 (file) to $1 atomically unless it already
# holds that; records the undo. Prints installed/updated/unchanged.
put_file() {
	local dest=$1 content=$2 src=${3:-} tmp
	tmp="$(dirname "$dest")/.$(basename "$dest").new.$$"
	temps+=("$tmp")
	if [[ -n $src ]]; then
		install -m 0644 -- "$src" "$tmp"
	else
		printf '%s' "$content" >"$tmp"
		chmod 0644 "$tmp"
	fi
	if [[ -f $dest ]] && cmp -s -- "$tmp" "$dest"; then
		rm -f -- "$tmp"
		say "unchanged $dest"
		return 0
	fi
	if [[ -e $dest ]]; then
		local old
		old="$(dirname "$dest")/.$(basename "$dest").old.$$"
		mv -f -- "$dest" "$old"
		rb_add restore "$old" "$dest"
		backups+=("$old")
		mv -f -- "$tmp" "$dest"
		say "updated $dest"
	else
		mv -f -- "$tmp" "$dest"
		rb_add rm "$dest"
		say "installed $dest"
	fi
	changed=1
}

# mkdir -p that records each directory it creates (for rollback and manifest).
make_dirs() {
	local dir=$1 missing=()
	while [[ ! -d $dir ]]; do
		missing=("$dir" "${missing[@]}")
		dir=$(dirname "$dir")
	done
	for dir in "${missing[@]}"; do
		mkdir -- "$dir"
		rb_add rmdir "$dir"
		new_dirs+=("$dir")
		say "created $dir"
	done
}

preflight() {
	probe "$1" install
	if [[ -n $so_opt ]]; then
		check_so "$so_opt"
	fi
	[[ -e $manifest ]] && return 0
	local dest
	for dest in "$ext_dir/puq_dns.so" "$ini_path"; do
		[[ -e $dest ]] && refuse "$dest exists but this script did not write it (no $manifest): remove it first if it is an old copy, then run this again"
	done
	if [[ $layout == debian ]]; then
		for dest in /etc/php/"$xy"/*/conf.d/*-puq_dns.ini; do
			[[ -e $dest || -L $dest ]] && refuse "$dest exists but this script did not write it (no $manifest): remove it first, then run this again"
		done
	fi
	local out
	out=$(php_configured -m 2>&1 || true)
	if lists_puq_dns "$out"; then
		refuse "PHP $version ($php) already loads puq_dns from its configuration (see: $php --ini): remove that extension= line first, then run this again"
	fi
}

# Refuses a .so this PHP cannot load.
check_so() {
	local so=$1 out
	check_build_id "$so"
	out=$(env -u PHP_INI_SCAN_DIR "$php" -n -d display_startup_errors=1 -d "extension=$so" -m 2>&1 || true)
	lists_puq_dns "$out" || die "PHP $version ($php) cannot load $so: $(php_message "$out")"
}

install_one() {
	probe "$1" install
	say "== PHP $version ($pc): $build_id, $layout layout"
	so=$so_opt
	if [[ -z $so ]]; then
		build
	fi
	local ini_content sapis_before sapis_after dirs_before=""
	if [[ $layout == debian ]]; then
		ini_content=$'; configuration for php puq_dns module\n; priority=20\n; written by build/install.sh of puq_dns, removed by build/install.sh --uninstall\n'"$ini_line"$'\n'
	else
		ini_content=$'; puq_dns: written by build/install.sh, removed by build/install.sh --uninstall\n'"$ini_line"$'\n'
	fi

	if ((dry_run)); then
		say "would install ${so:-the built .so} as $ext_dir/puq_dns.so"
		say "would write $ini_path: $ini_line"
		[[ $layout == debian ]] && say "would run: phpenmod -v $xy puq_dns"
		say "would write $manifest"
		return 0
	fi
	[[ -z $so_opt ]] && check_so "$so" # a --so was checked in the preflight

	# What an earlier install recorded: its ini, the dirs and SAPIs it made.
	local old_dirs=() old_ini="" kind a b
	if [[ -f $manifest ]]; then
		while IFS=$'\t' read -r kind a b; do
			case $kind in
			ini) old_ini=$a ;;
			dir) old_dirs+=("$a") ;;
			esac
		done <"$manifest"
		[[ -z $old_ini || $old_ini == "$ini_path" ]] ||
			refuse "puq_dns was installed for PHP $version with its ini at $old_ini; now it would go to $ini_path: run build/install.sh --uninstall with the options of that install first"
	fi

	changed=0
	new_dirs=()
	[[ -w $ext_dir || ! -e $ext_dir ]] || die "cannot write to $ext_dir: run as root (sudo $prog …)"
	make_dirs "$ext_dir"
	put_file "$ext_dir/puq_dns.so" "" "$so"
	make_dirs "$(dirname "$ini_path")"
	[[ -w $(dirname "$ini_path") ]] || die "cannot write to $(dirname "$ini_path"): run as root (sudo $prog …)"
	put_file "$ini_path" "$ini_content"

	local sapis=()
	if [[ $layout == debian ]]; then
		sapis_before=$(linked_sapis "$ini_path")
		dirs_before=$(state_dirs)
		local out
		out=$(phpenmod -v "$xy" puq_dns 2>&1) || die "phpenmod -v $xy puq_dns failed: $out"
		[[ -z $out ]] || say "phpenmod: $out"
		sapis_after=$(linked_sapis "$ini_path")
		local sapi d
		# Undone newest first: phpdismod, then the state dirs phpenmod made.
		while IFS= read -r d; do
			[[ -n $d ]] || continue
			rb_add rmdir "$d"
			new_dirs+=("$d")
		done < <(comm -13 <(printf '%s\n' "$dirs_before") <(state_dirs))
		for sapi in $sapis_after; do
			sapis+=("$sapi")
			if ! grep -qx -- "$sapi" <<<"$sapis_before"; then
				rb_add dismod "$xy" "$sapi"
				changed=1
			fi
		done
		((${#sapis[@]})) || die "phpenmod -v $xy puq_dns enabled it for no SAPI (no /etc/php/$xy/*/conf.d?)"
		if [[ $sapis_after == "$sapis_before" ]]; then
			say "unchanged: enabled for ${sapis[*]} (phpenmod -v $xy puq_dns)"
		else
			say "enabled for ${sapis[*]}: phpenmod -v $xy puq_dns"
		fi
	fi

	# The manifest: deterministic, so a repeated install leaves it as it was.
	local m d seen_dirs=()
	m="# puq_dns install manifest: what build/install.sh wrote for this PHP; build/install.sh --uninstall removes exactly this."$'\n'
	m+="layout"$'\t'"$layout"$'\n'"ini"$'\t'"$ini_path"$'\n'
	m+="file"$'\t'"$(sha "$ext_dir/puq_dns.so")"$'\t'"$ext_dir/puq_dns.so"$'\n'
	m+="file"$'\t'"$(sha "$ini_path")"$'\t'"$ini_path"$'\n'
	for d in "${sapis[@]}"; do m+="enmod"$'\t'"$xy"$'\t'"$d"$'\n'; done
	for d in "${old_dirs[@]}" "${new_dirs[@]}"; do
		[[ " ${seen_dirs[*]} " == *" $d "* ]] && continue
		seen_dirs+=("$d")
		m+="dir"$'\t'"$d"$'\n'
	done
	local was_changed=$changed
	put_file "$manifest" "$m" >/dev/null
	changed=$was_changed

	# It loads from where it was put, and from the configuration PHP reads.
	local out
	out=$(env -u PHP_INI_SCAN_DIR "$php" -n -d display_startup_errors=1 -d "extension_dir=$ext_dir" -d extension=puq_dns -m 2>&1 || true)
	lists_puq_dns "$out" || die "PHP $version ($php) cannot load $ext_dir/puq_dns.so: $(php_message "$out")"
	say "checked: $php -n -d extension_dir=$ext_dir -d extension=puq_dns -m lists puq_dns"
	out=$(php_configured -d display_startup_errors=1 -d display_errors=stdout -d log_errors=0 -m 2>&1 || true)
	if ! lists_puq_dns "$out"; then
		local why
		why=$(php_message "$out")
		[[ $why != "(PHP printed no message)" ]] || why="it does not read that ini (see: $php --ini)"
		die "PHP $version ($php) does not load puq_dns from $ini_path with its own configuration: $why"
	fi
	if grep -q puq_dns <<<"$(php_message "$out")"; then
		die "PHP $version ($php) warns about puq_dns with its own configuration: $(php_message "$out")"
	fi
	if [[ $layout == override ]]; then
		say "checked: PHP_INI_SCAN_DIR=:$ini_override $php -m lists puq_dns"
	else
		say "checked: $php -m lists puq_dns"
	fi

	# Committed.
	((${#backups[@]} == 0)) || rm -f -- "${backups[@]}"
	rb=()
	backups=()
	if ((changed)); then
		say "puq_dns is installed for PHP $version ($pc); manifest: $manifest"
		reload_hint
	else
		say "puq_dns is already installed for PHP $version ($pc): nothing changed"
	fi
}

# ---- uninstall ----------------------------------------------------------------

uninstall_one() {
	probe "$1" uninstall
	say "== PHP $version ($pc)"
	if [[ ! -f $manifest ]]; then
		local note=""
		[[ -e $ext_dir/puq_dns.so ]] && note=" ($ext_dir/puq_dns.so is there, but not from this script: left alone)"
		say "puq_dns was not installed by this script for PHP $version (no $manifest): nothing to remove$note"
		return 0
	fi
	local kind a b files=() sums=() sapis=() dirs=()
	layout=""
	ini_path=""
	while IFS=$'\t' read -r kind a b; do
		case $kind in
		layout) layout=$a ;;
		ini) ini_path=$a ;;
		file) sums+=("$a") && files+=("$b") ;;
		enmod) sapis+=("$b") ;;
		dir) dirs+=("$a") ;;
		esac
	done <"$manifest"
	[[ $layout == override ]] && ini_override=$(dirname "$ini_path")

	if [[ $layout == debian ]]; then
		# Also any SAPI linked to our ini since (phpenmod run by hand).
		local s
		for s in $(linked_sapis "$ini_path"); do
			[[ " ${sapis[*]} " == *" $s "* ]] || sapis+=("$s")
		done
	fi
	if ((dry_run)); then
		for s in "${sapis[@]}"; do say "would run: phpdismod -v $xy -s $s -p puq_dns"; done
		for a in "${files[@]}" "$manifest"; do say "would remove $a"; done
		for a in "${dirs[@]}"; do say "would remove the directory $a if empty"; done
		return 0
	fi

	if ((${#sapis[@]})); then
		command -v phpdismod >/dev/null || die "phpdismod not found, but $manifest says puq_dns was enabled with phpenmod"
		for s in "${sapis[@]}"; do
			dismod "$xy" "$s" || die "phpdismod -v $xy -s $s -p puq_dns failed"
			say "disabled for $s: phpdismod -v $xy -s $s -p puq_dns"
		done
	fi

	local i kept=0
	for i in "${!files[@]}"; do
		a=${files[i]}
		if [[ ! -e $a ]]; then
			say "already gone: $a"
		elif [[ $(sha "$a") == "${sums[i]}" ]]; then
			rm -f -- "$a"
			say "removed $a"
		else
			warn "kept $a: it changed since it was installed (remove it yourself if it is not needed)"
			kept=1
		fi
	done
	rm -f -- "$manifest"
	say "removed $manifest"
	for ((i = ${#dirs[@]} - 1; i >= 0; i--)); do
		if rmdir -- "${dirs[i]}" 2>/dev/null; then
			say "removed the directory ${dirs[i]}"
		fi
	done

	if [[ -n $php ]]; then
		local out
		out=$(php_configured -m 2>&1 || true)
		if lists_puq_dns "$out"; then
			warn "PHP $version ($php) still loads puq_dns from another ini (see: $php --ini)"
		elif [[ $layout == override ]]; then
			say "checked: PHP_INI_SCAN_DIR=:$ini_override $php -m no longer lists puq_dns"
		else
			say "checked: $php -m no longer lists puq_dns"
		fi
	fi
	if ((kept)); then
		say "puq_dns is uninstalled for PHP $version ($pc), except the changed files kept above"
	else
		say "puq_dns is uninstalled for PHP $version ($pc)"
	fi
	[[ $layout == override ]] || reload_hint "${sapis[*]}"
}

# ---- main -------------------------------------------------------------------

if ((uninstall)); then
	for pc in "${php_configs[@]}"; do uninstall_one "$pc"; done
	exit 0
fi

# Every PHP is checked before anything is built or written.
for pc in "${php_configs[@]}"; do preflight "$pc"; done
for pc in "${php_configs[@]}"; do install_one "$pc"; done
((dry_run)) && say "dry run: nothing was changed"
exit 0
