#!/bin/sh
# SPDX-License-Identifier: MIT
# KUnit: the wrappers' behaviour inside a real kernel (tests/nvc_compat_kunit.c),
# run by the kernel's own kunit.py (tests/kunit/run.sh) on both sides of the
# 6.6/6.8 breaks: bookworm's 6.1 source (6.1-src) and the newest 7.x (7-newest, NVC_KUNIT_KERNELS,
# default "6.1-src 7-newest"); every KTAP case counts as one check here, and a
# skipped case must give its reason.
set -eu
. "$(dirname "$0")/lib/common.sh"
W=$NVC_OUT/t70
rm -rf "$W"; mkdir -p "$W"
# CI tier: the newest 7.x only (a UML kernel from an empty cache costs about
# ten minutes); full: also bookworm's 6.1, the other side of the 6.6 / 6.8 breaks.
KUNIT_KIDS=${NVC_KUNIT_KERNELS:-6.1-src 7-newest}
[ "$NVC_TIER" = full ] || KUNIT_KIDS=${NVC_KUNIT_KERNELS:-7-newest}
for id in $KUNIT_KIDS; do
	t0=$(date +%s)
	if sh "$TOP/tests/kunit/run.sh" "$id" >"$W/$id.log" 2>&1; then rc=0; else rc=$?; fi
	secs=$(( $(date +%s) - t0 ))
	# tests/kunit/run.sh keys its build by the exact tree kernels/<ID> links to
	kd=$NVC_CACHE/kunit/$id
	if [ -L "$NVC_CACHE/kernels/$id" ]; then kd=$NVC_CACHE/kunit/$(basename "$(readlink "$NVC_CACHE/kernels/$id")"); fi
	# kunit.py's case lines: "[time] [PASSED] case", "[FAILED]", "[SKIPPED]"
	# (newer kunit.py add the skip reason: "[SKIPPED] case (reason)").
	sed -n 's/^\[[0-9:]*\] \[\(PASSED\|FAILED\|SKIPPED\)\] \([a-z0-9_]*\)\( (.*)\)\{0,1\}$/\1 \2/p' \
		"$W/$id.log" >"$W/$id.cases"
	while read -r res name; do
		case $res in
		PASSED) pass "kunit $id: $name" ;;
		FAILED) fail "kunit $id: $name" ;;
		SKIPPED)
			# A case the kernel cannot run (API absent) must say why.
			why=$(sed -n "s/^\(\[ *[0-9.]*\] \)\{0,1\} *ok [0-9]* $name # SKIP \(..*\)\$/\2/p" \
				"$kd/test.log" 2>/dev/null | head -n 1)
			if [ -n "$why" ]; then
				skip "kunit $id: $name: $why"
			else
				fail "kunit $id: $name skipped without a reason"
			fi ;;
		esac
	done <"$W/$id.cases"
	summary=$(grep -E '^kunit: [0-9]+ passed' "$W/$id.log" | tail -n 1)
	if [ "$rc" = 0 ] && [ -n "$summary" ]; then
		pass "kunit $id: run completed in $secs s ($summary)"
	else
		fail "kunit $id: run failed (exit $rc) after $secs s"; tail -n 30 "$W/$id.log"
	fi
done
