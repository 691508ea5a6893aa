#!/usr/bin/env bash
# Fuzzes the core with cargo-fuzz: every target in fuzz/ for a number of
# seconds each (60 unless the first argument says otherwise; further
# arguments pick targets). Corpora stay in fuzz/corpus/<target>, crashes land
# in fuzz/artifacts/<target>. cargo fuzz needs nightly features; the stable
# toolchain allows them with RUSTC_BOOTSTRAP=1.
#
#   build/fuzz.sh            # 60 s per target
#   build/fuzz.sh 300 names  # 5 minutes of the names target
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
export RUSTC_BOOTSTRAP=1

seconds="${1:-60}"
shift || true
if ! [[ "$seconds" =~ ^[0-9]+$ ]]; then
    echo "usage: $0 [seconds per target] [target...]" >&2
    exit 2
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
failed=()
summary=()
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    log="$logs/$target.log"
    echo "== $target (${seconds}s)"
    if cargo fuzz run "$target" "corpus/$target" -- \
        -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
        # libFuzzer's last words: "Done 1234567 runs in 60 second(s)".
        done_line=$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -n 1 || true)
        runs=$(sed -E 's/^Done ([0-9]+) runs in ([0-9]+) second.*/\1/' <<<"$done_line")
        secs=$(sed -E 's/^Done ([0-9]+) runs in ([0-9]+) second.*/\2/' <<<"$done_line")
        corpus=$(find "corpus/$target" -type f | wc -l)
        line="$target: ${runs:-?} executions in ${secs:-?} s, corpus $corpus inputs"
    else
        # The panic (or sanitizer report) and where libFuzzer kept the input.
        grep -m 1 -A 8 -E 'panicked at|ERROR: (AddressSanitizer|libFuzzer)' "$log" || tail -n 40 "$log"
        grep -E 'Test unit written to|^Reproduce with|cargo fuzz (run|tmin) ' "$log" || true
        failed+=("$target")
        line="$target: FAILED (see fuzz/artifacts/$target)"
    fi
    echo "$line"
    summary+=("$line")
done

echo "== summary"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
    echo "failing targets: ${failed[*]}" >&2
    exit 1
fi
