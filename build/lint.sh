#!/usr/bin/env bash
# The checks for every language in the tree but Rust (cargo fmt and clippy
# have their own steps in build/test.sh):
#   - ShellCheck -x  every shell script under build/, tests/ and .ci/ (by
#                    .sh or by a bash/sh shebang), following what they source
#   - php -l         every PHP file (by .php or by a php shebang)
#   - phpcs          PSR-12 (phpcs.xml.dist) on php/ and whmcs/, and the PHP
#                    files there without a .php extension (php/bin/puq-dns)
#   - node --check   every JavaScript file (.js, .mjs, .cjs)
#   - ESLint         the same files, its recommended rules
#                    (tests/browser/eslint.config.mjs)
# node_modules, vendor and target directories are left out. One line per
# check; the findings, if any, above it. Exits 1 when any check finds
# anything. Needs build/deps.sh's shellcheck, php-codesniffer and npm.
set -euo pipefail
cd "$(dirname "$0")/.."

failed=()
ok() { printf 'lint: %-13s ok (%s)\n' "$1" "$2"; }
bad() { printf 'lint: %-13s FAILED (%s)\n' "$1" "$2"; failed+=("$1"); }

# Files under the given directories, without the trees of other tools.
files() {
    find "$@" \( -name node_modules -o -name vendor -o -name target -o -name .git \) -prune \
        -o -type f -print | LC_ALL=C sort
}
# Does the file's first line start it with one of the given interpreters?
shebang() {
    local file=$1 first
    shift
    IFS= read -r first <"$file" 2>/dev/null || [[ -n "${first:-}" ]] || return 1
    [[ "$first" =~ ^\#![[:space:]]*/(usr/)?bin/(env[[:space:]]+)?([a-z0-9]+)([[:space:]]|$) ]] || return 1
    local want
    for want in "$@"; do
        [[ "${BASH_REMATCH[3]}" == "$want" ]] && return 0
    done
    return 1
}

for tool in shellcheck php phpcs node npm; do
    command -v "$tool" >/dev/null || { echo "lint: $tool is missing: run build/deps.sh" >&2; exit 1; }
done

# ---- shell
scripts=()
while IFS= read -r f; do
    if [[ "$f" == *.sh ]] || shebang "$f" bash sh; then
        scripts+=("$f")
    fi
done < <(files build tests .ci)
# From the repository root, so that the `# shellcheck source=tests/...`
# directives resolve.
if shellcheck -x "${scripts[@]}"; then
    ok shellcheck "${#scripts[@]} scripts"
else
    bad shellcheck "${#scripts[@]} scripts"
fi

# ---- PHP
php_files=()
while IFS= read -r f; do
    if [[ "$f" == *.php ]] || { [[ -x "$f" ]] && shebang "$f" php; }; then
        php_files+=("$f")
    fi
done < <(files .)
php_bad=0
for f in "${php_files[@]}"; do
    php -l "$f" >/dev/null || php_bad=$((php_bad + 1))
done
if ((php_bad == 0)); then
    ok "php -l" "${#php_files[@]} files"
else
    bad "php -l" "$php_bad of ${#php_files[@]} files"
fi

# phpcs finds phpcs.xml.dist here; it skips a file without a .php
# extension even when named, so those go through stdin.
phpcs_ok=1
phpcs -q || phpcs_ok=0
stdin_files=0
for f in "${php_files[@]}"; do
    [[ ("$f" == ./php/* || "$f" == ./whmcs/*) && "$f" != *.php ]] || continue
    stdin_files=$((stdin_files + 1))
    if ! phpcs -q --standard=phpcs.xml.dist - <"$f"; then
        echo "(that was $f)"
        phpcs_ok=0
    fi
done
if ((phpcs_ok)); then
    ok phpcs "PSR-12 on php/ and whmcs/, $stdin_files without .php"
else
    bad phpcs "PSR-12 on php/ and whmcs/"
fi

# ---- JavaScript
js_files=()
while IFS= read -r f; do
    [[ "$f" == *.js || "$f" == *.mjs || "$f" == *.cjs ]] && js_files+=("$f")
done < <(files .)
js_bad=0
for f in "${js_files[@]}"; do
    node --check "$f" || js_bad=$((js_bad + 1))
done
if ((js_bad == 0)); then
    ok "node --check" "${#js_files[@]} files"
else
    bad "node --check" "$js_bad of ${#js_files[@]} files"
fi

# ESLint is a devDependency of tests/browser, pinned by its package-lock.json;
# installed (npm ci) when missing or older than the lock file.
eslint=tests/browser/node_modules/.bin/eslint
if [[ ! -x "$eslint" || tests/browser/package-lock.json -nt tests/browser/node_modules/.package-lock.json ]]; then
    (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi
if "$eslint" --max-warnings=0 -c tests/browser/eslint.config.mjs "${js_files[@]}"; then
    ok eslint "${#js_files[@]} files"
else
    bad eslint "${#js_files[@]} files"
fi

if ((${#failed[@]})); then
    echo "lint: failed: ${failed[*]}" >&2
    exit 1
fi
echo "lint: all clean"
