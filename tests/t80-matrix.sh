#!/bin/sh
# SPDX-License-Identifier: MIT
# The real driver x kernel matrix (tests/matrix.sh, also "make matrix"): one
# check per cell.  built passes; declined-known passes with its documented
# reason (tests/matrix.d/declined.tsv); failed fails with what went wrong;
# skipped (the kernel-open cells where ../shared is absent) skips.
# Cells whose inputs did not change since the last run reuse their recorded
# result, so a second make check costs seconds.
set -eu
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/lib/common.sh"
if [ "$NVC_TIER" != full ]; then
	skip "the matrix is the maintainer tier's (make check-full or make matrix; 50 cells, hours from an empty cache)"
	exit 0
fi

rc=0
NVC_SKIP_SETUP=1 sh "$TOP/tests/matrix.sh" >"$NVC_OUT/matrix.out" 2>&1 || rc=$?
sed -n '/^driver /,$p' "$NVC_OUT/matrix.out"
tsv=$NVC_OUT/matrix.tsv
if [ ! -s "$tsv" ]; then
	fail "the matrix did not run (exit $rc)"
	tail -n 20 "$NVC_OUT/matrix.out"
	exit 0
fi

tab=$(printf '\t')
while IFS=$tab read -r drv _ rel result detail secs cached cell _; do
	label="real $drv on $rel"
	[ "$cached" = 1 ] && c=", cached" || c=
	case $result in
	built) pass "$label: built ($detail)$c" ;;
	declined-known) pass "$label: declined-known: $detail" ;;
	skipped) skip "$label: $detail" ;;
	*)
		fail "$label: $result: $detail"
		if [ -s "$NVC_OUT/matrix/$cell.errors" ]; then
			sed 's/^/    | /' "$NVC_OUT/matrix/$cell.errors" | head -n 8
		fi
		;;
	esac
	case $drv in
	*"(kernel-open)"* | "kernel-open "*) src="$drv (matrix)" ;;
	*) src="$drv (Debian, matrix)" ;;
	esac
	table_row "$src" "$rel" "$result" "$detail" "$secs${c:+ (cached)}"
done <"$tsv"

# The matrix's own verdict agrees with the cells.
if awk -F'\t' '$4 == "failed"' "$tsv" | grep -q .; then want=1; else want=0; fi
if [ "$rc" = "$want" ]; then pass "matrix.sh exits $rc"; else fail "matrix.sh exits $rc, want $want"; fi
if [ -s "$NVC_OUT/matrix.md" ]; then pass "matrix.md written"; else fail "no matrix.md"; fi
