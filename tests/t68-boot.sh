#!/bin/sh
# SPDX-License-Identifier: MIT
# Run-time checks: Debian's real kernel of each prepared tree booted under
# QEMU (TCG) with the fixture modules we built for it (tests/boot/run.sh,
# also "make boot-check"): they load, symbol_get() finds nvidia's
# interface, an mdev vGPU is created, opened through vfio and removed, and
# the controls built without topic 0005 / 0202 / 0004 fail where those
# breaks break. One check per kernel and step; a kernel that cannot be booted
# here (no qemu, tree missing, image gone from the archive) is skipped
# with the reason. Tiers: ci 7-newest (it has every control: 0005 and the
# 6.19 region info; a boot costs 4-6 minutes with the builds on CI's two
# cores, and the CI tier's total came near 90 minutes), full every kernel.
set -eu
. "$(dirname "$0")/lib/common.sh"

if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
	skip "qemu-system-x86_64 not installed (tests/setup/deps.sh installs qemu-system-x86)"
	exit 0
fi
ids=
# full: also 7-newest-pve, the small PVE-like kernel tests/boot/kernel.sh
# builds (CONFIG_IOMMUFD: the vfio cdev path and the control without 0004;
# its cold build took 7 minutes on the idle 2-core machine, 23 with other
# jobs beside it: too long for CI)
case $NVC_TIER in ci) boot_ids=7-newest ;; *) boot_ids="$NVC_ALL_KERNELS 7-newest-pve" ;; esac
for id in $boot_ids; do
	if kernel_ready "$id"; then ids="$ids $id"; else skip "boot on $id: kernel tree not prepared"; fi
done
[ -n "$ids" ] || exit 0

# shellcheck disable=SC2086 # one word per kernel ID
NVC_OUT=$NVC_OUT sh "$TOP/tests/boot/run.sh" $ids >"$NVC_OUT/t68.log" 2>&1 || :
sed -n '/^Boot check: /,$p' "$NVC_OUT/t68.log"
R=$NVC_OUT/boot/results.tsv
[ -s "$R" ] || { fail "tests/boot/run.sh wrote no results"; tail -n 20 "$NVC_OUT/t68.log"; exit 0; }
tab=$(printf '\t')
# counts per kernel, read before the loop below writes table.tsv
counts=$(awk -F '\t' '$4 == "pass" { p[$1]++ } $4 == "fail" { f[$1]++ } $4 == "skip" { s[$1]++ }
	{ ids[$1] = 1 } END { for (i in ids) printf "%s %d passed, %d failed, %d skipped\n", i, p[i], f[i], s[i] }' "$R")
while IFS=$tab read -r id rel st res why; do
	case $res in
	pass) pass "boot $id ($rel): $st: $why" ;;
	skip) skip "boot $id ($rel): $st: $why" ;;
	fail) fail "boot $id ($rel): $st: $why" ;;
	-)
		secs=${why##* and boot }
		table_row "boot-check (${NVC_BOOT_FIXTURE:-550.144.02} fixture)" "$rel" \
			"$(printf '%s\n' "$counts" | awk -v i="$id" '$1 == i { $1 = ""; sub(/^ /, ""); print }')" \
			"${why%%,*}" "${secs% s}"
		;;
	esac
done <"$R"
