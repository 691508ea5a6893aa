#!/usr/bin/env bash
# Tests the PIE packaging without PIE (it cannot be downloaded here) and
# without touching this machine's PHP:
#   - build/package.sh --so packs the release .so ($PUQ_DNS_SO, default
#     target/release/libpuq_dns.so, built once if missing) into a throwaway
#     "release"; the asset is named exactly as PIE names it for this PHP, its
#     .sha256 checks, it holds puq_dns.so at its top;
#   - composer.json's php-ext says what the asset and the .so are;
#   - the steps PIE (>= 1.4, pre-packaged-binary) takes are done here by hand:
#     pick the asset whose name is one PIE expects for this PHP from a release
#     that also holds decoys (another PHP, ZTS, arch, libc, debug, version),
#     verify it, unpack it, take puq_dns.so, copy it into a throwaway extension
#     dir and write PIE's ini into a throwaway scan dir; then
#     PHP_INI_SCAN_DIR=":$scan" php -m lists puq_dns.
# With --source it also builds from source as PIE's fallback (composer-default)
# does: phpize, ./configure, make, make install INSTALL_ROOT=… in a copy of
# the tree (cold cargo build in the copy, or warm in $PUQ_DNS_PIE_TARGET_DIR).
# Prints one "ok - …" line per check; exits non-zero if any failed.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
package="build/package.sh"

source_build=0
case ${1:-} in
"") ;;
--source) source_build=1 ;;
*)
	echo "usage: tests/pie/test.sh [--source]" >&2
	exit 2
	;;
esac

pc=$(command -v php-config)
# shellcheck source=tests/check-lib.sh
source tests/check-lib.sh
unset PHP_INI_SCAN_DIR SOURCE_DATE_EPOCH

phpn() { env -u PHP_INI_SCAN_DIR "$php" -n "$@"; }


# ---- what PIE would see on this machine, worked out apart from package.sh ---

# composer.json and Cargo.toml, read with python3 (json, tomllib).
facts=$(python3 - "$repo/composer.json" "$repo/Cargo.toml" <<'EOF'
import json, sys, tomllib
c = json.load(open(sys.argv[1]))
t = tomllib.load(open(sys.argv[2], "rb"))
x = c.get("php-ext", {})
print(c.get("name", ""))
print(c.get("type", ""))
print(x.get("extension-name", ""))
print(json.dumps(x.get("os-families")))
print(json.dumps(x.get("download-url-method")))
print(json.dumps(x.get("support-nts", True)))
print(json.dumps(x.get("support-zts", True)))
print(x.get("priority", 80))
print(x.get("build-path") or "")
print(c.get("require", {}).get("php", ""))
print(t["workspace"]["package"]["version"])
EOF
)
mapfile -t f <<<"$facts"
pkg_name=${f[0]} pkg_type=${f[1]} ext_name=${f[2]} os_families=${f[3]} download_methods=${f[4]}
support_nts=${f[5]} support_zts=${f[6]} priority=${f[7]} build_path=${f[8]} require_php=${f[9]} version=${f[10]}

# The target PHP as PIE's TargetPlatform sees it.
read -r php_xy php_machine php_int_size php_ts php_debug < <(phpn -r 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION, " ", php_uname("m"), " ", PHP_INT_SIZE, " ", PHP_ZTS ? "zts" : "nts", " ", PHP_DEBUG ? "1" : "0", "\n";')
case $php_machine in # PIE's Architecture, and the names it accepts for it (allNames)
aarch64 | arm64 | ARM64) arch=arm64 arch_names=(arm64 aarch64) other_arch=x86_64 ;;
*) if ((php_int_size == 4)); then arch=x86 arch_names=(x86) other_arch=x86_64; else arch=x86_64 arch_names=(x86_64 x64) other_arch=arm64; fi ;;
esac
libc=glibc other_libc=musl # PIE's LibcFlavour::detect: `ldd ls` mentions musl?
if ldd "$(command -v ls)" 2>&1 | grep -q musl; then libc=musl other_libc=glibc; fi
debug_suffix=""
((php_debug)) && debug_suffix=-debug
other_ts=zts
[[ $php_ts == zts ]] && other_ts=nts
other_xy="${php_xy%%.*}.$((${php_xy#*.} + 1))"

asset() { printf 'php_%s-%s_php%s-%s-linux-%s%s-%s.tgz' "$ext_name" "$1" "$2" "$3" "$4" "$5" "$6"; }
expected=$(asset "$version" "$php_xy" "$arch" "$libc" "$debug_suffix" "$php_ts")

# PIE's candidate names for this PHP (PrePackagedBinaryAssetName::packageNames,
# PIE 1.4.x and later: each architecture alias, the libc or anylibc, the TS
# suffix left out (NTS only) or given, .zip or .tgz), lowercase.
pie_candidates() {
	local a l t x ts_suffixes=("" "-nts")
	[[ $php_ts == zts ]] && ts_suffixes=("-zts")
	for a in "${arch_names[@]}"; do
		for l in "$libc" anylibc; do
			for t in "${ts_suffixes[@]}"; do
				for x in zip tgz; do
					printf 'php_%s-%s_php%s-%s-linux-%s%s%s.%s\n' "$ext_name" "$version" "$php_xy" "$a" "$l" "$debug_suffix" "$t" "$x" |
						tr '[:upper:]' '[:lower:]'
				done
			done
		done
	done
}
# PIE's GithubPackageReleaseAssets: the first asset of the release, in the
# release's order, whose lowercased name is a candidate.
pie_pick() {
	local candidates name
	candidates=$(pie_candidates)
	for name in "$@"; do
		if grep -qxF -- "$(tr '[:upper:]' '[:lower:]' <<<"$name")" <<<"$candidates"; then
			printf '%s' "$name"
			return 0
		fi
	done
	return 1
}

# ---- build/package.sh -------------------------------------------------------

run "$package" --help
what="package.sh --help prints the usage"
if ((rc == 0)) && has "$out" "Usage: build/package.sh"; then pass; else fail; fi
run "$package" --bogus
what="package.sh: an unknown argument is a usage error (exit 2)"
if ((rc == 2)) && has "$err" "unknown argument: --bogus"; then pass; else fail; fi

mkdir "$tmp/fake"
printf '#!/bin/sh\nexec %q "$@"\n' "$pc" >"$tmp/fake/php-config-other"
chmod +x "$tmp/fake/php-config-other"
run "$package" --so "$so" --php-config "$pc" --php-config "$tmp/fake/php-config-other" --out "$tmp/unused"
what="package.sh: --so with two --php-config is a usage error (one .so is for one PHP)"
if ((rc == 2)) && has "$err" "pass exactly one --php-config"; then pass; else fail; fi

cat >"$tmp/fake/php-config-80" <<EOF
#!/bin/sh
case \$1 in
--vernum) echo 80033 ;;
--version) echo 8.0.33 ;;
*) exec $(printf %q "$pc") "\$@" ;;
esac
EOF
chmod +x "$tmp/fake/php-config-80"
run "$package" --so "$so" --php-config "$tmp/fake/php-config-80" --out "$tmp/unused"
what="package.sh refuses PHP older than 8.1 (composer.json: require php >=8.1)"
if ((rc == 1)) && has "$err" "needs PHP 8.1 or newer"; then pass; else fail; fi

printf 'not an ELF file\n' >"$tmp/fake/not-elf.so"
run "$package" --so "$tmp/fake/not-elf.so" --out "$tmp/unused"
what="package.sh refuses a --so that is not an ELF shared object"
if ((rc == 1)) && has "$err" "refused:" && [[ ! -e $tmp/unused/$expected ]]; then pass; else fail; fi

build_id=$(grep -a -o 'API[0-9]\{8\},N\{0,1\}TS[,a-z]*' -- "$so" | sort -u | head -n 1 || true)
if [[ -n $build_id ]]; then
	LC_ALL=C sed "s/$build_id/API00000000${build_id#API????????}/g" "$so" >"$tmp/fake/other-api.so"
	run "$package" --so "$tmp/fake/other-api.so" --out "$tmp/unused"
	what="package.sh refuses a --so built for another PHP API (API00000000 instead of $build_id)"
	if ((rc == 1)) && has "$err" "was built for PHP extension build API00000000" && [[ ! -e $tmp/unused/$expected ]]; then pass; else fail; fi
fi

release=$tmp/release
start=$(date +%s%N)
run "$package" --so "$so" --out "$release"
ms=$((($(date +%s%N) - start) / 1000000))
what="package.sh --so $so --out DIR packs it (${ms} ms)"
if ((rc == 0)) && has "$out" "packed $release/$expected"; then pass; else fail; fi

what="the asset is named exactly as PIE names it for this PHP ($php_xy $php_ts, $arch, $libc): $expected"
listing=$(cd "$release" && LC_ALL=C ls -A)
if [[ $listing == "$expected"$'\n'"$expected.sha256" ]]; then pass; else
	out=$listing
	fail
fi
what="the name has PIE's form php_EXT-VERSION_phpX.Y-ARCH-linux-LIBC[-debug]-nts|zts.tgz, lowercase"
if [[ $expected =~ ^php_[a-z0-9_]+-[0-9][a-z0-9.+-]*_php[0-9]+\.[0-9]+-(x86_64|arm64|x86)-linux-(glibc|musl)(-debug)?-(nts|zts)\.tgz$ ]] &&
	[[ $expected == "$(tr '[:upper:]' '[:lower:]' <<<"$expected")" ]]; then pass; else fail; fi
candidates=$(pie_candidates)
what="PIE's candidate names for this PHP include it"
if grep -qxF -- "$expected" <<<"$candidates"; then pass; else fail; fi

what="the .sha256 is one sha256sum line for the asset, and it checks"
line=$(cat -- "$release/$expected.sha256" 2>/dev/null || true)
rc=0 out=$( (cd "$release" && sha256sum -c --strict -- "$expected.sha256") 2>&1) || rc=$?
if [[ $line =~ ^[0-9a-f]{64}\ \ "$expected"$ ]] && ((rc == 0)) && [[ $out == "$expected: OK" ]]; then pass; else fail; fi
what="the .sha256 does not check a changed asset"
mkdir "$tmp/tampered"
cp -- "$release/$expected" "$release/$expected.sha256" "$tmp/tampered/" 2>/dev/null || true
printf 'x' >>"$tmp/tampered/$expected"
if ! (cd "$tmp/tampered" && sha256sum -c --strict --status -- "$expected.sha256"); then pass; else fail; fi

what="the asset holds only $ext_name.so, at its top (where PIE looks for EXTENSION-NAME.so), mode 0755"
out=$(tar -tvzf "$release/$expected" 2>&1 || true)
if [[ $(tar -tzf "$release/$expected") == "$ext_name.so" ]] && [[ $out == -rwxr-xr-x\ 0/0\ * ]]; then pass; else fail; fi

what="the .so in it is the one given to --so"
mkdir "$tmp/unpacked"
tar -xzf "$release/$expected" -C "$tmp/unpacked" 2>/dev/null || true
if cmp -s -- "$so" "$tmp/unpacked/$ext_name.so"; then pass; else fail; fi

run "$package" --so "$so" --out "$tmp/again"
what="package.sh makes the same bytes again (fixed owner, mode and mtime; gzip -n)"
if ((rc == 0)) && cmp -s -- "$release/$expected" "$tmp/again/$expected" &&
	cmp -s -- "$release/$expected.sha256" "$tmp/again/$expected.sha256"; then pass; else fail; fi

run "$package" --so "$so" --out "$tmp/tagged" --version v"$version"
what="package.sh --version v$version names the asset for a release tagged v$version"
if ((rc == 0)) && [[ -f $tmp/tagged/$(asset "v$version" "$php_xy" "$arch" "$libc" "$debug_suffix" "$php_ts") ]]; then pass; else fail; fi

# ---- composer.json ----------------------------------------------------------

what="composer.json: type php-ext, name $pkg_name (vendor/package)"
if [[ $pkg_type == php-ext && $pkg_name =~ ^[a-z0-9]([_.-]?[a-z0-9]+)*/[a-z0-9](([_.]|-{1,2})?[a-z0-9]+)*$ ]]; then pass; else fail; fi
# shellcheck disable=SC2016 # PHP code: its $ are PHP's
module=$(phpn -d "extension=$so" -r 'foreach (get_loaded_extensions() as $e) { if (stripos($e, "puq") !== false) echo $e, "\n"; }' 2>&1 || true)
what="composer.json: php-ext.extension-name '$ext_name' is the module name the .so registers ('$module') and the asset's php_EXT"
if [[ $ext_name == puq_dns && $module == "$ext_name" && $expected == php_"$ext_name"-* ]]; then pass; else fail; fi
so_version=$(phpn -d "extension=$so" -r 'echo phpversion("puq_dns");' 2>&1 || true)
what="the module's version ($so_version) is the asset's version, Cargo.toml's ($version)"
if [[ $so_version == "$version" ]]; then pass; else fail; fi
what="composer.json: php-ext.os-families is [\"linux\"], the asset's OS"
if [[ $os_families == '["linux"]' && $expected == *-linux-* ]]; then pass; else fail; fi
what="composer.json: download-url-method tries the prebuilt binary first, then the source (composer-default)"
if [[ $download_methods == '["pre-packaged-binary", "composer-default"]' ]]; then pass; else fail; fi
what="composer.json: support-nts $support_nts, support-zts $support_zts: PIE takes this $php_ts asset on this $php_ts PHP"
if [[ $php_ts == nts && $support_nts == true && $support_zts == false ]] ||
	[[ $php_ts == zts && $support_zts == true ]]; then pass; else fail; fi
what="composer.json: require php '$require_php' admits this PHP ($php_xy), like package.sh's PHP 8.1 floor"
if [[ $require_php == ">=8.1" ]] && phpn -r 'exit(version_compare(PHP_VERSION, "8.1.0", ">=") ? 0 : 1);'; then pass; else fail; fi
what="composer.json: build-path '$build_path' holds config.m4 and Makefile.frag (the source fallback)"
if [[ -n $build_path && -f $repo/$build_path/config.m4 && -f $repo/$build_path/Makefile.frag ]] &&
	grep -q 'PHP_ARG_ENABLE(\[puq_dns\]' "$repo/$build_path/config.m4"; then pass; else fail; fi
what="composer.json: priority $priority is build/install.sh's (20-puq_dns.ini, ; priority=20)"
if [[ $priority == 20 ]] && grep -q 'priority=20' build/install.sh; then pass; else fail; fi

# ---- install it with PIE's rules ----------------------------------------------

# A release with decoys: each holds a puq_dns.so that is not one (a text file),
# so installing one would show. They come first, as PIE takes the first fit.
decoys=(
	"$(asset "$version" "$other_xy" "$arch" "$libc" "$debug_suffix" "$php_ts")|another PHP ($other_xy)"
	"$(asset "$version" "$php_xy" "$arch" "$libc" "$debug_suffix" "$other_ts")|$other_ts"
	"$(asset "$version" "$php_xy" "$other_arch" "$libc" "$debug_suffix" "$php_ts")|another machine ($other_arch)"
	"$(asset "$version" "$php_xy" "$arch" "$other_libc" "$debug_suffix" "$php_ts")|another libc ($other_libc)"
	"$(asset "$version" "$php_xy" "$arch" "$libc" "$([[ -n $debug_suffix ]] || echo -debug)" "$php_ts")|$([[ -n $debug_suffix ]] && echo "a non-debug PHP" || echo "a debug PHP")"
	"$(asset "$version.1" "$php_xy" "$arch" "$libc" "$debug_suffix" "$php_ts")|another version ($version.1)"
)
mkdir "$tmp/decoy"
printf 'decoy\n' >"$tmp/decoy/$ext_name.so"
assets=()
for d in "${decoys[@]}"; do
	name=${d%%|*}
	tar -czf "$release/$name" -C "$tmp/decoy" "$ext_name.so"
	(cd "$release" && sha256sum -- "$name" >"$name.sha256")
	assets+=("$name" "$name.sha256")
done
assets+=("$expected" "$expected.sha256")

for d in "${decoys[@]}"; do
	name=${d%%|*}
	what="PIE would not pick the asset for ${d#*|}: $name"
	if ! grep -qxF -- "$name" <<<"$candidates"; then pass; else fail; fi
done

what="PIE picks $expected from a release of ${#assets[@]} files, decoys first"
picked=$(pie_pick "${assets[@]}" || true)
if [[ $picked == "$expected" ]]; then pass; else
	out="picked: $picked"
	fail
fi

what="with no asset for this PHP in the release PIE picks none, and so builds from source (composer-default)"
if ! pie_pick "${assets[@]:0:${#assets[@]}-2}" >/dev/null; then pass; else fail; fi

what="the picked asset's .sha256 checks"
if [[ -n $picked ]] && (cd "$release" && sha256sum -c --strict --status -- "$picked.sha256"); then pass; else fail; fi

# Composer unpacks the archive into a directory (one top-level directory, if
# that is all there is, becomes the package); PIE takes EXTENSION-NAME.so from
# there (UnixBuild::prePackagedBinary), removes an older one from the
# extension dir and copies it in (UnixInstall), then adds an ini
# (StandardAdditionalPhpIniDirectory: PRIORITY-EXTENSION-NAME.ini in the scan
# dir) and checks that PHP loads it.
download=$tmp/pie-download
mkdir "$download"
tar -xzf "$release/${picked:-missing}" -C "$download" 2>/dev/null || true
mapfile -t top < <(find "$download" -mindepth 1 -maxdepth 1)
if ((${#top[@]} == 1)) && [[ -d ${top[0]} ]]; then download=${top[0]}; fi
what="unpacked, it has $ext_name.so where PIE expects it (the top of the package)"
if [[ -f $download/$ext_name.so ]]; then pass; else
	out=$(find "$tmp/pie-download" 2>&1)
	fail
fi

ext=$tmp/ext
scan=$tmp/scan
mkdir "$ext" "$scan"
printf 'older\n' >"$ext/$ext_name.so"
[[ ! -f $ext/$ext_name.so ]] || rm -- "$ext/$ext_name.so"
cp -- "$download/$ext_name.so" "$ext/" 2>/dev/null || true
what="installed as $ext_name.so in the (throwaway) extension dir, the release .so byte for byte"
if cmp -s -- "$so" "$ext/$ext_name.so"; then pass; else fail; fi

ini=$scan/$priority-$ext_name.ini
{
	echo
	echo "; PIE automatically added this to enable the $pkg_name extension"
	echo "; priority=$priority"
	# PIE writes extension=puq_dns, found in the real extension_dir; this one
	# is throwaway, so the ini names the .so by its path.
	echo "extension=$ext/$ext_name.so"
} >"$ini"
what="PHP_INI_SCAN_DIR=\":$scan\" php -m lists $ext_name (from $(basename "$ini"))"
rc=0 out=$(PHP_INI_SCAN_DIR=":$scan" "$php" -m 2>&1) || rc=$?
if ((rc == 0)) && grep -qx "$ext_name" <<<"$out" && ! grep -qi 'warning\|error' <<<"$out"; then pass; else fail; fi
what="and it is the release's version there ($version); without the scan dir PHP does not load it"
rc=0 out=$(PHP_INI_SCAN_DIR=":$scan" "$php" -r 'echo phpversion("puq_dns");' 2>&1) || rc=$?
if ((rc == 0)) && [[ $out == "$version" ]] && ! grep -qx "$ext_name" <<<"$("$php" -m 2>&1)"; then pass; else fail; fi

# ---- the source fallback (--source) -----------------------------------------

if ((source_build)); then
	src=$tmp/src
	mkdir "$src"
	tar -C "$repo" --exclude=./target --exclude=./.git --exclude=./fuzz/target --exclude=node_modules \
		--exclude="./$build_path/build" --exclude="./$build_path/modules" -cf - . | tar -C "$src" -xf -
	if [[ -n ${PUQ_DNS_PIE_TARGET_DIR:-} ]]; then export CARGO_TARGET_DIR=$PUQ_DNS_PIE_TARGET_DIR; else unset CARGO_TARGET_DIR; fi
	root=$tmp/root
	start=$(date +%s)
	rc=0
	(
		cd "$src/$build_path"
		phpize
		./configure --with-php-config="$pc"
		make -j"$(nproc)"
		INSTALL_ROOT=$root make install
	) >"$tmp/source.log" 2>&1 || rc=$?
	secs=$(($(date +%s) - start))
	installed=$root$("$pc" --extension-dir)/$ext_name.so
	what="from source: phpize, ./configure, make, make install INSTALL_ROOT=… install $ext_name.so (${secs} s)"
	if ((rc == 0)) && [[ -f $installed ]]; then pass; else
		out=$(tail -n 30 "$tmp/source.log")
		fail
	fi
	what="from source: php -n -d extension=<installed> -m lists $ext_name"
	if grep -qx "$ext_name" <<<"$(phpn -d "extension=$installed" -m 2>&1)"; then pass; else fail; fi
	what="from source: make install again does not run cargo (modules/$ext_name.so is there)"
	rc=0 out=$(cd "$src/$build_path" && INSTALL_ROOT=$root make install 2>&1) || rc=$?
	if ((rc == 0)) && ! has "$out" "cargo build"; then pass; else fail; fi
fi

finish
