#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Remove what an earlier test run left on this machine when it was killed
# (a CI time-out, ^C) before its own cleanup ran: DKMS registrations and
# /usr/src trees of the versions only the tests use, the modules DKMS put
# under /lib/modules for them, and the kernel hooks when no driver is left.
# A machine where CI runs is reused; t60 found nvidia-vgpu-compat/535.161.97
# (its own made-up version) still registered from a killed run and failed.
# Only test versions are touched: the fixtures' versions and the made-up
# ones the tests derive from them. A real driver installed on a developer's
# host is left alone.
set -eu
NVC_SETUP_DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$NVC_SETUP_DIR/../.." && pwd)
# shellcheck source=tests/lib/apt.sh
. "$NVC_SETUP_DIR/../lib/apt.sh"
nvc_setup_init leftovers
nvc_step_start "leftovers of killed runs"

# Versions the tests install: every fixture, and the made-up ones
# (t60: 535.161.97, t40/t64: 550.54.99, 999.1.2).
versions="535.161.97 550.54.99 999.1.2"
for d in "$TOP"/tests/fixtures/drivers/NVIDIA-Linux-x86_64-*-vgpu-kvm; do
	v=${d##*/NVIDIA-Linux-x86_64-}; versions="$versions ${v%-vgpu-kvm}"
done

removed=
if command -v dkms >/dev/null 2>&1; then
	for v in $versions; do
		if [ -e "/var/lib/dkms/nvidia-vgpu-compat/$v" ] || [ -e "/usr/src/nvidia-vgpu-compat-$v" ]; then
			sh "$TOP/scripts/dkms-uninstall" "$v" >/dev/null 2>&1 || true
			# dkms remove fails on a half-registered tree; remove it by hand.
			rm -rf "/var/lib/dkms/nvidia-vgpu-compat/$v" "/usr/src/nvidia-vgpu-compat-$v"
			removed="$removed $v"
		fi
	done
	rmdir /var/lib/dkms/nvidia-vgpu-compat 2>/dev/null || true
fi
# Kernels the tests link to their prepared trees (link_kernel in
# tests/lib/common.sh: /lib/modules/<release>/build -> the cache), unless a
# package owns the directory: a stale link would make the tests build
# against a tree of an earlier cache.
for m in /lib/modules/*; do
	[ -L "$m/build" ] || continue
	case $(readlink "$m/build") in
	"$NVC_CACHE"/kernels/*|*/nvidia-vgpu-compat/kernels/*) ;;
	*) continue ;;
	esac
	dpkg-query -S "$m" >/dev/null 2>&1 && continue
	rm -rf "$m"; removed="$removed ${m#/lib/modules/}"
done
# Kernels the tests invent (t60, t62: *-nvc-*) have no package behind them.
for m in /lib/modules/*-nvc-*; do
	[ -e "$m" ] || [ -L "$m" ] || continue
	rm -rf "$m"; removed="$removed ${m#/lib/modules/}"
done
# The hooks go when no driver is registered and no package owns them.
if ! ls -d /usr/src/nvidia-vgpu-compat-* >/dev/null 2>&1; then
	for h in /etc/kernel/postinst.d/zz-nvidia-vgpu-compat /etc/kernel/header_postinst.d/zz-nvidia-vgpu-compat; do
		if [ -e "$h" ] && ! dpkg-query -S "$h" >/dev/null 2>&1; then
			rm -f "$h"; removed="$removed $h"
		fi
	done
fi
if [ -n "$removed" ]; then
	nvc_step_done "removed:$removed"
else
	nvc_step_done "nothing left over"
fi
