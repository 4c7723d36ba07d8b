#!/bin/sh
# SPDX-License-Identifier: MIT
#
# make check: set up what the tests need (tools, kernel trees, NVIDIA
# sources; cached in $NVC_CACHE), run every tests/t*.sh, print the driver x
# kernel table and end with "N passed, M failed".
# NVC_TESTS="t10 t30" runs only those; NVC_SKIP_SETUP=1 skips the setup.
# NVC_TIER=ci (default; make check, .ci/run) or full (make check-full):
# see tests/lib/common.sh and README's "Tests".
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
export NVC_OUT="${NVC_OUT:-$TOP/tests/out}"
rm -rf "$NVC_OUT"; mkdir -p "$NVC_OUT"
export NVC_RESULTS="$NVC_OUT/results"
: >"$NVC_RESULTS"
start=$(date +%s)
export NVC_TIER="${NVC_TIER:-ci}"
echo "tier: $NVC_TIER"

if [ "${NVC_SKIP_SETUP:-0}" != 1 ]; then
	sh "$TOP/tests/setup/all.sh"
fi
setup_done=$(date +%s)

for t in "$TOP"/tests/t[0-9][0-9]-*.sh; do
	n=$(basename "$t" .sh)
	if [ -n "${NVC_TESTS:-}" ]; then
		case " $NVC_TESTS " in *" ${n%%-*} "*|*" $n "*) ;; *) continue ;; esac
	fi
	echo "=== $n"
	t0=$(date +%s)
	if ! sh "$t"; then
		echo "fail $n: the test script itself exited non-zero" >>"$NVC_RESULTS"
		echo "not ok - $n: the test script itself exited non-zero"
	fi
	echo "=== $n: $(( $(date +%s) - t0 )) s"
done

if [ -s "$NVC_OUT/table.tsv" ]; then
	echo
	echo "Driver x kernel results"
	{
		printf 'driver\tkernel\tresult\tdetail\tseconds\n'
		cat "$NVC_OUT/table.tsv"
	} | column -t -s "$(printf '\t')"
fi

# vgpu-compat says "internal error" when a command failed under set -e
# where none should (scripts/lib/common.sh): in any log of any test, that
# is a bug of ours, whatever the test asserted.
grep -rl --exclude=results --exclude='*.sh' 'error: internal error: .* stopped with exit [0-9]* without saying why' "$NVC_OUT" 2>/dev/null |
while IFS= read -r f; do
	echo "fail vgpu-compat stopped without saying why (an internal error) in $f" >>"$NVC_RESULTS"
	echo "not ok - vgpu-compat stopped without saying why in $f"
done

passed=$(grep -c '^pass ' "$NVC_RESULTS" || true)
failed=$(grep -c '^fail ' "$NVC_RESULTS" || true)
skipped=$(grep -c '^skip ' "$NVC_RESULTS" || true)
end=$(date +%s)
echo
if [ "$failed" -gt 0 ]; then
	echo "Failed checks:"
	sed -n 's/^fail /  /p' "$NVC_RESULTS"
fi
echo "setup $((setup_done - start)) s, tests $((end - setup_done)) s, total $((end - start)) s"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
