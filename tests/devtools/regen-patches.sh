#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Maintainer tool: regenerate patches/ from the pristine fixture trees (the
# driver lines at each site are those of NVIDIA's pristine sources).
#   sh tests/devtools/regen-patches.sh [OUTDIR]     (default: patches/)
# tests/t15-patches.sh checks that regenerating changes nothing.
# The topics are written by tests/devtools/patches.d/*.sh, sourced in order.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$TOP/patches}
NVC_CACHE=${NVC_CACHE:-/var/cache/nvidia-vgpu-compat}
# Pristine trees the topic scripts diff against: our fixtures (NVIDIA's
# pristine vGPU sites) and Debian's NVIDIA sources (tests/setup/nvidia-sources.sh).
# shellcheck disable=SC2034 # used by the patches.d/*.sh sourced below
{
	F550=$TOP/tests/fixtures/drivers/NVIDIA-Linux-x86_64-550.54.16-vgpu-kvm/kernel
	F535=$TOP/tests/fixtures/drivers/NVIDIA-Linux-x86_64-535.161.05-vgpu-kvm/kernel
	# NVIDIA's kernel-open 580.65.06 lines at the nvidia/ sites (vGPU 19.0)
	F580=$TOP/tests/fixtures/drivers/NVIDIA-Linux-x86_64-580.65.05-vgpu-kvm/kernel
	# by role (tests/setup/nvidia-sources.sh): 550.54.15, 550.163.01,
	# 535.216.03 and 535.274.02 when these patches were made
	D550_54=$NVC_CACHE/nvidia/tesla550-sid
	D550_163=$NVC_CACHE/nvidia/current-trixie
	D535_216=$NVC_CACHE/nvidia/tesla535-bookworm
	D535_274=$NVC_CACHE/nvidia/tesla535-sid
	LAST=2026-11-21		# Last-Update: of the DEP-3 headers
}
H=$(mktemp)
trap 'rm -f "$H"' EXIT
DATE="Sat, 21 Nov 2026 12:00:00 +0000"

hdr() { # hdr SUBJECT, body on stdin
	{
		echo "From: nvidia-vgpu-compat <nvidia-vgpu-compat@users.noreply.invalid>"
		echo "Date: $DATE"
		echo "Subject: [PATCH] $1"
		echo
		cat
	} >"$H"
}
mk() { # mk TOPIC VARIANT PRISTINE_KERNEL_DIR EDIT...
	_t=$1 _v=$2 _p=$3
	shift 3
	mkdir -p "$OUT/$_t"
	python3 "$TOP/tests/devtools/mkpatch.py" "$H" "$_p" "$OUT/$_t/$_v.patch" "$@"
}

for part in "$TOP"/tests/devtools/patches.d/*.sh; do
	# shellcheck source=/dev/null # each part is checked on its own (t05)
	. "$part"
done

# Semantic patches (patches/*/*.cocci, read by vgpu-compat before the
# diffs): the rules after their "// ---" line are written by hand in
# patches/; the header above it is the topic's patch header as "//"
# comments, so that it always says what the diffs say (a topic with no diff
# keeps its own header).
C=$(mktemp)
trap 'rm -f "$H" "$C"' EXIT
for c in "$TOP"/patches/[0-9][0-9][0-9][0-9]-*/*.cocci; do
	[ -f "$c" ] || continue
	t=${c%/*}; t=${t##*/}
	mkdir -p "$OUT/$t"
	for p in "$OUT/$t"/*.patch; do break; done
	{
		if [ -f "$p" ]; then
			awk '/^---$/ { exit } { print ($0 == "" ? "//" : "// " $0) }' "$p"
		else
			sed -n '\|^// ---$|q; p' "$c"
		fi
		echo "// ---"
		awk 'f { print } /^\/\/ ---$/ { f = 1 }' "$c"
	} >"$C"
	cp "$C" "$OUT/$t/${c##*/}"
done

# residue.rules: every topic's residue rules (X-Residue, X-Residue-Missing,
# X-Native-Guard, X-Native-Stub) in one file, "TOPIC HEADER-LINE".  vgpu-compat reads them
# from here as well as from the headers, so that deleting a topic's
# directory leaves its old API to be found by the residue check (t17).
for p in "$OUT"/[0-9][0-9][0-9][0-9]-*/*.patch "$OUT"/[0-9][0-9][0-9][0-9]-*/*.cocci; do
	[ -f "$p" ] || continue
	t=${p%/*}; t=${t##*/}
	case $p in
	*.cocci) sed -n '\|^// ---$|q; \|^//|!q; s|^// \{0,1\}||p' "$p" ;;
	*) sed -n '/^---$/q; p' "$p" ;;
	esac | sed -n -E "s/^(X-Residue|X-Residue-Missing|X-Native-Guard|X-Native-Stub): /$t &/p"
done | LC_ALL=C sort -u >"$OUT/residue.rules"
