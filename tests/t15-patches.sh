#!/bin/sh
# SPDX-License-Identifier: MIT
# patches/ is what tests/devtools/regen-patches.sh makes from the pristine
# fixture trees (a refresh changes nothing), every patch carries its DEP-3
# header, and every break topic names the upstream commit, the first kernel
# release, and how to recognise a tree that already has a fix.
set -eu
. "$(dirname "$0")/lib/common.sh"
W=$NVC_OUT/t15
rm -rf "$W"; mkdir -p "$W"
if sh "$TOP/tests/devtools/regen-patches.sh" "$W/patches" >"$W/regen.log" 2>&1; then
	diff -r "$TOP/patches" "$W/patches" >"$W/diff" && pass "refreshing patches/ changes nothing" ||
		{ fail "patches/ differs from a refresh"; head -n 30 "$W/diff"; }
else
	fail "regen-patches.sh failed"; cat "$W/regen.log"
fi
for p in "$TOP"/patches/*/*.patch; do
	n=${p#"$TOP"/patches/}
	for h in From Date Subject Origin Forwarded Last-Update X-Kernel-Release; do
		grep -q "^$h: ." "$p" || fail "$n: no $h header"
	done
	case $n in 0000-*) continue ;; esac
	grep -Eq '^X-(Native-Fix|Needed-If): [^ ]* .' "$p" && pass "$n: says how to recognise a native fix" || fail "$n: no X-Native-Fix / X-Needed-If"
	grep -Eq '^Origin: other, https://git.kernel.org/linus/[0-9a-f]{12}$' "$p" && pass "$n: Origin names the upstream commit" ||
		fail "$n: Origin is not an upstream commit"
	if grep -q '^X-Needed-If: ' "$p"; then
		! grep -q '^+++ ' "$p" && pass "$n: fixed inside the compat layer, no diff" || fail "$n: X-Needed-If topic with a diff"
	else
		[ "$(grep -c '^+++ b/kernel/' "$p")" -ge 1 ] && pass "$n: paths are a/kernel/..., b/kernel/..." || fail "$n: patch paths"
	fi
done
# The wrappers: every compat gate names an upstream commit and a release.
for h in "$TOP"/compat/nvc-*.h; do
	n=$(basename "$h")
	[ "$n" = nvc-compat.h ] && continue
	grep -Eq 'commit [0-9a-f]{12}' "$h" && grep -Eq '[0-9]\.[0-9]+ (API )?change' "$h" &&
		pass "$n: gates name the upstream commit and release" || fail "$n: gate without provenance"
done
for p in "$TOP"/compat/probes/*.c; do
	n=$(basename "$p")
	# line 1 the SPDX line (checkpatch, t05), line 2 what nvc-probe.sh reads
	[ "$(sed -n 1p "$p")" = "// SPDX-License-Identifier: MIT" ] || fail "$n: line 1 is not the SPDX line"
	sed -n 2p "$p" | grep -Eq '^/\* NVC_PROBE: NVC_[A-Z0-9_]+ \*/$' || fail "$n: line 2 is not the NVC_PROBE line"
	[ "$n" = baseline.c ] && continue
	c=$(tr '\n*' '  ' <"$p" | tr -s ' ')
	echo "$c" | grep -Eq 'commit [0-9a-f]{12}' && echo "$c" | grep -Eq '(in|since|from|\() ?[0-9]\.[0-9]+' &&
		pass "probe $n names the upstream commit and release" || fail "probe $n without provenance"
done
