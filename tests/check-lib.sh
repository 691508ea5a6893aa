# shellcheck shell=bash
# What the shell tests of the install paths (tests/install, tests/pie) share:
# the release .so they install, a throwaway directory, and TAP-style checks.
# Sourced from the repository root with `set -euo pipefail` on; sets so, php,
# tmp (removed on exit).

so="${PUQ_DNS_SO:-$PWD/target/release/libpuq_dns.so}"
if [[ ! -f $so ]]; then
	echo "# $so is missing: cargo build --release"
	cargo build --release --quiet
fi
so=$(realpath "$so")
php=$("$(command -v php-config)" --php-binary)

tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT

# Each check: what="…"; if CONDITION; then pass; else fail; fi
failed=0
what=""
rc=0 out="" err=""
pass() { echo "ok - $what"; }
fail() {
	echo "not ok - $what"
	show
	failed=$((failed + 1))
}
show() { printf "#   %s\n" "rc=$rc" "${out//$'\n'/$'\n'#   }" "${err//$'\n'/$'\n'#   }"; }
has() { grep -qF -- "$2" <<<"$1"; }
# run CMD…: sets rc, out (stdout), err (stderr).
run() {
	rc=0
	"$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	out=$(<"$tmp/out")
	err=$(<"$tmp/err")
}
# The tests install puq_dns where only they look: this PHP must not load it already.
if grep -qx puq_dns <<<"$("$php" -m 2>&1)"; then
	echo "not ok - this machine's PHP already loads puq_dns ($php --ini): the test needs it not to"
	exit 1
fi

# The end of a test: how many checks failed, and its exit status.
finish() {
	if ((failed)); then
		echo "# $failed failed"
		exit 1
	fi
	echo "# all passed"
}
