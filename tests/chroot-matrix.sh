#!/bin/sh
# SPDX-License-Identifier: MIT
# The matrix per Debian suite, as its users build (make matrix-chroot):
# for each SUITE a debootstrap chroot (tests/lib/chroot.sh) with the suite's
# own linux-headers-amd64 package and the compiler that built its kernel;
# in it, every fixture driver patched by vgpu-compat apply and built with
# its own Makefile (both modules, modpost clean, vermagic of the headers),
# and tests/matrix.sh's cells for Debian's real NVIDIA sources and NVIDIA's
# kernel-open glue (tests/lib/chroot-matrix.sh: the same judge as on the
# host).
#
# usage: tests/chroot-matrix.sh [--drivers "ROLE|kernel-open[-TAG]..."] [--fixtures "VERSION..."] [SUITE...]
#        defaults: every role of tests/setup/nvidia-sources.sh and every
#        kernel-open tag; every fixture; bookworm trixie sid
#
# Prints a table suite x driver (kernel, its gcc, result, detail, seconds),
# also in $NVC_OUT/chroot-matrix.md and .tsv.  Needs root, debootstrap,
# unshare and the mirror (tests/setup/all.sh for the NVIDIA sources).  The
# maintainer tier: a suite with every real tree takes about an hour here.
# Exit: 0 every cell built, 1 one did not, 2 usage.
set -eu
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/apt.sh"
. "$(dirname "$0")/lib/chroot.sh"
. "$(dirname "$0")/lib/chroot-matrix.sh"
DRIVERS="$NVC_NVIDIA_ROLES kernel-open"
FX_VERSIONS="535.161.05 550.54.16 550.144.02 570.133.10 580.65.05 595.45.04"
while [ $# -gt 0 ]; do
	case $1 in
	--drivers) [ $# -ge 2 ] || exit 2; DRIVERS=$2; shift 2 ;;
	--fixtures) [ $# -ge 2 ] || exit 2; FX_VERSIONS=$2; shift 2 ;;
	-h|--help) sed -n 's/^# usage: /usage: /p; s/^#        /       /p' "$0" | head -n 3; exit 0 ;;
	-*) echo "chroot-matrix: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || set -- bookworm trixie sid
[ "$(id -u)" = 0 ] || { echo "chroot-matrix: needs root (debootstrap, chroot)" >&2; exit 1; }
[ -n "${NVC_APT_MIRROR:-}" ] || { echo "chroot-matrix: no Debian mirror in the machine's apt sources (NVC_APT_MIRROR)" >&2; exit 1; }
W=$NVC_OUT/chroot-matrix
rm -rf "$W"; mkdir -p "$W"
TSV=$NVC_OUT/chroot-matrix.tsv
: >"$TSV"
roles=
for d in $DRIVERS; do case $d in kernel-open*) ;; *) roles="$roles $d" ;; esac; done
mx_drivers=$(for d in $DRIVERS; do echo "$d"; done | tr '\n' ' ')

row() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$TSV"; }
bad=0
for S in "$@"; do
	R=$W/$S/root L=$W/$S
	echo "=== $S"
	# shellcheck disable=SC2086 # one word per role
	if ! cm_prepare "$S" "$R" "$L" $roles; then
		row "$S" - - - failed "$CM_ERR" 0
		bad=1
		continue
	fi
	echo "$S: Linux $CM_REL, built by $CM_CC; the chroot's: $CM_GCC"
	# fixtures: apply, then the driver's own build, in the chroot
	for v in $FX_VERSIONS; do
		cm_fixture "$R" "$v" "$L"
		[ "$CM_RES" = built ] || bad=1
		row "$S" "$CM_REL" "$CM_CC" "$v (fixture, patched)" "$CM_RES" "$CM_DET" "$CM_SECS"
		printf '%-9s %-34s %-8s %s s: %s\n' "$S" "$v (fixture, patched)" "$CM_RES" "$CM_SECS" "$CM_DET"
	done
	# Debian's sources and NVIDIA's glue: tests/matrix.sh in the chroot
	if [ -n "$mx_drivers" ]; then
		cm_matrix "$R" "$S" nvc "$L/matrix" "$mx_drivers" || :
		if [ -s "$L/matrix/matrix.tsv" ]; then
			while IFS=$(printf '\t') read -r d _ rel res det secs _; do
				row "$S" "$rel" "$CM_CC" "$d" "$res" "$det" "$secs"
				printf '%-9s %-34s %-8s %s s: %s\n' "$S" "$d" "$res" "$secs" "$(printf '%s' "$det" | cut -c1-160)"
				[ "$res" = built ] || [ "$res" = declined-known ] || [ "$res" = skipped ] || bad=1
			done <"$L/matrix/matrix.tsv"
		else
			row "$S" "$CM_REL" "$CM_CC" "tests/matrix.sh" failed "$(tail -n 1 "$L/matrix.out")" 0
			bad=1
		fi
	fi
	[ "$bad" = 1 ] || rm -rf "$R"
done
{
	echo "| suite | kernel | compiler | driver | result | detail | s |"
	echo "|---|---|---|---|---|---|---|"
	sed 's/|/\\|/g; s/\t/ | /g; s/^/| /; s/$/ |/' "$TSV"
} >"$NVC_OUT/chroot-matrix.md"
echo "chroot-matrix: $(awk -F'\t' '$5 == "built"' "$TSV" | grep -c . || true) built, $(awk -F'\t' '$5 == "failed"' "$TSV" | grep -c . || true) failed; table in $NVC_OUT/chroot-matrix.md"
exit "$bad"
