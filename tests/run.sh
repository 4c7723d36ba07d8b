#!/bin/sh
# SPDX-License-Identifier: MIT
#
# make check: set up what the tests need (tools, kernel trees, NVIDIA
# sources; cached in $NVC_CACHE), run every tests/t*.sh, print the driver x
# kernel table and end with "N passed, M failed".
# NVC_TESTS="t10 t30" runs only those; NVC_SKIP_SETUP=1 skips the setup.
# NVC_SUITE_JOBS=N runs N suites at once (default: the number of CPUs, at most 2;
# 1: one after another).  The suites that change the system (DKMS, the
# kernel hook, the flavours, the .deb: t60 t61 t62 t64 t90) and the boot test, whose QEMU
# has timeouts (t68), run one after another in the first lane, before it
# takes from the rest; each suite's output is printed whole when it ends.
# NVC_TIER=ci (default; make check, .ci/run) or full (make check-full):
# see tests/lib/common.sh and README's "Tests".
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
export NVC_OUT="${NVC_OUT:-$TOP/tests/out}"
export NVC_CACHE="${NVC_CACHE:-/var/cache/nvidia-vgpu-compat}"
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

# The suites to run, in file order; SERIAL: the first lane's, in order.
SERIAL="t60 t61 t62 t64 t68 t90"
LOGS=$NVC_OUT/suite-logs
mkdir -p "$LOGS"
: >"$LOGS/serial"; : >"$LOGS/pool"; : >"$LOGS/all"
for t in "$TOP"/tests/t[0-9][0-9]-*.sh; do
	n=$(basename "$t" .sh)
	if [ -n "${NVC_TESTS:-}" ]; then
		case " $NVC_TESTS " in *" ${n%%-*} "*|*" $n "*) ;; *) continue ;; esac
	fi
	echo "$n" >>"$LOGS/all"
	case " $SERIAL " in *" ${n%%-*} "*) echo "$n" >>"$LOGS/serial" ;; *) echo "$n" >>"$LOGS/pool" ;; esac
done
# The pool longest first (each suite's time in the last run that had it,
# kept in the cache; else its time in tests/suite-seconds, measured on the
# 2-core machine and committed, so that a fresh CI machine orders them too;
# a suite in neither counts as the longest), so that no long suite is left
# to run alone at the end.
SECONDS_FILE=$NVC_CACHE/suite-seconds
while IFS= read -r n; do
	s=$(awk -v n="$n" '$1 == n { s = $2 } END { print s }' "$SECONDS_FILE" 2>/dev/null || :)
	[ -n "$s" ] || s=$(awk -v n="$n" '$1 == n { s = $2 } END { print (s == "" ? 999999 : s) }' "$TOP/tests/suite-seconds")
	echo "$s $n"
done <"$LOGS/pool" | sort -k1,1nr -s | cut -d' ' -f2 >"$LOGS/pool.sorted"
mv "$LOGS/pool.sorted" "$LOGS/pool"
jobs=${NVC_SUITE_JOBS:-$(nproc 2>/dev/null || echo 1)}
case $jobs in ''|*[!0-9]*|0) echo "NVC_SUITE_JOBS=$jobs: a number of suites at once, 1 or more" >&2; exit 2 ;; esac
[ "${NVC_SUITE_JOBS:-}" ] || [ "$jobs" -le 2 ] || jobs=2
echo "suites at once: $jobs"

# run_suite NAME: one suite, its output into $LOGS/NAME.log, then printed
# whole (under a lock, so two lanes' output does not interleave).
run_suite() {
	_t0=$(date +%s)
	[ "$jobs" = 1 ] || flock "$LOGS/print.lock" echo "--- $1 started"
	{
		echo "=== $1"
		if ! sh "$TOP/tests/$1.sh" </dev/null; then
			echo "fail $1: the test script itself exited non-zero" >>"$NVC_RESULTS"
			echo "not ok - $1: the test script itself exited non-zero"
		fi
		echo "=== $1: $(( $(date +%s) - _t0 )) s"
	} >"$LOGS/$1.log" 2>&1
	# remember the time for the next run's order (no cache dir: no record)
	if [ -d "$NVC_CACHE" ]; then
		flock "$SECONDS_FILE.lock" sh -c '{ grep -v "^$1 " "$2" 2>/dev/null; echo "$1 $3"; } >"$2.$$" && mv "$2.$$" "$2"' \
			sh "$1" "$SECONDS_FILE" "$(( $(date +%s) - _t0 ))" || :
	fi
	flock "$LOGS/print.lock" cat "$LOGS/$1.log"
}
# next_from_pool: the first suite of the pool, taken out of it (empty: none left)
next_from_pool() {
	flock "$LOGS/pool.lock" sh -c 'f=$1; n=$(sed -n 1p "$f") && sed -i 1d "$f" && echo "$n"' sh "$LOGS/pool"
}
# A runner failure (a log that cannot be written, ...) is counted for the
# suite, and the lane goes on with the next one.
run_or_count() {
	run_suite "$1" || echo "fail $1: run.sh could not run or print it" >>"$NVC_RESULTS"
}
lane() {
	if [ "$1" = 1 ]; then
		while IFS= read -r n; do run_or_count "$n"; done <"$LOGS/serial"
	fi
	while n=$(next_from_pool) && [ -n "$n" ]; do run_or_count "$n"; done
}
if [ "$jobs" = 1 ]; then
	while IFS= read -r n; do run_or_count "$n"; done <"$LOGS/all"
else
	i=1
	while [ "$i" -le "$jobs" ]; do lane "$i" & i=$((i + 1)); done
	wait
fi
# Every suite ran to its end (a lane that died would leave some unrun).
while IFS= read -r n; do
	grep -q "^=== $n: [0-9]* s\$" "$LOGS/$n.log" 2>/dev/null ||
		{ echo "fail $n: did not run to its end (see run.sh)" >>"$NVC_RESULTS"; echo "not ok - $n: did not run to its end"; }
done <"$LOGS/all"

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
grep -rl --exclude=results --exclude='*.sh' --exclude-dir=suite-logs 'error: internal error: .* stopped with exit [0-9]* without saying why' "$NVC_OUT" 2>/dev/null |
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
