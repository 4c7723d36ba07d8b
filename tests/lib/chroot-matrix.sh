# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# shellcheck disable=SC2034 # CM_* are set for the tests that source this file
# Sourced by tests (after tests/lib/common.sh, apt.sh and chroot.sh): the
# real-driver matrix (tests/matrix.sh, the same cells and the same judge)
# run inside a Debian chroot, against that suite's own kernel headers
# package and with the compiler that built its kernel, as a user of that
# suite builds (issue 10: gcc-12 on bookworm / PVE 8, gcc-14 on trixie /
# PVE 9, sid's newest).
#
#   cm_prepare SUITE ROOT LOGDIR [ROLE...]
#                                  a chroot of SUITE at ROOT (must not exist)
#                                  with linux-headers-amd64 of SUITE, gcc, make,
#                                  coccinelle, libpython3-dev, patch, kmod,
#                                  xz-utils; the matrix's inputs in
#                                  ROOT/root/nvc (this checkout's layer and
#                                  matrix), ROOT/root/nvc-cache (the headers
#                                  as kernel ID SUITE; the host's Debian
#                                  NVIDIA trees of each ROLE of
#                                  tests/setup/nvidia-sources.sh), ROOT/root/shared (NVIDIA's
#                                  kernel-open tarballs, where ../shared is).
#                                  Sets CM_REL (the headers' release), CM_CC
#                                  (their CONFIG_CC_VERSION_TEXT) and CM_GCC
#                                  (that compiler's --version in the chroot).
#                                  False, with CM_ERR, on failure.
#   cm_matrix ROOT SUITE PKG OUT DRIVERS
#                                  tests/matrix.sh of the package copy
#                                  ROOT/root/PKG (nvc, or a variant made
#                                  with cm_variant) in the chroot, for
#                                  DRIVERS on kernel ID SUITE, without ccache;
#                                  its out dir copied to OUT (matrix.tsv,
#                                  matrix/*.log).  The exit status of the
#                                  matrix.
#   cm_fixture ROOT VERSION LOGDIR a fixture driver (tests/fixtures) copied
#                                  into the chroot, patched by the package's
#                                  vgpu-compat apply and built with its own
#                                  Makefile against the headers (CM_REL):
#                                  CM_RES built (both modules, modpost
#                                  clean, vermagic CM_REL) or failed, CM_DET,
#                                  CM_SECS; logs LOGDIR/fx-VERSION.*
#   cm_variant ROOT NAME SED FILE  a copy ROOT/root/NAME of the package with
#                                  sed expression SED applied to FILE (a path
#                                  in the package); false when SED changed
#                                  nothing.

cm_prepare() {
	_cm_s=$1 _cm_r=$2 _cm_l=$3
	shift 3
	CM_ERR='' CM_REL='' CM_CC='' CM_GCC=''
	mkdir -p "$_cm_l"
	nvc_chroot_make "$_cm_s" "$_cm_r" 2>"$_cm_l/chroot.log" ||
		{ CM_ERR="no chroot of $_cm_s: $(tail -n 1 "$_cm_l/chroot.log")"; return 1; }
	nvc_in_root "$_cm_r" apt-get update -q >"$_cm_l/update.log" 2>&1 ||
		{ CM_ERR="apt-get update in the $_cm_s chroot: $(tail -n 1 "$_cm_l/update.log")"; return 1; }
	nvc_in_root "$_cm_r" apt-get install -y -q linux-headers-amd64 gcc make coccinelle libpython3-dev bsdextrautils \
		patch kmod xz-utils >"$_cm_l/install.log" 2>&1 ||
		{ CM_ERR="apt-get install linux-headers-amd64 ... in the $_cm_s chroot: $(tail -n 1 "$_cm_l/install.log")"; return 1; }
	_cm_h=$(nvc_in_root "$_cm_r" apt-cache depends linux-headers-amd64 2>/dev/null |
		sed -n 's/^  Depends: linux-headers-//p' | head -n 1)
	_cm_kb=/usr/src/linux-headers-$_cm_h
	CM_REL=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$_cm_r$_cm_kb/include/generated/utsrelease.h" 2>/dev/null)
	[ -n "$CM_REL" ] || { CM_ERR="no UTS_RELEASE in $_cm_kb of the $_cm_s chroot (linux-headers-$_cm_h)"; return 1; }
	CM_CC=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"$/\1/p' "$_cm_r$_cm_kb/.config")
	CM_GCC=$(nvc_in_root "$_cm_r" "${CM_CC%% *}" --version 2>/dev/null | head -n 1)
	# the package parts tests/matrix.sh needs
	_cm_p=$_cm_r/root/nvc
	mkdir -p "$_cm_p/tests"
	cp -a "$TOP/scripts" "$TOP/compat" "$TOP/patches" "$TOP/dkms.conf" "$_cm_p/"
	cp -a "$TOP/tests/matrix.sh" "$TOP/tests/lib" "$TOP/tests/matrix.d" "$_cm_p/tests/"
	# the kernel: the headers package, as tests/setup/kernels.sh lays out one
	_cm_c=$_cm_r/root/nvc-cache
	mkdir -p "$_cm_c/kernels/$_cm_s"
	ln -s "$_cm_kb" "$_cm_c/kernels/$_cm_s/build"
	printf '%s\n' "$CM_REL" >"$_cm_c/kernels/$_cm_s/release"
	nvc_in_root "$_cm_r" dpkg-query -W -f '${Package} ${Version}\n' "linux-headers-$_cm_h" \
		>"$_cm_c/kernels/$_cm_s/packages" 2>/dev/null || :
	cp "$_cm_r$_cm_kb/.config" "$_cm_c/kernels/$_cm_s/debian.config"
	date -u +%Y-%m-%dT%H:%M:%SZ >"$_cm_c/kernels/$_cm_s/ready"
	# Debian's NVIDIA trees the host has (roles and versions, read-only)
	mkdir -p "$_cm_c/nvidia"
	for _cm_role in "$@"; do
		[ -L "$NVC_CACHE/nvidia/$_cm_role" ] || continue
		_cm_v=$(readlink "$NVC_CACHE/nvidia/$_cm_role")
		[ -f "$NVC_CACHE/nvidia/$_cm_v.ready" ] || continue
		if [ ! -e "$_cm_c/nvidia/$_cm_v" ]; then
			cp -a "$NVC_CACHE/nvidia/$_cm_v" "$NVC_CACHE/nvidia/$_cm_v.ready" "$_cm_c/nvidia/"
		fi
		ln -sfn "$_cm_v" "$_cm_c/nvidia/$_cm_role"
	done
	_cm_sh=${NVC_SHARED:-$TOP/../shared}
	if [ -d "$_cm_sh/real/kernel-open" ]; then
		mkdir -p "$_cm_r/root/shared/real"
		cp -a "$_cm_sh/real/kernel-open" "$_cm_r/root/shared/real/"
	fi
}

cm_variant() {
	rm -rf "$1/root/$2"
	cp -a "$1/root/nvc" "$1/root/$2"
	sed -i "$3" "$1/root/$2/$4"
	! cmp -s "$1/root/nvc/$4" "$1/root/$2/$4"
}

cm_matrix() {
	_cm_rc=0
	rm -rf "$1/root/out-$3"
	# shellcheck disable=SC2016 # expanded in the chroot
	timeout --kill-after=30 "${NVC_CM_TIMEOUT:-3600}" sh -c '. "$1"; . "$2"; r=$3; shift 3; nvc_in_root "$r" "$@"' \
		sh "$TOP/tests/lib/apt.sh" "$TOP/tests/lib/chroot.sh" "$1" \
		env NVC_CACHE=/root/nvc-cache NVC_OUT="/root/out-$3" NVC_SHARED=/root/shared \
		NVC_SKIP_SETUP=1 NVC_MATRIX_CCACHE=0 NVC_MATRIX_CACHE="/root/mx-$3" \
		NVC_MATRIX_NOCACHE=1 NVC_JOBS="$(nproc)" \
		sh "/root/$3/tests/matrix.sh" --drivers "$5" --kernels "$2" >"$4.out" 2>&1 || _cm_rc=$?
	rm -rf "$4"
	cp -a "$1/root/out-$3" "$4" 2>/dev/null || mkdir -p "$4"
	return "$_cm_rc"
}

cm_fixture() {
	_cf_r=$1 _cf_v=$2 _cf_l=$3
	_cf_drv=NVIDIA-Linux-x86_64-$_cf_v-vgpu-kvm
	rm -rf "$_cf_r/root/fx"; mkdir -p "$_cf_r/root/fx"
	cp -a "$FIXTURES/$_cf_drv" "$_cf_r/root/fx/"
	_cf_t0=$(date +%s) _cf_ok=1
	# shellcheck disable=SC2016 # expanded in the chroot
	nvc_in_root "$_cf_r" sh -c 'k=/root/fx/$1/kernel; b=/usr/src/linux-headers-$2
		sh /root/nvc/scripts/vgpu-compat apply "$k" >/root/fx/apply.log 2>&1 || { echo "apply failed: $(tail -n 1 /root/fx/apply.log)"; exit 1; }
		LC_ALL=C make -C "$k" -k -j"$3" SYSSRC="$(sh /root/nvc/scripts/kernel-source-dir "$b")" SYSOUT="$b" modules >/root/fx/build.log 2>&1
		rc=$?
		for m in nvidia nvidia-vgpu-vfio; do
			[ -f "$k/$m.ko" ] && echo "vermagic $m $(modinfo -F vermagic "$k/$m.ko" | cut -d" " -f1)"
		done
		exit $rc' sh "$_cf_drv" "$CM_REL" "$(nproc)" >"$_cf_l/fx-$_cf_v.out" 2>&1 || _cf_ok=0
	cp "$_cf_r/root/fx/build.log" "$_cf_l/fx-$_cf_v.log" 2>/dev/null || : >"$_cf_l/fx-$_cf_v.log"
	CM_SECS=$(( $(date +%s) - _cf_t0 ))
	_cf_find=$(modpost_findings "$_cf_l/fx-$_cf_v.log" | head -n 3 | tr '\n' ' ')
	_cf_n=$(grep -c "^vermagic nvidia[-a-z]* $CM_REL\$" "$_cf_l/fx-$_cf_v.out" || true)
	if [ "$_cf_ok" = 1 ] && [ -z "$_cf_find" ] && [ "$_cf_n" = 2 ]; then
		CM_RES=built CM_DET="both modules, modpost clean, vermagic $CM_REL"
	else
		CM_RES=failed
		CM_DET=${_cf_find:-$(grep -h -m 3 -E 'error|failed|Error' "$_cf_l/fx-$_cf_v.out" "$_cf_l/fx-$_cf_v.log" 2>/dev/null | cut -c1-200 | tr '\n' ' ')}
	fi
	rm -rf "$_cf_r/root/fx"
}
