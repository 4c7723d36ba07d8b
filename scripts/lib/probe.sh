# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# vgpu-compat, probe: the compile probes against one kernel.
# Sourced by scripts/vgpu-compat (shellcheck checks it through that file,
# which sets what it uses); not a program of its own.

# ---------------------------------------------------------------------------
# Probes, standalone: a throw-away external-module directory whose Kbuild
# includes our nvc-compat.Kbuild and builds only nvc-probes.h.

run_probes() { # run_probes KERNEL_BUILD_DIR OUT_HEADER
	kb=$1 out=$2
	[ -f "$kb/Makefile" ] || die 7 "'$kb' is not a kernel build directory (no Makefile); install the kernel headers (linux-headers-<release>) or pass --kernel /lib/modules/<release>/build"
	pd=$tmp/probe
	mkdir -p "$pd"
	cat >"$pd/Kbuild" <<EOF
NVC_DIR := $NVC_COMPAT
NVC_OUT := \$(obj)
include \$(NVC_DIR)/nvc-compat.Kbuild
always-y += nvc-probes.h
EOF
	if ! make -s -C "$kb" M="$pd" modules >"$pd/log" 2>&1 ||
	   [ ! -f "$pd/nvc-probes.h" ]; then
		sed -n '1,20p' "$pd/log" >&2
		die 7 "the compile probes failed against $kb (see above); is the kernel build tree complete (make modules_prepare)?"
	fi
	cp "$pd/nvc-probes.h" "$out"
}

cmd_probe() {
	kbuild=''
	while [ $# -gt 0 ]; do
		case $1 in
		--kernel) [ $# -ge 2 ] || usage; kbuild=$2; shift 2 ;;
		--kernel=*) kbuild=${1#*=}; shift ;;
		*) usage ;;
		esac
	done
	[ -n "$kbuild" ] || usage
	mktmp
	probe_report
}
