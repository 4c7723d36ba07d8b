#!/bin/sh
# SPDX-License-Identifier: MIT
#
# make boot-check: tests/boot/boot.sh on each kernel, then a table kernel x
# step and "N passed, M failed, K skipped".
#
#   tests/boot/run.sh [ID...]   default: the prepared kernels of the tier
#                               (NVC_TIER=ci: 6.1 6.12-trixie 7-newest;
#                               full: also 6.12, 7-prev and 7-newest-pve,
#                               a PVE-like kernel tests/boot/kernel.sh
#                               builds)
# Results in $NVC_OUT/boot/results.tsv, one line per kernel and step:
#   <id> <release> <step> pass|fail|skip <reason>
# (tests/t68-boot.sh reads it). A kernel that cannot be booted here (no
# qemu, tree not prepared, image gone from the archive) is one skip line;
# a guest that does not reach its end, or a step missing from its report,
# is a fail. Exit 0 when nothing failed.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
NVC_OUT=${NVC_OUT:-$TOP/tests/out}
NVC_CACHE=${NVC_CACHE:-/var/cache/nvidia-vgpu-compat}
export NVC_CACHE
NVC_TIER=${NVC_TIER:-ci}
case $NVC_TIER in
full)
	default="6.1 6.12 6.12-trixie 7-prev 7-newest 7-newest-pve"
	export NVC_BOOT_REAL="${NVC_BOOT_REAL-current-trixie}"
	;;
*) default="6.1 6.12-trixie 7-newest" ;;
esac
# shellcheck disable=SC2086 # one word per kernel ID
[ $# -gt 0 ] || set -- $default
# every step tests/boot/init reports, in its order
STEPS="boot in-tree-modules nvidia-load vgpu-vfio-load mdev-parent mdev-create vfio-open eventfd-irq vfio-cdev mdev-remove unload dmesg-clean control-no-0005 control-no-0202 control-no-0004 real-nvidia"

B=$NVC_OUT/boot
mkdir -p "$B"
R=$B/results.tsv
: >"$R"
t_all=$(date +%s)
for id in "$@"; do
	rel=$(cat "$NVC_CACHE/kernels/$id/release" 2>/dev/null || echo "?")
	echo "=== boot $id (tree $rel)"
	t0=$(date +%s)
	rc=0
	msg=$(sh "$TOP/tests/boot/boot.sh" "$id" "$B/$id" 2>&1) || rc=$?
	secs=$(( $(date +%s) - t0 ))
	# the booted kernel's release (a PVE-like tree boots a kernel of its own)
	[ ! -s "$B/$id/release" ] || rel=$(cat "$B/$id/release")
	case $rc in
	0)
		for s in $STEPS; do
			line=$(awk -v s="$s" '$1 == s { $1 = ""; sub(/^ /, ""); print; exit }' "$B/$id/steps")
			if [ -z "$line" ]; then line="fail not reported by the guest"; fi
			printf '%s\t%s\t%s\t%s\t%s\n' "$id" "$rel" "$s" "${line%% *}" "${line#* }" >>"$R"
		done
		read -r _ boot _ total <"$B/$id/seconds"
		printf '%s\t%s\t%s\t%s\t%s\n' "$id" "$rel" "(seconds)" "-" "boot $boot s, build and boot $total s" >>"$R"
		;;
	77) printf '%s\t%s\t%s\t%s\t%s\n' "$id" "$rel" "(kernel)" skip "$msg" >>"$R" ;;
	*) printf '%s\t%s\t%s\t%s\t%s\n' "$id" "$rel" "(kernel)" fail "$(printf '%s' "$msg" | tr '\n' ' ' | cut -c 1-300)" >>"$R" ;;
	esac
	echo "=== boot $id: ${secs} s (exit $rc)"
done

echo
echo "Boot check: kernel x step (fixture ${NVC_BOOT_FIXTURE:-550.144.02}; details: $R)"
# abbreviated step names as column heads
awk -F '\t' -v steps="$STEPS" '
	BEGIN {
		n = split(steps, st, " ")
		printf "%-12s %-22s", "kernel", "release"
		for (i = 1; i <= n; i++) printf " %-*s", (length(st[i]) < 4 ? 4 : length(st[i])), st[i]
		printf " %s\n", "time"
	}
	{ rel[$1] = $2; if (!($1 in seen)) { seen[$1] = 1; ids[++k] = $1 } res[$1, $3] = $4; why[$1, $3] = $5 }
	END {
		for (j = 1; j <= k; j++) {
			id = ids[j]
			printf "%-12s %-22s", id, rel[id]
			if ((id, "(kernel)") in res) {
				printf " %s: %s\n", res[id, "(kernel)"], why[id, "(kernel)"]
				continue
			}
			for (i = 1; i <= n; i++) {
				r = res[id, st[i]]; if (r == "fail") r = "FAIL"
				printf " %-*s", (length(st[i]) < 4 ? 4 : length(st[i])), r
			}
			t = why[id, "(seconds)"]; sub(/^boot /, "", t); sub(/, build and boot /, "/", t)
			printf " %s\n", t
		}
	}' "$R"
echo "(time: the boot alone / build + boot, seconds)"
if grep -q "	skip	" "$R"; then
	echo "Skipped:"
	awk -F '\t' '$4 == "skip" { printf "  %s %s: %s\n", $1, $3, $5 }' "$R"
fi
if grep -q "	fail	" "$R"; then
	echo "Failed:"
	awk -F '\t' '$4 == "fail" { printf "  %s %s: %s\n", $1, $3, $5 }' "$R"
fi
echo "total $(( $(date +%s) - t_all )) s"
echo "$(grep -c "	pass	" "$R" || true) passed, $(grep -c "	fail	" "$R" || true) failed, $(grep -c "	skip	" "$R" || true) skipped"
! grep -q "	fail	" "$R"
