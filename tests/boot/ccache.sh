# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# Sourced by tests/boot/boot.sh and tests/boot/kernel.sh.
#
# boot_ccache BOOT: sets BPATH, the PATH their makes run with: ccache
# through links named like the compilers the trees call, in the boot
# test's own cache BOOT/ccache (a warm rerun rebuilds in seconds).  The
# source trees are unpacked anew at the same path, so files are compared by
# content (sloppiness).  No CCACHE_BASEDIR: its relative paths would defeat
# the kernel's -fmacro-prefix-map, and __FILE__ (WARN lines) would differ.
# NVC_BOOT_CCACHE=0, or no ccache: BPATH is PATH.
boot_ccache() {
	# shellcheck disable=SC2034 # BPATH: read by the sourcing script
	BPATH=$PATH
	[ "${NVC_BOOT_CCACHE:-1}" = 1 ] && command -v ccache >/dev/null 2>&1 || return 0
	mkdir -p "$1/bin" "$1/ccache"
	for _bc in cc gcc gcc-12 x86_64-linux-gnu-gcc x86_64-linux-gnu-gcc-12; do
		[ -L "$1/bin/$_bc" ] || ln -sf "$(command -v ccache)" "$1/bin/$_bc"
	done
	# shellcheck disable=SC2034 # read by the sourcing script
	BPATH=$1/bin:$PATH
	export CCACHE_DIR="$1/ccache" CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-2G}"
	export CCACHE_SLOPPINESS=include_file_ctime,include_file_mtime
}
